//! Runs a scenario: its replications in parallel on rayon's pool (results identical for any
//! thread count, because each replication is an independent deterministic run and results
//! are combined in replication order), then writes the outputs atomically.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::error::Error;
use crate::metrics::{DiscardSteps, RunResult, StepObserver};
use crate::output::{StagedOutput, TimeseriesWriter, summary_json};
use crate::scenario::Scenario;

/// Transactions per replication above which transaction fidelity asks for confirmation.
pub const TRANSACTION_LIMIT: f64 = 500e6;
/// Rough transaction-fidelity speed used for the estimate, transactions per second.
const TRANSACTIONS_PER_S: f64 = 5e6;

/// Refuses very long transaction-fidelity runs unless `allow_long`.
pub fn check_run_size(scenario: &Scenario, allow_long: bool) -> Result<(), Error> {
    if allow_long || scenario.fidelity != crate::engine::Fidelity::Transaction {
        return Ok(());
    }
    let per_replication = scenario.expected_transactions();
    if per_replication > TRANSACTION_LIMIT {
        let total = per_replication * scenario.replications as f64;
        return Err(Error::TooLong {
            file: scenario.file.clone(),
            transactions: total,
            minutes: total / TRANSACTIONS_PER_S / 60.0,
        });
    }
    Ok(())
}

/// Runs every replication; replication 0's steps go to `first`, the others' are discarded.
pub fn run_replications<O: StepObserver + Send>(scenario: &Scenario, first: &mut O) -> Vec<RunResult> {
    let (r0, rest) = rayon::join(
        || crate::sim::run(scenario, 0, first),
        || {
            (1..scenario.replications)
                .into_par_iter()
                .map(|r| crate::sim::run(scenario, r, &mut DiscardSteps))
                .collect::<Vec<_>>()
        },
    );
    std::iter::once(r0).chain(rest).collect()
}

/// What a run wrote.
#[derive(Debug)]
pub struct RunReport {
    /// The summary document.
    pub summary: Value,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Per-replication results.
    pub results: Vec<RunResult>,
}

/// Runs `scenario` and writes `summary.json`, `timeseries.csv` and `lifecycle.csv` into
/// `out_dir`.
pub fn run_to_dir(scenario: &Scenario, out_dir: &Path) -> Result<RunReport, Error> {
    run_into(scenario, StagedOutput::new(out_dir)?)
}

/// [`run_to_dir`] into a prepared staged output (tests give one that fails like a full
/// disk). Nothing is committed unless every file was written and no stop was asked
/// ([`crate::interrupt`]); otherwise the staged files are removed.
pub fn run_into(scenario: &Scenario, mut out: StagedOutput) -> Result<RunReport, Error> {
    let mut series = TimeseriesWriter::new(out.create("timeseries.csv")?)?;
    let results = run_replications(scenario, &mut series);
    check_interrupt(&out)?;
    out.add(series.finish()?)?;
    let lifecycle = crate::output::lifecycle_csv(&results, chrono::Datelike::year(&scenario.start_date));
    out.write_bytes("lifecycle.csv", lifecycle.as_bytes())?;
    let summary = summary_json(scenario, &results);
    let mut text = serde_json::to_string_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))?;
    text.push('\n');
    out.write_bytes("summary.json", text.as_bytes())?;
    check_interrupt(&out)?;
    let files = out.commit()?;
    Ok(RunReport {
        summary,
        files,
        results,
    })
}

/// An error if a stop was asked: the staged files are then dropped unwritten.
fn check_interrupt(out: &StagedOutput) -> Result<(), Error> {
    match crate::interrupt::requested() {
        Some(signal) => Err(Error::Interrupted {
            signal,
            detail: format!("nothing written to {} (no partial files)", out.dir().display()),
        }),
        None => Ok(()),
    }
}
