//! Per-model lookup tables the simulation loops use on every event: service speed, power by
//! busy cores and the low-power figures of each server model of the run's registry.

use crate::datacenter::{DatacenterSpec, LowPowerState, ModelRegistry, PowerCurve};

/// What a simulation loop needs to know about one server model.
#[derive(Debug, Clone)]
pub struct ModelTables {
    /// Cores (parallel service slots).
    pub cores: u32,
    /// Nanoseconds one core needs per ssj_op.
    pub ns_per_op: f64,
    /// ssj_ops one core serves per second.
    pub ops_per_core_s: f64,
    /// Awake power with k busy cores, W, k = 0..=cores.
    pub power_by_busy_w: Vec<f64>,
    /// The awake power curve.
    pub curve: PowerCurve,
    /// Power in the scenario's low-power state, W.
    pub low_power_w: f64,
    /// Power while waking, W.
    pub transition_w: f64,
    /// Time to leave the low-power state, ns.
    pub wake_latency_ns: u64,
    /// Memory, GB.
    pub memory_gb: f64,
}

impl ModelTables {
    /// Tables for every model of `registry` under the datacenter's low-power state.
    pub fn for_registry(registry: &ModelRegistry, dc: &DatacenterSpec) -> Vec<ModelTables> {
        registry
            .models()
            .iter()
            .map(|m| {
                let (low_power_w, wake_latency_ns) = match dc.low_power_state {
                    LowPowerState::Sleep => (m.states.sleep_w, m.states.wake_latency_ns),
                    LowPowerState::Off => (m.states.off_w, m.states.boot_latency_ns),
                };
                ModelTables {
                    cores: m.cores,
                    ns_per_op: m.ns_per_ssj_op(),
                    ops_per_core_s: m.ssj_ops_per_core_s(),
                    power_by_busy_w: m.curve.by_busy_cores(m.cores),
                    curve: m.curve.clone(),
                    low_power_w,
                    transition_w: m.transition_w(),
                    wake_latency_ns,
                    memory_gb: m.memory_gb,
                }
            })
            .collect()
    }

    /// Work capacity of one server, ssj_ops per second.
    pub fn capacity_ops_per_s(&self) -> f64 {
        self.ops_per_core_s * self.cores as f64
    }
}
