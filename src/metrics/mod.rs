//! Streaming measurements: latency histograms, per-step records, run results and their
//! aggregation over replications. Memory is constant in the number of transactions.

pub mod aggregate;
pub mod latency;
pub mod mixture;
pub mod result;
pub mod step;

pub use latency::LatencyHistogram;
pub use mixture::LatencyMixture;
pub use result::CDF_QUANTILES;
pub use result::{ClassResult, EnergyTotals, LatencyStats, RunResult};
pub use step::{DiscardSteps, StepObserver, StepRecord};
