//! Sweeps: variants from a `[sweep]` table; identical output at any thread count, as merged
//! shards and after an interrupted run is resumed; common random numbers tighten paired
//! differences; bad sweeps rejected before anything runs.

use std::path::Path;
use std::process::{Command, Output};

fn greenloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// A small, fast sweep: 2 server models x 2 refresh ages, 2 replications, 3 years.
fn sweep_text(sweep: &str) -> String {
    format!(
        r#"
name = "small-sweep"
horizon = "3y"
step = "1h"
start = "2016-01-04"
seed = 3
replications = 2
[workload]
mean_tps = 300
profile = "bank"
[datacenter]
server = "dell-r730-xeon-e5-2699v3"
sizing = {{ target_utilization = 0.6, redundancy = 1 }}
power_management = {{ policy = "consolidate", target_utilization = 0.6, headroom = 0.25, interval = "15m" }}
[lifecycle]
refresh = {{ policy = "fixed-age", age_years = 3 }}
initial_age = "staggered"
[sweep]
{sweep}
"#
    )
}

fn write(dir: &Path, text: &str) -> String {
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_sweep_gives_identical_files_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        &sweep_text(
            "\"datacenter.server\" = [\"dell-r730-xeon-e5-2699v3\", \"dell-r740-xeon-8180\"]\n\"lifecycle.refresh.age_years\" = [2, 4]",
        ),
    );
    let list = greenloop(&["sweep", &file, "--list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.starts_with("4 variants x 2 replications (grid)"), "{text}");
    assert!(
        text.contains("datacenter.server=dell-r740-xeon-8180 lifecycle.refresh.age_years=4"),
        "{text}"
    );
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("out{threads}"));
        let o = greenloop(&[
            "sweep",
            &file,
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outputs.push((
            std::fs::read(out.join("sweep.csv")).unwrap(),
            std::fs::read(out.join("sweep.json")).unwrap(),
        ));
    }
    assert!(outputs[0] == outputs[1], "sweep outputs differ between 1 and 2 threads");
    let csv = String::from_utf8(outputs[0].0.clone()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..3],
        ["variant", "datacenter.server", "lifecycle.refresh.age_years"]
    );
    assert!(header.contains(&"carbon_kg.total") && header.contains(&"carbon_kg.total_ci95"));
    assert_eq!(lines.count(), 4);
    // Refreshing every 2 years buys more servers than every 4 (same model, same streams).
    let json: serde_json::Value = serde_json::from_slice(&outputs[0].1).unwrap();
    let bought = |v: usize| {
        json["variants"][v]["metrics"]["lifecycle"]["servers_bought"]
            .as_f64()
            .unwrap()
    };
    assert!(bought(0) > bought(1), "{} vs {}", bought(0), bought(1));
}

#[test]
fn bad_sweeps_are_rejected_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    for (sweep, expect) in [
        ("\"lifecycle.refresh.agee_years\" = [3, 4]", "unknown key `agee_years`"),
        ("\"solar.capacity_kwp\" = []", "is empty"),
        ("\"solar.capacity_kwp\" = 40", "is not a list"),
        ("\"solar.capacity_kwp\" = [40, -5]", "solar.capacity_kwp"),
        (
            "mode = \"zip\"\n\"solar.capacity_kwp\" = [10, 20]\n\"lifecycle.refresh.age_years\" = [3]",
            "equal length",
        ),
        ("mode = \"sobol\"\n\"solar.capacity_kwp\" = [10]", "unknown sweep mode"),
        (
            "mode = \"random\"\n\"solar.capacity_kwp\" = { min = 0, max = 50 }",
            "needs `samples`",
        ),
        ("\"solar.capacity_kwp\" = { min = 0, max = 50 }", "is a range"),
        (
            "\"solar.capacity_kwp\" = [10, 20]\nbaseline = { \"solar.capacity_kwp\" = 10, \"seed\" = 3 }",
            "not swept",
        ),
        (
            "\"datacenter.server\" = [\"dell-r740-xeon-8280\", \"dell-r999\"]",
            "no server \"dell-r999\"",
        ),
    ] {
        let file = write(tmp.path(), &sweep_text(sweep));
        let out = tmp.path().join("never");
        let o = greenloop(&["sweep", &file, "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{sweep}: {err}");
        assert!(err.contains(expect), "{sweep}: expected {expect:?} in:\n{err}");
        assert!(err.contains("sweep.toml"), "the error names the file: {err}");
        assert!(!out.exists(), "{sweep}: nothing may be written");
    }
}

fn run_sweep(file: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", file, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    greenloop(&args)
}

#[test]
fn shards_merge_and_resumed_runs_give_the_single_run_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        &sweep_text(
            "\"lifecycle.refresh.age_years\" = [2, 3, 4]\n\"lifecycle.end_of_life\" = [\"linear\", \"circular\"]",
        ),
    );
    let single = tmp.path().join("single");
    assert!(run_sweep(&file, &single, &["--threads", "2"]).status.success());
    let expected = (
        std::fs::read(single.join("sweep.csv")).unwrap(),
        std::fs::read(single.join("sweep.json")).unwrap(),
    );

    // Three shards, then merge.
    let mut parts = Vec::new();
    for i in 0..3 {
        let dir = tmp.path().join(format!("part{i}"));
        let o = run_sweep(&file, &dir, &["--shard", &format!("{i}/3")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!dir.join("sweep.csv").exists(), "a shard writes only its cells");
        parts.push(dir.to_str().unwrap().to_owned());
    }
    // Merging two of three shards is an error that names the missing results.
    let partial = tmp.path().join("partial");
    let o = greenloop(&[
        "merge",
        &parts[0],
        &parts[1],
        "--out",
        partial.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("are missing"));
    assert!(!partial.join("sweep.csv").exists());
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap(), "--quiet"]);
    let o = greenloop(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read(merged.join("sweep.csv")).unwrap() == expected.0,
        "merged sweep.csv differs"
    );
    assert!(
        std::fs::read(merged.join("sweep.json")).unwrap() == expected.1,
        "merged sweep.json differs"
    );

    // Interrupted after 5 of 12 runs, then resumed.
    let resumed = tmp.path().join("resumed");
    let o = run_sweep(&file, &resumed, &["--stop-after", "5", "--threads", "1"]);
    assert_eq!(o.status.code(), Some(2), "the stop is reported");
    assert!(
        !resumed.join("sweep.csv").exists(),
        "an interrupted sweep writes no results"
    );
    let journal = std::fs::read_to_string(resumed.join("cells.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 5);
    // A crash in the middle of a line leaves half a line; resuming reruns that cell.
    let cut = journal.len() - 100;
    std::fs::write(resumed.join("cells.jsonl"), &journal[..cut]).unwrap();
    let o = run_sweep(&file, &resumed, &["--resume", "--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read(resumed.join("sweep.csv")).unwrap() == expected.0,
        "resumed sweep.csv differs"
    );
    assert!(
        std::fs::read(resumed.join("sweep.json")).unwrap() == expected.1,
        "resumed sweep.json differs"
    );
}

#[test]
fn shard_and_resume_mistakes_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), &sweep_text("\"lifecycle.refresh.age_years\" = [2, 3]"));
    for (shard, expect) in [
        ("3/3", "between 0 and 2"),
        ("1/0", "between 0 and"),
        ("a/b", "write the shard as I/N"),
    ] {
        let o = run_sweep(&file, &tmp.path().join("x"), &["--shard", shard]);
        assert_eq!(o.status.code(), Some(2), "{shard}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(expect),
            "{shard}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = run_sweep(&file, &tmp.path().join("empty"), &["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no sweep to resume"));
}

/// Mean and 95 % half-width.
fn mean_ci(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    // t(0.975, 7) = 2.365
    (m, 2.365 * (var / n).sqrt())
}

#[test]
fn common_random_numbers_make_paired_differences_tight() {
    // Two server models, 8 replications: the paired difference (same arrivals, same
    // weather, same failures in each replication) has a narrower CI than the unpaired one.
    let tmp = tempfile::tempdir().unwrap();
    let text = sweep_text("\"datacenter.server\" = [\"dell-r740-xeon-8280\", \"dell-r7525-epyc-7702\"]\nbaseline = { \"datacenter.server\" = \"dell-r740-xeon-8280\" }")
        .replace("replications = 2", "replications = 8")
        .replace("horizon = \"3y\"", "horizon = \"60d\"")
        .replace(
            "profile = \"bank\"",
            "profile = \"bank\"\n[workload.random_bursts]\nper_year = 40\nduration = \"6h\"\nmultiplier_min = 1.5\nmultiplier_max = 3.0",
        );
    let file = write(tmp.path(), &text);
    let out = tmp.path().join("crn");
    let o = run_sweep(&file, &out, &["--keep-runs"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let energy = |v: usize| -> Vec<f64> {
        let journal = std::fs::read_to_string(out.join("cells.jsonl")).unwrap();
        let mut cells: Vec<(u64, f64)> = journal
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|c| c["variant"] == v)
            .map(|c| {
                (
                    c["replication"].as_u64().unwrap(),
                    c["metrics"]["energy_kwh"]["it"].as_f64().unwrap(),
                )
            })
            .collect();
        cells.sort_by_key(|c| c.0);
        cells.into_iter().map(|c| c.1).collect()
    };
    let (a, b) = (energy(0), energy(1));
    let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    let (_, ha) = mean_ci(&a);
    let (_, hb) = mean_ci(&b);
    let (d, hd) = mean_ci(&diffs);
    let unpaired = (ha * ha + hb * hb).sqrt();
    println!("IT energy difference {d:.1} kWh: paired CI ±{hd:.2}, unpaired ±{unpaired:.2}");
    assert!(
        hd < 0.5 * unpaired,
        "paired ±{hd} is not much tighter than unpaired ±{unpaired}"
    );
    // sweep.csv reports the same paired difference.
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(2).unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "energy_kwh.it_diff")
        .expect("diff column");
    let reported: f64 = row[col].parse().unwrap();
    assert!((reported - d).abs() < 1e-9 * d.abs().max(1.0), "{reported} vs {d}");
    // --keep-runs wrote each variant's folder.
    for v in ["v0000", "v0001"] {
        for f in ["summary.json", "timeseries.csv", "lifecycle.csv"] {
            assert!(out.join("runs").join(v).join(f).exists(), "{v}/{f}");
        }
    }
}

#[test]
fn latin_hypercube_sweeps_sample_ranges() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        &sweep_text(
            "mode = \"latin-hypercube\"\nsamples = 6\n\"lifecycle.refresh.age_years\" = { min = 2, max = 7 }\n\"workload.mean_tps\" = { min = 100.0, max = 400.0 }",
        ),
    );
    let list = greenloop(&["sweep", &file, "--list"]);
    let text = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(
        text.starts_with("6 variants x 2 replications (latin-hypercube)"),
        "{text}"
    );
    let mut ages: Vec<i64> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split("age_years=")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    ages.sort_unstable();
    assert_eq!(ages, [2, 3, 4, 5, 6, 7], "each of the 6 integer strata once");
}
