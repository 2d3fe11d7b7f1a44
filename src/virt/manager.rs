//! The VMs of a run: instance counts from the load, placement on hosts, scale-down,
//! restarts after host failures, and periodic consolidation by live migration.
//!
//! Hosts are kept in opening order: the most efficient server model first, then by slot.
//! New VMs go to hosts already running VMs (first or best fit), then to an empty awake
//! host, then to a sleeping one (woken). Scale-down removes instances from the hosts with
//! the fewest VMs, so hosts drain. A consolidation pass visits the active hosts from the
//! least loaded and moves all of a host's VMs to other active hosts when they all fit
//! (vCPUs, memory and a CPU utilization cap); a host that received VMs in the pass is not
//! emptied in it. A pass only moves VMs onto hosts already active, so it never raises the
//! number of active hosts.

use super::packing::{Demand, Fit, HostSpace};
use super::{Placement, VirtSpec};

/// A physical host.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// Server-model group (index in the run's model registry).
    pub group: usize,
    /// Its id within the group (a slot, or a server index).
    pub id: u32,
    /// What it offers to VMs.
    pub space: HostSpace,
    /// Physical cores.
    pub cores: f64,
    /// ssj_ops one core serves per second.
    pub ops_per_core_s: f64,
    /// Reserved vCPUs and memory.
    pub used: Demand,
    /// Instances of each service on it.
    pub per_service: Vec<u32>,
    /// VMs on it.
    pub vms: u32,
    /// Whether it is awake.
    pub awake: bool,
}

/// A kind of host the fleet offers (one per server model).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostKind {
    /// Group index.
    pub group: usize,
    /// Efficiency rank (0 = opened first).
    pub rank: usize,
    /// Servers of this kind in service.
    pub available: u32,
    /// Physical cores.
    pub cores: u32,
    /// ssj_ops one core serves per second.
    pub ops_per_core_s: f64,
    /// Memory, GB.
    pub memory_gb: f64,
}

/// What the manager did at the start of a step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VirtStepPlan {
    /// Service and new host of each VM migrated in this step.
    pub migrated: Vec<(usize, usize)>,
    /// Hosts woken.
    pub wakeups: u32,
    /// VMs restarted because their host left service.
    pub restarts: u32,
    /// Instances wanted but not placed (no room).
    pub unplaced: u32,
    /// Whether a consolidation pass ran.
    pub consolidated: bool,
}

/// Which hosts stay awake without VMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepAwake {
    /// Every host (always-on power management).
    All,
    /// The first `n` hosts in opening order.
    First(u32),
}

/// The VMs and hosts of a run.
#[derive(Debug, Clone)]
pub struct VmManager {
    spec: VirtSpec,
    keep_awake: KeepAwake,
    hosts: Vec<Host>,
    kinds: Vec<HostKind>,
    ids: Vec<Vec<u32>>,
    instances: Vec<u32>,
    next_consolidation_ns: u64,
}

impl VmManager {
    /// A manager with no hosts yet.
    pub fn new(spec: &VirtSpec, keep_awake: KeepAwake) -> Self {
        Self {
            instances: vec![0; spec.services.len()],
            next_consolidation_ns: spec.consolidation.map_or(u64::MAX, |c| c.interval_ns),
            spec: spec.clone(),
            keep_awake,
            hosts: Vec::new(),
            kinds: Vec::new(),
            ids: Vec::new(),
        }
    }

    /// The hosts, in opening order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Running instances of each service.
    pub fn instances(&self) -> &[u32] {
        &self.instances
    }

    /// The spec.
    pub fn spec(&self) -> &VirtSpec {
        &self.spec
    }

    fn demand(&self, s: usize) -> Demand {
        let svc = &self.spec.services[s];
        Demand {
            vcpus: svc.vcpus,
            memory_gb: svc.memory_gb,
        }
    }

    /// Sets the hosts in service (one entry per server model, hosts numbered from 0 in
    /// each). Hosts that left service lose their VMs (counted as restarts, placed again by
    /// the next [`Self::step`]).
    pub fn sync_hosts(&mut self, kinds: &[HostKind]) -> u32 {
        if kinds == self.kinds.as_slice() {
            return 0;
        }
        let ids: Vec<Vec<u32>> = kinds.iter().map(|k| (0..k.available).collect()).collect();
        self.sync_host_ids(kinds, &ids)
    }

    /// Sets the hosts in service: `ids[i]` are the ids of the hosts of `kinds[i]` (e.g.
    /// server indices). Hosts whose id left lose their VMs (restarts); new ids join empty
    /// and asleep.
    pub fn sync_host_ids(&mut self, kinds: &[HostKind], ids: &[Vec<u32>]) -> u32 {
        if kinds == self.kinds.as_slice() && ids == self.ids.as_slice() {
            return 0;
        }
        let services = self.spec.services.len();
        let mut old: std::collections::BTreeMap<(usize, u32), Host> =
            self.hosts.drain(..).map(|h| ((h.group, h.id), h)).collect();
        let mut order: Vec<usize> = (0..kinds.len()).collect();
        order.sort_by_key(|&i| (kinds[i].rank, kinds[i].group));
        for i in order {
            let k = kinds[i];
            let space = HostSpace {
                vcpus: f64::from(k.cores) * self.spec.cpu_overcommit,
                memory_gb: self.spec.host_memory_gb.unwrap_or(k.memory_gb) * self.spec.ram_overcommit,
            };
            let mut group_ids: Vec<u32> = ids.get(i).cloned().unwrap_or_default();
            group_ids.sort_unstable();
            for id in group_ids {
                let mut host = old.remove(&(k.group, id)).unwrap_or_else(|| Host {
                    group: k.group,
                    id,
                    space,
                    cores: f64::from(k.cores),
                    ops_per_core_s: k.ops_per_core_s,
                    used: Demand::default(),
                    per_service: vec![0; services],
                    vms: 0,
                    awake: false,
                });
                host.space = space;
                self.hosts.push(host);
            }
        }
        let mut restarts = 0u32;
        for h in old.into_values() {
            restarts += h.vms;
            for (s, &n) in h.per_service.iter().enumerate() {
                self.instances[s] -= n;
            }
        }
        self.kinds = kinds.to_vec();
        self.ids = ids.to_vec();
        restarts
    }

    /// Instances each service needs for its work (ssj_ops/s, before hypervisor overhead).
    pub fn wanted_instances(&self, work_ops_per_s: &[f64]) -> Vec<u32> {
        let ref_ops = self.hosts.first().map_or(1.0, |h| h.ops_per_core_s);
        self.spec
            .services
            .iter()
            .zip(work_ops_per_s)
            .map(|(svc, &w)| {
                let cores = w * (1.0 + self.spec.hypervisor_cpu_share) / ref_ops;
                let n = (cores / (svc.vcpus * svc.target_utilization)).ceil();
                (n.max(0.0).min(f64::from(u32::MAX)) as u32).clamp(svc.min_instances, svc.max_instances)
            })
            .collect()
    }

    /// Whether a VM of service `s` may go on host `h` by the placement's sharing rule.
    fn may_share(&self, h: usize, s: usize) -> bool {
        self.spec.placement != Placement::OneServicePerHost
            || self.hosts[h]
                .per_service
                .iter()
                .enumerate()
                .all(|(t, &n)| n == 0 || t == s)
    }

    fn add_vm(&mut self, h: usize, s: usize) {
        let d = self.demand(s);
        let host = &mut self.hosts[h];
        host.used = host.used.plus(d);
        host.per_service[s] += 1;
        host.vms += 1;
        self.instances[s] += 1;
    }

    fn remove_vm(&mut self, h: usize, s: usize) {
        let d = self.demand(s);
        let host = &mut self.hosts[h];
        host.used = host.used.minus(d);
        host.per_service[s] -= 1;
        host.vms -= 1;
        self.instances[s] -= 1;
    }

    /// A host for a new VM of service `s`, or `None` if none has room.
    fn host_for_new(&self, s: usize) -> Option<usize> {
        let d = self.demand(s);
        let space: Vec<HostSpace> = self.hosts.iter().map(|h| h.space).collect();
        let used: Vec<Demand> = self.hosts.iter().map(|h| h.used).collect();
        let fit = self.spec.placement.fit();
        let active = (0..self.hosts.len()).filter(|&h| self.hosts[h].vms > 0 && self.may_share(h, s));
        if let Some(h) = fit.choose(d, active, &space, &used) {
            return Some(h);
        }
        let empty_awake = (0..self.hosts.len()).filter(|&h| self.hosts[h].vms == 0 && self.hosts[h].awake);
        if let Some(h) = Fit::First.choose(d, empty_awake, &space, &used) {
            return Some(h);
        }
        let asleep = (0..self.hosts.len()).filter(|&h| self.hosts[h].vms == 0 && !self.hosts[h].awake);
        Fit::First.choose(d, asleep, &space, &used)
    }

    /// Scales every service to `wanted` instances (scale-down from the hosts with the
    /// fewest VMs; scale-up by the placement rule). Returns instances not placed.
    fn scale(&mut self, wanted: &[u32]) -> u32 {
        let mut unplaced = 0;
        // Scale down first, so freed room can take other services' new instances.
        for (s, &want) in wanted.iter().enumerate() {
            while self.instances[s] > want {
                let Some(h) = (0..self.hosts.len())
                    .filter(|&h| self.hosts[h].per_service[s] > 0)
                    .min_by_key(|&h| (self.hosts[h].vms, std::cmp::Reverse(h)))
                else {
                    break;
                };
                self.remove_vm(h, s);
            }
        }
        // Scale up, largest VMs first (the "decreasing" of FFD/BFD).
        let mut order: Vec<usize> = (0..wanted.len()).collect();
        order.sort_by(|&a, &b| {
            let (da, db) = (self.demand(a), self.demand(b));
            db.vcpus
                .total_cmp(&da.vcpus)
                .then(db.memory_gb.total_cmp(&da.memory_gb))
                .then(a.cmp(&b))
        });
        let mut missing: Vec<u32> = wanted
            .iter()
            .zip(&self.instances)
            .map(|(&w, &have)| w.saturating_sub(have))
            .collect();
        for &s in &order {
            while missing[s] > 0 {
                match self.host_for_new(s) {
                    Some(h) => {
                        self.add_vm(h, s);
                        missing[s] -= 1;
                    }
                    None => {
                        unplaced += missing[s];
                        missing[s] = 0;
                    }
                }
            }
        }
        unplaced
    }

    /// CPU cores a host's VMs keep busy, given each service's work per instance.
    fn host_load_cores(&self, h: usize, work_per_instance: &[f64]) -> f64 {
        let host = &self.hosts[h];
        let ops: f64 = host
            .per_service
            .iter()
            .zip(work_per_instance)
            .map(|(&n, &w)| f64::from(n) * w)
            .sum();
        ops * (1.0 + self.spec.hypervisor_cpu_share) / host.ops_per_core_s
    }

    /// One consolidation pass. Returns the service and new host of each VM migrated.
    pub fn consolidate(&mut self, work_per_instance: &[f64], max_utilization: f64) -> Vec<(usize, usize)> {
        let n = self.hosts.len();
        let mut migrated = Vec::new();
        let mut load: Vec<f64> = (0..n).map(|h| self.host_load_cores(h, work_per_instance)).collect();
        let mut active: Vec<usize> = (0..n).filter(|&h| self.hosts[h].vms > 0).collect();
        active.sort_by(|&a, &b| {
            let ua = load[a] / self.hosts[a].cores + self.hosts[a].space.share(self.hosts[a].used);
            let ub = load[b] / self.hosts[b].cores + self.hosts[b].space.share(self.hosts[b].used);
            ua.total_cmp(&ub).then(b.cmp(&a))
        });
        let mut received = vec![false; n];
        let mut emptied = vec![false; n];
        let fit = self.spec.placement.fit();
        for &h in &active {
            if received[h] || self.hosts[h].vms == 0 {
                continue;
            }
            // The host's VMs, largest first.
            let mut vms: Vec<usize> = Vec::with_capacity(self.hosts[h].vms as usize);
            for (s, &k) in self.hosts[h].per_service.iter().enumerate() {
                vms.extend(std::iter::repeat_n(s, k as usize));
            }
            vms.sort_by(|&a, &b| self.demand(b).vcpus.total_cmp(&self.demand(a).vcpus).then(a.cmp(&b)));
            let space: Vec<HostSpace> = self.hosts.iter().map(|x| x.space).collect();
            let mut used: Vec<Demand> = self.hosts.iter().map(|x| x.used).collect();
            let mut trial_load = load.clone();
            let mut moves = Vec::with_capacity(vms.len());
            let mut services_on: Vec<Vec<u32>> = Vec::new();
            let dedicated = self.spec.placement == Placement::OneServicePerHost;
            if dedicated {
                services_on = self.hosts.iter().map(|x| x.per_service.clone()).collect();
            }
            for &s in &vms {
                let d = self.demand(s);
                let vm_load = work_per_instance[s] * (1.0 + self.spec.hypervisor_cpu_share);
                let candidates = active.iter().copied().filter(|&t| {
                    t != h
                        && !emptied[t]
                        && self.hosts[t].vms > 0
                        && trial_load[t] + vm_load / self.hosts[t].ops_per_core_s
                            <= max_utilization * self.hosts[t].cores + 1e-9
                        && (!dedicated || services_on[t].iter().enumerate().all(|(u, &k)| k == 0 || u == s))
                });
                // Ties broken by opening order.
                let mut sorted: Vec<usize> = candidates.collect();
                sorted.sort_unstable();
                match fit.choose(d, sorted.into_iter(), &space, &used) {
                    Some(t) => {
                        used[t] = used[t].plus(d);
                        trial_load[t] += vm_load / self.hosts[t].ops_per_core_s;
                        if dedicated {
                            services_on[t][s] += 1;
                        }
                        moves.push((s, t));
                    }
                    None => break,
                }
            }
            if moves.len() == vms.len() {
                for &(s, t) in &moves {
                    self.remove_vm(h, s);
                    self.add_vm(t, s);
                    received[t] = true;
                    migrated.push((s, t));
                }
                load = trial_load;
                load[h] = 0.0;
                emptied[h] = true;
            }
        }
        migrated
    }

    fn update_awake(&mut self) -> u32 {
        let mut wakeups = 0;
        let keep = match self.keep_awake {
            KeepAwake::All => usize::MAX,
            KeepAwake::First(n) => n as usize,
        };
        for (i, h) in self.hosts.iter_mut().enumerate() {
            let awake = h.vms > 0 || i < keep;
            if awake && !h.awake {
                wakeups += 1;
            }
            h.awake = awake;
        }
        wakeups
    }

    /// Starts the step at `t0`: restarts VMs of hosts that left service (`restarts` from
    /// [`Self::sync_hosts`]), scales services to their work (ssj_ops/s per service),
    /// consolidates when a pass is due, and sets which hosts are awake.
    pub fn step(&mut self, t0: u64, work_ops_per_s: &[f64], restarts: u32) -> VirtStepPlan {
        let wanted = self.wanted_instances(work_ops_per_s);
        let unplaced = self.scale(&wanted);
        let mut plan = VirtStepPlan {
            restarts,
            unplaced,
            ..VirtStepPlan::default()
        };
        if let Some(c) = self.spec.consolidation
            && t0 >= self.next_consolidation_ns
        {
            while self.next_consolidation_ns <= t0 {
                self.next_consolidation_ns = self.next_consolidation_ns.saturating_add(c.interval_ns.max(1));
            }
            let per_instance: Vec<f64> = work_ops_per_s
                .iter()
                .zip(&self.instances)
                .map(|(&w, &n)| if n > 0 { w / f64::from(n) } else { 0.0 })
                .collect();
            plan.migrated = self.consolidate(&per_instance, c.max_utilization);
            plan.consolidated = true;
        }
        plan.wakeups = self.update_awake();
        plan
    }

    /// Hosts with at least one VM.
    pub fn active_hosts(&self) -> usize {
        self.hosts.iter().filter(|h| h.vms > 0).count()
    }

    /// Checks the placement invariants: no host above its vCPU x overcommit or memory,
    /// and the per-host counts add up. Returns a description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut total = vec![0u32; self.instances.len()];
        for (i, h) in self.hosts.iter().enumerate() {
            if h.used.vcpus > h.space.vcpus * (1.0 + 1e-9) || h.used.memory_gb > h.space.memory_gb * (1.0 + 1e-9) {
                return Err(format!("host {i} holds {:?}, more than {:?}", h.used, h.space));
            }
            let mut reserved = Demand::default();
            for (s, &n) in h.per_service.iter().enumerate() {
                total[s] += n;
                let d = self.demand(s);
                reserved.vcpus += f64::from(n) * d.vcpus;
                reserved.memory_gb += f64::from(n) * d.memory_gb;
            }
            if (reserved.vcpus - h.used.vcpus).abs() > 1e-6 || h.per_service.iter().sum::<u32>() != h.vms {
                return Err(format!("host {i}: bookkeeping differs"));
            }
        }
        if total != self.instances {
            return Err(format!("instances {:?} but hosts hold {total:?}", self.instances));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virt::{Consolidation, MigrationModel, ServiceSpec};

    fn spec(placement: Placement) -> VirtSpec {
        VirtSpec {
            services: vec![
                ServiceSpec {
                    name: "authorization".into(),
                    vcpus: 4.0,
                    memory_gb: 8.0,
                    min_instances: 2,
                    max_instances: 100,
                    target_utilization: 0.6,
                },
                ServiceSpec {
                    name: "fraud".into(),
                    vcpus: 8.0,
                    memory_gb: 32.0,
                    min_instances: 1,
                    max_instances: 100,
                    target_utilization: 0.6,
                },
            ],
            class_service: vec![0, 1],
            cpu_overcommit: 2.0,
            ram_overcommit: 1.0,
            host_memory_gb: None,
            hypervisor_idle_share: 0.03,
            hypervisor_cpu_share: 0.05,
            placement,
            consolidation: Some(Consolidation {
                interval_ns: 3_600_000_000_000,
                max_utilization: 0.8,
            }),
            migration: MigrationModel::default(),
        }
    }

    fn kinds(n: u32) -> Vec<HostKind> {
        vec![HostKind {
            group: 0,
            rank: 0,
            available: n,
            cores: 16,
            ops_per_core_s: 1000.0,
            memory_gb: 128.0,
        }]
    }

    #[test]
    fn scaling_follows_the_load_and_hosts_drain() {
        let mut m = VmManager::new(&spec(Placement::FirstFitDecreasing), KeepAwake::First(1));
        m.sync_hosts(&kinds(10));
        // 60 cores of authorization work: 60 x 1.05 / (4 x 0.6) = 26.25 -> 27 instances.
        let p = m.step(0, &[60_000.0, 4_000.0], 0);
        assert_eq!(m.instances(), &[27, 1]);
        assert_eq!(p.unplaced, 0);
        m.check_invariants().unwrap();
        let busy = m.active_hosts();
        // 4 x 1.05 / (8 x 0.6) = 0.875 -> 1 fraud instance; 27 x 4 + 8 = 116 vCPUs on
        // hosts of 32: at least 4 hosts.
        assert!((4..=5).contains(&busy), "{busy}");
        let p = m.step(1, &[6_000.0, 1_000.0], 0);
        assert_eq!(m.instances(), &[3, 1]);
        m.check_invariants().unwrap();
        assert!(m.active_hosts() <= 2, "{}", m.active_hosts());
        assert_eq!(p.migrated.len(), 0, "no pass before the first interval");
    }

    #[test]
    fn hosts_without_vms_sleep_beyond_min_awake() {
        for keep in [0u32, 1, 3] {
            let mut m = VmManager::new(&spec(Placement::FirstFitDecreasing), KeepAwake::First(keep));
            m.sync_hosts(&kinds(10));
            m.step(0, &[6_000.0, 1_000.0], 0);
            let awake = m.hosts().iter().filter(|h| h.awake).count();
            let active = m.active_hosts();
            // The active hosts are the first ones in opening order.
            assert_eq!(
                awake,
                active.max(keep as usize),
                "keep {keep}: {awake} awake, {active} active"
            );
            assert!(m.hosts().iter().all(|h| h.vms == 0 || h.awake));
        }
        let mut m = VmManager::new(&spec(Placement::FirstFitDecreasing), KeepAwake::All);
        m.sync_hosts(&kinds(10));
        m.step(0, &[6_000.0, 1_000.0], 0);
        assert!(m.hosts().iter().all(|h| h.awake));
    }

    #[test]
    fn a_host_leaving_service_restarts_its_vms_elsewhere() {
        let mut m = VmManager::new(&spec(Placement::BestFitDecreasing), KeepAwake::First(0));
        m.sync_hosts(&kinds(8));
        m.step(0, &[40_000.0, 8_000.0], 0);
        let before = m.instances().to_vec();
        let restarts = m.sync_hosts(&kinds(2));
        assert!(restarts > 0);
        let p = m.step(1, &[40_000.0, 8_000.0], restarts);
        m.check_invariants().unwrap();
        assert!(p.unplaced > 0, "two hosts cannot hold {before:?}");
        assert_eq!(m.hosts().len(), 2);
    }

    #[test]
    fn one_service_per_host_never_mixes_services() {
        let mut m = VmManager::new(&spec(Placement::OneServicePerHost), KeepAwake::First(0));
        m.sync_hosts(&kinds(20));
        m.step(0, &[30_000.0, 20_000.0], 0);
        m.step(4_000_000_000_000, &[10_000.0, 5_000.0], 0);
        for h in m.hosts() {
            assert!(
                h.per_service.iter().filter(|&&n| n > 0).count() <= 1,
                "{:?}",
                h.per_service
            );
        }
        m.check_invariants().unwrap();
    }
}
