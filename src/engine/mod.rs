//! The discrete-event engine: integer time, the event queue, the run loop, RNG streams and
//! the fidelity switch. Models build on these; nothing here knows about payments or power.

pub mod fidelity;
pub mod queue;
pub mod rng;
pub mod simulation;
pub mod time;

pub use fidelity::Fidelity;
pub use queue::{EventId, EventQueue};
pub use rng::{RngStreams, StreamRng};
pub use simulation::{Model, RunStats, run_until};
