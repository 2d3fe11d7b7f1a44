//! Solar PV: the chain from weather to AC power, hour by hour: sun position, transposition
//! to the plane of the array, incidence-angle loss, cell temperature, DC power with the
//! module's temperature coefficient, system losses, inverter efficiency and clipping at the
//! AC rating, and yearly degradation.

pub mod irradiance;
pub mod position;
pub mod pvwatts;

pub use irradiance::{PlaneIrradiance, Transposition};
pub use position::{SunPosition, extraterrestrial_normal_w_m2, sun_position};
pub use pvwatts::SapmTemperature;

/// A PV array with its inverters.
#[derive(Debug, Clone, PartialEq)]
pub struct PvSpec {
    /// DC rating at standard test conditions, kWp.
    pub capacity_kwp: f64,
    /// Module catalog id, if one was chosen.
    pub module: Option<String>,
    /// Tilt from horizontal, degrees.
    pub tilt_deg: f64,
    /// Azimuth of the surface, degrees clockwise from north (180 = south).
    pub azimuth_deg: f64,
    /// Ground reflectance.
    pub albedo: f64,
    /// Sky diffuse model.
    pub transposition: Transposition,
    /// Power temperature coefficient, 1/C (e.g. -0.0037).
    pub gamma_per_c: f64,
    /// Lumped DC system losses (fraction).
    pub losses: f64,
    /// DC rating / inverter AC rating.
    pub dc_ac_ratio: f64,
    /// Nominal inverter efficiency.
    pub inverter_efficiency: f64,
    /// Yearly loss of output (fraction per year).
    pub degradation_per_year: f64,
    /// Cell temperature model.
    pub temperature: SapmTemperature,
}

/// One hour of weather as the PV and wind models need it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Irradiance {
    /// Global horizontal, W/m^2.
    pub ghi: f64,
    /// Direct normal, W/m^2.
    pub dni: f64,
    /// Diffuse horizontal, W/m^2.
    pub dhi: f64,
}

/// The intermediate quantities of one evaluation (for tests and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PvOutput {
    /// Irradiance on the plane.
    pub poa: PlaneIrradiance,
    /// Irradiance reaching the cells after the incidence-angle loss, W/m^2.
    pub effective_w_m2: f64,
    /// Cell temperature, C.
    pub temp_cell_c: f64,
    /// DC power before system losses, W.
    pub dc_w: f64,
    /// AC power, W.
    pub ac_w: f64,
}

impl PvSpec {
    /// AC output for one hour of weather with the sun at `sun`, before degradation.
    pub fn output(&self, irr: Irradiance, temp_air_c: f64, wind_ms: f64, sun: SunPosition) -> PvOutput {
        if sun.zenith_deg >= 90.0 && irr.ghi <= 0.0 {
            return PvOutput {
                temp_cell_c: temp_air_c,
                ..PvOutput::default()
            };
        }
        let poa = irradiance::plane_of_array(
            self.transposition,
            self.tilt_deg,
            self.azimuth_deg,
            sun.zenith_deg,
            sun.azimuth_deg,
            irr.ghi,
            irr.dni,
            irr.dhi,
            extraterrestrial_normal_w_m2(sun.day_of_year),
            self.albedo,
        );
        let iam = irradiance::physical_iam(poa.aoi_deg, 1.526, 4.0, 0.002);
        let effective = poa.direct * iam + poa.sky_diffuse + poa.ground_diffuse;
        let temp_cell_c = self.temperature.cell_temperature_c(poa.global(), temp_air_c, wind_ms);
        let pdc0 = self.capacity_kwp * 1000.0;
        let dc_w = pvwatts::dc_power_w(effective, temp_cell_c, pdc0, self.gamma_per_c);
        let ac_w = pvwatts::inverter_ac_w(
            dc_w * (1.0 - self.losses),
            pdc0 / self.dc_ac_ratio,
            self.inverter_efficiency,
        );
        PvOutput {
            poa,
            effective_w_m2: effective,
            temp_cell_c,
            dc_w,
            ac_w,
        }
    }

    /// Output factor after `years` of degradation.
    pub fn degradation_factor(&self, years: f64) -> f64 {
        (1.0 - self.degradation_per_year).powf(years.max(0.0))
    }
}
