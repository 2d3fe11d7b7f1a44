//! Virtualization: payment services run as virtual machines (or containers) with vCPU and
//! memory reservations; their instance count follows the load (a predictive autoscaler);
//! VMs are placed on hosts by first-fit or best-fit decreasing under a CPU overcommit
//! ratio and the host's memory; a periodic consolidation pass live-migrates VMs off
//! lightly loaded hosts so the power-management policy can put the emptied hosts to sleep.
//! Hosts pay a hypervisor overhead (idle power and CPU work); migrations cost energy and
//! latency ([`migration`]).
//!
//! [`packing`] holds the pure bin-packing rules, [`manager`] the state of a run.

pub mod manager;
pub mod migration;
pub mod packing;

pub use manager::{Host, HostKind, KeepAwake, VirtStepPlan, VmManager};
pub use migration::MigrationModel;
pub use packing::{Demand, Fit, HostSpace};

/// A service run as VMs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    /// Name.
    pub name: String,
    /// vCPUs per instance.
    pub vcpus: f64,
    /// Memory per instance, GB.
    pub memory_gb: f64,
    /// Fewest instances (redundancy).
    pub min_instances: u32,
    /// Most instances.
    pub max_instances: u32,
    /// Utilization of its vCPUs the autoscaler aims at.
    pub target_utilization: f64,
}

/// How VMs are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// First host (awake hosts first, most efficient first) with room.
    FirstFitDecreasing,
    /// The host left with the least room.
    BestFitDecreasing,
    /// Hosts dedicated to one service each (VMs of different services never share a
    /// host): the silo baseline, first fit within a service's hosts.
    OneServicePerHost,
}

impl Placement {
    /// Name in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::FirstFitDecreasing => "first-fit-decreasing",
            Placement::BestFitDecreasing => "best-fit-decreasing",
            Placement::OneServicePerHost => "one-service-per-host",
        }
    }

    /// The fit rule.
    pub fn fit(self) -> Fit {
        match self {
            Placement::BestFitDecreasing => Fit::Best,
            _ => Fit::First,
        }
    }
}

/// Periodic consolidation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Consolidation {
    /// Time between passes, ns.
    pub interval_ns: u64,
    /// A host may receive migrated VMs only up to this CPU utilization (of its cores).
    pub max_utilization: f64,
}

/// A validated `[datacenter.virtualization]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtSpec {
    /// Services.
    pub services: Vec<ServiceSpec>,
    /// Service of each transaction class.
    pub class_service: Vec<usize>,
    /// vCPUs per physical core a host may reserve.
    pub cpu_overcommit: f64,
    /// Memory overcommit ratio.
    pub ram_overcommit: f64,
    /// Host memory, GB, instead of the catalog's (memory as tested).
    pub host_memory_gb: Option<f64>,
    /// Extra idle power of a host running a hypervisor, as a share of its idle power.
    pub hypervisor_idle_share: f64,
    /// Extra CPU work of virtualized work, as a share.
    pub hypervisor_cpu_share: f64,
    /// Placement rule.
    pub placement: Placement,
    /// Periodic consolidation, if any.
    pub consolidation: Option<Consolidation>,
    /// Live-migration cost model.
    pub migration: MigrationModel,
}

impl VirtSpec {
    /// The same spec as the silo baseline: one service per host, no consolidation.
    pub fn silo_baseline(&self) -> VirtSpec {
        VirtSpec {
            placement: Placement::OneServicePerHost,
            consolidation: None,
            ..self.clone()
        }
    }

    /// Energy of live-migrating one VM of service `s`, J.
    pub fn migration_energy_j(&self, s: usize) -> f64 {
        self.migration.energy_j(self.services[s].memory_gb)
    }

    /// Whether a run of this spec has a different silo baseline to compare with.
    pub fn has_baseline(&self) -> bool {
        self.placement != Placement::OneServicePerHost || self.consolidation.is_some()
    }
}

/// Totals of the virtualization layer over the measured period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VirtTotals {
    /// Integral of running VMs over time, VM-hours.
    pub vm_h: f64,
    /// Integral of hosts running at least one VM, host-hours.
    pub active_host_h: f64,
    /// Most hosts active in a step.
    pub active_hosts_max: f64,
    /// Hours measured.
    pub measured_h: f64,
    /// Live migrations.
    pub migrations: f64,
    /// Their energy, kWh.
    pub migration_energy_kwh: f64,
    /// Hypervisor overhead energy (idle share and extra CPU work), kWh.
    pub hypervisor_energy_kwh: f64,
    /// VM-hours the autoscaler wanted but no host had room for.
    pub unplaced_vm_h: f64,
    /// VMs restarted elsewhere because their host failed or retired.
    pub restarts: f64,
    /// Consolidation passes.
    pub consolidation_passes: f64,
}

impl VirtTotals {
    /// Adds a measured step of `dt_h` hours: what `manager` runs after `plan`, and the
    /// step's migration energy (J). Hypervisor energy is added by the caller (each
    /// fidelity measures it its own way).
    pub fn record_step(&mut self, plan: &VirtStepPlan, manager: &VmManager, dt_h: f64, migration_j: f64) {
        let active = manager.active_hosts() as f64;
        self.measured_h += dt_h;
        self.vm_h += f64::from(manager.instances().iter().sum::<u32>()) * dt_h;
        self.active_host_h += active * dt_h;
        self.active_hosts_max = self.active_hosts_max.max(active);
        self.migrations += plan.migrated.len() as f64;
        self.migration_energy_kwh += migration_j / 3.6e6;
        self.unplaced_vm_h += f64::from(plan.unplaced) * dt_h;
        self.restarts += f64::from(plan.restarts);
        self.consolidation_passes += f64::from(u8::from(plan.consolidated));
    }
}
