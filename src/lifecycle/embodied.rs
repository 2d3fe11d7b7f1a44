//! Embodied carbon and mass of a server from its parts, in the style of Boavizta's
//! bottom-up manufacturing model (factors in `data/defaults.toml`, section
//! `embodied.server_components`, from Boavizta API `factors.yml`, whose source is
//! Umweltbundesamt, "Green Cloud Computing", Texte 94/2021).
//!
//! Conventions (the same as `src/catalog/data/scripts/embodied_check.py`, whose output is
//! recorded in `src/catalog/data/EMBODIED.md`): DIMMs of 32 GB and SSDs of 960 GB, counted
//! fractionally so that memory and flash scale with capacity.

use super::defaults::ComponentFactors;
use crate::catalog::ServerComponents;

/// GB per DIMM assumed when counting DIMMs (Boavizta's default strip).
pub const DIMM_GB: f64 = 32.0;
/// TB per SSD assumed when counting drives.
pub const SSD_DRIVE_TB: f64 = 0.96;
/// Mass of memory, kg per GB: one 32 GB RDIMM weighs about 30 g (assumption, the DIMM mass
/// used for the repair parts in `data/defaults.toml`).
pub const DRAM_KG_PER_GB: f64 = 0.03 / DIMM_GB;
/// Mass of solid-state storage, kg per TB: a 2.5-inch SSD of 0.96 TB weighs about 70 g
/// (assumption; enterprise 2.5-inch SSD datasheets give 60-150 g).
pub const SSD_KG_PER_TB: f64 = 0.07 / SSD_DRIVE_TB;

/// Manufacturing carbon of a server by part, kgCO2e.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EmbodiedBreakdown {
    /// CPUs.
    pub cpu: f64,
    /// Memory.
    pub ram: f64,
    /// Solid-state storage.
    pub ssd: f64,
    /// Hard disks.
    pub hdd: f64,
    /// Mainboard.
    pub mainboard: f64,
    /// Power supplies.
    pub psu: f64,
    /// Assembly.
    pub assembly: f64,
    /// Case.
    pub case: f64,
}

impl EmbodiedBreakdown {
    /// Sum of the parts.
    pub fn total(&self) -> f64 {
        self.cpu + self.ram + self.ssd + self.hdd + self.mainboard + self.psu + self.assembly + self.case
    }
}

/// kgCO2e of `gb` of new memory.
pub fn ram_kgco2e(f: &ComponentFactors, gb: f64) -> f64 {
    gb / DIMM_GB * f.ram_per_dimm_base + f.ram_per_cm2 * gb / f.ram_gb_per_cm2
}

/// kgCO2e of `tb` of new solid-state storage.
pub fn ssd_kgco2e(f: &ComponentFactors, tb: f64) -> f64 {
    tb / SSD_DRIVE_TB * f.ssd_per_drive_base + f.ssd_per_cm2 * tb * 1000.0 / f.ssd_gb_per_cm2
}

/// The bottom-up manufacturing footprint of a server with parts `c`.
pub fn server_embodied(f: &ComponentFactors, c: &ServerComponents) -> EmbodiedBreakdown {
    EmbodiedBreakdown {
        cpu: f64::from(c.cpus) * (f.cpu_base + f.cpu_per_mm2 * c.cpu_die_mm2),
        ram: ram_kgco2e(f, c.dram_gb),
        ssd: ssd_kgco2e(f, c.ssd_tb),
        hdd: f64::from(c.hdd_count) * f.hdd_per_unit,
        mainboard: f.mainboard,
        psu: f64::from(c.psu_count) * c.psu_kg * f.psu_per_kg,
        assembly: f.assembly,
        case: f.rack_case,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::lifecycle::defaults::LifecycleDefaults;

    #[test]
    fn reproduces_the_boavizta_r740_archetype() {
        // Boavizta's dellR740 archetype: 2 CPUs of 24 cores x 24.5 mm2, 12 x 32 GB,
        // one 400 GB SSD, 2 PSUs of 2.99 kg: 1,173.6 kgCO2e (EMBODIED.md check row).
        let f = &LifecycleDefaults::builtin().embodied.server_components;
        let c = ServerComponents {
            cpus: 2,
            cpu_die_mm2: 24.0 * 24.5,
            dram_gb: 384.0,
            ssd_tb: 0.0,
            hdd_count: 0,
            psu_count: 2,
            psu_kg: 2.99,
        };
        let ssd_400gb = f.ssd_per_drive_base + f.ssd_per_cm2 * 400.0 / f.ssd_gb_per_cm2;
        let total = server_embodied(f, &c).total() + ssd_400gb;
        assert!((total - 1173.6).abs() < 0.5, "{total}");
    }

    #[test]
    fn matches_the_catalog_check_script() {
        // EMBODIED.md: dell-r740-xeon-8280 874, dell-r7725-epyc-9965 2,015 kgCO2e.
        let f = &LifecycleDefaults::builtin().embodied.server_components;
        let cat = Catalog::builtin().unwrap();
        for (id, expected) in [("dell-r740-xeon-8280", 874.0), ("dell-r7725-epyc-9965", 2015.0)] {
            let e = cat.server_entry(id).unwrap();
            let total = server_embodied(f, &e.components).total();
            assert!((total - expected).abs() < 1.0, "{id}: {total}");
        }
    }
}
