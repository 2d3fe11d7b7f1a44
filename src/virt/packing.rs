//! Two-dimensional bin packing of virtual machines (vCPUs and memory) onto hosts:
//! first-fit decreasing and best-fit decreasing, the placement rules of OpenStack-style
//! schedulers. A host offers `cores x cpu_overcommit` vCPUs and `memory x ram_overcommit`
//! GB; a VM fits where both are left.

/// What a VM reserves on its host.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Demand {
    /// Virtual CPUs.
    pub vcpus: f64,
    /// Memory, GB.
    pub memory_gb: f64,
}

impl Demand {
    /// The sum of two demands.
    pub fn plus(self, other: Demand) -> Demand {
        Demand {
            vcpus: self.vcpus + other.vcpus,
            memory_gb: self.memory_gb + other.memory_gb,
        }
    }

    /// This demand less `other`.
    pub fn minus(self, other: Demand) -> Demand {
        Demand {
            vcpus: self.vcpus - other.vcpus,
            memory_gb: self.memory_gb - other.memory_gb,
        }
    }
}

/// What a host offers to VMs (after overcommit).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HostSpace {
    /// vCPUs: physical cores x CPU overcommit ratio.
    pub vcpus: f64,
    /// Memory, GB (x RAM overcommit ratio).
    pub memory_gb: f64,
}

impl HostSpace {
    /// Whether `add` fits beside `used`.
    pub fn fits(&self, used: Demand, add: Demand) -> bool {
        const SLACK: f64 = 1e-9;
        used.vcpus + add.vcpus <= self.vcpus * (1.0 + SLACK)
            && used.memory_gb + add.memory_gb <= self.memory_gb * (1.0 + SLACK)
    }

    /// The larger of the two shares `d` takes of this host (its normalized size).
    pub fn share(&self, d: Demand) -> f64 {
        let cpu = if self.vcpus > 0.0 {
            d.vcpus / self.vcpus
        } else {
            f64::INFINITY
        };
        let mem = if self.memory_gb > 0.0 {
            d.memory_gb / self.memory_gb
        } else {
            f64::INFINITY
        };
        cpu.max(mem)
    }
}

/// How a VM's host is chosen among those it fits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The first host (in the given order) it fits on.
    First,
    /// The host left with the least room (largest normalized load) after placing it.
    Best,
}

impl Fit {
    /// Picks a host for `d` among `candidates` (in order), given each host's capacity and
    /// use. Ties go to the earlier candidate.
    pub fn choose(
        self,
        d: Demand,
        candidates: impl Iterator<Item = usize>,
        space: &[HostSpace],
        used: &[Demand],
    ) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for h in candidates {
            if !space[h].fits(used[h], d) {
                continue;
            }
            match self {
                Fit::First => return Some(h),
                Fit::Best => {
                    let after = space[h].share(used[h].plus(d));
                    if best.is_none_or(|(_, b)| after > b + 1e-12) {
                        best = Some((h, after));
                    }
                }
            }
        }
        best.map(|(h, _)| h)
    }
}

/// Orders VMs by decreasing normalized size on `reference` (the largest host), then by
/// index: the "decreasing" of FFD and BFD.
pub fn decreasing_order(items: &[Demand], reference: HostSpace) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        reference
            .share(items[b])
            .total_cmp(&reference.share(items[a]))
            .then(items[b].vcpus.total_cmp(&items[a].vcpus))
            .then(a.cmp(&b))
    });
    order
}

/// Packs `items` onto empty hosts `space` (hosts opened in the given order, a new host only
/// when no open host fits: classic FFD/BFD). Returns each item's host, or the index of the
/// first item that fits on no host.
pub fn pack_decreasing(items: &[Demand], space: &[HostSpace], fit: Fit) -> Result<Vec<usize>, usize> {
    let reference = space
        .iter()
        .copied()
        .max_by(|a, b| a.vcpus.total_cmp(&b.vcpus).then(a.memory_gb.total_cmp(&b.memory_gb)))
        .unwrap_or_default();
    let mut used = vec![Demand::default(); space.len()];
    let mut open: Vec<usize> = Vec::new();
    let mut is_open = vec![false; space.len()];
    let mut host_of = vec![usize::MAX; items.len()];
    for i in decreasing_order(items, reference) {
        let d = items[i];
        let h = match fit.choose(d, open.iter().copied(), space, &used) {
            Some(h) => h,
            None => match (0..space.len()).find(|&h| !is_open[h] && space[h].fits(Demand::default(), d)) {
                Some(h) => {
                    is_open[h] = true;
                    open.push(h);
                    h
                }
                None => return Err(i),
            },
        };
        used[h] = used[h].plus(d);
        host_of[i] = h;
    }
    Ok(host_of)
}

/// Hosts used by a placement.
pub fn hosts_used(host_of: &[usize]) -> usize {
    let mut hosts: Vec<usize> = host_of.to_vec();
    hosts.sort_unstable();
    hosts.dedup();
    hosts.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(vcpus: f64, memory_gb: f64) -> Demand {
        Demand { vcpus, memory_gb }
    }

    #[test]
    fn first_fit_decreasing_packs_a_textbook_case() {
        // Sizes 0.5, 0.7, 0.5, 0.2, 0.4, 0.2, 0.5, 0.1, 0.6 on bins of 1 (memory loose):
        // FFD gives 0.7+0.2+0.1 | 0.6+0.4 | 0.5+0.5 | 0.5+0.2 = 4 bins (optimum 4).
        let sizes = [0.5, 0.7, 0.5, 0.2, 0.4, 0.2, 0.5, 0.1, 0.6];
        let items: Vec<Demand> = sizes.iter().map(|&s| vm(s * 10.0, 1.0)).collect();
        let hosts = vec![
            HostSpace {
                vcpus: 10.0,
                memory_gb: 100.0
            };
            9
        ];
        let placed = pack_decreasing(&items, &hosts, Fit::First).unwrap();
        assert_eq!(hosts_used(&placed), 4);
        let mut load = [0.0; 9];
        for (i, &h) in placed.iter().enumerate() {
            load[h] += sizes[i];
        }
        assert!(load.iter().all(|&l| l <= 1.0 + 1e-12), "{load:?}");
        assert!((load[0] - 1.0).abs() < 1e-12, "first bin 0.7 + 0.2 + 0.1: {load:?}");
    }

    #[test]
    fn best_fit_takes_the_tightest_host() {
        let space = [HostSpace {
            vcpus: 10.0,
            memory_gb: 10.0,
        }; 3];
        let used = [vm(2.0, 2.0), vm(7.0, 1.0), vm(5.0, 5.0)];
        assert_eq!(Fit::Best.choose(vm(3.0, 1.0), 0..3, &space, &used), Some(1));
        assert_eq!(Fit::First.choose(vm(3.0, 1.0), 0..3, &space, &used), Some(0));
        // Memory decides too: host 1 has CPU room but not memory for 9.5 GB.
        assert_eq!(Fit::Best.choose(vm(1.0, 9.5), 0..3, &space, &used), None);
        assert_eq!(Fit::Best.choose(vm(1.0, 4.0), 0..3, &space, &used), Some(2));
    }

    #[test]
    fn a_vm_larger_than_every_host_is_reported() {
        let hosts = vec![
            HostSpace {
                vcpus: 8.0,
                memory_gb: 32.0
            };
            4
        ];
        assert_eq!(
            pack_decreasing(&[vm(2.0, 4.0), vm(4.0, 64.0)], &hosts, Fit::First),
            Err(1)
        );
    }
}
