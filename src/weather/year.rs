//! A year of hourly weather (a typical meteorological year or one measured year), looked up
//! by calendar date and hour so that it repeats every simulated year.

use crate::solar::Irradiance;

/// One hour of weather. Values are averages over the hour that starts at the row's hour.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeatherHour {
    /// Global, direct normal and diffuse irradiance, W/m^2.
    pub irradiance: Irradiance,
    /// Air temperature, C.
    pub temp_air_c: f64,
    /// Wind speed at the file's measurement height, m/s.
    pub wind_ms: f64,
    /// Air pressure, Pa.
    pub pressure_pa: f64,
}

/// Where a weather file says it was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSite {
    /// Station name.
    pub name: String,
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Local standard time offset from UTC, hours.
    pub utc_offset_hours: f64,
    /// Elevation, m.
    pub elevation_m: f64,
}

/// A year of hourly weather: 8,760 rows (or 8,784 for a leap year), the first at
/// January 1, 00:00-01:00 local standard time.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherYear {
    /// Station metadata.
    pub site: WeatherSite,
    /// The hours.
    pub hours: Vec<WeatherHour>,
    /// Height of the wind measurement, m (10 m for TMY3 and EPW).
    pub wind_height_m: f64,
    /// Where the data come from.
    pub source: String,
}

/// Day index (0-based) of `month0`/`day` in a year, mapping February 29 to February 28 in
/// a non-leap table.
pub fn day_index(month0: u32, day: u32, leap: bool) -> usize {
    const CUMULATIVE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let m = month0.min(11) as usize;
    let mut idx = CUMULATIVE[m] + day.max(1) - 1;
    if leap && m >= 2 {
        idx += 1;
    }
    if !leap && m == 1 && day == 29 {
        idx -= 1;
    }
    idx as usize
}

impl WeatherYear {
    /// Whether the table has a February 29.
    pub fn is_leap(&self) -> bool {
        self.hours.len() == 8_784
    }

    /// The row for local-standard-time hour `hour` (0..24) of `month0`/`day`.
    pub fn at(&self, month0: u32, day: u32, hour: u32) -> &WeatherHour {
        let idx = day_index(month0, day, self.is_leap()) * 24 + hour.min(23) as usize;
        &self.hours[idx.min(self.hours.len() - 1)]
    }

    /// Annual global horizontal irradiation, kWh/m^2.
    pub fn annual_ghi_kwh_m2(&self) -> f64 {
        self.hours.iter().map(|h| h.irradiance.ghi).sum::<f64>() / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_indices() {
        assert_eq!(day_index(0, 1, false), 0);
        assert_eq!(day_index(1, 28, false), 58);
        assert_eq!(day_index(1, 29, false), 58, "Feb 29 uses Feb 28 in a 365-day table");
        assert_eq!(day_index(2, 1, false), 59);
        assert_eq!(day_index(2, 1, true), 60);
        assert_eq!(day_index(11, 31, false), 364);
        assert_eq!(day_index(11, 31, true), 365);
    }
}
