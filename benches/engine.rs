//! Engine throughput on an M/M/c model (DESIGN.md section 5: at least 20 million events
//! per second on one core).
//!
//! Two measurements:
//! * `bare_mmc`: a minimal M/M/c model written directly on the engine (event enum in the
//!   binary heap, arrival stream outside the heap): the engine's own cost.
//! * `datacenter_mmc`: the full transaction-fidelity datacenter model on one server with c
//!   cores (dispatch, power integration, histograms, per-step accounting): the cost users
//!   see.
//!
//! Events per second = events handled / time per iteration (criterion reports throughput).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use greenloop::engine::{EventQueue, Model, RngStreams, StreamRng, run_until};
use greenloop::metrics::DiscardSteps;
use greenloop::scenario::{Format, load_str};
use rand_distr::{Distribution, Exp};

/// A bare M/M/c queue: arrivals (outside the heap), completions (in the heap).
struct Mmc {
    next_arrival: u64,
    arrival_gap: Exp<f64>,
    service: Exp<f64>,
    rng: StreamRng,
    busy: u32,
    waiting: u32,
    cores: u32,
    completed: u64,
}

impl Model for Mmc {
    type Event = ();

    fn next_source_time(&self) -> Option<u64> {
        Some(self.next_arrival)
    }

    fn on_source(&mut self, now: u64, q: &mut EventQueue<()>) {
        self.next_arrival = now + self.arrival_gap.sample(&mut self.rng) as u64 + 1;
        if self.busy < self.cores {
            self.busy += 1;
            q.schedule_in(self.service.sample(&mut self.rng) as u64 + 1, ());
        } else {
            self.waiting += 1;
        }
    }

    fn handle(&mut self, _now: u64, _e: (), q: &mut EventQueue<()>) {
        self.completed += 1;
        if self.waiting > 0 {
            self.waiting -= 1;
            q.schedule_in(self.service.sample(&mut self.rng) as u64 + 1, ());
        } else {
            self.busy -= 1;
        }
    }
}

const CORES: u32 = 16;
const RHO: f64 = 0.8;
const MEAN_SERVICE_NS: f64 = 1e6;
const HORIZON_NS: u64 = 2_000_000_000;

fn bare_run() -> u64 {
    let lambda_per_ns = RHO * CORES as f64 / MEAN_SERVICE_NS;
    let mut model = Mmc {
        next_arrival: 0,
        arrival_gap: Exp::new(lambda_per_ns).expect("positive rate"),
        service: Exp::new(1.0 / MEAN_SERVICE_NS).expect("positive rate"),
        rng: RngStreams::new(1, 0).stream("bench"),
        busy: 0,
        waiting: 0,
        cores: CORES,
        completed: 0,
    };
    let mut q = EventQueue::with_capacity(1024);
    run_until(&mut model, &mut q, HORIZON_NS).events
}

fn datacenter_scenario() -> greenloop::Scenario {
    // One server with 16 cores of 1000 ssj_ops/s; 1 ssj_op per transaction = 1 ms service;
    // 12,800 tx/s = rho 0.8.
    let text = r#"
name = "mmc-bench"
horizon = "20s"
step = "10s"
fidelity = "transaction"
[workload]
mean_tps = 12800
[[workload.classes]]
name = "only"
share = 1.0
service = { distribution = "exponential", mean_ssj_ops = 1 }
[datacenter]
server = { cores = 16, ssj_ops_at_100 = 16000, idle_w = 100.0, max_w = 200.0 }
count = 1
queue_capacity = 100000
"#;
    load_str(text, Format::Toml, "bench", "bench", Path::new(".")).expect("bench scenario is valid")
}

fn bench(c: &mut Criterion) {
    let events = bare_run();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events));
    group.bench_function("bare_mmc", |b| b.iter(|| black_box(bare_run())));
    let scenario = datacenter_scenario();
    let dc_events = greenloop::sim::run(&scenario, 0, &mut DiscardSteps).events;
    group.throughput(Throughput::Elements(dc_events));
    group.bench_function("datacenter_mmc", |b| {
        b.iter(|| black_box(greenloop::sim::run(&scenario, 0, &mut DiscardSteps).events))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
