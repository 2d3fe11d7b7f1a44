//! Analytic queueing theory: Erlang B/C and waiting-time approximations. Flow fidelity
//! uses these to turn a step's offered load into latency; tests use them as the theory
//! that transaction fidelity must reproduce.

pub mod approximations;
pub mod erlang;

pub use approximations::{WaitDistribution, finite_queue_loss, ggc_wait, mg1_mean_wait_s, mmc_mean_wait_s};
pub use erlang::{SaturationSweep, erlang_b, erlang_c, saturation_rate_per_s, saturation_rate_upper_bound};
