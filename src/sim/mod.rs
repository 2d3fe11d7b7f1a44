//! The simulation runs: one scenario, one replication, at the scenario's fidelity.
//! A run is single-threaded and deterministic; parallelism is across runs.

mod accounting;
pub mod birth_death;
mod flow;
pub mod flow_power;
pub mod jsq_imbalance;
pub mod occupancy_power;
pub mod reactive_wake;
pub mod server_tables;
mod transaction;

pub use accounting::YearTotals;

use crate::engine::{Fidelity, RngStreams};
use crate::metrics::{RunResult, StepObserver};
use crate::scenario::Scenario;

/// Like [`run`], but `None` when the process was asked to stop ([`crate::interrupt`])
/// before or during the run, whose result is then incomplete.
pub fn try_run(scenario: &Scenario, replication: u32, observer: &mut dyn StepObserver) -> Option<RunResult> {
    if crate::interrupt::is_requested() {
        return None;
    }
    let result = run(scenario, replication, observer);
    (!crate::interrupt::is_requested()).then_some(result)
}

/// Runs replication `replication` of `scenario`, sending each measured step to `observer`.
pub fn run(scenario: &Scenario, replication: u32, observer: &mut dyn StepObserver) -> RunResult {
    let streams = RngStreams::new(scenario.seed, replication);
    let rates = scenario
        .workload
        .rate_model(scenario.calendar(), scenario.horizon_ns, &streams);
    let mut result = run_model(scenario, &rates, &streams, replication, observer);
    // Batch policies are compared with as-soon-as-possible on the same random streams.
    let shifted = scenario
        .workload
        .batch
        .iter()
        .any(|f| f.policy != crate::batch::BatchPolicy::Asap);
    if shifted {
        let mut asap = scenario.clone();
        for f in &mut asap.workload.batch {
            f.policy = crate::batch::BatchPolicy::Asap;
        }
        let base = run_model(&asap, &rates, &streams, replication, &mut crate::metrics::DiscardSteps);
        let f = &base.supply.flows;
        result.batch_asap = Some((base.batch, f.carbon_g / 1000.0, f.import_cost - f.export_revenue));
    }
    // Virtualized runs are compared with one service per host, no consolidation.
    if let Some(spec) = scenario.datacenter.virtualization.as_ref().filter(|v| v.has_baseline()) {
        let mut silo = scenario.clone();
        silo.datacenter.virtualization = Some(spec.silo_baseline());
        let base = run_model(&silo, &rates, &streams, replication, &mut crate::metrics::DiscardSteps);
        let hosts = base.virtualization.map_or(0.0, |v| {
            if v.measured_h > 0.0 {
                v.active_host_h / v.measured_h
            } else {
                0.0
            }
        });
        result.virt_baseline = Some((base.energy.it_kwh, base.supply.flows.carbon_g / 1000.0, hosts));
    }
    result.cost = crate::economics::evaluate(
        &scenario.economics,
        &result.lifecycle,
        &result.energy_years,
        crate::engine::time::ns_to_h(scenario.horizon_ns) / 8760.0,
    );
    result
}

/// One run of `scenario`'s model at its fidelity, on the given rates and streams.
fn run_model(
    scenario: &Scenario,
    rates: &crate::workload::RateModel,
    streams: &RngStreams,
    replication: u32,
    observer: &mut dyn StepObserver,
) -> RunResult {
    match scenario.fidelity {
        Fidelity::Transaction => transaction::run(scenario, rates, streams, replication, observer),
        Fidelity::Flow => flow::run(scenario, rates, streams, replication, observer),
    }
}
