//! The lifecycle as a component of the simulation: it owns the fleet's units (one per
//! server), draws their failures, runs the yearly reviews (refresh, sizing, storage and
//! network devices) and the end of life of every retired device, and tells the datacenter
//! model what changed. Both fidelities drive it with the same events, so a scenario's
//! lifecycle is identical at transaction and flow fidelity (only capacity effects differ).

use rand_distr::{Distribution, Exp1, Poisson, StandardUniform};

use super::end_of_life::{Eligibility, Route, Router};
use super::failures::WeibullHazard;
use super::refresh::{RefreshPolicy, payback_years};
use super::report::{CashCategory, CashFlow, LifecycleReport, MassBalance, PaybackDecision, PlantKind, YearRow};
use super::spec::{FleetSizing, InitialAge, LifecycleSpec};
use super::{DRAM_KG_PER_GB, SSD_KG_PER_TB};
use crate::datacenter::{FleetChange, ModelRegistry};
use crate::engine::time::NS_PER_YEAR;
use crate::engine::{RngStreams, StreamRng};
use crate::scenario::Scenario;
use crate::workload::RateModel;

const YEAR_F: f64 = NS_PER_YEAR as f64;

/// Years over which a battery's embodied carbon is amortized: the default calendar life to
/// 80 % state of health (15 years, `[battery] calendar_life_years`); a battery worn out
/// earlier by cycling writes off the rest when it is replaced.
const BATTERY_BOOK_YEARS: f64 = 15.0;

/// Lifecycle events, scheduled on the engine's queue by the datacenter model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleEvent {
    /// `unit` fails.
    Failure {
        /// Unit id.
        unit: u32,
    },
    /// `unit`'s repair is finished.
    RepairDone {
        /// Unit id.
        unit: u32,
    },
    /// `unit` (ordered earlier) arrives.
    Delivery {
        /// Unit id.
        unit: u32,
    },
    /// `unit` reaches the fixed refresh age.
    RefreshDue {
        /// Unit id.
        unit: u32,
    },
    /// The yearly review at the start of simulated year `year`.
    Review {
        /// Year index.
        year: u32,
    },
}

/// Events to schedule and fleet changes to apply, filled by the lifecycle.
#[derive(Debug, Clone, Default)]
pub struct LifecycleOutput {
    /// (time ns, event) to put on the queue.
    pub schedule: Vec<(u64, LifecycleEvent)>,
    /// Changes for the datacenter model, in order.
    pub changes: Vec<FleetChange>,
}

impl LifecycleOutput {
    /// Empties both lists (keeping their memory).
    pub fn clear(&mut self) {
        self.schedule.clear();
        self.changes.clear();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ordered,
    InService,
    Repairing,
    Retired,
}

#[derive(Debug, Clone)]
struct Unit {
    model: u16,
    status: Status,
    /// Purchase (or redeployment) time, ns since the start (negative: before the run).
    born_ns: i64,
    /// Origin of the age used by the failure law.
    age_origin_ns: i64,
    second_life: bool,
    /// Embodied carbon still to amortize over the service life, kgCO2e.
    book_kg: f64,
    mass_kg: f64,
    price_usd: f64,
    retired_ns: Option<u64>,
}

/// A refurbished server waiting in store.
#[derive(Debug, Clone, Copy)]
struct Spare {
    model: u16,
    mass_kg: f64,
    price_usd: f64,
}

/// The lifecycle of one run.
#[derive(Debug)]
pub struct Lifecycle {
    spec: std::sync::Arc<LifecycleSpec>,
    horizon_ns: u64,
    rng: StreamRng,
    units: Vec<Unit>,
    initial: Vec<u16>,
    router: Router,
    spares: Vec<Spare>,
    parts_dram_gb: f64,
    parts_ssd_tb: f64,
    years: Vec<YearRow>,
    decisions: Vec<PaybackDecision>,
    cash: Vec<CashFlow>,
    mass: MassBalance,
    devices_born_ns: Vec<i64>,
    capacity_ops: f64,
    capacity_area: f64,
    server_value_usd: f64,
    server_value_years: Vec<f64>,
    last_ns: u64,
    review_mark: (f64, f64),
    amortized: Vec<f64>,
    /// Years whose end-of-year fleet (in service, capacity, ages) is recorded.
    closed_years: usize,
}

impl Lifecycle {
    /// The lifecycle of `scenario` for one replication.
    pub fn new(scenario: &Scenario, _rates: &RateModel, streams: &RngStreams) -> Self {
        let spec = std::sync::Arc::clone(&scenario.lifecycle);
        let years = (scenario.horizon_ns.div_ceil(NS_PER_YEAR)).max(1) as usize;
        let mut this = Self {
            router: Router::new(&spec.end_of_life.shares),
            horizon_ns: scenario.horizon_ns,
            rng: streams.stream("lifecycle"),
            units: Vec::new(),
            initial: Vec::new(),
            spares: Vec::new(),
            parts_dram_gb: 0.0,
            parts_ssd_tb: 0.0,
            years: (0..years)
                .map(|y| YearRow {
                    year: y as u32,
                    ..YearRow::default()
                })
                .collect(),
            decisions: Vec::new(),
            cash: Vec::new(),
            mass: MassBalance::default(),
            devices_born_ns: Vec::new(),
            capacity_ops: 0.0,
            capacity_area: 0.0,
            server_value_usd: 0.0,
            server_value_years: vec![0.0; years],
            last_ns: 0,
            review_mark: (0.0, 0.0),
            amortized: vec![0.0; years],
            closed_years: 0,
            spec,
        };
        this.create_initial_fleet();
        this
    }

    /// The server models of the run.
    pub fn registry(&self) -> &ModelRegistry {
        &self.spec.registry
    }

    /// Model of each server at time 0 (unit ids 0..n).
    pub fn initial_fleet(&self) -> &[u16] {
        &self.initial
    }

    fn year_of(&self, t_ns: u64) -> usize {
        ((t_ns / NS_PER_YEAR) as usize).min(self.years.len() - 1)
    }

    fn create_initial_fleet(&mut self) {
        let spec = std::sync::Arc::clone(&self.spec);
        let n = spec.initial_count;
        for i in 0..n {
            let born_ns = match spec.initial_age {
                InitialAge::New => 0,
                InitialAge::Staggered { over_years } => {
                    // Ages (i + 0.5) / n of the span: evenly spread, deterministic.
                    -((f64::from(i) + 0.5) / f64::from(n) * over_years * YEAR_F) as i64
                }
            };
            let unit = self.new_unit(0, born_ns, false);
            self.units[unit as usize].status = Status::InService;
            self.initial.push(0);
            if born_ns >= 0 {
                self.record_purchase(unit, 0);
            } else {
                let u = &mut self.units[unit as usize];
                // Bought before the run: only the part of its book carbon still to come
                // is allocated to the run.
                let elapsed = (-born_ns) as f64 / YEAR_F / spec.amortization_years;
                u.book_kg *= (1.0 - elapsed).max(0.0);
                self.mass.existing_at_start_kg += u.mass_kg;
            }
            self.enter_service(unit, 0);
        }
        let devices_born = match spec.initial_age {
            InitialAge::New => 0,
            InitialAge::Staggered { over_years } => -(0.5 * over_years * YEAR_F) as i64,
        };
        for d in &spec.devices {
            let kg = f64::from(d.count) * d.mass_kg;
            let embodied = f64::from(d.count) * d.embodied_kgco2e;
            self.devices_born_ns.push(devices_born);
            if devices_born >= 0 {
                self.buy(0, kg, embodied, f64::from(d.count) * d.price_usd, CashCategory::Devices);
                self.amortize(0, embodied, d.refresh_years);
            } else {
                self.mass.existing_at_start_kg += kg;
                let left = 1.0 - (-devices_born) as f64 / YEAR_F / d.refresh_years;
                self.amortize(0, embodied * left.max(0.0), d.refresh_years * left.max(0.0));
            }
        }
        let p = spec.plant;
        for (kg, embodied, life, usd_kind) in [
            (
                p.pv_kwp * p.pv_kg_per_kwp,
                p.pv_kwp * p.pv_kgco2e_per_kwp,
                p.pv_life_years,
                0,
            ),
            (
                p.wind_kw * p.wind_kg_per_kw,
                p.wind_kw * p.wind_kgco2e_per_kw,
                p.wind_life_years,
                1,
            ),
            (
                p.battery_kwh * p.battery_kg_per_kwh,
                p.battery_kwh * p.battery_kgco2e_per_kwh,
                BATTERY_BOOK_YEARS,
                2,
            ),
        ] {
            if kg <= 0.0 {
                continue;
            }
            let _ = usd_kind;
            // The plant is built at the start; its capital cost is priced by the economics.
            self.buy(0, kg, embodied, 0.0, CashCategory::Plant);
            let life = if life > 0.0 {
                life
            } else {
                spec.amortization_years.max(10.0)
            };
            self.amortize(0, embodied, life);
            self.mass.in_service_kg += kg;
        }
    }

    /// Spreads `kg` of embodied carbon over `life_years` from `t_ns`, within the run.
    fn amortize(&mut self, t_ns: u64, kg: f64, life_years: f64) {
        if kg <= 0.0 || life_years <= 0.0 {
            return;
        }
        let start = t_ns as f64 / YEAR_F;
        let end = start + life_years;
        for (y, a) in self.amortized.iter_mut().enumerate() {
            let y0 = y as f64;
            let y1 = (y0 + 1.0).min(self.horizon_ns as f64 / YEAR_F);
            let overlap = (end.min(y1) - start.max(y0)).max(0.0);
            *a += kg * overlap / life_years;
        }
    }

    fn new_unit(&mut self, model: u16, born_ns: i64, second_life: bool) -> u32 {
        let f = &self.spec.facts[model as usize];
        self.units.push(Unit {
            model,
            status: Status::Ordered,
            born_ns,
            age_origin_ns: born_ns,
            second_life,
            book_kg: if second_life { 0.0 } else { f.embodied_kgco2e },
            mass_kg: f.mass_kg,
            price_usd: f.price_usd,
            retired_ns: None,
        });
        (self.units.len() - 1) as u32
    }

    fn buy(&mut self, t_ns: u64, kg: f64, embodied_kg: f64, usd: f64, category: CashCategory) {
        let y = self.year_of(t_ns);
        let row = &mut self.years[y];
        row.purchased_kg += kg;
        row.embodied_purchased_kg += embodied_kg;
        self.mass.purchased_kg += kg;
        if usd != 0.0 {
            self.cash.push(CashFlow {
                t_years: t_ns as f64 / YEAR_F,
                category,
                usd,
            });
        }
    }

    /// Books the purchase of new server `unit` at `t_ns`, using harvested parts first.
    fn record_purchase(&mut self, unit: u32, t_ns: u64) {
        let spec = std::sync::Arc::clone(&self.spec);
        let u = &self.units[unit as usize];
        let f = &spec.facts[u.model as usize];
        let eol = &spec.end_of_life;
        let dram = self.parts_dram_gb.min(f.dram_gb);
        let ssd = self.parts_ssd_tb.min(f.ssd_tb);
        self.parts_dram_gb -= dram;
        self.parts_ssd_tb -= ssd;
        let reused_kg = dram * DRAM_KG_PER_GB + ssd * SSD_KG_PER_TB;
        self.mass.parts_store_kg -= reused_kg;
        let saved = (1.0 - eol.reused_part_factor)
            * (if f.dram_gb > 0.0 {
                f.dram_kgco2e * dram / f.dram_gb
            } else {
                0.0
            } + if f.ssd_tb > 0.0 {
                f.ssd_kgco2e * ssd / f.ssd_tb
            } else {
                0.0
            });
        let embodied = (f.embodied_kgco2e - saved).max(0.0);
        self.units[unit as usize].book_kg = embodied;
        let y = self.year_of(t_ns);
        self.years[y].purchases += 1;
        self.years[y].reused_dram_gb += dram;
        self.years[y].reused_ssd_tb += ssd;
        self.buy(
            t_ns,
            f.mass_kg - reused_kg,
            embodied,
            f.price_usd,
            CashCategory::Servers,
        );
    }

    /// Puts `unit` into service at `t_ns` (capacity, value, mass).
    fn enter_service(&mut self, unit: u32, t_ns: u64) {
        self.integrate(t_ns);
        let u = &mut self.units[unit as usize];
        u.status = Status::InService;
        let cap = self.spec.registry.get(u.model).ssj_ops_at_100;
        self.capacity_ops += cap;
        self.server_value_usd += u.price_usd;
        self.mass.in_service_kg += u.mass_kg;
    }

    /// Integrates capacity and server value up to `t_ns`.
    fn integrate(&mut self, t_ns: u64) {
        if t_ns <= self.last_ns {
            return;
        }
        let mut t = self.last_ns;
        while t < t_ns {
            let y = self.year_of(t);
            let year_end = ((y as u64 + 1) * NS_PER_YEAR).min(t_ns);
            let end = if y + 1 == self.years.len() { t_ns } else { year_end };
            let dt_years = (end - t) as f64 / YEAR_F;
            self.server_value_years[y] += self.server_value_usd * dt_years;
            t = end;
        }
        self.capacity_area += self.capacity_ops * (t_ns - self.last_ns) as f64 * 1e-9;
        self.last_ns = t_ns;
    }

    /// Schedules the initial failures and the first review.
    pub fn start(&mut self, out: &mut LifecycleOutput) {
        if !self.spec.active {
            return;
        }
        for unit in 0..self.units.len() as u32 {
            self.schedule_failure(unit, 0, out);
            self.schedule_refresh(unit, out);
        }
        self.review(0, 0, 0.0, out);
    }

    fn schedule_failure(&mut self, unit: u32, now: u64, out: &mut LifecycleOutput) {
        let Some(fp) = self.spec.failures else { return };
        let u = &self.units[unit as usize];
        let multiplier = if u.second_life { fp.second_life_multiplier } else { 1.0 };
        let law = WeibullHazard::from_afr(fp.afr, fp.weibull_shape, fp.reference_years, multiplier);
        let age = (now as i64 - u.age_origin_ns) as f64 / YEAR_F;
        let e: f64 = Exp1.sample(&mut self.rng);
        let next_age = law.next_failure_age(age, e);
        let t = u.age_origin_ns as f64 + next_age * YEAR_F;
        if t.is_finite() && t < self.horizon_ns as f64 {
            out.schedule
                .push(((t.max(now as f64)) as u64, LifecycleEvent::Failure { unit }));
        }
    }

    /// Handles `event` at `now`; `served_ops` is the work served since time 0.
    pub fn handle(&mut self, now: u64, event: LifecycleEvent, served_ops: f64, out: &mut LifecycleOutput) {
        self.close_years_before(now);
        match event {
            LifecycleEvent::Failure { unit } => self.on_failure(now, unit, out),
            LifecycleEvent::RepairDone { unit } => {
                if self.units[unit as usize].status == Status::Repairing {
                    self.units[unit as usize].status = Status::InService;
                    out.changes.push(FleetChange::Restore { unit });
                    self.schedule_failure(unit, now, out);
                }
            }
            LifecycleEvent::Delivery { unit } => self.on_delivery(now, unit, out),
            LifecycleEvent::Review { year } => self.review(now, year, served_ops, out),
            LifecycleEvent::RefreshDue { unit } => {
                if matches!(self.units[unit as usize].status, Status::InService | Status::Repairing) {
                    out.changes.push(FleetChange::Retire { unit });
                    let y = self.year_of(now);
                    self.years[y].retired_planned += 1;
                    self.retire(now, unit, false);
                    self.top_up(now, out);
                }
            }
        }
    }

    fn on_failure(&mut self, now: u64, unit: u32, out: &mut LifecycleOutput) {
        let Some(fp) = self.spec.failures else { return };
        if self.units[unit as usize].status != Status::InService {
            return;
        }
        let y = self.year_of(now);
        self.years[y].failures += 1;
        let age = (now as i64 - self.units[unit as usize].age_origin_ns) as f64 / YEAR_F;
        let draw: f64 = StandardUniform.sample(&mut self.rng);
        out.changes.push(FleetChange::Fail { unit });
        if draw < fp.repair_share && age < fp.economic_life_years {
            self.units[unit as usize].status = Status::Repairing;
            self.years[y].repairs += 1;
            out.schedule
                .push((now + fp.repair_ns, LifecycleEvent::RepairDone { unit }));
            // New parts in, old parts out to recycling or landfill.
            self.buy(now, fp.repair_parts_kg, 0.0, 0.0, CashCategory::Servers);
            self.discard_kg(now, fp.repair_parts_kg);
        } else {
            out.changes.push(FleetChange::Retire { unit });
            self.years[y].retired_failed += 1;
            self.retire(now, unit, true);
            self.order_replacement(now, Some(fp.lead_time_ns), out);
        }
    }

    /// Splits `kg` of scrap between recycling and landfill in the policy's proportion.
    fn discard_kg(&mut self, now: u64, kg: f64) {
        let s = &self.spec.end_of_life.shares;
        let recycle = if s.recycle + s.landfill > 0.0 {
            s.recycle / (s.recycle + s.landfill)
        } else {
            1.0
        };
        let y = self.year_of(now);
        self.years[y].route_kg[Route::Recycle.index()] += kg * recycle;
        self.years[y].route_kg[Route::Landfill.index()] += kg * (1.0 - recycle);
        self.mass.recycled_kg += kg * recycle;
        self.mass.landfill_kg += kg * (1.0 - recycle);
    }

    /// Orders one server: a refurbished spare if there is one, else a new one of the
    /// year's model. `lead_time_ns` None means delivered at once (planned purchase).
    fn order_replacement(&mut self, now: u64, lead_time_ns: Option<u64>, out: &mut LifecycleOutput) {
        if let Some(spare) = self.spares.pop() {
            let unit = self.new_unit(spare.model, now as i64, true);
            let u = &mut self.units[unit as usize];
            u.mass_kg = spare.mass_kg;
            u.price_usd = spare.price_usd;
            self.mass.spare_store_kg -= spare.mass_kg;
            let deploy = self.spec.failures.map_or(0, |f| f.spare_deploy_ns);
            self.deliver_or_schedule(now, unit, if lead_time_ns.is_some() { deploy } else { 0 }, out);
            return;
        }
        let model = self.purchase_model(now);
        let unit = self.new_unit(model, now as i64, false);
        self.deliver_or_schedule(now, unit, lead_time_ns.unwrap_or(0), out);
    }

    fn deliver_or_schedule(&mut self, now: u64, unit: u32, delay_ns: u64, out: &mut LifecycleOutput) {
        if delay_ns == 0 {
            self.on_delivery(now, unit, out);
        } else {
            out.schedule.push((now + delay_ns, LifecycleEvent::Delivery { unit }));
        }
    }

    fn purchase_model(&self, now: u64) -> u16 {
        let y = (now / NS_PER_YEAR) as usize;
        let by_year = &self.spec.purchase_by_year;
        by_year.get(y).or(by_year.last()).copied().unwrap_or(0)
    }

    fn on_delivery(&mut self, now: u64, unit: u32, out: &mut LifecycleOutput) {
        if self.units[unit as usize].status != Status::Ordered {
            return;
        }
        let u = &mut self.units[unit as usize];
        u.born_ns = now as i64;
        u.age_origin_ns = now as i64;
        let (second_life, model) = (u.second_life, u.model);
        if second_life {
            let y = self.year_of(now);
            self.years[y].redeployed += 1;
        } else {
            self.record_purchase(unit, now);
        }
        self.enter_service(unit, now);
        out.changes.push(FleetChange::Add { unit, model });
        if self.spec.active {
            self.schedule_failure(unit, now, out);
            self.schedule_refresh(unit, out);
        }
    }

    /// Under the fixed-age policy, schedules the unit's retirement at its refresh age.
    fn schedule_refresh(&mut self, unit: u32, out: &mut LifecycleOutput) {
        let RefreshPolicy::FixedAge { years } = self.spec.refresh else {
            return;
        };
        let u = &self.units[unit as usize];
        let t = u.born_ns as f64 + years * YEAR_F;
        if t < self.horizon_ns as f64 {
            out.schedule
                .push((t.max(0.0) as u64, LifecycleEvent::RefreshDue { unit }));
        }
    }

    /// Takes `unit` out of service and sends it to an end-of-life route.
    fn retire(&mut self, now: u64, unit: u32, failed: bool) {
        self.integrate(now);
        let spec = std::sync::Arc::clone(&self.spec);
        let eol = &spec.end_of_life;
        let u = self.units[unit as usize].clone();
        let f = &spec.facts[u.model as usize];
        let age = (now as i64 - u.born_ns) as f64 / YEAR_F;
        self.capacity_ops -= spec.registry.get(u.model).ssj_ops_at_100;
        self.server_value_usd -= u.price_usd;
        self.mass.in_service_kg -= u.mass_kg;
        // Embodied carbon: the elapsed part was amortized; an early retirement writes off
        // the rest.
        let life = if u.second_life { 0.0 } else { spec.amortization_years };
        if life > 0.0 {
            let start_years = u.born_ns.max(0) as f64 / YEAR_F;
            let book_life_left = life - (u.born_ns.max(0) - u.born_ns) as f64 / YEAR_F;
            let until = now as f64 / YEAR_F;
            // Amortize the book from the later of birth and 0 to `now`, then write off.
            let used_years = (until - start_years).clamp(0.0, book_life_left.max(0.0));
            let rate = if book_life_left > 0.0 {
                u.book_kg / book_life_left
            } else {
                0.0
            };
            self.amortize_window(start_years, used_years, rate);
            let rest = u.book_kg - rate * used_years;
            let y = self.year_of(now);
            self.amortized[y] += rest.max(0.0);
        }
        let unit_ref = &mut self.units[unit as usize];
        unit_ref.status = Status::Retired;
        unit_ref.retired_ns = Some(now);
        unit_ref.book_kg = 0.0;

        let can = Eligibility {
            resellable: !failed && age <= eol.resale_fraction_by_age.len() as f64,
            refurbishable: !failed && !u.second_life,
        };
        let route = self.router.route(can);
        let y = self.year_of(now);
        self.years[y].route_units[route.index()] += 1;
        self.years[y].route_kg[route.index()] += u.mass_kg;
        match route {
            Route::Reuse => {
                self.mass.sold_kg += u.mass_kg;
                self.years[y].avoided_by_reuse_kg += eol.avoided_manufacturing_fraction * f.embodied_kgco2e;
                self.cash.push(CashFlow {
                    t_years: now as f64 / YEAR_F,
                    category: CashCategory::Resale,
                    usd: -u.price_usd * eol.resale_fraction(age),
                });
            }
            Route::Refurbish => {
                self.mass.spare_store_kg += u.mass_kg;
                self.spares.push(Spare {
                    model: u.model,
                    mass_kg: u.mass_kg,
                    price_usd: u.price_usd,
                });
            }
            Route::Harvest => {
                let dram = f.dram_gb * eol.dram_reuse_fraction;
                let ssd = f.ssd_tb * eol.ssd_reuse_fraction;
                let parts_kg = dram * DRAM_KG_PER_GB + ssd * SSD_KG_PER_TB;
                self.parts_dram_gb += dram;
                self.parts_ssd_tb += ssd;
                self.mass.parts_store_kg += parts_kg;
                self.mass.recycled_kg += u.mass_kg - parts_kg;
            }
            Route::Recycle => self.mass.recycled_kg += u.mass_kg,
            Route::Landfill => self.mass.landfill_kg += u.mass_kg,
        }
    }

    /// Adds `rate` kg/year of amortization over `[start, start + years)`.
    fn amortize_window(&mut self, start_years: f64, years: f64, rate: f64) {
        if years <= 0.0 || rate <= 0.0 {
            return;
        }
        let end = start_years + years;
        for (y, a) in self.amortized.iter_mut().enumerate() {
            let overlap = (end.min(y as f64 + 1.0) - start_years.max(y as f64)).max(0.0);
            *a += rate * overlap;
        }
    }

    /// Servers in service at `now` by age in whole years (the last bucket: 10 and older).
    fn age_counts(&self, now: u64) -> [u32; super::report::AGE_BUCKETS] {
        let mut counts = [0u32; super::report::AGE_BUCKETS];
        for u in &self.units {
            if matches!(u.status, Status::InService | Status::Repairing) {
                let age = ((now as i64 - u.born_ns).max(0) as f64 / YEAR_F).floor() as usize;
                counts[age.min(super::report::AGE_BUCKETS - 1)] += 1;
            }
        }
        counts
    }

    fn in_service_units(&self) -> impl Iterator<Item = u32> + '_ {
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| matches!(u.status, Status::InService | Status::Repairing))
            .map(|(i, _)| i as u32)
    }

    /// Buys what the fleet lacks now (planned purchases, delivered at once): up to the fixed
    /// count, or enough capacity for the current year's peak at the target utilization with
    /// N + k redundancy (k of the largest servers down).
    fn top_up(&mut self, now: u64, out: &mut LifecycleOutput) {
        let spec = std::sync::Arc::clone(&self.spec);
        let model_new = self.purchase_model(now);
        let y = self.year_of(now);
        let pending: Vec<u32> = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| matches!(u.status, Status::InService | Status::Repairing | Status::Ordered))
            .map(|(i, _)| i as u32)
            .collect();
        let to_buy = match &spec.sizing {
            FleetSizing::Fixed { count } => count.saturating_sub(pending.len() as u32),
            FleetSizing::Peak {
                target_utilization,
                redundancy,
                yearly_peak_ops,
            } => {
                let cap_new = spec.registry.get(model_new).ssj_ops_at_100;
                let caps = pending
                    .iter()
                    .map(|&u| spec.registry.get(self.units[u as usize].model).ssj_ops_at_100);
                let have: f64 = caps.clone().sum();
                let largest = caps.fold(0.0, f64::max);
                let spare_each = if largest > 0.0 { largest } else { cap_new };
                let peak = yearly_peak_ops
                    .get(y)
                    .or(yearly_peak_ops.last())
                    .copied()
                    .unwrap_or(0.0);
                let need = peak / target_utilization + f64::from(*redundancy) * spare_each;
                if need > have {
                    ((need - have) / cap_new).ceil() as u32
                } else {
                    0
                }
            }
        };
        for _ in 0..to_buy {
            let unit = self.new_unit(model_new, now as i64, false);
            self.on_delivery(now, unit, out);
        }
    }

    /// Records the fleet at the end of each year before the one of `now` that is not
    /// recorded yet. Called before anything at `now` changes the fleet: an event at the
    /// first instant of a year is booked in that year (`year_of`), so the year before must
    /// not see it, whatever the order of the events at that instant (a refresh falling due
    /// exactly on the review would otherwise be missing from the year-end count of the year
    /// before while being booked in the next). The last year is recorded by `finish`.
    fn close_years_before(&mut self, now: u64) {
        let year = ((now / NS_PER_YEAR) as usize).min(self.years.len() - 1);
        while self.closed_years < year {
            let k = self.closed_years;
            let end_ns = (k as u64 + 1) * NS_PER_YEAR;
            self.years[k].servers_in_service = self.in_service_units().count() as u32;
            self.years[k].capacity_ops = self.capacity_ops;
            self.years[k].age_counts = self.age_counts(end_ns);
            self.closed_years += 1;
        }
    }

    /// The yearly review: refresh, sizing, devices, and the next review.
    fn review(&mut self, now: u64, year: u32, served_ops: f64, out: &mut LifecycleOutput) {
        self.integrate(now);
        let spec = std::sync::Arc::clone(&self.spec);
        // Utilization of the fleet's capacity over the last year (for the payback test).
        let (served0, area0) = self.review_mark;
        let utilization = if self.capacity_area > area0 {
            ((served_ops - served0) / (self.capacity_area - area0)).clamp(0.0, 1.0)
        } else {
            match &spec.sizing {
                FleetSizing::Peak { target_utilization, .. } => 0.5 * target_utilization,
                FleetSizing::Fixed { .. } => 0.3,
            }
        };
        self.review_mark = (served_ops, self.capacity_area);
        let y = year as usize;
        self.close_years_before(now);

        // Refresh.
        let model_new = self.purchase_model(now);
        let mut retire = Vec::new();
        for unit in self.in_service_units().collect::<Vec<_>>() {
            let u = &self.units[unit as usize];
            let age = (now as i64 - u.born_ns) as f64 / YEAR_F;
            match spec.refresh {
                // Retirements at a fixed age are events of their own (`RefreshDue`).
                RefreshPolicy::FixedAge { .. } => {}
                RefreshPolicy::Efficiency {
                    payback_years: k,
                    min_age_years,
                } => {
                    if age < min_age_years || u.model == model_new {
                        continue;
                    }
                    let resale = u.price_usd * spec.end_of_life.resale_fraction(age);
                    let (old, new) = (spec.registry.get(u.model), spec.registry.get(model_new));
                    let ratio = match spec.sizing {
                        FleetSizing::Fixed { .. } => 1.0,
                        FleetSizing::Peak { .. } => old.ssj_ops_at_100 / new.ssj_ops_at_100,
                    };
                    let p = payback_years(
                        old,
                        new,
                        ratio,
                        utilization,
                        spec.facts[model_new as usize].price_usd,
                        resale,
                        &spec.energy_value,
                    );
                    let replaced = p <= k;
                    self.decisions.push(PaybackDecision {
                        year,
                        unit,
                        age_years: age,
                        payback_years: p,
                        replaced,
                    });
                    if replaced {
                        retire.push(unit);
                    }
                }
                RefreshPolicy::RunToFailure => {}
            }
        }
        for unit in retire {
            if self.units[unit as usize].status == Status::Repairing {
                // It is out of service already; the model drops it.
            }
            out.changes.push(FleetChange::Retire { unit });
            self.years[y].retired_planned += 1;
            self.retire(now, unit, false);
        }

        // Sizing: buy what the coming year needs (delivered in time: planned purchases).
        self.top_up(now, out);

        // Storage and network: failures over the past year and age-based refresh.
        for (i, d) in spec.devices.iter().enumerate() {
            let mut replaced = 0u32;
            if year > 0 && d.afr > 0.0 {
                if let Ok(p) = Poisson::new(d.afr * f64::from(d.count)) {
                    let n: f64 = p.sample(&mut self.rng);
                    replaced += n as u32;
                }
            }
            let age = (now as i64 - self.devices_born_ns[i]) as f64 / YEAR_F;
            let refresh_all = age >= d.refresh_years - 1e-6;
            if refresh_all {
                replaced = d.count;
                self.devices_born_ns[i] = now as i64;
            }
            if replaced > 0 {
                let kg = f64::from(replaced) * d.mass_kg;
                let embodied = f64::from(replaced) * d.embodied_kgco2e;
                self.discard_kg(now, kg);
                self.buy(
                    now,
                    kg,
                    embodied,
                    f64::from(replaced) * d.price_usd,
                    CashCategory::Devices,
                );
                self.amortize(now, embodied, d.refresh_years);
                self.years[y].devices_replaced += replaced;
            }
        }

        let next = (u64::from(year) + 1) * NS_PER_YEAR;
        if next < self.horizon_ns {
            out.schedule.push((next, LifecycleEvent::Review { year: year + 1 }));
        }
    }

    /// Closes the books at the horizon.
    pub fn finish(&mut self, horizon_ns: u64, _served_ops: f64, battery_replacements_ns: &[u64]) -> LifecycleReport {
        self.integrate(horizon_ns);
        // Years without a review (a static fleet has none) get their year-end fleet here.
        self.close_years_before(horizon_ns);
        let spec = std::sync::Arc::clone(&self.spec);
        // Amortize the units still in service up to the horizon.
        for i in 0..self.units.len() {
            let u = &self.units[i];
            if !matches!(u.status, Status::InService | Status::Repairing) || u.second_life {
                continue;
            }
            let life = spec.amortization_years;
            let start_years = u.born_ns.max(0) as f64 / YEAR_F;
            let book_life_left = life - (u.born_ns.max(0) - u.born_ns) as f64 / YEAR_F;
            if book_life_left <= 0.0 {
                continue;
            }
            let rate = u.book_kg / book_life_left;
            let years = (horizon_ns as f64 / YEAR_F - start_years).clamp(0.0, book_life_left);
            self.amortize_window(start_years, years, rate);
        }
        // The plant's replacements within the run: PV and wind at the end of their life,
        // the battery when worn to its threshold.
        let p = spec.plant;
        let mut plant_events = Vec::new();
        let parts = [
            (
                PlantKind::Pv,
                p.pv_kwp * p.pv_kg_per_kwp,
                p.pv_kwp * p.pv_kgco2e_per_kwp,
                p.pv_life_years,
            ),
            (
                PlantKind::Wind,
                p.wind_kw * p.wind_kg_per_kw,
                p.wind_kw * p.wind_kgco2e_per_kw,
                p.wind_life_years,
            ),
        ];
        for (kind, kg, embodied, life) in parts {
            if kg <= 0.0 || life <= 0.0 {
                continue;
            }
            let mut t = life;
            while t * YEAR_F < horizon_ns as f64 {
                plant_events.push(((t * YEAR_F) as u64, kind, kg, embodied, life));
                t += life;
            }
        }
        let battery_kg = p.battery_kwh * p.battery_kg_per_kwh;
        let battery_embodied = p.battery_kwh * p.battery_kgco2e_per_kwh;
        for &t_ns in battery_replacements_ns {
            plant_events.push((
                t_ns,
                PlantKind::Battery,
                battery_kg,
                battery_embodied,
                BATTERY_BOOK_YEARS,
            ));
        }
        let mut plant_replacements = Vec::new();
        for (t_ns, kind, kg, embodied, life) in plant_events {
            self.discard_kg(t_ns, kg);
            self.buy(t_ns, kg, embodied, 0.0, CashCategory::Plant);
            self.amortize(t_ns, embodied, life);
            plant_replacements.push((t_ns as f64 / YEAR_F, kind));
        }
        for (row, a) in self.years.iter_mut().zip(&self.amortized) {
            row.embodied_amortized_kg = *a;
        }
        let mut in_service = 0u32;
        for u in &self.units {
            if matches!(u.status, Status::InService | Status::Repairing) {
                in_service += 1;
            }
        }
        let ages = self.age_counts(horizon_ns);
        if let Some(last) = self.years.last_mut() {
            last.servers_in_service = in_service;
            last.capacity_ops = self.capacity_ops;
            last.age_counts = ages;
        }
        let mut mass = self.mass;
        mass.in_service_kg += spec.devices.iter().map(|d| f64::from(d.count) * d.mass_kg).sum::<f64>();
        // A refurbished spare sent out to replace a failed server leaves the store when it
        // is ordered and enters service on delivery; one still on its way at the horizon
        // is counted in the store (its mass was missing from the balance).
        let in_transit: Vec<f64> = self
            .units
            .iter()
            .filter(|u| u.status == Status::Ordered && u.second_life)
            .map(|u| u.mass_kg)
            .collect();
        mass.spare_store_kg += in_transit.iter().sum::<f64>();
        LifecycleReport {
            active: spec.active,
            years: std::mem::take(&mut self.years),
            mass,
            decisions: std::mem::take(&mut self.decisions),
            cash_flows: std::mem::take(&mut self.cash),
            server_value_years: std::mem::take(&mut self.server_value_years),
            spares_in_store: (self.spares.len() + in_transit.len()) as u32,
            plant_replacements,
            material_recovery_fraction: spec.end_of_life.material_recovery_fraction,
        }
    }
}
