//! The energy models against references that are not greenloop's own output: the PV chain
//! against pvlib, wind energy against numerical integration of the power curve, the
//! synthetic weather's statistics against what it was asked for and against real TMY3 files,
//! and the energy and carbon balances at every step.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use greenloop::catalog::Catalog;
use greenloop::energy::EnergySystem;
use greenloop::engine::RngStreams;
use greenloop::engine::time::NS_PER_HOUR;
use greenloop::scenario::validate::energy::default_synthetic;
use greenloop::solar::position::sun_at_local_hour;
use greenloop::solar::{PvSpec, SapmTemperature, Transposition};
use greenloop::weather::{SyntheticParams, SyntheticWeather, WeatherSite, read_tmy3};
use statrs::function::gamma::gamma;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn greensboro() -> greenloop::weather::WeatherYear {
    let path = root().join("scenarios/sites/weather/723170TYA.CSV");
    read_tmy3(&std::fs::read_to_string(&path).unwrap(), "greensboro").unwrap()
}

fn pv(transposition: Transposition) -> PvSpec {
    PvSpec {
        capacity_kwp: 100.0,
        module: None,
        tilt_deg: 25.0,
        azimuth_deg: 180.0,
        albedo: 0.2,
        transposition,
        gamma_per_c: -0.0037,
        losses: greenloop::solar::pvwatts::pvwatts_default_losses(),
        dc_ac_ratio: 1.2,
        inverter_efficiency: 0.96,
        degradation_per_year: 0.0,
        temperature: SapmTemperature::OPEN_RACK_GLASS_POLYMER,
    }
}

/// Hourly AC (W) of the 100 kWdc reference system over the Greensboro TMY3 year, with the
/// pvlib reference's conventions: rows dated in 1990, sun at mid-hour, local standard time.
fn greensboro_ac_w(transposition: Transposition) -> Vec<f64> {
    let year = greensboro();
    let site = &year.site;
    let spec = pv(transposition);
    let start = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    year.hours
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let date = start.checked_add_days(Days::new((i / 24) as u64)).unwrap();
            let sun = sun_at_local_hour(
                site.latitude,
                site.longitude,
                site.utc_offset_hours,
                date,
                (i % 24) as u32,
            );
            spec.output(w.irradiance, w.temp_air_c, w.wind_ms, sun).ac_w
        })
        .collect()
}

fn fixture_ac_w() -> Vec<f64> {
    let path = root().join("tests/fixtures/pv/greensboro_100kwdc_hourly.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    let idx = reader.headers().unwrap().iter().position(|h| h == "ac_w").unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[idx].parse::<f64>().unwrap())
        .collect()
}

fn fixture_summary() -> serde_json::Value {
    let path = root().join("tests/fixtures/pv/greensboro_100kwdc_summary.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn pv_chain_matches_pvlib_on_the_greensboro_tmy3() {
    let summary = fixture_summary();
    for (model, key) in [
        (Transposition::HayDavies, "haydavies"),
        (Transposition::Isotropic, "isotropic"),
    ] {
        let ours = greensboro_ac_w(model);
        let annual_kwh = ours.iter().sum::<f64>() / 1000.0;
        let reference = summary["results"][key]["annual_ac_kwh"].as_f64().unwrap();
        let err = annual_kwh / reference - 1.0;
        println!(
            "{key}: annual AC {annual_kwh:.1} kWh vs pvlib {reference:.1} kWh ({:+.3} %)",
            100.0 * err
        );
        assert!(err.abs() < 0.03, "{key}: annual AC differs by {:.2} %", 100.0 * err);
    }
    let ours = greensboro_ac_w(Transposition::HayDavies);
    let reference = fixture_ac_w();
    assert_eq!(ours.len(), reference.len());
    let r = correlation(&ours, &reference);
    println!("hourly correlation with pvlib: {r:.5}");
    assert!(r > 0.98, "hourly correlation {r}");
}

/// Mean power (kW) of `curve` for a Weibull(k, c) wind speed, by the trapezoid rule on a
/// 0.001 m/s grid up to 40 m/s.
fn weibull_mean_power_kw(curve: &greenloop::wind::PowerCurve, k: f64, c: f64) -> f64 {
    let dv = 0.001;
    let pdf = |v: f64| {
        if v <= 0.0 {
            0.0
        } else {
            k / c * (v / c).powf(k - 1.0) * (-(v / c).powf(k)).exp()
        }
    };
    let n = (40.0 / dv) as usize;
    (0..n)
        .map(|i| {
            let (a, b) = (i as f64 * dv, (i + 1) as f64 * dv);
            0.5 * (curve.power_kw(a) * pdf(a) + curve.power_kw(b) * pdf(b)) * dv
        })
        .sum()
}

fn synthetic_wind(k: f64, c: f64, hours: usize, seed: u64) -> Vec<f64> {
    let params = SyntheticParams {
        wind_weibull_k: k,
        wind_weibull_c_ms: c,
        ..default_synthetic()
    };
    let site = WeatherSite {
        name: "test".into(),
        latitude: 50.0,
        longitude: 8.0,
        utc_offset_hours: 1.0,
        elevation_m: 0.0,
    };
    let mut g = SyntheticWeather::new(params, site, RngStreams::new(seed, 0).stream("weather"));
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    (0..hours)
        .map(|i| {
            g.hour(
                start.checked_add_days(Days::new((i / 24) as u64)).unwrap(),
                (i % 24) as u32,
            )
            .wind_ms
        })
        .collect()
}

#[test]
fn wind_energy_matches_integration_of_the_power_curve() {
    let catalog = Catalog::builtin().unwrap();
    let curve = catalog.turbine("vestas-v112-3.0").unwrap().curve();
    let expected_kw = weibull_mean_power_kw(&curve, 2.0, 8.0);
    // The independent Python reference (tests/fixtures/scripts/wind_weibull_reference.py).
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/wind/weibull_k2_c8_reference.json")).unwrap(),
    )
    .unwrap();
    let python_kw = fixture["mean_power_kw"].as_f64().unwrap();
    assert!(
        (expected_kw / python_kw - 1.0).abs() < 1e-4,
        "{expected_kw} vs {python_kw}"
    );
    // 100 years of hourly synthetic wind (autocorrelated: about 4,600 effective samples per
    // decade), through the turbine at its measurement height without shear or density change.
    let winds = synthetic_wind(2.0, 8.0, 100 * 8_760, 21);
    let simulated_kw = winds.iter().map(|&v| curve.power_kw(v)).sum::<f64>() / winds.len() as f64;
    let err = simulated_kw / expected_kw - 1.0;
    println!(
        "V112-3.0, Weibull(2, 8): simulated {simulated_kw:.2} kW, integrated {expected_kw:.2} kW ({:+.2} %), {:.0} MWh/yr",
        100.0 * err,
        expected_kw * 8.76
    );
    assert!(err.abs() < 0.02, "annual energy differs by {:.2} %", 100.0 * err);
}

/// Maximum-likelihood Weibull (k, c) of a sample (Newton iteration on k).
fn fit_weibull(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean_ln = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
    let mut k = 2.0;
    for _ in 0..100 {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &x in xs {
            let xk = x.powf(k);
            let l = x.ln();
            s0 += xk;
            s1 += xk * l;
            s2 += xk * l * l;
        }
        let f = s1 / s0 - 1.0 / k - mean_ln;
        let df = (s2 * s0 - s1 * s1) / (s0 * s0) + 1.0 / (k * k);
        let step = f / df;
        k -= step;
        if step.abs() < 1e-10 {
            break;
        }
    }
    let c = (xs.iter().map(|x| x.powf(k)).sum::<f64>() / n).powf(1.0 / k);
    (k, c)
}

#[test]
fn synthetic_wind_recovers_its_weibull_parameters() {
    for (k, c) in [(2.0, 8.0), (1.6, 6.0), (2.8, 10.0)] {
        let winds = synthetic_wind(k, c, 20 * 8_760, 5);
        let (k_hat, c_hat) = fit_weibull(&winds);
        println!("Weibull({k}, {c}): fitted ({k_hat:.3}, {c_hat:.3})");
        assert!(
            (k_hat / k - 1.0).abs() < 0.05 && (c_hat / c - 1.0).abs() < 0.05,
            "({k_hat}, {c_hat}) vs ({k}, {c})"
        );
        // Hour-to-hour persistence: the speeds are strongly autocorrelated.
        let n = winds.len();
        let m = winds.iter().sum::<f64>() / n as f64;
        let lag1: f64 = winds.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum::<f64>()
            / winds.iter().map(|x| (x - m).powi(2)).sum::<f64>();
        assert!(lag1 > 0.8, "lag-1 autocorrelation {lag1}");
        // Sanity: the sample mean is the Weibull mean c Gamma(1 + 1/k).
        assert!((m / (c * gamma(1.0 + 1.0 / k)) - 1.0).abs() < 0.05);
    }
}

fn synthetic_annual_ghi(site: WeatherSite, params: SyntheticParams, years: usize) -> f64 {
    let mut g = SyntheticWeather::new(params, site, RngStreams::new(9, 0).stream("weather"));
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut total = 0.0;
    for i in 0..years * 8_760 {
        total += g
            .hour(
                start.checked_add_days(Days::new((i / 24) as u64)).unwrap(),
                (i % 24) as u32,
            )
            .irradiance
            .ghi;
    }
    total / 1000.0 / years as f64
}

#[test]
fn synthetic_solar_matches_the_tmy3_files_of_two_climates() {
    // Greensboro with the defaults (the default cloudiness is Greensboro's own clear-sky
    // index of 0.71, so this checks the geometry, the clear-sky model and that clamping
    // and the diffuse split preserve the mean) and Sand Point, AK at 55 N with its own
    // measured index (0.55): the generator follows latitude and cloudiness.
    let cases = [
        ("723170TYA.CSV", default_synthetic()),
        (
            "703165TY.csv",
            SyntheticParams {
                clear_sky_index_mean: 0.55,
                ..default_synthetic()
            },
        ),
    ];
    for (file, params) in cases {
        let text = std::fs::read_to_string(root().join("scenarios/sites/weather").join(file)).unwrap();
        let tmy = read_tmy3(&text, file).unwrap();
        let reference = tmy.annual_ghi_kwh_m2();
        let synthetic = synthetic_annual_ghi(tmy.site.clone(), params, 5);
        let err = synthetic / reference - 1.0;
        println!(
            "{file}: synthetic {synthetic:.0} kWh/m2/yr vs TMY3 {reference:.0} ({:+.1} %)",
            100.0 * err
        );
        assert!(err.abs() < 0.10, "{file}: {synthetic} vs {reference}");
    }
}

/// A year of the energy system of `battery_dispatch`, stepped with a varying load: the
/// balances hold at every step, the battery stays in its window, and the carbon of every
/// step is its import times the hour's intensity.
fn check_balances(battery_dispatch: &str, export: &str) {
    let s = common::scenario(&format!(
        r#"
name = "balance"
horizon = "1y"
step = "15m"
[site]
latitude = 50.1
longitude = 8.7
utc_offset_hours = 1
pue = {{ model = "free-cooling" }}
[workload]
mean_tps = 100
[datacenter]
count = 2
[solar]
capacity_kwp = 400
[wind]
turbine = "enercon-e82-3.0"
count = 1
[battery]
capacity_kwh = 800
power_kw = 200
dispatch = {battery_dispatch}
[grid]
carbon_intensity = {{ file = "scenarios/sites/grid/de-2018-hourly.csv" }}
price = {{ file = "scenarios/sites/grid/de-2018-hourly.csv" }}
export = {export}
import_limit_kw = 2000
"#
    ));
    let spec = Arc::clone(&s.energy);
    let battery = spec.battery.clone().unwrap();
    let mut sys = EnergySystem::new(spec, s.calendar(), &RngStreams::new(3, 0));
    let step = NS_PER_HOUR / 4;
    let mut charged = 0.0;
    for i in 0..(8_760 * 4) {
        let t0 = i as u64 * step;
        let it_kw = 300.0 + 250.0 * ((i as f64) / 96.0 * std::f64::consts::TAU).sin();
        let e = sys.step(t0, t0 + step, it_kw, true);
        let f = e.flows;
        assert!(f.demand_imbalance() < 1e-9, "step {i}: demand balance {f:?}");
        if f.renewables() > 0.0 {
            assert!(f.production_imbalance() < 1e-9, "step {i}: production balance {f:?}");
        }
        let expected_carbon = f.grid_import() * e.carbon_g_per_kwh;
        assert!(
            (f.carbon_g - expected_carbon).abs() <= 1e-9 * expected_carbon.max(1.0),
            "step {i}: carbon"
        );
        for v in [
            f.re_to_load,
            f.re_to_battery,
            f.re_to_grid,
            f.curtailed,
            f.battery_to_load,
            f.grid_to_load,
            f.grid_to_battery,
            f.unserved,
        ] {
            assert!(v >= -1e-12, "step {i}: negative flow {f:?}");
        }
        let b = sys.battery().unwrap();
        let soc = b.soc();
        assert!(
            soc >= battery.soc_min - 1e-9 && soc <= battery.soc_max + 1e-9,
            "step {i}: SoC {soc} outside the window"
        );
        charged += f.battery_charge();
    }
    sys.finish();
    let t = sys.totals();
    assert!(t.demand_imbalance() < 1e-9 && t.production_imbalance() < 1e-9);
    assert!(charged > 0.0, "the battery was used");
    assert!(t.cfe_matched <= t.demand + 1e-6 && t.cfe_matched >= t.re_to_load - 1e-6);
    println!(
        "{battery_dispatch}, export {export}: demand {:.0} kWh, solar {:.0}, wind {:.0}, import {:.0}, export {:.0}, curtailed {:.0}, battery in {:.0} out {:.0}, {:.1} t CO2e",
        t.demand,
        t.solar,
        t.wind,
        t.grid_import(),
        t.grid_export(),
        t.curtailed,
        t.battery_charge(),
        t.battery_to_load,
        t.carbon_g / 1e6
    );
}

#[test]
fn balances_hold_at_every_step_self_consumption() {
    check_balances("\"self-consumption\"", "false");
}

#[test]
fn balances_hold_at_every_step_carbon_aware_with_export() {
    check_balances("\"carbon-aware\"", "{ price_per_mwh = 30.0 }");
}

#[test]
fn balances_hold_at_every_step_price_arbitrage() {
    check_balances("\"price-arbitrage\"", "true");
}

#[test]
fn epw_reader_reads_the_same_year_as_the_tmy3_reader() {
    // The Greensboro TMY3 year written in EnergyPlus EPW layout (8 header lines; data fields
    // 1 year, 2 month, 3 day, 4 hour 1-24, 5 minute, 6 source, 7 dry bulb, 10 pressure Pa,
    // 14 GHI, 15 DNI, 16 DHI, 21 wind direction, 22 wind speed, 35 fields in all), as
    // pvlib's EPW reader defines it.
    let tmy = greensboro();
    let s = &tmy.site;
    let mut epw = format!(
        "LOCATION,{},NC,USA,TMY3,723170,{},{},{},{}\n",
        s.name, s.latitude, s.longitude, s.utc_offset_hours, s.elevation_m
    );
    for header in [
        "DESIGN CONDITIONS,0",
        "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,test",
        "COMMENTS 2,test",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ] {
        epw.push_str(header);
        epw.push('\n');
    }
    let start = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    for (i, h) in tmy.hours.iter().enumerate() {
        let date = start.checked_add_days(Days::new((i / 24) as u64)).unwrap();
        let mut fields = vec!["0".to_string(); 35];
        use chrono::Datelike;
        fields[0] = "1990".into();
        fields[1] = date.month().to_string();
        fields[2] = date.day().to_string();
        fields[3] = (i % 24 + 1).to_string();
        fields[4] = "60".into();
        fields[5] = "A7".into();
        fields[6] = h.temp_air_c.to_string();
        fields[9] = h.pressure_pa.to_string();
        fields[13] = h.irradiance.ghi.to_string();
        fields[14] = h.irradiance.dni.to_string();
        fields[15] = h.irradiance.dhi.to_string();
        fields[20] = "180".into();
        fields[21] = h.wind_ms.to_string();
        epw.push_str(&fields.join(","));
        epw.push('\n');
    }
    let year = greenloop::weather::read_epw(&epw, "test.epw").unwrap();
    assert_eq!(year.hours, tmy.hours);
    assert_eq!(
        (year.site.latitude, year.site.longitude, year.site.utc_offset_hours),
        (s.latitude, s.longitude, s.utc_offset_hours)
    );
    // A damaged row is reported with its line.
    let mut lines: Vec<String> = epw.lines().map(str::to_owned).collect();
    let mut row: Vec<&str> = lines[8].split(',').collect();
    row[13] = "x";
    lines[8] = row.join(",");
    match greenloop::weather::read_epw(&lines.join("\n"), "test.epw") {
        Ok(_) => panic!("a damaged GHI cell must be an error"),
        Err(e) => assert!(e.to_string().contains("line 9") && e.to_string().contains("GHI"), "{e}"),
    }
}
