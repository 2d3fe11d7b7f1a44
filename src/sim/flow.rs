//! Flow fidelity: the engine advances step by step (and by lifecycle events: failures,
//! repairs, deliveries, yearly reviews); within a step the transaction stream is
//! integrated.
//!
//! Per step: a Poisson count of arrivals per class (mean = the integral of the class's
//! rate), their total work, the servers awake under the power policy, the utilization of
//! each, power from the power curve, drops when the offered load exceeds capacity, and the
//! latency distribution from Erlang C with the Allen-Cunneen M/G/c correction:
//! * join-shortest-queue and packing behave close to one pooled queue: G/G/(n c);
//! * round-robin splits the stream: each server is a G/G/c queue whose arrivals are
//!   Erlang-n (every n-th arrival), so ca^2 = 1/n.
//!
//! A fleet may mix server models (groups). The step's work is split between groups as the
//! dispatcher does: round-robin by server count, join-shortest-queue by capacity (equal
//! utilization), packing in efficiency order with the overflow of each group given by
//! Erlang B (a packed group is a loss system whose blocked arrivals go to the next group).
//! A pooled queue of mixed servers is analysed as one queue with their total cores and
//! their capacity-weighted speed. Lifecycle changes take effect at the next step.

use rand_distr::{Distribution, Poisson, StandardNormal};

use super::accounting::{Accounting, StepSums};
use super::flow_power::{PackedState, SleepInputs, SpreadState, fill_rate_per_s};
use super::occupancy_power::{OccupancyPower, PackedPower};
use super::server_tables::ModelTables;
use crate::datacenter::{DispatchPolicy, FleetChange, PowerManagement};
use crate::engine::{EventQueue, Model, RngStreams, StreamRng, run_until};
use crate::lifecycle::{Lifecycle, LifecycleEvent, LifecycleOutput};
use crate::metrics::mixture::class_and_pooled_quantiles_ms;
use crate::metrics::{CDF_QUANTILES, ClassResult, LatencyMixture, LatencyStats, RunResult, StepObserver};
use crate::queueing::{WaitDistribution, erlang_b, finite_queue_loss, ggc_wait};
use crate::scenario::Scenario;
use crate::workload::{RateModel, Segment};

#[path = "flow_virt.rs"]
mod virt;

#[path = "flow_consolidation.rs"]
mod consolidation;

/// Events of the flow model.
#[derive(Debug, Clone, Copy)]
enum FlowEvent {
    /// The start of a step.
    Step,
    /// A lifecycle event.
    Lifecycle(LifecycleEvent),
}

#[derive(Debug, Clone, Default)]
struct ClassTotals {
    arrivals: f64,
    completed: f64,
    dropped: f64,
}

/// The servers of one model.
struct Group {
    tables: ModelTables,
    /// Servers in service (not failed or retired).
    available: u32,
    /// Efficiency rank (0 = most ssj_ops per watt).
    rank: usize,
    spread: SpreadState,
    /// P(awake) of each server under sleep-when-idle with packing.
    packed: PackedState,
    occupancy_power: OccupancyPower,
    packed_power: PackedPower,
    /// Mean service time per class on this model, s.
    service_s: Vec<f64>,
    /// P(service time > SLA) per class on this model.
    service_late: Vec<f64>,
    /// Latency of the completions served by this model, per class.
    mixtures: Vec<LatencyMixture>,
    /// Servers expected awake at the end of the previous step (consolidation).
    prev_end_awake: f64,
}

/// What one group does in a step.
#[derive(Debug, Clone, Copy, Default)]
struct GroupStep {
    /// Servers the dispatcher may use (awake set of consolidation, else all available).
    considered: u32,
    /// Share of the step's arrivals sent to the group.
    share: f64,
    /// Mean awake servers.
    awake: f64,
    /// Wake-ups.
    wakeups: f64,
    /// Busy cores.
    busy: f64,
}

struct FlowModel<'a> {
    scenario: &'a Scenario,
    rates: &'a RateModel,
    rngs: Vec<StreamRng>,
    mean_ops: Vec<f64>,
    service_cv2: Vec<f64>,
    counts: Vec<f64>,
    /// Expected arrivals per class in the step.
    expected: Vec<f64>,
    /// The VMs and hosts, when the datacenter is virtualized.
    virt: Option<virt::VirtState>,
    cursors: Vec<Option<(u64, Segment)>>,
    poisson: Vec<PoissonDraws>,
    totals: Vec<ClassTotals>,
    groups: Vec<Group>,
    /// Group indices, most efficient first.
    order: Vec<usize>,
    steps: Vec<GroupStep>,
    /// Servers per group, reused by every step (no allocation per step).
    scratch_counts: Vec<u32>,
    /// Servers per group awake after reactive wake-ups (consolidation).
    scratch_awake: Vec<u32>,
    /// Consolidation's first and later intervals of a step, per group.
    interval_first: Vec<consolidation::IntervalGroup>,
    interval_rest: Vec<consolidation::IntervalGroup>,
    /// Model of each lifecycle unit and whether it is in service.
    units: Vec<(u16, bool)>,
    prev_busy_ops: Option<f64>,
    accounting: Accounting,
    lifecycle: Lifecycle,
    lifecycle_out: LifecycleOutput,
    observer: &'a mut dyn StepObserver,
}

/// Runs `scenario` at flow fidelity with the rates of this replication.
pub fn run(
    scenario: &Scenario,
    rates: &RateModel,
    streams: &RngStreams,
    replication: u32,
    observer: &mut dyn StepObserver,
) -> RunResult {
    let dc = &scenario.datacenter;
    let classes = &scenario.workload.classes;
    let lifecycle = Lifecycle::new(scenario, rates, streams);
    let registry = lifecycle.registry();
    let groups: Vec<Group> = ModelTables::for_registry(registry, dc)
        .into_iter()
        .enumerate()
        .map(|(m, tables)| {
            let s_per_op = tables.ns_per_op * 1e-9;
            let mixtures: Vec<LatencyMixture> = classes
                .iter()
                .map(|c| LatencyMixture::new(c.work, c.work.mean_ssj_ops() * s_per_op))
                .collect();
            let service_late = classes
                .iter()
                .zip(&mixtures)
                .map(|(c, m)| m.step_survival(WaitDistribution::NONE, 0.0, c.sla_ms * 1e-3))
                .collect();
            Group {
                available: 0,
                rank: registry.efficiency_rank(m as u16),
                spread: SpreadState::default(),
                packed: PackedState::default(),
                occupancy_power: match dc.dispatch {
                    DispatchPolicy::JoinShortestQueue => {
                        OccupancyPower::join_shortest_queue(&tables.curve, tables.cores)
                    }
                    _ => OccupancyPower::new(&tables.curve, tables.cores),
                },
                packed_power: PackedPower::new(&tables.curve, tables.cores, 1),
                service_s: classes.iter().map(|c| c.work.mean_ssj_ops() * s_per_op).collect(),
                service_late,
                mixtures,
                prev_end_awake: 0.0,
                tables,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| (groups[g].rank, g));
    let group_count = groups.len();
    let mut model = FlowModel {
        scenario,
        rates,
        rngs: classes
            .iter()
            .map(|c| streams.stream(&format!("arrivals/{}", c.name)))
            .collect(),
        mean_ops: classes.iter().map(|c| c.work.mean_ssj_ops()).collect(),
        service_cv2: classes.iter().map(|c| c.work.cv2()).collect(),
        counts: vec![0.0; classes.len()],
        expected: vec![0.0; classes.len()],
        virt: dc
            .virtualization
            .as_ref()
            .map(|v| virt::VirtState::new(v, &dc.power_management)),
        cursors: vec![None; classes.len()],
        poisson: vec![PoissonDraws::default(); classes.len()],
        totals: vec![ClassTotals::default(); classes.len()],
        groups,
        order,
        steps: vec![GroupStep::default(); group_count],
        scratch_counts: vec![0; group_count],
        scratch_awake: vec![0; group_count],
        interval_first: vec![Default::default(); group_count],
        interval_rest: vec![Default::default(); group_count],
        units: Vec::new(),
        prev_busy_ops: None,
        accounting: Accounting::new(scenario, streams),
        lifecycle,
        lifecycle_out: LifecycleOutput::default(),
        observer,
    };
    let initial: Vec<u16> = model.lifecycle.initial_fleet().to_vec();
    for (unit, &m) in initial.iter().enumerate() {
        model.apply_change(FleetChange::Add {
            unit: unit as u32,
            model: m,
        });
    }
    for g in &mut model.groups {
        g.spread = SpreadState::at(g.available);
        g.packed = PackedState::all_awake(g.available);
        g.prev_end_awake = g.available as f64;
    }
    let mut queue = EventQueue::with_capacity(64);
    queue.schedule_at(0, FlowEvent::Step);
    model.lifecycle.start(&mut model.lifecycle_out);
    model.apply_lifecycle_output(0, &mut queue);
    let stats = run_until(&mut model, &mut queue, scenario.horizon_ns);
    model.result(replication, stats.events)
}

/// What the step's queueing analysis gives for one group (or a pooled set of groups).
#[derive(Debug, Clone, Copy)]
struct StepQueueing {
    wait: WaitDistribution,
    shift_s: f64,
    drop_fraction: f64,
}

impl StepQueueing {
    const IDLE: StepQueueing = StepQueueing {
        wait: WaitDistribution::NONE,
        shift_s: 0.0,
        drop_fraction: 0.0,
    };
}

impl FlowModel<'_> {
    fn step(&mut self, t0: u64, t1: u64) {
        let dt_s = (t1 - t0) as f64 * 1e-9;

        // Arrivals and offered work.
        let mut counts = std::mem::take(&mut self.counts);
        let (mut n_total, mut work_ops, mut second_moment_ops) = (0.0, 0.0, 0.0);
        for (k, (count, rng)) in counts.iter_mut().zip(&mut self.rngs).enumerate() {
            let mean = self.rates.expected_arrivals_from(k, t0, t1, &mut self.cursors[k]);
            self.expected[k] = mean;
            let n = self.poisson[k].draw(mean, rng);
            *count = n;
            n_total += n;
            let w = self.mean_ops[k];
            work_ops += n * w;
            second_moment_ops += n * w * w * (1.0 + self.service_cv2[k]);
        }
        if self.virt.is_some() {
            let expected = std::mem::take(&mut self.expected);
            self.virt_step(t0, t1, &counts, &expected);
            self.expected = expected;
            self.counts = counts;
            return;
        }
        let lambda = n_total / dt_s;
        let work_rate_ops = work_ops / dt_s;
        let mean_ops = if n_total > 0.0 {
            work_ops / n_total
        } else {
            self.mean_ops.first().copied().unwrap_or(0.0)
        };
        let cs2 = if n_total > 0.0 {
            second_moment_ops / n_total / (mean_ops * mean_ops) - 1.0
        } else {
            1.0
        };

        // Servers awake and the split of the work between models.
        self.plan_groups(t0, work_rate_ops, lambda, dt_s);
        let dc = &self.scenario.datacenter;
        let pooled = !matches!(dc.dispatch, DispatchPolicy::RoundRobin);
        let pooled_q = if pooled {
            self.pooled_queueing(work_rate_ops, lambda, mean_ops, cs2)
        } else {
            StepQueueing::IDLE
        };

        // Power, per group.
        let total_awake: f64 = self.steps.iter().map(|s| s.awake).sum();
        let total_servers: u32 = self.groups.iter().map(|g| g.available).sum();
        let mut sums = StepSums::default();
        let measured = t0 >= self.scenario.warmup_ns;
        let n_rr = self.steps.iter().map(|s| s.considered).sum::<u32>().max(1);
        // Packing: what the last group cannot take waits in the queue.
        let last_packed = self.order.iter().rev().copied().find(|&g| self.steps[g].awake > 0.0);
        for g in 0..self.groups.len() {
            let st = self.steps[g];
            let group = &mut self.groups[g];
            if group.available == 0 && st.awake == 0.0 {
                continue;
            }
            let t = &group.tables;
            let c = t.cores as f64;
            let load_cores = st.share * work_rate_ops / t.ops_per_core_s;
            let q = if pooled {
                pooled_q
            } else {
                round_robin_queueing(
                    t.cores,
                    lambda / n_rr as f64,
                    mean_ops * t.ns_per_op * 1e-9,
                    n_rr,
                    cs2,
                    dc.queue_capacity,
                    load_cores / st.considered.max(1) as f64,
                )
            };
            let awake = st.awake;
            let busy = if pooled && pooled_q.shift_s > 0.0 {
                // Saturated: every awake core is busy (a fraction of a server is awake for
                // that fraction of the step; its ceiling made busy cores exceed awake ones).
                (awake.min(group.available as f64) * c).max(0.0)
            } else {
                // Never more busy cores than awake ones: under consolidation a rise of load
                // has servers waking back to back for part of the step, their mean presence
                // below what the load needs while the work waits.
                (load_cores * (1.0 - q.drop_fraction)).min(awake.min(group.available as f64) * c)
            };
            self.steps[g].busy = busy;
            let group = &mut self.groups[g];
            let t = &group.tables;
            let awake_power_w = if awake <= 0.0 {
                0.0
            } else {
                match dc.dispatch {
                    DispatchPolicy::PowerAwarePacking => {
                        if busy >= awake * c {
                            awake * t.curve.max_w()
                        } else {
                            group.packed_power.fleet_power_w(busy, awake, Some(g) == last_packed)
                        }
                    }
                    DispatchPolicy::RoundRobin => {
                        let ratio = 0.5 * (1.0 + 1.0 / total_awake.max(1.0));
                        awake * group.occupancy_power.smoothed_power_w(busy / awake, ratio)
                    }
                    DispatchPolicy::JoinShortestQueue => {
                        // The fleet's busy cores per server vary as 1 / n of one server's;
                        // the table adds the whole-core split and the drift between servers.
                        let ratio = 1.0 / total_awake.max(1.0);
                        awake * group.occupancy_power.smoothed_power_w(busy / awake, ratio)
                    }
                }
            };
            let asleep = (group.available as f64 - awake).max(0.0);
            // A waking server is already counted awake (at idle power); waking draws
            // `transition_w` instead for the wake latency.
            let transition_extra_j =
                st.wakeups * (t.transition_w - t.curve.idle_w()).max(0.0) * t.wake_latency_ns as f64 * 1e-9;
            sums.servers_energy_j += (awake_power_w + asleep * t.low_power_w) * dt_s + transition_extra_j;
            sums.busy_core_s += busy * dt_s;
            sums.busy_ops += busy * t.ops_per_core_s * dt_s;
            sums.awake_server_s += awake * dt_s;
            sums.awake_core_s += awake * c * dt_s;
            sums.slope_w_per_core += awake * c * (t.curve.max_w() - t.curve.idle_w()) / c;
            sums.asleep_server_s += asleep * dt_s;
            if asleep > 0.0 && sums.asleep_cores_per_server == 0.0 {
                // The first group in efficiency order would be woken first; groups come in
                // registry order here, which is close enough for batch's extra servers.
                sums.asleep_cores_per_server = c;
                sums.asleep_idle_w = t.curve.idle_w();
                sums.asleep_low_w = t.low_power_w;
            }
            sums.wakeups += st.wakeups;

            // Latency and counts per class.
            for (k, &n) in counts.iter().enumerate() {
                let n = n * st.share;
                if n <= 0.0 {
                    continue;
                }
                let completed = n * (1.0 - q.drop_fraction);
                let dropped = n - completed;
                let sla_s = self.scenario.workload.classes[k].sla_ms * 1e-3;
                sums.completed += completed;
                sums.dropped += dropped;
                sums.latency_sum_s += completed * (q.shift_s + q.wait.mean_s() + group.service_s[k]);
                let late_share = if q.shift_s == 0.0 && q.wait.prob_wait < 1e-9 {
                    group.service_late[k]
                } else {
                    group.mixtures[k].step_survival(q.wait, q.shift_s, sla_s)
                };
                sums.late += completed * late_share;
                if measured {
                    group.mixtures[k].add(completed, q.wait, q.shift_s);
                    let t = &mut self.totals[k];
                    t.completed += completed;
                    t.dropped += dropped;
                }
            }
        }
        // Arrivals count whole, as drawn (the groups' shares of them sum to the count only
        // up to rounding); with no server in service everything is dropped.
        for (k, &n) in counts.iter().enumerate() {
            sums.arrivals += n;
            if measured {
                self.totals[k].arrivals += n;
            }
            if total_servers == 0 {
                sums.dropped += n;
                if measured {
                    self.totals[k].dropped += n;
                }
            }
        }
        self.counts = counts;
        // Awake-core-weighted mean slope of the power curves.
        let awake_cores = sums.awake_core_s / dt_s;
        sums.slope_w_per_core = if awake_cores > 0.0 {
            sums.slope_w_per_core / awake_cores
        } else {
            0.0
        };
        self.prev_busy_ops = Some(sums.busy_ops / dt_s);
        self.accounting.close_step(t0, t1, &sums, &mut *self.observer);
    }

    /// Fills `self.steps`: the servers each group may use, its share of the arrivals, its
    /// mean awake servers and wake-ups.
    fn plan_groups(&mut self, t0: u64, work_rate_ops: f64, lambda: f64, dt_s: f64) {
        let dc = &self.scenario.datacenter;
        for (s, g) in self.steps.iter_mut().zip(&self.groups) {
            *s = GroupStep {
                considered: g.available,
                ..GroupStep::default()
            };
        }
        // Consolidation: the awake set, most efficient servers first.
        if let PowerManagement::Consolidate {
            interval_ns,
            target_utilization,
            headroom,
            min_awake,
        } = dc.power_management
        {
            let policy = consolidation::Policy {
                interval_ns,
                target_utilization,
                headroom,
                min_awake,
            };
            self.plan_consolidation(policy, t0, work_rate_ops, lambda, dt_s);
        }
        self.split_work(work_rate_ops);
        match dc.power_management {
            PowerManagement::AlwaysOn => {
                for (st, g) in self.steps.iter_mut().zip(&self.groups) {
                    st.awake = g.available as f64;
                }
            }
            PowerManagement::Consolidate { .. } => {}
            PowerManagement::SleepWhenIdle {
                idle_timeout_ns,
                min_awake,
            } => {
                let mut min_left = min_awake;
                for i in 0..self.order.len() {
                    let g = self.order[i];
                    let group = &mut self.groups[g];
                    let st = &mut self.steps[g];
                    if group.available == 0 {
                        st.awake = 0.0;
                        continue;
                    }
                    let t = &group.tables;
                    let group_min = min_left.min(group.available);
                    min_left -= group_min;
                    let inputs = SleepInputs {
                        load_cores: st.share * work_rate_ops / t.ops_per_core_s,
                        arrival_rate_per_s: st.share * lambda,
                        cores: t.cores,
                        servers: group.available,
                        min_awake: group_min,
                        idle_timeout_s: idle_timeout_ns as f64 * 1e-9,
                        wake_latency_s: t.wake_latency_ns as f64 * 1e-9,
                    };
                    let e = match dc.dispatch {
                        DispatchPolicy::PowerAwarePacking => group.packed.advance(&inputs, dt_s),
                        _ => group.spread.advance(dc.dispatch, &inputs, dt_s),
                    };
                    st.awake = e.awake.clamp(group_min.max(1) as f64, group.available as f64);
                    st.wakeups = e.wake_rate_per_s * dt_s;
                }
            }
        }
    }

    /// Splits the step's work between groups as the dispatcher does (sets `share`).
    fn split_work(&mut self, work_rate_ops: f64) {
        let dc = &self.scenario.datacenter;
        match dc.dispatch {
            DispatchPolicy::RoundRobin => {
                let n: u32 = self.steps.iter().map(|s| s.considered).sum();
                for st in &mut self.steps {
                    st.share = if n > 0 { st.considered as f64 / n as f64 } else { 0.0 };
                }
            }
            DispatchPolicy::JoinShortestQueue => {
                let cap = |s: &GroupStep, g: &Group| s.considered as f64 * g.tables.capacity_ops_per_s();
                let total: f64 = self.steps.iter().zip(&self.groups).map(|(s, g)| cap(s, g)).sum();
                for (st, g) in self.steps.iter_mut().zip(&self.groups) {
                    st.share = if total > 0.0 { cap(st, g) / total } else { 0.0 };
                }
            }
            DispatchPolicy::PowerAwarePacking => {
                // Overflow through the groups in efficiency order: the last group with
                // servers takes whatever is left (queueing handles an overload).
                let last = self.order.iter().rev().copied().find(|&g| self.steps[g].considered > 0);
                let mut remaining = work_rate_ops;
                for i in 0..self.order.len() {
                    let g = self.order[i];
                    let st = &mut self.steps[g];
                    if st.considered == 0 || work_rate_ops <= 0.0 {
                        st.share = if Some(g) == last && work_rate_ops <= 0.0 {
                            1.0
                        } else {
                            0.0
                        };
                        continue;
                    }
                    let t = &self.groups[g].tables;
                    let carried = if Some(g) == last {
                        remaining
                    } else {
                        let offered_cores = remaining / t.ops_per_core_s;
                        offered_cores * (1.0 - erlang_b(st.considered * t.cores, offered_cores)) * t.ops_per_core_s
                    };
                    st.share = carried / work_rate_ops;
                    remaining -= carried;
                }
                // Near full load the loss analysis leaves the first groups short of full,
                // but waiting work takes any core that frees up: what the last group
                // cannot carry goes back to the groups before it, up to their capacity
                // (it was put on the last group beyond its cores, over 100 % busy).
                if let Some(l) = last {
                    let capacity = |steps: &[GroupStep], g: usize| {
                        steps[g].considered as f64 * self.groups[g].tables.capacity_ops_per_s()
                    };
                    let mut excess = self.steps[l].share * work_rate_ops - capacity(&self.steps, l);
                    for i in 0..self.order.len() {
                        let g = self.order[i];
                        if excess <= 0.0 {
                            break;
                        }
                        if g == l || self.steps[g].considered == 0 {
                            continue;
                        }
                        let room = capacity(&self.steps, g) - self.steps[g].share * work_rate_ops;
                        let moved = excess.min(room.max(0.0));
                        self.steps[g].share += moved / work_rate_ops;
                        self.steps[l].share -= moved / work_rate_ops;
                        excess -= moved;
                    }
                }
            }
        }
    }

    /// Rate at which `awake` servers per group first have every core busy
    /// ([`fill_rate_per_s`]).
    fn fill_rate_per_s(&self, awake: &[u32], lambda: f64, work_rate_ops: f64, negligible_per_s: f64) -> f64 {
        let (cores, speed) = self.pooled_cores_and_speed(awake);
        let n: u32 = awake.iter().sum();
        let per_server_ops = work_rate_ops / n.max(1) as f64;
        let servers = awake
            .iter()
            .zip(&self.groups)
            .map(|(&count, g)| (count, g.tables.cores, per_server_ops / g.tables.ops_per_core_s));
        fill_rate_per_s(
            self.scenario.datacenter.dispatch,
            lambda,
            cores,
            work_rate_ops / speed,
            servers,
            negligible_per_s,
        )
    }

    /// Total cores and capacity-weighted speed (ssj_ops per core-second) of `counts`
    /// servers per group.
    fn pooled_cores_and_speed(&self, counts: &[u32]) -> (u32, f64) {
        let mut cores = 0u32;
        let mut ops = 0.0;
        for (g, &n) in counts.iter().enumerate() {
            let t = &self.groups[g].tables;
            cores += n * t.cores;
            ops += (n * t.cores) as f64 * t.ops_per_core_s;
        }
        (cores, if cores > 0 { ops / cores as f64 } else { 1.0 })
    }

    /// One pooled queue over the awake servers of every group (join-shortest-queue and
    /// packing).
    fn pooled_queueing(&mut self, work_rate_ops: f64, lambda: f64, mean_ops: f64, cs2: f64) -> StepQueueing {
        let mut counts = std::mem::take(&mut self.scratch_counts);
        for ((c, s), g) in counts.iter_mut().zip(&self.steps).zip(&self.groups) {
            *c = (s.awake.ceil() as u32).min(g.available);
        }
        let mut n: u32 = counts.iter().sum();
        if n == 0 {
            // Keep one server in the analysis (the most efficient available one).
            if let Some(&g) = self.order.iter().find(|&&g| self.groups[g].available > 0) {
                counts[g] = 1;
                n = 1;
            }
        }
        let (cores, speed) = self.pooled_cores_and_speed(&counts);
        self.scratch_counts = counts;
        if n == 0 {
            return StepQueueing::IDLE;
        }
        let dc = &self.scenario.datacenter;
        let load = work_rate_ops / speed;
        let mean_s = mean_ops / speed;
        let capacity = cores as f64;
        let k = dc.queue_capacity as f64;
        let rho = load / capacity;
        let drop_fraction = finite_queue_loss(erlang_b(cores, load), rho, k * n as f64);
        if load >= capacity * (1.0 - 1e-9) {
            // Saturated: at least the excess is dropped, and served transactions wait
            // behind full queues.
            return StepQueueing {
                wait: WaitDistribution::NONE,
                shift_s: k * mean_s * n as f64 / capacity,
                drop_fraction,
            };
        }
        let wait = ggc_wait(cores, lambda, mean_s, 1.0, cs2).unwrap_or(WaitDistribution::NONE);
        StepQueueing {
            wait,
            shift_s: 0.0,
            drop_fraction,
        }
    }

    fn apply_change(&mut self, change: FleetChange) {
        let set = |units: &mut Vec<(u16, bool)>, unit: u32, model: u16, up: bool| {
            let i = unit as usize;
            if units.len() <= i {
                units.resize(i + 1, (0, false));
            }
            units[i] = (model, up);
        };
        let (model, delta) = match change {
            FleetChange::Add { unit, model } => {
                set(&mut self.units, unit, model, true);
                (model, 1i64)
            }
            FleetChange::Fail { unit } | FleetChange::Retire { unit } => match self.units.get(unit as usize) {
                Some(&(model, true)) => {
                    set(&mut self.units, unit, model, false);
                    (model, -1)
                }
                _ => return,
            },
            FleetChange::Restore { unit } => match self.units.get(unit as usize) {
                Some(&(model, false)) => {
                    set(&mut self.units, unit, model, true);
                    (model, 1)
                }
                _ => return,
            },
        };
        let group = &mut self.groups[model as usize];
        group.available = (i64::from(group.available) + delta).max(0) as u32;
        group.packed_power = PackedPower::new(&group.tables.curve, group.tables.cores, group.available.max(1));
    }

    fn apply_lifecycle_output(&mut self, now: u64, queue: &mut EventQueue<FlowEvent>) {
        let mut out = std::mem::take(&mut self.lifecycle_out);
        for &(t, e) in &out.schedule {
            if t < self.scenario.horizon_ns {
                queue.schedule_at(t.max(now), FlowEvent::Lifecycle(e));
            }
        }
        for &change in &out.changes {
            self.apply_change(change);
        }
        out.clear();
        self.lifecycle_out = out;
    }

    fn result(mut self, replication: u32, events: u64) -> RunResult {
        let classes_spec = &self.scenario.workload.classes;
        let mut classes = Vec::with_capacity(classes_spec.len());
        let per_class: Vec<Vec<&LatencyMixture>> = (0..classes_spec.len())
            .map(|k| {
                self.groups
                    .iter()
                    .map(|g| &g.mixtures[k])
                    .filter(|m| m.weight() > 0.0)
                    .collect()
            })
            .collect();
        let wanted: Vec<f64> = QUANTILES.iter().chain(&CDF_QUANTILES).copied().collect();
        let (class_q, total_q) = class_and_pooled_quantiles_ms(&per_class, &wanted);
        let latency_cdf_ms: Vec<(f64, f64)> = CDF_QUANTILES
            .iter()
            .copied()
            .zip(total_q[QUANTILES.len()..].iter().copied())
            .collect();
        let (mut arrivals, mut completed, mut dropped, mut late) = (0.0, 0.0, 0.0, 0.0);
        let (mut latency_sum, mut wait_sum) = (0.0, 0.0);
        for (((spec, t), mixtures), q) in classes_spec.iter().zip(&self.totals).zip(&per_class).zip(&class_q) {
            let weight: f64 = mixtures.iter().map(|m| m.weight()).sum();
            let class_late: f64 = mixtures
                .iter()
                .map(|m| m.weight() * m.survival(spec.sla_ms * 1e-3))
                .sum();
            let class_latency_sum: f64 = mixtures.iter().map(|m| m.mean_s() * m.weight()).sum();
            arrivals += t.arrivals;
            completed += t.completed;
            dropped += t.dropped;
            late += class_late;
            latency_sum += class_latency_sum;
            wait_sum += mixtures.iter().map(|m| m.mean_wait_s() * m.weight()).sum::<f64>();
            classes.push(ClassResult {
                name: spec.name.clone(),
                sla_ms: spec.sla_ms,
                arrivals: t.arrivals,
                completed: t.completed,
                dropped: t.dropped,
                late: class_late,
                latency: latency_stats(if weight > 0.0 { class_latency_sum / weight } else { 0.0 }, q),
            });
        }
        let latency = latency_stats(if completed > 0.0 { latency_sum / completed } else { 0.0 }, &total_q);
        let served = self.accounting.served_ops();
        let supply = self.accounting.supply();
        let years = self.accounting.years().to_vec();
        let lifecycle = self.lifecycle.finish(
            self.scenario.horizon_ns,
            served,
            self.accounting.battery_replacements_ns(),
        );
        RunResult {
            replication,
            measured_h: self.accounting.measured_h(),
            arrivals,
            completed,
            dropped,
            late,
            in_flight_at_end: 0.0,
            latency,
            waiting_mean_ms: if completed > 0.0 {
                wait_sum / completed * 1e3
            } else {
                0.0
            },
            classes,
            energy: self.accounting.energy(),
            supply,
            server_count: self.groups.iter().map(|g| f64::from(g.available)).sum(),
            mean_awake: self.accounting.mean_awake(),
            mean_utilization: self.accounting.mean_utilization(),
            wakeups: self.accounting.wakeups(),
            peak_it_kw: self.accounting.peak_it_kw(),
            mean_in_system: None,
            events,
            lifecycle,
            cost: crate::economics::CostTotals::default(),
            energy_years: years,
            batch: self.accounting.batch_totals(),
            batch_asap: None,
            virtualization: self.virt.as_ref().map(|v| v.totals),
            virt_baseline: None,
            latency_cdf_ms,
        }
    }
}

/// The queue of one round-robin server: G/G/c fed with every n-th arrival.
fn round_robin_queueing(
    cores: u32,
    lambda_per_server: f64,
    mean_s: f64,
    servers: u32,
    cs2: f64,
    queue_capacity: u32,
    load_per_server: f64,
) -> StepQueueing {
    let c = cores as f64;
    let k = queue_capacity as f64;
    let rho = load_per_server / c;
    let drop_fraction = finite_queue_loss(erlang_b(cores, load_per_server), rho, k);
    if load_per_server >= c * (1.0 - 1e-9) {
        return StepQueueing {
            wait: WaitDistribution::NONE,
            shift_s: k * mean_s / c,
            drop_fraction,
        };
    }
    let wait = ggc_wait(cores, lambda_per_server, mean_s, 1.0 / servers as f64, cs2).unwrap_or(WaitDistribution::NONE);
    StepQueueing {
        wait,
        shift_s: 0.0,
        drop_fraction,
    }
}

/// The quantiles reported: p50, p95, p99, p99.9.
const QUANTILES: [f64; 4] = [0.5, 0.95, 0.99, 0.999];

fn latency_stats(mean_s: f64, q: &[f64]) -> LatencyStats {
    LatencyStats {
        mean_ms: mean_s * 1e3,
        p50_ms: q[0],
        p95_ms: q[1],
        p99_ms: q[2],
        p999_ms: q[3],
    }
}

/// Means above which a step's Poisson count is drawn from its normal approximation
/// N(mean, mean), rounded: the Poisson skewness 1 / sqrt(mean) is below 0.003 there, and the
/// ziggurat normal is several times cheaper than exact Poisson rejection sampling.
const NORMAL_APPROXIMATION_ABOVE: f64 = 1e5;

/// Poisson draws for one class, reusing the sampler while the mean stays the same (steps
/// within one piece of the rate have equal means).
#[derive(Debug, Clone, Default)]
struct PoissonDraws {
    cached: Option<(f64, Poisson<f64>)>,
}

impl PoissonDraws {
    /// A draw with mean `mean` (0 for a non-positive or non-finite mean).
    fn draw(&mut self, mean: f64, rng: &mut StreamRng) -> f64 {
        if mean.is_nan() || mean <= 0.0 || mean.is_infinite() {
            return 0.0;
        }
        if mean > NORMAL_APPROXIMATION_ABOVE {
            let z: f64 = StandardNormal.sample(rng);
            return (mean + z * mean.sqrt()).round().max(0.0);
        }
        match &self.cached {
            Some((m, d)) if *m == mean => d.sample(rng),
            _ => match Poisson::new(mean) {
                Ok(d) => {
                    let x = d.sample(rng);
                    self.cached = Some((mean, d));
                    x
                }
                Err(_) => mean.round(),
            },
        }
    }
}

impl Model for FlowModel<'_> {
    type Event = FlowEvent;

    fn handle(&mut self, now: u64, event: FlowEvent, queue: &mut EventQueue<FlowEvent>) {
        match event {
            FlowEvent::Step => {
                let horizon = self.scenario.horizon_ns;
                let end = (now + self.scenario.step_ns).min(horizon);
                self.step(now, end);
                if end < horizon {
                    queue.schedule_at(end, FlowEvent::Step);
                }
            }
            FlowEvent::Lifecycle(e) => {
                let served = self.accounting.served_ops();
                self.lifecycle.handle(now, e, served, &mut self.lifecycle_out);
                self.apply_lifecycle_output(now, queue);
            }
        }
    }
}
