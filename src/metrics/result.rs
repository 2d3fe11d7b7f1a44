//! What one run measured, and its JSON form (the metric part of `summary.json`).

use serde_json::{Map, Value, json};

/// Mean and quantiles of latency, ms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatencyStats {
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
}

impl LatencyStats {
    fn to_json(self) -> Value {
        json!({
            "mean": self.mean_ms,
            "p50": self.p50_ms,
            "p95": self.p95_ms,
            "p99": self.p99_ms,
            "p999": self.p999_ms,
        })
    }
}

/// Measurements of one transaction class.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassResult {
    /// Class name.
    pub name: String,
    /// Its latency target, ms.
    pub sla_ms: f64,
    /// Arrivals.
    pub arrivals: f64,
    /// Completions.
    pub completed: f64,
    /// Drops.
    pub dropped: f64,
    /// Completions slower than the SLA.
    pub late: f64,
    /// Latency of completions.
    pub latency: LatencyStats,
}

impl ClassResult {
    /// (late + dropped) / (completed + dropped): the share of finished transactions that
    /// missed the target (a dropped transaction misses it).
    pub fn sla_violation_fraction(&self) -> f64 {
        ratio(self.late + self.dropped, self.completed + self.dropped)
    }
}

/// Energy over the measured period, kWh.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EnergyTotals {
    /// Servers.
    pub servers_kwh: f64,
    /// Storage devices.
    pub storage_kwh: f64,
    /// Network devices.
    pub network_kwh: f64,
    /// IT = servers + storage + network.
    pub it_kwh: f64,
    /// Facility = IT x PUE.
    pub facility_kwh: f64,
}

/// The supply side over the measured period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupplyTotals {
    /// Energy flows, carbon and cost.
    pub flows: crate::energy::Flows,
    /// Demand-weighted mean PUE.
    pub mean_pue: f64,
    /// Battery equivalent full cycles at the horizon.
    pub battery_cycles: Option<f64>,
    /// Battery state of health at the horizon.
    pub battery_state_of_health: Option<f64>,
    /// Energy lost in the battery, kWh.
    pub battery_losses_kwh: Option<f64>,
}

/// Everything one run (one replication) measured after its warm-up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunResult {
    /// Replication index.
    pub replication: u32,
    /// Hours measured (horizon minus warm-up).
    pub measured_h: f64,
    /// Arrivals.
    pub arrivals: f64,
    /// Completions.
    pub completed: f64,
    /// Drops.
    pub dropped: f64,
    /// Completions slower than their SLA.
    pub late: f64,
    /// Transactions still in the datacenter at the horizon.
    pub in_flight_at_end: f64,
    /// Latency of all completions.
    pub latency: LatencyStats,
    /// Mean time spent waiting for a core, ms.
    pub waiting_mean_ms: f64,
    /// Per class.
    pub classes: Vec<ClassResult>,
    /// Energy.
    pub energy: EnergyTotals,
    /// Supply side: renewables, battery, grid, carbon, cost.
    pub supply: SupplyTotals,
    /// Servers in the fleet.
    pub server_count: f64,
    /// Mean servers not asleep or off.
    pub mean_awake: f64,
    /// Mean busy cores / awake cores.
    pub mean_utilization: f64,
    /// Times a server left the low-power state.
    pub wakeups: f64,
    /// Largest step-mean IT power, kW.
    pub peak_it_kw: f64,
    /// Time-average number of transactions in the datacenter (transaction fidelity only).
    pub mean_in_system: Option<f64>,
    /// Engine events handled.
    pub events: u64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

impl RunResult {
    /// Share of finished transactions that missed their SLA (drops count as misses).
    pub fn sla_violation_fraction(&self) -> f64 {
        ratio(self.late + self.dropped, self.completed + self.dropped)
    }

    /// Facility energy per completed transaction, Wh.
    pub fn wh_per_tx(&self) -> f64 {
        ratio(self.energy.facility_kwh * 1000.0, self.completed)
    }

    fn supply_json(&self) -> Value {
        let f = &self.supply.flows;
        let mut battery = Map::new();
        if let (Some(c), Some(h), Some(l)) = (
            self.supply.battery_cycles,
            self.supply.battery_state_of_health,
            self.supply.battery_losses_kwh,
        ) {
            battery.insert("equivalent_full_cycles".into(), json!(c));
            battery.insert("state_of_health".into(), json!(h));
            battery.insert("losses_kwh".into(), json!(l));
        }
        json!({
            "renewable_fraction": ratio(f.renewables(), f.demand).min(1.0),
            "hourly_cfe_fraction": ratio(f.cfe_matched, f.demand),
            "self_supply_fraction": ratio(f.re_to_load + f.battery_re_to_load, f.demand),
            "carbon_kg": { "operational": f.carbon_g / 1000.0 },
            "cost": {
                "grid_import": f.import_cost,
                "grid_export_revenue": f.export_revenue,
                "grid_energy": f.import_cost - f.export_revenue,
            },
            "pue": { "mean": self.supply.mean_pue },
            "battery": Value::Object(battery),
        })
    }

    /// The metrics as a JSON tree (keys of DESIGN.md section 4).
    pub fn metrics_json(&self) -> Value {
        let hours = self.measured_h.max(f64::MIN_POSITIVE);
        let mut classes = Map::new();
        for c in &self.classes {
            classes.insert(
                c.name.clone(),
                json!({
                    "transactions": c.arrivals,
                    "completed": c.completed,
                    "dropped": c.dropped,
                    "sla_ms": c.sla_ms,
                    "sla_violation_fraction": c.sla_violation_fraction(),
                    "latency_ms": c.latency.to_json(),
                }),
            );
        }
        let mut root = json!({
            "transactions": {
                "total": self.arrivals,
                "completed": self.completed,
                "dropped": self.dropped,
                "in_flight_at_end": self.in_flight_at_end,
                "sla_violations": self.late + self.dropped,
                "sla_violation_fraction": self.sla_violation_fraction(),
                "throughput_tps": self.completed / (hours * 3600.0),
            },
            "latency_ms": self.latency.to_json(),
            "waiting_ms": { "mean": self.waiting_mean_ms },
            "energy_kwh": {
                "it": self.energy.it_kwh,
                "facility": self.energy.facility_kwh,
                "servers": self.energy.servers_kwh,
                "storage": self.energy.storage_kwh,
                "network": self.energy.network_kwh,
                "solar": self.supply.flows.solar,
                "wind": self.supply.flows.wind,
                "battery_charge": self.supply.flows.battery_charge(),
                "battery_discharge": self.supply.flows.battery_to_load,
                "grid_import": self.supply.flows.grid_import(),
                "grid_export": self.supply.flows.grid_export(),
                "curtailed": self.supply.flows.curtailed,
                "unserved": self.supply.flows.unserved,
            },
            "power_kw": {
                "it_mean": self.energy.it_kwh / hours,
                "it_peak": self.peak_it_kw,
                "facility_mean": self.energy.facility_kwh / hours,
            },
            "intensity": {
                "wh_per_tx": self.wh_per_tx(),
                "gco2e_per_tx": ratio(self.supply.flows.carbon_g, self.completed),
            },
            "servers": {
                "count": self.server_count,
                "mean_awake": self.mean_awake,
                "mean_utilization": self.mean_utilization,
                "wakeups": self.wakeups,
            },
            "classes": Value::Object(classes),
        });
        if let (Some(l), Some(obj)) = (self.mean_in_system, root.as_object_mut()) {
            obj.insert("queue".to_owned(), json!({ "mean_in_system": l }));
        }
        if let (Value::Object(supply), Some(obj)) = (self.supply_json(), root.as_object_mut()) {
            obj.extend(supply);
        }
        root
    }
}
