//! The built-in hardware catalog: real servers from published SPECpower_ssj2008 results,
//! storage arrays and network switches. The data files in `data/` carry a `source` for
//! every entry; they are compiled into the binary so a run never reads files it did not
//! name.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::datacenter::{PowerCurve, PowerStates, ServerModel};

/// A catalog entry that could not be found or built.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CatalogError {
    /// The built-in data does not parse (a bug in the shipped files).
    #[error("built-in catalog file {file} is invalid: {message}")]
    BadData {
        /// Which file.
        file: &'static str,
        /// Why.
        message: String,
    },
}

/// One server as stored in `data/servers.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerEntry {
    /// Unique id used in scenarios.
    pub id: String,
    /// Manufacturer.
    pub vendor: String,
    /// Model name.
    pub model: String,
    /// Processors.
    pub cpu: String,
    /// Year of the SPECpower result.
    pub year: u16,
    /// CPU sockets.
    pub sockets: u32,
    /// Physical cores (the simulator's parallel service slots).
    pub cores: u32,
    /// Hardware threads.
    pub threads: u32,
    /// Memory as tested, GB.
    pub memory_gb: Option<f64>,
    /// SPECpower ssj_ops at 100 % target load.
    pub ssj_ops_at_100: f64,
    /// 11-point curve (active idle, 10 %, ..., 100 %), W.
    pub power_curve_w: Option<Vec<f64>>,
    /// Active idle, W (when only endpoints are known).
    pub idle_w: Option<f64>,
    /// Full load, W (when only endpoints are known).
    pub max_w: Option<f64>,
    /// SPECpower result id.
    pub spec_result: Option<String>,
    /// "verified", "secondary" or "low".
    pub confidence: String,
    /// Where the numbers come from.
    pub source: String,
    /// "1U", "2U", "4U", "tower" or "blade".
    pub form_factor: String,
    /// Typical configured weight, kg.
    pub mass_kg: f64,
    /// Approximate purchase price of a typical configuration, nominal USD.
    pub price_usd: f64,
    /// Year of that price.
    pub price_year: u16,
    /// Parts list for the bottom-up embodied-carbon model.
    pub components: ServerComponents,
    /// Manufacturer product carbon footprint (whole life cycle), kgCO2e, when published.
    pub pcf_kgco2e: Option<f64>,
    /// Manufacturing share of that footprint.
    pub pcf_manufacturing_share: Option<f64>,
    /// Where the lifecycle numbers come from.
    pub lifecycle_source: String,
}

/// The parts of a server that drive its embodied carbon (Boavizta's bottom-up model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerComponents {
    /// CPU packages.
    pub cpus: u32,
    /// Die area per package (all dies), mm2.
    pub cpu_die_mm2: f64,
    /// Memory, GB.
    pub dram_gb: f64,
    /// Solid-state storage, TB.
    pub ssd_tb: f64,
    /// Hard disks.
    pub hdd_count: u32,
    /// Power supplies.
    pub psu_count: u32,
    /// Mass of one power supply, kg.
    pub psu_kg: f64,
}

impl ServerEntry {
    /// The power curve of this entry.
    pub fn curve(&self) -> Result<PowerCurve, String> {
        match (&self.power_curve_w, self.idle_w, self.max_w) {
            (Some(points), _, _) => {
                let arr: [f64; 11] = points
                    .as_slice()
                    .try_into()
                    .map_err(|_| format!("power_curve_w has {} values; 11 are needed", points.len()))?;
                Ok(PowerCurve::SpecPower(arr))
            }
            (None, Some(idle_w), Some(max_w)) => Ok(PowerCurve::Linear { idle_w, max_w }),
            _ => Err("give power_curve_w (11 values) or both idle_w and max_w".to_owned()),
        }
    }

    /// The simulator's model of this server.
    pub fn to_model(&self) -> Result<ServerModel, String> {
        let curve = self.curve()?;
        curve.validate()?;
        Ok(ServerModel {
            id: self.id.clone(),
            name: format!("{} {} ({})", self.vendor, self.model, self.cpu),
            year: Some(self.year),
            cores: self.cores,
            ssj_ops_at_100: self.ssj_ops_at_100,
            curve,
            states: PowerStates::default(),
            memory_gb: self.components.dram_gb,
            source: self.source.clone(),
        })
    }
}

/// One storage device as stored in `data/storage.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageEntry {
    /// Unique id.
    pub id: String,
    /// Manufacturer.
    pub vendor: String,
    /// Model name.
    pub model: String,
    /// "hdd-enclosure", "all-flash-array" or "hybrid-array".
    pub kind: String,
    /// Raw capacity, TB.
    pub raw_capacity_tb: Option<f64>,
    /// Typical draw, W.
    pub power_w: f64,
    /// Maximum draw, W.
    pub max_w: Option<f64>,
    /// "verified", "secondary" or "low".
    pub confidence: String,
    /// Where the numbers come from.
    pub source: String,
    /// Weight, kg.
    pub mass_kg: f64,
    /// Approximate purchase price, nominal USD.
    pub price_usd: f64,
    /// Year of that price.
    pub price_year: u16,
    /// Manufacturing footprint, kgCO2e.
    pub embodied_kgco2e: f64,
    /// Where the lifecycle numbers come from.
    pub lifecycle_source: String,
}

/// One network switch as stored in `data/network.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkEntry {
    /// Unique id.
    pub id: String,
    /// Manufacturer.
    pub vendor: String,
    /// Model name.
    pub model: String,
    /// Port configuration.
    pub ports: String,
    /// Typical draw, W.
    pub power_w: f64,
    /// Maximum draw, W.
    pub max_w: Option<f64>,
    /// "verified", "secondary" or "low".
    pub confidence: String,
    /// Where the numbers come from.
    pub source: String,
    /// Weight, kg.
    pub mass_kg: f64,
    /// Approximate purchase price, nominal USD.
    pub price_usd: f64,
    /// Year of that price.
    pub price_year: u16,
    /// Manufacturing footprint, kgCO2e.
    pub embodied_kgco2e: f64,
    /// Where the lifecycle numbers come from.
    pub lifecycle_source: String,
}

/// One wind turbine as stored in `data/turbines.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurbineEntry {
    /// Unique id.
    pub id: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model name.
    pub model: String,
    /// Rated power, kW.
    pub rated_kw: f64,
    /// Rotor diameter, m.
    pub rotor_diameter_m: f64,
    /// Hub heights offered, m.
    pub hub_heights_m: Option<Vec<f64>>,
    /// Cut-in speed, m/s.
    pub cut_in_ms: Option<f64>,
    /// Cut-out speed, m/s.
    pub cut_out_ms: Option<f64>,
    /// Curve speeds, m/s.
    pub wind_speed_ms: Vec<f64>,
    /// Curve power, kW (at 1.225 kg/m^3).
    pub power_kw: Vec<f64>,
    /// "verified" or "secondary".
    pub confidence: String,
    /// Where the curve comes from.
    pub source: String,
    /// Licence of the curve data.
    pub licence: String,
}

impl TurbineEntry {
    /// The power curve; negative values (a turbine's own consumption below cut-in, in some
    /// measured curves) are set to 0.
    pub fn curve(&self) -> crate::wind::PowerCurve {
        crate::wind::PowerCurve {
            wind_speed_ms: self.wind_speed_ms.clone(),
            power_kw: self.power_kw.iter().map(|p| p.max(0.0)).collect(),
            cut_out_ms: self.cut_out_ms,
        }
    }

    /// The default hub height: the lowest offered, or 1.1 x the rotor diameter when none is
    /// given (a common onshore proportion).
    pub fn default_hub_height_m(&self) -> f64 {
        self.hub_heights_m
            .as_ref()
            .and_then(|h| h.iter().copied().reduce(f64::min))
            .unwrap_or(1.1 * self.rotor_diameter_m)
    }
}

/// One PV module as stored in `data/pv_modules.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PvModuleEntry {
    /// Unique id.
    pub id: String,
    /// Manufacturer.
    pub vendor: String,
    /// Model name in the CEC database.
    pub model: String,
    /// Cell technology.
    pub technology: String,
    /// Power at standard test conditions, W.
    pub stc_w: f64,
    /// Module area, m^2.
    pub area_m2: f64,
    /// STC efficiency.
    pub efficiency: f64,
    /// Power temperature coefficient, 1/C.
    pub gamma_pdc_per_c: f64,
    /// Nominal operating cell temperature, C.
    pub noct_c: f64,
    /// Bifacial module.
    pub bifacial: bool,
    /// Database entry year.
    pub year: Option<u16>,
    /// "verified".
    pub confidence: String,
    /// Where the numbers come from.
    pub source: String,
}

/// The whole built-in catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Servers, oldest first.
    pub servers: Vec<ServerEntry>,
    /// Storage devices.
    pub storage: Vec<StorageEntry>,
    /// Network switches.
    pub network: Vec<NetworkEntry>,
    /// Wind turbines.
    pub turbines: Vec<TurbineEntry>,
    /// PV modules.
    pub pv_modules: Vec<PvModuleEntry>,
    server_models: Vec<Arc<ServerModel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    server: Vec<ServerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageFile {
    storage: Vec<StorageEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkFile {
    network: Vec<NetworkEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TurbineFile {
    turbine: Vec<TurbineEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PvModuleFile {
    module: Vec<PvModuleEntry>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<T, CatalogError> {
    toml::from_str(text).map_err(|e| CatalogError::BadData {
        file,
        message: e.to_string(),
    })
}

impl Catalog {
    /// The built-in catalog, parsed once.
    pub fn builtin() -> Result<&'static Catalog, CatalogError> {
        static CATALOG: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        CATALOG
            .get_or_init(Catalog::load_builtin)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load_builtin() -> Result<Catalog, CatalogError> {
        let mut servers = parse::<ServerFile>("servers.toml", include_str!("data/servers.toml"))?.server;
        servers.sort_by(|a, b| a.year.cmp(&b.year).then_with(|| a.id.cmp(&b.id)));
        let storage = parse::<StorageFile>("storage.toml", include_str!("data/storage.toml"))?.storage;
        let network = parse::<NetworkFile>("network.toml", include_str!("data/network.toml"))?.network;
        let mut turbines = parse::<TurbineFile>("turbines.toml", include_str!("data/turbines.toml"))?.turbine;
        // Curves from the Open Energy Database (ODbL 1.0), kept in a file of their own.
        turbines.extend(parse::<TurbineFile>("turbines_odbl.toml", include_str!("data/turbines_odbl.toml"))?.turbine);
        for t in &turbines {
            t.curve().validate().map_err(|message| CatalogError::BadData {
                file: "turbines.toml",
                message: format!("{}: {message}", t.id),
            })?;
        }
        let pv_modules = parse::<PvModuleFile>("pv_modules.toml", include_str!("data/pv_modules.toml"))?.module;
        let server_models = servers
            .iter()
            .map(|s| {
                s.to_model().map(Arc::new).map_err(|message| CatalogError::BadData {
                    file: "servers.toml",
                    message: format!("{}: {message}", s.id),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Catalog {
            servers,
            storage,
            network,
            turbines,
            pv_modules,
            server_models,
        })
    }

    /// The model of server `id`.
    pub fn server(&self, id: &str) -> Option<Arc<ServerModel>> {
        self.server_models.iter().find(|m| m.id == id).cloned()
    }

    /// Storage device `id`.
    pub fn storage(&self, id: &str) -> Option<&StorageEntry> {
        self.storage.iter().find(|s| s.id == id)
    }

    /// Network switch `id`.
    pub fn network(&self, id: &str) -> Option<&NetworkEntry> {
        self.network.iter().find(|s| s.id == id)
    }

    /// Wind turbine `id`.
    pub fn turbine(&self, id: &str) -> Option<&TurbineEntry> {
        self.turbines.iter().find(|t| t.id == id)
    }

    /// PV module `id`.
    pub fn pv_module(&self, id: &str) -> Option<&PvModuleEntry> {
        self.pv_modules.iter().find(|m| m.id == id)
    }

    /// The catalog entry of server `id` (with its lifecycle data).
    pub fn server_entry(&self, id: &str) -> Option<&ServerEntry> {
        self.servers.iter().find(|s| s.id == id)
    }

    /// All server entries, oldest first.
    pub fn server_entries(&self) -> &[ServerEntry] {
        &self.servers
    }

    /// Ids of all servers.
    pub fn server_ids(&self) -> Vec<&str> {
        self.servers.iter().map(|s| s.id.as_str()).collect()
    }
}

/// The server used when a scenario names none: a 2019 two-socket Dell R740, the middle of
/// the catalog's generations and the reference for the default class work figures.
pub const DEFAULT_SERVER_ID: &str = "dell-r740-xeon-8280";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_complete_and_sourced() {
        let cat = Catalog::builtin().unwrap();
        assert!(cat.servers.len() >= 6);
        assert!(cat.storage.len() >= 2);
        assert!(cat.network.len() >= 2);
        let years: Vec<u16> = cat.servers.iter().map(|s| s.year).collect();
        assert!(years.iter().any(|&y| y <= 2012) && years.iter().any(|&y| y >= 2024));
        for s in &cat.servers {
            assert!(!s.source.trim().is_empty(), "{} has no source", s.id);
            assert!(s.cores > 0 && s.ssj_ops_at_100 > 0.0, "{}", s.id);
        }
        for s in &cat.storage {
            assert!(!s.source.trim().is_empty() && s.power_w > 0.0, "{}", s.id);
        }
        for n in &cat.network {
            assert!(!n.source.trim().is_empty() && n.power_w > 0.0, "{}", n.id);
        }
        assert!(cat.server(DEFAULT_SERVER_ID).is_some());
        let mut ids = cat.server_ids();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), cat.servers.len(), "ids are unique");
    }

    #[test]
    fn every_device_has_lifecycle_data() {
        let cat = Catalog::builtin().unwrap();
        for s in &cat.servers {
            assert!(s.mass_kg > 5.0 && s.mass_kg < 80.0, "{}: mass {}", s.id, s.mass_kg);
            assert!(s.price_usd > 1000.0, "{}: price {}", s.id, s.price_usd);
            assert!((2005..=2026).contains(&s.price_year), "{}", s.id);
            assert_eq!(s.components.cpus, s.sockets, "{}: one CPU per socket", s.id);
            assert!(
                s.components.cpu_die_mm2 > 50.0 && s.components.dram_gb > 0.0,
                "{}",
                s.id
            );
            assert!(s.components.psu_count >= 1 && s.components.psu_kg > 0.0, "{}", s.id);
            assert!(
                ["1U", "2U", "4U", "tower", "blade"].contains(&s.form_factor.as_str()),
                "{}: {}",
                s.id,
                s.form_factor
            );
            assert_eq!(s.pcf_kgco2e.is_some(), s.pcf_manufacturing_share.is_some(), "{}", s.id);
            assert!(!s.lifecycle_source.trim().is_empty(), "{}", s.id);
        }
        let devices = cat
            .storage
            .iter()
            .map(|d| {
                (
                    &d.id,
                    d.mass_kg,
                    d.price_usd,
                    d.price_year,
                    d.embodied_kgco2e,
                    &d.lifecycle_source,
                )
            })
            .chain(cat.network.iter().map(|d| {
                (
                    &d.id,
                    d.mass_kg,
                    d.price_usd,
                    d.price_year,
                    d.embodied_kgco2e,
                    &d.lifecycle_source,
                )
            }));
        for (id, mass, price, year, embodied, source) in devices {
            assert!(mass > 0.0 && price > 0.0 && embodied > 0.0, "{id}");
            assert!((2005..=2026).contains(&year), "{id}");
            assert!(!source.trim().is_empty(), "{id}");
        }
    }

    #[test]
    fn newer_servers_do_more_work_per_watt() {
        let cat = Catalog::builtin().unwrap();
        let old = cat.server("dell-r620-xeon-e5-2670").unwrap();
        let new = cat.server("dell-r7725-epyc-9965").unwrap();
        assert!(new.ssj_ops_per_w_at_100() > 5.0 * old.ssj_ops_per_w_at_100());
    }
}
