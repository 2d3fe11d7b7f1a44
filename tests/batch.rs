//! Batch work in the datacenter: with a flat carbon trace every policy gives the energy and
//! carbon of as-soon-as-possible; carbon-aware shifting lowers the run's carbon on a real
//! trace; work is conserved; both fidelities run the batch work.

mod common;

use common::{run, scenario};
use greenloop::batch::FamilyTotals;

fn text(policy: &str, carbon: &str, fidelity: &str, horizon: &str) -> String {
    format!(
        r#"
name = "batch"
fidelity = "{fidelity}"
horizon = "{horizon}"
step = "1h"
seed = 4
[site]
latitude = 50.1
longitude = 8.7
utc_offset_hours = 1
[workload]
mean_tps = 200
profile = "bank"
[[workload.batch]]
name = "retraining"
start = "00:00"
every = "1d"
size_core_hours = {{ distribution = "gamma", mean = 200, cv = 0.4 }}
parallelism = 56
deadline = "24h"
policy = "{policy}"
forecast_error = 0.0
extra_servers = 2
[datacenter]
server = "dell-r740-xeon-8280"
count = 4
dispatch = "power-aware-packing"
power_management = {{ policy = "sleep-when-idle", idle_timeout = "60s", min_awake = 1 }}
[grid]
carbon_intensity = {carbon}
"#
    )
}

fn totals(policy: &str, carbon: &str) -> (FamilyTotals, f64, f64) {
    let r = run(&scenario(&text(policy, carbon, "flow", "30d")), 0);
    (r.batch[0].clone(), r.supply.flows.carbon_g, r.energy.it_kwh)
}

#[test]
fn with_a_flat_carbon_trace_every_policy_is_as_soon_as_possible() {
    let (asap, carbon, it) = totals("asap", "300");
    for policy in ["carbon-aware", "price-aware"] {
        let (t, c, e) = totals(policy, "300");
        assert!(
            (t.energy_kwh - asap.energy_kwh).abs() < 1e-9 * asap.energy_kwh,
            "{policy}"
        );
        assert!((t.carbon_kg - asap.carbon_kg).abs() < 1e-9 * asap.carbon_kg, "{policy}");
        assert!(
            (c - carbon).abs() < 1e-9 * carbon && (e - it).abs() < 1e-9 * it,
            "{policy}: the whole run is the same"
        );
    }
    assert!(asap.core_h_done > 1000.0 && asap.deadline_misses == 0.0);
}

#[test]
fn carbon_aware_shifting_lowers_the_runs_carbon_on_a_real_trace() {
    let trace = "{ file = \"scenarios/sites/grid/de-2018-hourly.csv\" }";
    let s = scenario(&text("carbon-aware", trace, "flow", "60d"));
    let r = run(&s, 0);
    let (asap, asap_carbon_kg, _) = r.batch_asap.clone().expect("compared with as-soon-as-possible");
    let saved = asap_carbon_kg - r.supply.flows.carbon_g / 1000.0;
    let (a, b) = (&asap[0], &r.batch[0]);
    println!(
        "batch carbon {:.1} kg (ASAP {:.1}); run carbon saved {saved:.1} kg; misses {} (ASAP {}); mean delay {:.1} h (ASAP {:.1})",
        b.carbon_kg,
        a.carbon_kg,
        b.deadline_misses,
        a.deadline_misses,
        b.mean_delay_h(),
        a.mean_delay_h()
    );
    assert!(b.carbon_kg < 0.95 * a.carbon_kg, "the batch's carbon falls");
    assert!(saved > 0.0, "the run's carbon falls");
    assert!(
        (b.energy_kwh - a.energy_kwh).abs() < 0.1 * a.energy_kwh,
        "about the same energy"
    );
    assert!(b.mean_delay_h() > a.mean_delay_h(), "at the price of waiting");
    // Work is conserved and no task starts before its release.
    for t in [a, b] {
        assert!((t.core_h_done + t.core_h_unfinished - t.core_h_released).abs() < 1e-6 * t.core_h_released);
        assert!(t.min_start_after_release_h >= 0.0);
    }
    let json = r.metrics_json();
    assert!(
        json["batch"]["saved_vs_asap"]["run_carbon_kg_operational"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn batch_work_runs_at_transaction_fidelity_too() {
    let r = run(
        &scenario(&text("asap", "300", "transaction", "2d").replace("mean_tps = 200", "mean_tps = 20")),
        0,
    );
    let t = &r.batch[0];
    assert!(t.core_h_done > 100.0, "{t:?}");
    assert!(t.energy_kwh > 0.0);
    assert!((t.core_h_done + t.core_h_unfinished - t.core_h_released).abs() < 1e-6 * t.core_h_released);
}
