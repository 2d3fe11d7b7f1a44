//! Transaction fidelity with virtual machines. At the start of every step the VM manager
//! (the same as in flow fidelity) scales the services to the step's expected work,
//! places VMs, consolidates when a pass is due and decides which hosts are awake; hosts
//! are the servers in service (the manager knows them by server index). Between step
//! starts, each arrival goes to an instance of its class's service in turn (a
//! round-robin load balancer, skipping instances whose host cannot take it) and queues on
//! that instance's host: the host's cores serve all its VMs. Service times carry the
//! hypervisor's CPU overhead and awake power its idle overhead (folded into the model
//! tables). A migrated VM is unreachable for the resume time (its arrivals are held and
//! released when it resumes) and runs `slowdown` slower until its migration ends.

use std::collections::VecDeque;

use super::{Event, State, TransactionModel, Waiting};
use crate::engine::EventQueue;
use crate::engine::time::NS_PER_S;
use crate::virt::{HostKind, KeepAwake, VirtSpec, VirtTotals, VmManager};
use crate::workload::Segment;

/// One running VM, as the load balancer sees it.
#[derive(Debug, Clone, Copy)]
struct Instance {
    server: u32,
    /// Unreachable until (resume after a migration), ns.
    blackout_until: u64,
    /// Slowed until (end of the migration), ns.
    slow_until: u64,
}

/// The virtualization layer of a transaction run.
pub(super) struct TxVirt {
    manager: VmManager,
    pub totals: VirtTotals,
    spec: VirtSpec,
    instances: Vec<Vec<Instance>>,
    cursors: Vec<usize>,
    rate_cursors: Vec<Option<(u64, Segment)>>,
    mean_ops: Vec<f64>,
    /// Arrivals held while their VM resumes: (release time, server, job).
    held: VecDeque<(u64, u32, Waiting)>,
}

impl TxVirt {
    pub fn new(spec: &VirtSpec, keep_all: bool, min_awake: u32, mean_ops: Vec<f64>) -> Self {
        let keep = if keep_all {
            KeepAwake::All
        } else {
            KeepAwake::First(min_awake)
        };
        Self {
            manager: VmManager::new(spec, keep),
            totals: VirtTotals::default(),
            spec: spec.clone(),
            instances: vec![Vec::new(); spec.services.len()],
            cursors: vec![0; spec.services.len()],
            rate_cursors: vec![None; mean_ops.len()],
            mean_ops,
            held: VecDeque::new(),
        }
    }
}

impl TxVirt {
    /// The hypervisor's CPU overhead share.
    pub fn spec_cpu_share(&self) -> f64 {
        self.spec.hypervisor_cpu_share
    }
}

impl TransactionModel<'_> {
    /// Plans the step starting at `t0`.
    pub(super) fn virt_plan(&mut self, t0: u64, queue: &mut EventQueue<Event>) {
        let Some(mut v) = self.virt.take() else {
            return;
        };
        let t1 = (t0 + self.step_ns).min(self.horizon_ns);
        let dt_s = (t1.saturating_sub(t0)) as f64 * 1e-9;
        // Hosts: the servers in service, by model.
        let mut kinds = Vec::with_capacity(self.models.len());
        let mut ids = Vec::with_capacity(self.models.len());
        for (m, t) in self.models.iter().enumerate() {
            let members: Vec<u32> = (0..self.servers.len() as u32)
                .filter(|&s| {
                    let server = &self.servers[s as usize];
                    server.model as usize == m
                        && !matches!(server.state, State::Failed | State::Retiring | State::Retired)
                })
                .collect();
            kinds.push(HostKind {
                group: m,
                rank: self.model_rank[m],
                available: members.len() as u32,
                cores: t.cores,
                ops_per_core_s: t.ops_per_core_s,
                memory_gb: t.memory_gb,
            });
            ids.push(members);
        }
        let restarts = v.manager.sync_host_ids(&kinds, &ids);
        let mut work = vec![0.0; v.spec.services.len()];
        if dt_s > 0.0 {
            for (k, &ops) in v.mean_ops.iter().enumerate() {
                let n = self.rates.expected_arrivals_from(k, t0, t1, &mut v.rate_cursors[k]);
                work[v.spec.class_service[k]] += n * ops / dt_s;
            }
        }
        let plan = v.manager.step(t0, &work, restarts);

        // Wake hosts that run VMs; drain the others.
        for h in 0..v.manager.hosts().len() {
            let host = &v.manager.hosts()[h];
            let s = host.id as usize;
            match (host.awake, self.servers[s].state) {
                (true, State::Asleep) => self.wake(s, t0, queue),
                (true, State::Draining) => self.undrain(s),
                (false, State::Awake) => {
                    if let Some(id) = self.servers[s].idle_timer.take() {
                        queue.cancel(id);
                    }
                    if self.servers[s].is_empty() {
                        self.sleep(s);
                    } else {
                        self.servers[s].state = State::Draining;
                        self.stop_accepting(s);
                    }
                }
                _ => {}
            }
        }

        // The load balancer's view, with migrated VMs unreachable while they resume.
        for list in &mut v.instances {
            list.clear();
        }
        for host in v.manager.hosts() {
            for (svc, &n) in host.per_service.iter().enumerate() {
                for _ in 0..n {
                    v.instances[svc].push(Instance {
                        server: host.id,
                        blackout_until: 0,
                        slow_until: 0,
                    });
                }
            }
        }
        let resume_ns = (v.spec.migration.resume_s * NS_PER_S as f64).round() as u64;
        let mut migration_j = 0.0;
        for &(svc, h) in &plan.migrated {
            let memory_gb = v.spec.services[svc].memory_gb;
            migration_j += v.spec.migration_energy_j(svc);
            let server = v.manager.hosts()[h].id;
            let duration_ns = (v.spec.migration.duration_s(memory_gb) * NS_PER_S as f64).round() as u64;
            if let Some(inst) = v.instances[svc]
                .iter_mut()
                .find(|i| i.server == server && i.blackout_until == 0)
            {
                inst.blackout_until = t0 + resume_ns;
                inst.slow_until = t0 + duration_ns;
            }
        }
        if !plan.migrated.is_empty() && resume_ns > 0 && t0 + resume_ns < self.horizon_ns {
            queue.schedule_at(t0 + resume_ns, Event::ReleaseHeld);
        }
        self.step.servers_energy_j += migration_j;

        if t0 >= self.warmup_ns && dt_s > 0.0 {
            v.totals.record_step(&plan, &v.manager, dt_s / 3600.0, migration_j);
            // Hypervisor idle overhead of the awake hosts over the step.
            let idle_j: f64 = v
                .manager
                .hosts()
                .iter()
                .filter(|h| h.awake)
                .map(|h| v.spec.hypervisor_idle_share * self.base_idle_w[h.group] * dt_s)
                .sum();
            v.totals.hypervisor_energy_kwh += idle_j / 3.6e6;
        }
        self.virt = Some(v);
    }

    /// Sends `job` to an instance of its service; false if it was dropped.
    pub(super) fn virt_dispatch(&mut self, now: u64, mut job: Waiting, queue: &mut EventQueue<Event>) -> bool {
        let Some(mut v) = self.virt.take() else {
            return false;
        };
        let svc = v.spec.class_service[job.class as usize];
        let n = v.instances[svc].len();
        let mut target = None;
        for i in 0..n {
            let idx = (v.cursors[svc] + i) % n;
            let inst = v.instances[svc][idx];
            let s = inst.server as usize;
            if inst.blackout_until > now || self.can_accept(s) {
                v.cursors[svc] = idx + 1;
                target = Some(inst);
                break;
            }
        }
        let accepted = match target {
            None => {
                self.count_drop(job.class as usize, job.arrival_ns);
                false
            }
            Some(inst) => {
                if inst.slow_until > now {
                    job.work_ops *= 1.0 + v.spec.migration.slowdown_share;
                }
                if inst.blackout_until > now {
                    v.held.push_back((inst.blackout_until, inst.server, job));
                } else {
                    self.enqueue(inst.server as usize, now, job, queue);
                }
                true
            }
        };
        self.virt = Some(v);
        accepted
    }

    /// Releases the arrivals held while their VMs resumed.
    pub(super) fn release_held(&mut self, now: u64, queue: &mut EventQueue<Event>) {
        let Some(mut v) = self.virt.take() else {
            return;
        };
        let mut ready = Vec::new();
        while v.held.front().is_some_and(|&(t, _, _)| t <= now) {
            if let Some(entry) = v.held.pop_front() {
                ready.push(entry);
            }
        }
        self.virt = Some(v);
        for (_, server, job) in ready {
            let s = server as usize;
            if self.can_accept(s) {
                self.enqueue(s, now, job, queue);
            } else {
                self.in_system -= 1;
                self.count_drop(job.class as usize, job.arrival_ns);
            }
        }
    }

    /// Starts `job` on `s` if a core is free, else queues it (the caller checked room).
    pub(super) fn enqueue(&mut self, s: usize, now: u64, job: Waiting, queue: &mut EventQueue<Event>) {
        if let Some(id) = self.servers[s].idle_timer.take() {
            queue.cancel(id);
        }
        let server = &self.servers[s];
        if server.state == State::Awake && server.busy < self.cores(s) {
            self.start(s, now, job, queue);
        } else {
            self.servers[s].queue.push_back(job);
        }
    }
}
