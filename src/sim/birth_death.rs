//! The transient law of a small birth-death chain over a time span: the state
//! probabilities at its end and the expected time spent in each state, from the matrix
//! exponential of the generator and its integral (Taylor series on `t / 2^s`, then `s`
//! squarings; both stay non-negative and accurate for rates from 0 to 1e12 per second).
//! Flow fidelity uses it for the servers awake between consolidation decisions and under
//! sleep-when-idle with spreading dispatchers, where a server count of a few jumps by
//! whole servers.

/// The most states a chain may have.
pub const MAX_STATES: usize = 25;

type Matrix = [[f64; MAX_STATES]; MAX_STATES];

/// The law of the chain after the span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transient {
    /// P(state i) at the end of the span.
    pub end: [f64; MAX_STATES],
    /// Expected time (s) spent in state i during the span.
    pub time_s: [f64; MAX_STATES],
}

/// The chain with states 0..n (n = `initial.len()` <= [`MAX_STATES`]), up-rates `up[i]`
/// (i -> i + 1) and down-rates `down[i]` (i -> i - 1), started from `initial`, over `span_s`
/// seconds. Rates leaving the chain's range are ignored; non-finite or negative rates count
/// as 0 and infinite ones as 1e12 per second.
pub fn transient(initial: &[f64], up: &[f64], down: &[f64], span_s: f64) -> Transient {
    let n = initial.len().min(MAX_STATES).min(up.len()).min(down.len());
    let mut out = Transient {
        end: [0.0; MAX_STATES],
        time_s: [0.0; MAX_STATES],
    };
    out.end[..n].copy_from_slice(&initial[..n]);
    if n == 0 || !(span_s > 0.0 && span_s.is_finite()) {
        return out;
    }
    let mut up_rate = [0.0; MAX_STATES];
    let mut down_rate = [0.0; MAX_STATES];
    for i in 0..n {
        up_rate[i] = if i + 1 < n { sanitize(up[i]) } else { 0.0 };
        down_rate[i] = if i > 0 { sanitize(down[i]) } else { 0.0 };
    }
    let max_exit = (0..n).map(|i| up_rate[i] + down_rate[i]).fold(0.0, f64::max);
    if max_exit * span_s < 1e-15 {
        for (time, p) in out.time_s.iter_mut().zip(&initial[..n]) {
            *time = p * span_s;
        }
        return out;
    }
    // h = span / 2^s with max exit rate x h <= 1/4: |Q h| <= 1/2 in the row-sum norm.
    let pure_birth = down_rate[..n].iter().all(|&d| d == 0.0);
    let squarings = (max_exit * span_s / 0.25).log2().ceil().max(0.0) as i32;
    let h = span_s / 2f64.powi(squarings);
    let (mut e_first, mut f) = taylor(&up_rate, &down_rate, n, h);
    let mut e_second = [[0.0; MAX_STATES]; MAX_STATES];
    let mut scratch = [[0.0; MAX_STATES]; MAX_STATES];
    // E(h) alternates between two buffers (copying a 5 KB matrix per squaring was 6 % of
    // a decade sweep).
    let (mut e, mut e_next) = (&mut e_first, &mut e_second);
    for _ in 0..squarings {
        // F(2h) = F(h) + E(h) F(h); E(2h) = E(h)^2.
        multiply(e, &f, n, pure_birth, &mut scratch);
        for i in 0..n {
            for j in 0..n {
                f[i][j] += scratch[i][j];
            }
        }
        multiply(e, e, n, pure_birth, e_next);
        std::mem::swap(&mut e, &mut e_next);
    }
    for j in 0..n {
        let (mut p, mut t) = (0.0, 0.0);
        for i in 0..n {
            p += initial[i] * e[i][j];
            t += initial[i] * f[i][j];
        }
        out.end[j] = p.max(0.0);
        out.time_s[j] = t.max(0.0);
    }
    // Squaring s times amplifies rounding by about 2^s (1e-9 at s = 23): restore the
    // chain's mass and the span.
    let mass: f64 = initial[..n].iter().sum();
    let (end_sum, time_sum): (f64, f64) = (out.end[..n].iter().sum(), out.time_s[..n].iter().sum());
    if end_sum > 0.0 && time_sum > 0.0 {
        out.end[..n].iter_mut().for_each(|p| *p *= mass / end_sum);
        out.time_s[..n].iter_mut().for_each(|t| *t *= mass * span_s / time_sum);
    }
    out
}

fn sanitize(rate: f64) -> f64 {
    if rate == f64::INFINITY {
        1e12
    } else if rate.is_finite() && rate > 0.0 {
        rate.min(1e12)
    } else {
        0.0
    }
}

/// E = exp(Q h) and F = integral_0^h exp(Q t) dt by their Taylor series (|Q h| <= 1/2, 14
/// terms: truncation error below 1e-20).
fn taylor(up: &[f64; MAX_STATES], down: &[f64; MAX_STATES], n: usize, h: f64) -> (Matrix, Matrix) {
    let mut e = [[0.0; MAX_STATES]; MAX_STATES];
    let mut f = [[0.0; MAX_STATES]; MAX_STATES];
    let mut term = [[0.0; MAX_STATES]; MAX_STATES];
    for i in 0..n {
        term[i][i] = 1.0;
        e[i][i] = 1.0;
        f[i][i] = h;
    }
    let mut next = [0.0; MAX_STATES];
    for k in 1..=14 {
        // term <- term (Q h) / k; Q is tridiagonal:
        // (M Q)[i][j] = M[i][j-1] up_{j-1} - M[i][j] (up_j + down_j) + M[i][j+1] down_{j+1}.
        let scale = h / k as f64;
        for row in term.iter_mut().take(n) {
            for j in 0..n {
                let from_below = if j > 0 { row[j - 1] * up[j - 1] } else { 0.0 };
                let from_above = if j + 1 < n { row[j + 1] * down[j + 1] } else { 0.0 };
                next[j] = (from_below - row[j] * (up[j] + down[j]) + from_above) * scale;
            }
            row[..n].copy_from_slice(&next[..n]);
        }
        let to_integral = h / (k + 1) as f64;
        for i in 0..n {
            for j in 0..n {
                e[i][j] += term[i][j];
                f[i][j] += term[i][j] * to_integral;
            }
        }
    }
    (e, f)
}

/// `out = a b` for the first `n` rows and columns. With `upper_triangular` (a pure-birth
/// chain: every matrix of its exponential is upper triangular) only k in i..=j can
/// contribute and the lower triangle is zero: a sixth of the products, the same sums
/// (the terms left out are exact zeros).
fn multiply(a: &Matrix, b: &Matrix, n: usize, upper_triangular: bool, out: &mut Matrix) {
    for i in 0..n {
        for j in 0..n {
            let ks = if upper_triangular { i..j + 1 } else { 0..n };
            let mut s = 0.0;
            for k in ks {
                s += a[i][k] * b[k][j];
            }
            out[i][j] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_state_chain_matches_its_closed_form() {
        // 0 <-> 1 with rates u (up) and d (down), from state 0:
        // P1(t) = u / (u + d) (1 - exp(-(u + d) t)).
        for (u, d, t) in [(0.01, 0.02, 100.0), (5.0, 1.0, 3.0), (1e6, 2e6, 1.0), (0.0, 1.0, 10.0)] {
            let tr = transient(&[1.0, 0.0], &[u, 0.0], &[0.0, d], t);
            let k = u + d;
            let p1 = if k > 0.0 { u / k * (1.0 - (-k * t).exp()) } else { 0.0 };
            let time1 = if k > 0.0 {
                u / k * (t - (1.0 - (-k * t).exp()) / k)
            } else {
                0.0
            };
            assert!((tr.end[1] - p1).abs() < 1e-8, "{u} {d}: {tr:?}");
            assert!(
                (tr.time_s[1] - time1).abs() < 1e-8 * t,
                "{u} {d}: {} vs {time1}",
                tr.time_s[1]
            );
            assert!((tr.end[0] + tr.end[1] - 1.0).abs() < 1e-12);
            assert!((tr.time_s[0] + tr.time_s[1] - t).abs() < 1e-9 * t);
        }
    }

    #[test]
    fn long_spans_reach_the_stationary_law() {
        // Birth-death with constant rates: stationary law geometric with ratio u / d.
        let (u, d) = (1.0, 2.0);
        let n = 6;
        let tr = transient(&[0.0, 0.0, 0.0, 1.0, 0.0, 0.0], &[u; 6], &[d; 6], 1e4);
        let weights: Vec<f64> = (0..n).map(|i| (u / d).powi(i)).collect();
        let total: f64 = weights.iter().sum();
        for (i, w) in weights.iter().enumerate() {
            assert!((tr.end[i] - w / total).abs() < 1e-10, "{i}: {tr:?}");
        }
    }
}
