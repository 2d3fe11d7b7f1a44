//! The built-in lifecycle parameters (`data/defaults.toml`), each with its public source in
//! that file and in `data/SOURCES.md`. Scenarios override them under `[lifecycle]`.

use std::sync::OnceLock;

use serde::Deserialize;

/// Failure parameters of one device kind.
#[derive(Debug, Clone, Deserialize)]
pub struct FailureDefaults {
    /// Annualized failure rate, failures per device-year.
    pub afr: f64,
    /// Weibull shape (1 = constant hazard, > 1 = wear-out).
    pub weibull_shape: f64,
    /// Hazard multiplier of refurbished (second-life) servers.
    pub second_life_afr_multiplier: Option<f64>,
    /// Share of failures repaired with spare parts (the rest retire the server).
    pub repair_share: Option<f64>,
    /// Mass of the parts replaced in one repair, kg.
    pub repair_parts_kg: Option<f64>,
    /// Days out of service for a repair.
    pub repair_days: Option<f64>,
    /// Days to receive a replacement server.
    pub replacement_lead_days: Option<f64>,
}

/// `[failures]`.
#[derive(Debug, Clone, Deserialize)]
pub struct FailureTable {
    /// Servers.
    pub server: FailureDefaults,
    /// Storage (per drive).
    pub storage: FailureDefaults,
    /// Network switches.
    pub network: FailureDefaults,
}

/// `[refresh]`.
#[derive(Debug, Clone, Deserialize)]
pub struct RefreshDefaults {
    /// Typical server service life, years.
    pub typical_years: f64,
    /// PV service life, years.
    pub pv_life_years: f64,
    /// Wind turbine service life, years.
    pub wind_life_years: f64,
    /// Battery replacement threshold, state of health.
    pub battery_replace_soh: f64,
}

/// Shares of retired devices by end-of-life route.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
pub struct RouteShares {
    /// Sold whole for reuse elsewhere.
    pub reuse: f64,
    /// Refurbished and kept as second-life spares.
    pub refurbish: f64,
    /// DRAM and SSDs harvested for new builds, the rest recycled.
    pub harvest: f64,
    /// Material recovery.
    pub recycle: f64,
    /// Landfill (or unknown fate).
    pub landfill: f64,
}

impl RouteShares {
    /// The five shares in route order.
    pub fn as_array(&self) -> [f64; 5] {
        [self.reuse, self.refurbish, self.harvest, self.recycle, self.landfill]
    }
}

/// `[end_of_life.presets]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Presets {
    /// Landfill-heavy.
    pub linear: RouteShares,
    /// Industry-typical.
    pub industry: RouteShares,
    /// High reuse and harvest.
    pub circular: RouteShares,
}

/// `[end_of_life.recycling]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Recycling {
    /// Share of a recycled device's mass recovered as material.
    pub material_recovery_fraction: f64,
}

/// `[end_of_life.harvest]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Harvest {
    /// Share of harvested DRAM reused in new builds.
    pub dram_reuse_fraction: f64,
    /// Share of harvested SSD capacity reused in new builds.
    pub ssd_reuse_fraction: f64,
    /// Embodied carbon of a reused part relative to a new one.
    pub reused_component_embodied_factor: f64,
}

/// `[end_of_life.reuse]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Reuse {
    /// Resale value as a fraction of the purchase price at age 1, 2, ... years.
    pub resale_value_fraction_by_age: Vec<f64>,
    /// Share of a new server's embodied carbon a resold one avoids (reported apart).
    pub avoided_manufacturing_fraction: f64,
}

/// `[end_of_life]`.
#[derive(Debug, Clone, Deserialize)]
pub struct EndOfLife {
    /// Route presets.
    pub presets: Presets,
    /// Recycling.
    pub recycling: Recycling,
    /// Harvesting.
    pub harvest: Harvest,
    /// Reuse.
    pub reuse: Reuse,
}

/// Boavizta manufacturing factors of server components, kgCO2e.
#[derive(Debug, Clone, Deserialize)]
pub struct ComponentFactors {
    /// Per CPU package.
    pub cpu_base: f64,
    /// Per mm2 of CPU die.
    pub cpu_per_mm2: f64,
    /// Per DIMM.
    pub ram_per_dimm_base: f64,
    /// Per cm2 of DRAM die.
    pub ram_per_cm2: f64,
    /// DRAM density, GB per cm2 of die.
    pub ram_gb_per_cm2: f64,
    /// Per SSD.
    pub ssd_per_drive_base: f64,
    /// Per cm2 of NAND die.
    pub ssd_per_cm2: f64,
    /// NAND density, GB per cm2 of die.
    pub ssd_gb_per_cm2: f64,
    /// Per HDD.
    pub hdd_per_unit: f64,
    /// Per mainboard.
    pub mainboard: f64,
    /// Per kg of power supply.
    pub psu_per_kg: f64,
    /// Per server assembled.
    pub assembly: f64,
    /// Per rack-server case.
    pub rack_case: f64,
}

/// A per-unit embodied factor.
#[derive(Debug, Clone, Deserialize)]
pub struct PvEmbodied {
    /// kgCO2e per kWp.
    pub kgco2e_per_kwp: f64,
}

/// Wind embodied factor.
#[derive(Debug, Clone, Deserialize)]
pub struct WindEmbodied {
    /// kgCO2e per kW.
    pub kgco2e_per_kw: f64,
}

/// Battery embodied factor.
#[derive(Debug, Clone, Deserialize)]
pub struct BatteryEmbodied {
    /// kgCO2e per kWh.
    pub kgco2e_per_kwh: f64,
}

/// `[embodied]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Embodied {
    /// PV modules.
    pub pv: PvEmbodied,
    /// Wind turbines.
    pub wind: WindEmbodied,
    /// Batteries.
    pub battery: BatteryEmbodied,
    /// Server components.
    pub server_components: ComponentFactors,
}

/// PV mass.
#[derive(Debug, Clone, Deserialize)]
pub struct PvMass {
    /// kg per kWp.
    pub kg_per_kwp: f64,
}

/// Wind mass.
#[derive(Debug, Clone, Deserialize)]
pub struct WindMass {
    /// kg per kW.
    pub kg_per_kw: f64,
}

/// Battery mass.
#[derive(Debug, Clone, Deserialize)]
pub struct BatteryMass {
    /// kg per kWh.
    pub kg_per_kwh: f64,
}

/// `[mass]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Mass {
    /// PV.
    pub pv: PvMass,
    /// Wind.
    pub wind: WindMass,
    /// Battery.
    pub battery: BatteryMass,
}

/// The whole defaults file.
#[derive(Debug, Clone, Deserialize)]
pub struct LifecycleDefaults {
    /// Failures.
    pub failures: FailureTable,
    /// Service lives.
    pub refresh: RefreshDefaults,
    /// End of life.
    pub end_of_life: EndOfLife,
    /// Embodied carbon.
    pub embodied: Embodied,
    /// Mass.
    pub mass: Mass,
}

impl LifecycleDefaults {
    /// The built-in defaults, parsed once.
    ///
    /// # Panics
    /// Never for the shipped file: a unit test parses it, so a broken file fails CI.
    pub fn builtin() -> &'static LifecycleDefaults {
        static DEFAULTS: OnceLock<LifecycleDefaults> = OnceLock::new();
        DEFAULTS.get_or_init(|| {
            toml::from_str(include_str!("data/defaults.toml"))
                .unwrap_or_else(|e| panic!("built-in src/lifecycle/data/defaults.toml is invalid: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_presets_sum_to_one() {
        let d = LifecycleDefaults::builtin();
        for p in [
            &d.end_of_life.presets.linear,
            &d.end_of_life.presets.industry,
            &d.end_of_life.presets.circular,
        ] {
            let sum: f64 = p.as_array().iter().sum();
            assert!((sum - 1.0).abs() < 1e-9, "{p:?}");
        }
        assert!(d.failures.server.afr > 0.0 && d.failures.server.weibull_shape > 0.0);
        assert!(
            d.end_of_life
                .reuse
                .resale_value_fraction_by_age
                .windows(2)
                .all(|w| w[1] <= w[0])
        );
    }
}
