//! One simulated year of the card-network scenario in flow fidelity (15-minute steps), one
//! replication (DESIGN.md section 5 budget: under 5 ms for a year with solar, wind, battery
//! and lifecycle; this scenario has the workload and datacenter parts).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use greenloop::metrics::DiscardSteps;

fn bench(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/card-network.toml");
    let scenario = greenloop::load_file(&path).expect("bundled scenario is valid");
    c.bench_function("flow_year_card_network", |b| {
        b.iter(|| black_box(greenloop::sim::run(&scenario, 0, &mut DiscardSteps).energy.it_kwh))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
