//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;

use greenloop::metrics::{DiscardSteps, RunResult, StepRecord};
use greenloop::scenario::{Format, Scenario, load_str};

/// Parses and validates a TOML scenario given as text (relative paths resolve against the
/// crate root).
pub fn scenario(toml: &str) -> Scenario {
    match load_str(
        toml,
        Format::Toml,
        "<test>",
        "test",
        Path::new(env!("CARGO_MANIFEST_DIR")),
    ) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// The validation errors of a TOML text, as one string.
pub fn errors(toml: &str) -> String {
    match load_str(
        toml,
        Format::Toml,
        "bad.toml",
        "bad",
        Path::new(env!("CARGO_MANIFEST_DIR")),
    ) {
        Ok(_) => panic!("expected an error for:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

/// Runs replication `r`, discarding the time series.
pub fn run(s: &Scenario, r: u32) -> RunResult {
    greenloop::sim::run(s, r, &mut DiscardSteps)
}

/// Runs replication 0 and keeps the time series.
pub fn run_with_steps(s: &Scenario) -> (RunResult, Vec<StepRecord>) {
    let mut steps = Vec::new();
    let r = greenloop::sim::run(s, 0, &mut steps);
    (r, steps)
}

/// A single-server queue: `cores` cores, each serving 1000 ssj_ops/s, so a transaction of
/// `mean_ssj_ops` work takes mean_ssj_ops ms on average; Poisson arrivals at `tps`.
pub fn queue_scenario(
    cores: u32,
    tps: f64,
    distribution: &str,
    mean_ssj_ops: f64,
    horizon: &str,
    warmup: &str,
    seed: u64,
) -> Scenario {
    let cv = match distribution {
        "lognormal" | "gamma" => ", cv = 1.0",
        _ => "",
    };
    scenario(&format!(
        r#"
name = "queue"
horizon = "{horizon}"
warmup = "{warmup}"
step = "10m"
seed = {seed}
fidelity = "transaction"
[site]
pue = 1.0
[workload]
mean_tps = {tps}
profile = "flat"
[[workload.classes]]
name = "only"
share = 1.0
sla_ms = 1000
service = {{ distribution = "{distribution}", mean_ssj_ops = {mean_ssj_ops}{cv} }}
[datacenter]
server = {{ cores = {cores}, ssj_ops_at_100 = {ssj}, idle_w = 100.0, max_w = 200.0 }}
count = 1
queue_capacity = 100000000
"#,
        ssj = cores as f64 * 1000.0
    ))
}
