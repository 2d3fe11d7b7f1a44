//! The non-homogeneous Poisson arrivals against their definition: hourly counts of a
//! simulated week against the profile (built-in data normalized here, independently of the
//! simulator), with a scheduled 4x burst and yearly growth, by a chi-square test; and the
//! same at flow fidelity, whose counts are Poisson draws per step.

mod common;

use common::{run_with_steps, scenario};
use greenloop::workload::builtin::builtin_profiles;
use statrs::distribution::{ChiSquared, ContinuousCDF};

const MEAN_TPS: f64 = 10.0;
const GROWTH: f64 = 0.3;

fn week_scenario(fidelity: &str) -> String {
    format!(
        r#"
name = "nhpp"
fidelity = "{fidelity}"
horizon = "7d"
step = "1h"
start = "2025-03-03"
seed = 17
[workload]
mean_tps = {MEAN_TPS}
profile = "card-network"
growth_per_year = {GROWTH}
[[workload.classes]]
name = "a"
share = 0.6
service = {{ distribution = "exponential", mean_ssj_ops = 100 }}
[[workload.classes]]
name = "b"
share = 0.4
service = {{ distribution = "exponential", mean_ssj_ops = 100 }}
[[workload.bursts]]
start = "2025-03-05T12:00"
duration = "6h"
multiplier = 4.0
[datacenter]
count = 2
"#
    )
}

/// Expected arrivals in hour `h` of the week starting Monday 2025-03-03 (March).
fn expected_per_hour() -> Vec<f64> {
    let p = &builtin_profiles().unwrap()["card-network"];
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mh, md, mm) = (mean(&p.hourly), mean(&p.daily), mean(&p.monthly));
    (0..168)
        .map(|h| {
            let (day, hour) = (h / 24, h % 24);
            let shape = p.hourly[hour] / mh * p.daily[day] / md * p.monthly[2] / mm;
            // Growth is evaluated at the middle of each hour; years have 8,760 hours.
            let growth = (1.0 + GROWTH).powf((h as f64 + 0.5) / 8760.0);
            // Wednesday (day 2) 12:00 to 18:00: the 4x burst.
            let burst = if day == 2 && (12..18).contains(&hour) { 4.0 } else { 1.0 };
            MEAN_TPS * 3600.0 * shape * growth * burst
        })
        .collect()
}

fn chi_square_p_value(observed: &[f64], expected: &[f64]) -> f64 {
    let stat: f64 = observed.iter().zip(expected).map(|(o, e)| (o - e).powi(2) / e).sum();
    let dist = ChiSquared::new(expected.len() as f64).unwrap();
    1.0 - dist.cdf(stat)
}

fn check(fidelity: &str) {
    let s = scenario(&week_scenario(fidelity));
    let (result, steps) = run_with_steps(&s);
    assert_eq!(steps.len(), 168);
    let observed: Vec<f64> = steps.iter().map(|r| r.arrivals).collect();
    let expected = expected_per_hour();
    let p = chi_square_p_value(&observed, &expected);
    let total_expected: f64 = expected.iter().sum();
    println!(
        "{fidelity}: {} arrivals, {total_expected:.0} expected, chi-square p = {p:.3}",
        result.arrivals
    );
    assert!(
        p > 0.001,
        "{fidelity}: hourly counts do not follow the profile (p = {p})"
    );
    // The burst hours really carry four times their neighbours' expectation.
    let burst: f64 = observed[60..66].iter().sum();
    let expected_burst: f64 = expected[60..66].iter().sum();
    assert!((burst / expected_burst - 1.0).abs() < 0.02);
}

#[test]
fn transaction_arrivals_follow_the_profile() {
    check("transaction");
}

#[test]
fn flow_arrivals_follow_the_profile() {
    check("flow");
}

#[test]
fn class_shares_are_respected() {
    let s = scenario(&week_scenario("transaction"));
    let r = greenloop::sim::run(&s, 0, &mut greenloop::metrics::DiscardSteps);
    let share_a = r.classes[0].arrivals / r.arrivals;
    // 6 million arrivals: the standard error of a share of 0.6 is 0.0002.
    assert!((share_a - 0.6).abs() < 0.001, "share of class a: {share_a}");
}
