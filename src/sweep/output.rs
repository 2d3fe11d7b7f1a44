//! Sweep outputs, computed from the journal in variant and replication order (so a single
//! run, a resumed run and merged shards give the same bytes):
//! * `sweep.csv`: one row per variant: its index, the swept values, whether it is on the
//!   Pareto front of the objectives, then every metric's mean over the replications and
//!   its 95 % confidence half-width, and with a baseline the paired difference to the
//!   baseline and its half-width (differences of the same replication: common random
//!   numbers make them tight);
//! * `sweep.json`: the same per variant, with the full metric trees.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::journal::CellIndex;
use super::plan::Plan;
use crate::error::Error;
use crate::metrics::RunResult;
use crate::metrics::aggregate::{aggregate, mean_and_half_width};
use crate::output::StagedOutput;

/// Numeric leaves of a tree: (dotted path, value).
pub type Leaves = Vec<(String, f64)>;

/// Mean and CI trees of one variant's replications (the CI tree is null for one run).
pub fn variant_trees(runs: &[RunResult]) -> (Value, Value) {
    let trees: Vec<Value> = runs.iter().map(RunResult::metrics_json).collect();
    mean_and_ci(&trees)
}

fn mean_and_ci(trees: &[Value]) -> (Value, Value) {
    if trees.len() == 1 {
        (trees[0].clone(), Value::Null)
    } else {
        aggregate(trees)
    }
}

/// Numeric leaves of a tree as (dotted path, value), in the tree's (sorted) order.
pub fn flatten(tree: &Value) -> Leaves {
    fn walk(v: &Value, prefix: &str, out: &mut Leaves) {
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

/// The value at a dotted path of a tree.
pub fn get(tree: &Value, path: &str) -> Option<f64> {
    path.split('.')
        .try_fold(tree, |node, k| node.get(k))
        .and_then(Value::as_f64)
}

/// Metrics kept per variant for the printed table (besides the objectives).
pub const HEADLINE: [&str; 8] = [
    "energy_kwh.it",
    "carbon_kg.operational",
    "carbon_kg.embodied",
    "carbon_kg.total",
    "ewaste_kg.generated",
    "ewaste_kg.landfill",
    "cost.npv",
    "latency_ms.p99",
];

/// One variant in the printed table (only a few metrics are kept, so memory does not grow
/// with the size of the metric trees).
#[derive(Debug, Clone)]
pub struct VariantRow {
    /// Index.
    pub index: usize,
    /// `key=value ...`.
    pub label: String,
    /// (metric, mean, CI half-width) of the headline metrics and the objectives.
    pub values: Vec<(String, f64, Option<f64>)>,
    /// On the Pareto front of the objectives.
    pub pareto: bool,
}

impl VariantRow {
    /// Mean and CI of `metric`, if kept.
    pub fn value(&self, metric: &str) -> Option<(f64, Option<f64>)> {
        self.values.iter().find(|(m, ..)| m == metric).map(|(_, x, h)| (*x, *h))
    }
}

/// What `finish` wrote.
#[derive(Debug)]
pub struct FinishReport {
    /// Per variant: label, headline means and CIs.
    pub rows: Vec<VariantRow>,
    /// The objectives of the Pareto front.
    pub objectives: Vec<super::Objective>,
    /// Files written.
    pub files: Vec<std::path::PathBuf>,
}

fn cell_trees(plan: &Plan, index: &CellIndex, v: usize) -> Result<Vec<Value>, Error> {
    (0..plan.replications)
        .map(|r| match index.metrics(v, r).map_err(Error::Internal)? {
            Some(t) => Ok(t),
            None => Err(Error::Usage(format!(
                "the results of variant {v} ({}), replication {r} are missing; run every shard (or --resume) and merge all of their folders",
                plan.label(v)
            ))),
        })
        .collect()
}

fn number_text(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// Whether `a` dominates `b`: no worse in every objective and better in one.
fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

/// Writes `sweep.csv` and `sweep.json` into `out_dir` from the cells of `index`.
pub fn finish(plan: &Plan, index: &CellIndex, out_dir: &Path) -> Result<FinishReport, Error> {
    let n = plan.variants.len();
    // Pass 1: the columns (union of metric names in first-seen order), the objectives and
    // the printed rows.
    let mut columns: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(n);
    let mut scores: Vec<Option<Vec<f64>>> = Vec::with_capacity(n);
    for v in 0..n {
        let trees = cell_trees(plan, index, v)?;
        let (mean, ci) = mean_and_ci(&trees);
        for (k, _) in flatten(&mean) {
            if seen.insert(k.clone()) {
                columns.push(k);
            }
        }
        let score: Option<Vec<f64>> = plan
            .objectives
            .iter()
            .map(|o| {
                get(&mean, &o.metric)
                    .filter(|x| x.is_finite())
                    .map(|x| if o.maximize { -x } else { x })
            })
            .collect();
        scores.push(score);
        let values = HEADLINE
            .iter()
            .copied()
            .chain(plan.objectives.iter().map(|o| o.metric.as_str()))
            .filter_map(|m| get(&mean, m).map(|x| (m.to_owned(), x, get(&ci, m))))
            .collect();
        rows.push(VariantRow {
            index: v,
            label: plan.label(v),
            values,
            pareto: false,
        });
    }
    for v in 0..n {
        let Some(sv) = &scores[v] else { continue };
        rows[v].pareto = !scores
            .iter()
            .enumerate()
            .any(|(u, su)| u != v && su.as_ref().is_some_and(|su| dominates(su, sv)));
    }
    // The baseline's leaves per replication, for paired differences.
    let baseline: Option<Vec<Map<String, Value>>> = match plan.baseline {
        Some(b) => Some(
            cell_trees(plan, index, b)?
                .iter()
                .map(|t| flatten(t).into_iter().map(|(k, x)| (k, json!(x))).collect())
                .collect(),
        ),
        None => None,
    };

    // Pass 2: the files.
    let mut out = StagedOutput::new(out_dir)?;
    let mut csv_file = out.create("sweep.csv")?;
    let mut json_file = out.create("sweep.json")?;
    let write_err = |e: std::io::Error| Error::Internal(format!("writing the sweep outputs: {e}"));
    let mut header = vec!["variant".to_owned()];
    header.extend(plan.keys.iter().cloned());
    header.push("pareto".to_owned());
    for c in &columns {
        header.push(c.clone());
        header.push(format!("{c}_ci95"));
        if baseline.is_some() {
            header.push(format!("{c}_diff"));
            header.push(format!("{c}_diff_ci95"));
        }
    }
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(&header).map_err(|e| Error::Internal(e.to_string()))?;
    let head = json!({
        "name": plan.name,
        "version": env!("CARGO_PKG_VERSION"),
        "keys": plan.keys,
        "mode": plan.mode,
        "replications": plan.replications,
        "baseline": plan.baseline,
        "objectives": plan.to_json()["objectives"],
    });
    let head_text = serde_json::to_string_pretty(&head).map_err(|e| Error::Internal(e.to_string()))?;
    // `{ ...head, "variants": [` then one object per variant.
    let head_open = head_text.trim_end().trim_end_matches('}').trim_end();
    write!(json_file, "{head_open},\n  \"variants\": [\n").map_err(write_err)?;
    for (v, row) in rows.iter().enumerate() {
        let trees = cell_trees(plan, index, v)?;
        let (mean_tree, ci_tree) = mean_and_ci(&trees);
        let mean = flatten(&mean_tree);
        let ci = flatten(&ci_tree);
        let per_rep: Vec<Leaves> = trees.iter().map(flatten).collect();
        let lookup = |list: &Leaves, key: &str| list.iter().find(|(k, _)| k == key).map(|(_, x)| *x);
        let mut record = vec![v.to_string()];
        record.extend(plan.variants[v].iter().map(|(_, x)| super::value_text(x)));
        record.push(if row.pareto { "1" } else { "0" }.to_owned());
        let mut diff_tree = Map::new();
        for c in &columns {
            record.push(lookup(&mean, c).map_or(String::new(), number_text));
            record.push(lookup(&ci, c).map_or(String::new(), number_text));
            if let Some(base) = &baseline {
                let diffs: Option<Vec<f64>> = per_rep
                    .iter()
                    .zip(base)
                    .map(|(leaves, b)| Some(lookup(leaves, c)? - b.get(c)?.as_f64()?))
                    .collect();
                match diffs {
                    Some(d) if !d.is_empty() => {
                        let (m, h) = mean_and_half_width(&d);
                        record.push(number_text(m));
                        record.push(number_text(h));
                        diff_tree.insert(c.clone(), json!({ "mean": m, "ci95": h }));
                    }
                    _ => {
                        record.push(String::new());
                        record.push(String::new());
                    }
                }
            }
        }
        csv.write_record(&record).map_err(|e| Error::Internal(e.to_string()))?;
        let set: Map<String, Value> = plan.variants[v].iter().cloned().collect();
        let mut item = json!({
            "variant": v,
            "set": set,
            "pareto": row.pareto,
            "metrics": mean_tree,
            "ci95": ci_tree,
        });
        if baseline.is_some() {
            item["difference_to_baseline"] = Value::Object(diff_tree);
        }
        let text = serde_json::to_string_pretty(&item).map_err(|e| Error::Internal(e.to_string()))?;
        let indented = text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n");
        let sep = if v + 1 < n { ",\n" } else { "\n" };
        write!(json_file, "{indented}{sep}").map_err(write_err)?;
        // Stream the CSV rows too.
        let bytes = std::mem::replace(&mut csv, csv::Writer::from_writer(Vec::new()))
            .into_inner()
            .map_err(|e| Error::Internal(e.to_string()))?;
        csv_file.write_all(&bytes).map_err(write_err)?;
    }
    write!(json_file, "  ]\n}}\n").map_err(write_err)?;
    out.add(csv_file)?;
    out.add(json_file)?;
    let files = out.commit()?;
    Ok(FinishReport {
        rows,
        objectives: plan.objectives.clone(),
        files,
    })
}
