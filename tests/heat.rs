//! Heat reuse and solar heat over a year: per step, heat delivered never exceeds what the IT
//! heat and the heat pump can give plus the solar heat, nor the demand; ERF stays in [0, 1];
//! the heat pump's electricity is part of facility energy; avoided boiler emissions follow
//! from the heat delivered.

mod common;

use common::{run_with_steps, scenario};
use greenloop::heat::carnot_cop;

#[test]
fn heat_balances_and_reuse_metrics_hold_every_hour() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/heat-reuse-nordic.toml")).unwrap();
    let s = scenario(&text);
    let (r, steps) = run_with_steps(&s);
    let heat = s.energy.heat.as_ref().unwrap();
    let cop = carnot_cop(0.43, 27.0, 70.0);
    assert!((heat.cop() - cop).abs() < 1e-12);
    let most = heat.recovery_share / (1.0 - 1.0 / cop);
    let demand_kw = 40.0;
    let (mut reused, mut solar, mut facility_minus_hp) = (0.0, 0.0, 0.0);
    for st in &steps {
        assert!(
            st.heat_reused_kw <= st.it_kw * most + 1e-9,
            "more heat than the IT heat allows at {} h",
            st.time_h
        );
        assert!(
            st.heat_reused_kw + st.solar_thermal_kw <= demand_kw + 1e-9,
            "more than the demand"
        );
        assert!(st.solar_thermal_kw >= 0.0 && st.heat_reused_kw >= 0.0);
        reused += st.heat_reused_kw * st.duration_h;
        solar += st.solar_thermal_kw * st.duration_h;
        facility_minus_hp += st.it_kw * st.pue * st.duration_h;
    }
    let f = &r.supply.flows;
    assert!((f.heat_reused - reused).abs() < 1e-6 * reused);
    assert!((f.solar_thermal - solar).abs() < 1e-6 * solar.max(1.0));
    assert!(solar > 0.0, "the collectors deliver heat in summer");
    // Facility energy = IT x PUE + the heat pump's electricity = delivered heat / COP.
    assert!((f.heat_pump - f.heat_reused / cop).abs() < 1e-6 * f.heat_pump);
    assert!((r.energy.facility_kwh - facility_minus_hp - f.heat_pump).abs() < 1e-6 * r.energy.facility_kwh);
    let json = r.metrics_json();
    let erf = json["erf"].as_f64().unwrap();
    let ere = json["ere"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&erf), "ERF {erf}");
    // The Green Grid identity: ERE = (1 - ERF) x PUE (facility / IT).
    assert!((ere - (1.0 - erf) * r.energy.facility_kwh / r.energy.it_kwh).abs() < 1e-9);
    let avoided = json["heat"]["avoided_kgco2e"].as_f64().unwrap();
    assert!((avoided - (f.heat_reused + f.solar_thermal) / 0.9 * 0.202).abs() < 1e-6 * avoided);
    println!(
        "IT {:.0} kWh, heat pump {:.0} kWh, heat reused {:.0} kWh (COP {cop:.2}), solar heat {:.0} kWh, ERF {erf:.3}, ERE {ere:.3}, avoided {avoided:.0} kgCO2e against {:.0} kgCO2e operational",
        r.energy.it_kwh,
        f.heat_pump,
        f.heat_reused,
        f.solar_thermal,
        f.carbon_g / 1000.0
    );
}
