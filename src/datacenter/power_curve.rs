//! Server power as a function of utilization: a linear idle-to-peak line, or a
//! SPECpower_ssj2008-style table of 11 points (active idle, 10 %, ..., 100 % load)
//! interpolated linearly between points, as CloudSim and OpenDC do.

/// Power draw of an awake server against its utilization (0..1).
#[derive(Debug, Clone, PartialEq)]
pub enum PowerCurve {
    /// P(u) = idle + u (max - idle).
    Linear {
        /// Watts at 0 % (active idle).
        idle_w: f64,
        /// Watts at 100 %.
        max_w: f64,
    },
    /// Watts at 0, 10, ..., 100 % load.
    SpecPower([f64; 11]),
}

impl PowerCurve {
    /// Checks that the curve is usable: finite, positive, and never falling with load.
    pub fn validate(&self) -> Result<(), String> {
        let points: Vec<f64> = match self {
            PowerCurve::Linear { idle_w, max_w } => vec![*idle_w, *max_w],
            PowerCurve::SpecPower(p) => p.to_vec(),
        };
        if let Some(p) = points.iter().find(|p| !p.is_finite() || **p < 0.0) {
            return Err(format!("power value {p} W is not a finite number >= 0"));
        }
        if points.windows(2).any(|w| w[1] < w[0]) {
            return Err("power must not decrease as load rises".to_owned());
        }
        if points.last().copied().unwrap_or(0.0) <= 0.0 {
            return Err("power at full load must be positive".to_owned());
        }
        Ok(())
    }

    /// Watts at utilization `u` (clamped to 0..1).
    #[inline]
    pub fn power_w(&self, utilization: f64) -> f64 {
        let u = utilization.clamp(0.0, 1.0);
        match self {
            PowerCurve::Linear { idle_w, max_w } => idle_w + u * (max_w - idle_w),
            PowerCurve::SpecPower(p) => {
                let x = u * 10.0;
                let i = (x.floor() as usize).min(9);
                let frac = x - i as f64;
                p[i] + frac * (p[i + 1] - p[i])
            }
        }
    }

    /// Watts at active idle.
    pub fn idle_w(&self) -> f64 {
        self.power_w(0.0)
    }

    /// Watts at full load.
    pub fn max_w(&self) -> f64 {
        self.power_w(1.0)
    }

    /// Watts with k of `cores` cores busy, for k = 0..=cores (a lookup table for the
    /// transaction-level model, where utilization is busy cores / cores).
    pub fn by_busy_cores(&self, cores: u32) -> Vec<f64> {
        (0..=cores)
            .map(|k| self.power_w(k as f64 / cores.max(1) as f64))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_specpower_points() {
        let r740 = PowerCurve::SpecPower([
            49.8, 114.0, 137.0, 159.0, 182.0, 208.0, 240.0, 277.0, 319.0, 376.0, 432.0,
        ]);
        assert_eq!(r740.power_w(0.0), 49.8);
        assert_eq!(r740.power_w(1.0), 432.0);
        assert!((r740.power_w(0.25) - (137.0 + 0.5 * 22.0)).abs() < 1e-9);
        assert!((r740.power_w(0.95) - (376.0 + 0.5 * 56.0)).abs() < 1e-9);
        assert_eq!(r740.power_w(1.7), 432.0, "clamped");
        assert!(r740.validate().is_ok());
    }

    #[test]
    fn linear_curve_and_busy_core_table() {
        let c = PowerCurve::Linear {
            idle_w: 100.0,
            max_w: 300.0,
        };
        assert_eq!(c.by_busy_cores(4), vec![100.0, 150.0, 200.0, 250.0, 300.0]);
    }

    #[test]
    fn rejects_decreasing_or_invalid_curves() {
        let mut p = [1.0; 11];
        p[5] = 0.5;
        assert!(PowerCurve::SpecPower(p).validate().is_err());
        assert!(
            PowerCurve::Linear {
                idle_w: f64::NAN,
                max_w: 1.0
            }
            .validate()
            .is_err()
        );
        assert!(
            PowerCurve::Linear {
                idle_w: 0.0,
                max_w: 0.0
            }
            .validate()
            .is_err()
        );
    }
}
