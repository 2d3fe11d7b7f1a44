//! Validation of `[workload]`.

use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use super::super::duration::HumanDuration;
use super::super::error::did_you_mean;
use super::super::raw::{NameOr, RawBurst, RawClass, RawProfile, RawRandomBursts, RawTrace, RawWorkload};
use super::checker::Checker;
use crate::engine::time::{NS_PER_HOUR, NS_PER_YEAR};
use crate::workload::builtin::{builtin_profiles, builtin_shape, default_classes};
use crate::workload::{
    ALL_CLASSES, BaseRate, BurstWindow, ClassMask, DistributionKind, RandomBursts, Shape, Trace, TransactionClass,
    WorkDistribution, WorkloadSpec,
};

/// Most burst windows a scenario may expand to.
const MAX_BURST_WINDOWS: u64 = 1_000_000;
/// Most transaction classes (class sets are 64-bit masks).
const MAX_CLASSES: usize = 64;
/// Most rows a trace may have over the horizon (repetitions included), as many as the
/// steps of a run.
const MAX_TRACE_PIECES: u64 = super::MAX_STEPS;

/// What the workload validator needs from the rest of the scenario.
pub struct WorkloadContext<'a> {
    /// Directory that relative file paths are resolved against.
    pub base_dir: &'a Path,
    /// Local date-time of simulated time 0.
    pub start: NaiveDateTime,
    /// Horizon, ns.
    pub horizon_ns: u64,
}

/// Validates `[workload]`; `None` after reporting errors.
pub fn validate_workload(c: &mut Checker<'_>, raw: &RawWorkload, ctx: &WorkloadContext<'_>) -> Option<WorkloadSpec> {
    let errors_before = c.count();
    let (base, profile_name) = base_rate(c, raw, ctx)?;
    let trace_mode = matches!(base, BaseRate::Trace(_));
    let workload_shape = workload_shape(c, raw, trace_mode);

    let growth_per_year = match raw.growth_per_year {
        Some(g) => c.in_range("workload.growth_per_year", g, -0.99, 10.0, "yearly growth"),
        None => 0.0,
    };

    let classes = if raw.classes.is_empty() {
        default_class_list(c, &profile_name, &workload_shape, trace_mode)
    } else {
        class_list(c, &raw.classes, &profile_name, &workload_shape, trace_mode)
    };

    let names: Vec<String> = classes.iter().map(|k| k.name.clone()).collect();
    let mut bursts = Vec::new();
    for (i, b) in raw.bursts.iter().enumerate() {
        bursts.extend(burst_windows(c, &format!("workload.bursts[{i}]"), b, &names, ctx));
    }
    let random_bursts = raw.random_bursts.as_ref().and_then(|r| random_bursts(c, r, &names));
    let batch = super::batch::validate_batch(c, &raw.batch);

    (c.count() == errors_before).then_some(WorkloadSpec {
        base,
        profile_name,
        growth_per_year,
        classes,
        bursts,
        random_bursts,
        batch,
    })
}

fn base_rate(c: &mut Checker<'_>, raw: &RawWorkload, ctx: &WorkloadContext<'_>) -> Option<(BaseRate, String)> {
    match (raw.mean_tps, &raw.trace) {
        (Some(_), Some(_)) => {
            c.error(
                "workload.trace",
                "both `mean_tps` and `trace` are set; they are two ways to give the rate",
                "keep `mean_tps` (with a `profile`) or `trace`, not both",
            );
            None
        }
        (None, None) => {
            c.error(
                "workload",
                "no arrival rate: the workload needs `mean_tps` or `trace`",
                "add `mean_tps = 2000` (mean transactions per second) or `trace = \"my-trace.csv\"`",
            );
            None
        }
        (Some(tps), None) => {
            let tps = c.positive("workload.mean_tps", tps, 1e9, "mean_tps");
            let name = match &raw.profile {
                Some(NameOr::Name(n)) => n.clone(),
                Some(NameOr::Table(_)) => "custom".to_owned(),
                None => "flat".to_owned(),
            };
            Some((BaseRate::MeanTps(tps), name))
        }
        (None, Some(trace)) => {
            let raw_trace = match trace {
                NameOr::Name(file) => RawTrace {
                    file: file.clone(),
                    repeat: None,
                    scale: None,
                },
                NameOr::Table(t) => t.clone(),
            };
            let trace = load_trace(c, &raw_trace, ctx)?;
            Some((BaseRate::Trace(Arc::new(trace)), raw_trace.file))
        }
    }
}

fn load_trace(c: &mut Checker<'_>, raw: &RawTrace, ctx: &WorkloadContext<'_>) -> Option<Trace> {
    let key = "workload.trace";
    let path = ctx.base_dir.join(&raw.file);
    let bytes = match super::read_data_file(&path) {
        Ok(b) => b,
        Err(e) => {
            c.error(
                key,
                format!("cannot open trace file {}: {e}", path.display()),
                "check the path; relative paths are relative to the scenario file's folder",
            );
            return None;
        }
    };
    let repeat = raw.repeat.unwrap_or(false);
    let mut trace = match Trace::from_csv(bytes.as_slice(), ctx.start, repeat) {
        Ok(t) => t,
        Err(e) => {
            c.error(
                key,
                format!("trace file {}: {e}", path.display()),
                "a trace is a CSV with a header `time_h,tps` (or time_s/time_min/timestamp), times from 0 upward, rates >= 0",
            );
            return None;
        }
    };
    if let Some(scale) = raw.scale {
        let scale = c.positive("workload.trace.scale", scale, 1e9, "trace scale");
        trace = trace.scaled(scale);
    }
    if !repeat && trace.end_ns() < ctx.horizon_ns {
        c.error(
            key,
            format!(
                "trace file {} covers {:.1} h but the horizon is {:.1} h",
                path.display(),
                trace.end_ns() as f64 / NS_PER_HOUR as f64,
                ctx.horizon_ns as f64 / NS_PER_HOUR as f64
            ),
            "shorten `horizon`, extend the trace, or write `trace = { file = \"...\", repeat = true }`",
        );
        return None;
    }
    // Validation (the peak scan) and the models go piece by piece: a fine trace repeated over
    // a long horizon (1 us rows over a year) would take days.
    let pieces = if repeat {
        (trace.rows() as u64).saturating_mul(ctx.horizon_ns.div_ceil(trace.end_ns()))
    } else {
        trace.rows() as u64
    };
    if pieces > MAX_TRACE_PIECES {
        c.error(
            key,
            format!(
                "trace file {} changes the rate {pieces} times over the horizon, more than {MAX_TRACE_PIECES}",
                path.display(),
            ),
            "use a coarser trace (e.g. one row per minute) or a shorter horizon",
        );
        return None;
    }
    Some(trace)
}

fn workload_shape(c: &mut Checker<'_>, raw: &RawWorkload, trace_mode: bool) -> Arc<Shape> {
    match &raw.profile {
        Some(_) if trace_mode => {
            c.error(
                "workload.profile",
                "`profile` has no effect with a `trace`: the trace already gives the rate over time",
                "remove `profile`, or use `mean_tps` instead of `trace`",
            );
            Arc::new(Shape::flat())
        }
        Some(p) => profile_shape(c, "workload.profile", p),
        None => Arc::new(Shape::flat()),
    }
}

fn profile_shape(c: &mut Checker<'_>, key: &str, profile: &NameOr<RawProfile>) -> Arc<Shape> {
    match profile {
        NameOr::Name(name) => match builtin_shape(name) {
            Ok(Some(shape)) => Arc::new(shape),
            Ok(None) => {
                let names: Vec<&str> = builtin_profiles()
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let hint = match did_you_mean(name, names.iter().copied()) {
                    Some(best) => format!("did you mean \"{best}\"? built-in profiles: {}", names.join(", ")),
                    None => format!(
                        "built-in profiles: {}; or give a table with hourly/daily/monthly lists",
                        names.join(", ")
                    ),
                };
                c.error(key, format!("unknown profile \"{name}\""), hint);
                Arc::new(Shape::flat())
            }
            Err(message) => {
                c.error(key, message, "");
                Arc::new(Shape::flat())
            }
        },
        NameOr::Table(t) => {
            let ones = |n: usize| vec![1.0; n];
            let monthly = t.monthly.clone().unwrap_or_else(|| ones(12));
            let result = match (&t.weekly, &t.hourly, &t.daily) {
                (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                    c.error(
                        key,
                        "`weekly` (168 values) replaces `hourly` and `daily`; both were given",
                        "keep `weekly`, or `hourly` and `daily`",
                    );
                    return Arc::new(Shape::flat());
                }
                (Some(weekly), None, None) => Shape::from_weekly(weekly, &monthly),
                _ => Shape::from_daily_hourly(
                    &t.hourly.clone().unwrap_or_else(|| ones(24)),
                    &t.daily.clone().unwrap_or_else(|| ones(7)),
                    &monthly,
                ),
            };
            match result {
                Ok(shape) => Arc::new(shape),
                Err(e) => {
                    c.error(key, e.to_string(), "profile lists hold relative rates: 24 hourly, 7 daily (Monday first), 12 monthly, or 168 weekly values, all >= 0");
                    Arc::new(Shape::flat())
                }
            }
        }
    }
}

fn default_class_list(
    c: &mut Checker<'_>,
    profile: &str,
    shape: &Arc<Shape>,
    trace_mode: bool,
) -> Vec<TransactionClass> {
    default_classes(profile)
        .iter()
        .map(|d| {
            let own_shape = match d.profile {
                Some(p) if !trace_mode => profile_shape(c, "workload.profile", &NameOr::Name(p.to_owned())),
                _ => shape.clone(),
            };
            TransactionClass {
                name: d.name.to_owned(),
                share: d.share,
                sla_ms: d.sla_ms,
                work: WorkDistribution::new(d.distribution, d.mean_ssj_ops, d.cv),
                profile_name: d.profile.unwrap_or(profile).to_owned(),
                shape: own_shape,
            }
        })
        .collect()
}

fn class_list(
    c: &mut Checker<'_>,
    raw: &[RawClass],
    profile: &str,
    shape: &Arc<Shape>,
    trace_mode: bool,
) -> Vec<TransactionClass> {
    if raw.len() > MAX_CLASSES {
        c.error(
            "workload.classes",
            format!("{} classes; at most {MAX_CLASSES} are supported", raw.len()),
            "merge similar classes",
        );
    }
    let mut classes = Vec::with_capacity(raw.len());
    for (i, k) in raw.iter().enumerate() {
        let key = format!("workload.classes[{i}]");
        if k.name.trim().is_empty() {
            c.error(
                &format!("{key}.name"),
                "class name is empty",
                "give each class a short name, e.g. \"authorization\"",
            );
        }
        if raw[..i].iter().any(|o| o.name == k.name) {
            c.error(
                &format!("{key}.name"),
                format!("class name \"{}\" is used twice", k.name),
                "give each class a unique name",
            );
        }
        let share = c.in_range(&format!("{key}.share"), k.share, 0.0, 1.0, "share");
        let sla_ms = match k.sla_ms {
            Some(v) => c.positive(&format!("{key}.sla_ms"), v, 1e9, "sla_ms"),
            None => 300.0,
        };
        let mean = c.positive(
            &format!("{key}.service.mean_ssj_ops"),
            k.service.mean_ssj_ops,
            1e15,
            "mean_ssj_ops",
        );
        let cv = service_cv(c, &key, k.service.distribution, k.service.cv);
        let (profile_name, own_shape) = match &k.profile {
            Some(_) if trace_mode => {
                c.error(
                    &format!("{key}.profile"),
                    "a class profile has no effect with a `trace`",
                    "remove the class `profile`, or use `mean_tps` instead of `trace`",
                );
                (profile.to_owned(), shape.clone())
            }
            Some(p) => {
                let name = match p {
                    NameOr::Name(n) => n.clone(),
                    NameOr::Table(_) => "custom".to_owned(),
                };
                (name, profile_shape(c, &format!("{key}.profile"), p))
            }
            None => (profile.to_owned(), shape.clone()),
        };
        classes.push(TransactionClass {
            name: k.name.clone(),
            share,
            sla_ms,
            work: WorkDistribution::new(k.service.distribution, mean, cv),
            profile_name,
            shape: own_shape,
        });
    }
    let total: f64 = raw.iter().map(|k| k.share).sum();
    if total.is_finite() && (total - 1.0).abs() > 1e-6 {
        c.error(
            "workload.classes",
            format!("class shares add up to {total}, not 1"),
            "scale the `share` values so that they sum to 1",
        );
    }
    classes
}

fn service_cv(c: &mut Checker<'_>, key: &str, kind: DistributionKind, cv: Option<f64>) -> f64 {
    let cv_key = format!("{key}.service.cv");
    match (kind, cv) {
        (DistributionKind::Lognormal | DistributionKind::Gamma, Some(v)) => c.positive(&cv_key, v, 20.0, "cv"),
        (DistributionKind::Lognormal | DistributionKind::Gamma, None) => {
            c.error(
                &cv_key,
                "lognormal and gamma work distributions need `cv` (coefficient of variation)",
                "add e.g. `cv = 1.0` to the `service` table",
            );
            1.0
        }
        (DistributionKind::Exponential, Some(v)) if v != 1.0 => {
            c.error(
                &cv_key,
                format!("an exponential distribution has cv = 1, not {v}"),
                "remove `cv`, or use \"lognormal\" or \"gamma\"",
            );
            1.0
        }
        (DistributionKind::Deterministic, Some(v)) if v != 0.0 => {
            c.error(
                &cv_key,
                format!("a deterministic distribution has cv = 0, not {v}"),
                "remove `cv`, or use \"lognormal\" or \"gamma\"",
            );
            0.0
        }
        (DistributionKind::Exponential, _) => 1.0,
        (DistributionKind::Deterministic, _) => 0.0,
    }
}

fn class_mask(c: &mut Checker<'_>, key: &str, classes: &Option<Vec<String>>, names: &[String]) -> ClassMask {
    let Some(list) = classes else { return ALL_CLASSES };
    let mut mask = 0;
    for name in list {
        match names.iter().position(|n| n == name) {
            Some(i) => mask |= 1u64 << i,
            None => {
                let hint = match did_you_mean(name, names.iter().map(String::as_str)) {
                    Some(best) => format!("did you mean \"{best}\"? classes: {}", names.join(", ")),
                    None => format!("classes: {}", names.join(", ")),
                };
                c.error(key, format!("unknown class \"{name}\""), hint);
            }
        }
    }
    mask
}

/// Parses a burst start: a local date-time (`2025-11-28T08:00`), a date, or an offset from
/// the scenario start (`"30d"`).
fn burst_start_ns(text: &str, start: NaiveDateTime) -> Option<Result<u64, String>> {
    if let Ok(d) = text.parse::<HumanDuration>() {
        return Some(Ok(d.ns()));
    }
    let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .ok()?;
    let delta = parsed.signed_duration_since(start).num_nanoseconds();
    Some(match delta.and_then(|d| u64::try_from(d).ok()) {
        Some(ns) => Ok(ns),
        None => Err(format!("{text} is before the scenario start ({start})")),
    })
}

fn burst_windows(
    c: &mut Checker<'_>,
    key: &str,
    b: &RawBurst,
    names: &[String],
    ctx: &WorkloadContext<'_>,
) -> Vec<BurstWindow> {
    let start_ns = match burst_start_ns(&b.start, ctx.start) {
        Some(Ok(ns)) => ns,
        Some(Err(message)) => {
            c.error(
                &format!("{key}.start"),
                message,
                "give a date-time at or after `start`, or an offset like \"30d\"",
            );
            return Vec::new();
        }
        None => {
            c.error(
                &format!("{key}.start"),
                format!("cannot read burst start {:?}", b.start),
                "write a local date-time like \"2025-11-28T08:00\" or an offset from the start like \"30d12h\"",
            );
            return Vec::new();
        }
    };
    let duration_ns = b.duration.ns();
    if duration_ns == 0 {
        c.error(
            &format!("{key}.duration"),
            "burst duration is 0",
            "give a duration like \"6h\"",
        );
    }
    let multiplier = c.positive(&format!("{key}.multiplier"), b.multiplier, 1000.0, "burst multiplier");
    let classes = class_mask(c, &format!("{key}.classes"), &b.classes, names);
    let every_ns = match b.every {
        Some(every) if every.ns() < duration_ns || every.ns() == 0 => {
            c.error(
                &format!("{key}.every"),
                format!("bursts repeat every {every} but each lasts {}", b.duration),
                "make `every` at least as long as `duration`",
            );
            return Vec::new();
        }
        Some(every) => Some(every.ns()),
        None => None,
    };
    let count = match every_ns {
        Some(every) if start_ns < ctx.horizon_ns => (ctx.horizon_ns - start_ns).div_ceil(every),
        _ => 1,
    };
    if count > MAX_BURST_WINDOWS {
        c.error(
            &format!("{key}.every"),
            format!("this burst repeats {count} times over the horizon"),
            format!("repeat less often; at most {MAX_BURST_WINDOWS} repetitions"),
        );
        return Vec::new();
    }
    (0..count)
        .map(|k| {
            let s = start_ns.saturating_add(k * every_ns.unwrap_or(0));
            BurstWindow {
                start_ns: s,
                end_ns: s.saturating_add(duration_ns),
                multiplier,
                classes,
            }
        })
        .collect()
}

fn random_bursts(c: &mut Checker<'_>, r: &RawRandomBursts, names: &[String]) -> Option<RandomBursts> {
    let key = "workload.random_bursts";
    let per_year = c.in_range(
        &format!("{key}.per_year"),
        r.per_year,
        0.0,
        100_000.0,
        "bursts per year",
    );
    let lo = c.positive(
        &format!("{key}.multiplier_min"),
        r.multiplier_min,
        1000.0,
        "multiplier_min",
    );
    let hi = c.positive(
        &format!("{key}.multiplier_max"),
        r.multiplier_max,
        1000.0,
        "multiplier_max",
    );
    if hi < lo {
        c.error(
            &format!("{key}.multiplier_max"),
            format!("multiplier_max {hi} is below multiplier_min {lo}"),
            "swap them",
        );
    }
    if r.duration.ns() == 0 || r.duration.ns() > NS_PER_YEAR {
        c.error(
            &format!("{key}.duration"),
            format!("burst duration {} is not between 1 ns and 1 y", r.duration),
            "give a duration like \"2h\"",
        );
    }
    let classes = class_mask(c, &format!("{key}.classes"), &r.classes, names);
    Some(RandomBursts {
        per_year,
        duration_ns: r.duration.ns(),
        multiplier_min: lo,
        multiplier_max: hi.max(lo),
        classes,
    })
}
