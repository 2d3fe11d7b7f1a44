//! Hardware lifecycle: the fleet's units (one per server, with its model, purchase date
//! and life), failures from a Weibull hazard with repair or retirement, refresh policies
//! (fixed age, efficiency payback, run to failure), peak-based sizing reviewed every year,
//! storage and network replacements, the end of life of every retired device (reuse,
//! refurbish, harvest, recycle, landfill), and the embodied carbon and mass of everything
//! bought, including the energy plant.
//!
//! The lifecycle is a component of both simulation fidelities: the datacenter model puts
//! its events on the engine's queue and applies the fleet changes it returns, so capacity
//! lost to a failure is felt by the workload until the replacement arrives.

pub mod defaults;
pub mod embodied;
pub mod end_of_life;
pub mod failures;
pub mod refresh;
pub mod report;
mod runtime;
pub mod spec;

pub use embodied::{DRAM_KG_PER_GB, SSD_KG_PER_TB, server_embodied};
pub use end_of_life::Route;
pub use refresh::{EnergyValue, RefreshPolicy};
pub use report::{CashCategory, CashFlow, LifecycleReport, MassBalance, PaybackDecision, PlantKind, YearRow};
pub use runtime::{Lifecycle, LifecycleEvent, LifecycleOutput};
pub use spec::{DeviceFleet, FailureParams, FleetSizing, HardwareFacts, InitialAge, LifecycleSpec, PlantSpec};
