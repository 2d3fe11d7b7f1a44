//! Per-step bookkeeping shared by both fidelities: turns a step's raw sums into IT power,
//! hands it to the energy system (weather, PUE, renewables, battery, grid), builds the
//! `StepRecord`, gives it to the observer, and accumulates the run's totals over the
//! measured period (after the warm-up). The energy system runs during the warm-up too, so
//! the battery starts the measured period in a realistic state.

use std::sync::Arc;

use crate::energy::{EnergySystem, Flows};
use crate::engine::RngStreams;
use crate::engine::time::NS_PER_YEAR;
use crate::metrics::result::SupplyTotals;
use crate::metrics::{EnergyTotals, StepObserver, StepRecord};
use crate::scenario::Scenario;

const J_PER_KWH: f64 = 3.6e6;

/// Raw sums of one step.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepSums {
    /// Transactions that arrived.
    pub arrivals: f64,
    /// Transactions completed.
    pub completed: f64,
    /// Transactions dropped.
    pub dropped: f64,
    /// Completions slower than their SLA.
    pub late: f64,
    /// Sum of completed latencies, s.
    pub latency_sum_s: f64,
    /// Server energy, J.
    pub servers_energy_j: f64,
    /// Integral of busy cores over time, core-seconds.
    pub busy_core_s: f64,
    /// Work served, ssj_ops (busy cores weighted by their speed, integrated).
    pub busy_ops: f64,
    /// Integral of the cores of awake servers over time, core-seconds.
    pub awake_core_s: f64,
    /// Integral of awake servers over time, server-seconds.
    pub awake_server_s: f64,
    /// Servers woken.
    pub wakeups: f64,
    /// Extra watts per busy core of the awake servers (peak minus idle, over cores), mean.
    pub slope_w_per_core: f64,
    /// Integral of sleeping (or off) servers over time, server-seconds.
    pub asleep_server_s: f64,
    /// Cores of a sleeping server (the most efficient model asleep).
    pub asleep_cores_per_server: f64,
    /// Its idle power once woken, W.
    pub asleep_idle_w: f64,
    /// Its low-power draw, W.
    pub asleep_low_w: f64,
}

/// The measured energy and traffic of one simulated year (year k covers
/// `[k, k + 1) x 365 d`), for the lifecycle and economics reports.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct YearTotals {
    /// Hours measured in the year.
    pub measured_h: f64,
    /// Energy flows, carbon and grid cost.
    pub flows: Flows,
    /// IT energy, kWh.
    pub it_kwh: f64,
    /// Transactions completed.
    pub completed: f64,
}

/// Accumulates steps into the run totals.
#[derive(Debug, Clone)]
pub struct Accounting {
    storage_w: f64,
    network_w: f64,
    warmup_ns: u64,
    served_ops: f64,
    awake_core_s: f64,
    years: Vec<YearTotals>,
    batch: crate::batch::BatchScheduler,
    measured_s: f64,
    servers_energy_j: f64,
    busy_core_s: f64,
    awake_server_s: f64,
    wakeups: f64,
    peak_it_kw: f64,
    energy: EnergySystem,
}

impl Accounting {
    /// Bookkeeping for `scenario`, with the energy system of this run's random streams.
    pub fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        let dc = &scenario.datacenter;
        Self {
            storage_w: dc.storage_power_w(),
            network_w: dc.network_power_w(),
            warmup_ns: scenario.warmup_ns,
            served_ops: 0.0,
            awake_core_s: 0.0,
            years: Vec::new(),
            batch: crate::batch::BatchScheduler::new(&scenario.workload.batch, streams, scenario.warmup_ns),
            measured_s: 0.0,
            servers_energy_j: 0.0,
            busy_core_s: 0.0,
            awake_server_s: 0.0,
            wakeups: 0.0,
            peak_it_kw: 0.0,
            energy: EnergySystem::new(Arc::clone(&scenario.energy), scenario.calendar(), streams),
        }
    }

    /// Closes the step `[t0_ns, t1_ns)`: dispatches its energy, builds its record, sends it to
    /// `observer` and adds it to the totals if it starts after the warm-up.
    pub fn close_step(&mut self, t0_ns: u64, t1_ns: u64, sums: &StepSums, observer: &mut dyn StepObserver) {
        if t1_ns <= t0_ns {
            return;
        }
        let measured = t0_ns >= self.warmup_ns;
        let dt_s = (t1_ns - t0_ns) as f64 / 1e9;
        // Batch work fills the cores the online work left (and may wake sleeping servers).
        let mut with_batch;
        let sums = if self.batch.is_empty() {
            sums
        } else {
            let online_it_kw = sums.servers_energy_j / dt_s / 1000.0 + (self.storage_w + self.network_w) / 1000.0;
            let cap = crate::batch::BatchCapacity {
                free_cores: ((sums.awake_core_s - sums.busy_core_s) / dt_s).max(0.0),
                slope_w_per_core: sums.slope_w_per_core,
                asleep_servers: sums.asleep_server_s / dt_s,
                asleep_cores_per_server: sums.asleep_cores_per_server,
                asleep_idle_w: sums.asleep_idle_w,
                asleep_low_w: sums.asleep_low_w,
            };
            let mut signals = EnergySignals {
                energy: &mut self.energy,
                hour: (t0_ns / crate::engine::time::NS_PER_HOUR) as i64,
                online_it_kw,
            };
            let b = self.batch.step(t0_ns, t1_ns, &cap, &mut signals);
            with_batch = *sums;
            with_batch.servers_energy_j += b.energy_j;
            with_batch.busy_core_s += b.busy_core_s;
            with_batch.awake_server_s += b.woken_server_s;
            with_batch.awake_core_s += b.woken_core_s;
            &with_batch
        };
        let dt_h = dt_s / 3600.0;
        let servers_kw = sums.servers_energy_j / dt_s / 1000.0;
        let storage_kw = self.storage_w / 1000.0;
        let network_kw = self.network_w / 1000.0;
        let it_kw = servers_kw + storage_kw + network_kw;
        let e = self.energy.step(t0_ns, t1_ns, it_kw, measured);
        self.served_ops += sums.busy_ops;
        if !measured {
            return;
        }
        let f = &e.flows;
        let awake = sums.awake_server_s / dt_s;
        let record = StepRecord {
            time_h: t0_ns as f64 / 3.6e12,
            duration_h: dt_h,
            arrivals: sums.arrivals,
            completed: sums.completed,
            dropped: sums.dropped,
            late: sums.late,
            latency_mean_ms: if sums.completed > 0.0 {
                sums.latency_sum_s / sums.completed * 1000.0
            } else {
                0.0
            },
            servers_awake: awake,
            utilization: if sums.awake_core_s > 0.0 {
                sums.busy_core_s / sums.awake_core_s
            } else {
                0.0
            },
            servers_kw,
            storage_kw,
            network_kw,
            it_kw,
            temp_air_c: e.temp_air_c,
            pue: e.pue,
            facility_kw: f.demand / dt_h,
            solar_kw: f.solar / dt_h,
            wind_kw: f.wind / dt_h,
            battery_kw: (f.battery_to_load - f.battery_charge()) / dt_h,
            soc_kwh: e.soc_kwh,
            grid_kw: (f.grid_import() - f.grid_export()) / dt_h,
            curtailed_kw: f.curtailed / dt_h,
            unserved_kw: f.unserved / dt_h,
            carbon_g_per_kwh: e.carbon_g_per_kwh,
            price_per_mwh: e.price_per_mwh,
            heat_reused_kw: f.heat_reused / dt_h,
            solar_thermal_kw: f.solar_thermal / dt_h,
        };
        observer.on_step(&record);
        self.measured_s += dt_s;
        self.servers_energy_j += sums.servers_energy_j;
        self.busy_core_s += sums.busy_core_s;
        self.awake_server_s += sums.awake_server_s;
        self.awake_core_s += sums.awake_core_s;
        self.wakeups += sums.wakeups;
        let year = (t0_ns / NS_PER_YEAR) as usize;
        if self.years.len() <= year {
            self.years.resize(year + 1, YearTotals::default());
        }
        let y = &mut self.years[year];
        y.measured_h += dt_h;
        y.flows.add(f);
        y.it_kwh += it_kw * dt_h;
        y.completed += sums.completed;
        self.peak_it_kw = self.peak_it_kw.max(it_kw);
    }

    /// Hours measured so far.
    pub fn measured_h(&self) -> f64 {
        self.measured_s / 3600.0
    }

    /// Energy over the measured period.
    pub fn energy(&self) -> EnergyTotals {
        let servers_kwh = self.servers_energy_j / J_PER_KWH;
        let storage_kwh = self.storage_w * self.measured_s / J_PER_KWH;
        let network_kwh = self.network_w * self.measured_s / J_PER_KWH;
        let it_kwh = servers_kwh + storage_kwh + network_kwh;
        EnergyTotals {
            servers_kwh,
            storage_kwh,
            network_kwh,
            it_kwh,
            facility_kwh: self.energy.totals().demand,
        }
    }

    /// The supply side over the measured period (closes the hourly matching; call once).
    pub fn supply(&mut self) -> SupplyTotals {
        self.energy.finish();
        let b = self.energy.battery();
        SupplyTotals {
            flows: *self.energy.totals(),
            mean_pue: self.energy.mean_pue(),
            battery_cycles: b.map(|b| b.equivalent_full_cycles()),
            battery_state_of_health: b.map(|b| b.state_of_health()),
            battery_losses_kwh: b.map(|b| b.losses_kwh()),
        }
    }

    /// Mean awake servers.
    pub fn mean_awake(&self) -> f64 {
        if self.measured_s > 0.0 {
            self.awake_server_s / self.measured_s
        } else {
            0.0
        }
    }

    /// Mean busy cores / awake cores.
    pub fn mean_utilization(&self) -> f64 {
        if self.awake_core_s > 0.0 {
            self.busy_core_s / self.awake_core_s
        } else {
            0.0
        }
    }

    /// Work served since time 0 (warm-up included), ssj_ops.
    pub fn served_ops(&self) -> f64 {
        self.served_ops
    }

    /// The batch work's totals per family (call once, at the end).
    pub fn batch_totals(&mut self) -> Vec<crate::batch::FamilyTotals> {
        let empty = crate::batch::BatchScheduler::new(&[], &RngStreams::new(0, 0), 0);
        std::mem::replace(&mut self.batch, empty).finish()
    }

    /// Times at which the battery was replaced, ns.
    pub fn battery_replacements_ns(&self) -> &[u64] {
        self.energy.battery_replacements_ns()
    }

    /// The measured totals of each simulated year.
    pub fn years(&self) -> &[YearTotals] {
        &self.years
    }

    /// Wake-ups counted.
    pub fn wakeups(&self) -> f64 {
        self.wakeups
    }

    /// Largest step-mean IT power, kW.
    pub fn peak_it_kw(&self) -> f64 {
        self.peak_it_kw
    }
}

/// The grid and site signals batch scheduling sees, from the energy system.
struct EnergySignals<'a> {
    energy: &'a mut EnergySystem,
    hour: i64,
    online_it_kw: f64,
}

impl crate::batch::Signals for EnergySignals<'_> {
    fn carbon(&mut self, hour: i64) -> f64 {
        self.energy.carbon_at(hour)
    }

    fn price(&mut self, hour: i64) -> f64 {
        self.energy.price_at(hour)
    }

    fn surplus_kw(&mut self) -> f64 {
        let (renewables_kw, pue, ..) = self.energy.outlook(self.hour);
        renewables_kw - self.online_it_kw * pue
    }

    fn pue(&mut self) -> f64 {
        self.energy.outlook(self.hour).1
    }
}
