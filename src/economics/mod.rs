//! Economics: capital costs (servers, storage, network, PV, wind, batteries), operating
//! costs (grid energy at the hourly price, IT maintenance, plant O&M, an optional carbon
//! price), resale revenue, the net present value at a discount rate and the cost per
//! million transactions. Default prices are in `data/costs.toml` with their sources.
//!
//! Timing: purchases and resales are discounted at the time they happen; yearly operating
//! costs at the middle of their year (the mid-year convention); a flow at t years is worth
//! (1 + r)^-t today.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::lifecycle::{CashCategory, LifecycleReport, PlantKind};
use crate::sim::YearTotals;

/// Default prices (a subset of `data/costs.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct CostDefaults {
    /// Capital costs.
    pub capex: CapexDefaults,
    /// Operating costs.
    pub opex: OpexDefaults,
    /// Finance.
    pub finance: FinanceDefaults,
}

/// `[capex]` of `costs.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct CapexDefaults {
    /// PV, USD per kWp (commercial rooftop scale).
    pub pv_usd_per_kwp: f64,
    /// Wind, USD per kW.
    pub wind_usd_per_kw: f64,
    /// Battery energy, USD per kWh.
    pub battery_usd_per_kwh: f64,
    /// Battery power, USD per kW.
    pub battery_usd_per_kw: f64,
}

/// `[opex]` of `costs.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct OpexDefaults {
    /// PV O&M, USD per kWp-year.
    pub pv_usd_per_kwp_year: f64,
    /// Wind O&M, USD per kW-year.
    pub wind_usd_per_kw_year: f64,
    /// Battery O&M, USD per kW-year.
    pub battery_usd_per_kw_year: f64,
    /// IT maintenance, fraction of the purchase price per year.
    pub it_maintenance_fraction_per_year: f64,
}

/// `[finance]` of `costs.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct FinanceDefaults {
    /// Real discount rate.
    pub discount_rate: f64,
}

impl CostDefaults {
    /// The built-in prices, parsed once.
    ///
    /// # Panics
    /// Never for the shipped file: a unit test parses it.
    pub fn builtin() -> &'static CostDefaults {
        static DEFAULTS: OnceLock<CostDefaults> = OnceLock::new();
        DEFAULTS.get_or_init(|| {
            toml::from_str(include_str!("data/costs.toml"))
                .unwrap_or_else(|e| panic!("built-in src/economics/data/costs.toml is invalid: {e}"))
        })
    }
}

/// US industrial average electricity price 2023, USD per kWh (EIA data via Statista:
/// 8.06 cents/kWh), used when the scenario's grid has no price series.
pub const DEFAULT_GRID_USD_PER_KWH: f64 = 0.0806;

/// USD per EUR: ECB euro reference rate, 2024 annual average 1.0824.
pub const USD_PER_EUR: f64 = 1.0824;

/// The validated `[economics]` of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct EconomicsSpec {
    /// Real discount rate per year.
    pub discount_rate: f64,
    /// Carbon price, USD per tCO2e (0: none).
    pub carbon_price_usd_per_t: f64,
    /// Whether the carbon price also applies to embodied carbon (amortized).
    pub carbon_price_on_embodied: bool,
    /// Grid price when the grid has no price series, USD per kWh.
    pub default_grid_usd_per_kwh: f64,
    /// Whether the grid has its own price series.
    pub grid_has_price: bool,
    /// USD per unit of the grid's price currency.
    pub grid_currency_to_usd: f64,
    /// PV capital cost, USD per kWp.
    pub pv_usd_per_kwp: f64,
    /// Wind capital cost, USD per kW.
    pub wind_usd_per_kw: f64,
    /// Battery capital cost, USD per kWh.
    pub battery_usd_per_kwh: f64,
    /// Battery capital cost, USD per kW.
    pub battery_usd_per_kw: f64,
    /// PV O&M, USD per kWp-year.
    pub pv_om_usd_per_kwp_year: f64,
    /// Wind O&M, USD per kW-year.
    pub wind_om_usd_per_kw_year: f64,
    /// Battery O&M, USD per kW-year.
    pub battery_om_usd_per_kw_year: f64,
    /// IT maintenance, fraction of the purchase price of servers in service per year.
    pub it_maintenance_fraction_per_year: f64,
    /// PV, kWp.
    pub pv_kwp: f64,
    /// Wind, kW.
    pub wind_kw: f64,
    /// Battery, kWh.
    pub battery_kwh: f64,
    /// Battery, kW.
    pub battery_kw: f64,
    /// PV life, years (replaced within the run when shorter than the horizon).
    pub pv_life_years: f64,
    /// Wind life, years.
    pub wind_life_years: f64,
}

/// What the run cost, USD.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostTotals {
    /// Capital: servers, devices and plant bought during the run.
    pub capex: f64,
    /// Of which servers.
    pub capex_servers: f64,
    /// Of which storage and network.
    pub capex_devices: f64,
    /// Of which PV, wind and batteries.
    pub capex_plant: f64,
    /// Operating: grid energy, maintenance, O&M, carbon price.
    pub opex: f64,
    /// Of which grid energy (imports minus export revenue).
    pub grid_energy: f64,
    /// Of which IT maintenance.
    pub maintenance: f64,
    /// Of which plant O&M.
    pub plant_om: f64,
    /// Of which carbon price.
    pub carbon: f64,
    /// Revenue from resold servers (positive number).
    pub resale_revenue: f64,
    /// capex + opex - resale, undiscounted.
    pub total: f64,
    /// Net present value of all costs (a cost is positive).
    pub npv: f64,
    /// Undiscounted total per million completed transactions.
    pub usd_per_million_tx: f64,
    /// NPV per million discounted transactions (a levelized cost).
    pub levelized_usd_per_million_tx: f64,
}

/// Present value of `flows` (time in years, amount) at `rate` per year.
pub fn npv(flows: &[(f64, f64)], rate: f64) -> f64 {
    flows.iter().map(|&(t, x)| x * (1.0 + rate).powf(-t)).sum()
}

/// The costs of a run from its lifecycle and its yearly energy totals.
pub fn evaluate(
    spec: &EconomicsSpec,
    lifecycle: &LifecycleReport,
    years: &[YearTotals],
    horizon_years: f64,
) -> CostTotals {
    let mut c = CostTotals::default();
    let mut flows: Vec<(f64, f64)> = Vec::new();
    for f in &lifecycle.cash_flows {
        match f.category {
            CashCategory::Servers => c.capex_servers += f.usd,
            CashCategory::Devices => c.capex_devices += f.usd,
            CashCategory::Plant => c.capex_plant += f.usd,
            CashCategory::Resale => c.resale_revenue -= f.usd,
        }
        flows.push((f.t_years, f.usd));
    }
    // The plant: built at the start, rebuilt when the lifecycle replaces a part.
    let plant_usd = |kind: PlantKind| match kind {
        PlantKind::Pv => spec.pv_kwp * spec.pv_usd_per_kwp,
        PlantKind::Wind => spec.wind_kw * spec.wind_usd_per_kw,
        PlantKind::Battery => spec.battery_kwh * spec.battery_usd_per_kwh + spec.battery_kw * spec.battery_usd_per_kw,
    };
    let built = [(0.0, PlantKind::Pv), (0.0, PlantKind::Wind), (0.0, PlantKind::Battery)];
    for &(t, kind) in built.iter().chain(&lifecycle.plant_replacements) {
        let usd = plant_usd(kind);
        if usd > 0.0 && (t == 0.0 || t < horizon_years) {
            c.capex_plant += usd;
            flows.push((t, usd));
        }
    }
    let plant_om_per_year = spec.pv_kwp * spec.pv_om_usd_per_kwp_year
        + spec.wind_kw * spec.wind_om_usd_per_kw_year
        + spec.battery_kw * spec.battery_om_usd_per_kw_year;
    let carbon_per_kg = spec.carbon_price_usd_per_t / 1000.0;
    for (y, totals) in years.iter().enumerate() {
        let f = &totals.flows;
        let grid = if spec.grid_has_price {
            (f.import_cost - f.export_revenue) * spec.grid_currency_to_usd
        } else {
            f.grid_import() * spec.default_grid_usd_per_kwh - f.export_revenue * spec.grid_currency_to_usd
        };
        let year_fraction = totals.measured_h / 8760.0;
        let maintenance =
            lifecycle.server_value_years.get(y).copied().unwrap_or(0.0) * spec.it_maintenance_fraction_per_year;
        let om = plant_om_per_year * year_fraction;
        let mut carbon_kg = f.carbon_g / 1000.0;
        if spec.carbon_price_on_embodied {
            carbon_kg += lifecycle.years.get(y).map_or(0.0, |r| r.embodied_amortized_kg);
        }
        let carbon = carbon_kg * carbon_per_kg;
        c.grid_energy += grid;
        c.maintenance += maintenance;
        c.plant_om += om;
        c.carbon += carbon;
        flows.push((y as f64 + 0.5 * year_fraction, grid + maintenance + om + carbon));
    }
    c.capex = c.capex_servers + c.capex_devices + c.capex_plant;
    c.opex = c.grid_energy + c.maintenance + c.plant_om + c.carbon;
    c.total = c.capex + c.opex - c.resale_revenue;
    c.npv = npv(&flows, spec.discount_rate);
    let completed: f64 = years.iter().map(|y| y.completed).sum();
    let discounted_tx = npv(
        &years
            .iter()
            .enumerate()
            .map(|(y, t)| (y as f64 + 0.5 * t.measured_h / 8760.0, t.completed))
            .collect::<Vec<_>>(),
        spec.discount_rate,
    );
    c.usd_per_million_tx = if completed > 0.0 {
        c.total / completed * 1e6
    } else {
        0.0
    };
    c.levelized_usd_per_million_tx = if discounted_tx > 0.0 {
        c.npv / discounted_tx * 1e6
    } else {
        0.0
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npv_of_an_annuity_is_the_closed_form() {
        // 1,000 USD at the end of each of 10 years at 5 %: 1000 (1 - 1.05^-10) / 0.05.
        let flows: Vec<(f64, f64)> = (1..=10).map(|t| (f64::from(t), 1000.0)).collect();
        let closed = 1000.0 * (1.0 - 1.05f64.powi(-10)) / 0.05;
        assert!(
            (npv(&flows, 0.05) - closed).abs() < 1e-9,
            "{} vs {closed}",
            npv(&flows, 0.05)
        );
        assert!((closed - 7721.734929).abs() < 1e-5);
        // A payment now is worth itself; one in 2 years at 7 % is worth 1/1.07^2.
        assert_eq!(npv(&[(0.0, 500.0)], 0.07), 500.0);
        assert!((npv(&[(2.0, 1.0)], 0.07) - 1.0 / 1.1449).abs() < 1e-12);
    }

    #[test]
    fn defaults_parse() {
        let d = CostDefaults::builtin();
        assert!(d.capex.pv_usd_per_kwp > 0.0 && d.finance.discount_rate > 0.0);
        assert!(d.opex.it_maintenance_fraction_per_year > 0.0);
    }
}
