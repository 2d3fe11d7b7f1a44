//! Sweep outputs: `sweep.csv` (one row per variant: its index, the swept values, then
//! every metric's mean over the replications and its 95 % confidence half-width) and
//! `sweep.json` (the same as a list of objects with the full metric trees).

use serde_json::{Value, json};

use super::{Sweep, VariantResult, value_text};
use crate::metrics::RunResult;
use crate::metrics::aggregate::aggregate;

/// Mean and CI trees of one variant's replications (the CI tree is null for one run).
pub fn variant_trees(runs: &[RunResult]) -> (Value, Value) {
    let trees: Vec<Value> = runs.iter().map(RunResult::metrics_json).collect();
    if trees.len() == 1 {
        (trees[0].clone(), Value::Null)
    } else {
        aggregate(&trees)
    }
}

/// Numeric leaves of a tree: (dotted path, value).
pub type Leaves = Vec<(String, f64)>;

/// Numeric leaves of a tree as (dotted path, value), in the tree's (sorted) order.
pub fn flatten(tree: &Value) -> Leaves {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<(String, f64)>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(child, &path, out);
                }
            }
            Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    out.push((prefix.to_owned(), x));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(tree, "", &mut out);
    out
}

/// The text of `sweep.csv`.
pub fn sweep_csv(sweep: &Sweep, results: &[VariantResult]) -> Result<String, csv::Error> {
    let summaries: Vec<(Leaves, Leaves)> = results
        .iter()
        .map(|r| {
            let (mean, ci) = variant_trees(&r.runs);
            (flatten(&mean), flatten(&ci))
        })
        .collect();
    // Columns: the union of metric paths in first-seen order.
    let mut columns: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (mean, _) in &summaries {
        for (k, _) in mean {
            if seen.insert(k.clone()) {
                columns.push(k.clone());
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["variant".to_owned()];
    header.extend(sweep.keys.iter().cloned());
    for c in &columns {
        header.push(c.clone());
        header.push(format!("{c}_ci95"));
    }
    w.write_record(&header)?;
    for ((variant, (mean, ci)), _) in sweep.variants.iter().zip(&summaries).zip(results) {
        let mut row = vec![variant.index.to_string()];
        row.extend(variant.assignments.iter().map(|(_, v)| value_text(v)));
        let lookup = |list: &Leaves, key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        for c in &columns {
            row.push(lookup(mean, c).map_or(String::new(), |v| format!("{v}")));
            row.push(lookup(ci, c).map_or(String::new(), |v| format!("{v}")));
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The document of `sweep.json`.
pub fn sweep_json(sweep: &Sweep, results: &[VariantResult]) -> Value {
    let variants: Vec<Value> = sweep
        .variants
        .iter()
        .zip(results)
        .map(|(v, r)| {
            let (mean, ci) = variant_trees(&r.runs);
            let set: serde_json::Map<String, Value> = v.assignments.iter().cloned().collect();
            json!({ "variant": v.index, "set": set, "replications": r.runs.len(), "metrics": mean, "ci95": ci })
        })
        .collect();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "keys": sweep.keys,
        "mode": match sweep.mode { super::SweepMode::Grid => "grid", super::SweepMode::Zip => "zip" },
        "variants": variants,
    })
}
