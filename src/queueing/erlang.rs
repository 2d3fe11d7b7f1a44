//! Erlang B and Erlang C, computed through the numerically stable Erlang B recursion.
//!
//! The textbook sum `a^c / c!` overflows near c = 170; the recursion never does. For large
//! server counts the recursion starts a few standard deviations below the offered load,
//! where its error dies out geometrically (each step multiplies an error by n/a < 1), so the
//! cost is O(c - a + 12 sqrt(a)) instead of O(c) with no loss of accuracy.

use statrs::function::gamma::{checked_gamma_ur, ln_gamma};

/// Erlang B: the probability that an arrival finds all `servers` busy in an M/M/c/c loss
/// system with `offered_load` erlangs (arrival rate x mean service time).
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    if offered_load <= 0.0 || !offered_load.is_finite() {
        return if offered_load.is_infinite() { 1.0 } else { 0.0 };
    }
    if servers == 0 {
        return 1.0;
    }
    let a = offered_load;
    let c = servers as f64;
    if negligible_tail(c, a) {
        return 0.0;
    }
    // Inverse form: R(n) = 1/B(n) = 1 + (n/a) R(n-1), R(0) = 1. The start is 12 standard
    // deviations below the load or below the server count, whichever is lower: starting
    // above the servers (an overloaded system) returned the start value itself, 12 / sqrt(a)
    // instead of about 1 - c / a.
    let start = (a.min(c) - 12.0 * a.sqrt()).floor();
    let (mut n, mut inv_b) = if start >= 1.0 {
        // Start value a/(a - n0) is the fluid limit of 1/B(n0); its error is damped by a
        // factor of about exp(-72) before n reaches a.
        (start, a / (a - start))
    } else {
        (0.0, 1.0)
    };
    let inv_a = 1.0 / a;
    while n < c {
        n += 1.0;
        inv_b = 1.0 + n * inv_a * inv_b;
        if inv_b > 1e300 {
            return 0.0;
        }
    }
    1.0 / inv_b
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with `offered_load`
/// erlangs. Returns 1 when the queue is unstable (load >= servers).
pub fn erlang_c(servers: u32, offered_load: f64) -> f64 {
    let c = servers as f64;
    if offered_load >= c {
        return 1.0;
    }
    let b = erlang_b(servers, offered_load);
    if b == 0.0 {
        return 0.0;
    }
    let rho = offered_load / c;
    b / (1.0 - rho * (1.0 - b))
}

/// The rate at which an M/M/c queue with `offered_load` erlangs and `arrival_rate_per_s`,
/// in its stationary state, first has all `servers` busy: 1 / E[T], T the first time an
/// arrival takes the last free server. This is what makes a power manager that wakes one
/// more server "when every awake core is busy" act: once one arrival fills the cores,
/// more follow in the same busy spell, so the rate of arrivals that take the last core
/// (lambda P(N >= c - 1)) overstates the wake-ups (2.9 times for 32 cores at 40 % load).
/// Returns the arrival rate
/// when the queue is unstable (load >= servers). See [`SaturationSweep`] for many server
/// counts at one load.
pub fn saturation_rate_per_s(servers: u32, offered_load: f64, arrival_rate_per_s: f64) -> f64 {
    SaturationSweep::new(offered_load, arrival_rate_per_s).rate_per_s(servers)
}

/// An upper bound of [`saturation_rate_per_s`] in O(1), to skip the sum where the rate is
/// negligible: E[T] >= its last term F_{c-1}^2 / (lambda S p_{c-1}), with F_{c-1} >= 1/2 for
/// c - 1 >= a + 1 (the Poisson median is below a + 1/3) and S <= 1 + p_c / (1 - a / c).
/// Below that the bound is the arrival rate itself (a trivial bound).
pub fn saturation_rate_upper_bound(servers: u32, offered_load: f64, arrival_rate_per_s: f64) -> f64 {
    let (a, lambda) = (offered_load, arrival_rate_per_s);
    if !(lambda > 0.0 && a > 0.0 && lambda.is_finite() && a.is_finite()) {
        return 0.0;
    }
    let c = servers as f64;
    if c - 1.0 < a + 1.0 {
        return f64::INFINITY;
    }
    let ln_p = -a + (c - 1.0) * a.ln() - ln_gamma(c);
    let p = ln_p.exp();
    let s = 1.0 + p * a / c / (1.0 - a / c);
    4.0 * lambda * p * s
}

/// [`saturation_rate_per_s`] for increasing server counts at one load, in one pass.
///
/// Birth-death first passage: from k < c the mean time to reach k + 1 is
/// m_k = P(N <= k) / (lambda pi_k), so E[T_c] = sum_k P(N <= k) m_k over k < c (from state
/// k the passage takes m_k + ... + m_{c-1}; weighting by pi and swapping the sums). Below c
/// the M/M/c law is Poisson(a) / S_c with S_c = P(X <= c - 1) + p_c / (1 - a / c), so
/// E[T_c] = G_c / (lambda S_c) with G_c = sum_{k < c} F_k^2 / p_k (F, p: the Poisson(a)
/// cdf and pmf): a prefix sum that does not depend on c, accumulated upwards from 8
/// standard deviations below the load (the terms below are under 1e-13 of the sum).
/// Far above the load p_k underflows and G overflows, so both are kept scaled: the pmf as
/// `p_scaled` x e^`ln_scale` (rescaled by 1e200 whenever it falls below 1e-200) and G as
/// `g_scaled` x e^-`ln_scale`; each step is then two multiplications and a division, with
/// no logarithm or exponential (the logarithmic form of the same sum cost five per step
/// and was 12 % of a flow-fidelity year). Cost: O(c - a + 8 sqrt(a)) for the whole sweep.
#[derive(Debug, Clone)]
pub struct SaturationSweep {
    load: f64,
    lambda: f64,
    /// Next k to add to the prefix sum.
    k: f64,
    /// p_k = p_scaled x e^ln_scale, and e^ln_scale itself (0 once it underflows).
    p_scaled: f64,
    ln_scale: f64,
    scale: f64,
    /// F_k.
    cdf: f64,
    /// G = sum of F_j^2 / p_j for j < k, as g_scaled x e^-ln_scale.
    g_scaled: f64,
}

/// Below this the scaled pmf is multiplied by [`RESCALE`].
const RESCALE_BELOW: f64 = 1e-200;
const RESCALE: f64 = 1e200;

impl SaturationSweep {
    /// A sweep at `offered_load` erlangs and `arrival_rate_per_s`.
    pub fn new(offered_load: f64, arrival_rate_per_s: f64) -> Self {
        let a = if offered_load.is_finite() {
            offered_load.max(0.0)
        } else {
            0.0
        };
        let start = (a - 8.0 * a.sqrt() - 8.0).floor().max(0.0);
        let (ln_scale, cdf) = if a > 0.0 {
            (
                -a + start * a.ln() - ln_gamma(start + 1.0),
                checked_gamma_ur(start + 1.0, a).unwrap_or(0.0),
            )
        } else {
            (f64::NEG_INFINITY, 1.0)
        };
        SaturationSweep {
            load: a,
            lambda: arrival_rate_per_s,
            k: start,
            p_scaled: 1.0,
            ln_scale,
            scale: ln_scale.exp(),
            cdf,
            g_scaled: 0.0,
        }
    }

    /// The rate for `servers` servers; server counts must not decrease from call to call
    /// (a smaller count than a previous one gets that one's prefix: its rate is too low).
    pub fn rate_per_s(&mut self, servers: u32) -> f64 {
        let (a, lambda) = (self.load, self.lambda);
        if !(lambda > 0.0 && a > 0.0 && lambda.is_finite()) {
            return 0.0;
        }
        let c = servers as f64;
        if servers == 0 || a >= c {
            return lambda;
        }
        while self.k < c {
            if self.cdf > 0.0 {
                self.g_scaled += self.cdf * self.cdf / self.p_scaled;
            }
            // p_{k+1} = p_k a / (k + 1); F_{k+1} = F_k + p_{k+1}.
            self.k += 1.0;
            self.p_scaled *= a / self.k;
            if self.p_scaled < RESCALE_BELOW && self.p_scaled > 0.0 {
                self.p_scaled *= RESCALE;
                self.g_scaled /= RESCALE;
                self.ln_scale -= RESCALE.ln();
                self.scale = self.ln_scale.exp();
            }
            self.cdf = (self.cdf + self.p_scaled * self.scale).min(1.0);
        }
        if self.g_scaled.is_nan() {
            return 0.0;
        }
        if self.g_scaled <= 0.0 {
            return lambda;
        }
        // Here k = c: F_{c-1} = F_c - p_c.
        let p_c = self.p_scaled * self.scale;
        let s = (self.cdf - p_c).max(0.0) + p_c / (1.0 - a / c);
        // lambda S / G with G = g_scaled e^-ln_scale.
        (lambda.ln() + s.ln() + self.ln_scale - self.g_scaled.ln()).exp()
    }
}

/// True when a Chernoff bound shows Erlang C is below 1e-16 (so Erlang B is too): then the
/// recursion is skipped. Bound: C <= 2 exp(c (1 - rho + ln rho)) / (1 - rho) for rho < 1.
fn negligible_tail(c: f64, a: f64) -> bool {
    let rho = a / c;
    if rho >= 1.0 {
        return false;
    }
    let log_bound = c * (1.0 - rho + rho.ln()) + 2f64.ln() - (1.0 - rho).ln();
    log_bound < -36.8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain recursion from n = 0, the reference the fast path must match.
    fn erlang_b_reference(servers: u32, a: f64) -> f64 {
        let mut b = 1.0;
        for n in 1..=servers {
            b = a * b / (n as f64 + a * b);
        }
        b
    }

    #[test]
    fn matches_textbook_values() {
        // Erlang C for c = 2, a = 1: 1/3 (closed form 2 a^2 / (2 + 2a) / ... ).
        // M/M/2 with rho = 0.5: P(wait) = rho^2 * 2 / (1 + rho) = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/M/1: P(wait) = rho.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // Erlang B, c = 10, a = 5: 0.018384 (standard table value).
        assert!((erlang_b(10, 5.0) - 0.018_384).abs() < 1e-6);
    }

    #[test]
    fn fast_path_matches_reference_recursion() {
        for &c in &[1u32, 5, 56, 170, 500, 2240] {
            for &rho in &[0.05, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99] {
                let a = rho * c as f64;
                let fast = erlang_b(c, a);
                let slow = erlang_b_reference(c, a);
                let tol = 1e-12_f64.max(1e-9 * slow);
                assert!(
                    (fast - slow).abs() <= tol || (slow < 1e-16 && fast < 1e-15),
                    "c={c} rho={rho}: fast {fast} vs reference {slow}"
                );
            }
        }
    }

    #[test]
    fn overloaded_systems_match_the_reference_recursion() {
        for &c in &[1u32, 8, 56, 128, 500, 2240] {
            for &rho in &[1.0, 1.2, 2.0, 4.7, 50.0] {
                let a = rho * c as f64;
                let (fast, slow) = (erlang_b(c, a), erlang_b_reference(c, a));
                assert!((fast / slow - 1.0).abs() < 1e-9, "c={c} rho={rho}: {fast} vs {slow}");
            }
        }
    }

    /// E[T] to fill all c servers from each state, by first-step analysis solved exactly
    /// (tridiagonal, Thomas algorithm), then averaged over the stationary law.
    fn mean_fill_time_reference(c: usize, a: f64, lambda: f64) -> f64 {
        let mu = lambda / a;
        // t_k, k < c: (lambda + k mu) t_k - lambda t_{k+1} - k mu t_{k-1} = 1, t_c = 0.
        let (mut lower, mut diag, mut upper, mut rhs) = (vec![0.0; c], vec![0.0; c], vec![0.0; c], vec![1.0; c]);
        for k in 0..c {
            lower[k] = -(k as f64) * mu;
            diag[k] = lambda + k as f64 * mu;
            upper[k] = if k + 1 < c { -lambda } else { 0.0 };
        }
        for k in 1..c {
            let m = lower[k] / diag[k - 1];
            diag[k] -= m * upper[k - 1];
            rhs[k] -= m * rhs[k - 1];
        }
        let mut t = vec![0.0; c];
        for k in (0..c).rev() {
            let next = if k + 1 < c { upper[k] * t[k + 1] } else { 0.0 };
            t[k] = (rhs[k] - next) / diag[k];
        }
        // Stationary M/M/c law.
        let rho = a / c as f64;
        let mut w = vec![1.0];
        for k in 1..=c {
            let prev = w[k - 1];
            w.push(prev * a / k as f64);
        }
        let total: f64 = w[..c].iter().sum::<f64>() + w[c] / (1.0 - rho);
        (0..c).map(|k| w[k] / total * t[k]).sum()
    }

    #[test]
    fn saturation_rate_matches_first_step_analysis() {
        for &c in &[1usize, 2, 8, 32, 64, 128, 200] {
            for &rho in &[0.05, 0.2, 0.4, 0.7, 0.95] {
                if c >= 128 && rho < 0.7 {
                    // E[T] above 1e15 s: the elimination of the reference loses its digits
                    // (exact rational references below).
                    continue;
                }
                let a = rho * c as f64;
                let lambda = 10.0 * a;
                let reference = 1.0 / mean_fill_time_reference(c, a, lambda);
                let fast = saturation_rate_per_s(c as u32, a, lambda);
                assert!(
                    (fast / reference - 1.0).abs() < 1e-8 || (reference < 1e-250 && fast < 1e-250),
                    "c={c} rho={rho}: {fast} vs {reference}"
                );
            }
        }
        // Exact rational first-step analysis (tests/fixtures/scripts/exact_first_fill.py).
        for (c, a, lambda, exact) in [
            (200, 80.0, 800.0, 1.1330859912567153e-26),
            (200, 20.0, 200.0, 7.554806680579515e-121),
            (128, 51.2, 512.0, 7.01405343274771e-17),
            (169, 134.4, 13440.0, 1.5291752995354742),
            // p_400 is 1e-244 here: the scaled pmf is rescaled once on the way.
            (400, 40.0, 400.0, 1.5921026256849007e-242),
            (600, 300.0, 3000.0, 2.2791748347097226e-49),
        ] {
            let fast = saturation_rate_per_s(c, a, lambda);
            assert!((fast / exact - 1.0).abs() < 1e-9, "c={c} a={a}: {fast} vs {exact}");
        }
        // The O(1) bound holds.
        for &c in &[4u32, 8, 16, 32, 64, 128, 512] {
            for &rho in &[0.05, 0.2, 0.5, 0.8] {
                let a = rho * c as f64;
                let (rate, bound) = (
                    saturation_rate_per_s(c, a, 3.0 * a),
                    saturation_rate_upper_bound(c, a, 3.0 * a),
                );
                assert!(rate <= bound, "c={c} rho={rho}: {rate} > {bound}");
            }
        }
        // One sweep over many server counts gives what separate calls give.
        let (a, lambda) = (134.4, 13_440.0);
        let mut sweep = SaturationSweep::new(a, lambda);
        for c in [130u32, 140, 150, 168, 169, 170, 200, 400] {
            let (swept, single) = (sweep.rate_per_s(c), saturation_rate_per_s(c, a, lambda));
            assert!(
                swept == single || (swept / single - 1.0).abs() < 1e-12,
                "{c}: {swept} vs {single}"
            );
        }
        // Far fewer first fills than arrivals that take the last free core (32 cores at
        // 40 %: 5.2e-4 against 1.5e-3 per second).
        let (c, a, lambda) = (32, 12.8, 128.0);
        assert!(saturation_rate_per_s(c, a, lambda) < 0.5 * lambda * erlang_c(c, a) * c as f64 / a);
        assert_eq!(saturation_rate_per_s(4, 4.0, 3.0), 3.0);
        // Far above the load the rate underflows to 0, not NaN.
        assert_eq!(saturation_rate_per_s(5000, 40.0, 400.0), 0.0);
        assert_eq!(saturation_rate_per_s(4, 0.0, 0.0), 0.0);
        // (169, 134.4) above is a regression: rounding noise in the far lower tail once gave
        // 1e-28 /s instead of 1.529 /s.
        // A large fleet at light load never fills: the rate underflows to 0, not NaN.
        assert_eq!(saturation_rate_per_s(6400, 0.8, 80.0), 0.0);
    }

    #[test]
    fn no_overflow_for_very_large_systems() {
        let c = erlang_c(10_000, 9_900.0);
        assert!(c.is_finite() && c > 0.0 && c < 1.0, "got {c}");
        assert_eq!(erlang_c(300, 300.0), 1.0);
        assert_eq!(erlang_b(4, 0.0), 0.0);
    }
}
