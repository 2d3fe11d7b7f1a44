//! Erlang B and Erlang C, computed through the numerically stable Erlang B recursion.
//!
//! The textbook sum `a^c / c!` overflows near c = 170; the recursion never does. For large
//! server counts the recursion starts a few standard deviations below the offered load,
//! where its error dies out geometrically (each step multiplies an error by n/a < 1), so the
//! cost is O(c - a + 12 sqrt(a)) instead of O(c) with no loss of accuracy.

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

    #[test]
    fn no_overflow_for_very_large_systems() {
        let c = erlang_c(10_000, 9_900.0);
        assert!(c.is_finite() && c > 0.0 && c < 1.0, "got {c}");
        assert_eq!(erlang_c(300, 300.0), 1.0);
        assert_eq!(erlang_b(4, 0.0), 0.0);
    }
}
