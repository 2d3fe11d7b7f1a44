//! Transaction fidelity against queueing theory (not against greenloop's own output):
//! M/M/1 and M/M/c mean waits against Erlang C, M/D/1 against Pollaczek-Khinchine, and
//! Little's law L = lambda W.
//!
//! Sample sizes: the mean wait of M/M/1 at rho = 0.9 has a large autocorrelation time;
//! its asymptotic variance (rho (2 + 5 rho - 4 rho^2 + rho^3) / (mu^2 (1 - rho)^4)) gives a
//! relative standard error of about 0.6 % with 20 million customers, so the 2 % bound is
//! more than three standard errors wide.

mod common;

use common::{queue_scenario, run};
use greenloop::queueing::{erlang_c, mg1_mean_wait_s, mmc_mean_wait_s};

/// Customers per test case: more near saturation, where waits are long and strongly
/// correlated, and more where waiting is rare (the estimate's relative variance grows like
/// 1 / ErlangC).
fn customers(cores: u32, rho: f64) -> f64 {
    let base = if rho >= 0.9 {
        40e6
    } else if rho >= 0.8 {
        12e6
    } else {
        4e6
    };
    base * (0.1 / erlang_c(cores, rho * cores as f64)).max(1.0)
}

/// Horizon (whole minutes, after a 10-minute warm-up) for `n` customers at `tps`.
fn horizon(n: f64, tps: f64) -> String {
    format!("{}m", 10 + (n / tps / 60.0).ceil() as u64)
}

/// Simulated mean wait (ms) vs the formula, for `cores` cores at utilization `rho`.
fn check_mmc(cores: u32, rho: f64) {
    // Service 1 ms per core (mean_ssj_ops = 1 at 1000 ssj_ops/s per core).
    let mean_s = 0.001;
    let tps = rho * cores as f64 / mean_s;
    let s = queue_scenario(
        cores,
        tps,
        "exponential",
        1.0,
        &horizon(customers(cores, rho), tps),
        "10m",
        11,
    );
    let r = run(&s, 0);
    let expected_ms = mmc_mean_wait_s(cores, tps, mean_s).unwrap() * 1e3;
    let err = r.waiting_mean_ms / expected_ms - 1.0;
    println!(
        "M/M/{cores} rho={rho}: simulated {:.5} ms, Erlang C {:.5} ms, error {:+.3} %, {} customers",
        r.waiting_mean_ms,
        expected_ms,
        100.0 * err,
        r.completed
    );
    assert!(
        err.abs() < 0.02,
        "M/M/{cores} at rho={rho}: {} vs {} ms",
        r.waiting_mean_ms,
        expected_ms
    );
    assert_eq!(r.dropped, 0.0);
}

#[test]
fn mm1_mean_wait_matches_erlang_c() {
    for rho in [0.5, 0.8, 0.9] {
        check_mmc(1, rho);
    }
}

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    for cores in [4, 8] {
        for rho in [0.5, 0.8, 0.9] {
            check_mmc(cores, rho);
        }
    }
}

#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    for rho in [0.5, 0.8, 0.9] {
        let tps = rho * 1000.0;
        let s = queue_scenario(1, tps, "deterministic", 1.0, &horizon(customers(1, rho), tps), "10m", 5);
        let r = run(&s, 0);
        let expected_ms = mg1_mean_wait_s(tps, 0.001, 0.0).unwrap() * 1e3;
        let err = r.waiting_mean_ms / expected_ms - 1.0;
        println!(
            "M/D/1 rho={rho}: simulated {:.5} ms, P-K {:.5} ms, error {:+.3} %",
            r.waiting_mean_ms,
            expected_ms,
            100.0 * err
        );
        assert!(err.abs() < 0.02, "M/D/1 at rho={rho}");
    }
}

#[test]
fn littles_law_holds() {
    // L = lambda W with lambda the measured throughput and W the measured mean latency;
    // a sample-path identity up to edge effects at the ends of the horizon.
    let s = queue_scenario(8, 6000.0, "lognormal", 1.0, "70m", "10m", 3);
    let r = run(&s, 0);
    let measured_s = r.measured_h * 3600.0;
    let lambda = r.arrivals / measured_s;
    let w_s = r.latency.mean_ms / 1e3;
    let l = r.mean_in_system.unwrap();
    println!("Little: L = {l:.5}, lambda W = {:.5}", lambda * w_s);
    assert!(
        (l / (lambda * w_s) - 1.0).abs() < 1e-3,
        "L {l} vs lambda W {}",
        lambda * w_s
    );
}
