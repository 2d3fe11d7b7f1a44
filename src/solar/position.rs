//! The sun's position for a place and a UTC instant: the NOAA solar calculator algorithm
//! (after Meeus, "Astronomical Algorithms"), accurate to about 0.01 degrees between 1800 and
//! 2100, which is far below what matters for hourly energy.

/// Where the sun is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunPosition {
    /// Angle from the zenith, degrees (> 90 below the horizon); no refraction correction.
    pub zenith_deg: f64,
    /// Azimuth, degrees clockwise from north.
    pub azimuth_deg: f64,
    /// Day of year (1..=366) of the instant, for extra-terrestrial irradiance.
    pub day_of_year: u32,
}

/// Julian day of a UTC instant given as days since 2000-01-01 12:00 UTC (J2000.0).
fn centuries_since_j2000(days_since_j2000: f64) -> f64 {
    days_since_j2000 / 36_525.0
}

/// The sun's position at `latitude_deg`, `longitude_deg` (east positive) for the UTC instant
/// `days_since_j2000` (days since 2000-01-01 12:00 UTC) with day of year `day_of_year`.
pub fn sun_position(latitude_deg: f64, longitude_deg: f64, days_since_j2000: f64, day_of_year: u32) -> SunPosition {
    let jc = centuries_since_j2000(days_since_j2000);
    let l0 = (280.466_46 + jc * (36_000.769_83 + jc * 0.000_303_2)).rem_euclid(360.0);
    let m = 357.529_11 + jc * (35_999.050_29 - 0.000_153_7 * jc);
    let e = 0.016_708_634 - jc * (0.000_042_037 + 0.000_000_126_7 * jc);
    let m_rad = m.to_radians();
    let center = m_rad.sin() * (1.914_602 - jc * (0.004_817 + 0.000_014 * jc))
        + (2.0 * m_rad).sin() * (0.019_993 - 0.000_101 * jc)
        + (3.0 * m_rad).sin() * 0.000_289;
    let true_long = l0 + center;
    let omega = (125.04 - 1_934.136 * jc).to_radians();
    let app_long = true_long - 0.005_69 - 0.004_78 * omega.sin();
    let mean_obliq = 23.0 + (26.0 + (21.448 - jc * (46.815 + jc * (0.000_59 - jc * 0.001_813))) / 60.0) / 60.0;
    let obliq = (mean_obliq + 0.002_56 * omega.cos()).to_radians();
    let declination = (obliq.sin() * app_long.to_radians().sin()).asin();
    let y = (obliq / 2.0).tan().powi(2);
    let l0_rad = l0.to_radians();
    let eq_time_min = 4.0
        * (y * (2.0 * l0_rad).sin() - 2.0 * e * m_rad.sin() + 4.0 * e * y * m_rad.sin() * (2.0 * l0_rad).cos()
            - 0.5 * y * y * (4.0 * l0_rad).sin()
            - 1.25 * e * e * (2.0 * m_rad).sin())
        .to_degrees();
    // Minutes since UTC midnight of this instant (J2000.0 is at noon).
    let minutes_utc = ((days_since_j2000 + 0.5).rem_euclid(1.0)) * 1_440.0;
    let true_solar_min = (minutes_utc + eq_time_min + 4.0 * longitude_deg).rem_euclid(1_440.0);
    let hour_angle = if true_solar_min / 4.0 < 0.0 {
        true_solar_min / 4.0 + 180.0
    } else {
        true_solar_min / 4.0 - 180.0
    };
    let lat = latitude_deg.to_radians();
    let ha = hour_angle.to_radians();
    let cos_zenith = (lat.sin() * declination.sin() + lat.cos() * declination.cos() * ha.cos()).clamp(-1.0, 1.0);
    let zenith = cos_zenith.acos();
    let denom = lat.cos() * zenith.sin();
    let azimuth_deg = if denom.abs() < 1e-12 {
        if latitude_deg > 0.0 { 180.0 } else { 0.0 }
    } else {
        let cos_az = ((lat.sin() * cos_zenith - declination.sin()) / denom).clamp(-1.0, 1.0);
        let a = cos_az.acos().to_degrees();
        if hour_angle > 0.0 {
            (a + 180.0).rem_euclid(360.0)
        } else {
            (540.0 - a).rem_euclid(360.0)
        }
    };
    SunPosition {
        zenith_deg: zenith.to_degrees(),
        azimuth_deg,
        day_of_year,
    }
}

/// The slowly varying part of the sun's position for one UTC day: declination and equation
/// of time at noon UTC. Within a day the declination changes by less than 0.4 degrees and
/// the equation of time by less than 0.5 minutes, so hourly positions from this table stay
/// within about 0.2 degrees of the full algorithm (tested), far below what matters for
/// hourly energy, at a fraction of the cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunDay {
    /// Declination, radians.
    pub declination: f64,
    /// Equation of time, minutes.
    pub eq_time_min: f64,
}

impl SunDay {
    /// The table entry for the UTC day containing `days_since_j2000` (days since 2000-01-01
    /// 12:00 UTC).
    pub fn at(days_since_j2000: f64) -> Self {
        let noon = (days_since_j2000 + 0.5).floor();
        let jc = centuries_since_j2000(noon);
        let l0 = (280.466_46 + jc * (36_000.769_83 + jc * 0.000_303_2)).rem_euclid(360.0);
        let m = 357.529_11 + jc * (35_999.050_29 - 0.000_153_7 * jc);
        let e = 0.016_708_634 - jc * (0.000_042_037 + 0.000_000_126_7 * jc);
        let m_rad = m.to_radians();
        let center = m_rad.sin() * (1.914_602 - jc * (0.004_817 + 0.000_014 * jc))
            + (2.0 * m_rad).sin() * (0.019_993 - 0.000_101 * jc)
            + (3.0 * m_rad).sin() * 0.000_289;
        let omega = (125.04 - 1_934.136 * jc).to_radians();
        let app_long = l0 + center - 0.005_69 - 0.004_78 * omega.sin();
        let mean_obliq = 23.0 + (26.0 + (21.448 - jc * (46.815 + jc * (0.000_59 - jc * 0.001_813))) / 60.0) / 60.0;
        let obliq = (mean_obliq + 0.002_56 * omega.cos()).to_radians();
        let y = (obliq / 2.0).tan().powi(2);
        let l0_rad = l0.to_radians();
        Self {
            declination: (obliq.sin() * app_long.to_radians().sin()).asin(),
            eq_time_min: 4.0
                * (y * (2.0 * l0_rad).sin() - 2.0 * e * m_rad.sin() + 4.0 * e * y * m_rad.sin() * (2.0 * l0_rad).cos()
                    - 0.5 * y * y * (4.0 * l0_rad).sin()
                    - 1.25 * e * e * (2.0 * m_rad).sin())
                .to_degrees(),
        }
    }

    /// The sun at `days_since_j2000` (within this UTC day) for a site.
    pub fn position(
        &self,
        latitude_deg: f64,
        longitude_deg: f64,
        days_since_j2000: f64,
        day_of_year: u32,
    ) -> SunPosition {
        let minutes_utc = ((days_since_j2000 + 0.5).rem_euclid(1.0)) * 1_440.0;
        let true_solar_min = (minutes_utc + self.eq_time_min + 4.0 * longitude_deg).rem_euclid(1_440.0);
        let hour_angle = true_solar_min / 4.0 - 180.0;
        let (lat, dec, ha) = (latitude_deg.to_radians(), self.declination, hour_angle.to_radians());
        let cos_zenith = (lat.sin() * dec.sin() + lat.cos() * dec.cos() * ha.cos()).clamp(-1.0, 1.0);
        let zenith = cos_zenith.acos();
        let denom = lat.cos() * zenith.sin();
        let azimuth_deg = if denom.abs() < 1e-12 {
            if latitude_deg > 0.0 { 180.0 } else { 0.0 }
        } else {
            let a = ((lat.sin() * cos_zenith - dec.sin()) / denom)
                .clamp(-1.0, 1.0)
                .acos()
                .to_degrees();
            if hour_angle > 0.0 {
                (a + 180.0).rem_euclid(360.0)
            } else {
                (540.0 - a).rem_euclid(360.0)
            }
        };
        SunPosition {
            zenith_deg: zenith.to_degrees(),
            azimuth_deg,
            day_of_year,
        }
    }
}

/// Days since J2000.0 (2000-01-01 12:00 UTC) of the middle of local-standard-time hour
/// `hour` of `date` at a site `utc_offset_hours` ahead of UTC.
pub fn days_since_j2000(date: chrono::NaiveDate, hour: u32, utc_offset_hours: f64) -> f64 {
    let j2000 = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    (date - j2000).num_days() as f64 + (hour as f64 + 0.5 - utc_offset_hours) / 24.0 - 0.5
}

/// Extra-terrestrial normal irradiance (W/m^2) on `day_of_year`, Spencer (1971), with a
/// solar constant of 1366.1 W/m^2 (pvlib's default method).
pub fn extraterrestrial_normal_w_m2(day_of_year: u32) -> f64 {
    let b = 2.0 * std::f64::consts::PI * (day_of_year as f64 - 1.0) / 365.0;
    let ratio =
        1.000_11 + 0.034_221 * b.cos() + 0.001_28 * b.sin() + 0.000_719 * (2.0 * b).cos() + 0.000_077 * (2.0 * b).sin();
    1_366.1 * ratio
}

/// The sun at the middle of local-standard-time hour `hour` (0..24, the hour starting at
/// `hour`:00) of `date`, for a site `utc_offset_hours` ahead of UTC.
pub fn sun_at_local_hour(
    latitude_deg: f64,
    longitude_deg: f64,
    utc_offset_hours: f64,
    date: chrono::NaiveDate,
    hour: u32,
) -> SunPosition {
    use chrono::Datelike;
    let j2000 = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let days = (date - j2000).num_days() as f64 + (hour as f64 + 0.5 - utc_offset_hours) / 24.0 - 0.5;
    sun_position(latitude_deg, longitude_deg, days, date.ordinal())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days since J2000.0 of a UTC date-time (proleptic Gregorian).
    fn days(year: i32, month: u32, day: u32, hour_utc: f64) -> f64 {
        let date = chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap();
        let j2000 = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        (date - j2000).num_days() as f64 + hour_utc / 24.0 - 0.5
    }

    #[test]
    fn matches_nrel_spa_within_a_hundredth_of_a_degree() {
        // Reference: pvlib 0.16.1 `solarposition.get_solarposition` (NREL SPA), true zenith.
        let cases = [
            ((2010, 6, 21, 18.0), 40.0, -105.0, 172, 21.0785, 137.1653),
            ((2021, 3, 20, 12.0), 0.0, 0.0, 79, 1.8528, 88.7879),
            ((2021, 12, 21, 0.0), 50.0, 8.0, 355, 152.6141, 17.1950),
            ((1990, 7, 1, 17.5), 36.1, -79.95, 182, 13.0803, 186.4879),
        ];
        for ((y, m, d, h), lat, lon, doy, zenith, azimuth) in cases {
            let p = sun_position(lat, lon, days(y, m, d, h), doy);
            assert!((p.zenith_deg - zenith).abs() < 0.02, "{p:?} vs {zenith}");
            // Azimuth is ill-conditioned near the zenith; compare it where the sun is lower.
            if zenith > 5.0 {
                assert!((p.azimuth_deg - azimuth).abs() < 0.05, "{p:?} vs {azimuth}");
            }
        }
    }

    #[test]
    fn daily_table_stays_close_to_the_full_algorithm() {
        let mut worst: f64 = 0.0;
        for day in 0..730 {
            let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day);
            for hour in 0..24 {
                for (lat, lon, tz) in [(36.1, -79.95, -5.0), (55.3, -160.5, -9.0), (-33.9, 151.2, 10.0)] {
                    let d = days_since_j2000(date, hour, tz);
                    let full = sun_position(lat, lon, d, 1);
                    let fast = SunDay::at(d).position(lat, lon, d, 1);
                    worst = worst.max((full.zenith_deg - fast.zenith_deg).abs());
                    if full.zenith_deg < 85.0 {
                        assert!(
                            (full.azimuth_deg - fast.azimuth_deg).abs() < 0.5
                                || (full.azimuth_deg - fast.azimuth_deg).abs() > 359.5
                        );
                    }
                }
            }
        }
        assert!(worst < 0.25, "worst zenith difference {worst} deg");
    }

    #[test]
    fn extraterrestrial_irradiance_peaks_in_january() {
        assert!(extraterrestrial_normal_w_m2(3) > 1_400.0);
        assert!(extraterrestrial_normal_w_m2(185) < 1_330.0);
    }
}
