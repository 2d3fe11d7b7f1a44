//! Validation of `[[workload.batch]]`: job families with a release schedule, a size, a
//! parallelism, a deadline and a scheduling policy.

use super::checker::Checker;
use crate::batch::{BatchFamily, BatchPolicy, SizeLaw};
use crate::engine::time::{NS_PER_DAY, NS_PER_HOUR, NS_PER_MIN};
use crate::scenario::raw::{Flexible, RawBatch};
use crate::workload::DistributionKind;

/// Parses a time of day "HH:MM" into ns after midnight.
fn time_of_day(text: &str) -> Option<u64> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u64, u64) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then_some(h * NS_PER_HOUR + m * NS_PER_MIN)
}

fn family(c: &mut Checker<'_>, key: &str, r: &RawBatch, index: usize) -> Option<BatchFamily> {
    let before = c.count();
    let name = r.name.clone().unwrap_or_else(|| format!("batch-{index}"));
    let first_release_ns = match r.start.as_deref() {
        None => 0,
        Some(t) => match time_of_day(t).or_else(|| t.parse::<crate::scenario::HumanDuration>().ok().map(|d| d.ns())) {
            Some(ns) => ns,
            None => {
                c.error(
                    &format!("{key}.start"),
                    format!("cannot read start {t:?}"),
                    "give a time of day on the first day (\"22:00\") or an offset from the start (\"90m\", \"2d\")",
                );
                0
            }
        },
    };
    let every_ns = r.every.map_or(NS_PER_DAY, |d| d.ns());
    if every_ns < NS_PER_MIN {
        c.error(
            &format!("{key}.every"),
            "jobs are released less than a minute apart",
            "give the release interval, e.g. every = \"1d\" or \"1h\"",
        );
    }
    let (size_core_h, size_law) = match &r.size_core_hours {
        None => {
            c.error(
                &format!("{key}.size_core_hours"),
                "a batch family needs the size of its jobs",
                "give core-hours per job: a number or { distribution = \"lognormal\", mean = 40, cv = 0.3 }",
            );
            return None;
        }
        Some(Flexible::Number(v)) => (*v, SizeLaw::Deterministic),
        Some(Flexible::Table(t)) => {
            let cv = t.cv.unwrap_or(1.0);
            let law = match t.distribution.unwrap_or(DistributionKind::Lognormal) {
                DistributionKind::Deterministic => SizeLaw::Deterministic,
                DistributionKind::Exponential => SizeLaw::Exponential,
                DistributionKind::Lognormal => SizeLaw::LogNormal {
                    cv: c.in_range(&format!("{key}.size_core_hours.cv"), cv, 0.01, 10.0, "cv"),
                },
                DistributionKind::Gamma => SizeLaw::Gamma {
                    cv: c.in_range(&format!("{key}.size_core_hours.cv"), cv, 0.01, 10.0, "cv"),
                },
            };
            (t.mean, law)
        }
        Some(_) => {
            c.error(
                &format!("{key}.size_core_hours"),
                "`size_core_hours` must be a number or a table",
                "e.g. size_core_hours = 40 or { distribution = \"gamma\", mean = 40, cv = 0.5 }",
            );
            return None;
        }
    };
    let size_core_h = c.positive(
        &format!("{key}.size_core_hours"),
        size_core_h,
        1e9,
        "job size (core-hours)",
    );
    let parallelism = c.positive(
        &format!("{key}.parallelism"),
        r.parallelism.unwrap_or(8.0),
        1e7,
        "parallelism (cores)",
    );
    let deadline_ns = r.deadline.map_or(8 * NS_PER_HOUR, |d| d.ns());
    let at_full_speed_h = size_core_h / parallelism;
    // Compare the deadline with the job only when its size and parallelism are valid.
    let sizes_valid = c.count() == before;
    if deadline_ns == 0 || (sizes_valid && (deadline_ns as f64) < at_full_speed_h * NS_PER_HOUR as f64) {
        c.error(
            &format!("{key}.deadline"),
            format!(
                "the deadline ({} h) is shorter than a mean job takes at full parallelism ({at_full_speed_h:.2} h = {size_core_h} core-hours / {parallelism} cores)",
                deadline_ns as f64 / NS_PER_HOUR as f64
            ),
            "give a later deadline, more parallelism or smaller jobs (a single job larger than the mean that misses is counted as a deadline miss)",
        );
    }
    let policy = match r.policy.as_deref().unwrap_or("asap") {
        "asap" | "as-soon-as-possible" => BatchPolicy::Asap,
        "carbon-aware" => BatchPolicy::CarbonAware,
        "price-aware" => BatchPolicy::PriceAware,
        "renewable-following" => BatchPolicy::RenewableFollowing,
        other => {
            let options = ["asap", "carbon-aware", "price-aware", "renewable-following"];
            c.unknown_choice(&format!("{key}.policy"), "batch policy", other, &options);
            BatchPolicy::Asap
        }
    };
    let forecast_error = r.forecast_error.map_or(0.1, |v| {
        c.in_range(
            &format!("{key}.forecast_error"),
            v,
            0.0,
            2.0,
            "forecast error (relative)",
        )
    });
    (c.count() == before).then_some(BatchFamily {
        name,
        first_release_ns,
        every_ns,
        size_core_h,
        size_law,
        parallelism,
        deadline_ns,
        policy,
        extra_servers: r.extra_servers.unwrap_or(0),
        forecast_error,
    })
}

/// Validates the batch families.
pub fn validate_batch(c: &mut Checker<'_>, raw: &[RawBatch]) -> Vec<BatchFamily> {
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let key = format!("workload.batch[{i}]");
        if let Some(f) = family(c, &key, r, i) {
            if out.iter().any(|o: &BatchFamily| o.name == f.name) {
                c.error(
                    &format!("{key}.name"),
                    format!("two batch families are called \"{}\"", f.name),
                    "give each family its own name",
                );
            }
            out.push(f);
        }
    }
    out
}
