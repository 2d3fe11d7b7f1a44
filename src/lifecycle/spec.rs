//! The validated lifecycle specification of a scenario (built by
//! `scenario::validate::lifecycle` from `[lifecycle]`, the catalog and the defaults).

use super::defaults::RouteShares;
use super::refresh::{EnergyValue, RefreshPolicy};
use crate::datacenter::ModelRegistry;

/// Purchase and end-of-life data of one server model.
#[derive(Debug, Clone, PartialEq)]
pub struct HardwareFacts {
    /// Weight, kg.
    pub mass_kg: f64,
    /// Purchase price, USD.
    pub price_usd: f64,
    /// Manufacturing footprint of a new unit, kgCO2e.
    pub embodied_kgco2e: f64,
    /// Memory, GB (harvestable).
    pub dram_gb: f64,
    /// Solid-state storage, TB (harvestable).
    pub ssd_tb: f64,
    /// Manufacturing footprint of its memory, kgCO2e.
    pub dram_kgco2e: f64,
    /// Manufacturing footprint of its SSDs, kgCO2e.
    pub ssd_kgco2e: f64,
}

/// Age of the servers the run starts with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitialAge {
    /// Bought at the start of the run (their purchase is part of the run).
    New,
    /// Bought before the run, ages spread evenly over `[0, over_years)` (a fleet in steady
    /// state under its refresh policy).
    Staggered {
        /// Span of ages, years.
        over_years: f64,
    },
}

/// How many servers the fleet needs.
#[derive(Debug, Clone, PartialEq)]
pub enum FleetSizing {
    /// Keep `count` servers.
    Fixed {
        /// Servers.
        count: u32,
    },
    /// Enough servers for the coming year's peak at `target_utilization`, plus
    /// `redundancy` spare servers, reviewed every year.
    Peak {
        /// Utilization at the peak.
        target_utilization: f64,
        /// N + k spares.
        redundancy: u32,
        /// Peak work rate of each simulated year, ssj_ops per second.
        yearly_peak_ops: Vec<f64>,
    },
}

/// Failures and repairs of servers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailureParams {
    /// Annualized failure rate (mean over `reference_years`).
    pub afr: f64,
    /// Weibull shape.
    pub weibull_shape: f64,
    /// Years over which `afr` is the mean rate.
    pub reference_years: f64,
    /// Hazard multiplier of second-life servers.
    pub second_life_multiplier: f64,
    /// Share of failures repaired.
    pub repair_share: f64,
    /// Servers failing at or beyond this age are not repaired, years.
    pub economic_life_years: f64,
    /// Parts replaced per repair, kg.
    pub repair_parts_kg: f64,
    /// Time out of service for a repair, ns.
    pub repair_ns: u64,
    /// Time to receive a new server, ns.
    pub lead_time_ns: u64,
    /// Time to bring a refurbished spare into service, ns.
    pub spare_deploy_ns: u64,
}

/// End-of-life parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct EndOfLifeParams {
    /// Preset name or "custom".
    pub name: String,
    /// Target shares by route.
    pub shares: RouteShares,
    /// Share of harvested DRAM reused in new builds.
    pub dram_reuse_fraction: f64,
    /// Share of harvested SSD capacity reused in new builds.
    pub ssd_reuse_fraction: f64,
    /// Embodied carbon of a reused part relative to a new one.
    pub reused_part_factor: f64,
    /// Share of recycled mass recovered as material.
    pub material_recovery_fraction: f64,
    /// Resale value / purchase price at age 1, 2, ... years.
    pub resale_fraction_by_age: Vec<f64>,
    /// Embodied carbon of a new server avoided per resold one (reported apart).
    pub avoided_manufacturing_fraction: f64,
}

impl EndOfLifeParams {
    /// Resale value fraction at `age_years` (interpolated; 0 beyond the table).
    pub fn resale_fraction(&self, age_years: f64) -> f64 {
        let t = &self.resale_fraction_by_age;
        if t.is_empty() || age_years > t.len() as f64 {
            return 0.0;
        }
        if age_years <= 1.0 {
            // From the price new at age 0 to the first entry at age 1.
            return 1.0 + (t[0] - 1.0) * age_years.max(0.0);
        }
        let i = (age_years.floor() as usize).min(t.len() - 1);
        let lo = t[i - 1];
        let hi = t.get(i).copied().unwrap_or(0.0);
        lo + (hi - lo) * (age_years - i as f64)
    }
}

/// A group of storage or network devices.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceFleet {
    /// Catalog id.
    pub id: String,
    /// "storage" or "network".
    pub kind: &'static str,
    /// Devices.
    pub count: u32,
    /// Weight of one, kg.
    pub mass_kg: f64,
    /// Price of one, USD.
    pub price_usd: f64,
    /// Manufacturing footprint of one, kgCO2e.
    pub embodied_kgco2e: f64,
    /// Annualized failure rate per device (a failure replaces the device).
    pub afr: f64,
    /// Replaced at this age, years.
    pub refresh_years: f64,
}

/// The energy plant's size and life data.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlantSpec {
    /// PV, kWp.
    pub pv_kwp: f64,
    /// Wind, kW.
    pub wind_kw: f64,
    /// Battery energy, kWh.
    pub battery_kwh: f64,
    /// Battery power, kW.
    pub battery_kw: f64,
    /// PV life, years.
    pub pv_life_years: f64,
    /// Wind life, years.
    pub wind_life_years: f64,
    /// PV embodied, kgCO2e per kWp.
    pub pv_kgco2e_per_kwp: f64,
    /// Wind embodied, kgCO2e per kW.
    pub wind_kgco2e_per_kw: f64,
    /// Battery embodied, kgCO2e per kWh.
    pub battery_kgco2e_per_kwh: f64,
    /// PV mass, kg per kWp.
    pub pv_kg_per_kwp: f64,
    /// Wind mass, kg per kW.
    pub wind_kg_per_kw: f64,
    /// Battery mass, kg per kWh.
    pub battery_kg_per_kwh: f64,
}

/// Everything the lifecycle model needs.
#[derive(Debug, Clone)]
pub struct LifecycleSpec {
    /// Whether `[lifecycle]` was given: failures and refresh are simulated. Without it the
    /// fleet is static and only its embodied carbon and costs are accounted.
    pub active: bool,
    /// The server models of the run: 0 is the scenario's server, the others are bought.
    pub registry: ModelRegistry,
    /// Purchase and end-of-life data per registry model.
    pub facts: Vec<HardwareFacts>,
    /// Registry model bought in each simulated year.
    pub purchase_by_year: Vec<u16>,
    /// How purchases are chosen ("latest", "same" or a catalog id).
    pub purchase_rule: String,
    /// Calendar year of simulated time 0.
    pub start_year: i32,
    /// Servers at time 0.
    pub initial_count: u32,
    /// Their age.
    pub initial_age: InitialAge,
    /// Refresh policy.
    pub refresh: RefreshPolicy,
    /// Life over which a server's embodied carbon is amortized, years.
    pub amortization_years: f64,
    /// Failures (None: servers never fail).
    pub failures: Option<FailureParams>,
    /// End of life.
    pub end_of_life: EndOfLifeParams,
    /// Fleet sizing.
    pub sizing: FleetSizing,
    /// Value of saved energy, for the efficiency policy.
    pub energy_value: EnergyValue,
    /// Storage and network devices.
    pub devices: Vec<DeviceFleet>,
    /// Energy plant.
    pub plant: PlantSpec,
}
