//! Wind turbines: hub-height wind speed from the measured one (power law or logarithmic
//! profile), air-density correction of the wind speed (IEC 61400-12-1: v (rho / rho0)^(1/3)
//! for pitch-regulated turbines), the power curve (linear between points, zero outside
//! them), availability and wake losses.

/// Standard air density of power curves, kg/m^3.
pub const STANDARD_AIR_DENSITY: f64 = 1.225;
/// Specific gas constant of dry air, J/(kg K).
const R_DRY_AIR: f64 = 287.058;

/// A turbine's power curve at standard air density.
///
/// Power is interpolated linearly between points. A speed listed twice is a step: the
/// second value applies from that speed on (how cut-in and cut-out are written in atlite's
/// curves). Past the last point the last value holds up to `cut_out_ms` (curves that stop
/// before cut-out), then power is 0.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerCurve {
    /// Wind speeds, m/s, non-decreasing.
    pub wind_speed_ms: Vec<f64>,
    /// Power at those speeds, kW.
    pub power_kw: Vec<f64>,
    /// Cut-out speed, m/s, when beyond the last point.
    pub cut_out_ms: Option<f64>,
}

impl PowerCurve {
    /// Checks the curve: equal lengths, at least two points, increasing speeds, power >= 0.
    pub fn validate(&self) -> Result<(), String> {
        if self.wind_speed_ms.len() != self.power_kw.len() {
            return Err(format!(
                "wind_speed_ms has {} values but power_kw has {}",
                self.wind_speed_ms.len(),
                self.power_kw.len()
            ));
        }
        if self.wind_speed_ms.len() < 2 {
            return Err("a power curve needs at least two points".into());
        }
        if self.wind_speed_ms.windows(2).any(|w| w[1] < w[0])
            || self.wind_speed_ms.windows(3).any(|w| w[0] == w[1] && w[1] == w[2])
            || self.wind_speed_ms.iter().any(|v| !v.is_finite() || *v < 0.0)
        {
            return Err(
                "wind speeds must be finite, >= 0 and increasing (a speed may appear twice, for a step)".into(),
            );
        }
        if self.power_kw.iter().any(|p| !p.is_finite() || *p < 0.0) {
            return Err("power values must be finite and >= 0".into());
        }
        Ok(())
    }

    /// Power (kW) at hub-height wind speed `v` (standard density).
    pub fn power_kw(&self, v: f64) -> f64 {
        let s = &self.wind_speed_ms;
        let n = s.len();
        if n == 0 || v < s[0] {
            return 0.0;
        }
        if v >= s[n - 1] {
            let holds = v == s[n - 1] || self.cut_out_ms.is_some_and(|c| v <= c);
            return if holds { self.power_kw[n - 1] } else { 0.0 };
        }
        // First point strictly above v; the point before it is the last at or below v (the
        // later of two equal speeds).
        let i = s.partition_point(|&x| x <= v);
        let (x0, x1) = (s[i - 1], s[i]);
        let (p0, p1) = (self.power_kw[i - 1], self.power_kw[i]);
        p0 + (v - x0) / (x1 - x0) * (p1 - p0)
    }

    /// Largest power of the curve, kW.
    pub fn rated_kw(&self) -> f64 {
        self.power_kw.iter().copied().fold(0.0, f64::max)
    }
}

/// How wind speed grows with height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shear {
    /// v_hub = v_ref (h_hub / h_ref)^alpha.
    PowerLaw {
        /// Exponent (1/7 for open terrain).
        alpha: f64,
    },
    /// v_hub = v_ref ln(h_hub / z0) / ln(h_ref / z0).
    LogLaw {
        /// Surface roughness length, m.
        roughness_m: f64,
    },
}

impl Shear {
    /// Wind speed at `to_m` from a speed measured at `from_m`.
    pub fn extrapolate(&self, v: f64, from_m: f64, to_m: f64) -> f64 {
        match *self {
            Shear::PowerLaw { alpha } => v * (to_m / from_m).powf(alpha),
            Shear::LogLaw { roughness_m } => v * (to_m / roughness_m).ln() / (from_m / roughness_m).ln(),
        }
    }
}

/// A group of identical turbines.
#[derive(Debug, Clone, PartialEq)]
pub struct WindFarmSpec {
    /// Catalog id or "inline".
    pub turbine: String,
    /// Power curve.
    pub curve: PowerCurve,
    /// Number of turbines.
    pub count: u32,
    /// Hub height, m.
    pub hub_height_m: f64,
    /// Height profile.
    pub shear: Shear,
    /// Share of time the turbines can run.
    pub availability: f64,
    /// Energy lost to the turbines' wakes (fraction).
    pub wake_losses: f64,
    /// Correct the wind speed for air density.
    pub density_correction: bool,
}

impl WindFarmSpec {
    /// Farm output (kW) for wind `wind_ms` measured at `measured_height_m`, with air at
    /// `temp_air_c` and `pressure_pa` at the measurement height.
    pub fn power_kw(&self, wind_ms: f64, measured_height_m: f64, temp_air_c: f64, pressure_pa: f64) -> f64 {
        let mut v = self.shear.extrapolate(wind_ms, measured_height_m, self.hub_height_m);
        if self.density_correction {
            // Temperature falls 6.5 K/km and pressure follows the barometric formula.
            let dz = self.hub_height_m - measured_height_m;
            let t_hub = temp_air_c + 273.15 - 0.0065 * dz;
            let p_hub = pressure_pa * (1.0 - 0.0065 * dz / (temp_air_c + 273.15)).powf(5.255);
            let rho = p_hub / (R_DRY_AIR * t_hub);
            v *= (rho / STANDARD_AIR_DENSITY).cbrt();
        }
        self.curve.power_kw(v) * self.count as f64 * self.availability * (1.0 - self.wake_losses)
    }

    /// Nameplate capacity, kW.
    pub fn capacity_kw(&self) -> f64 {
        self.curve.rated_kw() * self.count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve() -> PowerCurve {
        PowerCurve {
            wind_speed_ms: vec![3.0, 5.0, 10.0, 25.0],
            power_kw: vec![0.0, 200.0, 2000.0, 2000.0],
            cut_out_ms: None,
        }
    }

    #[test]
    fn curve_interpolates_and_is_zero_outside() {
        let c = curve();
        assert_eq!(c.power_kw(2.9), 0.0);
        assert_eq!(c.power_kw(4.0), 100.0);
        assert_eq!(c.power_kw(12.0), 2000.0);
        assert_eq!(c.power_kw(25.0), 2000.0);
        assert_eq!(c.power_kw(25.1), 0.0);
        assert!(c.validate().is_ok());
        let bad = PowerCurve {
            wind_speed_ms: vec![3.0, 2.0],
            power_kw: vec![0.0, 1.0],
            cut_out_ms: None,
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn repeated_speeds_are_steps_and_short_curves_hold_to_cut_out() {
        // atlite style: cut-out written as (25, 3000) then (25, 0).
        let c = PowerCurve {
            wind_speed_ms: vec![3.0, 3.0, 12.0, 25.0, 25.0],
            power_kw: vec![0.0, 50.0, 3000.0, 3000.0, 0.0],
            cut_out_ms: None,
        };
        assert!(c.validate().is_ok());
        assert_eq!(c.power_kw(3.0), 50.0);
        assert_eq!(c.power_kw(24.9), 3000.0);
        assert_eq!(c.power_kw(25.0), 0.0);
        // A curve that stops at 18 m/s with cut-out at 25 m/s holds its last value.
        let short = PowerCurve {
            wind_speed_ms: vec![4.0, 18.0],
            power_kw: vec![0.0, 660.0],
            cut_out_ms: Some(25.0),
        };
        assert_eq!(short.power_kw(22.0), 660.0);
        assert_eq!(short.power_kw(25.5), 0.0);
    }

    #[test]
    fn shear_laws() {
        let p = Shear::PowerLaw { alpha: 1.0 / 7.0 };
        assert!((p.extrapolate(5.0, 10.0, 80.0) - 5.0 * 8f64.powf(1.0 / 7.0)).abs() < 1e-12);
        let l = Shear::LogLaw { roughness_m: 0.03 };
        assert!(l.extrapolate(5.0, 10.0, 80.0) > 5.0);
        assert!((l.extrapolate(5.0, 10.0, 10.0) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn standard_air_needs_no_correction() {
        // 15 C and 101,325 Pa give 1.225 kg/m^3 at the measurement height.
        let farm = WindFarmSpec {
            turbine: "t".into(),
            curve: curve(),
            count: 2,
            hub_height_m: 10.0,
            shear: Shear::PowerLaw { alpha: 0.0 },
            availability: 1.0,
            wake_losses: 0.0,
            density_correction: true,
        };
        assert!((farm.power_kw(4.0, 10.0, 15.0, 101_325.0) - 200.0).abs() < 0.5);
        // Cold dense air produces more.
        assert!(farm.power_kw(4.0, 10.0, -20.0, 101_325.0) > 210.0);
    }
}
