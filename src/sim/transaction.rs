//! Transaction fidelity: every transaction is an arrival and a completion event.
//!
//! Each server has `cores` parallel service slots and one FIFO queue with
//! `queue_capacity` waiting places; an arrival that finds no place is dropped. Servers are
//! awake (accepting work), draining (finishing work, accepting none, then sleeping), asleep
//! (or off) or waking. Power is piecewise constant between events and is integrated only
//! when it changes. Arrival streams (one per class) live outside the event heap.

use std::collections::VecDeque;

use super::accounting::{Accounting, StepSums};
use crate::datacenter::{DispatchPolicy, PowerManagement};
use crate::engine::{EventId, EventQueue, Model, RngStreams, StreamRng, run_until};
use crate::metrics::{ClassResult, LatencyHistogram, LatencyStats, RunResult, StepObserver};
use crate::scenario::Scenario;
use crate::workload::{ArrivalStream, RateModel, WorkSampler};

/// Events of the transaction model.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A transaction finishes service on `server`.
    Completion { server: u32, class: u16, arrival_ns: u64 },
    /// `server` finished waking.
    WakeDone { server: u32 },
    /// `server` has been empty for the idle timeout.
    IdleTimeout { server: u32 },
    /// Consolidation decision.
    PolicyTick,
    /// End of an output step.
    StepEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Awake,
    Draining,
    Asleep,
    Waking,
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    arrival_ns: u64,
    service_ns: u64,
    class: u16,
}

#[derive(Debug)]
struct Server {
    busy: u32,
    queue: VecDeque<Waiting>,
    state: State,
    idle_timer: Option<EventId>,
    power_w: f64,
}

impl Server {
    fn in_system(&self) -> u64 {
        u64::from(self.busy) + self.queue.len() as u64
    }

    fn is_empty(&self) -> bool {
        self.busy == 0 && self.queue.is_empty()
    }
}

/// Per-class measurement of the transactions that arrived after the warm-up.
#[derive(Debug, Clone, Default)]
struct ClassCounters {
    arrivals: u64,
    completed: u64,
    dropped: u64,
    late: u64,
    latency_sum_ns: f64,
    wait_sum_ns: f64,
    histogram: LatencyHistogram,
}

struct TransactionModel<'a> {
    rates: &'a RateModel,
    dispatch: DispatchPolicy,
    power_management: PowerManagement,
    cores: u32,
    queue_capacity: usize,
    ns_per_op: f64,
    power_by_busy: Vec<f64>,
    low_power_w: f64,
    transition_w: f64,
    wake_latency_ns: u64,
    sla_ns: Vec<u64>,
    warmup_ns: u64,
    step_ns: u64,
    horizon_ns: u64,

    arrivals: Vec<ArrivalStream>,
    next_arrival: Option<(u64, usize)>,
    samplers: Vec<WorkSampler>,
    service_rng: StreamRng,

    servers: Vec<Server>,
    cursor: usize,
    accepting: u32,
    accepting_busy: u64,
    waking: u32,
    awake_count: u32,
    fleet_power_w: f64,
    total_busy: u64,
    in_system: u64,

    last_ns: u64,
    step_start_ns: u64,
    step: StepSums,
    policy_busy_core_ns: f64,
    in_system_area: f64,
    classes: Vec<ClassCounters>,
    accounting: Accounting,
    observer: &'a mut dyn StepObserver,
}

/// Runs `scenario` at transaction fidelity with the rates of this replication.
pub fn run(
    scenario: &Scenario,
    rates: &RateModel,
    streams: &RngStreams,
    replication: u32,
    observer: &mut dyn StepObserver,
) -> RunResult {
    let dc = &scenario.datacenter;
    let wl = &scenario.workload;
    let n = dc.count as usize;
    let arrivals: Vec<ArrivalStream> = wl
        .classes
        .iter()
        .enumerate()
        .map(|(k, c)| {
            ArrivalStream::new(
                k,
                rates,
                streams.stream(&format!("arrivals/{}", c.name)),
                0,
                scenario.horizon_ns,
            )
        })
        .collect();
    let idle_w = dc.server.curve.idle_w();
    let mut model = TransactionModel {
        rates,
        dispatch: dc.dispatch,
        power_management: dc.power_management,
        cores: dc.server.cores,
        queue_capacity: dc.queue_capacity as usize,
        ns_per_op: dc.server.ns_per_ssj_op(),
        power_by_busy: dc.server.curve.by_busy_cores(dc.server.cores),
        low_power_w: dc.low_power_w(),
        transition_w: dc.server.transition_w(),
        wake_latency_ns: dc.wake_latency_ns(),
        sla_ns: wl.classes.iter().map(|c| (c.sla_ms * 1e6).round() as u64).collect(),
        warmup_ns: scenario.warmup_ns,
        step_ns: scenario.step_ns,
        horizon_ns: scenario.horizon_ns,
        arrivals,
        next_arrival: None,
        samplers: wl.classes.iter().map(|c| c.work.sampler()).collect(),
        service_rng: streams.stream("service"),
        servers: (0..n)
            .map(|_| Server {
                busy: 0,
                queue: VecDeque::new(),
                state: State::Awake,
                idle_timer: None,
                power_w: idle_w,
            })
            .collect(),
        cursor: 0,
        accepting: dc.count,
        accepting_busy: 0,
        waking: 0,
        awake_count: dc.count,
        fleet_power_w: idle_w * n as f64,
        total_busy: 0,
        in_system: 0,
        last_ns: 0,
        step_start_ns: 0,
        step: StepSums::default(),
        policy_busy_core_ns: 0.0,
        in_system_area: 0.0,
        classes: vec![ClassCounters::default(); wl.classes.len()],
        accounting: Accounting::new(scenario, streams),
        observer,
    };
    model.refresh_next_arrival();

    let mut queue = EventQueue::with_capacity(n * dc.server.cores as usize + 1024);
    if scenario.step_ns < scenario.horizon_ns {
        queue.schedule_at(scenario.step_ns, Event::StepEnd);
    }
    if let PowerManagement::Consolidate { interval_ns, .. } = dc.power_management {
        if interval_ns < scenario.horizon_ns {
            queue.schedule_at(interval_ns, Event::PolicyTick);
        }
    }
    if matches!(dc.power_management, PowerManagement::SleepWhenIdle { .. }) {
        for s in 0..n {
            model.on_server_empty(s, &mut queue);
        }
    }
    let stats = run_until(&mut model, &mut queue, scenario.horizon_ns);
    model.advance(scenario.horizon_ns);
    model.close_step(scenario.horizon_ns);
    model.result(scenario, replication, stats.events)
}

impl TransactionModel<'_> {
    fn refresh_next_arrival(&mut self) {
        self.next_arrival = self
            .arrivals
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.peek().map(|t| (t, k)))
            .min();
    }

    /// Integrates power, busy cores and population up to `now`.
    #[inline]
    fn advance(&mut self, now: u64) {
        let dt = now - self.last_ns;
        if dt == 0 {
            return;
        }
        let dt_f = dt as f64;
        self.step.servers_energy_j += self.fleet_power_w * dt_f * 1e-9;
        let busy = self.total_busy as f64 * dt_f;
        self.step.busy_core_s += busy * 1e-9;
        self.policy_busy_core_ns += busy;
        self.step.awake_server_s += f64::from(self.awake_count) * dt_f * 1e-9;
        if now > self.warmup_ns {
            let measured_dt = (now - self.last_ns.max(self.warmup_ns)) as f64;
            self.in_system_area += self.in_system as f64 * measured_dt;
        }
        self.last_ns = now;
    }

    #[inline]
    fn set_power(&mut self, s: usize, power_w: f64) {
        let server = &mut self.servers[s];
        self.fleet_power_w += power_w - server.power_w;
        server.power_w = power_w;
    }

    #[inline]
    fn awake_power(&self, s: usize) -> f64 {
        self.power_by_busy[self.servers[s].busy as usize]
    }

    fn can_accept(&self, s: usize) -> bool {
        let server = &self.servers[s];
        (server.state == State::Awake && server.busy < self.cores) || server.queue.len() < self.queue_capacity
    }

    /// Picks a server for an arrival among the awake ones; `None` means all are full.
    fn pick_awake(&mut self) -> Option<usize> {
        let n = self.servers.len();
        match self.dispatch {
            DispatchPolicy::RoundRobin => {
                for i in 0..n {
                    let s = (self.cursor + i) % n;
                    if self.servers[s].state == State::Awake && self.can_accept(s) {
                        self.cursor = s + 1;
                        return Some(s);
                    }
                }
                None
            }
            DispatchPolicy::JoinShortestQueue => {
                let start = self.cursor;
                self.cursor = (self.cursor + 1) % n.max(1);
                self.shortest_queue(start)
            }
            DispatchPolicy::PowerAwarePacking => {
                let cores = self.cores;
                self.servers
                    .iter()
                    .position(|s| s.state == State::Awake && s.busy < cores)
                    .or_else(|| self.shortest_queue(0))
            }
        }
    }

    /// The accepting server with the fewest transactions, scanning from `start` so that
    /// ties rotate.
    fn shortest_queue(&self, start: usize) -> Option<usize> {
        let n = self.servers.len();
        let mut best: Option<(u64, usize)> = None;
        for i in 0..n {
            let s = (start + i) % n;
            let server = &self.servers[s];
            if server.state != State::Awake || !self.can_accept(s) {
                continue;
            }
            let load = server.in_system();
            if best.is_none_or(|(b, _)| load < b) {
                best = Some((load, s));
                if load == 0 {
                    break;
                }
            }
        }
        best.map(|(_, s)| s)
    }

    /// When no server is awake: a waking one, else a draining one (made awake again), else
    /// one woken now.
    fn pick_fallback(&mut self, now: u64, queue: &mut EventQueue<Event>) -> Option<usize> {
        let waking = (0..self.servers.len())
            .filter(|&s| self.servers[s].state == State::Waking && self.can_accept(s))
            .min_by_key(|&s| self.servers[s].queue.len());
        if waking.is_some() {
            return waking;
        }
        if let Some(s) = self.servers.iter().position(|s| s.state == State::Draining) {
            self.undrain(s);
            return self.can_accept(s).then_some(s);
        }
        let s = self.servers.iter().position(|s| s.state == State::Asleep)?;
        self.wake(s, now, queue);
        self.can_accept(s).then_some(s)
    }

    fn undrain(&mut self, s: usize) {
        self.servers[s].state = State::Awake;
        self.accepting += 1;
        self.accepting_busy += u64::from(self.servers[s].busy);
    }

    fn wake(&mut self, s: usize, now: u64, queue: &mut EventQueue<Event>) {
        debug_assert_eq!(self.servers[s].state, State::Asleep);
        self.servers[s].state = State::Waking;
        self.waking += 1;
        self.awake_count += 1;
        self.set_power(s, self.transition_w);
        if now >= self.warmup_ns {
            self.step.wakeups += 1.0;
        }
        queue.schedule_in(self.wake_latency_ns, Event::WakeDone { server: s as u32 });
    }

    fn sleep(&mut self, s: usize) {
        let server = &mut self.servers[s];
        debug_assert!(server.is_empty());
        match server.state {
            State::Awake => {
                self.accepting -= 1;
            }
            State::Draining => {}
            State::Asleep | State::Waking => return,
        }
        self.servers[s].state = State::Asleep;
        self.awake_count -= 1;
        self.set_power(s, self.low_power_w);
    }

    /// Wakes one more server when every awake server has all cores busy (and none is
    /// already waking): the reactive half of both sleeping policies.
    fn wake_if_saturated(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        if matches!(self.power_management, PowerManagement::AlwaysOn) || self.waking > 0 {
            return;
        }
        if self.accepting_busy < u64::from(self.accepting) * u64::from(self.cores) {
            return;
        }
        if let Some(s) = self.servers.iter().position(|s| s.state == State::Draining) {
            self.undrain(s);
        } else if let Some(s) = self.servers.iter().position(|s| s.state == State::Asleep) {
            self.wake(s, now, queue);
        }
    }

    /// Starts service of one transaction on a free core of `s`.
    #[inline]
    fn start(&mut self, s: usize, now: u64, job: Waiting, queue: &mut EventQueue<Event>) {
        let server = &mut self.servers[s];
        server.busy += 1;
        let accepting = server.state == State::Awake;
        self.total_busy += 1;
        if accepting {
            self.accepting_busy += 1;
        }
        if job.arrival_ns >= self.warmup_ns {
            self.classes[job.class as usize].wait_sum_ns += (now - job.arrival_ns) as f64;
        }
        queue.schedule_at(
            now + job.service_ns,
            Event::Completion {
                server: s as u32,
                class: job.class,
                arrival_ns: job.arrival_ns,
            },
        );
        let p = self.awake_power(s);
        self.set_power(s, p);
    }

    fn on_server_empty(&mut self, s: usize, queue: &mut EventQueue<Event>) {
        match (self.servers[s].state, self.power_management) {
            (State::Draining, _) => self.sleep(s),
            (State::Awake, PowerManagement::SleepWhenIdle { idle_timeout_ns, .. })
                if self.servers[s].idle_timer.is_none() =>
            {
                let id = queue.schedule_in(idle_timeout_ns, Event::IdleTimeout { server: s as u32 });
                self.servers[s].idle_timer = Some(id);
            }
            _ => {}
        }
    }

    fn on_arrival(&mut self, now: u64, class: usize, queue: &mut EventQueue<Event>) {
        let work = self.samplers[class].sample(&mut self.service_rng);
        let service_ns = ((work * self.ns_per_op).round() as u64).max(1);
        let measured = now >= self.warmup_ns;
        self.step.arrivals += 1.0;
        if measured {
            self.classes[class].arrivals += 1;
        }
        let target = match self.pick_awake() {
            Some(s) => Some(s),
            None if self.accepting == 0 => self.pick_fallback(now, queue),
            None => None,
        };
        let Some(s) = target else {
            self.step.dropped += 1.0;
            if measured {
                self.classes[class].dropped += 1;
            }
            self.wake_if_saturated(now, queue);
            return;
        };
        if let Some(id) = self.servers[s].idle_timer.take() {
            queue.cancel(id);
        }
        self.in_system += 1;
        let job = Waiting {
            arrival_ns: now,
            service_ns,
            class: class as u16,
        };
        let server = &self.servers[s];
        if server.state == State::Awake && server.busy < self.cores {
            self.start(s, now, job, queue);
        } else {
            self.servers[s].queue.push_back(job);
        }
        self.wake_if_saturated(now, queue);
    }

    fn on_completion(&mut self, now: u64, s: usize, class: u16, arrival_ns: u64, queue: &mut EventQueue<Event>) {
        let latency_ns = now - arrival_ns;
        let k = class as usize;
        self.step.completed += 1.0;
        self.step.latency_sum_s += latency_ns as f64 * 1e-9;
        let late = latency_ns > self.sla_ns[k];
        if late {
            self.step.late += 1.0;
        }
        if arrival_ns >= self.warmup_ns {
            let c = &mut self.classes[k];
            c.completed += 1;
            c.latency_sum_ns += latency_ns as f64;
            c.histogram.record_ns(latency_ns);
            if late {
                c.late += 1;
            }
        }
        self.in_system -= 1;
        self.total_busy -= 1;
        let server = &mut self.servers[s];
        server.busy -= 1;
        if server.state == State::Awake {
            self.accepting_busy -= 1;
        }
        if let Some(job) = self.servers[s].queue.pop_front() {
            self.start(s, now, job, queue);
        } else {
            let p = self.awake_power(s);
            self.set_power(s, p);
            if self.servers[s].is_empty() {
                self.on_server_empty(s, queue);
            }
        }
    }

    fn on_wake_done(&mut self, now: u64, s: usize, queue: &mut EventQueue<Event>) {
        self.waking -= 1;
        self.servers[s].state = State::Awake;
        self.accepting += 1;
        let p = self.awake_power(s);
        self.set_power(s, p);
        while self.servers[s].busy < self.cores {
            let Some(job) = self.servers[s].queue.pop_front() else {
                break;
            };
            self.start(s, now, job, queue);
        }
        if self.servers[s].is_empty() {
            self.on_server_empty(s, queue);
        }
    }

    fn on_idle_timeout(&mut self, s: usize) {
        self.servers[s].idle_timer = None;
        let min_awake = self.power_management.min_awake();
        if self.servers[s].state == State::Awake && self.servers[s].is_empty() && self.accepting > min_awake {
            self.sleep(s);
        }
    }

    fn on_policy_tick(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        let PowerManagement::Consolidate { interval_ns, .. } = self.power_management else {
            return;
        };
        let load_cores = self.policy_busy_core_ns / interval_ns as f64;
        self.policy_busy_core_ns = 0.0;
        let n = self.servers.len() as u32;
        let target = self.power_management.consolidation_target(load_cores, self.cores, n);
        let mut active = self.accepting + self.waking;
        while active < target {
            if let Some(s) = self.servers.iter().position(|s| s.state == State::Draining) {
                self.undrain(s);
            } else if let Some(s) = self.servers.iter().position(|s| s.state == State::Asleep) {
                self.wake(s, now, queue);
            } else {
                break;
            }
            active += 1;
        }
        while active > target && self.accepting > 1 {
            let Some(s) = self.servers.iter().rposition(|s| s.state == State::Awake) else {
                break;
            };
            self.servers[s].state = State::Draining;
            self.accepting -= 1;
            self.accepting_busy -= u64::from(self.servers[s].busy);
            if self.servers[s].is_empty() {
                self.sleep(s);
            }
            active -= 1;
        }
        if now + interval_ns < self.horizon_ns {
            queue.schedule_in(interval_ns, Event::PolicyTick);
        }
    }

    fn close_step(&mut self, now: u64) {
        // Re-sum fleet power to remove floating-point drift of the running total.
        self.fleet_power_w = self.servers.iter().map(|s| s.power_w).sum();
        let sums = std::mem::take(&mut self.step);
        self.accounting
            .close_step(self.step_start_ns, now, &sums, &mut *self.observer);
        self.step_start_ns = now;
    }

    fn result(mut self, scenario: &Scenario, replication: u32, events: u64) -> RunResult {
        let mut total_hist = LatencyHistogram::new();
        let mut classes = Vec::with_capacity(self.classes.len());
        let (mut arrivals, mut completed, mut dropped, mut late) = (0u64, 0u64, 0u64, 0u64);
        let (mut latency_sum, mut wait_sum) = (0.0, 0.0);
        for (c, spec) in self.classes.iter().zip(&scenario.workload.classes) {
            total_hist.merge(&c.histogram);
            arrivals += c.arrivals;
            completed += c.completed;
            dropped += c.dropped;
            late += c.late;
            latency_sum += c.latency_sum_ns;
            wait_sum += c.wait_sum_ns;
            classes.push(ClassResult {
                name: spec.name.clone(),
                sla_ms: spec.sla_ms,
                arrivals: c.arrivals as f64,
                completed: c.completed as f64,
                dropped: c.dropped as f64,
                late: c.late as f64,
                latency: stats(&c.histogram, c.latency_sum_ns, c.completed),
            });
        }
        let measured_ns = (scenario.horizon_ns - scenario.warmup_ns) as f64;
        RunResult {
            replication,
            measured_h: self.accounting.measured_h(),
            arrivals: arrivals as f64,
            completed: completed as f64,
            dropped: dropped as f64,
            late: late as f64,
            in_flight_at_end: (arrivals - completed - dropped) as f64,
            latency: stats(&total_hist, latency_sum, completed),
            waiting_mean_ms: if completed > 0 {
                wait_sum / completed as f64 / 1e6
            } else {
                0.0
            },
            classes,
            energy: self.accounting.energy(),
            supply: self.accounting.supply(),
            server_count: self.servers.len() as f64,
            mean_awake: self.accounting.mean_awake(),
            mean_utilization: self.accounting.mean_utilization(),
            wakeups: self.accounting.wakeups(),
            peak_it_kw: self.accounting.peak_it_kw(),
            mean_in_system: Some(self.in_system_area / measured_ns),
            events,
        }
    }
}

fn stats(h: &LatencyHistogram, latency_sum_ns: f64, completed: u64) -> LatencyStats {
    LatencyStats {
        mean_ms: if completed > 0 {
            latency_sum_ns / completed as f64 / 1e6
        } else {
            0.0
        },
        p50_ms: h.quantile_ms(0.5),
        p95_ms: h.quantile_ms(0.95),
        p99_ms: h.quantile_ms(0.99),
        p999_ms: h.quantile_ms(0.999),
    }
}

impl Model for TransactionModel<'_> {
    type Event = Event;

    #[inline]
    fn next_source_time(&self) -> Option<u64> {
        self.next_arrival.map(|(t, _)| t)
    }

    #[inline]
    fn on_source(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        let Some((_, class)) = self.next_arrival else { return };
        self.advance(now);
        self.arrivals[class].advance(self.rates);
        if self.arrivals.len() == 1 {
            self.next_arrival = self.arrivals[0].peek().map(|t| (t, 0));
        } else {
            self.refresh_next_arrival();
        }
        self.on_arrival(now, class, queue);
    }

    #[inline]
    fn handle(&mut self, now: u64, event: Event, queue: &mut EventQueue<Event>) {
        self.advance(now);
        match event {
            Event::Completion {
                server,
                class,
                arrival_ns,
            } => self.on_completion(now, server as usize, class, arrival_ns, queue),
            Event::WakeDone { server } => self.on_wake_done(now, server as usize, queue),
            Event::IdleTimeout { server } => self.on_idle_timeout(server as usize),
            Event::PolicyTick => self.on_policy_tick(now, queue),
            Event::StepEnd => {
                self.close_step(now);
                if now + self.step_ns < self.horizon_ns {
                    queue.schedule_in(self.step_ns, Event::StepEnd);
                }
            }
        }
    }
}
