//! The fleet as the datacenter models see it: units (individual servers), each of one model,
//! and the changes the lifecycle makes to it over time. Without a lifecycle the fleet is
//! the scenario's servers at time 0 and never changes.

use std::sync::Arc;

use super::server_model::ServerModel;

/// A change to the fleet, applied by the datacenter model at the time of its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetChange {
    /// A new (or redeployed) server joins.
    Add {
        /// Unit id.
        unit: u32,
        /// Index into the model registry.
        model: u16,
    },
    /// A server fails and stops at once; its queued work moves elsewhere.
    Fail {
        /// Unit id.
        unit: u32,
    },
    /// A failed server is repaired and available again.
    Restore {
        /// Unit id.
        unit: u32,
    },
    /// A server leaves the fleet for good (after finishing its work).
    Retire {
        /// Unit id.
        unit: u32,
    },
}

/// The distinct server models a run may use, with the order in which power management
/// prefers them (most work per watt first).
#[derive(Debug, Clone)]
pub struct ModelRegistry {
    models: Vec<Arc<ServerModel>>,
    by_efficiency: Vec<u16>,
}

impl ModelRegistry {
    /// A registry of `models` (the first is the scenario's initial model).
    pub fn new(models: Vec<Arc<ServerModel>>) -> Self {
        let mut by_efficiency: Vec<u16> = (0..models.len() as u16).collect();
        by_efficiency.sort_by(|&a, &b| {
            models[b as usize]
                .ssj_ops_per_w_at_100()
                .total_cmp(&models[a as usize].ssj_ops_per_w_at_100())
                .then(a.cmp(&b))
        });
        Self { models, by_efficiency }
    }

    /// Model `index`.
    pub fn get(&self, index: u16) -> &Arc<ServerModel> {
        &self.models[index as usize]
    }

    /// All models.
    pub fn models(&self) -> &[Arc<ServerModel>] {
        &self.models
    }

    /// Model indices, most efficient (ssj_ops per watt at full load) first.
    pub fn by_efficiency(&self) -> &[u16] {
        &self.by_efficiency
    }

    /// Rank of `model` in efficiency order (0 = most efficient).
    pub fn efficiency_rank(&self, model: u16) -> usize {
        self.by_efficiency
            .iter()
            .position(|&m| m == model)
            .unwrap_or(usize::MAX)
    }
}
