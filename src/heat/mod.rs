//! Heat reuse and solar heat: a share of the IT heat is lifted by a heat pump to the supply
//! temperature of a heat demand (district heating or the building's hot water); solar
//! thermal collectors add heat from the plane-of-array irradiance. What is delivered
//! displaces a boiler. The heat pump's electricity is part of the facility's demand.
//!
//! * Heat pump: COP = f_Carnot x T_cond / (T_cond - T_evap) with T_cond = supply + 5 K and
//!   T_evap = source - 5 K (temperatures in kelvin; 5 K heat-exchanger approach on each
//!   side), capped at 8; or a fixed COP. With f_Carnot = 0.43 this reproduces Zangeneh and
//!   Oi's simulated heat pumps (45 C to 60 / 70 / 80 C: COP 5.5 / 4.3 / 3.5) within 0.3. Delivering Q of heat takes Q / COP of electricity and Q (1 - 1/COP) of
//!   datacenter heat, which is at most `recovery_share` x IT power.
//! * Collectors (ISO 9806 quasi-steady model at normal incidence): the efficiency is
//!   eta = eta0 - a1 (Tm - Ta) / G - a2 (Tm - Ta)^2 / G, floored at 0, with G the
//!   irradiance on the collector plane (W/m^2), Tm the mean fluid temperature and Ta the
//!   outdoor temperature; output = eta G A.
//! * The Green Grid's metrics: ERF = reused energy / total facility energy, ERE = (total
//!   facility energy - reused energy) / IT energy, with the heat delivered by the heat pump
//!   as the reused energy (solar heat is not datacenter energy and is reported apart).

use crate::grid::GridSeries;

/// Solar thermal collectors.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectorSpec {
    /// Aperture area, m^2.
    pub area_m2: f64,
    /// Optical efficiency eta0.
    pub eta0: f64,
    /// First-order heat loss coefficient a1, W/(m^2 K).
    pub a1: f64,
    /// Second-order heat loss coefficient a2, W/(m^2 K^2).
    pub a2: f64,
    /// Tilt, degrees.
    pub tilt_deg: f64,
    /// Azimuth, degrees clockwise from north.
    pub azimuth_deg: f64,
    /// Mean fluid temperature, C.
    pub mean_fluid_temp_c: f64,
    /// Where the parameters come from.
    pub source: String,
}

impl CollectorSpec {
    /// Collector efficiency at irradiance `g_w_m2` on the plane and outdoor `temp_air_c`.
    pub fn efficiency(&self, g_w_m2: f64, temp_air_c: f64) -> f64 {
        if g_w_m2 <= 0.0 {
            return 0.0;
        }
        let dt = self.mean_fluid_temp_c - temp_air_c;
        (self.eta0 - self.a1 * dt / g_w_m2 - self.a2 * dt * dt / g_w_m2).max(0.0)
    }

    /// Heat output, kW.
    pub fn output_kw(&self, g_w_m2: f64, temp_air_c: f64) -> f64 {
        self.efficiency(g_w_m2, temp_air_c) * g_w_m2 * self.area_m2 / 1000.0
    }
}

/// How the heat pump's COP is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cop {
    /// A fixed coefficient of performance.
    Fixed(f64),
    /// A fraction of the Carnot COP between the source and the supply temperature.
    Carnot {
        /// Fraction of the Carnot COP reached.
        fraction: f64,
    },
}

/// Heat reuse of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatSpec {
    /// Share of the IT heat that can be recovered.
    pub recovery_share: f64,
    /// Temperature of the recovered heat, C.
    pub source_temp_c: f64,
    /// Supply temperature of the heat demand, C.
    pub supply_temp_c: f64,
    /// Heat pump COP model.
    pub cop: Cop,
    /// Heat demand, kW, hour by hour.
    pub demand_kw: GridSeries,
    /// Efficiency of the displaced boiler (heat out / fuel in).
    pub boiler_efficiency: f64,
    /// Emissions of the boiler's fuel, kgCO2e per kWh of fuel.
    pub boiler_kgco2e_per_kwh_fuel: f64,
    /// Solar thermal collectors.
    pub collectors: Option<CollectorSpec>,
}

impl HeatSpec {
    /// The heat pump's coefficient of performance.
    pub fn cop(&self) -> f64 {
        match self.cop {
            Cop::Fixed(c) => c,
            Cop::Carnot { fraction } => carnot_cop(fraction, self.source_temp_c, self.supply_temp_c),
        }
    }
}

/// Heat-exchanger approach on each side of the heat pump, K.
pub const APPROACH_K: f64 = 5.0;
/// Highest COP allowed (small lifts would otherwise give absurd values).
pub const COP_MAX: f64 = 8.0;

/// f x T_cond / (T_cond - T_evap) with the approaches added, temperatures in C, capped at
/// [`COP_MAX`].
pub fn carnot_cop(fraction: f64, source_temp_c: f64, sink_temp_c: f64) -> f64 {
    let cond_k = sink_temp_c + APPROACH_K + 273.15;
    let lift = (sink_temp_c + APPROACH_K) - (source_temp_c - APPROACH_K);
    if lift <= 0.0 {
        COP_MAX
    } else {
        (fraction * cond_k / lift).min(COP_MAX)
    }
}

/// One hour's heat balance, kW.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HeatHour {
    /// Heat demand.
    pub demand_kw: f64,
    /// Solar heat delivered (up to the demand).
    pub solar_thermal_kw: f64,
    /// Heat delivered by the heat pump (the reused energy).
    pub reused_kw: f64,
    /// Datacenter heat the heat pump took.
    pub recovered_kw: f64,
    /// The heat pump's electricity.
    pub heat_pump_kw: f64,
}

/// The heat balance of an hour: solar heat first, then the heat pump up to what the IT
/// heat allows.
pub fn balance(spec: &HeatSpec, it_kw: f64, demand_kw: f64, solar_available_kw: f64) -> HeatHour {
    let demand = demand_kw.max(0.0);
    let solar = solar_available_kw.max(0.0).min(demand);
    let cop = spec.cop();
    let recoverable = (it_kw * spec.recovery_share).max(0.0);
    // Delivering Q takes Q (1 - 1/COP) of datacenter heat.
    let max_delivered = if cop.is_finite() {
        recoverable / (1.0 - 1.0 / cop)
    } else {
        recoverable
    };
    let reused = (demand - solar).min(max_delivered).max(0.0);
    let heat_pump = if cop.is_finite() { reused / cop } else { 0.0 };
    HeatHour {
        demand_kw: demand,
        solar_thermal_kw: solar,
        reused_kw: reused,
        recovered_kw: reused - heat_pump,
        heat_pump_kw: heat_pump,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::HourlyValues;

    fn spec(demand: f64) -> HeatSpec {
        HeatSpec {
            recovery_share: 0.8,
            source_temp_c: 30.0,
            supply_temp_c: 70.0,
            cop: Cop::Carnot { fraction: 0.5 },
            demand_kw: GridSeries {
                values: HourlyValues::Constant(demand),
                utc_offset_hours: 0.0,
                name: "test".into(),
            },
            boiler_efficiency: 0.9,
            boiler_kgco2e_per_kwh_fuel: 0.2,
            collectors: None,
        }
    }

    #[test]
    fn carnot_cop_reproduces_published_heat_pumps() {
        // 0.5 x (70 + 5 + 273.15) K / (75 - 25) K = 3.4815.
        assert!((spec(0.0).cop() - 0.5 * 348.15 / 50.0).abs() < 1e-12);
        // Zangeneh and Oi (SIMS 2019): 45 C to 60 / 70 / 80 C gives COP 5.5 / 4.3 / 3.5.
        for (sink, published) in [(60.0, 5.5), (70.0, 4.3), (80.0, 3.5)] {
            let cop = carnot_cop(0.43, 45.0, sink);
            assert!((cop - published).abs() < 0.35, "{sink} C: {cop:.2} vs {published}");
        }
        assert_eq!(carnot_cop(0.43, 60.0, 62.0), COP_MAX);
    }

    #[test]
    fn heat_never_exceeds_recoverable_heat_and_electricity() {
        let s = spec(1000.0);
        let h = balance(&s, 100.0, 1000.0, 30.0);
        // 80 kW recoverable; COP 3.48: at most 80 / (1 - 1/3.48) = 112.3 kW delivered.
        assert!((h.recovered_kw - 80.0).abs() < 1e-9);
        assert!(
            (h.reused_kw - h.recovered_kw - h.heat_pump_kw).abs() < 1e-9,
            "energy balance of the heat pump"
        );
        assert!((h.reused_kw / h.heat_pump_kw - s.cop()).abs() < 1e-9);
        assert_eq!(h.solar_thermal_kw, 30.0);
        // A small demand is met without using all the heat.
        let small = balance(&s, 100.0, 20.0, 5.0);
        assert!((small.solar_thermal_kw + small.reused_kw - 20.0).abs() < 1e-12);
        assert!(small.recovered_kw < 80.0);
    }

    #[test]
    fn a_clear_hour_of_a_flat_plate_collector() {
        // eta0 0.75, a1 3.5, a2 0.015; G = 900 W/m^2, Tm = 50 C, Ta = 20 C:
        // eta = 0.75 - 3.5 x 30 / 900 - 0.015 x 900 / 900 = 0.75 - 0.11667 - 0.015 = 0.61833;
        // 10 m^2 give 0.61833 x 900 x 10 / 1000 = 5.565 kW.
        let c = CollectorSpec {
            area_m2: 10.0,
            eta0: 0.75,
            a1: 3.5,
            a2: 0.015,
            tilt_deg: 35.0,
            azimuth_deg: 180.0,
            mean_fluid_temp_c: 50.0,
            source: String::new(),
        };
        assert!((c.efficiency(900.0, 20.0) - 0.618_333_333).abs() < 1e-8);
        assert!((c.output_kw(900.0, 20.0) - 5.565).abs() < 1e-9);
        assert_eq!(c.output_kw(0.0, 20.0), 0.0);
        assert_eq!(
            c.efficiency(50.0, -10.0),
            0.0,
            "losses above the gain give nothing, not a negative output"
        );
    }
}
