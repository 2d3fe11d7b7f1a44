//! `plan.json`: what a sweep folder holds: the sweep's keys and variants, its replications,
//! the fingerprint of the sweep file, and the shard it covers. Resumed runs and merges check
//! it so that cells of different sweeps never mix.

use serde_json::{Value, json};

use super::{Objective, Sweep, label};

/// A sweep as recorded in its output folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// Fingerprint of the sweep file and greenloop version.
    pub fingerprint: String,
    /// Swept keys.
    pub keys: Vec<String>,
    /// Mode name.
    pub mode: String,
    /// Replications per variant.
    pub replications: u32,
    /// Each variant's values, in order.
    pub variants: Vec<Vec<(String, Value)>>,
    /// Baseline variant.
    pub baseline: Option<usize>,
    /// Pareto objectives.
    pub objectives: Vec<Objective>,
    /// (index, count) of the shard this folder runs, if any.
    pub shard: Option<(u32, u32)>,
}

impl Plan {
    /// The plan of `sweep` (for `shard`).
    pub fn of(sweep: &Sweep, shard: Option<(u32, u32)>) -> Self {
        Self {
            name: sweep.name.clone(),
            fingerprint: sweep.fingerprint.clone(),
            keys: sweep.keys.clone(),
            mode: sweep.mode.as_str().to_owned(),
            replications: sweep.replications,
            variants: sweep.variants.iter().map(|v| v.assignments.clone()).collect(),
            baseline: sweep.baseline,
            objectives: sweep.objectives.clone(),
            shard,
        }
    }

    /// Whether variant `v` belongs to this folder's shard.
    pub fn owns(&self, v: usize) -> bool {
        self.shard.is_none_or(|(i, n)| v % n as usize == i as usize)
    }

    /// Label of variant `v`.
    pub fn label(&self, v: usize) -> String {
        label(&self.variants[v])
    }

    /// The JSON document.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "fingerprint": self.fingerprint,
            "version": env!("CARGO_PKG_VERSION"),
            "keys": self.keys,
            "mode": self.mode,
            "replications": self.replications,
            "variants": self.variants.iter().map(|a| a.iter().cloned().collect::<serde_json::Map<String, Value>>()).collect::<Vec<_>>(),
            "baseline": self.baseline,
            "objectives": self.objectives.iter().map(|o| if o.maximize { format!("max:{}", o.metric) } else { o.metric.clone() }).collect::<Vec<_>>(),
            "shard": self.shard.map(|(i, n)| json!({ "index": i, "count": n })),
        })
    }

    /// Reads a plan document.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let str_of = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(format!("`{k}` is missing"))
        };
        let keys: Vec<String> = v
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("`keys` is missing")?
            .iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        let variants = v
            .get("variants")
            .and_then(Value::as_array)
            .ok_or("`variants` is missing")?
            .iter()
            .map(|set| {
                keys.iter()
                    .map(|k| (k.clone(), set.get(k).cloned().unwrap_or(Value::Null)))
                    .collect()
            })
            .collect();
        let objectives = v
            .get("objectives")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(|o| match o.strip_prefix("max:") {
                        Some(m) => Objective {
                            metric: m.to_owned(),
                            maximize: true,
                        },
                        None => Objective {
                            metric: o.to_owned(),
                            maximize: false,
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        let shard = v
            .get("shard")
            .and_then(|s| Some((s.get("index")?.as_u64()? as u32, s.get("count")?.as_u64()? as u32)));
        Ok(Self {
            name: str_of("name")?,
            fingerprint: str_of("fingerprint")?,
            keys,
            mode: str_of("mode")?,
            replications: v
                .get("replications")
                .and_then(Value::as_u64)
                .ok_or("`replications` is missing")? as u32,
            variants,
            baseline: v.get("baseline").and_then(Value::as_u64).map(|b| b as usize),
            objectives,
            shard,
        })
    }

    /// Whether `other` describes the same sweep (any shard).
    pub fn same_sweep(&self, other: &Plan) -> bool {
        self.fingerprint == other.fingerprint
            && self.variants == other.variants
            && self.replications == other.replications
    }
}
