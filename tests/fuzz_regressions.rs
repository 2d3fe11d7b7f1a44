//! Regression tests for what fuzzing (`fuzz/`, see fuzz/README.md) and the review of its
//! targets found. Each test feeds the exact input through the same library function as the
//! fuzz target and asserts the error a user gets instead of a panic, a hang or an
//! exhausted memory.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use greenloop::scenario::{Format, ScenarioErrors, load_str};
use greenloop::weather::{WeatherError, read_epw, read_tmy3};
use greenloop::workload::trace::{Trace, TraceError};

fn start() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 6)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date")
}

/// Loads TOML scenario text as the `scenario_toml` target does (relative paths from
/// `scenarios/`), and fails the test if validation takes longer than a second.
fn load_toml(text: &str) -> Result<greenloop::Scenario, ScenarioErrors> {
    let base_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let t0 = Instant::now();
    let result = load_str(text, Format::Toml, "fuzz.toml", "fuzz", &base_dir);
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "validation took {:?}",
        t0.elapsed()
    );
    result
}

fn messages(errors: &ScenarioErrors) -> String {
    errors.0.iter().map(|e| format!("{e}\n")).collect()
}

// trace_csv: the end of a trace (last row plus the interval before it) overflowed u64
// nanoseconds: a panic with overflow checks, a wrapped-around end time without.
#[test]
fn trace_ending_past_u64_nanoseconds_is_an_error() {
    let input = b"time_h,tps\n0,1\n2700000,1\n";
    let err = Trace::from_csv(&input[..], start(), false).unwrap_err();
    assert!(matches!(err, TraceError::TooLong { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("584 years"), "{message}");
    assert!(message.contains("2700000 h"), "{message}");
    // Just inside the limit still reads, and ends where it should.
    let ok = Trace::from_csv(&b"time_h,tps\n0,1\n2500000,1\n"[..], start(), true).unwrap();
    assert_eq!(ok.end_ns(), 2 * 2_500_000 * 3_600_000_000_000);
}

// trace_csv, found by the fuzzer (crash-dc98266f973bd62d849bfce383f4e0e4243061a8): a
// repeating trace with its last row at 2,111,118 h (so 4,222,236 h, 482 years, long) asked
// for its rate just after its end: the end of that piece, 6,333,354 h, overflowed u64
// nanoseconds in `segment_at`.
#[test]
fn repeating_trace_queried_past_u64_nanoseconds_saturates() {
    let input = b"time_h,tps\n00,04\n2111118,0\n";
    let trace = Trace::from_csv(&input[..], start(), true).unwrap();
    let end = trace.end_ns();
    assert_eq!(end, 2 * 2_111_118 * 3_600_000_000_000);
    assert_eq!(trace.segment_at(end + 1), (4.0, u64::MAX));
    assert_eq!(trace.segment_at(0), (4.0, end / 2));
}

// A scenario may name any path as a data file. A device that never ends (/dev/zero) made
// validation read until memory ran out; a FIFO made it block forever.
#[cfg(unix)]
#[test]
fn data_files_that_never_end_are_refused() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    for (text, key) in [
        ("[workload]\ntrace = \"/dev/zero\"\n", "workload.trace"),
        (
            "[workload]\nmean_tps = 10\n\n[site]\nweather = \"/dev/zero\"\n",
            "site.weather",
        ),
        (
            "[workload]\nmean_tps = 10\n\n[grid]\ncarbon_intensity = { file = \"/dev/zero\" }\n",
            "grid.carbon_intensity",
        ),
        // A folder is not a data file either.
        ("[workload]\ntrace = \"sites\"\n", "workload.trace"),
    ] {
        let errors = load_toml(text).unwrap_err();
        let error = errors
            .0
            .iter()
            .find(|e| e.key == key)
            .unwrap_or_else(|| panic!("no error at {key}: {}", messages(&errors)));
        assert!(error.message.contains("not a regular file"), "{error}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_as_trace_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("trace.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this machine
    }
    let (send, receive) = std::sync::mpsc::channel();
    let base_dir = dir.path().to_owned();
    std::thread::spawn(move || {
        let text = "[workload]\ntrace = \"trace.csv\"\n";
        let _ = send.send(load_str(text, Format::Toml, "fuzz.toml", "fuzz", &base_dir).map(|_| ()));
    });
    match receive.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => {
            let message = messages(&result.unwrap_err());
            assert!(message.contains("not a regular file"), "{message}");
        }
        Err(_) => {
            // Unblock the reader (opening the write end lets its open return) and fail.
            drop(std::fs::OpenOptions::new().write(true).open(&fifo));
            panic!("validation blocked on a FIFO named as trace file");
        }
    }
}

// A repeating trace with microsecond rows over a year made validation's peak scan go
// through 3e13 pieces (minutes to days). Now at most 5,000,000 rate changes over the horizon.
#[test]
fn a_fine_trace_repeated_over_a_long_horizon_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fine.csv"), "time_s,tps\n0,1\n0.000001,2\n").unwrap();
    let text = "horizon = \"1y\"\n[workload]\ntrace = { file = \"fine.csv\", repeat = true }\n";
    let t0 = Instant::now();
    let errors = load_str(text, Format::Toml, "fuzz.toml", "fuzz", dir.path()).unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(1), "took {:?}", t0.elapsed());
    let message = messages(&errors);
    assert!(message.contains("more than 5000000"), "{message}");
    assert!(message.contains("coarser trace"), "{message}");
    // A one-second trace repeated over a week is fine (604,800 pieces).
    std::fs::write(dir.path().join("fine.csv"), "time_s,tps\n0,1\n1,2\n").unwrap();
    let week = text.replace("1y", "7d");
    load_str(&week, Format::Toml, "fuzz.toml", "fuzz", dir.path()).unwrap();
}

// weather_csv: the site header of a TMY3 or EPW file was not range-checked, so a file with a
// latitude of NaN (which parses as a float) or 1000 degrees was accepted as the site.
#[test]
fn weather_file_site_headers_are_range_checked() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sites/weather/723170TYA.CSV");
    let tmy3 = std::fs::read_to_string(path).unwrap();
    assert!(read_tmy3(&tmy3, "723170TYA.CSV").is_ok());
    let (meta, rest) = tmy3.split_once('\n').unwrap();
    assert!(meta.contains(",36.100,"), "{meta}");
    for (bad, expect) in [
        ("NaN", "is NaN"),
        ("inf", "is inf"),
        ("1000", "is 1000, expected -90..=90"),
    ] {
        let text = format!("{}\n{rest}", meta.replace(",36.100,", &format!(",{bad},")));
        let err = read_tmy3(&text, "bad.csv").unwrap_err();
        let WeatherError::Header { line: 1, message } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("latitude") && message.contains(expect), "{message}");
    }
    let epw = "LOCATION,X,NC,USA,TMY3,723170,36.1,-79.95,NaN,273.0\n";
    let err = read_epw(epw, "bad.epw").unwrap_err().to_string();
    assert!(err.contains("time zone") && err.contains("NaN"), "{err}");
}
