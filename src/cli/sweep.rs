//! Printing a sweep: the variant list and a table of the headline metrics.

use greenloop::sweep::output::variant_trees;
use greenloop::sweep::{Sweep, VariantResult};

/// Headline metrics: (column title, dotted path, scale, decimals).
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

fn get(tree: &serde_json::Value, path: &str) -> Option<f64> {
    path.split('.')
        .try_fold(tree, |node, k| node.get(k))
        .and_then(serde_json::Value::as_f64)
}

/// The variants, one per line.
pub fn listing(sweep: &Sweep) -> String {
    let mut out = format!(
        "{} variants x {} replications\n",
        sweep.variants.len(),
        sweep.variants.first().map_or(0, |v| v.scenario.replications)
    );
    for v in &sweep.variants {
        out.push_str(&format!("  {:>4}  {}\n", v.index, v.label()));
    }
    out
}

/// A table of the headline metrics per variant (mean, with the 95 % CI when replicated).
pub fn table(sweep: &Sweep, results: &[VariantResult]) -> String {
    let mut out = String::new();
    let width = sweep.variants.iter().map(|v| v.label().len()).max().unwrap_or(8).max(7);
    out.push_str(&format!("  {:<width$}", "variant"));
    for (title, ..) in COLUMNS {
        out.push_str(&format!(" {title:>16}"));
    }
    out.push('\n');
    for (v, r) in sweep.variants.iter().zip(results) {
        let (mean, ci) = variant_trees(&r.runs);
        out.push_str(&format!("  {:<width$}", v.label()));
        for (_, path, scale, decimals) in COLUMNS {
            let cell = match (get(&mean, path), get(&ci, path)) {
                (Some(m), Some(h)) => format!("{:.*} ±{:.*}", decimals, m * scale, decimals, h * scale),
                (Some(m), None) => format!("{:.*}", decimals, m * scale),
                _ => "-".to_owned(),
            };
            out.push_str(&format!(" {cell:>16}"));
        }
        out.push('\n');
    }
    out
}
