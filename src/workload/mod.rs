//! Transaction arrivals: a non-homogeneous Poisson process per transaction class, with
//! profiles (hour of day x day of week x month), yearly growth, scheduled and random bursts,
//! or a measured trace; and each class's work distribution and latency target.

pub mod arrivals;
pub mod builtin;
pub mod bursts;
pub mod rate;
pub mod service;
pub mod shape;
pub mod trace;

use std::sync::Arc;

use crate::calendar::Calendar;
use crate::engine::RngStreams;

pub use arrivals::ArrivalStream;
pub use bursts::{ALL_CLASSES, BurstSchedule, BurstWindow, ClassMask, RandomBursts};
pub use rate::{BaseRate, RateModel, Segment};
pub use service::{DistributionKind, WorkDistribution, WorkSampler};
pub use shape::Shape;
pub use trace::Trace;

/// One kind of transaction (authorization, settlement, fraud scoring, ...).
#[derive(Debug, Clone)]
pub struct TransactionClass {
    /// Name used in outputs.
    pub name: String,
    /// Share of the workload's arrivals (shares sum to 1).
    pub share: f64,
    /// Latency target: a transaction slower than this violates the SLA.
    pub sla_ms: f64,
    /// Work per transaction.
    pub work: WorkDistribution,
    /// Name of the profile shaping this class's arrivals.
    pub profile_name: String,
    /// The shape itself.
    pub shape: Arc<Shape>,
}

/// A validated workload, ready to build a run's rate model.
#[derive(Debug, Clone)]
pub struct WorkloadSpec {
    /// Mean rate or trace.
    pub base: BaseRate,
    /// Name of the workload's profile (or the trace file).
    pub profile_name: String,
    /// Yearly growth of the rate (0.1 = +10 % a year), compounded continuously by hour.
    pub growth_per_year: f64,
    /// The classes.
    pub classes: Vec<TransactionClass>,
    /// Scheduled bursts, expanded over the horizon.
    pub bursts: Vec<BurstWindow>,
    /// Random bursts, drawn per run from the `bursts` stream.
    pub random_bursts: Option<RandomBursts>,
    /// Batch job families.
    pub batch: Vec<crate::batch::BatchFamily>,
}

impl WorkloadSpec {
    /// The rate model of one run: scheduled bursts plus this run's random bursts.
    pub fn rate_model(&self, calendar: Calendar, horizon_ns: u64, streams: &RngStreams) -> RateModel {
        let mut windows = self.bursts.clone();
        if let Some(random) = &self.random_bursts {
            windows.extend(random.draw(horizon_ns, &mut streams.stream("bursts")));
        }
        RateModel::new(
            self.base.clone(),
            self.growth_per_year,
            self.classes.iter().map(|c| c.share).collect(),
            self.classes.iter().map(|c| c.shape.clone()).collect(),
            BurstSchedule::new(&windows, self.classes.len()),
            calendar,
        )
    }

    /// Mean work per transaction over the class mix (ssj_ops).
    pub fn mean_work_ssj_ops(&self) -> f64 {
        self.classes.iter().map(|c| c.share * c.work.mean_ssj_ops()).sum()
    }
}
