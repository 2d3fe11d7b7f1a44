//! The short human summary printed after a run, built from `summary.json`.

use serde_json::Value;

fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter()
        .try_fold(v, |node, key| node.get(key))
        .and_then(Value::as_f64)
        .unwrap_or(f64::NAN)
}

/// Formats a number with about 4 significant digits and thousands kept readable.
pub fn human(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    let a = x.abs();
    if a >= 1e9 {
        format!("{:.3e}", x)
    } else if a >= 1000.0 {
        let s = format!("{:.0}", x);
        let (sign, digits) = s.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", s.as_str()));
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        format!("{sign}{out}")
    } else if x == x.trunc() {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{:.1}", x)
    } else if a >= 1.0 {
        format!("{:.2}", x)
    } else {
        // Three significant digits for small values (0.000336, 0.0123).
        let decimals = (2 - a.log10().floor() as i32).clamp(3, 12) as usize;
        format!("{x:.decimals$}")
    }
}

/// A value with its CI half-width when the summary has one.
fn with_ci(summary: &Value, path: &[&str]) -> String {
    let value = human(num(summary, path));
    match summary.get("ci95") {
        Some(ci) => {
            let h = num(ci, path);
            if h.is_finite() {
                format!("{value} ± {}", human(h))
            } else {
                value
            }
        }
        None => value,
    }
}

/// The table as text; `color`: bold labels and the title (ANSI, for a terminal).
pub fn summary_table(summary: &Value, color: bool) -> String {
    let s = summary;
    let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let setup = &s["setup"]["datacenter"];
    let title = format!(
        "{} ({}, {} replication{}, {} h)",
        text("scenario"),
        text("fidelity"),
        num(s, &["replications"]),
        if num(s, &["replications"]) == 1.0 { "" } else { "s" },
        human(num(s, &["horizon_h"]))
    );
    let mut lines = vec![if color { format!("\x1b[1m{title}\x1b[0m") } else { title }];
    let row = |label: &str, value: String| {
        if color {
            format!("  \x1b[1;36m{label:<14}\x1b[0m {value}")
        } else {
            format!("  {label:<14} {value}")
        }
    };
    lines.push(row(
        "transactions",
        format!(
            "{} total, {} dropped, SLA violations {} %",
            with_ci(s, &["transactions", "total"]),
            with_ci(s, &["transactions", "dropped"]),
            human(100.0 * num(s, &["transactions", "sla_violation_fraction"]))
        ),
    ));
    lines.push(row(
        "latency (ms)",
        format!(
            "mean {}  p50 {}  p95 {}  p99 {}  p99.9 {}",
            with_ci(s, &["latency_ms", "mean"]),
            human(num(s, &["latency_ms", "p50"])),
            human(num(s, &["latency_ms", "p95"])),
            human(num(s, &["latency_ms", "p99"])),
            human(num(s, &["latency_ms", "p999"]))
        ),
    ));
    let (start, end) = (num(setup, &["count"]), num(s, &["servers", "count"]));
    let at_end = if (start - end).abs() > 1e-9 {
        format!(" at the start, {} in service at the end", human(end))
    } else {
        String::new()
    };
    lines.push(row(
        "servers",
        format!(
            "{start} x {}{at_end}; {} awake on average, utilization {} %",
            setup["server_name"].as_str().unwrap_or(""),
            human(num(s, &["servers", "mean_awake"])),
            human(100.0 * num(s, &["servers", "mean_utilization"]))
        ),
    ));
    lines.push(row(
        "energy (kWh)",
        format!(
            "IT {}  facility {}  (mean PUE {})",
            with_ci(s, &["energy_kwh", "it"]),
            with_ci(s, &["energy_kwh", "facility"]),
            human(num(s, &["pue", "mean"]))
        ),
    ));
    let currency = s["setup"]["energy"]["grid"]["currency"].as_str().unwrap_or("");
    lines.push(row(
        "supply (kWh)",
        format!(
            "solar {}  wind {}  grid import {}  export {}  curtailed {}",
            human(num(s, &["energy_kwh", "solar"])),
            human(num(s, &["energy_kwh", "wind"])),
            human(num(s, &["energy_kwh", "grid_import"])),
            human(num(s, &["energy_kwh", "grid_export"])),
            human(num(s, &["energy_kwh", "curtailed"]))
        ),
    ));
    lines.push(row(
        "carbon, cost",
        format!(
            "{} kg CO2e operational; renewable {} %, hourly carbon-free {} %; grid energy {} {currency}",
            with_ci(s, &["carbon_kg", "operational"]),
            human(100.0 * num(s, &["renewable_fraction"])),
            human(100.0 * num(s, &["hourly_cfe_fraction"])),
            human(num(s, &["cost", "grid_energy"]))
        ),
    ));
    lines.push(row(
        "lifecycle",
        format!(
            "embodied {} kg CO2e (total {}); {} servers bought, {} failures; e-waste {} kg ({} kg landfill)",
            with_ci(s, &["carbon_kg", "embodied"]),
            with_ci(s, &["carbon_kg", "total"]),
            human(num(s, &["lifecycle", "servers_bought"])),
            human(num(s, &["lifecycle", "failures"])),
            human(num(s, &["ewaste_kg", "generated"])),
            human(num(s, &["ewaste_kg", "landfill"]))
        ),
    ));
    lines.push(row(
        "cost (USD)",
        format!(
            "capex {}  opex {}  NPV {}  ({} per million transactions)",
            human(num(s, &["cost", "capex"])),
            human(num(s, &["cost", "opex"])),
            with_ci(s, &["cost", "npv"]),
            human(num(s, &["cost", "usd_per_million_tx"]))
        ),
    ));
    lines.push(row(
        "intensity",
        format!(
            "{} Wh and {} g CO2e (operational + embodied) per transaction",
            with_ci(s, &["intensity", "wh_per_tx"]),
            with_ci(s, &["intensity", "gco2e_per_tx"])
        ),
    ));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_numbers() {
        assert_eq!(human(1234567.0), "1,234,567");
        assert_eq!(human(-4321.0), "-4,321");
        assert_eq!(human(12.345), "12.35");
        assert_eq!(human(0.01234), "0.0123");
        assert_eq!(human(0.000336), "0.000336");
        assert_eq!(human(672.0), "672");
        assert_eq!(human(0.0), "0");
        assert_eq!(human(2.5e12), "2.500e12");
    }
}
