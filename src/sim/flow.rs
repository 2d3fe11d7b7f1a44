//! Flow fidelity: the engine advances step by step (and, in later models, by weather,
//! failures and policy events); within a step the transaction stream is integrated.
//!
//! Per step: a Poisson count of arrivals per class (mean = the integral of the class's
//! rate), their total work, the servers awake under the power policy, the utilization of
//! each, power from the power curve, drops when the offered load exceeds capacity, and the
//! latency distribution from Erlang C with the Allen-Cunneen M/G/c correction:
//! * join-shortest-queue and packing behave close to one pooled queue: G/G/(n c);
//! * round-robin splits the stream: each server is a G/G/c queue whose arrivals are
//!   Erlang-n (every n-th arrival), so ca^2 = 1/n.

use rand_distr::{Distribution, Poisson, StandardNormal};

use super::accounting::{Accounting, StepSums};
use super::flow_power::{SleepInputs, SpreadState, packing_estimate};
use super::occupancy_power::{OccupancyPower, PackedPower};
use crate::datacenter::{DispatchPolicy, PowerManagement};
use crate::engine::{EventQueue, Model, RngStreams, StreamRng, run_until};
use crate::metrics::mixture::class_and_pooled_quantiles_ms;
use crate::metrics::{ClassResult, LatencyMixture, LatencyStats, RunResult, StepObserver};
use crate::queueing::{WaitDistribution, erlang_c, ggc_wait};
use crate::scenario::Scenario;
use crate::workload::{RateModel, Segment};

/// The flow model's only event so far: the end of a step.
#[derive(Debug, Clone, Copy)]
enum FlowEvent {
    Step,
}

#[derive(Debug, Clone, Default)]
struct ClassTotals {
    arrivals: f64,
    completed: f64,
    dropped: f64,
}

struct FlowModel<'a> {
    scenario: &'a Scenario,
    rates: &'a RateModel,
    rngs: Vec<StreamRng>,
    service_s: Vec<f64>,
    service_cv2: Vec<f64>,
    mixtures: Vec<LatencyMixture>,
    /// P(service time > SLA) per class: the late share of a step without queueing.
    service_late: Vec<f64>,
    counts: Vec<f64>,
    cursors: Vec<Option<(u64, Segment)>>,
    poisson: Vec<PoissonDraws>,
    totals: Vec<ClassTotals>,
    prev_busy_cores: Option<f64>,
    prev_awake: f64,
    spread: SpreadState,
    occupancy_power: OccupancyPower,
    packed_power: PackedPower,
    accounting: Accounting,
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
    let s_per_op = dc.server.ns_per_ssj_op() * 1e-9;
    let classes = &scenario.workload.classes;
    let mixtures: Vec<LatencyMixture> = classes
        .iter()
        .map(|c| LatencyMixture::new(c.work, c.work.mean_ssj_ops() * s_per_op))
        .collect();
    let service_late = classes
        .iter()
        .zip(&mixtures)
        .map(|(c, m)| m.step_survival(WaitDistribution::NONE, 0.0, c.sla_ms * 1e-3))
        .collect();
    let mut model = FlowModel {
        scenario,
        rates,
        rngs: classes
            .iter()
            .map(|c| streams.stream(&format!("arrivals/{}", c.name)))
            .collect(),
        service_s: classes.iter().map(|c| c.work.mean_ssj_ops() * s_per_op).collect(),
        service_cv2: classes.iter().map(|c| c.work.cv2()).collect(),
        mixtures,
        service_late,
        counts: vec![0.0; classes.len()],
        cursors: vec![None; classes.len()],
        poisson: vec![PoissonDraws::default(); classes.len()],
        totals: vec![ClassTotals::default(); classes.len()],
        prev_busy_cores: None,
        prev_awake: dc.count as f64,
        spread: SpreadState { awake: dc.count as f64 },
        occupancy_power: OccupancyPower::new(&dc.server.curve, dc.server.cores),
        packed_power: PackedPower::new(&dc.server.curve, dc.server.cores, dc.count),
        accounting: Accounting::new(scenario, streams),
        observer,
    };
    let mut queue = EventQueue::with_capacity(16);
    queue.schedule_at(0, FlowEvent::Step);
    let stats = run_until(&mut model, &mut queue, scenario.horizon_ns);
    model.result(replication, stats.events)
}

/// What the step's queueing analysis gives.
struct StepQueueing {
    wait: WaitDistribution,
    shift_s: f64,
    drop_fraction: f64,
    busy_cores: f64,
}

impl FlowModel<'_> {
    fn step(&mut self, t0: u64, t1: u64) {
        let dc = &self.scenario.datacenter;
        let dt_s = (t1 - t0) as f64 * 1e-9;
        let cores = dc.server.cores;
        let c = cores as f64;
        let fleet = dc.count;

        // Arrivals and offered load.
        let mut counts = std::mem::take(&mut self.counts);
        let (mut n_total, mut work_s, mut second_moment) = (0.0, 0.0, 0.0);
        for (k, (count, rng)) in counts.iter_mut().zip(&mut self.rngs).enumerate() {
            let mean = self.rates.expected_arrivals_from(k, t0, t1, &mut self.cursors[k]);
            let n = self.poisson[k].draw(mean, rng);
            *count = n;
            n_total += n;
            let s = self.service_s[k];
            work_s += n * s;
            second_moment += n * s * s * (1.0 + self.service_cv2[k]);
        }
        let lambda = n_total / dt_s;
        let load = work_s / dt_s;
        let mean_s = if n_total > 0.0 {
            work_s / n_total
        } else {
            self.service_s.first().copied().unwrap_or(0.0)
        };
        let cs2 = if n_total > 0.0 {
            second_moment / n_total / (mean_s * mean_s) - 1.0
        } else {
            1.0
        };

        // Servers awake.
        let (awake, wakeups) = self.awake_servers(load, lambda, dt_s);
        let n_queue = awake.ceil().clamp(1.0, fleet as f64) as u32;

        let q = self.queueing(load, lambda, mean_s, cs2, n_queue);

        // Power.
        let curve = &dc.server.curve;
        let busy = q.busy_cores;
        let awake_power_w = match dc.dispatch {
            DispatchPolicy::PowerAwarePacking => {
                if busy >= awake * c {
                    awake * curve.max_w()
                } else {
                    self.packed_power.fleet_power_w(busy, awake)
                }
            }
            DispatchPolicy::RoundRobin => {
                let ratio = 0.5 * (1.0 + 1.0 / awake.max(1.0));
                awake * self.occupancy_power.smoothed_power_w(busy / awake, ratio)
            }
            DispatchPolicy::JoinShortestQueue => {
                let per_server = busy / awake;
                let f = per_server.fract();
                let ratio = if per_server > 0.0 {
                    (f * (1.0 - f) + per_server / awake) / per_server
                } else {
                    0.0
                };
                awake * self.occupancy_power.smoothed_power_w(per_server, ratio)
            }
        };
        let asleep = fleet as f64 - awake;
        // A waking server is already counted awake (at idle power); waking draws
        // `transition_w` instead for the wake latency.
        let transition_extra_j =
            wakeups * (dc.server.transition_w() - curve.idle_w()).max(0.0) * dc.wake_latency_ns() as f64 * 1e-9;
        let servers_energy_j = (awake_power_w + asleep * dc.low_power_w()) * dt_s + transition_extra_j;

        // Latency and counts per class.
        let mut sums = StepSums {
            servers_energy_j,
            busy_core_s: busy * dt_s,
            awake_server_s: awake * dt_s,
            wakeups,
            ..StepSums::default()
        };
        let measured = t0 >= self.scenario.warmup_ns;
        for (k, &n) in counts.iter().enumerate() {
            let completed = n * (1.0 - q.drop_fraction);
            let dropped = n - completed;
            let sla_s = self.scenario.workload.classes[k].sla_ms * 1e-3;
            sums.arrivals += n;
            sums.completed += completed;
            sums.dropped += dropped;
            sums.latency_sum_s += completed * (q.shift_s + q.wait.mean_s() + self.service_s[k]);
            let late_share = if q.shift_s == 0.0 && q.wait.prob_wait < 1e-9 {
                self.service_late[k]
            } else {
                self.mixtures[k].step_survival(q.wait, q.shift_s, sla_s)
            };
            sums.late += completed * late_share;
            if measured {
                self.mixtures[k].add(completed, q.wait, q.shift_s);
                let t = &mut self.totals[k];
                t.arrivals += n;
                t.completed += completed;
                t.dropped += dropped;
            }
        }
        self.counts = counts;
        self.prev_busy_cores = Some(busy);
        self.prev_awake = awake;
        self.accounting.close_step(t0, t1, &sums, &mut *self.observer);
    }

    /// Mean awake servers during the step and wake-ups in it.
    fn awake_servers(&mut self, load: f64, lambda: f64, dt_s: f64) -> (f64, f64) {
        let dc = &self.scenario.datacenter;
        let fleet = dc.count;
        match dc.power_management {
            PowerManagement::AlwaysOn => (fleet as f64, 0.0),
            PowerManagement::Consolidate { interval_ns, .. } => {
                let Some(observed) = self.prev_busy_cores else {
                    return (fleet as f64, 0.0);
                };
                let mut n = dc
                    .power_management
                    .consolidation_target(observed, dc.server.cores, fleet);
                // Reactive wake-ups: transaction fidelity wakes a server whenever every awake
                // core is busy; keep adding servers until that is expected less than once
                // per decision interval.
                let interval_s = interval_ns as f64 * 1e-9;
                while n < fleet && lambda * erlang_c(n * dc.server.cores, load) * interval_s >= 1.0 {
                    n += 1;
                }
                let awake = n as f64;
                (awake, (awake - self.prev_awake).max(0.0))
            }
            PowerManagement::SleepWhenIdle {
                idle_timeout_ns,
                min_awake,
            } => {
                let inputs = SleepInputs {
                    load_cores: load,
                    arrival_rate_per_s: lambda,
                    cores: dc.server.cores,
                    servers: fleet,
                    min_awake,
                    idle_timeout_s: idle_timeout_ns as f64 * 1e-9,
                    wake_latency_s: dc.wake_latency_ns() as f64 * 1e-9,
                };
                let e = match dc.dispatch {
                    DispatchPolicy::PowerAwarePacking => packing_estimate(&inputs),
                    _ => self.spread.advance(dc.dispatch, &inputs, dt_s),
                };
                (e.awake.clamp(1.0, fleet as f64), e.wake_rate_per_s * dt_s)
            }
        }
    }

    fn queueing(&self, load: f64, lambda: f64, mean_s: f64, cs2: f64, n: u32) -> StepQueueing {
        let dc = &self.scenario.datacenter;
        let cores = dc.server.cores;
        let capacity = (n * cores) as f64;
        let k = dc.queue_capacity as f64;
        if load >= capacity * (1.0 - 1e-9) {
            // Saturated: capacity is served, the rest is dropped, and served transactions
            // wait behind full queues.
            return StepQueueing {
                wait: WaitDistribution::NONE,
                shift_s: k * mean_s / cores as f64,
                drop_fraction: if load > 0.0 { 1.0 - capacity / load } else { 0.0 },
                busy_cores: capacity,
            };
        }
        let rho = load / capacity;
        let (wait, places) = match dc.dispatch {
            DispatchPolicy::RoundRobin => (ggc_wait(cores, lambda / n as f64, mean_s, 1.0 / n as f64, cs2), k),
            DispatchPolicy::JoinShortestQueue | DispatchPolicy::PowerAwarePacking => {
                (ggc_wait(n * cores, lambda, mean_s, 1.0, cs2), k * n as f64)
            }
        };
        let wait = wait.unwrap_or(WaitDistribution::NONE);
        let drop_fraction = (wait.prob_wait * rho.powf(places)).clamp(0.0, 1.0);
        StepQueueing {
            wait,
            shift_s: 0.0,
            drop_fraction,
            busy_cores: load * (1.0 - drop_fraction),
        }
    }

    fn result(mut self, replication: u32, events: u64) -> RunResult {
        let classes_spec = &self.scenario.workload.classes;
        let mut classes = Vec::with_capacity(classes_spec.len());
        let all: Vec<&LatencyMixture> = self.mixtures.iter().collect();
        let (class_q, total_q) = class_and_pooled_quantiles_ms(&all, &QUANTILES);
        let (mut arrivals, mut completed, mut dropped, mut late) = (0.0, 0.0, 0.0, 0.0);
        let (mut latency_sum, mut wait_sum) = (0.0, 0.0);
        for (((spec, t), m), q) in classes_spec.iter().zip(&self.totals).zip(&self.mixtures).zip(&class_q) {
            let class_late = m.weight() * m.survival(spec.sla_ms * 1e-3);
            arrivals += t.arrivals;
            completed += t.completed;
            dropped += t.dropped;
            late += class_late;
            latency_sum += m.mean_s() * m.weight();
            wait_sum += m.mean_wait_s() * m.weight();
            classes.push(ClassResult {
                name: spec.name.clone(),
                sla_ms: spec.sla_ms,
                arrivals: t.arrivals,
                completed: t.completed,
                dropped: t.dropped,
                late: class_late,
                latency: latency_stats(m.mean_s(), q),
            });
        }
        let latency = latency_stats(if completed > 0.0 { latency_sum / completed } else { 0.0 }, &total_q);
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
            supply: self.accounting.supply(),
            server_count: self.scenario.datacenter.count as f64,
            mean_awake: self.accounting.mean_awake(),
            mean_utilization: self.accounting.mean_utilization(),
            wakeups: self.accounting.wakeups(),
            peak_it_kw: self.accounting.peak_it_kw(),
            mean_in_system: None,
            events,
        }
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
        }
    }
}
