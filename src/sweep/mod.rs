//! Sweeps: one scenario file with a `[sweep]` table that maps dotted keys to lists of
//! values. Every variant is the base scenario with one value per key (the full grid, or
//! `mode = "zip"`: the lists advance together). Variants are validated before anything
//! runs; all (variant, replication) cells then run on rayon's pool. Replication r of every
//! variant uses the same random streams (common random numbers), so differences between
//! variants are not blurred by different random draws. Results are combined in cell order,
//! so the output is identical for any thread count.

pub mod output;

use std::path::Path;

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::metrics::{DiscardSteps, RunResult};
use crate::scenario::error::{ScenarioError, ScenarioErrors};
use crate::scenario::source::SourceMap;
use crate::scenario::{Format, Scenario};

/// How the lists of a sweep combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepMode {
    /// Every combination.
    Grid,
    /// The i-th variant takes the i-th value of every list (lists of equal length).
    Zip,
}

/// One variant: the values it sets and the validated scenario.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Index in the sweep.
    pub index: usize,
    /// (dotted key, value) it sets.
    pub assignments: Vec<(String, Value)>,
    /// The scenario.
    pub scenario: Scenario,
}

impl Variant {
    /// A short label, e.g. `lifecycle.refresh.age_years=4 lifecycle.end_of_life=circular`.
    pub fn label(&self) -> String {
        self.assignments
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A value as written in labels and CSV cells (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A loaded sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The swept keys, in file order.
    pub keys: Vec<String>,
    /// Grid or zip.
    pub mode: SweepMode,
    /// The variants.
    pub variants: Vec<Variant>,
}

/// Reads and validates a sweep file: the base scenario and every variant.
pub fn load_sweep(path: &Path) -> Result<Sweep, ScenarioErrors> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: display.clone(),
        line: None,
        key: String::new(),
        message: format!("cannot read the file: {e}"),
        hint: Some("check the path".into()),
    })?;
    let format = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        Format::Json
    } else {
        Format::Toml
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("sweep");
    let base_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    load_sweep_str(&text, format, &display, stem, base_dir)
}

/// Like [`load_sweep`], from text.
pub fn load_sweep_str(
    text: &str,
    format: Format,
    file: &str,
    default_name: &str,
    base_dir: &Path,
) -> Result<Sweep, ScenarioErrors> {
    let map = SourceMap::build(text, format);
    let error = |key: &str, message: String, hint: &str| ScenarioError {
        file: file.to_owned(),
        line: map.line_of(key),
        key: key.to_owned(),
        message,
        hint: Some(hint.to_owned()),
    };
    // The base must parse as a scenario (syntax and key errors with their lines).
    crate::scenario::parse_raw_checked(text, format, file, &map)?;
    let mut doc = crate::scenario::document_value(text, format).map_err(|m| error("", m, "fix the file's syntax"))?;
    let Some(Value::Object(sweep)) = doc.as_object_mut().and_then(|d| d.remove("sweep")) else {
        return Err(error(
            "sweep",
            "the file has no [sweep] table".into(),
            "add e.g. [sweep] with \"datacenter.server\" = [\"dell-r740-xeon-8280\", \"dell-r7525-epyc-7702\"]",
        )
        .into());
    };
    let mut mode = SweepMode::Grid;
    let mut axes: Vec<(String, Vec<Value>)> = Vec::new();
    for (key, value) in sweep {
        let sweep_key = format!("sweep.{key}");
        if key == "mode" {
            mode = match value.as_str() {
                Some("grid") => SweepMode::Grid,
                Some("zip") => SweepMode::Zip,
                _ => {
                    return Err(error(
                        &sweep_key,
                        format!("unknown sweep mode {value}"),
                        "use mode = \"grid\" (every combination) or \"zip\" (lists advance together)",
                    )
                    .into());
                }
            };
            continue;
        }
        let Value::Array(values) = value else {
            return Err(error(
                &sweep_key,
                format!("the sweep value of \"{key}\" is not a list"),
                "give a list of values, e.g. \"solar.capacity_kwp\" = [0, 50, 100]",
            )
            .into());
        };
        if values.is_empty() {
            return Err(error(
                &sweep_key,
                format!("the sweep list of \"{key}\" is empty"),
                "give at least one value",
            )
            .into());
        }
        axes.push((key, values));
    }
    // In file order (the value tree sorts keys).
    axes.sort_by_key(|(k, _)| map.line_of(&format!("sweep.{k}")).unwrap_or(usize::MAX));
    if axes.is_empty() {
        return Err(error(
            "sweep",
            "the [sweep] table sweeps nothing".into(),
            "add a dotted key with a list of values",
        )
        .into());
    }
    let combos = combinations(&axes, mode)
        .map_err(|m| error("sweep", m, "give every list the same length, or use mode = \"grid\""))?;
    if combos.len() > MAX_VARIANTS {
        return Err(error(
            "sweep",
            format!("the sweep has {} variants, more than {MAX_VARIANTS}", combos.len()),
            "sweep fewer values, or split the sweep into several files",
        )
        .into());
    }
    let keys: Vec<String> = axes.iter().map(|(k, _)| k.clone()).collect();
    let mut variants = Vec::with_capacity(combos.len());
    let mut errors = Vec::new();
    for (index, combo) in combos.into_iter().enumerate() {
        let mut value = doc.clone();
        let assignments: Vec<(String, Value)> = keys.iter().cloned().zip(combo).collect();
        for (key, v) in &assignments {
            if let Err(m) = set_dotted(&mut value, key, v.clone()) {
                errors.push(error(
                    &format!("sweep.{key}"),
                    m,
                    "sweep a key of the scenario, e.g. \"lifecycle.refresh.age_years\"",
                ));
            }
        }
        if !errors.is_empty() {
            break;
        }
        let label = assignments
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect::<Vec<_>>()
            .join(" ");
        match crate::scenario::scenario_from_value(value, file, default_name, &map, base_dir) {
            Ok(scenario) => variants.push(Variant {
                index,
                assignments,
                scenario,
            }),
            Err(ScenarioErrors(list)) => {
                for mut e in list {
                    e.message = format!("{} (sweep variant {index}: {label})", e.message);
                    // Point at the sweep line when the error is about a swept key.
                    let swept = keys.iter().find(|k| {
                        e.key == **k || e.key.starts_with(&format!("{k}.")) || k.starts_with(&format!("{}.", e.key))
                    });
                    if let Some(k) = swept {
                        e.line = map.line_of(&format!("sweep.{k}")).or(e.line);
                    }
                    errors.push(e);
                }
                break;
            }
        }
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors(errors));
    }
    Ok(Sweep { keys, mode, variants })
}

/// Variants a sweep may have.
pub const MAX_VARIANTS: usize = 100_000;

fn combinations(axes: &[(String, Vec<Value>)], mode: SweepMode) -> Result<Vec<Vec<Value>>, String> {
    match mode {
        SweepMode::Zip => {
            let n = axes[0].1.len();
            if let Some((k, v)) = axes.iter().find(|(_, v)| v.len() != n) {
                return Err(format!(
                    "mode = \"zip\" needs lists of equal length; \"{k}\" has {} values, \"{}\" has {n}",
                    v.len(),
                    axes[0].0
                ));
            }
            Ok((0..n)
                .map(|i| axes.iter().map(|(_, v)| v[i].clone()).collect())
                .collect())
        }
        SweepMode::Grid => {
            let mut out: Vec<Vec<Value>> = vec![Vec::new()];
            for (_, values) in axes {
                if out.len().saturating_mul(values.len()) > MAX_VARIANTS {
                    return Err(format!("the grid has more than {MAX_VARIANTS} variants"));
                }
                out = out
                    .into_iter()
                    .flat_map(|prefix| {
                        values.iter().map(move |v| {
                            let mut p = prefix.clone();
                            p.push(v.clone());
                            p
                        })
                    })
                    .collect();
            }
            Ok(out)
        }
    }
}

/// Sets `value` at the dotted `key` of `doc`, creating tables on the way. A part of the
/// path that is a number indexes a list (`workload.classes.0.share`).
fn set_dotted(doc: &mut Value, key: &str, value: Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("\"{key}\" is not a dotted key"));
    }
    let mut node = doc;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let here = parts[..=i].join(".");
        node = match node {
            Value::Object(map) => {
                if last {
                    map.insert((*part).to_owned(), value);
                    return Ok(());
                }
                let child = map
                    .entry((*part).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !(child.is_object() || child.is_array()) {
                    // A name given where a table is swept (refresh = "fixed-age" and
                    // "lifecycle.refresh.age_years" swept): keep the name as `policy`.
                    let name = child.clone();
                    let mut table = Map::new();
                    if name.is_string() {
                        table.insert("policy".into(), name);
                    }
                    *child = Value::Object(table);
                }
                child
            }
            Value::Array(list) => {
                let Ok(i) = part.parse::<usize>() else {
                    return Err(format!(
                        "\"{here}\" indexes a list; use a number, e.g. workload.classes.0.share"
                    ));
                };
                let len = list.len();
                let Some(item) = list.get_mut(i) else {
                    return Err(format!("\"{here}\": the list has only {len} entries"));
                };
                if last {
                    *item = value;
                    return Ok(());
                }
                item
            }
            _ => return Err(format!("\"{here}\" is not a table")),
        };
    }
    Ok(())
}

/// The results of one variant, replications in order.
#[derive(Debug, Clone)]
pub struct VariantResult {
    /// Its index.
    pub index: usize,
    /// One result per replication.
    pub runs: Vec<RunResult>,
}

/// Runs every (variant, replication) cell on the current rayon pool; `on_cell` is called
/// after each cell (for progress).
pub fn run_sweep(sweep: &Sweep, on_cell: &(dyn Fn() + Sync)) -> Vec<VariantResult> {
    let cells: Vec<(usize, u32)> = sweep
        .variants
        .iter()
        .enumerate()
        .flat_map(|(v, variant)| (0..variant.scenario.replications).map(move |r| (v, r)))
        .collect();
    let results: Vec<RunResult> = cells
        .par_iter()
        .map(|&(v, r)| {
            let out = crate::sim::run(&sweep.variants[v].scenario, r, &mut DiscardSteps);
            on_cell();
            out
        })
        .collect();
    let mut grouped: Vec<VariantResult> = sweep
        .variants
        .iter()
        .map(|v| VariantResult {
            index: v.index,
            runs: Vec::new(),
        })
        .collect();
    for ((v, _), r) in cells.into_iter().zip(results) {
        grouped[v].runs.push(r);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_dotted_keys_creating_tables() {
        let mut doc =
            json!({ "lifecycle": { "refresh": "fixed-age" }, "workload": { "classes": [ { "share": 1.0 } ] } });
        set_dotted(&mut doc, "lifecycle.refresh.age_years", json!(4)).unwrap();
        set_dotted(&mut doc, "solar.capacity_kwp", json!(50)).unwrap();
        set_dotted(&mut doc, "workload.classes.0.share", json!(0.5)).unwrap();
        assert_eq!(
            doc["lifecycle"]["refresh"],
            json!({ "policy": "fixed-age", "age_years": 4 })
        );
        assert_eq!(doc["solar"]["capacity_kwp"], json!(50));
        assert_eq!(doc["workload"]["classes"][0]["share"], json!(0.5));
        assert!(set_dotted(&mut doc, "workload.classes.3.share", json!(1)).is_err());
        assert!(set_dotted(&mut doc, "a..b", json!(1)).is_err());
    }

    #[test]
    fn grid_and_zip_combine_lists() {
        let axes = vec![
            ("a".to_owned(), vec![json!(1), json!(2)]),
            ("b".to_owned(), vec![json!("x"), json!("y")]),
        ];
        assert_eq!(combinations(&axes, SweepMode::Grid).unwrap().len(), 4);
        let zip = combinations(&axes, SweepMode::Zip).unwrap();
        assert_eq!(zip, vec![vec![json!(1), json!("x")], vec![json!(2), json!("y")]]);
        let uneven = vec![
            ("a".to_owned(), vec![json!(1)]),
            ("b".to_owned(), vec![json!(1), json!(2)]),
        ];
        assert!(combinations(&uneven, SweepMode::Zip).is_err());
    }
}
