//! The lifecycle model: mass balance, failure statistics against the Weibull law, the signs
//! of the refresh-age trade-off, the efficiency policy's payback rule, and the economics.

mod common;

use common::{run, scenario};
use greenloop::lifecycle::Route;
use greenloop::lifecycle::failures::WeibullHazard;

/// A payment workload on catalog servers, `years` long at 1-hour steps, with `lifecycle`
/// and `datacenter` lines spliced in.
fn lifecycle_scenario(years: u32, fidelity: &str, datacenter: &str, lifecycle: &str, extra: &str) -> String {
    format!(
        r#"
name = "lifecycle"
fidelity = "{fidelity}"
horizon = "{years}y"
step = "1h"
start = "2012-01-02"
seed = 11
{extra}
[site]
latitude = 50.1
longitude = 8.7
pue = 1.5
[workload]
mean_tps = 400
profile = "card-network"
[[workload.classes]]
name = "auth"
share = 1.0
sla_ms = 300
service = {{ distribution = "lognormal", mean_ssj_ops = 6000, cv = 1.0 }}
[datacenter]
{datacenter}
dispatch = "join-shortest-queue"
power_management = {{ policy = "consolidate", target_utilization = 0.6, headroom = 0.25, interval = "15m" }}
[[datacenter.storage]]
model = "netapp-aff-a30"
count = 1
[[datacenter.network]]
model = "cisco-nexus-93180yc-ex"
count = 2
[solar]
capacity_kwp = 20
[battery]
capacity_kwh = 20
power_kw = 5
[lifecycle]
{lifecycle}
"#
    )
}

#[test]
fn every_kg_bought_is_somewhere_at_the_horizon() {
    for (eol, fidelity, years) in [
        ("\"circular\"", "flow", 10),
        ("\"industry\"", "flow", 10),
        ("\"linear\"", "flow", 6),
        (
            "{ reuse = 0.2, refurbish = 0.3, harvest = 0.3, recycle = 0.1, landfill = 0.1 }",
            "flow",
            12,
        ),
    ] {
        let s = scenario(&lifecycle_scenario(
            years,
            fidelity,
            "server = \"dell-r620-xeon-e5-2670\"\nsizing = { target_utilization = 0.6, redundancy = 2 }",
            &format!(
                "refresh = {{ policy = \"fixed-age\", age_years = 3 }}\nend_of_life = {eol}\ninitial_age = \"staggered\"\nfailures = {{ afr = 0.3 }}"
            ),
            "",
        ));
        let r = run(&s, 0);
        let l = &r.lifecycle;
        let m = l.mass;
        let error = m.inflow_kg() - m.stock_kg();
        println!(
            "{eol}: in {:.1} kg (existing {:.1} + bought {:.1}) = service {:.1} + spares {:.1} + parts {:.3} + sold {:.1} + recycled {:.1} + landfill {:.1}; error {error:.2e} kg",
            m.inflow_kg(),
            m.existing_at_start_kg,
            m.purchased_kg,
            m.in_service_kg,
            m.spare_store_kg,
            m.parts_store_kg,
            m.sold_kg,
            m.recycled_kg,
            m.landfill_kg
        );
        assert!(
            l.total(|y| f64::from(y.retired())) > 10.0,
            "the test must retire servers"
        );
        assert!(error.abs() < 1e-9 * m.inflow_kg(), "mass balance off by {error} kg");
        for v in [
            m.in_service_kg,
            m.spare_store_kg,
            m.parts_store_kg,
            m.sold_kg,
            m.recycled_kg,
            m.landfill_kg,
        ] {
            assert!(v >= -1e-9, "negative stock {v}");
        }
        // Each retired server went to exactly one route.
        let routed: f64 = l.total(|y| y.route_units.iter().map(|&u| f64::from(u)).sum());
        assert_eq!(routed, l.total(|y| f64::from(y.retired())));
        // Sold and landfilled mass are exactly what the routes say (servers only go there
        // whole).
        assert!((m.sold_kg - l.route_kg(Route::Reuse)).abs() < 1e-6);
    }
}

#[test]
fn failures_per_year_follow_the_weibull_law() {
    // 150 servers bought at time 0, never refreshed, repaired at once: failures of each
    // server form a Poisson process in age with cumulative hazard H(a) = (a / eta)^beta.
    let (afr, shape, servers, replications) = (0.15, 1.6, 150u32, 12u32);
    let s = scenario(&lifecycle_scenario(
        6,
        "flow",
        &format!("server = \"dell-r740-xeon-8280\"\ncount = {servers}"),
        &format!(
            "refresh = \"run-to-failure\"\nfailures = {{ afr = {afr}, weibull_shape = {shape}, reference_years = 5, repair_share = 1.0, repair_time = \"1s\", economic_life_years = 50 }}"
        ),
        "",
    ));
    let law = WeibullHazard::from_afr(afr, shape, 5.0, 1.0);
    let mut observed = [0.0f64; 6];
    for r in 0..replications {
        let result = run(&s, r);
        for (y, row) in result.lifecycle.years.iter().enumerate() {
            observed[y] += f64::from(row.failures);
        }
    }
    for (y, &o) in observed.iter().enumerate() {
        let expected = f64::from(servers * replications) * (law.cumulative(y as f64 + 1.0) - law.cumulative(y as f64));
        let z = (o - expected) / expected.sqrt();
        println!("year {y}: {o} failures, expected {expected:.1} (z = {z:+.2})");
        assert!(z.abs() < 4.0, "year {y}: {o} vs {expected:.1}");
    }
    // Wear-out: the last year sees clearly more failures than the first.
    assert!(observed[5] > 1.5 * observed[0]);
}

fn refresh_run(age_years: u32) -> greenloop::metrics::RunResult {
    let s = scenario(&lifecycle_scenario(
        12,
        "flow",
        "server = \"dell-r620-xeon-e5-2670\"\nsizing = { target_utilization = 0.6, redundancy = 2 }",
        &format!(
            "refresh = {{ policy = \"fixed-age\", age_years = {age_years} }}\ninitial_age = \"staggered\"\nfailures = false"
        ),
        "",
    ));
    run(&s, 0)
}

#[test]
fn a_longer_refresh_age_trades_energy_for_embodied_carbon_and_ewaste() {
    // Fixed workload (no growth), 2012 start: newer catalog servers do more work per watt.
    let runs: Vec<(u32, greenloop::metrics::RunResult)> = [3, 5, 8].into_iter().map(|a| (a, refresh_run(a))).collect();
    for (a, r) in &runs {
        println!(
            "refresh {a} y: embodied {:.0} kgCO2e, e-waste {:.0} kg, IT energy {:.0} kWh, servers bought {}",
            r.embodied_kg(),
            r.lifecycle.ewaste_generated_kg(),
            r.energy.it_kwh,
            r.lifecycle.total(|y| f64::from(y.purchases))
        );
    }
    for pair in runs.windows(2) {
        let (short, long) = (&pair[0].1, &pair[1].1);
        assert!(
            long.embodied_kg() < short.embodied_kg(),
            "embodied carbon falls with age"
        );
        assert!(
            long.lifecycle.ewaste_generated_kg() < short.lifecycle.ewaste_generated_kg(),
            "e-waste falls with age"
        );
        assert!(long.energy.it_kwh > short.energy.it_kwh, "energy rises with age");
    }
}

#[test]
fn the_efficiency_policy_never_replaces_a_server_with_a_long_payback() {
    // Energy rarely pays for a new server within a few years at these prices (paybacks of
    // 10 to 90 years here); a long limit makes the rule choose both ways.
    let payback = 25.0;
    let s = scenario(&lifecycle_scenario(
        10,
        "flow",
        "server = \"dell-r620-xeon-e5-2670\"\nsizing = { target_utilization = 0.6, redundancy = 2 }",
        &format!(
            "refresh = {{ policy = \"efficiency\", payback_years = {payback}, min_age_years = 1 }}\ninitial_age = \"staggered\"\nfailures = false"
        ),
        "[economics]\ncarbon_price_usd_per_t = 100\ngrid_price_usd_per_kwh = 0.25",
    ));
    let r = run(&s, 0);
    let d = &r.lifecycle.decisions;
    let replaced: Vec<_> = d.iter().filter(|x| x.replaced).collect();
    let kept: Vec<_> = d.iter().filter(|x| !x.replaced).collect();
    println!(
        "{} decisions: {} replaced (payback {:.2}..{:.2} y), {} kept",
        d.len(),
        replaced.len(),
        replaced.iter().map(|x| x.payback_years).fold(f64::INFINITY, f64::min),
        replaced.iter().map(|x| x.payback_years).fold(0.0, f64::max),
        kept.len()
    );

    assert!(!replaced.is_empty() && !kept.is_empty(), "the test needs both outcomes");
    assert!(replaced.iter().all(|x| x.payback_years <= payback));
    assert!(kept.iter().all(|x| x.payback_years > payback));
    assert_eq!(
        r.lifecycle.total(|y| f64::from(y.retired_planned)),
        replaced.len() as f64,
        "every planned retirement is a logged replacement"
    );
}

#[test]
fn with_no_discounting_the_npv_is_the_undiscounted_total() {
    let s = scenario(&lifecycle_scenario(
        4,
        "flow",
        "server = \"dell-r620-xeon-e5-2670\"\ncount = 10",
        "refresh = { policy = \"fixed-age\", age_years = 2 }\nend_of_life = \"circular\"",
        "[economics]\ndiscount_rate = 0.0",
    ));
    let c = run(&s, 0).cost;
    assert!(c.resale_revenue > 0.0 && c.capex > 0.0 && c.opex > 0.0);
    assert!((c.npv - c.total).abs() < 1e-6 * c.total, "{} vs {}", c.npv, c.total);
    assert!((c.total - (c.capex + c.opex - c.resale_revenue)).abs() < 1e-6 * c.total);
}

#[test]
fn failures_take_capacity_away_at_transaction_fidelity() {
    // 6 servers with a very high failure rate for 3 days: failed servers stop serving, lost
    // transactions count as dropped, and everything still balances.
    let s = scenario(&lifecycle_scenario(
        1,
        "transaction",
        "server = { cores = 8, ssj_ops_at_100 = 800000, idle_w = 60, max_w = 230 }\ncount = 6",
        "refresh = \"run-to-failure\"\nfailures = { afr = 150, weibull_shape = 1.0, repair_share = 0.5, repair_time = \"6h\", lead_time = \"12h\" }",
        "",
    )
    .replace("horizon = \"1y\"", "horizon = \"3d\"")
    .replace("mean_tps = 400", "mean_tps = 300")
    .replace("mean_ssj_ops = 6000", "mean_ssj_ops = 8000"));
    let r = run(&s, 0);
    let l = &r.lifecycle;
    let failures = l.total(|y| f64::from(y.failures));
    println!(
        "failures {failures}, repairs {}, retired {}, bought {}, dropped {}, completed {}",
        l.total(|y| f64::from(y.repairs)),
        l.total(|y| f64::from(y.retired_failed)),
        l.total(|y| f64::from(y.purchases)),
        r.dropped,
        r.completed
    );
    assert!(failures >= 5.0, "expected failures in 3 days at 150 per server-year");
    assert_eq!(r.arrivals, r.completed + r.dropped + r.in_flight_at_end);
    let m = l.mass;
    assert!((m.inflow_kg() - m.stock_kg()).abs() < 1e-9 * m.inflow_kg());
}

#[test]
fn a_worn_battery_is_replaced_bought_and_scrapped() {
    // A battery rated for only 300 cycles, cycled daily by carbon-aware dispatch, wears to
    // 80 % within the run and is replaced: capital cost, embodied carbon and e-waste.
    let text = lifecycle_scenario(
        4,
        "flow",
        "server = \"dell-r740-xeon-8280\"\ncount = 4",
        "failures = false",
        "",
    )
    .replace(
        "capacity_kwh = 20\npower_kw = 5",
        "capacity_kwh = 20\npower_kw = 10\ncycle_life = 300\ndispatch = \"carbon-aware\"",
    )
    .replace(
        "[lifecycle]",
        "[grid]\ncarbon_intensity = { file = \"scenarios/sites/grid/de-2018-hourly.csv\" }\n[lifecycle]",
    );
    let s = scenario(&text);
    let r = run(&s, 0);
    let replacements: Vec<f64> = r
        .lifecycle
        .plant_replacements
        .iter()
        .filter(|(_, k)| *k == greenloop::lifecycle::PlantKind::Battery)
        .map(|(t, _)| *t)
        .collect();
    println!(
        "battery replaced at {replacements:?} years; capex plant {:.0} USD",
        r.cost.capex_plant
    );
    assert!(!replacements.is_empty(), "a 300-cycle battery must wear out in 4 years");
    let one_battery = 20.0 * s.economics.battery_usd_per_kwh + 10.0 * s.economics.battery_usd_per_kw;
    let pv = 20.0 * s.economics.pv_usd_per_kwp;
    let expected = pv + one_battery * (1.0 + replacements.len() as f64);
    assert!((r.cost.capex_plant - expected).abs() < 1e-6 * expected);
    let m = r.lifecycle.mass;
    assert!((m.inflow_kg() - m.stock_kg()).abs() < 1e-9 * m.inflow_kg());
}
