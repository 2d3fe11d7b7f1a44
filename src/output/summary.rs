//! `summary.json`: the scenario's identity, then every metric (the mean over replications)
//! and, with more than one replication, a `ci95` tree of 95 % confidence half-widths with
//! the same shape. Nothing time-dependent (wall clock, host) goes in, so the same scenario
//! and seed give identical bytes.

use serde_json::{Value, json};

use crate::datacenter::{PowerManagement, Sizing};
use crate::metrics::RunResult;
use crate::metrics::aggregate::aggregate;
use crate::scenario::{Scenario, format_duration};
use crate::workload::BaseRate;

/// The whole `summary.json` document.
pub fn summary_json(scenario: &Scenario, results: &[RunResult]) -> Value {
    let trees: Vec<Value> = results.iter().map(RunResult::metrics_json).collect();
    let (metrics, ci) = if trees.len() == 1 {
        (trees[0].clone(), Value::Null)
    } else {
        aggregate(&trees)
    };
    let mut doc = identity_json(scenario);
    doc["replications"] = json!(results.len());
    if let (Some(d), Value::Object(m)) = (doc.as_object_mut(), metrics) {
        d.extend(m);
        if !ci.is_null() {
            d.insert("ci95".to_owned(), ci);
        }
    }
    doc
}

/// The identity of a run (name, seed, horizon, ...) and its `setup`: `summary.json`
/// without the metrics.
pub fn identity_json(scenario: &Scenario) -> Value {
    json!({
        "scenario": scenario.name,
        "description": scenario.description,
        "version": env!("CARGO_PKG_VERSION"),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "fidelity": scenario.fidelity.as_str(),
        "horizon_h": scenario.horizon_ns as f64 / 3.6e12,
        "step": format_duration(scenario.step_ns),
        "warmup_h": scenario.warmup_ns as f64 / 3.6e12,
        "start": scenario.start_date.to_string(),
        "setup": setup_json(scenario),
    })
}

/// The scenario as simulated, defaults filled in (the `setup` tree of `summary.json`).
pub fn setup_json(s: &Scenario) -> Value {
    let dc = &s.datacenter;
    let sizing = match &dc.sizing {
        Sizing::Fixed => json!("fixed"),
        Sizing::Peak {
            peak_tps,
            target_utilization,
            redundancy,
        } => json!({ "peak_tps": peak_tps, "target_utilization": target_utilization, "redundancy": redundancy }),
    };
    let power = match dc.power_management {
        PowerManagement::AlwaysOn => json!({ "policy": "always-on" }),
        PowerManagement::SleepWhenIdle {
            idle_timeout_ns,
            min_awake,
        } => json!({
            "policy": "sleep-when-idle",
            "idle_timeout": format_duration(idle_timeout_ns),
            "min_awake": min_awake,
        }),
        PowerManagement::Consolidate {
            target_utilization,
            headroom,
            interval_ns,
            min_awake,
        } => json!({
            "policy": "consolidate",
            "target_utilization": target_utilization,
            "headroom": headroom,
            "interval": format_duration(interval_ns),
            "min_awake": min_awake,
        }),
    };
    let rate = match &s.workload.base {
        BaseRate::MeanTps(tps) => json!({ "mean_tps": tps, "profile": s.workload.profile_name }),
        BaseRate::Trace(_) => json!({ "trace": s.workload.profile_name }),
    };
    json!({
        "site": {
            "name": s.site.name,
            "latitude": s.site.latitude,
            "longitude": s.site.longitude,
            "utc_offset_hours": s.site.utc_offset_hours,
            "pue": pue_json(&s.energy.pue),
            "weather": s.energy.weather.as_ref().map(|w| match w {
                crate::weather::WeatherSpec::File(y) => json!({ "file": y.source, "station": y.site.name }),
                crate::weather::WeatherSpec::Synthetic { .. } => json!("synthetic"),
            }),
        },
        "energy": energy_json(s),
        "workload": {
            "rate": rate,
            "growth_per_year": s.workload.growth_per_year,
            "classes": s.workload.classes.iter().map(|c| json!({
                "name": c.name,
                "share": c.share,
                "sla_ms": c.sla_ms,
                "distribution": format!("{:?}", c.work.kind()).to_lowercase(),
                "mean_ssj_ops": c.work.mean_ssj_ops(),
                "cv": c.work.cv(),
                "profile": c.profile_name,
            })).collect::<Vec<_>>(),
        },
        "datacenter": {
            "server": dc.server.id,
            "server_name": dc.server.name,
            "cores_per_server": dc.server.cores,
            "count": dc.count,
            "sizing": sizing,
            "dispatch": dc.dispatch.as_str(),
            "queue_capacity": dc.queue_capacity,
            "power_management": power,
            "low_power_state": format!("{:?}", dc.low_power_state).to_lowercase(),
            "devices": dc.devices.iter().map(|d| json!({ "model": d.id, "count": d.count, "power_w_each": d.power_w_each })).collect::<Vec<_>>(),
        },
        "lifecycle": lifecycle_json(s),
        "economics": {
            "discount_rate": s.economics.discount_rate,
            "carbon_price_usd_per_t": s.economics.carbon_price_usd_per_t,
            "carbon_price_on_embodied": s.economics.carbon_price_on_embodied,
        },
    })
}

fn lifecycle_json(s: &Scenario) -> Value {
    use crate::lifecycle::{InitialAge, RefreshPolicy};
    let l = &s.lifecycle;
    let refresh = match l.refresh {
        RefreshPolicy::FixedAge { years } => json!({ "policy": "fixed-age", "age_years": years }),
        RefreshPolicy::Efficiency {
            payback_years,
            min_age_years,
        } => json!({ "policy": "efficiency", "payback_years": payback_years, "min_age_years": min_age_years }),
        RefreshPolicy::RunToFailure => json!({ "policy": "run-to-failure" }),
    };
    json!({
        "active": l.active,
        "refresh": refresh,
        "purchase": l.purchase_rule,
        "initial_age": match l.initial_age { InitialAge::New => "new", InitialAge::Staggered { .. } => "staggered" },
        "amortization_years": l.amortization_years,
        "failures": l.failures.map(|f| json!({
            "afr": f.afr,
            "weibull_shape": f.weibull_shape,
            "repair_share": f.repair_share,
            "lead_time_days": f.lead_time_ns as f64 / 8.64e13,
        })),
        "end_of_life": {
            "policy": l.end_of_life.name,
            "reuse": l.end_of_life.shares.reuse,
            "refurbish": l.end_of_life.shares.refurbish,
            "harvest": l.end_of_life.shares.harvest,
            "recycle": l.end_of_life.shares.recycle,
            "landfill": l.end_of_life.shares.landfill,
        },
    })
}

fn pue_json(p: &crate::energy::PueModel) -> Value {
    match *p {
        crate::energy::PueModel::Constant(v) => json!(v),
        crate::energy::PueModel::FreeCooling {
            base,
            free_cooling_below_c,
            per_degree,
            max,
        } => {
            json!({ "model": "free-cooling", "base": base, "free_cooling_below_c": free_cooling_below_c, "per_degree": per_degree, "max": max })
        }
    }
}

fn energy_json(s: &Scenario) -> Value {
    let e = &s.energy;
    json!({
        "solar": e.solar.as_ref().map(|pv| json!({
            "capacity_kwp": pv.capacity_kwp,
            "module": pv.module,
            "tilt_deg": pv.tilt_deg,
            "azimuth_deg": pv.azimuth_deg,
            "dc_ac_ratio": pv.dc_ac_ratio,
            "losses": pv.losses,
            "gamma_pdc_per_c": pv.gamma_per_c,
            "degradation_per_year": pv.degradation_per_year,
        })),
        "wind": e.wind.as_ref().map(|w| json!({
            "turbine": w.turbine,
            "count": w.count,
            "hub_height_m": w.hub_height_m,
            "capacity_kw": w.capacity_kw(),
            "availability": w.availability,
            "wake_losses": w.wake_losses,
        })),
        "battery": e.battery.as_ref().map(|b| json!({
            "capacity_kwh": b.capacity_kwh,
            "charge_power_kw": b.charge_power_kw,
            "discharge_power_kw": b.discharge_power_kw,
            "round_trip_efficiency": b.round_trip_efficiency,
            "soc_window": [b.soc_min, b.soc_max],
            "dispatch": b.dispatch.describe(),
        })),
        "grid": {
            "carbon_intensity": e.grid.carbon.name,
            "carbon_mean_g_per_kwh": e.grid.carbon.values.mean(),
            "price": e.grid.price.name,
            "currency": e.grid.currency,
            "import_limit_kw": e.grid.import_limit_kw,
            "export": e.grid.export.as_ref().map(|x| json!({ "price_per_mwh": x.price_per_mwh, "limit_kw": x.limit_kw })),
        },
    })
}
