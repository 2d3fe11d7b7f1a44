//! Arrival-rate traces: a CSV of time and rate, read into a piecewise-constant rate.
//!
//! Format: a header row, then one row per breakpoint. The time column is one of `time_h`
//! (hours since the scenario start), `time_min`, `time_s`, or `timestamp` (local ISO 8601
//! date-time such as `2025-01-01T06:00:00`); the rate column is `tps` (or `rate_tps`).
//! Row i's rate holds from its time until row i+1's time; the last row holds for as long as
//! the interval before it. Times must start at 0 and strictly increase.
//!
//! This module parses text; reading the file is the scenario loader's job.

use chrono::NaiveDateTime;
use std::io::Read;
use thiserror::Error;

use crate::engine::time::{NS_PER_HOUR, NS_PER_MIN, NS_PER_S};

/// Time columns the reader recognizes, in the order they are looked for.
pub const TIME_COLUMNS: [&str; 4] = ["time_h", "time_min", "time_s", "timestamp"];
/// Rate columns the reader recognizes.
pub const RATE_COLUMNS: [&str; 2] = ["tps", "rate_tps"];

/// Why a trace could not be read. Line numbers count the header as line 1.
#[derive(Debug, Error, PartialEq)]
pub enum TraceError {
    /// The CSV could not be parsed at all.
    #[error("line {line}: {message}")]
    Csv {
        /// 1-based line.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// A required column is absent.
    #[error("no {what} column (looked for {wanted}); the file has columns: {found}")]
    MissingColumn {
        /// "time" or "rate".
        what: &'static str,
        /// Accepted names.
        wanted: String,
        /// Names present.
        found: String,
    },
    /// A cell is not a number or date-time.
    #[error("line {line}, column `{column}`: cannot read {value:?} as {expected}")]
    BadCell {
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The cell text.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A rate that is negative, NaN or infinite.
    #[error("line {line}: rate {value} is not a finite number >= 0")]
    BadRate {
        /// 1-based line.
        line: u64,
        /// The value.
        value: f64,
    },
    /// Time does not increase.
    #[error(
        "line {line}: time {time_h} h is not after the previous row ({previous_h} h); times must strictly increase"
    )]
    NotIncreasing {
        /// 1-based line.
        line: u64,
        /// This row's time in hours.
        time_h: f64,
        /// Previous row's time in hours.
        previous_h: f64,
    },
    /// The first row is not at time 0.
    #[error("the first row is at {time_h} h; a trace must start at time 0 (the scenario start)")]
    DoesNotStartAtZero {
        /// The first time in hours.
        time_h: f64,
    },
    /// Fewer than two rows.
    #[error("the trace has {rows} data row(s); at least 2 are needed")]
    TooShort {
        /// Data rows found.
        rows: usize,
    },
    /// The trace ends (last row plus the interval before it) later than simulated time can
    /// count (about 584 years in nanoseconds).
    #[error(
        "the trace ends after {end_h} h (its last row at {last_h} h holds for the interval before it), beyond the longest time greenloop can represent (about 584 years)"
    )]
    TooLong {
        /// Time of the last row in hours.
        last_h: f64,
        /// Where the trace would end, in hours.
        end_h: f64,
    },
}

/// A piecewise-constant arrival rate read from a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    times_ns: Vec<u64>,
    rates_tps: Vec<f64>,
    end_ns: u64,
    repeat: bool,
}

impl Trace {
    /// Parses a trace. `start` is the local date-time of simulated time 0 (for `timestamp`
    /// columns); `repeat` makes the trace loop with period equal to its length.
    pub fn from_csv<R: Read>(reader: R, start: NaiveDateTime, repeat: bool) -> Result<Self, TraceError> {
        let mut csv = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(reader);
        let headers = csv
            .headers()
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let find = |names: &[&'static str]| find_column(&headers, names);
        let (time_idx, time_name) = find(&TIME_COLUMNS).ok_or_else(|| TraceError::MissingColumn {
            what: "time",
            wanted: TIME_COLUMNS.join(", "),
            found: headers.join(", "),
        })?;
        let (rate_idx, rate_name) = find(&RATE_COLUMNS).ok_or_else(|| TraceError::MissingColumn {
            what: "rate",
            wanted: RATE_COLUMNS.join(", "),
            found: headers.join(", "),
        })?;

        let mut times_ns = Vec::new();
        let mut rates_tps = Vec::new();
        for record in csv.records() {
            let record = record.map_err(|e| csv_error(&e))?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let time_cell = record.get(time_idx).unwrap_or("");
            let rate_cell = record.get(rate_idx).unwrap_or("");
            let t_ns = parse_time(time_cell, time_name, start).ok_or_else(|| TraceError::BadCell {
                line,
                column: time_name.to_owned(),
                value: time_cell.to_owned(),
                expected: if time_name == "timestamp" {
                    "a date-time like 2025-01-01T06:00:00 at or after the scenario start"
                } else {
                    "a finite number >= 0"
                },
            })?;
            let rate: f64 = rate_cell.parse().map_err(|_| TraceError::BadCell {
                line,
                column: rate_name.to_owned(),
                value: rate_cell.to_owned(),
                expected: "a number",
            })?;
            if !rate.is_finite() || rate < 0.0 {
                return Err(TraceError::BadRate { line, value: rate });
            }
            if let Some(&previous) = times_ns.last() {
                if t_ns <= previous {
                    return Err(TraceError::NotIncreasing {
                        line,
                        time_h: t_ns as f64 / NS_PER_HOUR as f64,
                        previous_h: previous as f64 / NS_PER_HOUR as f64,
                    });
                }
            } else if t_ns != 0 {
                return Err(TraceError::DoesNotStartAtZero {
                    time_h: t_ns as f64 / NS_PER_HOUR as f64,
                });
            }
            times_ns.push(t_ns);
            rates_tps.push(rate);
        }
        if times_ns.len() < 2 {
            return Err(TraceError::TooShort { rows: times_ns.len() });
        }
        let n = times_ns.len();
        let end_ns = trace_end(times_ns[n - 2], times_ns[n - 1]).ok_or_else(|| TraceError::TooLong {
            last_h: times_ns[n - 1] as f64 / NS_PER_HOUR as f64,
            end_h: (2.0 * times_ns[n - 1] as f64 - times_ns[n - 2] as f64) / NS_PER_HOUR as f64,
        })?;
        Ok(Self {
            times_ns,
            rates_tps,
            end_ns,
            repeat,
        })
    }

    /// Builds a trace from breakpoints directly (times strictly increasing from 0, ending
    /// within `u64` nanoseconds).
    pub fn from_points(times_ns: Vec<u64>, rates_tps: Vec<f64>, repeat: bool) -> Option<Self> {
        let n = times_ns.len();
        let valid = n >= 2
            && n == rates_tps.len()
            && times_ns[0] == 0
            && times_ns.windows(2).all(|w| w[0] < w[1])
            && rates_tps.iter().all(|r| r.is_finite() && *r >= 0.0);
        if !valid {
            return None;
        }
        let end_ns = trace_end(times_ns[n - 2], times_ns[n - 1])?;
        Some(Self {
            times_ns,
            rates_tps,
            end_ns,
            repeat,
        })
    }

    /// The same trace with every rate multiplied by `factor`.
    pub fn scaled(mut self, factor: f64) -> Self {
        for r in &mut self.rates_tps {
            *r *= factor;
        }
        self
    }

    /// Number of rows (breakpoints) in one period.
    pub fn rows(&self) -> usize {
        self.times_ns.len()
    }

    /// Simulated time at which the trace ends (before repetition).
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// Whether the trace loops.
    pub fn repeats(&self) -> bool {
        self.repeat
    }

    /// Largest rate in the trace.
    pub fn peak_tps(&self) -> f64 {
        self.rates_tps.iter().copied().fold(0.0, f64::max)
    }

    /// Time-weighted mean rate over one period.
    pub fn mean_tps(&self) -> f64 {
        let mut area = 0.0;
        for (i, rate) in self.rates_tps.iter().enumerate() {
            let end = self.times_ns.get(i + 1).copied().unwrap_or(self.end_ns);
            area += rate * (end - self.times_ns[i]) as f64;
        }
        area / self.end_ns as f64
    }

    /// Rate at `t_ns` and the time its piece ends (`u64::MAX` if that is later than `u64`
    /// can count). Past the end of a non-repeating trace the rate is 0 (the scenario loader
    /// rejects horizons longer than the trace).
    pub fn segment_at(&self, t_ns: u64) -> (f64, u64) {
        let (offset, base) = if t_ns >= self.end_ns {
            if !self.repeat {
                return (0.0, u64::MAX);
            }
            let k = t_ns / self.end_ns;
            (t_ns - k * self.end_ns, k * self.end_ns)
        } else {
            (t_ns, 0)
        };
        let idx = self.times_ns.partition_point(|&x| x <= offset) - 1;
        let end = self.times_ns.get(idx + 1).copied().unwrap_or(self.end_ns);
        (self.rates_tps[idx], base.saturating_add(end))
    }
}

/// End of a trace whose last two rows are at `previous` and `last`: the last row holds for
/// the interval before it. None when that is past `u64::MAX` ns.
fn trace_end(previous: u64, last: u64) -> Option<u64> {
    last.checked_add(last - previous)
}

fn find_column(headers: &[String], names: &[&'static str]) -> Option<(usize, &'static str)> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h == n).map(|i| (i, *n)))
}

fn csv_error(e: &csv::Error) -> TraceError {
    TraceError::Csv {
        line: e.position().map(|p| p.line()).unwrap_or(0),
        message: e.to_string(),
    }
}

fn parse_time(cell: &str, column: &str, start: NaiveDateTime) -> Option<u64> {
    let unit_ns = match column {
        "time_h" => NS_PER_HOUR,
        "time_min" => NS_PER_MIN,
        "time_s" => NS_PER_S,
        _ => {
            let parsed = NaiveDateTime::parse_from_str(cell, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(cell, "%Y-%m-%d %H:%M:%S"))
                .or_else(|_| NaiveDateTime::parse_from_str(cell, "%Y-%m-%dT%H:%M"))
                .or_else(|_| NaiveDateTime::parse_from_str(cell, "%Y-%m-%d %H:%M"))
                .ok()?;
            let delta = parsed.signed_duration_since(start).num_nanoseconds()?;
            return u64::try_from(delta).ok();
        }
    };
    let value: f64 = cell.parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let ns = value * unit_ns as f64;
    (ns < 1e19).then_some(ns.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn start() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    #[test]
    fn reads_hours_and_holds_rates_piecewise() {
        let t = Trace::from_csv("time_h,tps\n0,10\n1,20\n3,5\n".as_bytes(), start(), false).unwrap();
        assert_eq!(t.segment_at(0), (10.0, NS_PER_HOUR));
        assert_eq!(t.segment_at(2 * NS_PER_HOUR), (20.0, 3 * NS_PER_HOUR));
        // Last row holds for the previous interval (2 h): the trace ends at 5 h.
        assert_eq!(t.end_ns(), 5 * NS_PER_HOUR);
        assert_eq!(t.segment_at(6 * NS_PER_HOUR).0, 0.0);
        let mean = (10.0 + 2.0 * 20.0 + 2.0 * 5.0) / 5.0;
        assert!((t.mean_tps() - mean).abs() < 1e-12);
    }

    #[test]
    fn repeats_with_its_own_period() {
        let t = Trace::from_csv("time_s,rate_tps\n0,1\n1800,2\n".as_bytes(), start(), true).unwrap();
        assert_eq!(t.end_ns(), NS_PER_HOUR);
        assert_eq!(t.segment_at(NS_PER_HOUR + 10), (1.0, NS_PER_HOUR + 1800 * NS_PER_S));
    }

    #[test]
    fn reads_timestamps_relative_to_start() {
        let csv = "timestamp,tps\n2025-01-01T00:00:00,3\n2025-01-01 00:30,4\n";
        let t = Trace::from_csv(csv.as_bytes(), start(), false).unwrap();
        assert_eq!(t.segment_at(31 * NS_PER_MIN), (4.0, NS_PER_HOUR));
    }

    #[test]
    fn explains_bad_files() {
        let err = |text: &str| Trace::from_csv(text.as_bytes(), start(), false).unwrap_err();
        assert!(matches!(
            err("hour,tps\n0,1\n"),
            TraceError::MissingColumn { what: "time", .. }
        ));
        assert!(matches!(
            err("time_h,load\n0,1\n"),
            TraceError::MissingColumn { what: "rate", .. }
        ));
        assert_eq!(err("time_h,tps\n0,1\n"), TraceError::TooShort { rows: 1 });
        assert!(matches!(
            err("time_h,tps\n0,1\n1,NaN\n"),
            TraceError::BadRate { line: 3, .. }
        ));
        assert!(matches!(
            err("time_h,tps\n0,1\n1,x\n"),
            TraceError::BadCell { line: 3, .. }
        ));
        assert!(matches!(
            err("time_h,tps\n0,1\n2,1\n1,1\n"),
            TraceError::NotIncreasing { line: 4, .. }
        ));
        assert!(matches!(
            err("time_h,tps\n1,1\n2,1\n"),
            TraceError::DoesNotStartAtZero { .. }
        ));
        assert!(matches!(
            err("time_h,tps\n0,1\n1,2,3\n"),
            TraceError::Csv { line: 3, .. }
        ));
        // 2.7 million hours fit in u64 nanoseconds, twice that does not.
        assert!(matches!(
            err("time_h,tps\n0,1\n2700000,1\n"),
            TraceError::TooLong { .. }
        ));
        assert_eq!(Trace::from_points(vec![0, u64::MAX - 1], vec![1.0, 1.0], false), None);
    }
}
