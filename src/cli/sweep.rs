//! Printing a sweep: the variant list, a table of the headline metrics, the Pareto set.

use greenloop::sweep::Sweep;
use greenloop::sweep::output::{FinishReport, VariantRow};

/// Headline columns: (title, dotted metric, scale, decimals).
const COLUMNS: [(&str, &str, f64, usize); 8] = [
    ("IT MWh", "energy_kwh.it", 1e-3, 1),
    ("op. tCO2e", "carbon_kg.operational", 1e-3, 1),
    ("emb. tCO2e", "carbon_kg.embodied", 1e-3, 1),
    ("total tCO2e", "carbon_kg.total", 1e-3, 1),
    ("e-waste t", "ewaste_kg.generated", 1e-3, 2),
    ("landfill t", "ewaste_kg.landfill", 1e-3, 2),
    ("NPV k$", "cost.npv", 1e-3, 0),
    ("p99 ms", "latency_ms.p99", 1.0, 1),
];

/// The variants, one per line.
pub fn listing(sweep: &Sweep) -> String {
    let mut out = format!(
        "{} variants x {} replications ({})\n",
        sweep.variants.len(),
        sweep.replications,
        sweep.mode.as_str()
    );
    for v in &sweep.variants {
        let mark = if sweep.baseline == Some(v.index) {
            "  (baseline)"
        } else {
            ""
        };
        out.push_str(&format!("  {:>4}  {}{mark}\n", v.index, v.label()));
    }
    out
}

fn row_text(row: &VariantRow, width: usize) -> String {
    let mut out = format!("  {:>4} {:<width$}", row.index, row.label);
    for (_, metric, scale, decimals) in COLUMNS {
        let cell = match row.value(metric) {
            Some((m, Some(h))) => format!("{:.*} ±{:.*}", decimals, m * scale, decimals, h * scale),
            Some((m, None)) => format!("{:.*}", decimals, m * scale),
            None => "-".to_owned(),
        };
        out.push_str(&format!(" {cell:>16}"));
    }
    out.push('\n');
    out
}

/// A table of the headline metrics per variant (mean, with the 95 % CI when replicated),
/// then the Pareto set of the objectives. Long sweeps print only the Pareto set.
pub fn table(report: &FinishReport) -> String {
    let mut out = String::new();
    let width = report.rows.iter().map(|r| r.label.len()).max().unwrap_or(8).max(7);
    let mut header = format!("  {:>4} {:<width$}", "#", "variant");
    for (title, ..) in COLUMNS {
        header.push_str(&format!(" {title:>16}"));
    }
    header.push('\n');
    if report.rows.len() <= 60 {
        out.push_str(&header);
        for row in &report.rows {
            out.push_str(&row_text(row, width));
        }
    }
    let objectives: Vec<String> = report
        .objectives
        .iter()
        .map(|o| format!("{} {}", if o.maximize { "max" } else { "min" }, o.metric))
        .collect();
    let front: Vec<&VariantRow> = report.rows.iter().filter(|r| r.pareto).collect();
    out.push_str(&format!(
        "\n  Pareto set ({} of {} variants; {}):\n",
        front.len(),
        report.rows.len(),
        objectives.join(", ")
    ));
    out.push_str(&header);
    for row in front {
        out.push_str(&row_text(row, width));
    }
    out
}
