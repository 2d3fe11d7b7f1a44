//! The simulation runs: one scenario, one replication, at the scenario's fidelity.
//! A run is single-threaded and deterministic; parallelism is across runs.

mod accounting;
mod flow;
pub mod flow_power;
pub mod occupancy_power;
pub mod server_tables;
mod transaction;

pub use accounting::YearTotals;

use crate::engine::{Fidelity, RngStreams};
use crate::metrics::{RunResult, StepObserver};
use crate::scenario::Scenario;

/// Runs replication `replication` of `scenario`, sending each measured step to `observer`.
pub fn run(scenario: &Scenario, replication: u32, observer: &mut dyn StepObserver) -> RunResult {
    let streams = RngStreams::new(scenario.seed, replication);
    let rates = scenario
        .workload
        .rate_model(scenario.calendar(), scenario.horizon_ns, &streams);
    let mut result = match scenario.fidelity {
        Fidelity::Transaction => transaction::run(scenario, &rates, &streams, replication, observer),
        Fidelity::Flow => flow::run(scenario, &rates, &streams, replication, observer),
    };
    result.cost = crate::economics::evaluate(
        &scenario.economics,
        &result.lifecycle,
        &result.energy_years,
        crate::engine::time::ns_to_h(scenario.horizon_ns) / 8760.0,
    );
    result
}
