//! The library's top-level error, with the exit code the CLI uses for it.

use thiserror::Error;

use crate::output::OutputError;
use crate::scenario::ScenarioErrors;

/// Anything that stops a command.
#[derive(Debug, Error)]
pub enum Error {
    /// The scenario file is invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioErrors),
    /// Results could not be written.
    #[error("error: {0}")]
    Output(#[from] OutputError),
    /// A transaction-fidelity run that would take too long.
    #[error(
        "error: {file}: this scenario would simulate about {transactions:.3e} transactions in `transaction` fidelity (roughly {minutes:.0} min)\n  fix: set `fidelity = \"flow\"` for long horizons, shorten `horizon`, or pass --allow-long to run it anyway"
    )]
    TooLong {
        /// Scenario file.
        file: String,
        /// Expected transactions over all replications.
        transactions: f64,
        /// Rough wall-clock estimate.
        minutes: f64,
    },
    /// A user-facing problem with a command's arguments.
    #[error("error: {0}")]
    Usage(String),
    /// Stopped by SIGINT or SIGTERM (see [`crate::interrupt`]).
    #[error("interrupted by {}: {detail}", crate::interrupt::signal_name(*signal))]
    Interrupted {
        /// The signal.
        signal: i32,
        /// What was kept and how to continue.
        detail: String,
    },
    /// A bug or an unexpected environment failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// 2 for problems the user can fix (input, output folder, arguments), 1 for internal
    /// faults, 128 + the signal for a run stopped by a signal (130 for SIGINT, 143 for
    /// SIGTERM, as shells report them).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) => 1,
            Error::Interrupted { signal, .. } => 128 + signal,
            _ => 2,
        }
    }
}
