//! Reactive wake-ups between two consolidation decisions, in flow fidelity.
//!
//! Transaction fidelity wakes one more server whenever an arrival takes the last free core
//! of the awake servers and no server is already waking; the woken server stays awake
//! until the next consolidation decision puts the fleet back to its target. Between two
//! decisions the number of awake servers is therefore a pure-birth process: with k extra
//! servers awake, the next is woken at rate `u_k` (arrival rate x the probability that an
//! arrival fills every awake core), then it wakes for the latency L_k, during which no
//! other server is woken.
//!
//! Flow fidelity needs, over an interval of length I that starts at the target, the
//! expected time-average of each extra server's presence, the expected number of
//! wake-ups and the expected extra servers awake at the end. The chain A_0 -> W_0 -> A_1
//! -> W_1 -> ... -> A_K (A_k: k extra awake; W_k: the (k+1)-th waking, counted awake as
//! flow counts a waking server) is solved exactly from A_0 ([`transient`]: the matrix
//! exponential of its generator and its integral). The wake latency is an exponential
//! phase of mean L_k: the mean time in it, which is what the awake time depends on, is
//! exact; only the spread of when the next wake-up may start is approximate.

use super::birth_death::{self, transient};

/// The most extra servers the chain follows in one interval.
pub const MAX_EXTRA: usize = (birth_death::MAX_STATES - 1) / 2;

/// The most states of the chain (A and W per extra server, plus the last A).
const MAX_STATES: usize = birth_death::MAX_STATES;

/// What the chain gives for one interval.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IntervalWakes {
    /// Time-average presence (awake or waking) of extra server k + 1, for k < the number
    /// of rates given.
    pub presence: [f64; MAX_EXTRA],
    /// Probability that extra server k + 1 is awake or waking at the end of the interval
    /// (every one present was woken in the interval: none sleeps before the next decision,
    /// so these also sum to the expected wake-ups).
    pub present_at_end: [f64; MAX_EXTRA],
}

impl IntervalWakes {
    /// Expected wake-ups in the interval (= extra servers expected at its end).
    pub fn wakeups(&self) -> f64 {
        self.present_at_end.iter().sum()
    }
}

/// Solves the chain for an interval of `interval_s` seconds. `wake_rates_per_s[k]` is the
/// wake-up rate with k extra servers awake; `wake_latency_s[k]` the latency of the
/// (k+1)-th extra server (0: awake at once). Rates beyond [`MAX_EXTRA`] are ignored.
pub fn interval_wakes(wake_rates_per_s: &[f64], wake_latency_s: &[f64], interval_s: f64) -> IntervalWakes {
    let extras = wake_rates_per_s.len().min(wake_latency_s.len()).min(MAX_EXTRA);
    let mut out = IntervalWakes::default();
    if extras == 0 || !(interval_s > 0.0 && interval_s.is_finite()) {
        return out;
    }
    // States in order (A_0, W_0, A_1, ...): exit rate and extra servers present.
    let mut rate = [0.0; MAX_STATES];
    let mut present = [0usize; MAX_STATES];
    let mut n = 0;
    for k in 0..extras {
        rate[n] = wake_rates_per_s[k];
        present[n] = k;
        n += 1;
        let latency = wake_latency_s[k];
        if latency > 0.0 && latency.is_finite() {
            rate[n] = 1.0 / latency;
            present[n] = k + 1;
            n += 1;
        }
    }
    present[n] = extras;
    n += 1;
    let mut initial = [0.0; MAX_STATES];
    initial[0] = 1.0;
    let law = transient(&initial[..n], &rate[..n], &[0.0; MAX_STATES][..n], interval_s);
    for (j, &count) in present[..n].iter().enumerate() {
        let time_share = (law.time_s[j] / interval_s).clamp(0.0, 1.0);
        let p_end = law.end[j].clamp(0.0, 1.0);
        for k in 0..count {
            out.presence[k] += time_share;
            out.present_at_end[k] += p_end;
        }
    }
    for slot in out.presence.iter_mut().chain(out.present_at_end.iter_mut()) {
        *slot = slot.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_instant_wake_up_matches_the_exponential_formula() {
        // One possible wake-up at rate u, no latency: the extra server is present for
        // E[(I - T)^+] / I = 1 - (1 - exp(-u I)) / (u I).
        for u_i in [1e-3, 0.1, 1.0, 5.0, 80.0, 1e4] {
            let interval = 900.0;
            let u = u_i / interval;
            let w = interval_wakes(&[u], &[0.0], interval);
            let expected = 1.0 - (1.0 - (-u_i).exp()) / u_i;
            assert!((w.presence[0] - expected).abs() < 1e-10, "{u_i}: {w:?} vs {expected}");
            assert!((w.wakeups() - (1.0 - (-u_i).exp())).abs() < 1e-10);
        }
    }

    #[test]
    fn a_wake_latency_delays_the_next_wake_up() {
        // Two possible wake-ups at a very high rate: the first is at once, the second only
        // after the first has woken (latency L, exponential of mean L here).
        let (interval, latency) = (100.0, 10.0);
        let w = interval_wakes(&[1e6, 1e6], &[latency, latency], interval);
        assert!((w.presence[0] - 1.0).abs() < 1e-4, "{w:?}");
        // The second starts after an Exp(L) phase: presence 1 - L/I (1 - exp(-I/L)).
        let expected = 1.0 - latency / interval * (1.0 - (-interval / latency).exp());
        assert!((w.presence[1] - expected).abs() < 1e-4, "{w:?} vs {expected}");
        assert!((w.wakeups() - 2.0).abs() < 1e-3);
    }

    #[test]
    fn two_stage_chain_matches_the_hypoexponential_law() {
        // No latency, rates u0 != u1: T2 = Exp(u0) + Exp(u1), P(T2 <= t) known in closed
        // form; presence of the second = (1/I) integral_0^I P(T2 <= t) dt.
        let (u0, u1, interval) = (0.01, 0.003, 600.0);
        let w = interval_wakes(&[u0, u1], &[0.0, 0.0], interval);
        let cdf = |t: f64| 1.0 - (u1 * (-u0 * t).exp() - u0 * (-u1 * t).exp()) / (u1 - u0);
        let steps = 200_000;
        let dt = interval / steps as f64;
        let integral: f64 = (0..steps).map(|i| cdf((i as f64 + 0.5) * dt) * dt).sum();
        assert!((w.presence[1] - integral / interval).abs() < 1e-8, "{w:?}");
        assert!((w.present_at_end[0] - (1.0 - (-u0 * interval).exp())).abs() < 1e-10);
        assert!((w.present_at_end[1] - cdf(interval)).abs() < 1e-10);
    }

    #[test]
    fn no_rate_no_wake_up() {
        let w = interval_wakes(&[0.0, 0.0], &[5.0, 5.0], 900.0);
        assert_eq!(w, IntervalWakes::default());
        assert_eq!(interval_wakes(&[], &[], 900.0), IntervalWakes::default());
    }
}
