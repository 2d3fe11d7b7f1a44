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

/// A value given as a number, a name, a boolean or a table (each field says which it
/// accepts; validation rejects the others with a clear message).
#[derive(Debug, Clone, PartialEq)]
pub enum Flexible<T> {
    /// A number.
    Number(f64),
    /// A string.
    Name(String),
    /// A boolean.
    Bool(bool),
    /// A table.
    Table(T),
}

impl<'de, T: Deserialize<'de> + Expecting> Deserialize<'de> for Flexible<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FlexibleVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Expecting> Visitor<'de> for FlexibleVisitor<T> {
            type Value = Flexible<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Flexible::Name(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Flexible::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Flexible::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Flexible::Number(v as f64))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Flexible::Bool(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Flexible::Table)
            }
        }
        deserializer.deserialize_any(FlexibleVisitor(PhantomData))
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
    pub solar: Option<RawSolar>,
    pub wind: Option<RawWind>,
    pub battery: Option<RawBattery>,
    pub grid: Option<RawGrid>,
    pub lifecycle: Option<RawLifecycle>,
    pub economics: Option<RawEconomics>,
    pub heat: Option<RawHeat>,
    /// Only read by `greenloop sweep`.
    pub sweep: Option<serde_json::Value>,
}

/// `[heat]`: heat reuse and solar heat.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeat {
    pub demand_kw: Option<Flexible<RawSeries>>,
    pub recovery_share: Option<f64>,
    pub source_temp_c: Option<f64>,
    pub supply_temp_c: Option<f64>,
    pub carnot_fraction: Option<f64>,
    pub cop: Option<f64>,
    pub boiler_efficiency: Option<f64>,
    pub boiler_kgco2e_per_kwh_fuel: Option<f64>,
    pub solar_thermal: Option<RawCollector>,
}

/// `[heat.solar_thermal]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCollector {
    pub area_m2: f64,
    pub kind: Option<String>,
    pub eta0: Option<f64>,
    pub a1: Option<f64>,
    pub a2: Option<f64>,
    pub tilt_deg: Option<f64>,
    pub azimuth_deg: Option<f64>,
    pub mean_fluid_temp_c: Option<f64>,
}

/// `[lifecycle]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLifecycle {
    pub refresh: Option<NameOr<RawRefresh>>,
    pub purchase: Option<String>,
    pub efficiency_gain_per_year: Option<f64>,
    pub initial_age: Option<String>,
    pub failures: Option<Flexible<RawFailures>>,
    pub end_of_life: Option<NameOr<RawRouteShares>>,
    pub harvest: Option<RawHarvest>,
    pub amortization_years: Option<f64>,
    pub storage_refresh_years: Option<f64>,
    pub network_refresh_years: Option<f64>,
}

/// `[lifecycle.refresh]` as a table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRefresh {
    pub policy: String,
    pub age_years: Option<f64>,
    pub payback_years: Option<f64>,
    pub min_age_years: Option<f64>,
}

impl Expecting for RawRefresh {
    const EXPECTING: &'static str = "a policy name (\"fixed-age\", \"efficiency\", \"run-to-failure\") or a table with `policy` and `age_years` or `payback_years`";
}

/// `[lifecycle.failures]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailures {
    pub afr: Option<f64>,
    pub weibull_shape: Option<f64>,
    pub reference_years: Option<f64>,
    pub second_life_afr_multiplier: Option<f64>,
    pub repair_share: Option<f64>,
    pub economic_life_years: Option<f64>,
    pub repair_parts_kg: Option<f64>,
    pub repair_time: Option<HumanDuration>,
    pub lead_time: Option<HumanDuration>,
    pub spare_deploy_time: Option<HumanDuration>,
}

impl Expecting for RawFailures {
    const EXPECTING: &'static str = "true, false, or a table with `afr`, `weibull_shape`, `repair_share`, ...";
}

/// End-of-life shares.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouteShares {
    pub reuse: Option<f64>,
    pub refurbish: Option<f64>,
    pub harvest: Option<f64>,
    pub recycle: Option<f64>,
    pub landfill: Option<f64>,
}

impl Expecting for RawRouteShares {
    const EXPECTING: &'static str = "a preset (\"linear\", \"industry\", \"circular\") or a table of shares `reuse`, `refurbish`, `harvest`, `recycle`, `landfill`";
}

/// `[lifecycle.harvest]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHarvest {
    pub dram_reuse_fraction: Option<f64>,
    pub ssd_reuse_fraction: Option<f64>,
    pub reused_part_factor: Option<f64>,
}

/// `[economics]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEconomics {
    pub discount_rate: Option<f64>,
    pub carbon_price_usd_per_t: Option<f64>,
    pub carbon_price_on_embodied: Option<bool>,
    pub grid_price_usd_per_kwh: Option<f64>,
    pub grid_currency_to_usd: Option<f64>,
    pub pv_usd_per_kwp: Option<f64>,
    pub wind_usd_per_kw: Option<f64>,
    pub battery_usd_per_kwh: Option<f64>,
    pub battery_usd_per_kw: Option<f64>,
    pub it_maintenance_fraction_per_year: Option<f64>,
}

/// `[site]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub utc_offset_hours: Option<f64>,
    pub elevation_m: Option<f64>,
    pub pue: Option<Flexible<RawPue>>,
    pub weather: Option<Flexible<RawWeather>>,
}

/// A PUE model given as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPue {
    pub model: String,
    pub base: Option<f64>,
    pub free_cooling_below_c: Option<f64>,
    pub per_degree: Option<f64>,
    pub max: Option<f64>,
}

impl Expecting for RawPue {
    const EXPECTING: &'static str =
        "a number (e.g. 1.4) or a table { model = \"free-cooling\", base, free_cooling_below_c, per_degree, max }";
}

/// Weather given as a table: a file, or synthetic with parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeather {
    pub file: Option<String>,
    pub format: Option<String>,
    pub synthetic: Option<bool>,
    pub clear_sky_index_mean: Option<f64>,
    pub clear_sky_index_sd: Option<f64>,
    pub cloud_persistence: Option<f64>,
    pub hourly_variability: Option<f64>,
    pub wind_weibull_k: Option<f64>,
    pub wind_weibull_c_ms: Option<f64>,
    pub wind_autocorrelation: Option<f64>,
    pub wind_diurnal_amplitude: Option<f64>,
    pub wind_peak_hour: Option<f64>,
    pub temp_mean_c: Option<f64>,
    pub temp_seasonal_amplitude_c: Option<f64>,
    pub temp_daily_amplitude_c: Option<f64>,
    pub temp_noise_sd_c: Option<f64>,
}

impl Expecting for RawWeather {
    const EXPECTING: &'static str = "a weather file path (TMY3 .csv, .epw, or plain .csv), \"synthetic\", or a table { file = ... } / { synthetic = true, ... }";
}

/// `[solar]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSolar {
    pub capacity_kwp: f64,
    pub module: Option<String>,
    pub tilt_deg: Option<f64>,
    pub azimuth_deg: Option<f64>,
    pub albedo: Option<f64>,
    pub transposition: Option<crate::solar::Transposition>,
    pub gamma_pdc_per_c: Option<f64>,
    pub losses: Option<f64>,
    pub dc_ac_ratio: Option<f64>,
    pub inverter_efficiency: Option<f64>,
    pub degradation_per_year: Option<f64>,
}

/// An inline turbine power curve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCurve {
    pub wind_speed_ms: Vec<f64>,
    pub power_kw: Vec<f64>,
    pub cut_out_ms: Option<f64>,
}

/// `[wind]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWind {
    pub turbine: Option<String>,
    pub curve: Option<RawCurve>,
    pub count: Option<u32>,
    pub hub_height_m: Option<f64>,
    pub shear_exponent: Option<f64>,
    pub roughness_m: Option<f64>,
    pub availability: Option<f64>,
    pub wake_losses: Option<f64>,
    pub density_correction: Option<bool>,
}

/// The battery dispatch policy as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDispatch {
    pub policy: String,
    pub low_quantile: Option<f64>,
    pub high_quantile: Option<f64>,
    pub grid_charging: Option<bool>,
}

impl Expecting for RawDispatch {
    const EXPECTING: &'static str = "a policy name (\"self-consumption\", \"carbon-aware\", \"price-arbitrage\") or a table with `policy` and its settings";
}

/// `[battery]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBattery {
    pub capacity_kwh: f64,
    pub power_kw: Option<f64>,
    pub charge_power_kw: Option<f64>,
    pub discharge_power_kw: Option<f64>,
    pub round_trip_efficiency: Option<f64>,
    pub soc_min: Option<f64>,
    pub soc_max: Option<f64>,
    pub initial_soc: Option<f64>,
    pub self_discharge_per_day: Option<f64>,
    pub cycle_life: Option<f64>,
    pub calendar_life_years: Option<f64>,
    pub replace_at_soh: Option<f64>,
    pub dispatch: Option<NameOr<RawDispatch>>,
}

/// A grid series given as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeries {
    pub file: String,
    pub column: Option<String>,
    pub utc_offset_hours: Option<f64>,
}

impl Expecting for RawSeries {
    const EXPECTING: &'static str =
        "a number, a built-in profile name (see README), or a table { file = \"...\", column = \"...\" }";
}

/// Export settings as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExport {
    pub price_per_mwh: Option<f64>,
    pub limit_kw: Option<f64>,
}

impl Expecting for RawExport {
    const EXPECTING: &'static str = "true, false, or a table { price_per_mwh = ..., limit_kw = ... }";
}

/// `[grid]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrid {
    pub carbon_intensity: Option<Flexible<RawSeries>>,
    pub price: Option<Flexible<RawSeries>>,
    pub currency: Option<String>,
    pub import_limit_kw: Option<f64>,
    pub export: Option<Flexible<RawExport>>,
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
    #[serde(default)]
    pub batch: Vec<RawBatch>,
}

/// `[[workload.batch]]`: a family of batch jobs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatch {
    pub name: Option<String>,
    pub start: Option<String>,
    pub every: Option<HumanDuration>,
    pub size_core_hours: Option<Flexible<RawBatchSize>>,
    pub parallelism: Option<f64>,
    pub deadline: Option<HumanDuration>,
    pub policy: Option<String>,
    pub extra_servers: Option<u32>,
    pub forecast_error: Option<f64>,
}

/// A batch job's size as a distribution.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatchSize {
    pub distribution: Option<DistributionKind>,
    pub mean: f64,
    pub cv: Option<f64>,
}

impl Expecting for RawBatchSize {
    const EXPECTING: &'static str = "core-hours as a number, or { distribution = \"lognormal\", mean = 40, cv = 0.3 }";
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
    pub virtualization: Option<RawVirtualization>,
}

/// `[datacenter.virtualization]`: services as VMs, placement and consolidation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVirtualization {
    pub cpu_overcommit: Option<f64>,
    pub ram_overcommit: Option<f64>,
    pub host_memory_gb: Option<f64>,
    pub hypervisor_idle_overhead: Option<f64>,
    pub hypervisor_cpu_overhead: Option<f64>,
    pub placement: Option<String>,
    pub consolidation: Option<NameOr<RawConsolidation>>,
    pub migration: Option<RawMigration>,
    #[serde(default)]
    pub services: Vec<RawVmService>,
}

/// `[datacenter.virtualization.consolidation]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsolidation {
    pub every: Option<HumanDuration>,
    pub max_utilization: Option<f64>,
}

impl Expecting for RawConsolidation {
    const EXPECTING: &'static str = "\"none\", \"periodic\", or a table with `every` and `max_utilization`";
}

/// `[datacenter.virtualization.migration]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMigration {
    pub dirty_rate_gb_s: Option<f64>,
    pub bandwidth_gb_s: Option<f64>,
    pub resume_s: Option<f64>,
    pub energy_j_per_mb: Option<f64>,
    pub energy_const_j: Option<f64>,
    pub slowdown: Option<f64>,
}

/// `[[datacenter.virtualization.services]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVmService {
    pub name: Option<String>,
    pub classes: Option<Vec<String>>,
    pub vcpus: Option<f64>,
    pub memory_gb: Option<f64>,
    pub min_instances: Option<u32>,
    pub max_instances: Option<u32>,
    pub target_utilization: Option<f64>,
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
    pub mass_kg: Option<f64>,
    pub price_usd: Option<f64>,
    pub embodied_kgco2e: Option<f64>,
    pub memory_gb: Option<f64>,
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
