//! Batch work: job families (end-of-day settlement, clearing, reconciliation, model
//! training, reporting, ...) released on a schedule, each job a number of core-hours that
//! may run on up to `parallelism` cores at once (tasks over executors, as in Spark or
//! Hadoop) and should finish before its deadline.
//!
//! Batch work runs on the datacenter's servers below the online transactions: in every step
//! it uses the cores the online work leaves free on awake servers (online work preempts it,
//! so transaction latency is unchanged), and may wake up to `extra_servers` sleeping servers.
//! Its power is that of the cores it keeps busy: the span between idle and peak power per
//! core (the slope of the power curve), plus the idle power of servers woken for it. Both
//! fidelities drive the same scheduler at the end of each step.
//!
//! Policies: as soon as possible; carbon-aware and price-aware (at release, plan the job
//! into the lowest-forecast hours before its deadline, the forecast being the grid's series
//! times 1 + a relative error drawn per hour); renewable-following (run while on-site
//! renewables exceed the online facility demand). Every policy catches up when the work
//! left no longer fits before the deadline at full parallelism, and a job that misses its
//! deadline keeps running as soon as possible until it is done. Plans and catch-up use the
//! rate the datacenter offers at the time (free cores plus the servers the family may wake,
//! up to its parallelism): a persistence forecast of capacity.

use rand_distr::{Distribution, Exp, Gamma, LogNormal, StandardNormal};

use crate::engine::time::{NS_PER_HOUR, ns_to_h};
use crate::engine::{RngStreams, StreamRng};

/// When a family's jobs may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchPolicy {
    /// At full parallelism from release.
    Asap,
    /// In the hours with the lowest forecast grid carbon intensity.
    CarbonAware,
    /// In the hours with the lowest forecast grid price.
    PriceAware,
    /// While on-site renewables exceed the online demand.
    RenewableFollowing,
}

impl BatchPolicy {
    /// Name in files.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchPolicy::Asap => "asap",
            BatchPolicy::CarbonAware => "carbon-aware",
            BatchPolicy::PriceAware => "price-aware",
            BatchPolicy::RenewableFollowing => "renewable-following",
        }
    }
}

/// The law of a job's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeLaw {
    /// Always the mean.
    Deterministic,
    /// Exponential.
    Exponential,
    /// Lognormal with this coefficient of variation.
    LogNormal {
        /// Coefficient of variation.
        cv: f64,
    },
    /// Gamma with this coefficient of variation.
    Gamma {
        /// Coefficient of variation.
        cv: f64,
    },
}

/// A validated job family.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchFamily {
    /// Name.
    pub name: String,
    /// First release, ns from the start.
    pub first_release_ns: u64,
    /// Time between releases, ns.
    pub every_ns: u64,
    /// Mean size, core-hours.
    pub size_core_h: f64,
    /// Size law.
    pub size_law: SizeLaw,
    /// Most cores a job uses at once.
    pub parallelism: f64,
    /// Time from release to deadline, ns.
    pub deadline_ns: u64,
    /// Scheduling policy.
    pub policy: BatchPolicy,
    /// Most sleeping servers the family may wake for its work.
    pub extra_servers: u32,
    /// Relative error (standard deviation) of the carbon or price forecast.
    pub forecast_error: f64,
}

impl BatchFamily {
    fn draw_size(&self, rng: &mut StreamRng) -> f64 {
        let m = self.size_core_h;
        let x = match self.size_law {
            SizeLaw::Deterministic => m,
            SizeLaw::Exponential => Exp::new(1.0 / m).map_or(m, |d| d.sample(rng)),
            SizeLaw::LogNormal { cv } => {
                let s2 = (1.0 + cv * cv).ln();
                LogNormal::new(m.ln() - 0.5 * s2, s2.sqrt()).map_or(m, |d| d.sample(rng))
            }
            SizeLaw::Gamma { cv } => {
                let k = 1.0 / (cv * cv);
                Gamma::new(k, m / k).map_or(m, |d| d.sample(rng))
            }
        };
        x.max(0.0)
    }
}

/// What the datacenter offers batch work in a step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BatchCapacity {
    /// Cores of awake servers the online work left free (mean over the step).
    pub free_cores: f64,
    /// Extra watts per busy core on awake servers (peak minus idle, over cores).
    pub slope_w_per_core: f64,
    /// Sleeping servers (mean over the step).
    pub asleep_servers: f64,
    /// Cores per sleeping server.
    pub asleep_cores_per_server: f64,
    /// Idle power of a sleeping server once woken, W.
    pub asleep_idle_w: f64,
    /// Its low-power draw, W (saved while it is woken).
    pub asleep_low_w: f64,
}

/// The grid and site signals a step of batch scheduling sees.
pub trait Signals {
    /// Grid carbon intensity of local hour `hour`, g/kWh.
    fn carbon(&mut self, hour: i64) -> f64;
    /// Grid price of local hour `hour`, per MWh.
    fn price(&mut self, hour: i64) -> f64;
    /// On-site renewables left after the online facility demand in the step, kW.
    fn surplus_kw(&mut self) -> f64;
    /// PUE of the step.
    fn pue(&mut self) -> f64;
}

#[derive(Debug, Clone)]
struct Job {
    family: usize,
    release_ns: u64,
    deadline_ns: u64,
    remaining_core_h: f64,
    /// Planned core-hours per window `[a, b)` of an hour inside `[release, deadline)`
    /// (policies with a forecast).
    plan: Vec<(u64, u64, f64)>,
    missed: bool,
    first_run_ns: Option<u64>,
    finished_ns: Option<u64>,
    measured: bool,
}

/// Per-family totals over the measured period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FamilyTotals {
    /// Name.
    pub name: String,
    /// Policy.
    pub policy: String,
    /// Jobs released.
    pub jobs: f64,
    /// Jobs finished.
    pub completed: f64,
    /// Jobs that missed their deadline.
    pub deadline_misses: f64,
    /// Sum over finished jobs of finish - release, hours.
    pub delay_sum_h: f64,
    /// Core-hours released.
    pub core_h_released: f64,
    /// Core-hours run.
    pub core_h_done: f64,
    /// Core-hours left at the horizon.
    pub core_h_unfinished: f64,
    /// IT energy of the batch work, kWh.
    pub energy_kwh: f64,
    /// Its facility energy x the grid's intensity in its hours, kgCO2e.
    pub carbon_kg: f64,
    /// Its facility energy x the grid's price in its hours.
    pub cost: f64,
    /// Earliest start relative to release over all jobs, hours (never negative).
    pub min_start_after_release_h: f64,
}

impl FamilyTotals {
    /// Mean time from release to finish of finished jobs, hours.
    pub fn mean_delay_h(&self) -> f64 {
        if self.completed > 0.0 {
            self.delay_sum_h / self.completed
        } else {
            0.0
        }
    }
}

/// What batch work added in a step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BatchStep {
    /// Busy core-seconds of batch work.
    pub busy_core_s: f64,
    /// Extra server energy, J.
    pub energy_j: f64,
    /// Server-seconds of servers woken for batch.
    pub woken_server_s: f64,
    /// Core-seconds of servers woken for batch.
    pub woken_core_s: f64,
}

/// The batch work of one run.
#[derive(Debug, Clone)]
pub struct BatchScheduler {
    families: Vec<BatchFamily>,
    next_release: Vec<u64>,
    sizes: Vec<StreamRng>,
    forecast_rng: StreamRng,
    jobs: Vec<Job>,
    totals: Vec<FamilyTotals>,
    warmup_ns: u64,
}

impl BatchScheduler {
    /// The scheduler for `families` with this run's random streams.
    pub fn new(families: &[BatchFamily], streams: &RngStreams, warmup_ns: u64) -> Self {
        Self {
            next_release: families.iter().map(|f| f.first_release_ns).collect(),
            sizes: families
                .iter()
                .map(|f| streams.stream(&format!("batch/{}", f.name)))
                .collect(),
            forecast_rng: streams.stream("batch/forecast"),
            totals: families
                .iter()
                .map(|f| FamilyTotals {
                    name: f.name.clone(),
                    policy: f.policy.as_str().into(),
                    min_start_after_release_h: f64::INFINITY,
                    ..FamilyTotals::default()
                })
                .collect(),
            families: families.to_vec(),
            jobs: Vec::new(),
            warmup_ns,
        }
    }

    /// Whether there is batch work at all.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    fn release(&mut self, t1: u64, cap: &BatchCapacity, signals: &mut dyn Signals) {
        for f in 0..self.families.len() {
            while self.next_release[f] < t1 {
                let fam = &self.families[f];
                let release = self.next_release[f];
                let size = fam.draw_size(&mut self.sizes[f]);
                let deadline = release + fam.deadline_ns;
                let plan = match fam.policy {
                    BatchPolicy::CarbonAware | BatchPolicy::PriceAware => {
                        let rate = effective_parallelism(fam, cap);
                        plan_hours(fam, rate, release, deadline, size, signals, &mut self.forecast_rng)
                    }
                    _ => Vec::new(),
                };
                let measured = release >= self.warmup_ns;
                if measured {
                    let t = &mut self.totals[f];
                    t.jobs += 1.0;
                    t.core_h_released += size;
                }
                self.jobs.push(Job {
                    family: f,
                    release_ns: release,
                    deadline_ns: deadline,
                    remaining_core_h: size,
                    plan,
                    missed: false,
                    first_run_ns: None,
                    finished_ns: None,
                    measured,
                });
                self.next_release[f] = release.saturating_add(fam.every_ns.max(1));
            }
        }
    }

    /// Runs the batch work of the step `[t0, t1)` with the capacity the online work left.
    pub fn step(&mut self, t0: u64, t1: u64, cap: &BatchCapacity, signals: &mut dyn Signals) -> BatchStep {
        if self.families.is_empty() || t1 <= t0 {
            return BatchStep::default();
        }
        self.release(t1, cap, signals);
        let dt_h = ns_to_h(t1 - t0);
        let surplus_cores = if cap.slope_w_per_core > 0.0 {
            signals.surplus_kw().max(0.0) * 1000.0 / (cap.slope_w_per_core * signals.pue().max(1.0))
        } else {
            0.0
        };
        // What each job wants this step (earliest deadline first).
        let mut order: Vec<usize> = (0..self.jobs.len()).collect();
        order.sort_by_key(|&j| (self.jobs[j].deadline_ns, self.jobs[j].release_ns, j));
        let mut renewable_left = surplus_cores * dt_h;
        let mut wants = vec![0.0; self.jobs.len()];
        for &j in &order {
            let job = &self.jobs[j];
            let fam = &self.families[job.family];
            let avail_h = ns_to_h(t1.saturating_sub(job.release_ns.max(t0)));
            let max_ch = (fam.parallelism * avail_h).min(job.remaining_core_h);
            if max_ch <= 0.0 {
                continue;
            }
            let after_h = ns_to_h(job.deadline_ns.saturating_sub(t1));
            // Catch up when the rest would no longer fit at the rate the datacenter offers.
            let must = (job.remaining_core_h - effective_parallelism(fam, cap) * after_h).max(0.0);
            let desired = if job.missed || t0 >= job.deadline_ns {
                max_ch
            } else {
                match fam.policy {
                    BatchPolicy::Asap => max_ch,
                    BatchPolicy::CarbonAware | BatchPolicy::PriceAware => planned_in(&job.plan, t0, t1),
                    BatchPolicy::RenewableFollowing => {
                        let take = renewable_left.min(max_ch);
                        renewable_left -= take;
                        take
                    }
                }
            };
            wants[j] = desired.max(must).min(max_ch);
        }
        // Capacity: free cores first, then servers woken for batch (up to the caps of the
        // families that want more).
        let free_ch = cap.free_cores.max(0.0) * dt_h;
        let total_want: f64 = wants.iter().sum();
        let extra_cap_servers: f64 = {
            let mut fams: Vec<usize> = order
                .iter()
                .filter(|&&j| wants[j] > 0.0)
                .map(|&j| self.jobs[j].family)
                .collect();
            fams.sort_unstable();
            fams.dedup();
            fams.iter()
                .map(|&f| f64::from(self.families[f].extra_servers))
                .sum::<f64>()
        };
        let woken_servers_max = extra_cap_servers.min(cap.asleep_servers.max(0.0));
        let extra_ch_max = woken_servers_max * cap.asleep_cores_per_server * dt_h;
        let capacity_ch = free_ch + extra_ch_max;
        let mut left = capacity_ch.min(total_want);
        let mut out = BatchStep::default();
        let mut given = vec![0.0; self.jobs.len()];
        for &j in &order {
            let g = wants[j].min(left);
            given[j] = g;
            left -= g;
        }
        let used: f64 = given.iter().sum();
        let on_free = used.min(free_ch);
        let on_extra = used - on_free;
        let woken = if cap.asleep_cores_per_server > 0.0 && dt_h > 0.0 {
            on_extra / (cap.asleep_cores_per_server * dt_h)
        } else {
            0.0
        };
        out.busy_core_s = used * 3600.0;
        out.woken_server_s = woken * dt_h * 3600.0;
        out.woken_core_s = woken * cap.asleep_cores_per_server * dt_h * 3600.0;
        let woken_j = woken * (cap.asleep_idle_w - cap.asleep_low_w).max(0.0) * dt_h * 3600.0;
        out.energy_j = used * cap.slope_w_per_core * 3600.0 + woken_j;
        // Book the work, energy, carbon and cost per job.
        let hour = (t0 / NS_PER_HOUR) as i64;
        let (carbon, price, pue) = (signals.carbon(hour), signals.price(hour), signals.pue());
        for (j, &g) in given.iter().enumerate() {
            if g <= 0.0 {
                continue;
            }
            let job = &mut self.jobs[j];
            let start = t0.max(job.release_ns);
            job.first_run_ns.get_or_insert(start);
            job.remaining_core_h -= g;
            if job.remaining_core_h <= 1e-9 {
                job.remaining_core_h = 0.0;
                job.finished_ns = Some(t1);
            }
            let share_j = if used > 0.0 { g / used } else { 0.0 };
            let energy_kwh = (g * cap.slope_w_per_core * 3600.0 + woken_j * share_j) / 3.6e6;
            if job.measured {
                let t = &mut self.totals[job.family];
                t.core_h_done += g;
                t.energy_kwh += energy_kwh;
                t.carbon_kg += energy_kwh * pue * carbon / 1000.0;
                t.cost += energy_kwh * pue * price / 1000.0;
                t.min_start_after_release_h = t.min_start_after_release_h.min(ns_to_h(start - job.release_ns));
            }
        }
        // Deadlines and finished jobs.
        for job in &mut self.jobs {
            if !job.missed && job.remaining_core_h > 0.0 && t1 > job.deadline_ns {
                job.missed = true;
                if job.measured {
                    self.totals[job.family].deadline_misses += 1.0;
                }
            }
            if let (Some(done), true) = (job.finished_ns, job.measured) {
                let t = &mut self.totals[job.family];
                t.completed += 1.0;
                t.delay_sum_h += ns_to_h(done - job.release_ns);
            }
        }
        self.jobs.retain(|j| j.finished_ns.is_none());
        out
    }

    /// The totals at the horizon (unfinished work is counted; jobs not yet past their
    /// deadline are not misses).
    pub fn finish(mut self) -> Vec<FamilyTotals> {
        for job in &self.jobs {
            if job.measured {
                self.totals[job.family].core_h_unfinished += job.remaining_core_h;
            }
        }
        for t in &mut self.totals {
            if !t.min_start_after_release_h.is_finite() {
                t.min_start_after_release_h = 0.0;
            }
        }
        self.totals
    }
}

/// The rate (cores) a job of `fam` can expect: its parallelism, or less if the capacity
/// seen now (free cores plus the servers it may wake) is smaller: a persistence forecast.
fn effective_parallelism(fam: &BatchFamily, cap: &BatchCapacity) -> f64 {
    let offered = cap.free_cores.max(0.0)
        + f64::from(fam.extra_servers).min(cap.asleep_servers.max(0.0)) * cap.asleep_cores_per_server;
    fam.parallelism.min(offered).max(fam.parallelism.min(1.0))
}

/// Core-hours of `plan` falling in `[t0, t1)` (each window's plan spread evenly over it).
fn planned_in(plan: &[(u64, u64, f64)], t0: u64, t1: u64) -> f64 {
    plan.iter()
        .map(|&(a, b, ch)| {
            let overlap = t1.min(b).saturating_sub(t0.max(a));
            if b > a {
                ch * overlap as f64 / (b - a) as f64
            } else {
                0.0
            }
        })
        .sum()
}

/// Plans a job into the lowest-forecast hours of `[release, deadline)`: hour by hour from
/// the cheapest, each taking up to `rate` cores x the part of the hour inside the window.
fn plan_hours(
    fam: &BatchFamily,
    rate: f64,
    release: u64,
    deadline: u64,
    size: f64,
    signals: &mut dyn Signals,
    rng: &mut StreamRng,
) -> Vec<(u64, u64, f64)> {
    let h0 = (release / NS_PER_HOUR) as i64;
    let h1 = deadline.div_ceil(NS_PER_HOUR) as i64;
    let mut hours: Vec<(f64, i64, u64, u64)> = (h0..h1)
        .map(|h| {
            let true_value = match fam.policy {
                BatchPolicy::PriceAware => signals.price(h),
                _ => signals.carbon(h),
            };
            let z: f64 = StandardNormal.sample(rng);
            let forecast = true_value * (1.0 + fam.forecast_error * z);
            let a = (h as u64 * NS_PER_HOUR).max(release);
            let b = ((h as u64 + 1) * NS_PER_HOUR).min(deadline);
            (forecast, h, a, b)
        })
        .collect();
    hours.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let mut left = size;
    let mut plan = Vec::new();
    for (_, _, a, b) in hours {
        if left <= 0.0 {
            break;
        }
        let take = (rate * ns_to_h(b.saturating_sub(a))).min(left);
        if take > 0.0 {
            plan.push((a, b, take));
            left -= take;
        }
    }
    plan.sort_by_key(|p| p.0);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed {
        carbon: Vec<f64>,
    }

    impl Signals for Fixed {
        fn carbon(&mut self, hour: i64) -> f64 {
            self.carbon[(hour.rem_euclid(24)) as usize]
        }
        fn price(&mut self, _hour: i64) -> f64 {
            50.0
        }
        fn surplus_kw(&mut self) -> f64 {
            0.0
        }
        fn pue(&mut self) -> f64 {
            1.0
        }
    }

    fn family(policy: BatchPolicy) -> BatchFamily {
        BatchFamily {
            name: "settlement".into(),
            first_release_ns: 0,
            every_ns: 24 * NS_PER_HOUR,
            size_core_h: 40.0,
            size_law: SizeLaw::Deterministic,
            parallelism: 10.0,
            deadline_ns: 24 * NS_PER_HOUR,
            policy,
            extra_servers: 0,
            forecast_error: 0.0,
        }
    }

    fn run(policy: BatchPolicy, carbon: Vec<f64>) -> FamilyTotals {
        let streams = RngStreams::new(1, 0);
        let mut s = BatchScheduler::new(&[family(policy)], &streams, 0);
        let cap = BatchCapacity {
            free_cores: 100.0,
            slope_w_per_core: 10.0,
            ..BatchCapacity::default()
        };
        let mut sig = Fixed { carbon };
        for h in 0..24u64 {
            s.step(h * NS_PER_HOUR, (h + 1) * NS_PER_HOUR, &cap, &mut sig);
        }
        s.finish().remove(0)
    }

    #[test]
    fn carbon_aware_moves_the_work_into_the_clean_hours() {
        // 40 core-hours at 10 cores: 4 hours. Dirty (500 g) hours 0-11, clean (100 g) 12-23.
        // ASAP runs hours 0-3: 40 core-h x 10 W = 0.4 kWh at 500 g = 0.2 kg.
        // Carbon-aware runs hours 12-15: 0.4 kWh at 100 g = 0.04 kg.
        let step: Vec<f64> = (0..24).map(|h| if h < 12 { 500.0 } else { 100.0 }).collect();
        let asap = run(BatchPolicy::Asap, step.clone());
        let aware = run(BatchPolicy::CarbonAware, step);
        assert!((asap.carbon_kg - 0.2).abs() < 1e-12, "{}", asap.carbon_kg);
        assert!((aware.carbon_kg - 0.04).abs() < 1e-12, "{}", aware.carbon_kg);
        assert!((asap.energy_kwh - aware.energy_kwh).abs() < 1e-12);
        assert_eq!(
            (asap.completed, aware.completed, aware.deadline_misses),
            (1.0, 1.0, 0.0)
        );
        assert!((aware.min_start_after_release_h - 12.0).abs() < 1e-12);
        assert!((aware.mean_delay_h() - 16.0).abs() < 1e-12 && (asap.mean_delay_h() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn a_flat_trace_makes_every_policy_asap() {
        let flat = vec![300.0; 24];
        let asap = run(BatchPolicy::Asap, flat.clone());
        for p in [BatchPolicy::CarbonAware, BatchPolicy::PriceAware] {
            let t = run(p, flat.clone());
            assert_eq!(t.energy_kwh, asap.energy_kwh, "{p:?}");
            assert_eq!(t.carbon_kg, asap.carbon_kg, "{p:?}");
            assert_eq!(t.mean_delay_h(), asap.mean_delay_h(), "{p:?}");
        }
    }

    #[test]
    fn work_is_conserved_and_never_starts_before_release() {
        let streams = RngStreams::new(3, 0);
        let mut f = family(BatchPolicy::CarbonAware);
        f.size_law = SizeLaw::LogNormal { cv: 0.8 };
        f.first_release_ns = 7 * NS_PER_HOUR + NS_PER_HOUR / 3;
        f.forecast_error = 0.2;
        let mut s = BatchScheduler::new(&[f], &streams, 0);
        // Scarce capacity: 5 free cores, so some jobs miss their deadline.
        let cap = BatchCapacity {
            free_cores: 5.0,
            slope_w_per_core: 8.0,
            ..BatchCapacity::default()
        };
        let mut sig = Fixed {
            carbon: (0..24).map(|h| 200.0 + 10.0 * f64::from(h)).collect(),
        };
        for k in 0..(24 * 30 * 4) {
            let t0 = k * NS_PER_HOUR / 4;
            s.step(t0, t0 + NS_PER_HOUR / 4, &cap, &mut sig);
        }
        let t = s.finish().remove(0);
        assert!(t.jobs >= 29.0);
        assert!((t.core_h_done + t.core_h_unfinished - t.core_h_released).abs() < 1e-6 * t.core_h_released);
        assert!(t.min_start_after_release_h >= 0.0);
        assert!(t.deadline_misses > 0.0, "scarce capacity must cause misses");
    }
}
