//! The two fidelities a scenario can run at (DESIGN.md section 2).

use serde::{Deserialize, Serialize};

/// How finely the transaction stream is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fidelity {
    /// Every transaction is an arrival and a completion event: exact queues and latency
    /// distribution. For hours to days of traffic.
    Transaction,
    /// The engine steps through time (weather, policies, failures) and integrates the
    /// transaction stream per step with queueing theory. For years and decades.
    #[default]
    Flow,
}

impl Fidelity {
    /// The name used in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Fidelity::Transaction => "transaction",
            Fidelity::Flow => "flow",
        }
    }
}
