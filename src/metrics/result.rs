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
            },
            "power_kw": {
                "it_mean": self.energy.it_kwh / hours,
                "it_peak": self.peak_it_kw,
                "facility_mean": self.energy.facility_kwh / hours,
            },
            "intensity": { "wh_per_tx": self.wh_per_tx() },
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
        root
    }
}
