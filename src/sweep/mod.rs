//! Sweeps: one scenario file with a `[sweep]` table that maps dotted keys to lists of
//! values (or to ranges, for sampling). Every variant is the base scenario with one value
//! per key: the full grid, `mode = "zip"` (the lists advance together), or `samples` points
//! drawn at random (`mode = "random"`) or by Latin hypercube (`mode = "latin-hypercube"`).
//! Variants are validated before anything runs; the (variant, replication) cells then run
//! on rayon's pool. Replication r of every variant uses the same random streams (common
//! random numbers), so differences between variants are not blurred by different random
//! draws. Each finished cell is appended to a journal; the outputs are computed from the
//! journal in cell order, so they are identical for any thread count, after a resume, and
//! when shards run on different machines are merged.

pub mod journal;
pub mod output;
pub mod plan;
pub mod run;

use std::path::Path;

use serde_json::{Map, Value};

use crate::engine::RngStreams;
use crate::scenario::error::{ScenarioError, ScenarioErrors};
use crate::scenario::source::SourceMap;
use crate::scenario::{Format, Scenario};

/// How the values of a sweep combine into variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepMode {
    /// Every combination of the lists.
    Grid,
    /// The i-th variant takes the i-th value of every list (lists of equal length).
    Zip,
    /// `samples` points, each key drawn independently (uniform over a range, or one of a
    /// list's values).
    Random,
    /// `samples` points by Latin hypercube: each key's range is cut into `samples` equal
    /// strata and every stratum is used exactly once.
    LatinHypercube,
}

impl SweepMode {
    /// Name in files.
    pub fn as_str(self) -> &'static str {
        match self {
            SweepMode::Grid => "grid",
            SweepMode::Zip => "zip",
            SweepMode::Random => "random",
            SweepMode::LatinHypercube => "latin-hypercube",
        }
    }
}

/// The values one key takes.
#[derive(Debug, Clone, PartialEq)]
enum Axis {
    /// Listed values.
    List(Vec<Value>),
    /// A range for sampling; integer ranges give integers.
    Range { min: f64, max: f64, integer: bool },
}

/// What to optimize when reporting the Pareto set.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// Dotted metric name, e.g. `carbon_kg.total`.
    pub metric: String,
    /// Whether larger is better.
    pub maximize: bool,
}

/// The objectives used when a sweep names none: total carbon, NPV of costs, p99 latency.
pub fn default_objectives() -> Vec<Objective> {
    ["carbon_kg.total", "cost.npv", "latency_ms.p99"]
        .iter()
        .map(|m| Objective {
            metric: (*m).to_owned(),
            maximize: false,
        })
        .collect()
}

/// One variant: the values it sets and the validated scenario.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Index in the sweep.
    pub index: usize,
    /// (dotted key, value) it sets.
    pub assignments: Vec<(String, Value)>,
}

impl Sweep {
    /// The validated scenario of variant `v` (validated once already when loading).
    pub fn scenario(&self, v: usize) -> Result<Scenario, ScenarioErrors> {
        self.source.scenario(&self.variants[v], &self.keys)
    }
}

impl Variant {
    /// A short label, e.g. `lifecycle.refresh.age_years=4 lifecycle.end_of_life=circular`.
    pub fn label(&self) -> String {
        label(&self.assignments)
    }
}

/// `key=value key=value`.
pub fn label(assignments: &[(String, Value)]) -> String {
    assignments
        .iter()
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as written in labels and CSV cells (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What it takes to build a variant's scenario: the base document and where it came from.
#[derive(Debug, Clone)]
pub struct VariantSource {
    doc: Value,
    file: String,
    default_name: String,
    map: SourceMap,
    base_dir: std::path::PathBuf,
}

impl VariantSource {
    /// The sweep file, as named when it was loaded.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The validated scenario of `variant` (`keys`: the swept keys, for error lines).
    pub fn scenario(&self, variant: &Variant, keys: &[String]) -> Result<Scenario, ScenarioErrors> {
        let mut value = self.doc.clone();
        let sweep_line = |k: &str| self.map.line_of(&format!("sweep.{k}"));
        for (key, v) in &variant.assignments {
            set_dotted(&mut value, key, v.clone()).map_err(|m| ScenarioError {
                file: self.file.clone(),
                line: sweep_line(key),
                key: format!("sweep.{key}"),
                message: m,
                hint: Some("sweep a key of the scenario, e.g. \"lifecycle.refresh.age_years\"".into()),
            })?;
        }
        crate::scenario::scenario_from_value(value, &self.file, &self.default_name, &self.map, &self.base_dir).map_err(
            |ScenarioErrors(list)| {
                ScenarioErrors(
                    list.into_iter()
                        .map(|mut e| {
                            e.message = format!("{} (sweep variant {}: {})", e.message, variant.index, variant.label());
                            // Point at the sweep line when the error is about a swept key.
                            let swept = keys.iter().find(|k| {
                                e.key == **k
                                    || e.key.starts_with(&format!("{k}."))
                                    || k.starts_with(&format!("{}.", e.key))
                            });
                            if let Some(k) = swept {
                                e.line = sweep_line(k).or(e.line);
                            }
                            e
                        })
                        .collect(),
                )
            },
        )
    }
}

/// A loaded sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Scenario name of the base file.
    pub name: String,
    /// Builds each variant's scenario when it runs.
    pub source: VariantSource,
    /// Variants that would run very long at transaction fidelity.
    pub long_variants: Vec<usize>,
    /// The swept keys, in file order.
    pub keys: Vec<String>,
    /// How the variants were formed.
    pub mode: SweepMode,
    /// The variants.
    pub variants: Vec<Variant>,
    /// The variant the others are compared with (paired differences).
    pub baseline: Option<usize>,
    /// Objectives of the Pareto set.
    pub objectives: Vec<Objective>,
    /// Replications per variant.
    pub replications: u32,
    /// Fingerprint of the sweep file (text and greenloop version), to match shards and
    /// resumed runs with their sweep.
    pub fingerprint: String,
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

/// Most variants a sweep may have.
pub const MAX_VARIANTS: usize = 100_000;

/// FNV-1a 64 of `bytes`, as 16 hex digits.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes.iter().chain(env!("CARGO_PKG_VERSION").as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
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
    let Some(Value::Object(table)) = doc.as_object_mut().and_then(|d| d.remove("sweep")) else {
        return Err(error(
            "sweep",
            "the file has no [sweep] table".into(),
            "add e.g. [sweep] with \"datacenter.server\" = [\"dell-r740-xeon-8280\", \"dell-r7525-epyc-7702\"]",
        )
        .into());
    };
    let mut mode = SweepMode::Grid;
    let mut samples: Option<usize> = None;
    let mut baseline_set: Option<Map<String, Value>> = None;
    let mut objectives = default_objectives();
    let mut axes: Vec<(String, Axis)> = Vec::new();
    for (key, value) in table {
        let sweep_key = format!("sweep.{key}");
        match key.as_str() {
            "mode" => {
                mode = match value.as_str() {
                    Some("grid") => SweepMode::Grid,
                    Some("zip") => SweepMode::Zip,
                    Some("random") => SweepMode::Random,
                    Some("latin-hypercube") => SweepMode::LatinHypercube,
                    _ => {
                        return Err(error(
                            &sweep_key,
                            format!("unknown sweep mode {value}"),
                            "use \"grid\" (every combination), \"zip\" (lists advance together), \"random\" or \"latin-hypercube\" (with `samples`)",
                        )
                        .into());
                    }
                };
            }
            "samples" => match value.as_u64() {
                Some(n) if n >= 1 && n as usize <= MAX_VARIANTS => samples = Some(n as usize),
                _ => {
                    return Err(error(
                        &sweep_key,
                        format!("samples = {value} is not a whole number between 1 and {MAX_VARIANTS}"),
                        "e.g. samples = 100",
                    )
                    .into());
                }
            },
            "baseline" => match value {
                Value::Object(m) => baseline_set = Some(m),
                other => {
                    return Err(error(
                        &sweep_key,
                        format!("baseline = {other} is not a table"),
                        "give the baseline's value of every swept key, e.g. baseline = { \"lifecycle.refresh.age_years\" = 5 }",
                    )
                    .into());
                }
            },
            "objectives" => {
                let list = value.as_array().filter(|l| !l.is_empty()).ok_or_else(|| {
                    error(
                        &sweep_key,
                        "`objectives` is not a list of metric names".into(),
                        "e.g. objectives = [\"carbon_kg.total\", \"cost.npv\", \"max:renewable_fraction\"]",
                    )
                })?;
                objectives = Vec::new();
                for item in list {
                    let Some(name) = item.as_str() else {
                        return Err(error(
                            &sweep_key,
                            format!("objective {item} is not a string"),
                            "write metric names as strings",
                        )
                        .into());
                    };
                    let (metric, maximize) = match name.strip_prefix("max:") {
                        Some(m) => (m, true),
                        None => (name.strip_prefix("min:").unwrap_or(name), false),
                    };
                    objectives.push(Objective {
                        metric: metric.to_owned(),
                        maximize,
                    });
                }
            }
            _ => {
                let axis = match value {
                    Value::Array(values) if values.is_empty() => {
                        return Err(error(
                            &sweep_key,
                            format!("the sweep list of \"{key}\" is empty"),
                            "give at least one value",
                        )
                        .into());
                    }
                    Value::Array(values) => Axis::List(values),
                    Value::Object(range) => range_axis(&range).map_err(|m| {
                        error(
                            &sweep_key,
                            format!("\"{key}\": {m}"),
                            "give a range as { min = 0, max = 200 }",
                        )
                    })?,
                    _ => {
                        return Err(error(
                            &sweep_key,
                            format!("the sweep value of \"{key}\" is not a list"),
                            "give a list of values, e.g. \"solar.capacity_kwp\" = [0, 50, 100]",
                        )
                        .into());
                    }
                };
                axes.push((key, axis));
            }
        }
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
    let seed = doc.get("seed").and_then(Value::as_u64).unwrap_or(1);
    let combos = match mode {
        SweepMode::Grid | SweepMode::Zip => {
            if let Some((k, _)) = axes.iter().find(|(_, a)| matches!(a, Axis::Range { .. })) {
                return Err(error(
                    &format!("sweep.{k}"),
                    format!("\"{k}\" is a range, which only `mode = \"random\"` or \"latin-hypercube\" can sample"),
                    "list the values, or set mode = \"latin-hypercube\" and samples = N",
                )
                .into());
            }
            let lists: Vec<(String, Vec<Value>)> = axes
                .iter()
                .map(|(k, a)| match a {
                    Axis::List(v) => (k.clone(), v.clone()),
                    Axis::Range { .. } => (k.clone(), Vec::new()),
                })
                .collect();
            combinations(&lists, mode)
                .map_err(|m| error("sweep", m, "give every list the same length, or use mode = \"grid\""))?
        }
        SweepMode::Random | SweepMode::LatinHypercube => {
            let Some(n) = samples else {
                return Err(error(
                    "sweep.mode",
                    format!("mode = \"{}\" needs `samples`", mode.as_str()),
                    "add e.g. samples = 100",
                )
                .into());
            };
            sample(&axes, mode, n, seed)
        }
    };
    if combos.len() > MAX_VARIANTS {
        return Err(error(
            "sweep",
            format!("the sweep has {} variants, more than {MAX_VARIANTS}", combos.len()),
            "sweep fewer values, or split the sweep into several files",
        )
        .into());
    }
    let keys: Vec<String> = axes.iter().map(|(k, _)| k.clone()).collect();
    let mut combos: Vec<Vec<Value>> = combos;
    // The baseline: one of the variants, or an extra one at the end.
    let mut baseline = None;
    if let Some(set) = &baseline_set {
        if let Some(k) = set.keys().find(|k| !keys.contains(k)) {
            return Err(error(
                "sweep.baseline",
                format!("the baseline sets \"{k}\", which is not swept"),
                "give the baseline's value of the swept keys only",
            )
            .into());
        }
        if let Some(k) = keys.iter().find(|k| !set.contains_key(*k)) {
            return Err(error(
                "sweep.baseline",
                format!("the baseline does not set \"{k}\""),
                "give the baseline's value of every swept key",
            )
            .into());
        }
        let wanted: Vec<Value> = keys.iter().map(|k| set[k].clone()).collect();
        baseline = Some(match combos.iter().position(|c| *c == wanted) {
            Some(i) => i,
            None => {
                combos.push(wanted);
                combos.len() - 1
            }
        });
    }
    let source = VariantSource {
        doc,
        file: file.to_owned(),
        default_name: default_name.to_owned(),
        map: map.clone(),
        base_dir: base_dir.to_owned(),
    };
    let variants: Vec<Variant> = combos
        .into_iter()
        .enumerate()
        .map(|(index, combo)| Variant {
            index,
            assignments: keys.iter().cloned().zip(combo).collect(),
        })
        .collect();
    // Validate every variant before anything runs (in parallel, reported in order); only
    // what the run needs is kept, so memory does not grow with validated scenarios.
    use rayon::prelude::*;
    let checked: Vec<Result<(u32, String, bool), ScenarioErrors>> = variants
        .par_iter()
        .map(|v| {
            source.scenario(v, &keys).map(|sc| {
                let long = crate::runner::check_run_size(&sc, false).is_err();
                (sc.replications, sc.name.clone(), long)
            })
        })
        .collect();
    let mut infos = Vec::with_capacity(checked.len());
    for c in checked {
        infos.push(c?);
    }
    let replications = infos.first().map_or(1, |i| i.0);
    if let Some((v, i)) = infos.iter().enumerate().find(|(_, i)| i.0 != replications) {
        return Err(error(
            "sweep",
            format!("variant {v} has {} replications, the others {replications}", i.0),
            "do not sweep `replications`; set it once at the top of the file",
        )
        .into());
    }
    let long_variants = infos.iter().enumerate().filter(|(_, i)| i.2).map(|(v, _)| v).collect();
    Ok(Sweep {
        name: infos.first().map_or_else(|| default_name.to_owned(), |i| i.1.clone()),
        source,
        long_variants,
        keys,
        mode,
        variants,
        baseline,
        objectives,
        replications,
        fingerprint: fingerprint(text.as_bytes()),
    })
}

fn range_axis(range: &Map<String, Value>) -> Result<Axis, String> {
    if let Some(k) = range.keys().find(|k| !["min", "max"].contains(&k.as_str())) {
        return Err(format!("unknown key `{k}` in a range (allowed: min, max)"));
    }
    let (Some(lo), Some(hi)) = (range.get("min"), range.get("max")) else {
        return Err("a range needs `min` and `max`".into());
    };
    let (Some(min), Some(max)) = (lo.as_f64(), hi.as_f64()) else {
        return Err("`min` and `max` must be numbers".into());
    };
    if !(min.is_finite() && max.is_finite()) || max < min {
        return Err(format!("the range {min}..{max} is empty or not finite"));
    }
    Ok(Axis::Range {
        min,
        max,
        integer: lo.is_i64() && hi.is_i64(),
    })
}

/// Points of a random or Latin hypercube sample; deterministic in the scenario's seed.
fn sample(axes: &[(String, Axis)], mode: SweepMode, n: usize, seed: u64) -> Vec<Vec<Value>> {
    use rand_distr::{Distribution, StandardUniform};
    let mut rng = RngStreams::new(seed, 0).stream("sweep/sampling");
    let u = |rng: &mut crate::engine::StreamRng| -> f64 { StandardUniform.sample(rng) };
    // Unit coordinates per axis.
    let columns: Vec<Vec<f64>> = axes
        .iter()
        .map(|_| match mode {
            SweepMode::LatinHypercube => {
                let mut strata: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    let j = ((u(&mut rng) * (i + 1) as f64) as usize).min(i);
                    strata.swap(i, j);
                }
                strata
                    .into_iter()
                    .map(|s| (s as f64 + u(&mut rng)) / n as f64)
                    .collect()
            }
            _ => (0..n).map(|_| u(&mut rng)).collect(),
        })
        .collect();
    (0..n)
        .map(|i| {
            axes.iter()
                .zip(&columns)
                .map(|((_, axis), col)| {
                    let x = col[i];
                    match axis {
                        Axis::List(values) => {
                            values[((x * values.len() as f64) as usize).min(values.len() - 1)].clone()
                        }
                        Axis::Range { min, max, integer } => {
                            if *integer {
                                let v = (min + x * (max - min + 1.0)).floor().min(*max);
                                Value::from(v as i64)
                            } else {
                                serde_json::Number::from_f64(min + x * (max - min)).map_or(Value::Null, Value::Number)
                            }
                        }
                    }
                })
                .collect()
        })
        .collect()
}

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
        _ => {
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

    #[test]
    fn latin_hypercube_uses_every_stratum_once() {
        let axes = vec![
            (
                "x".to_owned(),
                Axis::Range {
                    min: 0.0,
                    max: 10.0,
                    integer: false,
                },
            ),
            (
                "k".to_owned(),
                Axis::Range {
                    min: 1.0,
                    max: 5.0,
                    integer: true,
                },
            ),
        ];
        let points = sample(&axes, SweepMode::LatinHypercube, 5, 7);
        let mut strata: Vec<usize> = points.iter().map(|p| (p[0].as_f64().unwrap() / 2.0) as usize).collect();
        strata.sort_unstable();
        assert_eq!(strata, [0, 1, 2, 3, 4]);
        let mut ks: Vec<i64> = points.iter().map(|p| p[1].as_i64().unwrap()).collect();
        ks.sort_unstable();
        assert_eq!(ks, [1, 2, 3, 4, 5], "integer strata of width 1");
        assert_eq!(points, sample(&axes, SweepMode::LatinHypercube, 5, 7), "deterministic");
    }
}
