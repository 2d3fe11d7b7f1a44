//! A server model: its cores, its throughput (SPECpower ssj_ops at 100 % load), its power
//! curve and its low-power states.

use super::power_curve::PowerCurve;
use crate::engine::time::NS_PER_S;

/// Power and latency of the low-power states and of waking up.
///
/// Defaults:
/// * Off: 0 W, 200 s to boot, drawing peak power while booting. These are the setup
///   parameters of Gandhi, Harchol-Balter and Adan, "Server farms with setup costs",
///   Performance Evaluation 67 (2010), and Gandhi et al., AutoScale, ACM TOCS 30(4) 2012.
/// * Sleep (suspend to RAM, DRAM in self-refresh): 10 W and 10 s to wake, drawing peak
///   power while waking. No published measurement for current 2-socket servers was found;
///   these are assumptions in the range Gandhi et al. studied for hypothetical server sleep
///   states ("The case for sleep states in servers", HotPower 2011). Override them per
///   scenario under `[datacenter.power_states]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerStates {
    /// Watts while asleep.
    pub sleep_w: f64,
    /// Watts while off.
    pub off_w: f64,
    /// Time to wake from sleep, ns.
    pub wake_latency_ns: u64,
    /// Time to boot from off, ns.
    pub boot_latency_ns: u64,
    /// Watts while waking or booting; `None` means the server's peak power.
    pub transition_w: Option<f64>,
}

impl Default for PowerStates {
    fn default() -> Self {
        Self {
            sleep_w: 10.0,
            off_w: 0.0,
            wake_latency_ns: 10 * NS_PER_S,
            boot_latency_ns: 200 * NS_PER_S,
            transition_w: None,
        }
    }
}

/// A server model from the catalog or defined inline in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerModel {
    /// Catalog id.
    pub id: String,
    /// Human name, e.g. "Dell PowerEdge R740 (2x Xeon Platinum 8280)".
    pub name: String,
    /// Year of the SPECpower result.
    pub year: Option<u16>,
    /// Parallel service slots (physical cores).
    pub cores: u32,
    /// SPECpower ssj_ops at 100 % target load (whole server).
    pub ssj_ops_at_100: f64,
    /// Awake power curve.
    pub curve: PowerCurve,
    /// Low-power states.
    pub states: PowerStates,
    /// Memory, GB (the catalog's configuration; VM placement uses it).
    pub memory_gb: f64,
    /// Where the numbers come from.
    pub source: String,
}

impl ServerModel {
    /// ssj_ops one core serves per second.
    pub fn ssj_ops_per_core_s(&self) -> f64 {
        self.ssj_ops_at_100 / self.cores as f64
    }

    /// Nanoseconds one core needs per ssj_op.
    pub fn ns_per_ssj_op(&self) -> f64 {
        NS_PER_S as f64 / self.ssj_ops_per_core_s()
    }

    /// Watts while waking or booting.
    pub fn transition_w(&self) -> f64 {
        self.states.transition_w.unwrap_or_else(|| self.curve.max_w())
    }

    /// Overall efficiency at full load, ssj_ops per watt.
    pub fn ssj_ops_per_w_at_100(&self) -> f64 {
        self.ssj_ops_at_100 / self.curve.max_w()
    }
}
