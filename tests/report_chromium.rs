//! The HTML report in a real browser: headless Chromium (Debian's `chromium` package) loads
//! `report.html` with no console messages and takes a screenshot that is not blank.
//!
//! Needs Chromium, which CI machines do not have, so the test is ignored by default:
//!     cargo test --release --test report_chromium -- --ignored

use std::path::Path;
use std::process::Command;

fn greenloop(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_greenloop"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(
        o.status.success(),
        "greenloop {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn check_in_chromium(report: &Path, shot: &Path) {
    let out = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,3000",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", report.display()),
        ])
        .output()
        .expect("chromium runs (install Debian's `chromium` package)");
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let png = std::fs::read(shot).expect("a screenshot");
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).expect("a PNG");
    let data = pixmap.data();
    let pixels = data.len() / 4;
    let ink = data
        .chunks(4)
        .filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200)
        .count();
    println!(
        "{}: {} x {} screenshot, {:.1} % of pixels drawn",
        report.display(),
        pixmap.width(),
        pixmap.height(),
        100.0 * ink as f64 / pixels as f64
    );
    assert!(ink as f64 > 0.02 * pixels as f64, "the screenshot is (nearly) blank");
}

#[test]
#[ignore = "needs Chromium"]
fn run_and_sweep_reports_render_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    greenloop(&[
        "run",
        "scenarios/card-network.toml",
        "--out",
        run.to_str().unwrap(),
        "--quiet",
        "--plots",
    ]);
    greenloop(&["report", run.to_str().unwrap()]);
    check_in_chromium(&run.join("report.html"), &tmp.path().join("run.png"));
    let sweep = tmp.path().join("sweep");
    greenloop(&[
        "sweep",
        "scenarios/card-network-lifecycle.toml",
        "--out",
        sweep.to_str().unwrap(),
        "--quiet",
    ]);
    greenloop(&["report", sweep.to_str().unwrap()]);
    check_in_chromium(&sweep.join("report.html"), &tmp.path().join("sweep.png"));
}
