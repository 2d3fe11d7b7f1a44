//! The scenario in plain words, from the `setup` tree of `summary.json` (so a report can
//! describe a run from its output folder alone, and `greenloop explain` a file before it
//! runs).

use serde_json::Value;

use super::table::human;

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |node, k| node.get(*k)).and_then(Value::as_f64)
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |node, k| node.get(*k)).and_then(Value::as_str)
}

fn pct(x: f64) -> String {
    format!("{} %", human(100.0 * x))
}

/// Paragraphs describing the scenario: `doc` is a summary document (identity keys plus
/// `setup`).
pub fn describe(doc: &Value) -> Vec<String> {
    let s = &doc["setup"];
    let mut out = Vec::new();
    let horizon_h = num(doc, &["horizon_h"]).unwrap_or(0.0);
    let plural = |x: f64, unit: &str| format!("{} {unit}{}", human(x), if x == 1.0 { "" } else { "s" });
    let horizon = if horizon_h >= 8760.0 {
        plural(horizon_h / 8760.0, "year")
    } else if horizon_h >= 48.0 {
        plural(horizon_h / 24.0, "day")
    } else {
        plural(horizon_h, "hour")
    };
    let fidelity = match text(doc, &["fidelity"]) {
        Some("transaction") => "every transaction is simulated as an event",
        _ => "the transaction stream is integrated step by step with queueing theory",
    };
    out.push(format!(
        "\"{}\" simulates {horizon} from {} in steps of {}; {fidelity}. It runs {} replication(s) with seed {}{}.",
        text(doc, &["scenario"]).unwrap_or("scenario"),
        text(doc, &["start"]).unwrap_or("?"),
        text(doc, &["step"]).unwrap_or("?"),
        num(doc, &["replications"]).unwrap_or(1.0),
        num(doc, &["seed"]).unwrap_or(0.0),
        match num(doc, &["warmup_h"]) {
            Some(w) if w > 0.0 => format!(", ignoring the first {} hours as warm-up", human(w)),
            _ => String::new(),
        }
    ));
    let w = &s["workload"];
    let rate = match (
        num(w, &["rate", "mean_tps"]),
        text(w, &["rate", "profile"]),
        text(w, &["rate", "trace"]),
    ) {
        (Some(tps), Some(profile), _) => format!(
            "{} transactions per second on average, shaped by the \"{profile}\" profile",
            human(tps)
        ),
        (_, _, Some(trace)) => format!("the rate of the trace {trace}"),
        _ => "the scenario's rate".to_owned(),
    };
    let growth = num(w, &["growth_per_year"]).unwrap_or(0.0);
    let classes: Vec<String> = w["classes"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|k| {
                    format!(
                        "{} ({} of arrivals, {} ssj_ops of work, SLA {} ms)",
                        text(k, &["name"]).unwrap_or("?"),
                        pct(num(k, &["share"]).unwrap_or(0.0)),
                        human(num(k, &["mean_ssj_ops"]).unwrap_or(0.0)),
                        human(num(k, &["sla_ms"]).unwrap_or(0.0))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.push(format!(
        "Payments arrive at {rate}{}. Classes: {}.",
        if growth != 0.0 {
            format!(", growing {} a year", pct(growth))
        } else {
            String::new()
        },
        classes.join("; ")
    ));
    let dc = &s["datacenter"];
    let power = &dc["power_management"];
    let pm = match text(power, &["policy"]) {
        Some("always-on") => "every server stays on".to_owned(),
        Some("sleep-when-idle") => format!(
            "a server empty for {} goes to {}",
            text(power, &["idle_timeout"]).unwrap_or("?"),
            text(dc, &["low_power_state"]).unwrap_or("sleep")
        ),
        Some("consolidate") => format!(
            "every {} just enough servers stay awake for the observed load at {} utilization plus {} headroom; the others {}",
            text(power, &["interval"]).unwrap_or("?"),
            pct(num(power, &["target_utilization"]).unwrap_or(0.0)),
            pct(num(power, &["headroom"]).unwrap_or(0.0)),
            text(dc, &["low_power_state"]).unwrap_or("sleep")
        ),
        _ => "power management as configured".to_owned(),
    };
    let sizing = match dc["sizing"].as_object() {
        Some(sz) => format!(
            " (sized for the peak of {} transactions per second at {} utilization plus {} spare)",
            human(sz.get("peak_tps").and_then(Value::as_f64).unwrap_or(0.0)),
            pct(sz.get("target_utilization").and_then(Value::as_f64).unwrap_or(0.0)),
            sz.get("redundancy").and_then(Value::as_f64).unwrap_or(0.0)
        ),
        None => String::new(),
    };
    out.push(format!(
        "The datacenter starts with {} x {} ({} cores each){sizing}; dispatch is {}; {pm}. Facility power is IT power x PUE {}.",
        num(dc, &["count"]).unwrap_or(0.0),
        text(dc, &["server_name"]).unwrap_or("?"),
        num(dc, &["cores_per_server"]).unwrap_or(0.0),
        text(dc, &["dispatch"]).unwrap_or("?"),
        match &s["site"]["pue"] {
            Value::Number(n) => n.to_string(),
            other => format!("modelled as {}", text(other, &["model"]).unwrap_or("a table")),
        }
    ));
    let e = &s["energy"];
    let mut supply = Vec::new();
    if let Some(kwp) = num(e, &["solar", "capacity_kwp"]) {
        supply.push(format!("{} kWp of PV", human(kwp)));
    }
    if let Some(kw) = num(e, &["wind", "capacity_kw"]) {
        supply.push(format!(
            "{} x {} wind turbine(s) ({} kW)",
            num(e, &["wind", "count"]).unwrap_or(0.0),
            text(e, &["wind", "turbine"]).unwrap_or("?"),
            human(kw)
        ));
    }
    if let Some(kwh) = num(e, &["battery", "capacity_kwh"]) {
        supply.push(format!(
            "a {} kWh battery, dispatch: {}",
            human(kwh),
            text(e, &["battery", "dispatch"]).unwrap_or("?")
        ));
    }
    out.push(format!(
        "Energy: {}; the grid's carbon intensity is \"{}\" (mean {} gCO2e/kWh) and its price \"{}\"{}.",
        if supply.is_empty() {
            "no on-site generation or storage".to_owned()
        } else {
            supply.join(", ")
        },
        text(e, &["grid", "carbon_intensity"]).unwrap_or("?"),
        human(num(e, &["grid", "carbon_mean_g_per_kwh"]).unwrap_or(0.0)),
        text(e, &["grid", "price"]).unwrap_or("?"),
        if e["grid"]["export"].is_null() {
            "; surplus is curtailed"
        } else {
            "; surplus is exported"
        }
    ));
    let l = &s["lifecycle"];
    if l["active"].as_bool() == Some(true) {
        let refresh = &l["refresh"];
        let policy = match text(refresh, &["policy"]) {
            Some("fixed-age") => format!(
                "refreshed at {} years",
                human(num(refresh, &["age_years"]).unwrap_or(0.0))
            ),
            Some("efficiency") => format!(
                "replaced when a newer server pays back within {} years",
                human(num(refresh, &["payback_years"]).unwrap_or(0.0))
            ),
            _ => "run until they fail beyond repair".to_owned(),
        };
        let failures = match l["failures"].as_object() {
            Some(f) => format!(
                "fail at {} a year (Weibull shape {}), {} repaired",
                pct(f.get("afr").and_then(Value::as_f64).unwrap_or(0.0)),
                f.get("weibull_shape").and_then(Value::as_f64).unwrap_or(0.0),
                pct(f.get("repair_share").and_then(Value::as_f64).unwrap_or(0.0))
            ),
            None => "do not fail".to_owned(),
        };
        out.push(format!(
            "Lifecycle: servers ({} at the start) are {policy}, buying \"{}\" servers; they {failures}; retired equipment follows the \"{}\" end-of-life policy (reuse {}, refurbish {}, harvest {}, recycle {}, landfill {}).",
            text(l, &["initial_age"]).unwrap_or("new"),
            text(l, &["purchase"]).unwrap_or("?"),
            text(l, &["end_of_life", "policy"]).unwrap_or("?"),
            pct(num(l, &["end_of_life", "reuse"]).unwrap_or(0.0)),
            pct(num(l, &["end_of_life", "refurbish"]).unwrap_or(0.0)),
            pct(num(l, &["end_of_life", "harvest"]).unwrap_or(0.0)),
            pct(num(l, &["end_of_life", "recycle"]).unwrap_or(0.0)),
            pct(num(l, &["end_of_life", "landfill"]).unwrap_or(0.0)),
        ));
    } else {
        out.push("Lifecycle: the fleet is static (no failures or refresh); the embodied carbon of what the scenario describes is allocated over its service life.".to_owned());
    }
    let ec = &s["economics"];
    out.push(format!(
        "Costs are discounted at {} a year{}.",
        pct(num(ec, &["discount_rate"]).unwrap_or(0.0)),
        match num(ec, &["carbon_price_usd_per_t"]) {
            Some(p) if p > 0.0 => format!(" with a carbon price of {} USD/t", human(p)),
            _ => ", without a carbon price".to_owned(),
        }
    ));
    out
}
