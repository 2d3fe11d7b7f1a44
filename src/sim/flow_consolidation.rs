//! Consolidation in flow fidelity: the servers awake in a step.
//!
//! Transaction fidelity decides every `interval`: the most efficient servers whose capacity
//! at the target utilization covers the load of the last interval plus headroom stay
//! awake, the others drain and sleep. Between decisions it wakes one more server whenever
//! an arrival takes the last free awake core (one at a time: none while another wakes).
//!
//! Flow fidelity repeats the decision per interval. The first interval of a step is
//! decided from the previous step's load; when the interval is shorter than the step, the
//! later ones from this step's load (what those decisions observe). Within an interval:
//! * if the chosen servers have fewer cores than the offered load, every arrival finds
//!   them full, so servers wake back to back (one per wake latency) until the cores cover
//!   the load (the catch-up after a rise of load);
//! * then the reactive wake-ups follow the pure-birth chain of [`interval_wakes`], at the
//!   rate at which the awake cores first fill (`fill_rate_per_s`).
//!
//! Each extra server's expected time awake gives the step's mean awake count; the
//! decisions' own wake-ups start from where the previous interval ended.

use super::FlowModel;
use crate::sim::reactive_wake::{MAX_EXTRA, interval_wakes};

/// One group's outcome of one interval.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct IntervalGroup {
    /// Servers the decision keeps awake.
    chosen: u32,
    /// Mean awake (or waking) servers over the interval.
    mean: f64,
    /// Expected awake servers at the end of the interval.
    end: f64,
    /// Expected wake-ups within the interval (not counting the decision's own).
    wakeups: f64,
}

/// The consolidation policy's parameters.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    pub interval_ns: u64,
    pub target_utilization: f64,
    pub headroom: f64,
    pub min_awake: u32,
}

impl FlowModel<'_> {
    /// Sets each group's considered servers, mean awake servers and wake-ups for a step
    /// starting at `t0` with `work_rate_ops` offered and `lambda` arrivals per second.
    pub(super) fn plan_consolidation(&mut self, policy: Policy, t0: u64, work_rate_ops: f64, lambda: f64, dt_s: f64) {
        // The first decision comes one interval after the start (every server awake until
        // then, as in transaction fidelity).
        let Some(previous_ops) = self.prev_busy_ops.filter(|_| t0 >= policy.interval_ns) else {
            for (st, g) in self.steps.iter_mut().zip(&self.groups) {
                st.awake = g.available as f64;
            }
            return;
        };
        let interval_s = policy.interval_ns as f64 * 1e-9;
        let mut first = std::mem::take(&mut self.interval_first);
        let mut rest = std::mem::take(&mut self.interval_rest);
        self.decide(policy, previous_ops, &mut first);
        self.simulate_interval(&mut first, lambda, work_rate_ops, interval_s);
        // Share of the step under the first decision; the rest under decisions from
        // this step's load.
        let first_share = (interval_s / dt_s).min(1.0);
        let later_intervals = (dt_s / interval_s - 1.0).max(0.0);
        if later_intervals > 0.0 {
            self.decide(policy, work_rate_ops, &mut rest);
            self.simulate_interval(&mut rest, lambda, work_rate_ops, interval_s);
        }
        for g in 0..self.groups.len() {
            let (f, r) = (first[g], rest[g]);
            let group = &mut self.groups[g];
            let st = &mut self.steps[g];
            // Decision wake-ups start from where the interval before ended.
            let mut wakeups =
                (f.chosen as f64 - group.prev_end_awake).max(0.0) + f.wakeups * (dt_s / interval_s).min(1.0);
            if later_intervals > 0.0 {
                st.considered = if first_share >= 0.5 { f.chosen } else { r.chosen };
                st.awake = first_share * f.mean + (1.0 - first_share) * r.mean;
                wakeups += (r.chosen as f64 - f.end).max(0.0) + r.wakeups * later_intervals;
                group.prev_end_awake = r.end;
            } else {
                st.considered = f.chosen;
                st.awake = f.mean;
                group.prev_end_awake = f.end;
            }
            st.wakeups = wakeups;
        }
        self.interval_first = first;
        self.interval_rest = rest;
    }

    /// The decision at an observed load: the most efficient servers until their capacity
    /// at the target utilization covers the load plus headroom (and `min_awake`).
    fn decide(&self, policy: Policy, observed_ops: f64, out: &mut [IntervalGroup]) {
        let needed_ops = observed_ops * (1.0 + policy.headroom) / policy.target_utilization;
        out.iter_mut().for_each(|o| *o = IntervalGroup::default());
        let mut capacity = 0.0;
        let mut count = 0u32;
        while capacity < needed_ops || count < policy.min_awake.max(1) {
            let Some(g) = self.next_group_to_wake(|g| out[g].chosen) else {
                break;
            };
            out[g].chosen += 1;
            count += 1;
            capacity += self.groups[g].tables.capacity_ops_per_s();
        }
    }

    /// The most efficient group with a server left beyond its `count`.
    fn next_group_to_wake(&self, count: impl Fn(usize) -> u32) -> Option<usize> {
        self.order
            .iter()
            .copied()
            .find(|&g| count(g) < self.groups[g].available)
    }

    fn wake_latency_s(&self, g: usize) -> f64 {
        self.groups[g].tables.wake_latency_ns as f64 * 1e-9
    }

    /// Fills `mean`, `end` and `wakeups` of an interval that starts with the `chosen`
    /// servers awake.
    fn simulate_interval(&mut self, out: &mut [IntervalGroup], lambda: f64, work_rate_ops: f64, interval_s: f64) {
        let mut awake = std::mem::take(&mut self.scratch_awake);
        for (a, o) in awake.iter_mut().zip(out.iter_mut()) {
            *a = o.chosen;
            o.mean = o.chosen as f64;
            o.end = o.chosen as f64;
        }
        // Catch-up: fewer awake cores than busy ones means every arrival finds them full;
        // servers wake back to back until the cores cover the load.
        let mut started_s = 0.0;
        loop {
            let (cores, speed) = self.pooled_cores_and_speed(&awake);
            if cores as f64 > work_rate_ops / speed || started_s >= interval_s {
                break;
            }
            let Some(g) = self.next_group_to_wake(|g| awake[g]) else {
                break;
            };
            awake[g] += 1;
            let o = &mut out[g];
            o.mean += (interval_s - started_s) / interval_s;
            o.end += 1.0;
            o.wakeups += 1.0;
            started_s += self.wake_latency_s(g);
        }
        // Reactive wake-ups for the rest of the interval.
        let remaining_s = interval_s - started_s;
        if remaining_s > 0.0 {
            let mut rates = [0.0; MAX_EXTRA];
            let mut latencies = [0.0; MAX_EXTRA];
            let mut extra_group = [0usize; MAX_EXTRA];
            let mut extras = 0;
            while extras < MAX_EXTRA {
                let Some(g) = self.next_group_to_wake(|g| awake[g]) else {
                    break;
                };
                let rate = self.fill_rate_per_s(&awake, lambda, work_rate_ops, 1e-9 / remaining_s);
                if rate * remaining_s < 1e-9 {
                    break;
                }
                rates[extras] = rate;
                latencies[extras] = self.wake_latency_s(g);
                extra_group[extras] = g;
                awake[g] += 1;
                extras += 1;
            }
            let wakes = interval_wakes(&rates[..extras], &latencies[..extras], remaining_s);
            let time_share = remaining_s / interval_s;
            for k in 0..extras {
                let o = &mut out[extra_group[k]];
                o.mean += wakes.presence[k] * time_share;
                o.end += wakes.present_at_end[k];
                o.wakeups += wakes.present_at_end[k];
            }
        }
        self.scratch_awake = awake;
    }
}
