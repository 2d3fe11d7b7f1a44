//! Arrival-rate shapes: a 7 x 24 week (weekday x local hour) and 12 monthly factors, each
//! normalized to mean 1 so that a workload's `mean_tps` is its long-run mean rate.

use ndarray::Array2;
use thiserror::Error;

/// A shape that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum ShapeError {
    /// Wrong number of values in a profile list.
    #[error("`{part}` needs {expected} values, found {found}")]
    WrongLength {
        /// Which list.
        part: &'static str,
        /// Required count.
        expected: usize,
        /// Count found.
        found: usize,
    },
    /// A negative, NaN or infinite value.
    #[error("`{part}` value {index} is {value}; profile values must be finite and >= 0")]
    BadValue {
        /// Which list.
        part: &'static str,
        /// 0-based position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// All values zero.
    #[error("`{part}` is all zeros; at least one value must be positive")]
    AllZero {
        /// Which list.
        part: &'static str,
    },
}

/// Relative arrival rate by weekday, local hour and month; mean 1 over a week and a year.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Rows: Monday..Sunday; columns: local hours 0..23. Mean 1.
    weekly: Array2<f64>,
    /// January..December. Mean 1.
    monthly: [f64; 12],
}

impl Shape {
    /// A constant rate.
    pub fn flat() -> Self {
        Self {
            weekly: Array2::ones((7, 24)),
            monthly: [1.0; 12],
        }
    }

    /// Builds the week as the outer product of an hour-of-day and a day-of-week profile.
    pub fn from_daily_hourly(hourly: &[f64], daily: &[f64], monthly: &[f64]) -> Result<Self, ShapeError> {
        let hourly = normalized("hourly", hourly, 24)?;
        let daily = normalized("daily", daily, 7)?;
        let weekly = Array2::from_shape_fn((7, 24), |(d, h)| daily[d] * hourly[h]);
        Self::from_weekly_matrix(weekly, monthly)
    }

    /// Builds the week from 168 values (Monday 00h first, hour-major within each day).
    pub fn from_weekly(weekly: &[f64], monthly: &[f64]) -> Result<Self, ShapeError> {
        let values = normalized("weekly", weekly, 168)?;
        let weekly = Array2::from_shape_vec((7, 24), values).map_err(|_| ShapeError::WrongLength {
            part: "weekly",
            expected: 168,
            found: weekly.len(),
        })?;
        Self::from_weekly_matrix(weekly, monthly)
    }

    fn from_weekly_matrix(weekly: Array2<f64>, monthly: &[f64]) -> Result<Self, ShapeError> {
        let monthly_values = normalized("monthly", monthly, 12)?;
        let mut months = [0.0; 12];
        months.copy_from_slice(&monthly_values);
        Ok(Self {
            weekly,
            monthly: months,
        })
    }

    /// Relative rate at `weekday` (0 = Monday), local `hour` and `month` (0 = January).
    #[inline]
    pub fn factor(&self, weekday: u8, hour: usize, month: u8) -> f64 {
        self.weekly[[weekday as usize, hour]] * self.monthly[month as usize]
    }

    /// Largest factor of the shape (peak hour of the peak day in the peak month).
    pub fn peak_factor(&self) -> f64 {
        let week_max = self.weekly.iter().copied().fold(0.0, f64::max);
        let month_max = self.monthly.iter().copied().fold(0.0, f64::max);
        week_max * month_max
    }

    /// The weekly matrix (7 x 24), mean 1.
    pub fn weekly(&self) -> &Array2<f64> {
        &self.weekly
    }

    /// The monthly factors, mean 1.
    pub fn monthly(&self) -> &[f64; 12] {
        &self.monthly
    }
}

/// Checks length and values and scales to mean 1.
fn normalized(part: &'static str, values: &[f64], expected: usize) -> Result<Vec<f64>, ShapeError> {
    if values.len() != expected {
        return Err(ShapeError::WrongLength {
            part,
            expected,
            found: values.len(),
        });
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite() || **v < 0.0) {
        return Err(ShapeError::BadValue { part, index, value });
    }
    let mean = values.iter().sum::<f64>() / expected as f64;
    if mean <= 0.0 {
        return Err(ShapeError::AllZero { part });
    }
    Ok(values.iter().map(|v| v / mean).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_product_shape_has_mean_one() {
        let hourly: Vec<f64> = (0..24).map(|h| 1.0 + h as f64).collect();
        let daily = [1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 0.5];
        let monthly = [1.0; 12];
        let s = Shape::from_daily_hourly(&hourly, &daily, &monthly).unwrap();
        let mean = s.weekly().mean().unwrap();
        assert!((mean - 1.0).abs() < 1e-12);
        // Saturday 23h is the peak: (3/1.357) * (24/12.5).
        let expected_peak = (3.0 / (9.5 / 7.0)) * (24.0 / 12.5);
        assert!((s.peak_factor() - expected_peak).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_profiles() {
        assert_eq!(
            Shape::from_daily_hourly(&[1.0; 23], &[1.0; 7], &[1.0; 12]),
            Err(ShapeError::WrongLength {
                part: "hourly",
                expected: 24,
                found: 23
            })
        );
        let mut hourly = [1.0; 24];
        hourly[3] = f64::NAN;
        assert!(matches!(
            Shape::from_daily_hourly(&hourly, &[1.0; 7], &[1.0; 12]),
            Err(ShapeError::BadValue { index: 3, .. })
        ));
        assert_eq!(
            Shape::from_daily_hourly(&[1.0; 24], &[0.0; 7], &[1.0; 12]),
            Err(ShapeError::AllZero { part: "daily" })
        );
    }
}
