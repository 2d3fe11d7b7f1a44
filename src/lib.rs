//! greenloop: a discrete-event simulator for planning sustainable datacenters of payment
//! systems (banks, card networks, e-wallets, mobile payments).
//!
//! The crate is organized as in `DESIGN.md`: `engine` (time, events, RNG streams),
//! `scenario` (files in, typed specifications out), `catalog` (real hardware with sources),
//! `workload`, `datacenter`, `queueing` (analytic theory), `sim` (the two fidelities),
//! `metrics` and `output`. Models never print and never touch files.

#![warn(missing_docs)]

pub mod batch;
pub mod calendar;
pub mod catalog;
pub mod datacenter;
pub mod economics;
pub mod energy;
pub mod engine;
pub mod error;
pub mod grid;
pub mod heat;
pub mod interrupt;
pub mod lifecycle;
pub mod metrics;
pub mod output;
pub mod plot;
pub mod queueing;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod solar;
pub mod storage;
pub mod sweep;
pub mod virt;
pub mod weather;
pub mod wind;
pub mod workload;

pub use error::Error;
pub use scenario::{Scenario, load_file};
