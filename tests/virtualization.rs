//! Virtual machines: placement never overfills a host, first-fit decreasing stays within
//! its worst-case bound on cases whose optimum is known, a consolidation pass never raises
//! the number of active hosts, and in a run consolidation lets hosts sleep and saves
//! energy against hosts dedicated to one service.

mod common;

use common::{errors, run, scenario};
use greenloop::engine::{RngStreams, StreamRng};
use greenloop::virt::manager::{HostKind, KeepAwake, VmManager};
use greenloop::virt::packing::{Demand, Fit, HostSpace, hosts_used, pack_decreasing};
use greenloop::virt::{Consolidation, MigrationModel, Placement, ServiceSpec, VirtSpec};
use rand_distr::{Distribution, Uniform};

/// A uniform integer in `lo..=hi`.
fn int(rng: &mut StreamRng, lo: u32, hi: u32) -> u32 {
    Uniform::new_inclusive(lo, hi).map_or(lo, |u| u.sample(rng))
}

/// A uniform number in `[lo, hi)`.
fn real(rng: &mut StreamRng, lo: f64, hi: f64) -> f64 {
    Uniform::new(lo, hi).map_or(lo, |u| u.sample(rng))
}

/// Splits `hosts` full hosts of `capacity` vCPUs into random integer pieces (memory in
/// proportion, so both dimensions are exactly full): the optimum is `hosts`.
fn split_full_hosts(rng: &mut StreamRng, hosts: usize, capacity: u32) -> Vec<Demand> {
    let mut items = Vec::new();
    for _ in 0..hosts {
        let mut left = capacity;
        while left > 0 {
            let piece = int(rng, 1, left.min(capacity / 2 + 1));
            items.push(Demand {
                vcpus: f64::from(piece),
                memory_gb: f64::from(piece) * 4.0,
            });
            left -= piece;
        }
    }
    // Shuffle so the input order carries no hint.
    for i in (1..items.len()).rev() {
        let j = int(rng, 0, i as u32) as usize;
        items.swap(i, j);
    }
    items
}

#[test]
fn first_fit_decreasing_stays_within_11_9_opt_plus_6_9() {
    let mut rng = RngStreams::new(7, 0).stream("ffd");
    let mut worst: f64 = 0.0;
    let mut above_opt = 0;
    for case in 0..2_000 {
        let opt = int(&mut rng, 1, 30) as usize;
        let capacity = [16u32, 32, 56, 100][case % 4];
        let items = split_full_hosts(&mut rng, opt, capacity);
        let space = vec![
            HostSpace {
                vcpus: f64::from(capacity),
                memory_gb: f64::from(capacity) * 4.0,
            };
            items.len()
        ];
        for fit in [Fit::First, Fit::Best] {
            let placed = pack_decreasing(&items, &space, fit).expect("every piece fits an empty host");
            let used = hosts_used(&placed);
            // Dosa (2007): FFD <= 11/9 OPT + 6/9, tight; BFD is checked against the same bound.
            let bound = 11.0 / 9.0 * opt as f64 + 6.0 / 9.0;
            assert!(
                used as f64 <= bound + 1e-9,
                "case {case} {fit:?}: {used} hosts, optimum {opt}"
            );
            assert!(used >= opt, "fewer hosts than the optimum is impossible");
            // No host overfilled.
            let mut load = vec![0.0; space.len()];
            for (i, &h) in placed.iter().enumerate() {
                load[h] += items[i].vcpus;
            }
            assert!(load.iter().all(|&l| l <= f64::from(capacity) + 1e-9));
            worst = worst.max(used as f64 / opt as f64);
            above_opt += usize::from(used > opt);
        }
    }
    // The test must see FFD above the optimum sometimes, or the cases are too easy.
    eprintln!("FFD/BFD: {above_opt} of 4,000 packings above the optimum, worst ratio {worst:.3}");
    assert!(above_opt > 0, "no case above the optimum: the generator is too easy");
    assert!(worst > 1.0);
}

fn spec(placement: Placement, overcommit: f64) -> VirtSpec {
    let service = |name: &str, vcpus: f64, memory_gb: f64| ServiceSpec {
        name: name.into(),
        vcpus,
        memory_gb,
        min_instances: 1,
        max_instances: 1_000,
        target_utilization: 0.5,
    };
    VirtSpec {
        services: vec![
            service("a", 2.0, 4.0),
            service("b", 4.0, 16.0),
            service("c", 8.0, 24.0),
            service("d", 16.0, 64.0),
        ],
        class_service: vec![0, 1, 2, 3],
        cpu_overcommit: overcommit,
        ram_overcommit: 1.0,
        host_memory_gb: None,
        hypervisor_idle_share: 0.03,
        hypervisor_cpu_share: 0.05,
        placement,
        consolidation: Some(Consolidation {
            interval_ns: 1,
            max_utilization: 0.9,
        }),
        migration: MigrationModel::default(),
    }
}

/// Random loads and host failures: after every step no host holds more than its vCPUs x
/// overcommit or its memory, and every consolidation pass keeps or lowers active hosts.
#[test]
fn random_operations_keep_hosts_within_capacity_and_consolidation_never_adds_hosts() {
    let mut rng = RngStreams::new(11, 0).stream("operations");
    let mut passes_that_freed_hosts = 0;
    for placement in [
        Placement::FirstFitDecreasing,
        Placement::BestFitDecreasing,
        Placement::OneServicePerHost,
    ] {
        for overcommit in [1.0, 2.0, 4.0] {
            let mut m = VmManager::new(&spec(placement, overcommit), KeepAwake::First(1));
            let mut hosts = 30u32;
            for step in 0..400u64 {
                if real(&mut rng, 0.0, 1.0) < 0.05 {
                    hosts = int(&mut rng, 10, 40);
                }
                let kinds = [
                    HostKind {
                        group: 0,
                        rank: 0,
                        available: hosts,
                        cores: 32,
                        ops_per_core_s: 1000.0,
                        memory_gb: 256.0,
                    },
                    HostKind {
                        group: 1,
                        rank: 1,
                        available: 5,
                        cores: 16,
                        ops_per_core_s: 700.0,
                        memory_gb: 96.0,
                    },
                ];
                let restarts = m.sync_hosts(&kinds);
                let work: Vec<f64> = (0..4).map(|_| real(&mut rng, 0.0, 60_000.0)).collect();
                // Scale without consolidating, then run a pass by hand and compare.
                let mut plain = m.clone();
                plain.step(0, &work, restarts);
                plain
                    .check_invariants()
                    .unwrap_or_else(|e| panic!("{placement:?} x{overcommit} step {step}: {e}"));
                let before = plain.active_hosts();
                let per_instance: Vec<f64> = work
                    .iter()
                    .zip(plain.instances())
                    .map(|(&w, &n)| if n > 0 { w / f64::from(n) } else { 0.0 })
                    .collect();
                let moved = plain.consolidate(&per_instance, 0.9);
                plain.check_invariants().unwrap_or_else(|e| panic!("after a pass: {e}"));
                let after = plain.active_hosts();
                assert!(
                    after <= before,
                    "{placement:?}: a pass raised active hosts {before} -> {after}"
                );
                if after < before {
                    passes_that_freed_hosts += 1;
                    assert!(!moved.is_empty());
                }
                if placement == Placement::OneServicePerHost {
                    for h in plain.hosts() {
                        assert!(h.per_service.iter().filter(|&&n| n > 0).count() <= 1);
                    }
                }
                // Continue from the full step (scale + pass) for the next round.
                m.step(step + 1, &work, restarts);
                m.check_invariants().unwrap();
            }
        }
    }
    eprintln!("{passes_that_freed_hosts} of 3,600 passes freed hosts");
    assert!(
        passes_that_freed_hosts > 50,
        "consolidation freed hosts only {passes_that_freed_hosts} times"
    );
}

fn vm_text(placement: &str, consolidation: &str) -> String {
    format!(
        r#"
name = "vms"
horizon = "7d"
step = "15m"
seed = 3
fidelity = "flow"
[site]
pue = 1.3
[workload]
mean_tps = 800
profile = "card-network"
[datacenter]
server = "dell-r740-xeon-8280"
count = 16
power_management = {{ policy = "sleep-when-idle", idle_timeout = "5m", min_awake = 0 }}
[datacenter.virtualization]
placement = "{placement}"
consolidation = "{consolidation}"
[[datacenter.virtualization.services]]
name = "authorization"
classes = ["authorization"]
vcpus = 4
memory_gb = 8
[[datacenter.virtualization.services]]
name = "fraud-scoring"
classes = ["fraud-scoring"]
vcpus = 8
memory_gb = 32
[[datacenter.virtualization.services]]
name = "clearing"
classes = ["clearing"]
vcpus = 4
memory_gb = 16
"#
    )
}

#[test]
fn consolidation_lets_hosts_sleep_and_saves_energy_against_dedicated_hosts() {
    let consolidated = run(&scenario(&vm_text("first-fit-decreasing", "periodic")), 0);
    let plain = run(&scenario(&vm_text("first-fit-decreasing", "none")), 0);
    let silo = run(&scenario(&vm_text("one-service-per-host", "none")), 0);
    let v = consolidated.virtualization.expect("virtualized run");
    let p = plain.virtualization.expect("virtualized run");
    let s = silo.virtualization.expect("virtualized run");
    let hosts = |t: &greenloop::virt::VirtTotals| t.active_host_h / t.measured_h;
    assert!(v.migrations > 0.0 && p.migrations == 0.0);
    assert!(hosts(&v) < hosts(&p), "{} vs {}", hosts(&v), hosts(&p));
    assert!(hosts(&p) < hosts(&s), "{} vs {}", hosts(&p), hosts(&s));
    assert!(consolidated.energy.it_kwh < plain.energy.it_kwh);
    assert!(plain.energy.it_kwh < silo.energy.it_kwh);
    // The built-in baseline is the silo run with the same random numbers.
    let (base_it, _, base_hosts) = consolidated.virt_baseline.expect("baseline");
    assert!(
        (base_it - silo.energy.it_kwh).abs() < 1e-9 * base_it,
        "{base_it} vs {}",
        silo.energy.it_kwh
    );
    assert!((base_hosts - hosts(&s)).abs() < 1e-12);
    assert!(silo.virt_baseline.is_none());
    // Migration energy follows Liu et al.: per VM 0.512 J/MB x M/(1 - 0.1) + 20.165 J.
    assert!(v.migration_energy_kwh > 0.0);
    let per_vm_max = (0.512 * 32.0 * 1024.0 / 0.9 + 20.165) / 3.6e6;
    assert!(v.migration_energy_kwh <= v.migrations * per_vm_max * (1.0 + 1e-9));
    // The same transactions are served.
    assert!((consolidated.arrivals - plain.arrivals).abs() < 1e-9 * plain.arrivals);
    assert!(consolidated.dropped == 0.0 && silo.dropped == 0.0);
}

#[test]
fn bad_virtualization_inputs_are_named() {
    let text =
        vm_text("first-fit-decreasing", "periodic").replace("vcpus = 8\nmemory_gb = 32", "vcpus = 8\nmemory_gb = 4096");
    let e = errors(&text);
    assert!(
        e.contains("larger than every host") && e.contains("datacenter.virtualization.services[1]"),
        "{e}"
    );
    let e = errors(&vm_text("first-fit", "periodic"));
    assert!(
        e.contains("unknown placement") && e.contains("first-fit-decreasing"),
        "{e}"
    );
    let e = errors(
        &vm_text("first-fit-decreasing", "periodic").replace("classes = [\"clearing\"]", "classes = [\"clearnig\"]"),
    );
    assert!(
        e.contains("unknown class \"clearnig\"") && e.contains("did you mean \"clearing\""),
        "{e}"
    );
    let e = errors(&vm_text("first-fit-decreasing", "periodic").replace("memory_gb = 8\n", "memory_gb = -8\n"));
    assert!(
        e.contains("datacenter.virtualization.services[0].memory_gb") && e.contains("must be > 0"),
        "{e}"
    );
}

fn small_text(fidelity: &str) -> String {
    format!(
        r#"
name = "vms-small"
horizon = "1d"
step = "15m"
seed = 3
start = "2025-03-04"
fidelity = "{fidelity}"
[site]
pue = 1.3
[workload]
mean_tps = 300
profile = "card-network"
[datacenter]
server = "dell-r740-xeon-8280"
count = 8
power_management = {{ policy = "sleep-when-idle", idle_timeout = "5m", min_awake = 0 }}
[datacenter.virtualization]
placement = "best-fit-decreasing"
consolidation = {{ every = "15m", max_utilization = 0.7 }}
cpu_overcommit = 1.0
host_memory_gb = 32
[[datacenter.virtualization.services]]
name = "authorization"
classes = ["authorization"]
vcpus = 2
memory_gb = 4
[[datacenter.virtualization.services]]
name = "fraud-scoring"
classes = ["fraud-scoring"]
vcpus = 8
memory_gb = 16
[[datacenter.virtualization.services]]
name = "clearing"
classes = ["clearing"]
vcpus = 4
memory_gb = 8
"#
    )
}

/// Both fidelities run the same VM decisions; energy and latency agree as for bare metal.
#[test]
fn transaction_and_flow_fidelity_agree_with_virtual_machines() {
    let tx = run(&scenario(&small_text("transaction")), 0);
    let fl = run(&scenario(&small_text("flow")), 0);
    let (vt, vf) = (tx.virtualization.expect("tx"), fl.virtualization.expect("flow"));
    eprintln!("transaction {vt:?}\nflow {vf:?}");
    eprintln!(
        "IT kWh {} vs {}, p99 {} vs {} ms",
        tx.energy.it_kwh, fl.energy.it_kwh, tx.latency.p99_ms, fl.latency.p99_ms
    );
    assert_eq!(vt.active_host_h, vf.active_host_h);
    assert_eq!(vt.vm_h, vf.vm_h);
    assert_eq!(vt.migrations, vf.migrations);
    assert!(vt.migrations > 0.0, "the case must migrate");
    assert!((tx.energy.it_kwh / fl.energy.it_kwh - 1.0).abs() < 0.01);
    assert!((tx.latency.p99_ms / fl.latency.p99_ms - 1.0).abs() < 0.10);
    assert!(
        (tx.mean_awake - fl.mean_awake).abs() < 0.01,
        "{} vs {}",
        tx.mean_awake,
        fl.mean_awake
    );
    assert_eq!(tx.dropped, 0.0);
    let (bt, bf) = (tx.virt_baseline.expect("tx base"), fl.virt_baseline.expect("flow base"));
    assert!((bt.0 / bf.0 - 1.0).abs() < 0.02, "silo IT {} vs {}", bt.0, bf.0);
}
