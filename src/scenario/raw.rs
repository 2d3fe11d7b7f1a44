//! The scenario file as written: serde types that mirror the TOML/JSON layout one to one.
//! Every table rejects unknown keys. `validate` turns these into the typed `Scenario`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::duration::HumanDuration;
use crate::datacenter::{DispatchPolicy, LowPowerState};
use crate::engine::Fidelity;
use crate::workload::DistributionKind;

/// Describes what a `NameOr<T>` field accepts, for error messages.
pub trait Expecting {
    /// E.g. "a built-in profile name or a table with hourly/daily/monthly lists".
    const EXPECTING: &'static str;
}

/// A value given either by name (a string) or inline (a table).
#[derive(Debug, Clone, PartialEq)]
pub enum NameOr<T> {
    /// A name: a catalog id, a built-in profile or a file path.
    Name(String),
    /// An inline definition.
    Table(T),
}

impl<'de, T: Deserialize<'de> + Expecting> Deserialize<'de> for NameOr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameOrVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Expecting> Visitor<'de> for NameOrVisitor<T> {
            type Value = NameOr<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NameOr::Name(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(NameOr::Table)
            }
        }
        deserializer.deserialize_any(NameOrVisitor(PhantomData))
    }
}

/// Top level of a scenario file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub horizon: Option<HumanDuration>,
    pub step: Option<HumanDuration>,
    pub warmup: Option<HumanDuration>,
    pub start: Option<String>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub fidelity: Option<Fidelity>,
    #[serde(default)]
    pub site: RawSite,
    pub workload: Option<RawWorkload>,
    #[serde(default)]
    pub datacenter: RawDatacenter,
}

/// `[site]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub utc_offset_hours: Option<f64>,
    pub pue: Option<f64>,
}

/// `[workload]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub mean_tps: Option<f64>,
    pub profile: Option<NameOr<RawProfile>>,
    pub growth_per_year: Option<f64>,
    pub trace: Option<NameOr<RawTrace>>,
    #[serde(default)]
    pub bursts: Vec<RawBurst>,
    pub random_bursts: Option<RawRandomBursts>,
    #[serde(default)]
    pub classes: Vec<RawClass>,
}

/// An inline profile.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub hourly: Option<Vec<f64>>,
    pub daily: Option<Vec<f64>>,
    pub monthly: Option<Vec<f64>>,
    pub weekly: Option<Vec<f64>>,
}

impl Expecting for RawProfile {
    const EXPECTING: &'static str = "a built-in profile name (e.g. \"card-network\") or a table with `hourly`, `daily`, `monthly` or `weekly` lists";
}

/// A trace given as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    pub file: String,
    pub repeat: Option<bool>,
    pub scale: Option<f64>,
}

impl Expecting for RawTrace {
    const EXPECTING: &'static str = "a CSV file path or a table with `file`, `repeat` and `scale`";
}

/// `[[workload.bursts]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBurst {
    pub name: Option<String>,
    pub start: String,
    pub duration: HumanDuration,
    pub multiplier: f64,
    pub every: Option<HumanDuration>,
    pub classes: Option<Vec<String>>,
}

/// `[workload.random_bursts]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRandomBursts {
    pub per_year: f64,
    pub duration: HumanDuration,
    pub multiplier_min: f64,
    pub multiplier_max: f64,
    pub classes: Option<Vec<String>>,
}

/// `[[workload.classes]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub name: String,
    pub share: f64,
    pub sla_ms: Option<f64>,
    pub service: RawService,
    pub profile: Option<NameOr<RawProfile>>,
}

/// A class's `service` table: the work distribution.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub distribution: DistributionKind,
    pub mean_ssj_ops: f64,
    pub cv: Option<f64>,
}

/// `[datacenter]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDatacenter {
    pub server: Option<NameOr<RawServer>>,
    pub count: Option<u32>,
    pub sizing: Option<RawSizing>,
    pub dispatch: Option<DispatchPolicy>,
    pub queue_capacity: Option<u32>,
    pub power_management: Option<NameOr<RawPowerManagement>>,
    pub power_states: Option<RawPowerStates>,
    #[serde(default)]
    pub storage: Vec<RawDevice>,
    #[serde(default)]
    pub network: Vec<RawDevice>,
}

/// A server model defined inline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub name: Option<String>,
    pub cores: u32,
    pub ssj_ops_at_100: f64,
    pub power_curve_w: Option<Vec<f64>>,
    pub idle_w: Option<f64>,
    pub max_w: Option<f64>,
}

impl Expecting for RawServer {
    const EXPECTING: &'static str = "a catalog id (see `greenloop catalog`) or a table with `cores`, `ssj_ops_at_100` and `power_curve_w` or `idle_w`/`max_w`";
}

/// `[datacenter.sizing]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSizing {
    pub target_utilization: Option<f64>,
    pub redundancy: Option<u32>,
}

/// The power-management policy as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPowerManagement {
    pub policy: String,
    pub idle_timeout: Option<HumanDuration>,
    pub target_utilization: Option<f64>,
    pub headroom: Option<f64>,
    pub interval: Option<HumanDuration>,
    pub min_awake: Option<u32>,
    pub low_power_state: Option<LowPowerState>,
}

impl Expecting for RawPowerManagement {
    const EXPECTING: &'static str =
        "a policy name (\"always-on\", \"sleep-when-idle\", \"consolidate\") or a table with `policy` and its settings";
}

/// `[datacenter.power_states]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPowerStates {
    pub sleep_w: Option<f64>,
    pub off_w: Option<f64>,
    pub wake_latency: Option<HumanDuration>,
    pub boot_latency: Option<HumanDuration>,
    pub transition_w: Option<f64>,
}

/// `[[datacenter.storage]]` and `[[datacenter.network]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDevice {
    pub model: String,
    pub count: Option<u32>,
}
