//! Power usage effectiveness: constant, or rising with outdoor temperature once free cooling
//! (economizers) no longer suffices.

/// Facility power / IT power.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PueModel {
    /// The same all year.
    Constant(f64),
    /// `base` while outdoor air is at or below `free_cooling_below_c`; above it, rising by
    /// `per_degree` per degree C, up to `max`.
    FreeCooling {
        /// PUE with free cooling.
        base: f64,
        /// Outdoor temperature up to which free cooling carries the load, C.
        free_cooling_below_c: f64,
        /// Increase of PUE per degree above that temperature.
        per_degree: f64,
        /// Highest PUE (mechanical cooling at full effort).
        max: f64,
    },
}

impl PueModel {
    /// PUE at outdoor temperature `temp_air_c`.
    pub fn at(&self, temp_air_c: f64) -> f64 {
        match *self {
            PueModel::Constant(p) => p,
            PueModel::FreeCooling {
                base,
                free_cooling_below_c,
                per_degree,
                max,
            } => (base + per_degree * (temp_air_c - free_cooling_below_c).max(0.0)).min(max),
        }
    }

    /// Whether the model needs weather.
    pub fn needs_weather(&self) -> bool {
        matches!(self, PueModel::FreeCooling { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_cooling_holds_base_then_rises_to_max() {
        let m = PueModel::FreeCooling {
            base: 1.1,
            free_cooling_below_c: 18.0,
            per_degree: 0.02,
            max: 1.5,
        };
        assert_eq!(m.at(-5.0), 1.1);
        assert!((m.at(28.0) - 1.3).abs() < 1e-12);
        assert_eq!(m.at(60.0), 1.5);
    }
}
