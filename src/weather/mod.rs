//! Weather: a year of hourly irradiance, temperature and wind read from a real file (NREL
//! TMY3, EnergyPlus EPW, or a plain CSV), or generated for any latitude.

pub mod decomposition;
pub mod readers;
pub mod synthetic;
pub mod year;

use std::sync::Arc;

pub use readers::{WeatherError, pressure_at_elevation_pa, read_epw, read_plain_csv, read_tmy3};
pub use synthetic::{SyntheticParams, SyntheticWeather};
pub use year::{WeatherHour, WeatherSite, WeatherYear, day_index};

/// Where a run's weather comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum WeatherSpec {
    /// A year from a file, repeated every simulated year.
    File(Arc<WeatherYear>),
    /// Generated hour by hour from the `weather` random stream.
    Synthetic {
        /// Generator parameters.
        params: SyntheticParams,
        /// The site.
        site: WeatherSite,
    },
}

impl WeatherSpec {
    /// The site the weather belongs to.
    pub fn site(&self) -> &WeatherSite {
        match self {
            WeatherSpec::File(y) => &y.site,
            WeatherSpec::Synthetic { site, .. } => site,
        }
    }
}
