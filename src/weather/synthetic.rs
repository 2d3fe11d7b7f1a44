//! Synthetic weather for any latitude, hour by hour, from its own random stream.
//!
//! * Irradiance: the Haurwitz (1945) clear-sky GHI, 1098 cos z exp(-0.057 / cos z), times a
//!   clear-sky index. The index is a daily value with day-to-day persistence (an AR(1)
//!   Gaussian process of lag-one correlation `cloud_persistence`, scaled to the given mean
//!   and standard deviation) plus hourly noise; GHI is split into direct and diffuse by the
//!   Erbs correlation.
//! * Wind: a Weibull marginal with hour-to-hour autocorrelation: an AR(1) Gaussian process
//!   z mapped through u = Phi(z) and the Weibull quantile function c (-ln(1 - u))^(1/k), with
//!   an optional diurnal cycle.
//! * Temperature: seasonal and daily cosine cycles plus AR(1) noise.

use chrono::{Datelike, NaiveDate};
use rand_distr::{Distribution, StandardNormal};
use statrs::function::erf::erfc;

use super::decomposition::decompose;
use super::readers::pressure_at_elevation_pa;
use super::year::{WeatherHour, WeatherSite};
use crate::engine::StreamRng;
use crate::solar::SunPosition;
use crate::solar::position::sun_at_local_hour;

/// Parameters of the generator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticParams {
    /// Mean daily clear-sky index (GHI / clear-sky GHI).
    pub clear_sky_index_mean: f64,
    /// Standard deviation of the daily clear-sky index.
    pub clear_sky_index_sd: f64,
    /// Lag-one correlation of the daily index from one day to the next.
    pub cloud_persistence: f64,
    /// Standard deviation of the hourly deviation from the daily index.
    pub hourly_variability: f64,
    /// Weibull shape of the hourly wind speed.
    pub wind_weibull_k: f64,
    /// Weibull scale of the hourly wind speed at the measurement height, m/s.
    pub wind_weibull_c_ms: f64,
    /// Lag-one hour-to-hour correlation of the underlying Gaussian wind process.
    pub wind_autocorrelation: f64,
    /// Relative amplitude of the diurnal wind cycle (0 = none).
    pub wind_diurnal_amplitude: f64,
    /// Local hour of the diurnal wind maximum.
    pub wind_peak_hour: f64,
    /// Annual mean air temperature, C.
    pub temp_mean_c: f64,
    /// Amplitude of the seasonal temperature cycle, C.
    pub temp_seasonal_amplitude_c: f64,
    /// Amplitude of the daily temperature cycle, C (maximum at 15:00).
    pub temp_daily_amplitude_c: f64,
    /// Standard deviation of the temperature noise, C.
    pub temp_noise_sd_c: f64,
}

/// The generator's state.
#[derive(Debug, Clone)]
pub struct SyntheticWeather {
    params: SyntheticParams,
    site: WeatherSite,
    rng: StreamRng,
    day: Option<NaiveDate>,
    cloud_latent: f64,
    day_index: f64,
    wind_latent: f64,
    temp_noise: f64,
    started: bool,
}

fn gaussian(rng: &mut StreamRng) -> f64 {
    StandardNormal.sample(rng)
}

/// Standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

impl SyntheticWeather {
    /// A generator for `site` drawing from `rng`.
    pub fn new(params: SyntheticParams, site: WeatherSite, rng: StreamRng) -> Self {
        Self {
            params,
            site,
            rng,
            day: None,
            cloud_latent: 0.0,
            day_index: params.clear_sky_index_mean,
            wind_latent: 0.0,
            temp_noise: 0.0,
            started: false,
        }
    }

    /// The weather of local-standard-time hour `hour` of `date`. Call in time order, once
    /// per hour: the processes advance one hour per call.
    pub fn hour(&mut self, date: NaiveDate, hour: u32) -> WeatherHour {
        let sun = sun_at_local_hour(
            self.site.latitude,
            self.site.longitude,
            self.site.utc_offset_hours,
            date,
            hour,
        );
        self.hour_with_sun(date, hour, sun)
    }

    /// As [`SyntheticWeather::hour`], with the sun's position at mid-hour already known.
    pub fn hour_with_sun(&mut self, date: NaiveDate, hour: u32, sun: SunPosition) -> WeatherHour {
        let p = self.params;
        if !self.started {
            self.cloud_latent = gaussian(&mut self.rng);
            self.wind_latent = gaussian(&mut self.rng);
            self.temp_noise = gaussian(&mut self.rng) * p.temp_noise_sd_c;
            self.started = true;
        }
        if self.day != Some(date) {
            let rho = p.cloud_persistence.clamp(0.0, 0.999);
            self.cloud_latent = rho * self.cloud_latent + (1.0 - rho * rho).sqrt() * gaussian(&mut self.rng);
            self.day_index = (p.clear_sky_index_mean + p.clear_sky_index_sd * self.cloud_latent).clamp(0.05, 1.05);
            self.day = Some(date);
        }
        let cos_z = sun.zenith_deg.to_radians().cos();
        let clear_ghi = if cos_z > 0.0 {
            1098.0 * cos_z * (-0.057 / cos_z).exp()
        } else {
            0.0
        };
        let k = (self.day_index + p.hourly_variability * gaussian(&mut self.rng)).clamp(0.0, 1.1);
        let irradiance = decompose(clear_ghi * k, sun);

        let rho_w = p.wind_autocorrelation.clamp(0.0, 0.9999);
        self.wind_latent = rho_w * self.wind_latent + (1.0 - rho_w * rho_w).sqrt() * gaussian(&mut self.rng);
        let u = phi(self.wind_latent).clamp(1e-12, 1.0 - 1e-12);
        let diurnal = 1.0
            + p.wind_diurnal_amplitude
                * (2.0 * std::f64::consts::PI * (hour as f64 + 0.5 - p.wind_peak_hour) / 24.0).cos();
        let wind_ms = p.wind_weibull_c_ms * (-(1.0 - u).ln()).powf(1.0 / p.wind_weibull_k) * diurnal.max(0.0);

        self.temp_noise =
            0.95 * self.temp_noise + (1.0 - 0.95_f64 * 0.95).sqrt() * p.temp_noise_sd_c * gaussian(&mut self.rng);
        // The warmest day is around day 200 in the north and day 17 in the south.
        let warmest = if self.site.latitude >= 0.0 { 200.0 } else { 17.0 };
        let season = (2.0 * std::f64::consts::PI * (date.ordinal() as f64 - warmest) / 365.25).cos();
        let daily = (2.0 * std::f64::consts::PI * (hour as f64 + 0.5 - 15.0) / 24.0).cos();
        let temp_air_c =
            p.temp_mean_c + p.temp_seasonal_amplitude_c * season + p.temp_daily_amplitude_c * daily + self.temp_noise;

        WeatherHour {
            irradiance,
            temp_air_c,
            wind_ms,
            pressure_pa: pressure_at_elevation_pa(self.site.elevation_m),
        }
    }
}
