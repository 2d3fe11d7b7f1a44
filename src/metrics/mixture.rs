//! Latency in flow fidelity: each step contributes a response-time distribution
//! R = shift + W + S, weighted by the step's completed transactions, where
//! * S is the class's service time (its work distribution scaled by the core speed),
//! * W is the queueing wait: 0 with probability 1 - C, exponential with rate theta with
//!   probability C (Erlang C with the Allen-Cunneen correction, see `queueing`),
//! * shift is a deterministic delay (waiting for a server to wake, or a full queue).
//!
//! Steps are merged into components by bucketing theta and shift on a 2 % logarithmic grid,
//! so memory is bounded and the quantiles are exact up to that grid. The mean is exact.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use crate::queueing::WaitDistribution;
use crate::workload::{DistributionKind, WorkDistribution};

/// Ratio between neighbouring buckets.
const BUCKET_RATIO: f64 = 1.02;
/// Waits whose probability is below this are treated as no wait.
const NEGLIGIBLE_WAIT: f64 = 1e-9;
/// Service-time quantile points used to convolve S with an exponential wait.
const SERVICE_POINTS: usize = 64;
/// No bucket (no wait, or no shift).
const NONE: i32 = i32::MIN;

/// The latency distribution of one class over a run.
#[derive(Debug, Clone)]
pub struct LatencyMixture {
    work: WorkDistribution,
    mean_service_s: f64,
    /// Weight with neither a wait nor a fixed delay (the common case, kept out of the map).
    plain_weight: f64,
    /// (shift bucket, theta bucket) -> weight, for everything else.
    components: BTreeMap<(i32, i32), f64>,
    /// The components as (shift s, theta 1/s, weight), built once when quantiles are asked.
    resolved: OnceCell<Vec<(f64, f64, f64)>>,
    weight: f64,
    latency_sum_s: f64,
    wait_sum_s: f64,
    service_points: Vec<f64>,
}

impl LatencyMixture {
    /// An empty mixture for a class with `work`, served at `mean_service_s` seconds on
    /// average.
    pub fn new(work: WorkDistribution, mean_service_s: f64) -> Self {
        let service_points = if work.kind() == DistributionKind::Deterministic {
            vec![mean_service_s]
        } else {
            (0..SERVICE_POINTS)
                .map(|i| mean_service_s * work.quantile_relative((i as f64 + 0.5) / SERVICE_POINTS as f64))
                .collect()
        };
        Self {
            work,
            mean_service_s,
            plain_weight: 0.0,
            components: BTreeMap::new(),
            resolved: OnceCell::new(),
            weight: 0.0,
            latency_sum_s: 0.0,
            wait_sum_s: 0.0,
            service_points,
        }
    }

    /// Adds `weight` transactions with the given wait distribution and fixed extra delay.
    pub fn add(&mut self, weight: f64, wait: WaitDistribution, shift_s: f64) {
        if weight <= 0.0 {
            return;
        }
        let wait_mean = wait.mean_s();
        self.weight += weight;
        self.latency_sum_s += weight * (shift_s + wait_mean + self.mean_service_s);
        self.wait_sum_s += weight * (shift_s + wait_mean);
        self.resolved = OnceCell::new();
        let shift_bucket = bucket(shift_s);
        let waits = wait.prob_wait >= NEGLIGIBLE_WAIT && wait.tail_rate_per_s.is_finite();
        let no_wait_weight = if waits { weight * (1.0 - wait.prob_wait) } else { weight };
        if shift_bucket == NONE {
            self.plain_weight += no_wait_weight;
        } else {
            *self.components.entry((shift_bucket, NONE)).or_insert(0.0) += no_wait_weight;
        }
        if waits {
            *self
                .components
                .entry((shift_bucket, bucket(wait.tail_rate_per_s)))
                .or_insert(0.0) += weight * wait.prob_wait;
        }
    }

    /// Number of components besides the no-wait one (for diagnostics).
    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    /// Transactions added.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// Mean latency, s.
    pub fn mean_s(&self) -> f64 {
        if self.weight > 0.0 {
            self.latency_sum_s / self.weight
        } else {
            0.0
        }
    }

    /// Mean wait (queue plus fixed delays), s.
    pub fn mean_wait_s(&self) -> f64 {
        if self.weight > 0.0 {
            self.wait_sum_s / self.weight
        } else {
            0.0
        }
    }

    /// P(latency > x) as a weighted count (multiply-free sum over components).
    fn weighted_survival(&self, x_s: f64) -> f64 {
        let components = self.resolved.get_or_init(|| {
            self.components
                .iter()
                .map(|(&(shift_b, theta_b), &w)| {
                    (center(shift_b), if theta_b == NONE { 0.0 } else { center(theta_b) }, w)
                })
                .collect()
        });
        let mut total = if self.plain_weight > 0.0 {
            self.plain_weight * self.service_survival(x_s)
        } else {
            0.0
        };
        for &(shift, theta, w) in components {
            let y = x_s - shift;
            total += if y < 0.0 {
                w
            } else if theta == 0.0 {
                w * self.service_survival(y)
            } else {
                w * self.convolved_survival(y, theta)
            };
        }
        total
    }

    /// P(latency > x).
    pub fn survival(&self, x_s: f64) -> f64 {
        if self.weight > 0.0 {
            self.weighted_survival(x_s) / self.weight
        } else {
            0.0
        }
    }

    /// P(latency > x) of one step's transactions with the given wait and fixed delay, not
    /// added to the mixture (for per-step SLA counts).
    pub fn step_survival(&self, wait: WaitDistribution, shift_s: f64, x_s: f64) -> f64 {
        let y = x_s - shift_s;
        if y < 0.0 {
            return 1.0;
        }
        let base = self.service_survival(y);
        if wait.prob_wait < NEGLIGIBLE_WAIT || !wait.tail_rate_per_s.is_finite() {
            return base;
        }
        (1.0 - wait.prob_wait) * base + wait.prob_wait * self.convolved_survival(y, wait.tail_rate_per_s)
    }

    fn service_survival(&self, y: f64) -> f64 {
        self.work.survival_relative(y / self.mean_service_s)
    }

    /// P(S + E > y) with E exponential(theta).
    fn convolved_survival(&self, y: f64, theta: f64) -> f64 {
        if self.work.kind() == DistributionKind::Exponential {
            let mu = 1.0 / self.mean_service_s;
            if (mu - theta).abs() < 1e-9 * mu {
                return (-mu * y).exp() * (1.0 + mu * y);
            }
            return (mu * (-theta * y).exp() - theta * (-mu * y).exp()) / (mu - theta);
        }
        let n = self.service_points.len() as f64;
        let conv: f64 = self
            .service_points
            .iter()
            .filter(|&&s| s <= y)
            .map(|&s| (-theta * (y - s)).exp())
            .sum::<f64>()
            / n;
        (self.service_survival(y) + conv).min(1.0)
    }

    /// The `q`-quantile of latency in ms (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile_ms(&[self], q)
    }
}

/// The `q`-quantile in ms of the pooled latency of several mixtures.
pub fn quantile_ms(mixtures: &[&LatencyMixture], q: f64) -> f64 {
    let grids: Vec<SurvivalGrid> = mixtures.iter().map(|m| SurvivalGrid::new(m, 1.0 - q)).collect();
    let pooled: Vec<(&LatencyMixture, &SurvivalGrid)> = mixtures.iter().copied().zip(&grids).collect();
    solve_quantile(&pooled, q)
}

/// Quantiles (ms) of each class (a set of mixtures, one per server model) and of all of
/// them pooled, sharing the work: each
/// mixture's survival function is evaluated once on a logarithmic grid, the pooled grid is
/// the sum, and each quantile is refined inside its grid cell.
pub fn class_and_pooled_quantiles_ms(classes: &[Vec<&LatencyMixture>], qs: &[f64]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let smallest_tail = qs.iter().map(|q| 1.0 - q).fold(1.0, f64::min);
    let grids: Vec<Vec<SurvivalGrid>> = classes
        .iter()
        .map(|parts| parts.iter().map(|m| SurvivalGrid::new(m, smallest_tail)).collect())
        .collect();
    let per_class = classes
        .iter()
        .zip(&grids)
        .map(|(parts, g)| {
            let pairs: Vec<(&LatencyMixture, &SurvivalGrid)> = parts.iter().copied().zip(g).collect();
            qs.iter().map(|&q| solve_quantile(&pairs, q)).collect()
        })
        .collect();
    let pooled: Vec<(&LatencyMixture, &SurvivalGrid)> = classes
        .iter()
        .zip(&grids)
        .flat_map(|(parts, g)| parts.iter().copied().zip(g))
        .collect();
    let total = qs.iter().map(|&q| solve_quantile(&pooled, q)).collect();
    (per_class, total)
}

/// Ratio between grid points: e^0.5.
const GRID_STEP_LN: f64 = 0.5;
/// Grid limits: 1 microsecond and 1e6 s.
const GRID_MIN_LN: f64 = -13.815_510_557_964_274;
const GRID_MAX_LN: f64 = 13.815_510_557_964_274;

/// Weighted survival of one mixture on a log grid, from just below its shortest service
/// time until it falls below the smallest tail of interest (it is monotone, so beyond that
/// point it is below every target).
struct SurvivalGrid {
    /// ln x of the first point.
    start_ln: f64,
    /// Weighted survival at start_ln + i x GRID_STEP_LN.
    values: Vec<f64>,
}

impl SurvivalGrid {
    fn new(m: &LatencyMixture, smallest_tail: f64) -> Self {
        let shortest = m.service_points.first().copied().unwrap_or(m.mean_service_s).max(1e-6);
        let start_ln = ((0.5 * shortest).ln() / GRID_STEP_LN).floor() * GRID_STEP_LN;
        let start_ln = start_ln.max(GRID_MIN_LN);
        let floor = smallest_tail * m.weight * 1e-3;
        let mut values = Vec::new();
        let mut x = start_ln;
        while x <= GRID_MAX_LN {
            let v = m.weighted_survival(x.exp());
            values.push(v);
            if v <= floor {
                break;
            }
            x += GRID_STEP_LN;
        }
        Self { start_ln, values }
    }

    /// Weighted survival at grid index `i` relative to `origin_ln` (the common origin).
    fn at(&self, ln_x: f64, m: &LatencyMixture) -> f64 {
        let i = ((ln_x - self.start_ln) / GRID_STEP_LN).round();
        if i < 0.0 {
            return m.weight;
        }
        match self.values.get(i as usize) {
            Some(&v) => v,
            None => 0.0,
        }
    }
}

/// Solves P(latency > x) = (1 - q) for the pooled mixtures: bracket on the shared grid,
/// then the Illinois variant of regula falsi on g(ln x) = ln P - ln(1 - q), which is close
/// to linear in exponential tails; every third step bisects, so point masses (deterministic
/// service) converge as bisection would. Relative precision: 1e-3.
fn solve_quantile(parts: &[(&LatencyMixture, &SurvivalGrid)], q: f64) -> f64 {
    let total: f64 = parts.iter().map(|(m, _)| m.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let target = (1.0 - q) * total;
    let start = parts.iter().map(|(_, g)| g.start_ln).fold(GRID_MAX_LN, f64::min);
    let grid_at = |ln_x: f64| -> f64 { parts.iter().map(|(m, g)| g.at(ln_x, m)).sum() };
    let mut hi_ln = start;
    while hi_ln <= GRID_MAX_LN && grid_at(hi_ln) > target {
        hi_ln += GRID_STEP_LN;
    }
    if hi_ln > GRID_MAX_LN {
        return GRID_MAX_LN.exp() * 1000.0;
    }
    if hi_ln == start {
        return start.exp() * 1000.0;
    }
    let survival = |ln_x: f64| -> f64 { parts.iter().map(|(m, _)| m.weighted_survival(ln_x.exp())).sum() };
    let ln_target = target.ln();
    let g = |ln_x: f64| survival(ln_x).max(1e-300).ln() - ln_target;
    let (mut lo, mut hi) = (hi_ln - GRID_STEP_LN, hi_ln);
    let (mut g_lo, mut g_hi) = (
        grid_at(lo).max(1e-300).ln() - ln_target,
        grid_at(hi).max(1e-300).ln() - ln_target,
    );
    let mut side = 0;
    for i in 0..100 {
        if hi - lo < 1e-3 {
            break;
        }
        let x = if i % 3 == 2 {
            0.5 * (lo + hi)
        } else {
            (lo * g_hi - hi * g_lo) / (g_hi - g_lo)
        };
        let x = if x > lo && x < hi { x } else { 0.5 * (lo + hi) };
        let gx = g(x);
        if gx > 0.0 {
            lo = x;
            g_lo = gx;
            if side == 1 {
                g_hi *= 0.5;
            }
            side = 1;
        } else {
            hi = x;
            g_hi = gx;
            if side == -1 {
                g_lo *= 0.5;
            }
            side = -1;
        }
    }
    hi.exp() * 1000.0
}

fn bucket(x: f64) -> i32 {
    if x <= 0.0 || !x.is_finite() {
        NONE
    } else {
        (x.ln() / BUCKET_RATIO.ln()).round() as i32
    }
}

fn center(b: i32) -> f64 {
    if b == NONE {
        0.0
    } else {
        (b as f64 * BUCKET_RATIO.ln()).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queueing::ggc_wait;

    #[test]
    fn mm1_response_time_quantiles_match_the_exponential_law() {
        // M/M/1 response time is exponential with rate mu - lambda.
        let (lambda, mean_s) = (80.0, 0.01);
        let wait = ggc_wait(1, lambda, mean_s, 1.0, 1.0).unwrap();
        let mut m = LatencyMixture::new(WorkDistribution::new(DistributionKind::Exponential, 1.0, 1.0), mean_s);
        m.add(1000.0, wait, 0.0);
        let rate = 100.0 - lambda;
        for q in [0.5_f64, 0.95, 0.99] {
            let expected_ms = -(1.0 - q).ln() / rate * 1000.0;
            let got = m.quantile_ms(q);
            assert!((got / expected_ms - 1.0).abs() < 0.02, "q={q}: {got} vs {expected_ms}");
        }
        assert!((m.mean_s() - 1.0 / rate).abs() < 1e-12);
    }

    #[test]
    fn deterministic_service_without_wait_is_a_point_mass() {
        let mut m = LatencyMixture::new(WorkDistribution::new(DistributionKind::Deterministic, 1.0, 0.0), 0.004);
        m.add(10.0, WaitDistribution::NONE, 0.0);
        // Quantiles are solved to a relative 1e-3.
        assert!((m.quantile_ms(0.5) / 4.0 - 1.0).abs() < 2e-3, "{}", m.quantile_ms(0.5));
        assert!(
            (m.quantile_ms(0.999) / 4.0 - 1.0).abs() < 2e-3,
            "{}",
            m.quantile_ms(0.999)
        );
        m.add(10.0, WaitDistribution::NONE, 1.0);
        assert!(
            (m.quantile_ms(0.99) - 1004.0).abs() < 1004.0 * 0.011,
            "shift bucket within 1 %"
        );
        assert!((m.mean_s() - 0.504).abs() < 1e-12, "the mean is exact");
    }

    #[test]
    fn pooled_quantiles_weight_the_classes() {
        let fast = {
            let mut m = LatencyMixture::new(WorkDistribution::new(DistributionKind::Deterministic, 1.0, 0.0), 0.001);
            m.add(900.0, WaitDistribution::NONE, 0.0);
            m
        };
        let slow = {
            let mut m = LatencyMixture::new(WorkDistribution::new(DistributionKind::Deterministic, 1.0, 0.0), 0.1);
            m.add(100.0, WaitDistribution::NONE, 0.0);
            m
        };
        assert!((quantile_ms(&[&fast, &slow], 0.5) - 1.0).abs() < 2e-3);
        assert!((quantile_ms(&[&fast, &slow], 0.95) / 100.0 - 1.0).abs() < 2e-3);
    }
}
