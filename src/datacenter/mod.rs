//! The datacenter: servers of a catalog model with cores, speed and a power curve; dispatch
//! and power-management policies; storage and network devices; facility overhead (PUE).
//! The simulation loops in `sim` animate these specifications.

pub mod devices;
pub mod fleet;
pub mod policy;
pub mod power_curve;
pub mod server_model;

use std::sync::Arc;

pub use devices::{DeviceGroup, DeviceKind};
pub use fleet::{FleetChange, ModelRegistry};
pub use policy::{DispatchPolicy, LowPowerState, PowerManagement};
pub use power_curve::PowerCurve;
pub use server_model::{PowerStates, ServerModel};

/// How the server count was chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Sizing {
    /// Given in the scenario.
    Fixed,
    /// Enough servers for the horizon's expected peak at a target utilization, plus spares.
    Peak {
        /// Peak expected rate used, transactions per second.
        peak_tps: f64,
        /// Utilization at that peak.
        target_utilization: f64,
        /// Spare servers added (N+k).
        redundancy: u32,
    },
}

/// A validated datacenter.
#[derive(Debug, Clone)]
pub struct DatacenterSpec {
    /// The server model of the fleet.
    pub server: Arc<ServerModel>,
    /// Number of servers.
    pub count: u32,
    /// How `count` was chosen.
    pub sizing: Sizing,
    /// Dispatch policy.
    pub dispatch: DispatchPolicy,
    /// Waiting slots per server (beyond the cores in service); a full queue drops arrivals.
    pub queue_capacity: u32,
    /// Power management.
    pub power_management: PowerManagement,
    /// The state idle servers go to.
    pub low_power_state: LowPowerState,
    /// Storage and network devices.
    pub devices: Vec<DeviceGroup>,
    /// Services as virtual machines, when virtualized.
    pub virtualization: Option<crate::virt::VirtSpec>,
}

impl DatacenterSpec {
    /// Constant power of storage devices, W.
    pub fn storage_power_w(&self) -> f64 {
        self.devices
            .iter()
            .filter(|d| d.kind == DeviceKind::Storage)
            .map(DeviceGroup::power_w)
            .sum()
    }

    /// Constant power of network devices, W.
    pub fn network_power_w(&self) -> f64 {
        self.devices
            .iter()
            .filter(|d| d.kind == DeviceKind::Network)
            .map(DeviceGroup::power_w)
            .sum()
    }

    /// Power of one server in the low-power state, W.
    pub fn low_power_w(&self) -> f64 {
        match self.low_power_state {
            LowPowerState::Sleep => self.server.states.sleep_w,
            LowPowerState::Off => self.server.states.off_w,
        }
    }

    /// Time to leave the low-power state, ns.
    pub fn wake_latency_ns(&self) -> u64 {
        match self.low_power_state {
            LowPowerState::Sleep => self.server.states.wake_latency_ns,
            LowPowerState::Off => self.server.states.boot_latency_ns,
        }
    }

    /// Total cores of the fleet.
    pub fn total_cores(&self) -> u64 {
        u64::from(self.count) * u64::from(self.server.cores)
    }
}
