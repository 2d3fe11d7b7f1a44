//! Turns a raw scenario file into a typed, checked `Scenario`, reporting every problem with
//! its file, line, key and fix.

mod batch;
mod checker;
mod datacenter;
pub mod energy;
mod heat;
pub mod lifecycle;
mod virt;
mod workload;

use std::path::Path;

use chrono::NaiveDate;

pub use checker::Checker;
pub use datacenter::{DEFAULT_QUEUE_CAPACITY, PeakDemand, peak_demand, peak_demand_between};

use super::error::{ScenarioError, ScenarioErrors};
use super::raw::{NameOr, RawScenario};
use super::source::SourceMap;
use super::{Scenario, Site};
use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::engine::RngStreams;
use crate::engine::time::{NS_PER_DAY, NS_PER_S, NS_PER_YEAR};
use workload::WorkloadContext;

/// Longest horizon accepted.
pub const MAX_HORIZON_NS: u64 = 100 * NS_PER_YEAR;
/// Most steps a run may have (bounds the time series and the run time).
pub const MAX_STEPS: u64 = 5_000_000;
/// Default horizon: one week.
pub const DEFAULT_HORIZON_NS: u64 = 7 * NS_PER_DAY;
/// Default step: 15 minutes.
pub const DEFAULT_STEP_NS: u64 = 15 * 60 * NS_PER_S;
/// Default start date (a Monday).
pub const DEFAULT_START: &str = "2025-01-06";
/// Default PUE: the Uptime Institute industry average for 2024 (1.56).
pub const DEFAULT_PUE: f64 = 1.56;
/// Largest data file (trace, weather, grid or heat series) a scenario may name: 256 MiB, a
/// hundred times a year of hourly weather.
pub const MAX_DATA_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a data file a scenario names. It must be a regular file (a device such as
/// `/dev/zero`, a FIFO or a folder could block or never end) of at most
/// [`MAX_DATA_FILE_BYTES`], so validation cannot hang or exhaust memory on a bad path.
pub fn read_data_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let not_regular = || Error::new(ErrorKind::InvalidInput, "not a regular file (a folder, device or pipe)");
    // Checked before opening: opening a FIFO blocks until something writes to it.
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "the file is larger than {} MiB, the limit for a data file",
                MAX_DATA_FILE_BYTES / (1024 * 1024)
            ),
        )
    };
    if meta.len() > MAX_DATA_FILE_BYTES {
        return Err(too_big());
    }
    // The size can be wrong (files in /proc say 0) or change while reading: read at most one
    // byte past the limit and check.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_DATA_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DATA_FILE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// [`read_data_file`] for text files: the bytes must be UTF-8.
pub fn read_data_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_data_file(path)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is not UTF-8 text ({e})"),
        )
    })
}

/// Validates `raw` read from `file` (display name) with key lines from `map`; relative
/// paths inside it are resolved against `base_dir`.
pub fn validate(
    raw: &RawScenario,
    file: &str,
    default_name: &str,
    map: &SourceMap,
    base_dir: &Path,
) -> Result<Scenario, ScenarioErrors> {
    let catalog = Catalog::builtin().map_err(|e| ScenarioError {
        file: file.to_owned(),
        line: None,
        key: String::new(),
        message: e.to_string(),
        hint: Some("this is a bug in greenloop's built-in data; please report it".to_owned()),
    })?;
    let mut c = Checker::new(file, map);

    let name = raw.name.clone().unwrap_or_else(|| default_name.to_owned());
    if name.trim().is_empty() {
        c.error(
            "name",
            "the scenario name is empty",
            "give a short name, e.g. name = \"card-network\"",
        );
    }
    if raw.sweep.is_some() {
        c.error(
            "sweep",
            "this file is a sweep (it has a [sweep] table)",
            "run it with `greenloop sweep FILE`, or remove [sweep] to run the base scenario",
        );
    }
    let horizon_ns = raw.horizon.map(|d| d.ns()).unwrap_or(DEFAULT_HORIZON_NS);
    if horizon_ns == 0 || horizon_ns > MAX_HORIZON_NS {
        c.error(
            "horizon",
            format!(
                "horizon {} is not between 1 ns and 100 years",
                super::duration::format_duration(horizon_ns)
            ),
            "give a horizon such as \"7d\" or \"10y\"",
        );
    }
    let step_ns = raw
        .step
        .map(|d| d.ns())
        .unwrap_or(DEFAULT_STEP_NS.min(horizon_ns.max(1)));
    if step_ns < NS_PER_S {
        c.error(
            "step",
            "the step is shorter than 1 s",
            "give a step such as \"15m\" or \"1h\"",
        );
    } else if step_ns > horizon_ns {
        c.error(
            "step",
            format!(
                "the step ({}) is longer than the horizon ({})",
                super::duration::format_duration(step_ns),
                super::duration::format_duration(horizon_ns)
            ),
            "make `step` shorter than `horizon`",
        );
    } else if step_ns > NS_PER_DAY {
        c.error(
            "step",
            "the step is longer than 1 day",
            "give a step of at most \"1d\" (\"15m\" or \"1h\" are typical)",
        );
    } else if horizon_ns / step_ns > MAX_STEPS {
        c.error(
            "step",
            format!(
                "{} steps over the horizon is more than {MAX_STEPS}",
                horizon_ns / step_ns
            ),
            "use a longer step, e.g. \"15m\" or \"1h\"",
        );
    }
    let warmup_ns = raw.warmup.map(|d| d.ns()).unwrap_or(0);
    if warmup_ns >= horizon_ns && horizon_ns > 0 {
        c.error(
            "warmup",
            "the warm-up is as long as the horizon: nothing would be measured",
            "shorten `warmup`",
        );
    } else if step_ns > 0 && warmup_ns % step_ns != 0 {
        c.error(
            "warmup",
            "the warm-up is not a whole number of steps",
            "make `warmup` a multiple of `step`",
        );
    }
    let start_text = raw.start.clone().unwrap_or_else(|| DEFAULT_START.to_owned());
    let start_date = match NaiveDate::parse_from_str(&start_text, "%Y-%m-%d") {
        Ok(d) if (1900..=2200).contains(&chrono::Datelike::year(&d)) => d,
        _ => {
            c.error(
                "start",
                format!("cannot read start date {start_text:?}"),
                "write a date between 1900 and 2200 like \"2025-01-06\"",
            );
            NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default()
        }
    };
    let seed = raw.seed.unwrap_or(1);
    let replications = raw.replications.unwrap_or(1);
    if replications == 0 || replications > 10_000 {
        c.error(
            "replications",
            format!("{replications} replications is not between 1 and 10000"),
            "use e.g. `replications = 10`",
        );
    }
    let fidelity = raw.fidelity.unwrap_or_default();
    let site = site(&mut c, raw);

    let start = start_date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let base_ok = c.count() == 0;
    let workload = match &raw.workload {
        Some(w) if base_ok => workload::validate_workload(
            &mut c,
            w,
            &WorkloadContext {
                base_dir,
                start,
                horizon_ns,
            },
        ),
        Some(_) => None,
        None => {
            c.error(
                "workload",
                "the scenario has no [workload] section",
                "add `[workload]` with `mean_tps = ...` (see `greenloop new`)",
            );
            None
        }
    };
    // Peaks of the workload: over the horizon, or (with a lifecycle, which re-sizes the
    // fleet every year) over each simulated year.
    let years = horizon_ns.div_ceil(NS_PER_YEAR).max(1);
    let peaks: Option<Vec<PeakDemand>> = workload.as_ref().map(|w| {
        let rates = w.rate_model(
            Calendar::new(start_date, horizon_ns),
            horizon_ns,
            &RngStreams::new(seed, 0),
        );
        let work: Vec<f64> = w.classes.iter().map(|k| k.work.mean_ssj_ops()).collect();
        if raw.lifecycle.is_some() {
            (0..years)
                .map(|y| peak_demand_between(&rates, &work, y * NS_PER_YEAR, ((y + 1) * NS_PER_YEAR).min(horizon_ns)))
                .collect()
        } else {
            vec![peak_demand(&rates, &work, horizon_ns)]
        }
    });
    let peak = peaks.as_ref().and_then(|p| p.first().copied());
    let mut datacenter = datacenter::validate_datacenter(&mut c, &raw.datacenter, catalog, peak);
    if let (Some(dc), Some(w), Some(rv)) = (&mut datacenter, &workload, &raw.datacenter.virtualization) {
        let names: Vec<String> = w.classes.iter().map(|k| k.name.clone()).collect();
        dc.virtualization = virt::validate_virtualization(&mut c, rv, &names, &dc.server);
    }
    let mut energy_site = energy::EnergySite {
        latitude: site.latitude,
        longitude: site.longitude,
        utc_offset_hours: site.utc_offset_hours,
        utc_offset_given: raw.site.utc_offset_hours.is_some(),
        elevation_m: raw.site.elevation_m.map_or(0.0, |v| {
            c.in_range("site.elevation_m", v, -500.0, 9_000.0, "elevation (m)")
        }),
    };
    let energy = energy::validate_energy(&mut c, raw, &mut energy_site, base_dir, catalog);
    let mut site = site;
    site.latitude = energy_site.latitude;
    site.longitude = energy_site.longitude;
    site.utc_offset_hours = energy_site.utc_offset_hours;

    let (economics, lifecycle) = match (&datacenter, &energy) {
        (Some(dc), Some(energy)) if c.count() == 0 => {
            let economics = lifecycle::validate_economics(&mut c, raw.economics.as_ref(), energy);
            let inline_server = match &raw.datacenter.server {
                Some(NameOr::Table(t)) => Some(t),
                _ => None,
            };
            let ctx = lifecycle::LifecycleContext {
                datacenter: dc,
                inline_server,
                energy,
                start_year: chrono::Datelike::year(&start_date),
                horizon_ns,
                yearly_peak_ops: peaks
                    .as_ref()
                    .map(|p| p.iter().map(|d| d.work_ssj_ops_per_s).collect())
                    .unwrap_or_default(),
                economics: &economics,
            };
            let lifecycle = lifecycle::validate_lifecycle(&mut c, raw.lifecycle.as_ref(), catalog, &ctx);
            (Some(economics), lifecycle)
        }
        _ => (None, None),
    };

    let errors = c.into_errors();
    match (workload, datacenter, energy, economics, lifecycle) {
        (Some(workload), Some(datacenter), Some(energy), Some(economics), Some(lifecycle)) if errors.is_empty() => {
            Ok(Scenario {
                name,
                description: raw.description.clone().unwrap_or_default(),
                file: file.to_owned(),
                horizon_ns,
                step_ns,
                warmup_ns,
                start_date,
                seed,
                replications,
                fidelity,
                site,
                workload,
                datacenter,
                energy: std::sync::Arc::new(energy),
                lifecycle: std::sync::Arc::new(lifecycle),
                economics,
            })
        }
        _ => Err(ScenarioErrors(errors)),
    }
}

fn site(c: &mut Checker<'_>, raw: &RawScenario) -> Site {
    let s = &raw.site;
    let latitude = s
        .latitude
        .map(|v| c.in_range("site.latitude", v, -90.0, 90.0, "latitude"));
    let longitude = s
        .longitude
        .map(|v| c.in_range("site.longitude", v, -180.0, 180.0, "longitude"));
    let utc_offset_hours = match s.utc_offset_hours {
        Some(v) => c.in_range("site.utc_offset_hours", v, -12.0, 14.0, "UTC offset (h)"),
        None => 0.0,
    };
    Site {
        name: s.name.clone().unwrap_or_else(|| "site".to_owned()),
        latitude,
        longitude,
        utc_offset_hours,
    }
}
