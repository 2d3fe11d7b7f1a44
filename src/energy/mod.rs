//! The energy side of a run: weather, PV and wind production, the battery, the grid and the
//! facility's cooling overhead, balanced step by step.
//!
//! Each step of the datacenter model hands over its mean IT power; the step is split at
//! hour boundaries (weather and grid data are hourly) and every piece is dispatched:
//! 1. facility demand = IT power x PUE (which may depend on the hour's temperature);
//! 2. renewables serve the demand first;
//! 3. surplus renewables charge the battery, then are exported (if allowed, up to the export
//!    limit) or curtailed;
//! 4. the battery covers the remaining demand when its policy says so (self-consumption:
//!    always; carbon-aware or price arbitrage: in the day's dirtiest or dearest hours), and
//!    those policies also charge it from the grid in the day's cleanest or cheapest hours;
//! 5. the grid supplies the rest, up to its import limit; anything beyond is unserved.
//!
//! Carbon is counted when energy is imported (import x the hour's intensity), so energy
//! stored from the grid carries its carbon from the hour it was bought. The hourly
//! carbon-free share matches, hour by hour, demand with on-site renewable production that
//! was not stored plus stored renewable energy delivered.

pub mod flows;
pub mod pue;

use std::sync::Arc;

use crate::calendar::Calendar;
use crate::engine::time::NS_PER_HOUR;
use crate::engine::{RngStreams, StreamRng};
use crate::grid::{GridSeries, GridSpec};
use crate::solar::PvSpec;
use crate::solar::position::{SunDay, days_since_j2000, sun_at_local_hour};
use crate::storage::{Battery, BatteryDispatch, BatterySpec};
use crate::weather::{SyntheticWeather, WeatherHour, WeatherSpec, WeatherYear, day_index};
use crate::wind::WindFarmSpec;
use chrono::Datelike;

pub use flows::Flows;
pub use pue::PueModel;

/// Air temperature assumed when a scenario has no weather (only used for display).
const NO_WEATHER_TEMP_C: f64 = 15.0;

/// Everything on the supply side of a scenario.
#[derive(Debug, Clone)]
pub struct EnergySpec {
    /// Weather, when a model needs it.
    pub weather: Option<WeatherSpec>,
    /// PV array.
    pub solar: Option<PvSpec>,
    /// Wind turbines.
    pub wind: Option<WindFarmSpec>,
    /// Battery.
    pub battery: Option<BatterySpec>,
    /// Grid connection.
    pub grid: GridSpec,
    /// Cooling overhead.
    pub pue: PueModel,
    /// Offset of the site's local standard time from UTC, hours.
    pub utc_offset_hours: f64,
    /// Heat reuse and solar heat.
    pub heat: Option<crate::heat::HeatSpec>,
}

/// One hour's inputs.
#[derive(Debug, Clone, Copy, Default)]
struct HourInputs {
    /// PV output factor after degradation, for this hour.
    degradation: f64,
    temp_air_c: f64,
    pue: f64,
    solar_kw: f64,
    wind_kw: f64,
    carbon_g_per_kwh: f64,
    price_per_mwh: f64,
    /// Heat the collectors could deliver this hour, kW.
    solar_thermal_kw: f64,
    /// Heat demand this hour, kW.
    heat_demand_kw: f64,
}

/// What a step of the energy system produced.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EnergyStep {
    /// Flows of the step.
    pub flows: Flows,
    /// Mean PUE.
    pub pue: f64,
    /// Mean outdoor temperature, C.
    pub temp_air_c: f64,
    /// Mean grid carbon intensity, g/kWh.
    pub carbon_g_per_kwh: f64,
    /// Mean grid price, per MWh.
    pub price_per_mwh: f64,
    /// Battery energy at the end of the step, kWh.
    pub soc_kwh: f64,
}

/// Battery thresholds of one day (carbon or price).
#[derive(Debug, Clone, Copy)]
struct DayThresholds {
    day: i64,
    low: f64,
    high: f64,
}

/// The energy system of one run.
#[derive(Debug, Clone)]
pub struct EnergySystem {
    spec: Arc<EnergySpec>,
    calendar: Calendar,
    synthetic: Option<SyntheticWeather>,
    /// Solar, wind and solar-thermal output (kW, before degradation) per row of a file year.
    row_cache: Vec<(f64, f64, f64)>,
    hour: Option<(i64, HourInputs)>,
    sun_day: Option<(i64, SunDay)>,
    battery: Option<Battery>,
    thresholds: Option<DayThresholds>,
    /// Demand and carbon-free supply of the clock hour in progress.
    cfe_hour: (i64, f64, f64),
    totals: Flows,
    totals_measured: bool,
    pue_weighted: f64,
    battery_replacements_ns: Vec<u64>,
}

impl EnergySystem {
    /// The energy system of a run.
    pub fn new(spec: Arc<EnergySpec>, calendar: Calendar, streams: &RngStreams) -> Self {
        let synthetic = match &spec.weather {
            Some(WeatherSpec::Synthetic { params, site }) => {
                Some(SyntheticWeather::new(*params, site.clone(), weather_rng(streams)))
            }
            _ => None,
        };
        let row_cache = match &spec.weather {
            Some(WeatherSpec::File(year)) => vec![(f64::NAN, f64::NAN, f64::NAN); year.hours.len()],
            _ => Vec::new(),
        };
        let battery = spec.battery.clone().map(Battery::new);
        Self {
            spec,
            calendar,
            synthetic,
            row_cache,
            hour: None,
            sun_day: None,
            battery,
            thresholds: None,
            cfe_hour: (-1, 0.0, 0.0),
            totals: Flows::default(),
            totals_measured: false,
            pue_weighted: 0.0,
            battery_replacements_ns: Vec::new(),
        }
    }

    /// Dispatches the interval `[t0_ns, t1_ns)` at constant IT power `it_kw`; adds it to the
    /// totals when `measured`.
    pub fn step(&mut self, t0_ns: u64, t1_ns: u64, it_kw: f64, measured: bool) -> EnergyStep {
        let mut out = EnergyStep::default();
        let mut t = t0_ns;
        let total_h = (t1_ns - t0_ns) as f64 / NS_PER_HOUR as f64;
        while t < t1_ns {
            let hour = (t / NS_PER_HOUR) as i64;
            let end = ((hour as u64 + 1) * NS_PER_HOUR).min(t1_ns);
            let dt_h = (end - t) as f64 / NS_PER_HOUR as f64;
            let inputs = self.hour_inputs(hour);
            let flows = self.dispatch(hour, &inputs, it_kw, dt_h);
            if measured {
                self.record_cfe(hour, &flows);
                self.totals.add(&flows);
                self.pue_weighted += inputs.pue * flows.demand;
                self.totals_measured = true;
            }
            let w = dt_h / total_h;
            out.flows.add(&flows);
            out.pue += inputs.pue * w;
            out.temp_air_c += inputs.temp_air_c * w;
            out.carbon_g_per_kwh += inputs.carbon_g_per_kwh * w;
            out.price_per_mwh += inputs.price_per_mwh * w;
            t = end;
        }
        if let Some(b) = self.battery.as_mut() {
            out.soc_kwh = b.stored_kwh();
            if b.replace_if_worn() {
                self.battery_replacements_ns.push(t1_ns);
            }
        }
        out
    }

    /// What local hour `hour` looks like: renewables produced (kW, after degradation),
    /// PUE, grid carbon intensity (g/kWh) and price (per MWh).
    pub fn outlook(&mut self, hour: i64) -> (f64, f64, f64, f64) {
        let x = self.hour_inputs(hour);
        (
            x.solar_kw * x.degradation + x.wind_kw,
            x.pue,
            x.carbon_g_per_kwh,
            x.price_per_mwh,
        )
    }

    /// Grid carbon intensity of local hour `hour`, g/kWh (without computing the weather).
    pub fn carbon_at(&self, hour: i64) -> f64 {
        self.series_at(hour, &self.spec.grid.carbon)
    }

    /// Grid price of local hour `hour`, per MWh.
    pub fn price_at(&self, hour: i64) -> f64 {
        self.series_at(hour, &self.spec.grid.price)
    }

    /// Times at which the battery was replaced (worn to its replacement threshold), ns.
    pub fn battery_replacements_ns(&self) -> &[u64] {
        &self.battery_replacements_ns
    }

    /// Closes the hourly carbon-free matching (call once at the end of the run).
    pub fn finish(&mut self) {
        let (_, demand, supply) = self.cfe_hour;
        self.totals.cfe_matched += demand.min(supply);
        self.cfe_hour = (-1, 0.0, 0.0);
    }

    /// Sums over the measured steps.
    pub fn totals(&self) -> &Flows {
        &self.totals
    }

    /// Demand-weighted mean PUE over the measured steps.
    pub fn mean_pue(&self) -> f64 {
        if self.totals.demand > 0.0 {
            self.pue_weighted / self.totals.demand
        } else {
            self.spec.pue.at(NO_WEATHER_TEMP_C)
        }
    }

    /// The battery, if any.
    pub fn battery(&self) -> Option<&Battery> {
        self.battery.as_ref()
    }

    fn record_cfe(&mut self, hour: i64, f: &Flows) {
        if self.cfe_hour.0 != hour {
            let (_, demand, supply) = self.cfe_hour;
            self.totals.cfe_matched += demand.min(supply);
            self.cfe_hour = (hour, 0.0, 0.0);
        }
        self.cfe_hour.1 += f.demand;
        // Carbon-free supply of the hour: renewables produced and not stored, plus stored
        // renewable energy delivered.
        self.cfe_hour.2 += f.renewables() - f.re_to_battery + f.battery_re_to_load;
    }

    fn hour_inputs(&mut self, hour: i64) -> HourInputs {
        if let Some((h, inputs)) = self.hour {
            if h == hour {
                return inputs;
            }
        }
        let inputs = self.compute_hour(hour);
        self.hour = Some((hour, inputs));
        inputs
    }

    /// Day and hour of local hour `hour` in a table kept at `utc_offset_hours`.
    fn table_time(&self, hour: i64, utc_offset_hours: f64) -> (crate::calendar::DayInfo, u32) {
        let shift = (utc_offset_hours - self.spec.utc_offset_hours).round() as i64;
        self.calendar.day_and_hour(hour + shift)
    }

    fn series_at(&self, hour: i64, series: &GridSeries) -> f64 {
        let (day, h) = self.table_time(hour, series.utc_offset_hours);
        series.values.at(u32::from(day.month), u32::from(day.day), h)
    }

    fn compute_hour(&mut self, hour: i64) -> HourInputs {
        let spec = Arc::clone(&self.spec);
        let (weather, solar_kw, wind_kw, solar_thermal_kw) = match &spec.weather {
            None => (None, 0.0, 0.0, 0.0),
            Some(WeatherSpec::File(year)) => {
                let (day, h) = self.table_time(hour, year.site.utc_offset_hours);
                let row = day_index(u32::from(day.month), u32::from(day.day), year.is_leap()) * 24 + h as usize;
                let row = row.min(year.hours.len() - 1);
                let w = year.hours[row];
                if self.row_cache[row].0.is_nan() {
                    self.row_cache[row] = production(&spec, year, &w, day.date, h);
                }
                let (s, k, t) = self.row_cache[row];
                (Some(w), s, k, t)
            }
            Some(WeatherSpec::Synthetic { site, .. }) => {
                let (day, h) = self.table_time(hour, site.utc_offset_hours);
                // The sun once per hour, from a table of the slowly varying terms per day;
                // shared by the weather generator and the PV model.
                let d = days_since_j2000(day.date, h, site.utc_offset_hours);
                let key = (d + 0.5).floor() as i64;
                let sun_day = match self.sun_day {
                    Some((k, s)) if k == key => s,
                    _ => {
                        let s = SunDay::at(d);
                        self.sun_day = Some((key, s));
                        s
                    }
                };
                let sun = sun_day.position(site.latitude, site.longitude, d, day.date.ordinal());
                let w = self
                    .synthetic
                    .as_mut()
                    .map(|g| g.hour_with_sun(day.date, h, sun))
                    .unwrap_or_default();
                let solar = spec.solar.as_ref().map_or(0.0, |pv| {
                    pv.output(w.irradiance, w.temp_air_c, w.wind_ms, sun).ac_w / 1000.0
                });
                let wind = spec
                    .wind
                    .as_ref()
                    .map_or(0.0, |farm| farm.power_kw(w.wind_ms, 10.0, w.temp_air_c, w.pressure_pa));
                let thermal = collector_kw(&spec, w.irradiance, w.temp_air_c, || sun);
                (Some(w), solar, wind, thermal)
            }
        };
        let temp_air_c = weather.map_or(NO_WEATHER_TEMP_C, |w| w.temp_air_c);
        let years = hour as f64 / 8_760.0;
        HourInputs {
            degradation: spec.solar.as_ref().map_or(1.0, |pv| pv.degradation_factor(years)),
            temp_air_c,
            pue: spec.pue.at(temp_air_c),
            solar_kw,
            wind_kw,
            carbon_g_per_kwh: self.series_at(hour, &spec.grid.carbon),
            price_per_mwh: self.series_at(hour, &spec.grid.price),
            solar_thermal_kw,
            heat_demand_kw: spec.heat.as_ref().map_or(0.0, |h| self.series_at(hour, &h.demand_kw)),
        }
    }

    /// The battery thresholds of the local day containing `hour`.
    fn day_thresholds(&mut self, hour: i64, dispatch: BatteryDispatch) -> Option<DayThresholds> {
        let day = hour.div_euclid(24);
        if let Some(t) = self.thresholds {
            if t.day == day {
                return Some(t);
            }
        }
        let (series, low_q, high_q) = match dispatch {
            BatteryDispatch::SelfConsumption => return None,
            BatteryDispatch::CarbonAware {
                low_quantile,
                high_quantile,
                ..
            } => (&self.spec.grid.carbon, low_quantile, high_quantile),
            BatteryDispatch::PriceArbitrage {
                low_quantile,
                high_quantile,
            } => (&self.spec.grid.price, low_quantile, high_quantile),
        };
        let mut values: Vec<f64> = (0..24).map(|h| self.series_at(day * 24 + h, series)).collect();
        values.sort_by(f64::total_cmp);
        let q = |p: f64| values[((p * 23.0).round() as usize).min(23)];
        let t = DayThresholds {
            day,
            low: q(low_q),
            high: q(high_q),
        };
        self.thresholds = Some(t);
        Some(t)
    }

    fn dispatch(&mut self, hour: i64, x: &HourInputs, it_kw: f64, dt_h: f64) -> Flows {
        let spec = Arc::clone(&self.spec);
        let mut f = Flows {
            demand: it_kw * x.pue * dt_h,
            solar: x.solar_kw * x.degradation * dt_h,
            wind: x.wind_kw * dt_h,
            ..Flows::default()
        };
        // Heat reuse: the heat pump's electricity joins the facility's demand.
        if let Some(heat) = spec.heat.as_ref() {
            let h = crate::heat::balance(heat, it_kw, x.heat_demand_kw, x.solar_thermal_kw);
            f.demand += h.heat_pump_kw * dt_h;
            f.heat_demand = h.demand_kw * dt_h;
            f.solar_thermal = h.solar_thermal_kw * dt_h;
            f.heat_reused = h.reused_kw * dt_h;
            f.heat_pump = h.heat_pump_kw * dt_h;
            f.heat_avoided_g =
                (f.heat_reused + f.solar_thermal) / heat.boiler_efficiency * heat.boiler_kgco2e_per_kwh_fuel * 1000.0;
        }
        let produced = f.renewables();
        f.re_to_load = produced.min(f.demand);
        let mut deficit = f.demand - f.re_to_load;
        let mut surplus = produced - f.re_to_load;

        // The policy's view of this hour: may the battery discharge, may the grid charge it?
        let thresholds = spec
            .battery
            .as_ref()
            .and_then(|b| self.day_thresholds(hour, b.dispatch));
        let (discharge_ok, grid_charge_ok) = match (spec.battery.as_ref().map(|b| b.dispatch), thresholds) {
            (Some(BatteryDispatch::SelfConsumption), _) => (true, false),
            (Some(BatteryDispatch::CarbonAware { grid_charging, .. }), Some(t)) => (
                x.carbon_g_per_kwh >= t.high,
                grid_charging && x.carbon_g_per_kwh <= t.low && t.low < t.high,
            ),
            (Some(BatteryDispatch::PriceArbitrage { .. }), Some(t)) => {
                (x.price_per_mwh >= t.high, x.price_per_mwh <= t.low && t.low < t.high)
            }
            _ => (false, false),
        };
        if let Some(b) = self.battery.as_mut() {
            f.re_to_battery = b.charge(surplus, dt_h, 0.0, true);
            surplus -= f.re_to_battery;
            if discharge_ok && deficit > 0.0 {
                let (delivered, renewable) = b.discharge(deficit, dt_h);
                f.battery_to_load = delivered;
                f.battery_re_to_load = renewable;
                deficit -= delivered;
            }
        }

        // Grid import within its limit: the facility comes first, then battery charging.
        let import_room = spec.grid.import_limit_kw.map_or(f64::INFINITY, |l| l * dt_h);
        f.grid_to_load = deficit.min(import_room);
        f.unserved = deficit - f.grid_to_load;
        if grid_charge_ok {
            if let Some(b) = self.battery.as_mut() {
                f.grid_to_battery = b.charge(import_room - f.grid_to_load, dt_h, f.re_to_battery, false);
            }
        }

        // Export or curtail what is left.
        match &spec.grid.export {
            Some(export) => {
                let room = export.limit_kw.map_or(f64::INFINITY, |l| l * dt_h);
                f.re_to_grid = surplus.min(room);
                f.export_revenue = f.re_to_grid * export.price_per_mwh / 1000.0;
            }
            None => f.re_to_grid = 0.0,
        }
        f.curtailed = surplus - f.re_to_grid;

        if let Some(b) = self.battery.as_mut() {
            b.rest(dt_h);
        }
        let import = f.grid_import();
        f.carbon_g = import * x.carbon_g_per_kwh;
        f.import_cost = import * x.price_per_mwh / 1000.0;
        f
    }
}

/// Solar, wind and solar-thermal output (kW, before degradation) for one row of a weather
/// file.
fn production(
    spec: &EnergySpec,
    year: &WeatherYear,
    w: &WeatherHour,
    date: chrono::NaiveDate,
    hour: u32,
) -> (f64, f64, f64) {
    let site = &year.site;
    let solar = spec.solar.as_ref().map_or(0.0, |pv| {
        let sun = sun_at_local_hour(site.latitude, site.longitude, site.utc_offset_hours, date, hour);
        pv.output(w.irradiance, w.temp_air_c, w.wind_ms, sun).ac_w / 1000.0
    });
    let wind = spec.wind.as_ref().map_or(0.0, |farm| {
        farm.power_kw(w.wind_ms, year.wind_height_m, w.temp_air_c, w.pressure_pa)
    });
    let thermal = collector_kw(spec, w.irradiance, w.temp_air_c, || {
        sun_at_local_hour(site.latitude, site.longitude, site.utc_offset_hours, date, hour)
    });
    (solar, wind, thermal)
}

/// Heat the solar collectors deliver in an hour of weather, kW (0 without collectors).
fn collector_kw(
    spec: &EnergySpec,
    irr: crate::solar::Irradiance,
    temp_air_c: f64,
    sun: impl FnOnce() -> crate::solar::SunPosition,
) -> f64 {
    let Some(c) = spec.heat.as_ref().and_then(|h| h.collectors.as_ref()) else {
        return 0.0;
    };
    if irr.ghi <= 0.0 {
        return 0.0;
    }
    let sun = sun();
    let poa = crate::solar::irradiance::plane_of_array(
        crate::solar::Transposition::HayDavies,
        c.tilt_deg,
        c.azimuth_deg,
        sun.zenith_deg,
        sun.azimuth_deg,
        irr.ghi,
        irr.dni,
        irr.dhi,
        crate::solar::extraterrestrial_normal_w_m2(sun.day_of_year),
        0.2,
    );
    c.output_kw(poa.global(), temp_air_c)
}

fn weather_rng(streams: &RngStreams) -> StreamRng {
    streams.stream("weather")
}
