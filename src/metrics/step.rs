//! One row of the time series per output step, and the observer that receives rows as the
//! run produces them (the output layer streams them to `timeseries.csv`; tests collect
//! them in memory). Rows are never all held by the model, so memory does not grow with the
//! horizon.

use serde::Serialize;

/// Measurements of one step. Powers are means over the step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StepRecord {
    /// Start of the step, hours since the scenario start.
    pub time_h: f64,
    /// Length of the step, hours.
    pub duration_h: f64,
    /// Transactions that arrived.
    pub arrivals: f64,
    /// Transactions completed.
    pub completed: f64,
    /// Transactions dropped (queue full).
    pub dropped: f64,
    /// Completed transactions slower than their class SLA.
    pub late: f64,
    /// Mean latency of the step's completed transactions, ms (0 when none).
    pub latency_mean_ms: f64,
    /// Mean number of servers not asleep or off.
    pub servers_awake: f64,
    /// Busy cores / cores of awake servers, time average.
    pub utilization: f64,
    /// Server power, kW.
    pub servers_kw: f64,
    /// Storage power, kW.
    pub storage_kw: f64,
    /// Network power, kW.
    pub network_kw: f64,
    /// IT power (servers + storage + network), kW.
    pub it_kw: f64,
    /// Outdoor air temperature, C.
    pub temp_air_c: f64,
    /// Power usage effectiveness.
    pub pue: f64,
    /// Facility power (IT x PUE), kW.
    pub facility_kw: f64,
    /// PV production, kW.
    pub solar_kw: f64,
    /// Wind production, kW.
    pub wind_kw: f64,
    /// Battery power at the terminals, kW: discharge positive, charge negative.
    pub battery_kw: f64,
    /// Battery energy at the end of the step, kWh.
    pub soc_kwh: f64,
    /// Grid power, kW: import positive, export negative.
    pub grid_kw: f64,
    /// Renewable power curtailed, kW.
    pub curtailed_kw: f64,
    /// Demand not served (import limit), kW.
    pub unserved_kw: f64,
    /// Grid carbon intensity, gCO2e/kWh.
    pub carbon_g_per_kwh: f64,
    /// Grid price, per MWh.
    pub price_per_mwh: f64,
    /// Heat delivered from datacenter heat by the heat pump, kW (thermal).
    pub heat_reused_kw: f64,
    /// Solar heat delivered, kW (thermal).
    pub solar_thermal_kw: f64,
}

impl StepRecord {
    /// Column names with units, in output order.
    pub const HEADER: [&'static str; 27] = [
        "time_h",
        "duration_h",
        "arrivals",
        "completed",
        "dropped",
        "late",
        "latency_mean_ms",
        "servers_awake",
        "utilization",
        "servers_kw",
        "storage_kw",
        "network_kw",
        "it_kw",
        "temp_air_c",
        "pue",
        "facility_kw",
        "solar_kw",
        "wind_kw",
        "battery_kw",
        "soc_kwh",
        "grid_kw",
        "curtailed_kw",
        "unserved_kw",
        "carbon_g_per_kwh",
        "price_per_mwh",
        "heat_reused_kw",
        "solar_thermal_kw",
    ];

    /// Values in `HEADER` order.
    pub fn values(&self) -> [f64; 27] {
        [
            self.time_h,
            self.duration_h,
            self.arrivals,
            self.completed,
            self.dropped,
            self.late,
            self.latency_mean_ms,
            self.servers_awake,
            self.utilization,
            self.servers_kw,
            self.storage_kw,
            self.network_kw,
            self.it_kw,
            self.temp_air_c,
            self.pue,
            self.facility_kw,
            self.solar_kw,
            self.wind_kw,
            self.battery_kw,
            self.soc_kwh,
            self.grid_kw,
            self.curtailed_kw,
            self.unserved_kw,
            self.carbon_g_per_kwh,
            self.price_per_mwh,
            self.heat_reused_kw,
            self.solar_thermal_kw,
        ]
    }
}

/// Receives each step's record as soon as the step ends.
pub trait StepObserver {
    /// Called once per measured step, in time order.
    fn on_step(&mut self, record: &StepRecord);
}

/// Discards rows (replications whose time series is not written).
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscardSteps;

impl StepObserver for DiscardSteps {
    fn on_step(&mut self, _record: &StepRecord) {}
}

impl StepObserver for Vec<StepRecord> {
    fn on_step(&mut self, record: &StepRecord) {
        self.push(*record);
    }
}
