//! How many servers are awake under the sleep-when-idle policy, in flow fidelity.
//!
//! Transaction fidelity runs the policy exactly: a server empty for the idle timeout T
//! sleeps; dispatch only uses awake servers; one server is woken whenever every awake
//! core is busy. Flow fidelity needs the long-run number of awake servers for a step's
//! load, which depends on the dispatch policy:
//!
//! * Packing (route to the first server with a free core; Gandhi, Harchol-Balter et al.'s
//!   "DelayedOff" with most-recently-busy routing): server i is used when the number of busy
//!   cores B exceeds j = (i - 1) c. With B ~ Poisson(a) (the M/M/inf approximation),
//!   server i is awake if B > j now, or B crossed j upward within the last T:
//!   P(awake_i) = P(B > j) + P(B <= j) (1 - exp(-u_j T)), where u_j = lambda pi_j / P(B <= j)
//!   is the rate of up-crossings of j while at or below it.
//! * Spreading (round-robin, join-shortest-queue): a birth-death chain on the number n of
//!   awake servers. Down-rate: n servers each start empty periods at rate lambda_s p0 (p0 the
//!   M/M/c empty probability at per-server load) that last beyond T with probability
//!   exp(-r T), where r is the rate at which an empty server receives work. Up-rate:
//!   lambda x P(all awake cores busy) = lambda x ErlangC(n c, a).

use statrs::function::gamma::{checked_gamma_ur, ln_gamma};

use crate::datacenter::DispatchPolicy;
use crate::queueing::{erlang_b, erlang_c};

/// Expected awake servers and rate of wake-ups for one step's load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AwakeEstimate {
    /// Mean number of awake servers.
    pub awake: f64,
    /// Wake-ups per second.
    pub wake_rate_per_s: f64,
}

/// Inputs of the estimate.
#[derive(Debug, Clone, Copy)]
pub struct SleepInputs {
    /// Offered load, busy cores.
    pub load_cores: f64,
    /// Arrival rate, 1/s.
    pub arrival_rate_per_s: f64,
    /// Cores per server.
    pub cores: u32,
    /// Servers in the fleet.
    pub servers: u32,
    /// Servers that never sleep.
    pub min_awake: u32,
    /// Idle timeout, s.
    pub idle_timeout_s: f64,
}

/// The estimate for `dispatch`.
pub fn awake_estimate(dispatch: DispatchPolicy, x: &SleepInputs) -> AwakeEstimate {
    match dispatch {
        DispatchPolicy::PowerAwarePacking => packing(x),
        DispatchPolicy::RoundRobin | DispatchPolicy::JoinShortestQueue => spreading(dispatch, x),
    }
}

fn poisson_ln_pmf(j: f64, a: f64) -> f64 {
    if a <= 0.0 {
        return if j == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    j * a.ln() - a - ln_gamma(j + 1.0)
}

/// P(B <= j) for B ~ Poisson(a).
fn poisson_cdf(j: f64, a: f64) -> f64 {
    if a <= 0.0 {
        return 1.0;
    }
    checked_gamma_ur(j + 1.0, a).unwrap_or(if j >= a { 1.0 } else { 0.0 })
}

fn packing(x: &SleepInputs) -> AwakeEstimate {
    let a = x.load_cores.max(0.0);
    let lambda = x.arrival_rate_per_s.max(0.0);
    let c = x.cores as f64;
    let spread = 8.0 * a.sqrt() + 8.0;
    let mut awake = 0.0;
    let mut wake_rate = 0.0;
    for i in 1..=x.servers {
        if i <= x.min_awake {
            awake += 1.0;
            continue;
        }
        let j = (i - 1) as f64 * c;
        if j < a - spread {
            awake += 1.0;
            continue;
        }
        let pmf = poisson_ln_pmf(j, a).exp();
        let cdf = poisson_cdf(j, a).max(f64::MIN_POSITIVE);
        let up_rate = lambda * pmf / cdf;
        let stays_asleep = (-up_rate * x.idle_timeout_s).exp();
        let p_awake = (1.0 - cdf) + cdf * (1.0 - stays_asleep);
        awake += p_awake;
        wake_rate += lambda * pmf * stays_asleep;
        if j > a + spread && p_awake < 1e-12 {
            break;
        }
    }
    AwakeEstimate {
        awake,
        wake_rate_per_s: wake_rate,
    }
}

/// ln P(empty) of an M/M/c queue with offered load `a` (busy cores) and `c` cores.
fn ln_empty_probability(a: f64, c: u32) -> f64 {
    let cf = c as f64;
    if a <= 0.0 {
        return 0.0;
    }
    if a >= cf {
        return f64::NEG_INFINITY;
    }
    let b = erlang_b(c, a);
    let rho = a / cf;
    -a - poisson_cdf(cf, a).ln() - (1.0 + b * rho / (1.0 - rho)).ln()
}

fn spreading(dispatch: DispatchPolicy, x: &SleepInputs) -> AwakeEstimate {
    let a = x.load_cores.max(0.0);
    let lambda = x.arrival_rate_per_s.max(0.0);
    let lo = x.min_awake.clamp(1, x.servers.max(1));
    let hi = x.servers.max(1);
    if lambda <= 0.0 {
        return AwakeEstimate {
            awake: lo as f64,
            wake_rate_per_s: 0.0,
        };
    }
    let up = |n: u32| -> f64 {
        if n >= hi {
            0.0
        } else {
            lambda * erlang_c(n * x.cores, a)
        }
    };
    let down = |n: u32| -> f64 {
        if n <= lo {
            return 0.0;
        }
        let nf = n as f64;
        let lambda_s = lambda / nf;
        let ln_p0 = ln_empty_probability(a / nf, x.cores);
        let p0 = ln_p0.exp();
        let refill_rate = match dispatch {
            DispatchPolicy::JoinShortestQueue => lambda / (nf * p0).max(1.0),
            _ => lambda_s,
        };
        nf * lambda_s * p0 * (-refill_rate * x.idle_timeout_s).exp()
    };
    // Detailed balance: pi(n + 1) / pi(n) = up(n) / down(n + 1), in log space.
    let mut ln_w = Vec::with_capacity((hi - lo + 1) as usize);
    ln_w.push(0.0);
    for n in lo..hi {
        let prev = ln_w.last().copied().unwrap_or(0.0);
        let (u, d) = (up(n), down(n + 1));
        let next = match (u > 0.0, d > 0.0) {
            (_, false) => f64::INFINITY,
            (false, true) => f64::NEG_INFINITY,
            (true, true) => prev + u.ln() - d.ln(),
        };
        ln_w.push(next);
    }
    // An infinite weight means the chain never comes down past that state: keep only the
    // states at and above the last one.
    let start = ln_w.iter().rposition(|w| w.is_infinite() && *w > 0.0).unwrap_or(0);
    let ln_w: Vec<f64> = ln_w[start..]
        .iter()
        .enumerate()
        .map(|(i, &w)| if i == 0 && w.is_infinite() { 0.0 } else { w })
        .collect();
    let max = ln_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    let mut awake = 0.0;
    let mut wake_rate = 0.0;
    for (i, w) in ln_w.iter().enumerate() {
        let p = (w - max).exp();
        let n = lo + start as u32 + i as u32;
        total += p;
        awake += p * n as f64;
        wake_rate += p * up(n);
    }
    AwakeEstimate {
        awake: awake / total,
        wake_rate_per_s: wake_rate / total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(load_cores: f64, rate: f64) -> SleepInputs {
        SleepInputs {
            load_cores,
            arrival_rate_per_s: rate,
            cores: 8,
            servers: 20,
            min_awake: 1,
            idle_timeout_s: 60.0,
        }
    }

    #[test]
    fn busy_spread_fleets_never_sleep() {
        // 100 tx/s over 20 servers: every server sees work every fraction of a second.
        let e = awake_estimate(DispatchPolicy::RoundRobin, &inputs(40.0, 100.0));
        assert!((e.awake - 20.0).abs() < 1e-6, "{e:?}");
    }

    #[test]
    fn packing_keeps_about_the_needed_servers_awake() {
        // 40 busy cores on 8-core servers need 5 servers; fluctuations and the 60 s
        // timeout keep one or two more awake, far from all 20.
        let e = awake_estimate(DispatchPolicy::PowerAwarePacking, &inputs(40.0, 100.0));
        assert!(e.awake > 5.0 && e.awake < 10.0, "{e:?}");
    }

    #[test]
    fn idle_fleet_sleeps_down_to_min_awake() {
        for d in [
            DispatchPolicy::PowerAwarePacking,
            DispatchPolicy::RoundRobin,
            DispatchPolicy::JoinShortestQueue,
        ] {
            let e = awake_estimate(d, &inputs(0.0, 0.0));
            assert!((e.awake - 1.0).abs() < 1e-9, "{d:?}: {e:?}");
        }
    }
}
