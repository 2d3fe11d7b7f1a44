//! Transaction fidelity: every transaction is an arrival and a completion event.
//!
//! Each server has `cores` parallel service slots and one FIFO queue with
//! `queue_capacity` waiting places; an arrival that finds no place is dropped. Servers are
//! awake (accepting work), draining (finishing work, accepting none, then sleeping), asleep
//! (or off), waking, failed, retiring (draining before leaving the fleet) or retired. Power
//! is piecewise constant between events and is integrated only when it changes. Arrival
//! streams (one per class) live outside the event heap.
//!
//! The fleet may mix server models (a lifecycle buys newer ones): each server has its own
//! speed, cores and power curve. Packing, waking and consolidation prefer the most
//! efficient models (most ssj_ops per watt); draining takes the least efficient first.
//! A transaction's work (ssj_ops) is drawn at arrival; its service time is set when it
//! starts, from the speed of the server that runs it.

use std::collections::VecDeque;

use super::accounting::{Accounting, StepSums};
use super::server_tables::ModelTables;
use crate::datacenter::{DispatchPolicy, FleetChange, PowerManagement};
use crate::engine::{EventId, EventQueue, Model, RngStreams, StreamRng, run_until};
use crate::lifecycle::{Lifecycle, LifecycleEvent, LifecycleOutput};
use crate::metrics::{CDF_QUANTILES, ClassResult, LatencyHistogram, LatencyStats, RunResult, StepObserver};
use crate::scenario::Scenario;

#[path = "transaction_virt.rs"]
mod virt;
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
    /// A lifecycle event (failure, repair, delivery, yearly review).
    Lifecycle(LifecycleEvent),
    /// Migrated VMs resume: release the arrivals held for them.
    ReleaseHeld,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Awake,
    Draining,
    Asleep,
    Waking,
    /// Broken: draws nothing, serves nothing; its in-service transactions are lost.
    Failed,
    /// Leaving the fleet: finishes its work, accepts none.
    Retiring,
    /// Gone.
    Retired,
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    arrival_ns: u64,
    work_ops: f64,
    class: u16,
}

#[derive(Debug)]
struct Server {
    model: u16,
    busy: u32,
    queue: VecDeque<Waiting>,
    state: State,
    idle_timer: Option<EventId>,
    power_w: f64,
    /// Completions still scheduled for transactions lost when the server failed.
    lost: u32,
    /// A repair finished while lost completions were pending.
    restore_pending: bool,
}

impl Server {
    fn in_system(&self) -> u64 {
        u64::from(self.busy) + self.queue.len() as u64
    }

    fn is_empty(&self) -> bool {
        self.busy == 0 && self.queue.is_empty()
    }

    /// Awake, waking, draining or retiring: drawing more than low power.
    fn is_up(&self) -> bool {
        matches!(
            self.state,
            State::Awake | State::Draining | State::Waking | State::Retiring
        )
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
    models: Vec<ModelTables>,
    /// Rank of each model in efficiency order (0 = most ssj_ops per watt).
    model_rank: Vec<usize>,
    queue_capacity: usize,
    sla_ns: Vec<u64>,
    warmup_ns: u64,
    step_ns: u64,
    horizon_ns: u64,

    arrivals: Vec<ArrivalStream>,
    next_arrival: Option<(u64, usize)>,
    samplers: Vec<WorkSampler>,
    service_rng: StreamRng,

    servers: Vec<Server>,
    /// Server indices in preference order: most efficient model first, then by index.
    order: Vec<u32>,
    /// Server index of each lifecycle unit (`u32::MAX`: none).
    unit_server: Vec<u32>,
    cursor: usize,
    accepting: u32,
    accepting_cores: u64,
    accepting_busy: u64,
    waking: u32,
    awake_count: u32,
    awake_cores: u64,
    /// Servers in the fleet (not failed, retiring or retired).
    available: u32,
    fleet_power_w: f64,
    total_busy: u64,
    busy_ops_per_s: f64,
    in_system: u64,

    last_ns: u64,
    step_start_ns: u64,
    step: StepSums,
    policy_busy_ops: f64,
    in_system_area: f64,
    classes: Vec<ClassCounters>,
    accounting: Accounting,
    lifecycle: Lifecycle,
    lifecycle_out: LifecycleOutput,
    /// VMs, when the datacenter is virtualized.
    virt: Option<virt::TxVirt>,
    /// Idle power of each model before any hypervisor overhead, W.
    base_idle_w: Vec<f64>,
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
    let lifecycle = Lifecycle::new(scenario, rates, streams);
    let registry = lifecycle.registry();
    let mut models = ModelTables::for_registry(registry, dc);
    let base_idle_w: Vec<f64> = models.iter().map(|t| t.power_by_busy_w[0]).collect();
    if let Some(v) = &dc.virtualization {
        // The hypervisor: every transaction needs more CPU, every awake host more power.
        for t in &mut models {
            t.ns_per_op *= 1.0 + v.hypervisor_cpu_share;
            let extra_w = v.hypervisor_idle_share * t.power_by_busy_w[0];
            t.power_by_busy_w.iter_mut().for_each(|p| *p += extra_w);
        }
    }
    let virt = dc.virtualization.as_ref().map(|v| {
        virt::TxVirt::new(
            v,
            matches!(dc.power_management, PowerManagement::AlwaysOn),
            dc.power_management.min_awake(),
            wl.classes.iter().map(|c| c.work.mean_ssj_ops()).collect(),
        )
    });
    let model_rank = (0..models.len() as u16).map(|m| registry.efficiency_rank(m)).collect();
    let mut model = TransactionModel {
        rates,
        dispatch: dc.dispatch,
        power_management: dc.power_management,
        models,
        model_rank,
        queue_capacity: dc.queue_capacity as usize,
        sla_ns: wl.classes.iter().map(|c| (c.sla_ms * 1e6).round() as u64).collect(),
        warmup_ns: scenario.warmup_ns,
        step_ns: scenario.step_ns,
        horizon_ns: scenario.horizon_ns,
        arrivals,
        next_arrival: None,
        samplers: wl.classes.iter().map(|c| c.work.sampler()).collect(),
        service_rng: streams.stream("service"),
        servers: Vec::new(),
        order: Vec::new(),
        unit_server: Vec::new(),
        cursor: 0,
        accepting: 0,
        accepting_cores: 0,
        accepting_busy: 0,
        waking: 0,
        awake_count: 0,
        awake_cores: 0,
        available: 0,
        fleet_power_w: 0.0,
        total_busy: 0,
        busy_ops_per_s: 0.0,
        in_system: 0,
        last_ns: 0,
        step_start_ns: 0,
        step: StepSums::default(),
        policy_busy_ops: 0.0,
        in_system_area: 0.0,
        classes: vec![ClassCounters::default(); wl.classes.len()],
        accounting: Accounting::new(scenario, streams),
        lifecycle,
        lifecycle_out: LifecycleOutput::default(),
        virt,
        base_idle_w,
        observer,
    };
    let initial: Vec<u16> = model.lifecycle.initial_fleet().to_vec();
    for (unit, &m) in initial.iter().enumerate() {
        model.add_server(unit as u32, m, true);
    }
    model.rebuild_order();
    model.refresh_next_arrival();

    let cores: usize = model
        .servers
        .iter()
        .map(|s| model.models[s.model as usize].cores as usize)
        .sum();
    let mut queue = EventQueue::with_capacity(cores + 1024);
    if scenario.step_ns < scenario.horizon_ns {
        queue.schedule_at(scenario.step_ns, Event::StepEnd);
    }
    if let PowerManagement::Consolidate { interval_ns, .. } = dc.power_management
        && dc.virtualization.is_none()
        && interval_ns < scenario.horizon_ns
    {
        queue.schedule_at(interval_ns, Event::PolicyTick);
    }
    model.lifecycle.start(&mut model.lifecycle_out);
    model.apply_lifecycle_output(0, &mut queue);
    if model.virt.is_some() {
        model.virt_plan(0, &mut queue);
    } else if matches!(dc.power_management, PowerManagement::SleepWhenIdle { .. }) {
        for s in 0..model.servers.len() {
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
        let busy_ops = self.busy_ops_per_s * dt_f * 1e-9;
        self.step.busy_ops += busy_ops;
        self.policy_busy_ops += busy_ops;
        self.step.awake_server_s += f64::from(self.awake_count) * dt_f * 1e-9;
        self.step.awake_core_s += self.awake_cores as f64 * dt_f * 1e-9;
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
    fn tables(&self, s: usize) -> &ModelTables {
        &self.models[self.servers[s].model as usize]
    }

    #[inline]
    fn cores(&self, s: usize) -> u32 {
        self.tables(s).cores
    }

    #[inline]
    fn awake_power(&self, s: usize) -> f64 {
        self.tables(s).power_by_busy_w[self.servers[s].busy as usize]
    }

    fn can_accept(&self, s: usize) -> bool {
        let server = &self.servers[s];
        match server.state {
            State::Awake => server.busy < self.cores(s) || server.queue.len() < self.queue_capacity,
            State::Waking | State::Draining | State::Asleep => server.queue.len() < self.queue_capacity,
            State::Failed | State::Retiring | State::Retired => false,
        }
    }

    /// Recomputes the preference order after the fleet changed.
    fn rebuild_order(&mut self) {
        let mut order: Vec<u32> = (0..self.servers.len() as u32)
            .filter(|&s| self.servers[s as usize].state != State::Retired)
            .collect();
        order.sort_by_key(|&s| (self.model_rank[self.servers[s as usize].model as usize], s));
        self.order = order;
    }

    /// First server in preference order in `state`.
    fn first_in(&self, state: State) -> Option<usize> {
        self.order
            .iter()
            .map(|&s| s as usize)
            .find(|&s| self.servers[s].state == state)
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
            DispatchPolicy::PowerAwarePacking => self
                .order
                .iter()
                .map(|&s| s as usize)
                .find(|&s| self.servers[s].state == State::Awake && self.servers[s].busy < self.cores(s))
                .or_else(|| self.shortest_queue(0)),
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
        if let Some(s) = self.first_in(State::Draining) {
            self.undrain(s);
            return self.can_accept(s).then_some(s);
        }
        let s = self.first_in(State::Asleep)?;
        self.wake(s, now, queue);
        self.can_accept(s).then_some(s)
    }

    fn undrain(&mut self, s: usize) {
        self.servers[s].state = State::Awake;
        self.accepting += 1;
        self.accepting_cores += u64::from(self.cores(s));
        self.accepting_busy += u64::from(self.servers[s].busy);
    }

    /// Stops `s` accepting work (it was awake).
    fn stop_accepting(&mut self, s: usize) {
        self.accepting -= 1;
        self.accepting_cores -= u64::from(self.cores(s));
        self.accepting_busy -= u64::from(self.servers[s].busy);
    }

    fn mark_up(&mut self, s: usize) {
        self.awake_count += 1;
        self.awake_cores += u64::from(self.cores(s));
    }

    fn mark_down(&mut self, s: usize) {
        self.awake_count -= 1;
        self.awake_cores -= u64::from(self.cores(s));
    }

    fn wake(&mut self, s: usize, now: u64, queue: &mut EventQueue<Event>) {
        debug_assert_eq!(self.servers[s].state, State::Asleep);
        self.servers[s].state = State::Waking;
        self.waking += 1;
        self.mark_up(s);
        let (transition_w, latency_ns) = (self.tables(s).transition_w, self.tables(s).wake_latency_ns);
        self.set_power(s, transition_w);
        if now >= self.warmup_ns {
            self.step.wakeups += 1.0;
        }
        queue.schedule_in(latency_ns, Event::WakeDone { server: s as u32 });
    }

    fn sleep(&mut self, s: usize) {
        debug_assert!(self.servers[s].is_empty());
        match self.servers[s].state {
            State::Awake => self.stop_accepting(s),
            State::Draining => {}
            _ => return,
        }
        self.servers[s].state = State::Asleep;
        self.mark_down(s);
        let low = self.tables(s).low_power_w;
        self.set_power(s, low);
    }

    /// A retiring server that has finished its work leaves.
    fn finish_retiring(&mut self, s: usize) {
        self.servers[s].state = State::Retired;
        self.mark_down(s);
        self.set_power(s, 0.0);
        self.rebuild_order();
    }

    /// Wakes one more server when every awake server has all cores busy (and none is
    /// already waking): the reactive half of both sleeping policies.
    fn wake_if_saturated(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        if matches!(self.power_management, PowerManagement::AlwaysOn) || self.waking > 0 || self.virt.is_some() {
            return;
        }
        if self.accepting_busy < self.accepting_cores {
            return;
        }
        if let Some(s) = self.first_in(State::Draining) {
            self.undrain(s);
        } else if let Some(s) = self.first_in(State::Asleep) {
            self.wake(s, now, queue);
        }
    }

    /// Starts service of one transaction on a free core of `s`.
    #[inline]
    fn start(&mut self, s: usize, now: u64, job: Waiting, queue: &mut EventQueue<Event>) {
        let t = &self.models[self.servers[s].model as usize];
        let service_ns = ((job.work_ops * t.ns_per_op).round() as u64).max(1);
        self.busy_ops_per_s += t.ops_per_core_s;
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
            now + service_ns,
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
            (State::Retiring, _) => self.finish_retiring(s),
            (State::Awake, PowerManagement::SleepWhenIdle { idle_timeout_ns, .. })
                if self.servers[s].idle_timer.is_none() && self.virt.is_none() =>
            {
                let id = queue.schedule_in(idle_timeout_ns, Event::IdleTimeout { server: s as u32 });
                self.servers[s].idle_timer = Some(id);
            }
            _ => {}
        }
    }

    fn count_drop(&mut self, class: usize, arrival_ns: u64) {
        self.step.dropped += 1.0;
        if arrival_ns >= self.warmup_ns {
            self.classes[class].dropped += 1;
        }
    }

    fn on_arrival(&mut self, now: u64, class: usize, queue: &mut EventQueue<Event>) {
        let work_ops = self.samplers[class].sample(&mut self.service_rng);
        self.step.arrivals += 1.0;
        if now >= self.warmup_ns {
            self.classes[class].arrivals += 1;
        }
        let job = Waiting {
            arrival_ns: now,
            work_ops,
            class: class as u16,
        };
        if self.dispatch_job(now, job, queue) {
            self.in_system += 1;
        }
    }

    /// Sends `job` to a server; false if it was dropped.
    fn dispatch_job(&mut self, now: u64, job: Waiting, queue: &mut EventQueue<Event>) -> bool {
        if self.virt.is_some() {
            return self.virt_dispatch(now, job, queue);
        }
        let target = match self.pick_awake() {
            Some(s) => Some(s),
            None if self.accepting == 0 => self.pick_fallback(now, queue),
            None => None,
        };
        let Some(s) = target else {
            self.count_drop(job.class as usize, job.arrival_ns);
            self.wake_if_saturated(now, queue);
            return false;
        };
        if let Some(id) = self.servers[s].idle_timer.take() {
            queue.cancel(id);
        }
        let server = &self.servers[s];
        if server.state == State::Awake && server.busy < self.cores(s) {
            self.start(s, now, job, queue);
        } else {
            self.servers[s].queue.push_back(job);
        }
        self.wake_if_saturated(now, queue);
        true
    }

    fn on_completion(&mut self, now: u64, s: usize, class: u16, arrival_ns: u64, queue: &mut EventQueue<Event>) {
        if self.servers[s].lost > 0 {
            // The transaction was lost when the server failed.
            self.servers[s].lost -= 1;
            self.count_drop(class as usize, arrival_ns);
            if self.servers[s].lost == 0 && self.servers[s].restore_pending {
                self.restore(s);
            }
            return;
        }
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
        self.busy_ops_per_s -= self.tables(s).ops_per_core_s;
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
        if self.servers[s].state != State::Waking {
            // The server failed or retired while waking.
            return;
        }
        self.waking -= 1;
        self.servers[s].state = State::Awake;
        self.accepting += 1;
        self.accepting_cores += u64::from(self.cores(s));
        let p = self.awake_power(s);
        self.set_power(s, p);
        while self.servers[s].busy < self.cores(s) {
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
        let PowerManagement::Consolidate {
            interval_ns,
            target_utilization,
            headroom,
            min_awake,
        } = self.power_management
        else {
            return;
        };
        let load_ops_per_s = self.policy_busy_ops / (interval_ns as f64 * 1e-9);
        self.policy_busy_ops = 0.0;
        // Servers to keep awake: the most efficient ones, until their capacity at the
        // target utilization covers the observed load plus headroom.
        let needed_ops = load_ops_per_s * (1.0 + headroom) / target_utilization;
        let mut target = 0u32;
        let mut capacity = 0.0;
        for &s in &self.order {
            let server = &self.servers[s as usize];
            if matches!(server.state, State::Failed | State::Retiring | State::Retired) {
                continue;
            }
            if capacity >= needed_ops && target >= min_awake.max(1) {
                break;
            }
            capacity += self.models[server.model as usize].capacity_ops_per_s();
            target += 1;
        }
        let mut active = self.accepting + self.waking;
        while active < target {
            if let Some(s) = self.first_in(State::Draining) {
                self.undrain(s);
            } else if let Some(s) = self.first_in(State::Asleep) {
                self.wake(s, now, queue);
            } else {
                break;
            }
            active += 1;
        }
        while active > target && self.accepting > 1 {
            let Some(s) = self
                .order
                .iter()
                .rev()
                .map(|&s| s as usize)
                .find(|&s| self.servers[s].state == State::Awake)
            else {
                break;
            };
            self.servers[s].state = State::Draining;
            self.stop_accepting(s);
            if self.servers[s].is_empty() {
                self.sleep(s);
            }
            active -= 1;
        }
        if now + interval_ns < self.horizon_ns {
            queue.schedule_in(interval_ns, Event::PolicyTick);
        }
    }

    /// Adds a server for lifecycle unit `unit` (at time 0 the initial fleet).
    fn add_server(&mut self, unit: u32, model: u16, initial: bool) {
        let s = self.servers.len();
        let always_on = matches!(self.power_management, PowerManagement::AlwaysOn);
        // The initial fleet starts awake (as the scenario's servers always did); servers
        // added later start asleep unless every server must stay on.
        let awake = initial || always_on;
        let t = &self.models[model as usize];
        let power_w = if awake { t.power_by_busy_w[0] } else { t.low_power_w };
        self.servers.push(Server {
            model,
            busy: 0,
            queue: VecDeque::new(),
            state: if awake { State::Awake } else { State::Asleep },
            idle_timer: None,
            power_w,
            lost: 0,
            restore_pending: false,
        });
        self.fleet_power_w += power_w;
        if awake {
            self.accepting += 1;
            self.accepting_cores += u64::from(t.cores);
            self.mark_up(s);
        }
        self.available += 1;
        let unit = unit as usize;
        if self.unit_server.len() <= unit {
            self.unit_server.resize(unit + 1, u32::MAX);
        }
        self.unit_server[unit] = s as u32;
    }

    /// Takes `s` out of service: it stops accepting and its waiting transactions go to
    /// other servers.
    fn evacuate(&mut self, now: u64, s: usize, queue: &mut EventQueue<Event>) {
        if let Some(id) = self.servers[s].idle_timer.take() {
            queue.cancel(id);
        }
        match self.servers[s].state {
            State::Awake => self.stop_accepting(s),
            State::Waking => self.waking -= 1,
            _ => {}
        }
        let waiting = std::mem::take(&mut self.servers[s].queue);
        self.in_system -= waiting.len() as u64;
        // Mark the server out of dispatch before moving its queue.
        let previous = self.servers[s].state;
        self.servers[s].state = State::Failed;
        for job in waiting {
            if self.dispatch_job(now, job, queue) {
                self.in_system += 1;
            }
        }
        self.servers[s].state = previous;
    }

    fn apply_change(&mut self, now: u64, change: FleetChange, queue: &mut EventQueue<Event>) {
        let server_of = |unit: u32| self.unit_server.get(unit as usize).copied().filter(|&s| s != u32::MAX);
        match change {
            FleetChange::Add { unit, model } => {
                self.add_server(unit, model, false);
                self.rebuild_order();
                if matches!(self.power_management, PowerManagement::SleepWhenIdle { .. }) {
                    let s = self.servers.len() - 1;
                    self.on_server_empty(s, queue);
                }
            }
            FleetChange::Fail { unit } => {
                let Some(s) = server_of(unit).map(|s| s as usize) else {
                    return;
                };
                if matches!(self.servers[s].state, State::Failed | State::Retired) {
                    return;
                }
                let was_retiring = self.servers[s].state == State::Retiring;
                self.evacuate(now, s, queue);
                let busy = self.servers[s].busy;
                if self.servers[s].is_up() {
                    self.mark_down(s);
                }
                self.total_busy -= u64::from(busy);
                self.busy_ops_per_s -= f64::from(busy) * self.tables(s).ops_per_core_s;
                self.in_system -= u64::from(busy);
                let server = &mut self.servers[s];
                server.lost += busy;
                server.busy = 0;
                server.state = State::Failed;
                self.set_power(s, 0.0);
                if !was_retiring {
                    self.available -= 1;
                }
            }
            FleetChange::Restore { unit } => {
                let Some(s) = server_of(unit).map(|s| s as usize) else {
                    return;
                };
                if self.servers[s].state != State::Failed {
                    return;
                }
                if self.servers[s].lost > 0 {
                    self.servers[s].restore_pending = true;
                } else {
                    self.restore(s);
                }
            }
            FleetChange::Retire { unit } => {
                let Some(s) = server_of(unit).map(|s| s as usize) else {
                    return;
                };
                match self.servers[s].state {
                    State::Retired | State::Retiring => {}
                    State::Failed => {
                        self.servers[s].restore_pending = false;
                        self.servers[s].state = State::Retired;
                        self.rebuild_order();
                    }
                    State::Asleep => {
                        self.available -= 1;
                        self.servers[s].state = State::Retired;
                        self.set_power(s, 0.0);
                        self.rebuild_order();
                    }
                    State::Awake | State::Draining | State::Waking => {
                        self.available -= 1;
                        self.evacuate(now, s, queue);
                        if self.servers[s].state == State::Waking {
                            // Leave at once: it has no work yet.
                            self.servers[s].state = State::Retiring;
                            self.finish_retiring(s);
                        } else {
                            self.servers[s].state = State::Retiring;
                            if self.servers[s].is_empty() {
                                self.finish_retiring(s);
                            }
                        }
                    }
                }
                if self.accepting == 0 {
                    self.wake_if_needed(now, queue);
                }
            }
        }
    }

    /// A repaired server rejoins (asleep, or awake when every server must stay on).
    fn restore(&mut self, s: usize) {
        let server = &mut self.servers[s];
        server.restore_pending = false;
        self.available += 1;
        if matches!(self.power_management, PowerManagement::AlwaysOn) {
            self.servers[s].state = State::Awake;
            self.accepting += 1;
            self.accepting_cores += u64::from(self.cores(s));
            self.mark_up(s);
            let p = self.awake_power(s);
            self.set_power(s, p);
        } else {
            self.servers[s].state = State::Asleep;
            let low = self.tables(s).low_power_w;
            self.set_power(s, low);
        }
    }

    /// Keeps at least one server accepting after a failure or retirement emptied the set.
    fn wake_if_needed(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        if self.accepting > 0 || self.waking > 0 || self.virt.is_some() {
            return;
        }
        if let Some(s) = self.first_in(State::Draining) {
            self.undrain(s);
        } else if let Some(s) = self.first_in(State::Asleep) {
            self.wake(s, now, queue);
        }
    }

    fn apply_lifecycle_output(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        let mut out = std::mem::take(&mut self.lifecycle_out);
        for &(t, e) in &out.schedule {
            if t < self.horizon_ns {
                queue.schedule_at(t.max(now), Event::Lifecycle(e));
            }
        }
        for &change in &out.changes {
            self.apply_change(now, change, queue);
            if matches!(change, FleetChange::Fail { .. }) {
                self.wake_if_needed(now, queue);
            }
        }
        out.clear();
        self.lifecycle_out = out;
    }

    fn on_lifecycle(&mut self, now: u64, event: LifecycleEvent, queue: &mut EventQueue<Event>) {
        let served = self.accounting.served_ops() + self.step.busy_ops;
        self.lifecycle.handle(now, event, served, &mut self.lifecycle_out);
        self.apply_lifecycle_output(now, queue);
    }

    fn close_step(&mut self, now: u64) {
        // Re-sum fleet power to remove floating-point drift of the running total.
        self.fleet_power_w = self.servers.iter().map(|s| s.power_w).sum();
        let mut sums = std::mem::take(&mut self.step);
        let dt_s = (now - self.step_start_ns) as f64 * 1e-9;
        // What batch work may use: the power slope of the awake servers and the sleeping
        // servers (counted at the end of the step).
        let (mut slope, mut cores) = (0.0, 0.0);
        let mut asleep: Option<&ModelTables> = None;
        let mut asleep_count = 0.0;
        for &s in &self.order {
            let server = &self.servers[s as usize];
            let t = &self.models[server.model as usize];
            if server.is_up() {
                slope += t.power_by_busy_w[t.cores as usize] - t.power_by_busy_w[0];
                cores += f64::from(t.cores);
            } else if server.state == State::Asleep {
                asleep_count += 1.0;
                asleep.get_or_insert(t);
            }
        }
        sums.slope_w_per_core = if cores > 0.0 { slope / cores } else { 0.0 };
        if let Some(v) = &mut self.virt
            && self.step_start_ns >= self.warmup_ns
        {
            let oh = v.spec_cpu_share();
            v.totals.hypervisor_energy_kwh += sums.busy_core_s * oh / (1.0 + oh) * sums.slope_w_per_core / 3.6e6;
        }
        sums.asleep_server_s = asleep_count * dt_s;
        if let Some(t) = asleep {
            sums.asleep_cores_per_server = f64::from(t.cores);
            sums.asleep_idle_w = t.power_by_busy_w[0];
            sums.asleep_low_w = t.low_power_w;
        }
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
        let served = self.accounting.served_ops();
        let supply = self.accounting.supply();
        let years = self.accounting.years().to_vec();
        let lifecycle = self
            .lifecycle
            .finish(scenario.horizon_ns, served, self.accounting.battery_replacements_ns());
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
            supply,
            server_count: f64::from(self.available),
            mean_awake: self.accounting.mean_awake(),
            mean_utilization: self.accounting.mean_utilization(),
            wakeups: self.accounting.wakeups(),
            peak_it_kw: self.accounting.peak_it_kw(),
            mean_in_system: Some(self.in_system_area / measured_ns),
            events,
            lifecycle,
            cost: crate::economics::CostTotals::default(),
            energy_years: years,
            batch: self.accounting.batch_totals(),
            batch_asap: None,
            virtualization: self.virt.as_ref().map(|v| v.totals),
            virt_baseline: None,
            latency_cdf_ms: CDF_QUANTILES.iter().map(|&q| (q, total_hist.quantile_ms(q))).collect(),
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
                if self.virt.is_some() && now < self.horizon_ns {
                    self.virt_plan(now, queue);
                }
            }
            Event::ReleaseHeld => self.release_held(now, queue),
            Event::Lifecycle(e) => self.on_lifecycle(now, e, queue),
        }
    }
}
