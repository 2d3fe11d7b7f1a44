//! Plots, the HTML report and the plain-words explanation, end to end through the binary.

use std::path::Path;
use std::process::{Command, Output};

fn greenloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let o = greenloop(args);
    assert!(
        o.status.success(),
        "greenloop {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Share of pixels that are not near-white.
fn ink(png: &Path) -> f64 {
    let bytes = std::fs::read(png).unwrap();
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&bytes).expect("a valid PNG");
    let data = pixmap.data();
    let drawn = data
        .chunks(4)
        .filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200)
        .count();
    drawn as f64 / (data.len() / 4) as f64
}

#[test]
fn a_run_gets_every_plot_and_a_self_contained_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let text = ok(&[
        "run",
        "scenarios/card-network.toml",
        "--out",
        out.to_str().unwrap(),
        "--plots",
        "--report",
        "--week",
        "27",
    ]);
    assert!(text.contains("report.html"), "{text}");
    let expected = [
        ("week_supply", "power (kW)"),
        ("battery_soc", "stored energy (kWh)"),
        ("carbon_and_import", "grid import (kW)"),
        ("daily_energy", "energy (kWh per day)"),
        ("monthly_renewable", "share of demand (%)"),
        ("latency_cdf", "latency (ms, log scale)"),
        ("utilization", "servers awake"),
        ("fleet_age", "servers"),
        ("ewaste_routes", "mass (kg)"),
        ("carbon_by_year", "tCO2e"),
    ];
    for (name, axis) in expected {
        let svg = std::fs::read_to_string(out.join("plots").join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains(axis), "{name}.svg lacks its axis label {axis:?}");
        assert!(svg.contains("<text"), "{name}.svg has no text");
        let drawn = ink(&out.join("plots").join(format!("{name}.png")));
        assert!(drawn > 0.02, "{name}.png is nearly blank ({drawn:.3})");
    }
    let week = std::fs::read_to_string(out.join("plots/week_supply.svg")).unwrap();
    assert!(week.contains("Week 27"), "--week picks the week");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), expected.len(), "every plot inline");
    for external in ["<script", "src=\"http", "href=\"http", "<link", "<img"] {
        assert!(
            !html.contains(external),
            "the report must be self-contained: found {external}"
        );
    }
    assert!(html.contains("The scenario") && html.contains("Headline results") && html.contains("total carbon"));
}

#[test]
fn sweep_plots_and_report_show_the_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let sweep = tmp.path().join("ages.toml");
    let base = std::fs::read_to_string("scenarios/card-network-lifecycle.toml").unwrap();
    let text = base
        .replace(
            "sites/grid/",
            &format!("{}/scenarios/sites/grid/", env!("CARGO_MANIFEST_DIR")),
        )
        .replace("horizon = \"10y\"", "horizon = \"4y\"")
        .replace("replications = 4", "replications = 2")
        .replace("[3, 4, 5, 6, 7, 8]", "[2, 4]");
    std::fs::write(&sweep, text).unwrap();
    ok(&[
        "sweep",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    ok(&[
        "plot",
        out.to_str().unwrap(),
        "--y",
        "carbon_kg.total",
        "--y",
        "ewaste_kg.landfill",
    ]);
    for name in ["sweep_0_carbon_kg_total", "sweep_1_ewaste_kg_landfill", "sweep_pareto"] {
        assert!(ink(&out.join("plots").join(format!("{name}.png"))) > 0.02, "{name}");
    }
    let svg = std::fs::read_to_string(out.join("plots/sweep_0_carbon_kg_total.svg")).unwrap();
    assert!(
        svg.contains("lifecycle.end_of_life = circular"),
        "one series per end-of-life policy"
    );
    ok(&["report", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Pareto set") && html.contains("All variants"));
    // A key that is not swept is a clear error.
    let o = greenloop(&["plot", out.to_str().unwrap(), "--x", "solar.capacity_kwp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a swept key"));
}

#[test]
fn plot_and_report_need_a_results_folder() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in ["plot", "report"] {
        let o = greenloop(&[cmd, tmp.path().to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("summary.json") && err.contains("greenloop run"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn explain_describes_the_scenario_with_its_defaults() {
    let text = ok(&["explain", "scenarios/bank.toml"]);
    for words in [
        "simulates",
        "Payments arrive",
        "The datacenter starts with",
        "Lifecycle:",
        "discounted at 5 %",
    ] {
        assert!(text.contains(words), "missing {words:?} in:\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["explain", "scenarios/bank.toml", "--format", "json"])).unwrap();
    assert_eq!(json["scenario"], "bank");
    assert!(json["setup"]["datacenter"]["count"].as_f64().unwrap() > 0.0);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["validate", "scenarios/bank.toml", "--format", "json"])).unwrap();
    assert_eq!(v["valid"], true);
    // `run --format json` prints summary.json, and a pipe gets no colour codes.
    let tmp = tempfile::tempdir().unwrap();
    let s: serde_json::Value = serde_json::from_str(&ok(&[
        "run",
        "scenarios/bank.toml",
        "--out",
        tmp.path().to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(s["carbon_kg"]["total"].as_f64().unwrap() > 0.0);
    let table = ok(&["run", "scenarios/bank.toml", "--out", tmp.path().to_str().unwrap()]);
    assert!(!table.contains('\u{1b}'), "no ANSI codes when piped");
}
