//! The command line end to end: determinism of written files (same seed, any thread count),
//! JSON scenarios, `new`, `validate`, `catalog`, and failures that write nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn greenloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
        .display()
        .to_string()
}

fn run_to(file: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", file, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = greenloop(&args);
    assert!(o.status.success(), "run failed: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

#[test]
fn same_seed_gives_identical_files_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario("card-network.toml");
    let dirs: Vec<PathBuf> = ["a", "b", "c"].iter().map(|d| tmp.path().join(d)).collect();
    run_to(&file, &dirs[0], &["--threads", "1"]);
    run_to(&file, &dirs[1], &["--threads", "2"]);
    run_to(&file, &dirs[2], &["--threads", "2"]);
    for name in ["summary.json", "timeseries.csv", "lifecycle.csv"] {
        let first = read(&dirs[0], name);
        assert!(!first.is_empty());
        for d in &dirs[1..] {
            assert!(first == read(d, name), "{name} differs between runs");
        }
    }
    // A different seed changes the results.
    let other = tmp.path().join("seed");
    run_to(&file, &other, &["--seed", "43"]);
    assert!(read(&dirs[0], "summary.json") != read(&other, "summary.json"));
}

#[test]
fn transaction_fidelity_is_deterministic_too() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario("mobile-payments.toml");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_to(&file, &a, &["--replications", "2", "--threads", "1"]);
    run_to(&file, &b, &["--replications", "2", "--threads", "2"]);
    assert!(read(&a, "summary.json") == read(&b, "summary.json"));
    assert!(read(&a, "timeseries.csv") == read(&b, "timeseries.csv"));
}

#[test]
fn summary_has_the_contract_keys_and_confidence_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    run_to(&scenario("card-network.toml"), tmp.path(), &[]);
    let s: serde_json::Value = serde_json::from_slice(&read(tmp.path(), "summary.json")).unwrap();
    for path in [
        "transactions.total",
        "transactions.dropped",
        "transactions.sla_violation_fraction",
        "latency_ms.mean",
        "latency_ms.p50",
        "latency_ms.p95",
        "latency_ms.p99",
        "latency_ms.p999",
        "energy_kwh.it",
        "energy_kwh.facility",
        "intensity.wh_per_tx",
        "intensity.gco2e_per_tx",
        "energy_kwh.solar",
        "energy_kwh.wind",
        "energy_kwh.battery_charge",
        "energy_kwh.battery_discharge",
        "energy_kwh.grid_import",
        "energy_kwh.grid_export",
        "energy_kwh.curtailed",
        "renewable_fraction",
        "hourly_cfe_fraction",
        "carbon_kg.operational",
        "carbon_kg.embodied",
        "carbon_kg.total",
        "cost.capex",
        "cost.opex",
        "cost.npv",
        "ewaste_kg.generated",
        "ewaste_kg.reused",
        "ewaste_kg.refurbished",
        "ewaste_kg.harvested",
        "ewaste_kg.recycled",
        "ewaste_kg.landfill",
        "ci95.energy_kwh.it",
        "ci95.latency_ms.p99",
        "ci95.carbon_kg.total",
    ] {
        let v = path.split('.').try_fold(&s, |node, k| node.get(k));
        assert!(
            v.and_then(serde_json::Value::as_f64).is_some_and(f64::is_finite),
            "missing or not a number: {path}"
        );
    }
    assert_eq!(s["replications"], 3);
    assert_eq!(s["scenario"], "card-network");
    // Facility energy is IT energy times the PUE.
    let (it, facility) = (
        s["energy_kwh"]["it"].as_f64().unwrap(),
        s["energy_kwh"]["facility"].as_f64().unwrap(),
    );
    assert!((facility / it - 1.4).abs() < 1e-9);
    // Total carbon is operational plus embodied; e-waste generated is the sum of its routes.
    let c = &s["carbon_kg"];
    let total = c["operational"].as_f64().unwrap() + c["embodied"].as_f64().unwrap();
    assert!((c["total"].as_f64().unwrap() - total).abs() < 1e-9 * total);
    let e = &s["ewaste_kg"];
    let routes: f64 = ["reused", "refurbished", "harvested", "recycled", "landfill"]
        .iter()
        .map(|k| e[k].as_f64().unwrap())
        .sum();
    assert!((e["generated"].as_f64().unwrap() - routes).abs() < 1e-9 * routes.max(1.0));
    // lifecycle.csv has one row per simulated year.
    let lifecycle = String::from_utf8(read(tmp.path(), "lifecycle.csv")).unwrap();
    assert!(lifecycle.starts_with("year,calendar_year,servers_in_service"));
    assert_eq!(lifecycle.lines().count(), 2);
    // The time series has a header with units and one row per 15-minute step.
    let csv = String::from_utf8(read(tmp.path(), "timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("time_h,duration_h,arrivals"));
    assert_eq!(lines.count(), 365 * 96);
}

#[test]
fn json_scenarios_give_the_same_results_as_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let toml_text = std::fs::read_to_string(scenario("bank.toml")).unwrap();
    let value: toml::Value = toml::from_str(&toml_text).unwrap();
    let json_path = tmp.path().join("bank.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let (a, b) = (tmp.path().join("toml"), tmp.path().join("json"));
    run_to(&scenario("bank.toml"), &a, &[]);
    run_to(json_path.to_str().unwrap(), &b, &[]);
    assert!(read(&a, "summary.json") == read(&b, "summary.json"));
}

#[test]
fn new_writes_a_starter_that_validates_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for kind in ["card-network", "bank", "e-wallet", "mobile-payments"] {
        let path = tmp.path().join(format!("{kind}-starter.toml"));
        let o = greenloop(&["new", path.to_str().unwrap(), "--kind", kind]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v = greenloop(&["validate", path.to_str().unwrap()]);
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
        run_to(path.to_str().unwrap(), &tmp.path().join(kind), &[]);
        // A second `new` refuses to overwrite.
        let again = greenloop(&["new", path.to_str().unwrap(), "--kind", kind]);
        assert_eq!(again.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    }
}

#[test]
fn validate_accepts_every_bundled_scenario() {
    for name in [
        "card-network.toml",
        "bank.toml",
        "e-wallet.toml",
        "mobile-payments.toml",
    ] {
        let o = greenloop(&["validate", &scenario(name)]);
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok:"));
    }
}

#[test]
fn catalog_lists_every_entry_with_a_source() {
    let o = greenloop(&["catalog", "--format", "json"]);
    assert!(o.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for part in ["servers", "storage", "network"] {
        let entries = doc[part].as_array().unwrap();
        assert!(entries.len() >= 2, "{part}");
        for e in entries {
            assert!(e["source"].as_str().is_some_and(|s| s.len() > 20), "{part}: {e}");
        }
    }
    let table = greenloop(&["catalog", "servers"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("dell-r7725-epyc-9965") && text.contains("dell-r620-xeon-e5-2670"));
}

#[test]
fn unwritable_output_folder_is_a_clear_error() {
    let o = greenloop(&[
        "run",
        &scenario("bank.toml"),
        "--out",
        "/proc/greenloop-cannot-write-here",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot write to the output folder") && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn very_long_transaction_runs_ask_for_flow_first() {
    let o = greenloop(&[
        "run",
        &scenario("card-network.toml"),
        "--fidelity",
        "transaction",
        "--out",
        "/tmp/never",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("transactions in `transaction` fidelity") && err.contains("fidelity = \"flow\""),
        "{err}"
    );
    assert!(!Path::new("/tmp/never").exists());
}
