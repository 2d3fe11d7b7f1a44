//! What the lifecycle did: one row per simulated year, the mass balance, the payback
//! decisions of the efficiency policy and the cash flows for the economics.

use super::end_of_life::Route;

/// One simulated year of the fleet's life.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearRow {
    /// Year index (0 = the first simulated year).
    pub year: u32,
    /// New servers put into service.
    pub purchases: u32,
    /// Refurbished spares put back into service.
    pub redeployed: u32,
    /// Server failures.
    pub failures: u32,
    /// Failures repaired.
    pub repairs: u32,
    /// Servers retired by the refresh policy.
    pub retired_planned: u32,
    /// Servers retired after a failure beyond repair.
    pub retired_failed: u32,
    /// Retired servers by end-of-life route (units), in `Route::ALL` order.
    pub route_units: [u32; 5],
    /// Retired mass by route, kg (servers, storage, network, plant, repair parts).
    pub route_kg: [f64; 5],
    /// New mass bought (servers net of reused parts, repair parts, devices, plant), kg.
    pub purchased_kg: f64,
    /// Manufacturing carbon of everything bought, kgCO2e.
    pub embodied_purchased_kg: f64,
    /// Manufacturing carbon allocated to the year (straight-line over the service life,
    /// the rest written off when a device retires early), kgCO2e.
    pub embodied_amortized_kg: f64,
    /// Manufacturing carbon of new servers avoided by resold ones (reported apart, never
    /// subtracted), kgCO2e.
    pub avoided_by_reuse_kg: f64,
    /// Harvested memory reused in new servers, GB.
    pub reused_dram_gb: f64,
    /// Harvested SSD capacity reused in new servers, TB.
    pub reused_ssd_tb: f64,
    /// Storage and network devices replaced (failures and refresh).
    pub devices_replaced: u32,
    /// Servers in service at the end of the year.
    pub servers_in_service: u32,
    /// Their work capacity, ssj_ops per second.
    pub capacity_ops: f64,
    /// Servers in service at the end of the year by age in whole years (0, 1, ..., 9, 10
    /// and older).
    pub age_counts: [u32; AGE_BUCKETS],
}

/// Age buckets of `YearRow::age_counts`: 0 to 9 years, then 10 and older.
pub const AGE_BUCKETS: usize = 11;

impl YearRow {
    /// Servers retired.
    pub fn retired(&self) -> u32 {
        self.retired_planned + self.retired_failed
    }

    /// Kg sent to `route`.
    pub fn kg(&self, route: Route) -> f64 {
        self.route_kg[route.index()]
    }
}

/// Where every kg is at the horizon. `inflow_kg` must equal `stock_kg`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MassBalance {
    /// Mass in service at time 0 that was bought before the run.
    pub existing_at_start_kg: f64,
    /// Mass bought during the run.
    pub purchased_kg: f64,
    /// In service (or in repair) at the horizon.
    pub in_service_kg: f64,
    /// Refurbished spares in store.
    pub spare_store_kg: f64,
    /// Harvested parts in store.
    pub parts_store_kg: f64,
    /// Sold for reuse.
    pub sold_kg: f64,
    /// Recycled.
    pub recycled_kg: f64,
    /// Landfilled.
    pub landfill_kg: f64,
}

impl MassBalance {
    /// Mass that entered the system.
    pub fn inflow_kg(&self) -> f64 {
        self.existing_at_start_kg + self.purchased_kg
    }

    /// Mass somewhere at the horizon.
    pub fn stock_kg(&self) -> f64 {
        self.in_service_kg
            + self.spare_store_kg
            + self.parts_store_kg
            + self.sold_kg
            + self.recycled_kg
            + self.landfill_kg
    }
}

/// One evaluation of the efficiency policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaybackDecision {
    /// Year of the review.
    pub year: u32,
    /// Unit evaluated.
    pub unit: u32,
    /// Its age, years.
    pub age_years: f64,
    /// Payback of replacing it, years.
    pub payback_years: f64,
    /// Whether it was replaced.
    pub replaced: bool,
}

/// What a cash flow pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CashCategory {
    /// Servers bought.
    Servers,
    /// Storage and network devices bought.
    Devices,
    /// PV, wind and battery bought.
    Plant,
    /// Revenue from resold servers (negative).
    Resale,
}

/// A payment at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CashFlow {
    /// Time, years since the start.
    pub t_years: f64,
    /// Category.
    pub category: CashCategory,
    /// USD; positive is a cost, negative a revenue.
    pub usd: f64,
}

/// A part of the energy plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlantKind {
    /// PV modules.
    Pv,
    /// Wind turbines.
    Wind,
    /// Battery.
    Battery,
}

/// The lifecycle of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifecycleReport {
    /// Whether failures and refresh were simulated.
    pub active: bool,
    /// One row per simulated year.
    pub years: Vec<YearRow>,
    /// Mass balance at the horizon.
    pub mass: MassBalance,
    /// Efficiency-policy decisions.
    pub decisions: Vec<PaybackDecision>,
    /// Capital flows (purchases, resale).
    pub cash_flows: Vec<CashFlow>,
    /// Purchase value of the servers in service, integrated over each year (USD x years),
    /// the base of maintenance costs.
    pub server_value_years: Vec<f64>,
    /// Refurbished servers in store at the horizon.
    pub spares_in_store: u32,
    /// Replacements of plant parts within the run: (time in years, part).
    pub plant_replacements: Vec<(f64, PlantKind)>,
    /// Share of recycled mass recovered as material.
    pub material_recovery_fraction: f64,
}

impl LifecycleReport {
    /// Sum of `f` over the years.
    pub fn total(&self, f: impl Fn(&YearRow) -> f64) -> f64 {
        self.years.iter().map(f).sum()
    }

    /// Embodied carbon allocated to the run, kgCO2e.
    pub fn embodied_amortized_kg(&self) -> f64 {
        self.total(|y| y.embodied_amortized_kg)
    }

    /// Embodied carbon of everything bought during the run, kgCO2e.
    pub fn embodied_purchased_kg(&self) -> f64 {
        self.total(|y| y.embodied_purchased_kg)
    }

    /// Kg sent to `route` over the run.
    pub fn route_kg(&self, route: Route) -> f64 {
        self.total(|y| y.kg(route))
    }

    /// Kg of retired equipment over the run (the sum of the routes).
    pub fn ewaste_generated_kg(&self) -> f64 {
        Route::ALL.iter().map(|&r| self.route_kg(r)).sum()
    }
}
