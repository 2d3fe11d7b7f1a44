//! How many servers are awake under the sleep-when-idle policy, in flow fidelity.
//!
//! Transaction fidelity runs the policy exactly: a server empty for the idle timeout T
//! sleeps; dispatch only uses awake servers; one server is woken whenever every awake
//! core is busy. Flow fidelity needs the long-run number of awake servers for a step's
//! load, which depends on the dispatch policy:
//!
//! * Packing (route to the first server with a free core; Gandhi, Harchol-Balter et al.'s
//!   "DelayedOff" with most-recently-busy routing): server i gets work only in the busy
//!   spells that go past j = (i - 1) c busy cores, and is woken when an arrival first
//!   fills those j cores. Each server is an asleep/awake chain, carried from step to step:
//!   it wakes at the rate at which the j cores first fill (`saturation_rate_per_s`, one
//!   wake-up per busy spell, not per arrival that finds them full), and stays awake for
//!   L + (exp(w T) - 1) / w (L the wake latency, w the rate of spells that reach it: the
//!   wait for the first gap of T between them).
//! * Spreading (round-robin, join-shortest-queue): the number n of awake servers follows
//!   the expected path of a birth-death process, step by step from its current value
//!   (a stationary analysis would be wrong here: at night both rates are astronomically
//!   small, so the real system stays where it is for the whole horizon). Down-rate: n
//!   servers each start empty periods at rate lambda_s p0 (p0 the M/M/c empty probability
//!   at the per-server load) that outlast T with probability exp(-r T), r being the rate at
//!   which an empty server receives work. Up-rate: the rate at which the awake cores first
//!   all fill ([`fill_rate_per_s`]).

use statrs::function::gamma::checked_gamma_ur;

use super::birth_death::{MAX_STATES, transient};
use crate::datacenter::DispatchPolicy;
use crate::queueing::{SaturationSweep, erlang_b, erlang_c, saturation_rate_per_s, saturation_rate_upper_bound};

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

/// The packed servers' probabilities of being awake, carried from step to step (like
/// [`SpreadState`]: a server that is awake stays awake for as long as it gets work, which
/// at steady load can be far longer than a step, so a stationary answer would be wrong
/// after a change of load or at the start, when every server is awake).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackedState {
    /// P(awake) per server, in packing order.
    pub awake: Vec<f64>,
}

impl PackedState {
    /// `servers` servers, all awake (the fleet at the start of a run).
    pub fn all_awake(servers: u32) -> Self {
        PackedState {
            awake: vec![1.0; servers as usize],
        }
    }

    /// Advances the servers through a step of `dt_s` seconds at the step's load (servers
    /// added since the last step start asleep, as lifecycle additions do); returns the
    /// step's mean awake count and wake-ups.
    pub fn advance(&mut self, x: &SleepInputs, dt_s: f64) -> AwakeEstimate {
        self.awake.resize(x.servers as usize, 0.0);
        let a = x.load_cores.max(0.0);
        let lambda = x.arrival_rate_per_s.max(0.0);
        let c = x.cores as f64;
        let spread = 8.0 * a.sqrt() + 8.0;
        let mut awake = 0.0;
        let mut wakeups = 0.0;
        let mut saturation = SaturationSweep::new(a, lambda);
        for (index, p) in self.awake.iter_mut().enumerate() {
            let i = index as u32 + 1;
            let j = (i - 1) as f64 * c;
            if i <= x.min_awake || j < a - spread {
                // Never sleeps, or always busy.
                if *p < 1.0 {
                    wakeups += 1.0 - *p;
                }
                *p = 1.0;
                awake += 1.0;
                continue;
            }
            if *p == 0.0 && j > a + spread {
                continue;
            }
            // Server i is woken when servers 1..i-1 first fill their j cores (one wake-up
            // per busy spell that fills them) and kept awake by the work it gets, which
            // comes in the busy spells that go past j busy cores.
            let (wake_per_s, work_per_s) = if j > a + spread {
                (0.0, 0.0)
            } else {
                (
                    saturation.rate_per_s((i - 1) * x.cores),
                    saturation.rate_per_s((i - 1) * x.cores + 1),
                )
            };
            let sleep_per_s = 1.0 / stay_awake_s(work_per_s, x.idle_timeout_s, x.wake_latency_s);
            let (mean, step_wakeups) = two_state_step(p, wake_per_s, sleep_per_s, dt_s);
            awake += mean;
            wakeups += step_wakeups;
        }
        AwakeEstimate {
            awake,
            wake_rate_per_s: wakeups / dt_s,
        }
    }
}

/// Mean time a packed server stays awake once woken: the wake latency L, then until the
/// work it gets (spells at rate w) leaves a gap of the idle timeout T, which takes
/// (exp(w T) - 1) / w (the wait for the first gap of T in a Poisson stream). Infinite when
/// work comes far more often than the timeout.
fn stay_awake_s(work_per_s: f64, idle_timeout_s: f64, wake_latency_s: f64) -> f64 {
    let wt = work_per_s * idle_timeout_s;
    if wt > 700.0 {
        return f64::INFINITY;
    }
    wake_latency_s
        + if wt > 1e-9 {
            wt.exp_m1() / work_per_s
        } else {
            idle_timeout_s
        }
}

/// Advances P(awake) `p` of an asleep/awake chain (rates `wake_per_s` and `sleep_per_s`)
/// by `dt_s`; returns the mean P(awake) over the step and the expected wake-ups.
fn two_state_step(p: &mut f64, wake_per_s: f64, sleep_per_s: f64, dt_s: f64) -> (f64, f64) {
    let kappa = wake_per_s + sleep_per_s;
    let (mean, end) = if kappa * dt_s < 1e-12 {
        (*p, *p)
    } else {
        let p_inf = wake_per_s / kappa;
        let decay = (-kappa * dt_s).exp();
        let mean = p_inf + (*p - p_inf) * (1.0 - decay) / (kappa * dt_s);
        (mean, p_inf + (*p - p_inf) * decay)
    };
    *p = end.clamp(0.0, 1.0);
    let mean = mean.clamp(0.0, 1.0);
    (mean, wake_per_s * dt_s * (1.0 - mean))
}

/// P(B <= j) for B ~ Poisson(a).
fn poisson_cdf(j: f64, a: f64) -> f64 {
    if a <= 0.0 {
        return 1.0;
    }
    checked_gamma_ur(j + 1.0, a).unwrap_or(if j >= a { 1.0 } else { 0.0 })
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

/// The awake count of a spreading dispatcher, carried from step to step as a law over
/// whole servers: a birth-death chain (up: the awake cores first fill; down: an empty
/// server's idle spell outlasts the timeout) solved over each step by [`transient`] on a
/// window of at most [`MAX_STATES`] counts around its support. A single expected path
/// would be wrong for small fleets: from 1.6 servers it sees the rates of 2, which at
/// light load neither wake nor sleep anyone, and stays at 1.6 where the real fleet has
/// long since woken its second server. Wider swings (more counts than the window with
/// non-negligible rates) fall back to the expected path for that step.
#[derive(Debug, Clone, PartialEq)]
pub struct SpreadState {
    /// Expected awake servers at the end of the last step.
    pub awake: f64,
    /// The smallest count of the law.
    lowest: u32,
    /// P(lowest + i servers awake).
    probs: Vec<f64>,
}

impl Default for SpreadState {
    fn default() -> Self {
        Self::at(0)
    }
}

impl SpreadState {
    /// Exactly `servers` servers awake.
    pub fn at(servers: u32) -> Self {
        SpreadState {
            awake: servers as f64,
            lowest: servers,
            probs: vec![1.0],
        }
    }

    /// Advances the awake count through a step of `dt_s` seconds at the step's load;
    /// returns the step's mean awake count and wake-ups.
    pub fn advance(&mut self, dispatch: DispatchPolicy, x: &SleepInputs, dt_s: f64) -> AwakeEstimate {
        let lo = x.min_awake.clamp(1, x.servers.max(1));
        let hi = x.servers.max(1);
        self.clamp_to(lo, hi);
        let negligible = 1e-9 / dt_s;
        let up = |k: u32| {
            if k < hi {
                spread_up_rate(dispatch, x, k, negligible)
            } else {
                0.0
            }
        };
        let down = |k: u32| if k > lo { spread_down_rate(dispatch, x, k) } else { 0.0 };
        let mut start = self.lowest;
        let mut end = self.lowest + self.probs.len() as u32 - 1;
        let width = |start: u32, end: u32| (end - start + 1) as usize;
        while end < hi && width(start, end) < MAX_STATES && up(end) > negligible {
            end += 1;
        }
        while start > lo && width(start, end) < MAX_STATES && down(start) > negligible {
            start -= 1;
        }
        if up(end) > negligible || down(start) > negligible {
            return self.advance_expected_path(dispatch, x, dt_s, lo, hi);
        }
        let n = width(start, end);
        let mut initial = [0.0; MAX_STATES];
        let mut up_rates = [0.0; MAX_STATES];
        let mut down_rates = [0.0; MAX_STATES];
        let offset = (self.lowest - start) as usize;
        initial[offset..offset + self.probs.len()].copy_from_slice(&self.probs);
        for i in 0..n {
            let k = start + i as u32;
            up_rates[i] = up(k);
            down_rates[i] = down(k);
        }
        let law = transient(&initial[..n], &up_rates[..n], &down_rates[..n], dt_s);
        let (mut area, mut wakeups) = (0.0, 0.0);
        for (i, (time, up_rate)) in law.time_s[..n].iter().zip(&up_rates[..n]).enumerate() {
            area += (start + i as u32) as f64 * time;
            wakeups += up_rate * time;
        }
        // Keep the law where it has mass.
        let first = (0..n).find(|&i| law.end[i] > 1e-12).unwrap_or(0);
        let last = (0..n).rev().find(|&i| law.end[i] > 1e-12).unwrap_or(first);
        self.lowest = start + first as u32;
        self.probs.clear();
        self.probs.extend_from_slice(&law.end[first..=last]);
        self.normalize();
        AwakeEstimate {
            awake: area / dt_s,
            wake_rate_per_s: wakeups / dt_s,
        }
    }

    /// Moves the law's mass outside `lo..=hi` (after a change of the fleet) to the bounds.
    fn clamp_to(&mut self, lo: u32, hi: u32) {
        let inside = self.lowest >= lo && self.lowest + self.probs.len() as u32 - 1 <= hi;
        if inside && !self.probs.is_empty() {
            return;
        }
        let mut law = vec![0.0; (hi - lo + 1) as usize];
        for (i, &p) in self.probs.iter().enumerate() {
            let k = (self.lowest + i as u32).clamp(lo, hi);
            law[(k - lo) as usize] += p;
        }
        if law.iter().sum::<f64>() <= 0.0 {
            law[0] = 1.0;
        }
        let first = law.iter().position(|&p| p > 0.0).unwrap_or(0);
        let last = law.iter().rposition(|&p| p > 0.0).unwrap_or(first);
        self.lowest = lo + first as u32;
        self.probs = law[first..=last].to_vec();
        self.normalize();
    }

    fn normalize(&mut self) {
        let total: f64 = self.probs.iter().sum();
        if total > 0.0 {
            self.probs.iter_mut().for_each(|p| *p /= total);
        } else {
            self.probs = vec![1.0];
        }
        self.awake = self
            .probs
            .iter()
            .enumerate()
            .map(|(i, p)| (self.lowest + i as u32) as f64 * p)
            .sum();
    }

    /// The expected path, moving one whole server at a time, for swings wider than the
    /// window; the law becomes the two counts around the path's end.
    fn advance_expected_path(
        &mut self,
        dispatch: DispatchPolicy,
        x: &SleepInputs,
        dt_s: f64,
        lo: u32,
        hi: u32,
    ) -> AwakeEstimate {
        let (lo, hi) = (lo as f64, hi as f64);
        let mut n = self.awake.clamp(lo, hi);
        let mut remaining = dt_s;
        let mut area = 0.0;
        let mut wakeups = 0.0;
        let negligible = 1e-9 / dt_s;
        for _ in 0..=(2 * x.servers) {
            let k = n.round().max(1.0) as u32;
            let up = if n < hi {
                spread_up_rate(dispatch, x, k, negligible)
            } else {
                0.0
            };
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
            // Move to the next whole server (from a fractional count, only the rest of
            // the way).
            let target = if net > 0.0 { n.floor() + 1.0 } else { n.ceil() - 1.0 }.clamp(lo, hi);
            let to_target_s = (target - n).abs() / net.abs();
            let (t_move, end) = if to_target_s <= remaining {
                (to_target_s, target)
            } else {
                (remaining, (n + net * remaining).clamp(lo, hi))
            };
            area += 0.5 * (n + end) * t_move;
            wakeups += up * t_move;
            n = end;
            remaining -= t_move;
            if remaining <= 0.0 {
                break;
            }
        }
        area += n * remaining;
        let below = n.floor();
        let frac = n - below;
        self.lowest = below as u32;
        self.probs = if frac > 0.0 { vec![1.0 - frac, frac] } else { vec![1.0] };
        self.normalize();
        AwakeEstimate {
            awake: area / dt_s,
            wake_rate_per_s: wakeups / dt_s,
        }
    }
}

/// Wake-ups per second with `n` servers awake: the rate at which their cores first all
/// fill ([`fill_rate_per_s`]).
fn spread_up_rate(dispatch: DispatchPolicy, x: &SleepInputs, n: u32, negligible_per_s: f64) -> f64 {
    let per_server = x.load_cores / n.max(1) as f64;
    fill_rate_per_s(
        dispatch,
        x.arrival_rate_per_s,
        n * x.cores,
        x.load_cores,
        [(n, x.cores, per_server)].into_iter(),
        negligible_per_s,
    )
}

/// Rate at which a set of awake servers first has every core busy, from its stationary
/// state (what makes the power manager wake one more). Join-shortest-queue and packing:
/// one pooled queue of `pooled_cores` at `pooled_load_cores` ([`saturation_rate_per_s`],
/// one wake-up per busy spell that fills the cores). Round-robin: independent servers,
/// given as (count, cores, offered load per server in busy cores), each with its share
/// of the arrivals; the cores all fill when an arrival takes the last core of its server
/// while every other server is full. With one server awake that is the pooled case; with
/// more, the others are full only for moments (about 1 / (c mu)), so repeated fills in one
/// server's busy spell rarely coincide with them and every such arrival counts:
/// lambda_s P(N = c - 1) x P(the others full). A pooled rate whose O(1) upper bound is
/// below `negligible_per_s` is returned as 0 (the exact rate costs O(c - a + 8 sqrt(a))).
pub fn fill_rate_per_s(
    dispatch: DispatchPolicy,
    lambda: f64,
    pooled_cores: u32,
    pooled_load_cores: f64,
    round_robin: impl Iterator<Item = (u32, u32, f64)> + Clone,
    negligible_per_s: f64,
) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    let n: u32 = round_robin.clone().map(|(count, _, _)| count).sum();
    if n <= 1 || !matches!(dispatch, DispatchPolicy::RoundRobin) {
        if saturation_rate_upper_bound(pooled_cores, pooled_load_cores, lambda) < negligible_per_s {
            return 0.0;
        }
        return saturation_rate_per_s(pooled_cores, pooled_load_cores, lambda);
    }
    let lambda_s = lambda / n as f64;
    let mut all_full = 1.0;
    let mut fill_over_full = 0.0;
    for (count, cores, a) in round_robin {
        if count == 0 {
            continue;
        }
        let c = cores as f64;
        if a >= c {
            // An overloaded server is always full.
            fill_over_full += count as f64 * lambda_s;
            continue;
        }
        // P(N >= c) = C; P(N = c - 1) = C (1 - rho) c / a.
        let full = erlang_c(cores, a);
        all_full *= full.powi(count as i32);
        if full > 0.0 {
            fill_over_full += count as f64 * lambda_s * (1.0 - a / c) * c / a;
        }
    }
    all_full * fill_over_full
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
    // Both dispatchers hand arrivals out in turn: round-robin over all n servers,
    // join-shortest-queue over the empty ones (ties rotate). A server that empties waits
    // for its next turn: 1 to m arrivals away (m the servers taking turns), so its idle
    // spell is Erlang(j, lambda) with j about uniform on 1..m, far less often longer than
    // T than an exponential gap of the same mean.
    let turns = match dispatch {
        DispatchPolicy::JoinShortestQueue => (nf * p0).round().max(1.0),
        _ => nf,
    } as u32;
    nf * lambda_s * p0 * mean_erlang_survival(turns, lambda, x.idle_timeout_s)
}

/// (1/m) sum over j = 1..m of P(Erlang(j, lambda) > t) = P(Poisson(lambda t) <= j - 1).
fn mean_erlang_survival(m: u32, lambda: f64, t: f64) -> f64 {
    let x = lambda * t;
    let mut term = (-x).exp();
    let mut cdf = 0.0;
    let mut sum = 0.0;
    for j in 0..m.max(1) {
        cdf += term;
        sum += cdf;
        term *= x / (j as f64 + 1.0);
        if cdf >= 1.0 - 1e-15 {
            // Every later term is 1.
            sum += (m.max(1) - j - 1) as f64;
            break;
        }
    }
    (sum / m.max(1) as f64).min(1.0)
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
            let mut state = SpreadState::at(20);
            let e = state.advance(DispatchPolicy::RoundRobin, &inputs(0.4 * rate, rate), 900.0);
            assert!((e.awake - 20.0).abs() < 1e-6, "{rate}: {e:?}");
        }
    }

    #[test]
    fn packing_keeps_about_the_needed_servers_awake() {
        // 40 busy cores on 8-core servers need 5 servers; fluctuations and the 60 s
        // timeout keep one or two more awake, far from all 20.
        let mut state = PackedState::all_awake(20);
        let e = state.advance(&inputs(40.0, 100.0), 86_400.0);
        assert!(e.awake > 5.0 && e.awake < 10.0, "{e:?}");
        let e = state.advance(&inputs(40.0, 100.0), 900.0);
        assert!(e.awake > 5.0 && e.awake < 10.0 && e.wake_rate_per_s > 0.0, "{e:?}");
    }

    #[test]
    fn a_packed_fleet_falls_asleep_after_the_timeout() {
        // No work beyond the first server: the others sleep after T + L = 70 s, so over
        // a 700 s step they are awake a tenth of it.
        let mut state = PackedState::all_awake(20);
        let e = state.advance(&inputs(0.5, 5.0), 700.0);
        assert!((e.awake - (1.0 + 19.0 * 0.1)).abs() < 0.05, "{e:?}");
        assert!(state.awake[1..].iter().all(|&p| p < 1e-3), "{state:?}");
    }

    #[test]
    fn idle_fleet_sleeps_down_to_min_awake() {
        let mut state = PackedState::all_awake(20);
        state.advance(&inputs(0.0, 0.0), 3600.0);
        let e = state.advance(&inputs(0.0, 0.0), 3600.0);
        assert!((e.awake - 1.0).abs() < 1e-9, "{e:?}");
        for d in [DispatchPolicy::RoundRobin, DispatchPolicy::JoinShortestQueue] {
            let mut state = SpreadState::at(20);
            state.advance(d, &inputs(0.0, 0.0), 3600.0);
            assert!((state.awake - 1.0).abs() < 1e-9, "{d:?}: {state:?}");
        }
    }

    #[test]
    fn sparse_traffic_lets_spread_servers_sleep() {
        // Round-robin hands arrivals out in turn: at 1 tx/s over 20 servers each gets
        // every 20th, 20 s apart on average but almost never 60 s (Erlang gaps), and
        // transaction fidelity keeps all 20 awake; at 0.1 tx/s they fall asleep.
        let mut state = SpreadState::at(20);
        state.advance(DispatchPolicy::RoundRobin, &inputs(0.4, 1.0), 3600.0);
        assert!(state.awake > 19.99, "{state:?}");
        let mut state = SpreadState::at(20);
        state.advance(DispatchPolicy::RoundRobin, &inputs(0.04, 0.1), 3600.0);
        assert!(state.awake < 19.0, "{state:?}");
    }

    #[test]
    fn saturated_spread_fleet_wakes_up() {
        // 100 busy cores need at least 13 eight-core servers; waking continues while
        // arrivals still find every awake core busy.
        let mut state = SpreadState::at(1);
        let e = state.advance(DispatchPolicy::JoinShortestQueue, &inputs(100.0, 200.0), 900.0);
        assert!(state.awake >= 14.0, "{state:?}");
        assert!(e.wake_rate_per_s > 0.0);
    }
}
