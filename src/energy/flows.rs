//! Energy flows of an interval, in kWh, kept separately so that both balances can be
//! checked exactly:
//! * demand = renewables to load + battery to load + grid to load + unserved;
//! * renewables produced = to load + to battery + exported + curtailed.

/// Flows of one interval (or their sums), kWh unless stated.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flows {
    /// Facility demand (IT x PUE).
    pub demand: f64,
    /// PV production (AC).
    pub solar: f64,
    /// Wind production.
    pub wind: f64,
    /// Renewables used by the facility directly.
    pub re_to_load: f64,
    /// Renewables stored (at the battery terminals).
    pub re_to_battery: f64,
    /// Renewables exported.
    pub re_to_grid: f64,
    /// Renewables neither used, stored nor exported.
    pub curtailed: f64,
    /// Battery energy delivered to the facility.
    pub battery_to_load: f64,
    /// The part of `battery_to_load` that had been stored from renewables.
    pub battery_re_to_load: f64,
    /// Grid energy used by the facility.
    pub grid_to_load: f64,
    /// Grid energy stored (at the battery terminals).
    pub grid_to_battery: f64,
    /// Demand that could not be met (import limit reached).
    pub unserved: f64,
    /// Emissions of imports, g CO2e.
    pub carbon_g: f64,
    /// Cost of imports, currency.
    pub import_cost: f64,
    /// Revenue from exports, currency.
    pub export_revenue: f64,
    /// Hourly matched carbon-free energy (sum over hours of min(demand, carbon-free supply)).
    pub cfe_matched: f64,
    /// Heat demand served by heat reuse and solar heat (thermal kWh).
    pub heat_demand: f64,
    /// Solar heat delivered (thermal kWh).
    pub solar_thermal: f64,
    /// Heat delivered by the heat pump from datacenter heat (thermal kWh): the reused energy.
    pub heat_reused: f64,
    /// The heat pump's electricity (kWh, part of `demand`).
    pub heat_pump: f64,
    /// Emissions avoided at the displaced boiler, g CO2e.
    pub heat_avoided_g: f64,
}

impl Flows {
    /// Renewable production.
    pub fn renewables(&self) -> f64 {
        self.solar + self.wind
    }

    /// Energy imported.
    pub fn grid_import(&self) -> f64 {
        self.grid_to_load + self.grid_to_battery
    }

    /// Energy exported.
    pub fn grid_export(&self) -> f64 {
        self.re_to_grid
    }

    /// Energy into the battery (terminals).
    pub fn battery_charge(&self) -> f64 {
        self.re_to_battery + self.grid_to_battery
    }

    /// Adds another interval's flows.
    pub fn add(&mut self, o: &Flows) {
        self.demand += o.demand;
        self.solar += o.solar;
        self.wind += o.wind;
        self.re_to_load += o.re_to_load;
        self.re_to_battery += o.re_to_battery;
        self.re_to_grid += o.re_to_grid;
        self.curtailed += o.curtailed;
        self.battery_to_load += o.battery_to_load;
        self.battery_re_to_load += o.battery_re_to_load;
        self.grid_to_load += o.grid_to_load;
        self.grid_to_battery += o.grid_to_battery;
        self.unserved += o.unserved;
        self.carbon_g += o.carbon_g;
        self.import_cost += o.import_cost;
        self.export_revenue += o.export_revenue;
        self.cfe_matched += o.cfe_matched;
        self.heat_demand += o.heat_demand;
        self.solar_thermal += o.solar_thermal;
        self.heat_reused += o.heat_reused;
        self.heat_pump += o.heat_pump;
        self.heat_avoided_g += o.heat_avoided_g;
    }

    /// Relative error of the demand balance.
    pub fn demand_imbalance(&self) -> f64 {
        let supplied = self.re_to_load + self.battery_to_load + self.grid_to_load + self.unserved;
        (self.demand - supplied).abs() / self.demand.abs().max(1e-12)
    }

    /// Relative error of the production balance.
    pub fn production_imbalance(&self) -> f64 {
        let used = self.re_to_load + self.re_to_battery + self.re_to_grid + self.curtailed;
        (self.renewables() - used).abs() / self.renewables().abs().max(1e-12)
    }
}
