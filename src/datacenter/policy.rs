//! Dispatch and power-management policies.

use serde::{Deserialize, Serialize};

/// How an arriving transaction picks a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DispatchPolicy {
    /// Next accepting server in turn.
    RoundRobin,
    /// Server with the fewest transactions in it (ties go round-robin).
    #[default]
    JoinShortestQueue,
    /// First server (in a fixed order) with a free core, so the last servers stay empty and
    /// can sleep; when all are busy, the shortest queue.
    PowerAwarePacking,
}

impl DispatchPolicy {
    /// Name as written in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            DispatchPolicy::RoundRobin => "round-robin",
            DispatchPolicy::JoinShortestQueue => "join-shortest-queue",
            DispatchPolicy::PowerAwarePacking => "power-aware-packing",
        }
    }
}

/// Which low-power state idle servers enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LowPowerState {
    /// Suspend to RAM: little power, seconds to wake.
    #[default]
    Sleep,
    /// Powered off: no power, minutes to boot.
    Off,
}

/// When servers sleep and wake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PowerManagement {
    /// Every server stays awake.
    AlwaysOn,
    /// A server that has been empty for `idle_timeout_ns` enters the low-power state; one is
    /// woken when every awake server has all its cores busy.
    SleepWhenIdle {
        /// Empty time before sleeping, ns.
        idle_timeout_ns: u64,
        /// Servers that never sleep.
        min_awake: u32,
    },
    /// Every `interval_ns`, keep just enough servers awake to run the load observed in the
    /// last interval at `target_utilization`, plus `headroom` (a fraction of that load); the
    /// rest drain and sleep. One more is woken whenever every awake server is saturated.
    Consolidate {
        /// Utilization the awake servers should run at (0..1].
        target_utilization: f64,
        /// Extra capacity as a fraction of the observed load.
        headroom: f64,
        /// Decision interval, ns.
        interval_ns: u64,
        /// Servers that never sleep.
        min_awake: u32,
    },
}

impl PowerManagement {
    /// Name as written in scenario files.
    pub fn as_str(&self) -> &'static str {
        match self {
            PowerManagement::AlwaysOn => "always-on",
            PowerManagement::SleepWhenIdle { .. } => "sleep-when-idle",
            PowerManagement::Consolidate { .. } => "consolidate",
        }
    }

    /// Servers that must stay awake.
    pub fn min_awake(&self) -> u32 {
        match self {
            PowerManagement::AlwaysOn => u32::MAX,
            PowerManagement::SleepWhenIdle { min_awake, .. } | PowerManagement::Consolidate { min_awake, .. } => {
                *min_awake
            }
        }
    }

    /// Servers a consolidation decision keeps awake for `load_cores` busy cores observed,
    /// on a fleet of `count` servers with `cores` cores each.
    pub fn consolidation_target(&self, load_cores: f64, cores: u32, count: u32) -> u32 {
        match self {
            PowerManagement::Consolidate {
                target_utilization,
                headroom,
                min_awake,
                ..
            } => {
                let needed = (load_cores * (1.0 + headroom) / (target_utilization * cores as f64)).ceil();
                let needed = if needed.is_finite() {
                    needed.max(0.0) as u32
                } else {
                    count
                };
                needed.max(*min_awake).clamp(1, count.max(1))
            }
            _ => count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consolidation_keeps_load_at_target_with_headroom() {
        let p = PowerManagement::Consolidate {
            target_utilization: 0.5,
            headroom: 0.2,
            interval_ns: 1,
            min_awake: 2,
        };
        // 100 busy cores x 1.2 / (0.5 x 40 cores) = 6 servers.
        assert_eq!(p.consolidation_target(100.0, 40, 50), 6);
        assert_eq!(p.consolidation_target(0.0, 40, 50), 2, "min_awake");
        assert_eq!(p.consolidation_target(1e9, 40, 50), 50, "capped at fleet");
    }
}
