//! Sweeps: variants from a `[sweep]` table, identical output at any thread count, and bad
//! sweeps rejected before anything runs.

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
    assert!(text.starts_with("4 variants x 2 replications"), "{text}");
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
        ("mode = \"random\"\n\"solar.capacity_kwp\" = [10]", "unknown sweep mode"),
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
