//! Scenario files: TOML (or JSON) in, a typed and validated `Scenario` out.
//!
//! Loading has three stages, each with errors that name file, line and key:
//! 1. parse into `raw` serde types (unknown keys rejected with a "did you mean" hint);
//! 2. `validate`: ranges, sums, cross-references, catalog lookups, trace files;
//! 3. build the typed specifications the models use (`WorkloadSpec`, `DatacenterSpec`).

pub mod duration;
pub mod error;
pub(crate) mod raw;
pub mod source;
pub mod validate;

use std::path::Path;

use chrono::NaiveDate;

pub use duration::{HumanDuration, format_duration};
pub use error::{ScenarioError, ScenarioErrors};
pub use source::{Format, SourceMap};

use crate::calendar::Calendar;
use crate::datacenter::DatacenterSpec;
use crate::engine::{Fidelity, RngStreams};
use crate::workload::{RateModel, WorkloadSpec};
use raw::RawScenario;

/// Where the datacenter is.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Name for outputs.
    pub name: String,
    /// Degrees north.
    pub latitude: Option<f64>,
    /// Degrees east.
    pub longitude: Option<f64>,
    /// Offset of local time from UTC, hours.
    pub utc_offset_hours: f64,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name for outputs.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The file it came from (display form).
    pub file: String,
    /// Simulated time span, ns.
    pub horizon_ns: u64,
    /// Output and flow-integration step, ns.
    pub step_ns: u64,
    /// Initial time excluded from metrics, ns.
    pub warmup_ns: u64,
    /// Local date of simulated time 0.
    pub start_date: NaiveDate,
    /// Seed of all random streams.
    pub seed: u64,
    /// Independent replications to run.
    pub replications: u32,
    /// Transaction-level or flow-level simulation.
    pub fidelity: Fidelity,
    /// Location and facility.
    pub site: Site,
    /// Arrivals and classes.
    pub workload: WorkloadSpec,
    /// Servers, policies and devices.
    pub datacenter: DatacenterSpec,
    /// Weather, solar, wind, battery, grid and cooling overhead.
    pub energy: std::sync::Arc<crate::energy::EnergySpec>,
    /// Fleet lifecycle: purchases, failures, refresh, end of life, embodied carbon.
    pub lifecycle: std::sync::Arc<crate::lifecycle::LifecycleSpec>,
    /// Prices and finance.
    pub economics: crate::economics::EconomicsSpec,
}

impl Scenario {
    /// The calendar of a run.
    pub fn calendar(&self) -> Calendar {
        Calendar::new(self.start_date, self.horizon_ns)
    }

    /// The rate model of replication `replication` (random bursts differ per replication).
    pub fn rate_model(&self, replication: u32) -> RateModel {
        self.workload.rate_model(
            self.calendar(),
            self.horizon_ns,
            &RngStreams::new(self.seed, replication),
        )
    }

    /// Expected number of transactions over the horizon (scheduled bursts included).
    pub fn expected_transactions(&self) -> f64 {
        self.rate_model(0).expected_arrivals_total(0, self.horizon_ns)
    }
}

/// Reads and validates a scenario file (`.json` is read as JSON, anything else as TOML).
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let display = path.display().to_string();
    let whole_file = |message: String, hint: &str| ScenarioError {
        file: display.clone(),
        line: None,
        key: String::new(),
        message,
        hint: Some(hint.to_owned()),
    };
    let bytes = std::fs::read(path).map_err(|e| whole_file(format!("cannot read the file: {e}"), "check the path"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        whole_file(
            format!("the file is not UTF-8 text ({e})"),
            "save the scenario as UTF-8",
        )
    })?;
    let format = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        Format::Json
    } else {
        Format::Toml
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    let base_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    load_str(&text, format, &display, stem, base_dir)
}

/// Parses and validates scenario text. `file` names it in messages, `default_name` is used
/// when it has no `name`, and relative paths inside it resolve against `base_dir`.
pub fn load_str(
    text: &str,
    format: Format,
    file: &str,
    default_name: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioErrors> {
    let map = SourceMap::build(text, format);
    let raw = parse_raw(text, format, file, &map)?;
    validate::validate(&raw, file, default_name, &map, base_dir)
}

/// Parses scenario text without validating it (syntax and unknown keys only).
pub(crate) fn parse_raw_checked(text: &str, format: Format, file: &str, map: &SourceMap) -> Result<(), ScenarioErrors> {
    parse_raw(text, format, file, map)
        .map(|_| ())
        .map_err(ScenarioErrors::from)
}

/// The file as a JSON value tree (TOML tables become objects).
pub(crate) fn document_value(text: &str, format: Format) -> Result<serde_json::Value, String> {
    match format {
        Format::Toml => toml::from_str::<serde_json::Value>(text).map_err(|e| e.message().to_owned()),
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
    }
}

/// Validates a scenario given as a value tree (a sweep variant); `map` gives the lines of
/// the file the tree came from.
pub(crate) fn scenario_from_value(
    value: serde_json::Value,
    file: &str,
    default_name: &str,
    map: &SourceMap,
    base_dir: &Path,
) -> Result<Scenario, ScenarioErrors> {
    let raw: RawScenario = serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        let (message, hint) = error::explain_serde_message(&e.into_inner().to_string());
        ScenarioError {
            file: file.to_owned(),
            line: map.line_of(&key),
            key,
            message,
            hint,
        }
    })?;
    validate::validate(&raw, file, default_name, map, base_dir)
}

fn parse_raw(text: &str, format: Format, file: &str, map: &SourceMap) -> Result<RawScenario, ScenarioError> {
    let starts = source::line_starts(text);
    let build = |path: String, message: &str, line: Option<usize>| {
        let (message, hint) = error::explain_serde_message(message);
        let key = if path == "." { String::new() } else { path };
        let line = line.or_else(|| map.line_of(&key));
        ScenarioError {
            file: file.to_owned(),
            line,
            key,
            message,
            hint,
        }
    };
    match format {
        Format::Toml => {
            let de = toml::de::Deserializer::parse(text).map_err(|e| {
                let line = e.span().map(|s| source::line_at(&starts, s.start));
                let mut err = build(String::new(), e.message(), line);
                err.hint.get_or_insert_with(|| {
                    "fix the TOML syntax at this line (quote strings, one key per line)".to_owned()
                });
                err
            })?;
            serde_path_to_error::deserialize(de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let line = inner.span().map(|s| source::line_at(&starts, s.start));
                build(path, inner.message(), line)
            })
        }
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let raw: RawScenario = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let line = (inner.line() > 0).then_some(inner.line());
                let message = strip_json_position(&inner.to_string());
                let mut err = build(path, &message, line);
                if inner.is_syntax() || inner.is_eof() {
                    err.hint
                        .get_or_insert_with(|| "fix the JSON syntax at this line".to_owned());
                }
                err
            })?;
            de.end()
                .map_err(|e| build(String::new(), &strip_json_position(&e.to_string()), Some(e.line())))?;
            Ok(raw)
        }
    }
}

/// serde_json appends " at line L column C"; the line is reported separately.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
