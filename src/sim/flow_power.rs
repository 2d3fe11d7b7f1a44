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
//!   server i is awake if B > j now, or it was woken within the last T + L (L the wake
//!   latency): P(awake_i) = P(B > j) + P(B <= j) (1 - exp(-u_j (T + L))), where
//!   u_j = lambda ErlangC(j, a) is the rate of arrivals that find the j cores of servers
//!   1..i-1 all busy, which is what wakes server i.
//! * Spreading (round-robin, join-shortest-queue): the number n of awake servers follows
//!   the expected path of a birth-death process, step by step from its current value
//!   (a stationary analysis would be wrong here: at night both rates are astronomically
//!   small, so the real system stays where it is for the whole horizon). Down-rate: n
//!   servers each start empty periods at rate lambda_s p0 (p0 the M/M/c empty probability
//!   at the per-server load) that outlast T with probability exp(-r T), r being the rate at
//!   which an empty server receives work. Up-rate: lambda x P(all awake cores busy) =
//!   lambda x ErlangC(n c, a).

use statrs::function::gamma::checked_gamma_ur;

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
    /// Time to wake a server, s (a woken server counts as awake while waking).
    pub wake_latency_s: f64,
}

/// The estimate for packing dispatch (round-robin and join-shortest-queue use
/// [`SpreadState`]).
pub fn packing_estimate(x: &SleepInputs) -> AwakeEstimate {
    packing(x)
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
        let cdf = poisson_cdf(j, a).max(f64::MIN_POSITIVE);
        // While servers 1..i-1 are the awake ones, server i is woken by an arrival that
        // finds all their j cores busy: Erlang C of j cores at the offered load.
        let up_rate = lambda * erlang_c((i - 1) * x.cores, a);
        // After the arrival that wakes it, a server is awake while waking and then until
        // it has been empty for the timeout.
        let stays_asleep = (-up_rate * (x.idle_timeout_s + x.wake_latency_s)).exp();
        let p_awake = (1.0 - cdf) + cdf * (1.0 - stays_asleep);
        awake += p_awake;
        wake_rate += up_rate * cdf * stays_asleep;
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

/// The awake count of a spreading dispatcher, carried from step to step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpreadState {
    /// Awake servers now (a real number: the expected path).
    pub awake: f64,
}

impl SpreadState {
    /// Advances the awake count through a step of `dt_s` seconds at the step's load;
    /// returns the step's mean awake count and wake-ups.
    pub fn advance(&mut self, dispatch: DispatchPolicy, x: &SleepInputs, dt_s: f64) -> AwakeEstimate {
        let lo = x.min_awake.clamp(1, x.servers.max(1)) as f64;
        let hi = x.servers.max(1) as f64;
        let mut n = self.awake.clamp(lo, hi);
        let mut remaining = dt_s;
        let mut area = 0.0;
        let mut wakeups = 0.0;
        // Move one server at a time along the expected path; at most a few moves per step.
        for _ in 0..=(2 * x.servers) {
            let k = n.round().max(1.0) as u32;
            let up = if n < hi { spread_up_rate(x, k) } else { 0.0 };
            let down = if n > lo { spread_down_rate(dispatch, x, k) } else { 0.0 };
            let net = up - down;
            if net == 0.0 || net.abs() * remaining < 0.5 {
                let end = (n + net * remaining).clamp(lo, hi);
                area += 0.5 * (n + end) * remaining;
                wakeups += up * remaining;
                n = end;
                remaining = 0.0;
                break;
            }
            let t_move = (1.0 / net.abs()).min(remaining);
            let end = (n + net.signum()).clamp(lo, hi);
            area += 0.5 * (n + end) * t_move;
            wakeups += up * t_move;
            n = end;
            remaining -= t_move;
            if remaining <= 0.0 {
                break;
            }
        }
        area += n * remaining;
        self.awake = n;
        AwakeEstimate {
            awake: area / dt_s,
            wake_rate_per_s: wakeups / dt_s,
        }
    }
}

/// Wake-ups per second with `n` servers awake: arrivals that find every awake core busy.
fn spread_up_rate(x: &SleepInputs, n: u32) -> f64 {
    x.arrival_rate_per_s * erlang_c(n * x.cores, x.load_cores)
}

/// Servers falling asleep per second with `n` awake.
fn spread_down_rate(dispatch: DispatchPolicy, x: &SleepInputs, n: u32) -> f64 {
    let lambda = x.arrival_rate_per_s;
    let nf = n as f64;
    if lambda <= 0.0 {
        // No arrivals: every awake server above the minimum sleeps after the timeout.
        return nf / x.idle_timeout_s.max(1e-9);
    }
    let lambda_s = lambda / nf;
    let p0 = ln_empty_probability(x.load_cores / nf, x.cores).exp();
    let refill_rate = match dispatch {
        DispatchPolicy::JoinShortestQueue => lambda / (nf * p0).max(1.0),
        _ => lambda_s,
    };
    nf * lambda_s * p0 * (-refill_rate * x.idle_timeout_s).exp()
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
            wake_latency_s: 10.0,
        }
    }

    #[test]
    fn busy_spread_fleets_never_sleep() {
        // 100 or 10 tx/s over 20 servers: every server sees work every few seconds, so an
        // empty spell of 60 s has probability below exp(-30).
        for rate in [100.0, 10.0] {
            let mut state = SpreadState { awake: 20.0 };
            let e = state.advance(DispatchPolicy::RoundRobin, &inputs(0.4 * rate, rate), 900.0);
            assert!((e.awake - 20.0).abs() < 1e-6, "{rate}: {e:?}");
        }
    }

    #[test]
    fn packing_keeps_about_the_needed_servers_awake() {
        // 40 busy cores on 8-core servers need 5 servers; fluctuations and the 60 s
        // timeout keep one or two more awake, far from all 20.
        let e = packing_estimate(&inputs(40.0, 100.0));
        assert!(e.awake > 5.0 && e.awake < 10.0, "{e:?}");
    }

    #[test]
    fn idle_fleet_sleeps_down_to_min_awake() {
        let e = packing_estimate(&inputs(0.0, 0.0));
        assert!((e.awake - 1.0).abs() < 1e-9, "{e:?}");
        for d in [DispatchPolicy::RoundRobin, DispatchPolicy::JoinShortestQueue] {
            let mut state = SpreadState { awake: 20.0 };
            state.advance(d, &inputs(0.0, 0.0), 3600.0);
            assert!((state.awake - 1.0).abs() < 1e-9, "{d:?}: {state:?}");
        }
    }

    #[test]
    fn sparse_traffic_lets_spread_servers_sleep() {
        // 1 tx/s over 20 servers: each sees an arrival every 20 s, so 5 % of its gaps
        // exceed 60 s and servers fall asleep.
        let mut state = SpreadState { awake: 20.0 };
        state.advance(DispatchPolicy::RoundRobin, &inputs(0.4, 1.0), 3600.0);
        assert!(state.awake < 19.0, "{state:?}");
    }

    #[test]
    fn saturated_spread_fleet_wakes_up() {
        // 100 busy cores need at least 13 eight-core servers; waking continues while
        // arrivals still find every awake core busy.
        let mut state = SpreadState { awake: 1.0 };
        let e = state.advance(DispatchPolicy::JoinShortestQueue, &inputs(100.0, 200.0), 900.0);
        assert!(state.awake >= 14.0, "{state:?}");
        assert!(e.wake_rate_per_s > 0.0);
    }
}
