//! Faults and limits: a full disk (an injected writer that fails like ENOSPC, and a real
//! 64 KB tmpfs where unprivileged mount namespaces are allowed), an output folder that
//! cannot be written, input files cut short (and a trace cut while it is being read),
//! SIGINT and SIGTERM during a run and during a sweep (no partial files; the sweep's
//! journal resumes to the same bytes), the long-run guard on the issue's example (a year at
//! 10,000 TPS in transaction fidelity), and the horizon limit with bounded memory.

mod common;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use greenloop::Error;
use greenloop::output::{OutputError, StagedOutput};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_greenloop")
}

fn greenloop(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Names in `dir`, sorted (temporary files included).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file under `dir`, recursively, relative to it.
fn all_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).unwrap();
    path.display().to_string()
}

// ---------------------------------------------------------------------------------------
// A full disk.

/// A week in flow fidelity at 15-minute steps: 672 rows of time series.
const WEEK: &str = r#"
name = "disk"
horizon = "7d"
[site]
latitude = 50.0
longitude = 8.0
[workload]
mean_tps = 400
profile = "bank"
[datacenter]
server = "dell-r740-xeon-8280"
count = 3
[solar]
capacity_kwp = 20
[lifecycle]
"#;

#[test]
fn a_full_disk_leaves_no_file_and_names_the_file_it_could_not_write() {
    let s = common::scenario(WEEK);
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    greenloop::runner::run_to_dir(&s, &full).unwrap();
    let size = |name: &str| std::fs::metadata(full.join(name)).unwrap().len();
    let (ts, lc, sj) = (size("timeseries.csv"), size("lifecycle.csv"), size("summary.json"));
    assert!(ts > 50_000, "the time series is {ts} bytes");
    let cases = [
        (0, "timeseries.csv"),
        (100, "timeseries.csv"),
        (ts / 2, "timeseries.csv"),
        (ts - 1, "timeseries.csv"),
        (ts + lc / 2, "lifecycle.csv"),
        (ts + lc + sj / 2, "summary.json"),
        (ts + lc + sj - 1, "summary.json"),
    ];
    for (i, (limit, file)) in cases.into_iter().enumerate() {
        // A folder the run creates, and one that holds an earlier result.
        let fresh = tmp.path().join(format!("fresh{i}"));
        let existing = tmp.path().join(format!("existing{i}"));
        std::fs::create_dir(&existing).unwrap();
        std::fs::write(existing.join("summary.json"), "earlier result\n").unwrap();
        for dir in [&fresh, &existing] {
            let out = StagedOutput::with_space_limit(dir, limit).unwrap();
            let err = greenloop::runner::run_into(&s, out).expect_err("the disk is full");
            match &err {
                Error::Output(OutputError::File { file: path, source }) => {
                    assert!(path.ends_with(file), "{limit} bytes: failed on {}", path.display());
                    assert_eq!(source.raw_os_error(), Some(libc::ENOSPC));
                }
                other => panic!("{limit} bytes: unexpected error {other:?}"),
            }
            assert_eq!(err.exit_code(), 2);
            let text = err.to_string();
            assert!(
                text.contains("No space left on device") && text.contains(file) && text.contains("fix:"),
                "{text}"
            );
        }
        assert!(!fresh.exists(), "{limit} bytes: the folder the run created is removed");
        assert_eq!(
            listing(&existing),
            ["summary.json"],
            "{limit} bytes: no temporary file left"
        );
        assert_eq!(
            std::fs::read_to_string(existing.join("summary.json")).unwrap(),
            "earlier result\n"
        );
    }
    println!(
        "disk full after 0 .. {} of {} bytes: no file left each time",
        ts + lc + sj - 1,
        ts + lc + sj
    );
    // Exactly enough space: the same bytes as without a limit.
    let exact = tmp.path().join("exact");
    let out = StagedOutput::with_space_limit(&exact, ts + lc + sj).unwrap();
    greenloop::runner::run_into(&s, out).unwrap();
    for name in ["timeseries.csv", "lifecycle.csv", "summary.json"] {
        assert!(std::fs::read(exact.join(name)).unwrap() == std::fs::read(full.join(name)).unwrap());
    }
}

/// Runs `script` in a private user and mount namespace with a tmpfs of `options` mounted
/// on `dir` (`$DIR` in the script, the binary `$BIN`); `None`, with the reason printed,
/// where that is not permitted.
fn in_private_tmpfs(dir: &Path, options: &str, script: &str) -> Option<Output> {
    let run = |script: &str| {
        Command::new("unshare")
            .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
            .arg(format!(
                "mount -t tmpfs -o {options} greenloop-test \"$DIR\" || exit 97\n{script}"
            ))
            .env("DIR", dir)
            .env("BIN", bin())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
    };
    match run("echo mounted") {
        Ok(o) if String::from_utf8_lossy(&o.stdout).trim() == "mounted" => Some(run(script).expect("unshare runs")),
        Ok(o) => {
            println!(
                "skipped: cannot mount a tmpfs in a private namespace here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            println!("skipped: no `unshare` here ({e})");
            None
        }
    }
}

#[test]
fn a_full_or_read_only_filesystem_is_a_clear_error_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let scenario = write(
        &tmp.path().join("quarter.toml"),
        &WEEK.replace("horizon = \"7d\"", "horizon = \"90d\""),
    );
    let sweep = write(
        &tmp.path().join("sweep.toml"),
        &format!(
            "{}\n[sweep]\n\"solar.capacity_kwp\" = [0, 10, 20, 40, 80, 160, 320]\n",
            WEEK.replace("horizon = \"7d\"", "horizon = \"2y\"\nstep = \"1h\"\nreplications = 4")
        ),
    );
    // A 64 KB disk: the run's 1.3 MB time series does not fit; the sweep's journal fills it.
    let script = format!(
        "\"$BIN\" run {scenario} --out \"$DIR/out\" --quiet; echo \"run exit $?\"; ls -A \"$DIR\"; \
         \"$BIN\" sweep {sweep} --out \"$DIR/sweep\" --quiet; echo \"sweep exit $?\"; ls -A \"$DIR/sweep\""
    );
    let Some(o) = in_private_tmpfs(&mnt, "size=64k", &script) else {
        return;
    };
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let err = stderr(&o);
    println!("64 KB tmpfs:\n{out}{err}");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("run exit 2"), "{out}\n{err}");
    assert_eq!(
        lines.next(),
        Some("sweep exit 2"),
        "the run left something behind:\n{out}"
    );
    // The sweep keeps its plan and the journal lines it could write (for --resume) and
    // writes no result or temporary file.
    let rest: Vec<&str> = lines.collect();
    assert!(
        rest.iter().all(|f| *f == "plan.json" || *f == "cells.jsonl"),
        "{rest:?}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("timeseries.csv") && err.contains("fix:"), "{err}");

    // Read-only: the output folder cannot be made.
    let script = format!("\"$BIN\" run {scenario} --out \"$DIR/out\" --quiet; echo \"exit $?\"");
    let o = in_private_tmpfs(&mnt, "ro,size=64k", &script).expect("mounted above");
    let err = stderr(&o);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "exit 2", "{err}");
    assert!(
        err.contains("cannot write to the output folder")
            && err.contains("Read-only file system")
            && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn an_output_folder_under_a_file_is_a_clear_error() {
    // Root may write anywhere, so a folder that cannot exist stands in for permissions.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("results");
    std::fs::write(&file, "not a folder").unwrap();
    let scenario = write(&tmp.path().join("week.toml"), WEEK);
    let out = file.join("run");
    let o = greenloop(&["run", &scenario, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("cannot write to the output folder")
            && err.contains(out.to_str().unwrap())
            && err.contains("fix:"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
    assert_eq!(listing(tmp.path()), ["results", "week.toml"]);
}

// ---------------------------------------------------------------------------------------
// Input files cut short.

/// A 49-row hourly trace (0 to 48 h; the last row holds for one more hour: 49 h).
fn trace_text() -> String {
    let mut t = String::from("time_h,tps\n");
    for h in 0..=48 {
        t += &format!("{h},{}\n", 200 + 7 * h);
    }
    t
}

fn trace_scenario(trace: &str) -> String {
    format!(
        "name = \"cut\"\nhorizon = \"49h\"\nstep = \"1h\"\n[workload]\ntrace = \"{trace}\"\n[datacenter]\nserver = \"dell-r740-xeon-8280\"\ncount = 2\n"
    )
}

#[test]
fn a_trace_cut_short_is_a_clear_error_naming_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let full = trace_text();
    let scenario = write(&tmp.path().join("cut.toml"), &trace_scenario("trace.csv"));
    let trace = tmp.path().join("trace.csv");
    let last_comma = full.rfind(',').unwrap();
    // Every cut in the header and the first rows, every cut in the last two rows, and a
    // cut in every middle row.
    let mut cuts: Vec<usize> = (0..40).collect();
    cuts.extend(full.len() - 16..full.len());
    cuts.extend((40..full.len() - 16).step_by(9));
    let (mut errors, mut valid) = (0, 0);
    for &cut in &cuts {
        let text = &full[..cut];
        std::fs::write(&trace, text).unwrap();
        let out = tmp.path().join(format!("out{cut}"));
        let o = greenloop(&["run", &scenario, "--out", out.to_str().unwrap(), "--quiet"]);
        // Only a cut inside the last rate, or of the final newline, leaves a valid trace
        // that still covers the horizon (a shorter number there cannot be told from data).
        if cut > last_comma + 1 {
            assert!(o.status.success(), "cut at {cut} ({text:?}): {}", stderr(&o));
            valid += 1;
            continue;
        }
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "cut at {cut}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains(trace.to_str().unwrap()),
            "cut at {cut}: the trace file is not named: {err}"
        );
        assert!(
            err.contains("cut.toml:5:") && err.contains("fix:"),
            "cut at {cut}: {err}"
        );
        // A row cut before its rate is malformed: the error names its line. A row cut
        // inside its rate reads as a smaller number; the trace is then too short.
        let partial = &text[text.rfind('\n').map_or(0, |i| i + 1)..];
        if cut > 11 && !partial.is_empty() && (!partial.contains(',') || partial.ends_with(',')) {
            let line = text.lines().count();
            assert!(
                err.contains(&format!("line {line}")),
                "cut at {cut} inside line {line} ({partial:?}): {err}"
            );
        } else if cut > 11 {
            assert!(
                err.contains("covers") || err.contains("data row"),
                "cut at {cut}: {err}"
            );
        }
        assert!(!out.exists(), "cut at {cut}: an output folder was made");
        errors += 1;
    }
    println!(
        "{} cuts: {errors} clear errors, {valid} valid (inside the last rate)",
        cuts.len()
    );
    assert!(errors > 60);
}

#[test]
fn a_named_pipe_as_trace_is_refused_without_blocking() {
    // A trace that could change or end while it is read (a named pipe) is refused before it
    // is opened (opening a FIFO blocks until a writer comes): data files must be regular
    // files, read whole; a file cut short is then a parse error naming its line (see
    // `a_trace_cut_short_is_a_clear_error_naming_the_file_and_line`).
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("trace.csv");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let scenario = write(&tmp.path().join("cut.toml"), &trace_scenario("trace.csv"));
    let out = tmp.path().join("out");
    let mut child = Command::new(bin())
        .args(["run", &scenario, "--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("greenloop blocked on a named pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(fifo.to_str().unwrap()) && err.contains("not a regular file") && err.contains("fix:"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn grid_and_weather_files_cut_short_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let grid = std::fs::read_to_string(root.join("scenarios/sites/grid/de-2018-hourly.csv")).unwrap();
    let weather = std::fs::read_to_string(root.join("scenarios/sites/weather/723170TYA.CSV")).unwrap();
    for (name, text, section, expect) in [
        // Half of the year, cut after the first comma of a row.
        (
            "grid-half.csv",
            {
                let mid = grid.len() / 2;
                grid[..mid + grid[mid..].find(',').unwrap() + 1].to_owned()
            },
            "[grid]\ncarbon_intensity = { file = \"grid-half.csv\" }",
            "line",
        ),
        // Whole rows only: a short year.
        (
            "grid-rows.csv",
            grid.lines().take(5000).map(|l| format!("{l}\n")).collect(),
            "[grid]\ncarbon_intensity = { file = \"grid-rows.csv\" }",
            "rows",
        ),
        (
            "weather-half.csv",
            weather[..weather.len() / 2].to_owned(),
            "[site]\nweather = \"weather-half.csv\"\n[solar]\ncapacity_kwp = 10",
            "weather-half.csv",
        ),
    ] {
        std::fs::write(tmp.path().join(name), &text).unwrap();
        let scenario = write(
            &tmp.path().join(format!("{name}.toml")),
            &format!("name = \"cut\"\nhorizon = \"2d\"\n[workload]\nmean_tps = 100\n{section}\n"),
        );
        let out = tmp.path().join("out");
        let o = greenloop(&["run", &scenario, "--out", out.to_str().unwrap()]);
        let err = stderr(&o);
        println!("{name}: {}", err.lines().next().unwrap_or(""));
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains(expect) && err.contains("fix:"),
            "{name}: {err}"
        );
        assert!(!out.exists());
    }
}

// ---------------------------------------------------------------------------------------
// SIGINT and SIGTERM.

fn send(child: &Child, signal: i32) {
    // SAFETY: kill(2) on a child we spawned and have not waited for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
}

/// Waits for `child` at most `limit`; kills it and fails past that.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).unwrap();
            }
            return (status.code(), err, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not stop within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A day of every transaction at 3,000 TPS (about 260 million, under the long-run guard):
/// about a minute uninterrupted.
const LONG_RUN: &str = r#"
name = "long"
horizon = "1d"
step = "15m"
fidelity = "transaction"
replications = 2
[workload]
mean_tps = 3000
[datacenter]
server = "dell-r740-xeon-8280"
count = 4
"#;

/// Starts `LONG_RUN` into `<tmp>/out` (holding an earlier `summary.json` if `earlier`) and
/// returns once it has been running 0.3 s: (the temporary folder, the output folder, the
/// process).
fn start_long_run(earlier: bool) -> (tempfile::TempDir, PathBuf, Child) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(&tmp.path().join("long.toml"), LONG_RUN);
    let out = tmp.path().join("out");
    if earlier {
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("summary.json"), "earlier result\n").unwrap();
    }
    let child = Command::new(bin())
        .args(["run", &scenario, "--out", out.to_str().unwrap(), "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The run has started when its staged time series exists.
    wait_until("the staged time series", Duration::from_secs(20), || {
        out.is_dir() && listing(&out).iter().any(|f| f.starts_with(".timeseries.csv."))
    });
    std::thread::sleep(Duration::from_millis(300));
    (tmp, out, child)
}

fn interrupted_run(signal: i32, code: i32, name: &str, earlier: bool) {
    let (_tmp, out, child) = start_long_run(earlier);
    send(&child, signal);
    let (status, err, took) = finish(child, Duration::from_secs(20));
    println!(
        "{name} after 0.3 s of the run: exit {status:?} {took:?} after the signal: {}",
        err.trim()
    );
    assert_eq!(status, Some(code), "{err}");
    assert!(
        err.contains(&format!("interrupted by {name}")) && err.contains("nothing written"),
        "{err}"
    );
    if earlier {
        assert_eq!(listing(&out), ["summary.json"], "no partial or temporary file");
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "earlier result\n"
        );
    } else {
        assert!(!out.exists(), "the folder the run created is removed");
    }
    assert!(took < Duration::from_secs(5), "stopping took {took:?}");
}

#[test]
fn sigint_during_a_run_writes_nothing_and_exits_130() {
    interrupted_run(libc::SIGINT, 130, "SIGINT", false);
}

#[test]
fn sigterm_during_a_run_keeps_the_earlier_results_and_exits_143() {
    interrupted_run(libc::SIGTERM, 143, "SIGTERM", true);
}

#[test]
fn sighup_during_a_run_writes_nothing_and_exits_129() {
    // A closed terminal or SSH session.
    interrupted_run(libc::SIGHUP, 129, "SIGHUP", true);
}

#[test]
fn a_second_signal_ends_the_run_at_once_without_a_partial_result() {
    // The run is stopped (SIGSTOP) while SIGINT and then SIGTERM are sent, so both are
    // delivered back to back when it continues, before the run loop can see the first:
    // the second ends the process from its handler with 128 + its number, without the
    // clean stop's message. No file may appear under a result's name (only the hidden staged
    // ones may be left), and an earlier result stays as it was.
    let (_tmp, out, child) = start_long_run(true);
    send(&child, libc::SIGSTOP);
    send(&child, libc::SIGINT);
    send(&child, libc::SIGTERM);
    send(&child, libc::SIGCONT);
    let (status, err, took) = finish(child, Duration::from_secs(20));
    let visible: Vec<String> = listing(&out).into_iter().filter(|f| !f.starts_with('.')).collect();
    println!(
        "SIGINT then SIGTERM: exit {status:?} {took:?} after SIGCONT; visible files {visible:?}; stderr {:?}",
        err.trim()
    );
    // Which of the two is handled first is the kernel's choice (any thread may take a
    // signal); the other ends the process with its own code.
    assert!(matches!(status, Some(130) | Some(143)), "{status:?}: {err}");
    assert!(!err.contains("interrupted by"), "the clean stop ran: {err}");
    assert_eq!(visible, ["summary.json"], "no partial result");
    assert_eq!(
        std::fs::read_to_string(out.join("summary.json")).unwrap(),
        "earlier result\n"
    );
    assert!(
        listing(&out).iter().all(|f| f == "summary.json" || f.ends_with(".tmp")),
        "{:?}",
        listing(&out)
    );
    assert!(took < Duration::from_secs(2), "stopping took {took:?}");
}

/// 12 variants x 2 replications of `years` each.
fn sweep_file(dir: &Path, years: u32) -> String {
    write(
        &dir.join(format!("sweep{years}.toml")),
        &format!(
            r#"
name = "fault-sweep"
horizon = "{years}y"
step = "1h"
start = "2020-01-06"
seed = 11
replications = 2
[site]
latitude = 50.0
longitude = 8.0
[workload]
mean_tps = 800
profile = "card-network"
[datacenter]
server = "dell-r740-xeon-8280"
sizing = {{ target_utilization = 0.6, redundancy = 1 }}
[solar]
capacity_kwp = 50
[battery]
capacity_kwh = 100
[lifecycle]
refresh = {{ policy = "fixed-age", age_years = 3 }}
initial_age = "staggered"
[sweep]
"solar.capacity_kwp" = [0, 50, 100, 200]
"lifecycle.end_of_life" = ["linear", "industry", "circular"]
"#
        ),
    )
}

fn sweep_outputs(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("sweep.csv")).unwrap(),
        std::fs::read(dir.join("sweep.json")).unwrap(),
    )
}

fn journal_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("cells.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn sigint_during_a_sweep_keeps_the_journal_and_resume_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), 20);
    let reference = tmp.path().join("reference");
    let o = greenloop(&["sweep", &file, "--out", reference.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let out = tmp.path().join("interrupted");
    let child = Command::new(bin())
        .args(["sweep", &file, "--out", out.to_str().unwrap(), "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("plan.json", Duration::from_secs(30), || out.join("plan.json").exists());
    std::thread::sleep(Duration::from_millis(1200));
    send(&child, libc::SIGINT);
    let (status, err, took) = finish(child, Duration::from_secs(20));
    let kept = journal_lines(&out);
    println!("SIGINT 1.2 s into the sweep: exit {status:?} {took:?} later, {kept} of 24 runs kept: {err}");
    assert_eq!(status, Some(130), "{err}");
    assert!(
        err.contains("interrupted by SIGINT") && err.contains("--resume"),
        "{err}"
    );
    assert!(err.contains(&format!("{kept} of 24 runs are finished")), "{err}");
    assert!((1..24).contains(&kept), "{kept} runs in the journal");
    assert!(!out.join("sweep.csv").exists() && !out.join("sweep.json").exists());
    assert_eq!(listing(&out), ["cells.jsonl", "plan.json"]);
    // Every kept line is a whole cell.
    for line in std::fs::read_to_string(out.join("cells.jsonl")).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["metrics"]["energy_kwh"]["it"].as_f64().is_some_and(|e| e > 0.0));
    }
    let resume_line = err.lines().find(|l| l.contains("--resume")).unwrap();
    assert!(
        resume_line.contains(&file) && resume_line.contains(out.to_str().unwrap()),
        "{resume_line}"
    );
    let o = greenloop(&["sweep", &file, "--out", out.to_str().unwrap(), "--resume", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        sweep_outputs(&out) == sweep_outputs(&reference),
        "resumed outputs differ"
    );
}

#[test]
fn sigterm_during_a_sweep_with_run_folders_keeps_whole_variants() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), 2);
    let reference = tmp.path().join("reference");
    let o = greenloop(&["sweep", &file, "--out", reference.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let out = tmp.path().join("interrupted");
    let child = Command::new(bin())
        .args([
            "sweep",
            &file,
            "--out",
            out.to_str().unwrap(),
            "--threads",
            "1",
            "--keep-runs",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Two variants (4 runs) journaled: stop in the middle of the third.
    wait_until("4 journal lines", Duration::from_secs(30), || journal_lines(&out) >= 4);
    send(&child, libc::SIGTERM);
    let (status, err, took) = finish(child, Duration::from_secs(20));
    let kept = journal_lines(&out);
    println!("SIGTERM after 2 variants with --keep-runs: exit {status:?} {took:?} later, {kept} runs kept");
    assert_eq!(status, Some(143), "{err}");
    assert!(
        err.contains("interrupted by SIGTERM") && err.contains("--resume"),
        "{err}"
    );
    assert!(kept < 24 && kept % 2 == 0, "{kept} runs: whole variants only");
    // The run folders written are whole; no temporary file anywhere.
    let files = all_files(&out);
    assert!(files.iter().all(|f| !f.contains(".tmp")), "{files:?}");
    let variants = listing(&out.join("runs"));
    assert_eq!(variants.len(), kept / 2, "{variants:?}");
    for v in &variants {
        assert_eq!(
            listing(&out.join("runs").join(v)),
            ["lifecycle.csv", "summary.json", "timeseries.csv"]
        );
    }
    let o = greenloop(&[
        "sweep",
        &file,
        "--out",
        out.to_str().unwrap(),
        "--resume",
        "--keep-runs",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        sweep_outputs(&out) == sweep_outputs(&reference),
        "resumed outputs differ"
    );
}

// ---------------------------------------------------------------------------------------
// Limits.

#[test]
fn a_year_at_10000_tps_in_transaction_fidelity_gets_an_estimate_and_a_pointer_to_flow() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "name = \"big\"\nhorizon = \"1y\"\nfidelity = \"transaction\"\n[workload]\nmean_tps = 10000\n[datacenter]\nserver = \"dell-r7525-epyc-7702\"\ncount = 40\n";
    let file = write(&tmp.path().join("big.toml"), text);
    let sweep = write(
        &tmp.path().join("big-sweep.toml"),
        &format!("{text}[sweep]\n\"datacenter.count\" = [40, 50]\n"),
    );
    let out = tmp.path().join("out");
    for args in [
        vec!["run", file.as_str(), "--out", out.to_str().unwrap()],
        vec![
            "run",
            file.as_str(),
            "--out",
            out.to_str().unwrap(),
            "--replications",
            "3",
        ],
        vec!["sweep", sweep.as_str(), "--out", out.to_str().unwrap()],
    ] {
        let started = Instant::now();
        let o = greenloop(&args);
        let took = started.elapsed();
        let err = stderr(&o);
        println!("{}: {took:?}: {}", args[0], err.lines().next().unwrap_or(""));
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(took < Duration::from_secs(10), "answered in {took:?}");
        // 10,000 TPS x 31,536,000 s = 3.154e11 transactions per replication, about 17.5
        // hours at the estimate's 5 million per second.
        let total = if args.contains(&"3") { "9.461e11" } else { "3.154e11" };
        assert!(
            err.contains(&format!("about {total} transactions in `transaction` fidelity")),
            "{err}"
        );
        let minutes = if args.contains(&"3") { "3154 min" } else { "1051 min" };
        assert!(err.contains(minutes), "{err}");
        assert!(
            err.contains("fidelity = \"flow\"") && err.contains("--allow-long") && err.contains("big"),
            "{err}"
        );
        assert!(!out.exists(), "nothing written");
    }
}

/// Runs the binary and returns (exit code, peak resident memory in KB) of that child.
fn run_measuring_memory(args: &[&str]) -> (Option<i32>, i64) {
    // Reaped by wait4 below, which also gives its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be filled in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid with valid out pointers; std's Child is not
    // waited for afterwards.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss)
}

#[test]
fn a_hundred_year_flow_run_keeps_memory_flat_and_longer_horizons_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = |h: &str, step: &str| {
        format!(
            "name = \"century\"\nhorizon = \"{h}\"\nstep = \"{step}\"\n[workload]\nmean_tps = 500\nprofile = \"card-network\"\n[datacenter]\nserver = \"dell-r7525-epyc-7702\"\ncount = 2\n[lifecycle]\n"
        )
    };
    let mut peaks = Vec::new();
    for h in ["1y", "100y"] {
        let file = write(&tmp.path().join(format!("{h}.toml")), &text(h, "1h"));
        let out = tmp.path().join(h);
        let started = Instant::now();
        let (code, peak_kb) = run_measuring_memory(&["run", &file, "--out", out.to_str().unwrap(), "--quiet"]);
        assert_eq!(code, Some(0));
        let rows = std::io::BufReader::new(std::fs::File::open(out.join("timeseries.csv")).unwrap())
            .lines()
            .count()
            - 1;
        println!(
            "{h} at hourly steps: {rows} rows in {:.1} s, peak memory {:.1} MB",
            started.elapsed().as_secs_f64(),
            peak_kb as f64 / 1024.0
        );
        assert_eq!(rows, if h == "1y" { 8_760 } else { 876_000 });
        let lifecycle = std::fs::read_to_string(out.join("lifecycle.csv")).unwrap();
        assert_eq!(lifecycle.lines().count(), if h == "1y" { 2 } else { 101 });
        peaks.push(peak_kb);
        std::fs::remove_dir_all(&out).unwrap();
    }
    assert!(
        peaks[1] < peaks[0] + 16 * 1024,
        "peak memory grows with the horizon: {} KB for a year, {} KB for a century",
        peaks[0],
        peaks[1]
    );
    for (h, step, expect) in [
        ("101y", "1h", "horizon 101y is not between 1 ns and 100 years"),
        ("100y", "1m", "52560000 steps over the horizon is more than 5000000"),
    ] {
        let file = write(&tmp.path().join("refused.toml"), &text(h, step));
        let out = tmp.path().join("refused");
        let o = greenloop(&["run", &file, "--out", out.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(expect) && err.contains("refused.toml:") && err.contains("fix:"),
            "{err}"
        );
        assert!(!out.exists());
    }
}
