//! Flow fidelity with virtual machines: each step the VM manager scales the services to
//! the step's expected work, places new VMs, consolidates when a pass is due and sets the
//! awake hosts; then each awake host is analysed on its own: its VMs' share of every
//! class's arrivals, one G/G/c queue over its physical cores (the hypervisor schedules the
//! vCPUs over them), service slowed by the hypervisor's CPU overhead, and power from its
//! curve at its utilization plus the hypervisor's idle overhead. Transactions of a VM
//! migrated in the step wait out the resume downtime (half of it on average) if they
//! arrive during it, and run `slowdown` slower during the pre-copy.

use super::super::accounting::StepSums;
use super::FlowModel;
use crate::datacenter::PowerManagement;
use crate::queueing::{WaitDistribution, erlang_b, finite_queue_loss, ggc_wait};
use crate::virt::{HostKind, KeepAwake, VirtSpec, VirtTotals, VmManager};

/// The virtualization layer of a flow run.
pub(super) struct VirtState {
    pub manager: VmManager,
    pub totals: VirtTotals,
    kinds: Vec<HostKind>,
    work: Vec<f64>,
}

impl VirtState {
    pub fn new(spec: &VirtSpec, pm: &PowerManagement) -> Self {
        let keep = match pm {
            PowerManagement::AlwaysOn => KeepAwake::All,
            other => KeepAwake::First(other.min_awake()),
        };
        Self {
            manager: VmManager::new(spec, keep),
            totals: VirtTotals::default(),
            kinds: Vec::new(),
            work: vec![0.0; spec.services.len()],
        }
    }
}

impl FlowModel<'_> {
    /// The step `[t0, t1)` of a virtualized datacenter; `counts` are the step's arrivals
    /// per class and `expected` their expected numbers.
    pub(super) fn virt_step(&mut self, t0: u64, t1: u64, counts: &[f64], expected: &[f64]) {
        let Some(mut v) = self.virt.take() else {
            return;
        };
        let dt_s = (t1 - t0) as f64 * 1e-9;
        let dt_h = dt_s / 3600.0;
        let measured = t0 >= self.scenario.warmup_ns;
        let dc = &self.scenario.datacenter;
        let spec = v.manager.spec().clone();

        // Hosts in service and the services' expected work.
        v.kinds.clear();
        for (g, group) in self.groups.iter().enumerate() {
            v.kinds.push(HostKind {
                group: g,
                rank: group.rank,
                available: group.available,
                cores: group.tables.cores,
                ops_per_core_s: group.tables.ops_per_core_s,
                memory_gb: group.tables.memory_gb,
            });
        }
        let restarts = v.manager.sync_hosts(&v.kinds);
        v.work.iter_mut().for_each(|w| *w = 0.0);
        for (k, &n) in expected.iter().enumerate() {
            v.work[spec.class_service[k]] += n * self.mean_ops[k] / dt_s;
        }
        let mut plan = v.manager.step(t0, &v.work, restarts);
        if t0 == 0 {
            // The fleet starts awake: hosts the first plan keeps awake were not woken.
            plan.wakeups = 0;
        }
        let instances = v.manager.instances().to_vec();
        let mut migrated_to = vec![vec![0u32; spec.services.len()]; v.manager.hosts().len()];
        let mut migration_j = 0.0;
        for &(s, h) in &plan.migrated {
            migrated_to[h][s] += 1;
            migration_j += spec.migration_energy_j(s);
        }

        let oh = spec.hypervisor_cpu_share;
        let mut sums = StepSums::default();
        let mut hypervisor_j = 0.0;
        let k_queue = dc.queue_capacity as f64;
        for (h, host) in v.manager.hosts().iter().enumerate() {
            let group = &mut self.groups[host.group];
            let t = &group.tables;
            if !host.awake {
                sums.servers_energy_j += t.low_power_w * dt_s;
                sums.asleep_server_s += dt_s;
                if sums.asleep_cores_per_server == 0.0 {
                    sums.asleep_cores_per_server = t.cores as f64;
                    sums.asleep_idle_w = t.curve.idle_w();
                    sums.asleep_low_w = t.low_power_w;
                }
                continue;
            }
            // This host's arrivals and work.
            let (mut n_h, mut work_h, mut m2_h) = (0.0, 0.0, 0.0);
            for (k, &n) in counts.iter().enumerate() {
                let s = spec.class_service[k];
                if instances[s] == 0 || host.per_service[s] == 0 {
                    continue;
                }
                let n = n * f64::from(host.per_service[s]) / f64::from(instances[s]);
                let w = self.mean_ops[k];
                n_h += n;
                work_h += n * w;
                m2_h += n * w * w * (1.0 + self.service_cv2[k]);
            }
            let c = t.cores as f64;
            let speed = t.ops_per_core_s / (1.0 + oh);
            let load = work_h / dt_s / speed;
            // One M/G/c queue with `queue_capacity` waiting places (loss as in M/M/c/(c+K)).
            let drop_h = finite_queue_loss(erlang_b(t.cores, load), load / c, k_queue);
            let (wait, shift_s, drop) = if n_h <= 0.0 {
                (WaitDistribution::NONE, 0.0, 0.0)
            } else if load >= c * (1.0 - 1e-9) {
                let mean_s = work_h / n_h / speed;
                (WaitDistribution::NONE, k_queue * mean_s / c, drop_h.max(1.0 - c / load))
            } else {
                let mean_ops = work_h / n_h;
                let cs2 = m2_h / n_h / (mean_ops * mean_ops) - 1.0;
                let wait = ggc_wait(t.cores, n_h / dt_s, mean_ops / speed, 1.0, cs2).unwrap_or(WaitDistribution::NONE);
                (wait, 0.0, drop_h)
            };
            let busy = (load * (1.0 - drop)).min(c);
            let idle_extra_w = spec.hypervisor_idle_share * t.curve.idle_w();
            // Busy cores fluctuate around their mean (Poisson occupancy): the mean power of
            // the curve over that spread, as for bare-metal servers.
            let curve_w = group.occupancy_power.mean_power_w(busy);
            let without_overhead_w = group.occupancy_power.mean_power_w(busy / (1.0 + oh));
            let t = &group.tables;
            sums.servers_energy_j += (curve_w + idle_extra_w) * dt_s;
            hypervisor_j += (idle_extra_w + curve_w - without_overhead_w) * dt_s;
            sums.busy_core_s += busy * dt_s;
            sums.busy_ops += busy / (1.0 + oh) * t.ops_per_core_s * dt_s;
            sums.awake_server_s += dt_s;
            sums.awake_core_s += c * dt_s;
            sums.slope_w_per_core += t.curve.max_w() - t.curve.idle_w();

            // Latency per class, with the migration penalty for VMs that just arrived.
            for (k, &n) in counts.iter().enumerate() {
                let s = spec.class_service[k];
                if instances[s] == 0 || host.per_service[s] == 0 || n <= 0.0 {
                    continue;
                }
                let per_vm = n / f64::from(instances[s]);
                let n_k = per_vm * f64::from(host.per_service[s]);
                let completed = n_k * (1.0 - drop);
                let service_s = group.service_s[k] * (1.0 + oh);
                let extra_s = group.service_s[k] * oh;
                let moved = per_vm * f64::from(migrated_to[h][s]) * (1.0 - drop);
                let resume_s = spec.migration.resume_s;
                let mig_s = spec.migration.duration_s(spec.services[s].memory_gb);
                let down = moved * (resume_s / dt_s).min(1.0);
                let slow = (moved * (mig_s / dt_s).min(1.0) - down).max(0.0);
                let normal = (completed - down - slow).max(0.0);
                let sla_s = self.scenario.workload.classes[k].sla_ms * 1e-3;
                let chunks = [
                    (normal, shift_s + extra_s),
                    (down, shift_s + extra_s + 0.5 * resume_s),
                    (slow, shift_s + extra_s + spec.migration.slowdown_share * service_s),
                ];
                sums.completed += completed;
                sums.dropped += n_k - completed;
                for (weight, shift) in chunks {
                    if weight <= 0.0 {
                        continue;
                    }
                    sums.latency_sum_s += weight * (shift + wait.mean_s() + group.service_s[k]);
                    sums.late += weight * group.mixtures[k].step_survival(wait, shift, sla_s);
                    if measured {
                        group.mixtures[k].add(weight, wait, shift);
                    }
                }
                if measured {
                    let tot = &mut self.totals[k];
                    tot.completed += completed;
                    tot.dropped += n_k - completed;
                }
            }
        }
        // Arrivals count whole, as drawn (the hosts' shares of them sum to the count only
        // up to rounding); those of services with no instance placed are dropped.
        for (k, &n) in counts.iter().enumerate() {
            sums.arrivals += n;
            if measured {
                self.totals[k].arrivals += n;
            }
            if instances[spec.class_service[k]] == 0 && n > 0.0 {
                sums.dropped += n;
                if measured {
                    self.totals[k].dropped += n;
                }
            }
        }
        // Wake-ups draw the transition power for the wake latency.
        if let Some(g) = self.order.first().map(|&g| &self.groups[g].tables) {
            sums.servers_energy_j += f64::from(plan.wakeups)
                * (g.transition_w - g.curve.idle_w()).max(0.0)
                * g.wake_latency_ns as f64
                * 1e-9;
        }
        sums.wakeups = f64::from(plan.wakeups);
        sums.servers_energy_j += migration_j;
        sums.slope_w_per_core = if sums.awake_core_s > 0.0 {
            sums.slope_w_per_core / (sums.awake_core_s / dt_s)
        } else {
            0.0
        };
        if measured {
            v.totals.record_step(&plan, &v.manager, dt_h, migration_j);
            v.totals.hypervisor_energy_kwh += hypervisor_j / 3.6e6;
        }
        self.virt = Some(v);
        self.prev_busy_ops = Some(sums.busy_ops / dt_s);
        self.accounting.close_step(t0, t1, &sums, &mut *self.observer);
    }
}
