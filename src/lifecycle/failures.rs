//! Time to failure from a Weibull hazard with minimal repair.
//!
//! A repaired server is "as bad as old": its failures form a non-homogeneous Poisson
//! process with the Weibull cumulative hazard H(a) = (a / eta)^beta in its age a. The
//! next failure after age a0 is at the age a1 with H(a1) = H(a0) + E, E ~ Exp(1), so
//! a1 = eta (H(a0) + E)^(1 / beta). The scale eta comes from an annualized failure rate
//! (AFR) quoted as an average over a reference period of L years: H(L) / L = AFR, so
//! eta = L / (AFR L)^(1 / beta). For beta = 1 that is the exponential law with rate AFR.

/// A Weibull failure law.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeibullHazard {
    /// Shape beta.
    pub shape: f64,
    /// Scale eta, years.
    pub scale_years: f64,
}

impl WeibullHazard {
    /// The law whose mean failure rate over the first `reference_years` of life is `afr`
    /// per year, scaled by `multiplier` (a hazard multiplier: second life).
    pub fn from_afr(afr: f64, shape: f64, reference_years: f64, multiplier: f64) -> Self {
        let rate = (afr * multiplier).max(1e-12);
        let scale_years = reference_years / (rate * reference_years).powf(1.0 / shape);
        Self { shape, scale_years }
    }

    /// Cumulative hazard at age `a` years: expected failures in [0, a].
    pub fn cumulative(&self, age_years: f64) -> f64 {
        (age_years.max(0.0) / self.scale_years).powf(self.shape)
    }

    /// Age of the next failure after age `a0`, given an Exp(1) draw `e`.
    pub fn next_failure_age(&self, age_years: f64, e: f64) -> f64 {
        self.scale_years * (self.cumulative(age_years) + e).powf(1.0 / self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn afr_is_the_mean_rate_over_the_reference_period() {
        let h = WeibullHazard::from_afr(0.08, 1.2, 5.0, 1.0);
        assert!((h.cumulative(5.0) / 5.0 - 0.08).abs() < 1e-12);
        let exp = WeibullHazard::from_afr(0.08, 1.0, 5.0, 1.0);
        assert!((exp.scale_years - 12.5).abs() < 1e-9);
    }

    #[test]
    fn next_failure_inverts_the_cumulative_hazard() {
        let h = WeibullHazard::from_afr(0.08, 1.5, 5.0, 1.3);
        let a1 = h.next_failure_age(2.0, 0.7);
        assert!((h.cumulative(a1) - h.cumulative(2.0) - 0.7).abs() < 1e-12);
    }
}
