//! Service demand: how much work one transaction needs, in ssj_ops (SPECpower's unit of
//! server-side Java business operations). A server serves `ssj_ops_at_100 / cores` ssj_ops
//! per second on each core, so the same transaction is faster on a newer, faster core.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Gamma as GammaCdf, LogNormal as LogNormalCdf};

/// The family of a work distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistributionKind {
    /// Exponential (coefficient of variation 1).
    Exponential,
    /// Every transaction needs exactly the mean.
    Deterministic,
    /// Log-normal with the given mean and coefficient of variation.
    Lognormal,
    /// Gamma with the given mean and coefficient of variation.
    Gamma,
}

impl DistributionKind {
    /// All kinds, for messages.
    pub const NAMES: [&'static str; 4] = ["exponential", "deterministic", "lognormal", "gamma"];
}

/// Work per transaction: a distribution with a mean (ssj_ops) and a coefficient of variation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkDistribution {
    kind: DistributionKind,
    mean_ssj_ops: f64,
    cv: f64,
}

impl WorkDistribution {
    /// Builds a distribution; `cv` is ignored for exponential (1) and deterministic (0).
    /// Callers validate that `mean_ssj_ops > 0` and `cv > 0` where it is used.
    pub fn new(kind: DistributionKind, mean_ssj_ops: f64, cv: f64) -> Self {
        let cv = match kind {
            DistributionKind::Exponential => 1.0,
            DistributionKind::Deterministic => 0.0,
            DistributionKind::Lognormal | DistributionKind::Gamma => cv,
        };
        Self { kind, mean_ssj_ops, cv }
    }

    /// The family.
    pub fn kind(&self) -> DistributionKind {
        self.kind
    }

    /// Mean work in ssj_ops.
    pub fn mean_ssj_ops(&self) -> f64 {
        self.mean_ssj_ops
    }

    /// Coefficient of variation (standard deviation / mean).
    pub fn cv(&self) -> f64 {
        self.cv
    }

    /// Squared coefficient of variation, the variability term of queueing formulas.
    pub fn cv2(&self) -> f64 {
        self.cv * self.cv
    }

    /// P(work > x) for x in units of the mean (x = work / mean).
    pub fn survival_relative(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        match self.kind {
            DistributionKind::Exponential => (-x).exp(),
            DistributionKind::Deterministic => {
                if x < 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
            DistributionKind::Lognormal => {
                let (mu, sigma) = lognormal_params(1.0, self.cv);
                LogNormalCdf::new(mu, sigma).map(|d| d.sf(x)).unwrap_or(0.0)
            }
            DistributionKind::Gamma => {
                let (shape, scale) = gamma_params(1.0, self.cv);
                GammaCdf::new(shape, 1.0 / scale).map(|d| d.sf(x)).unwrap_or(0.0)
            }
        }
    }

    /// The `p`-quantile (0 < p < 1) in units of the mean.
    pub fn quantile_relative(&self, p: f64) -> f64 {
        let p = p.clamp(1e-12, 1.0 - 1e-12);
        match self.kind {
            DistributionKind::Exponential => -(1.0 - p).ln(),
            DistributionKind::Deterministic => 1.0,
            DistributionKind::Lognormal => {
                let (mu, sigma) = lognormal_params(1.0, self.cv);
                LogNormalCdf::new(mu, sigma).map(|d| d.inverse_cdf(p)).unwrap_or(1.0)
            }
            DistributionKind::Gamma => {
                let (shape, scale) = gamma_params(1.0, self.cv);
                GammaCdf::new(shape, 1.0 / scale)
                    .map(|d| d.inverse_cdf(p))
                    .unwrap_or(1.0)
            }
        }
    }

    /// A sampler drawing work in ssj_ops.
    pub fn sampler(&self) -> WorkSampler {
        let m = self.mean_ssj_ops;
        match self.kind {
            DistributionKind::Exponential => WorkSampler::Exponential {
                unit: Exp::new(1.0).expect("rate 1 is valid"),
                mean: m,
            },
            DistributionKind::Deterministic => WorkSampler::Constant(m),
            DistributionKind::Lognormal => {
                let (mu, sigma) = lognormal_params(m, self.cv);
                match LogNormal::new(mu, sigma) {
                    Ok(d) => WorkSampler::Lognormal(d),
                    Err(_) => WorkSampler::Constant(m),
                }
            }
            DistributionKind::Gamma => {
                let (shape, scale) = gamma_params(m, self.cv);
                match Gamma::new(shape, scale) {
                    Ok(d) => WorkSampler::Gamma(d),
                    Err(_) => WorkSampler::Constant(m),
                }
            }
        }
    }
}

/// Draws work values (ssj_ops) with rand_distr's samplers (ziggurat for the exponential).
#[derive(Debug, Clone, Copy)]
pub enum WorkSampler {
    /// Exponential, drawn as mean x Exp(1).
    Exponential {
        /// Unit-rate exponential.
        unit: Exp<f64>,
        /// Mean.
        mean: f64,
    },
    /// A fixed value.
    Constant(f64),
    /// Log-normal.
    Lognormal(LogNormal<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
}

impl WorkSampler {
    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            WorkSampler::Exponential { unit, mean } => mean * unit.sample(rng),
            WorkSampler::Constant(v) => *v,
            WorkSampler::Lognormal(d) => d.sample(rng),
            WorkSampler::Gamma(d) => d.sample(rng),
        }
    }
}

/// (mu, sigma) of the underlying normal of a log-normal with this mean and cv.
fn lognormal_params(mean: f64, cv: f64) -> (f64, f64) {
    let sigma2 = (1.0 + cv * cv).ln();
    (mean.ln() - 0.5 * sigma2, sigma2.sqrt())
}

/// (shape, scale) of a gamma with this mean and cv.
fn gamma_params(mean: f64, cv: f64) -> (f64, f64) {
    let shape = 1.0 / (cv * cv);
    (shape, mean / shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn moments(d: &WorkDistribution, n: usize) -> (f64, f64) {
        let sampler = d.sampler();
        let mut rng = RngStreams::new(1, 0).stream("test");
        let xs: Vec<f64> = (0..n).map(|_| sampler.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        (mean, var.sqrt() / mean)
    }

    #[test]
    fn samplers_have_the_requested_mean_and_cv() {
        for (kind, cv) in [
            (DistributionKind::Exponential, 1.0),
            (DistributionKind::Lognormal, 0.8),
            (DistributionKind::Gamma, 0.5),
            (DistributionKind::Deterministic, 0.0),
        ] {
            let d = WorkDistribution::new(kind, 400.0, cv);
            let (mean, sample_cv) = moments(&d, 400_000);
            assert!((mean / 400.0 - 1.0).abs() < 0.01, "{kind:?} mean {mean}");
            assert!((sample_cv - d.cv()).abs() < 0.02, "{kind:?} cv {sample_cv}");
        }
    }

    #[test]
    fn survival_functions_match_their_definitions() {
        let e = WorkDistribution::new(DistributionKind::Exponential, 10.0, 1.0);
        assert!((e.survival_relative(2.0) - (-2.0f64).exp()).abs() < 1e-15);
        let d = WorkDistribution::new(DistributionKind::Deterministic, 10.0, 0.0);
        assert_eq!(d.survival_relative(0.999), 1.0);
        assert_eq!(d.survival_relative(1.0), 0.0);
        // Gamma with cv 1 is the exponential.
        let g = WorkDistribution::new(DistributionKind::Gamma, 10.0, 1.0);
        assert!((g.survival_relative(1.7) - (-1.7f64).exp()).abs() < 1e-12);
        // Log-normal median is exp(mu) < mean: survival at the median is 1/2.
        let l = WorkDistribution::new(DistributionKind::Lognormal, 1.0, 1.5);
        let (mu, _) = lognormal_params(1.0, 1.5);
        assert!((l.survival_relative(mu.exp()) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn quantiles_invert_survival() {
        for (kind, cv) in [
            (DistributionKind::Exponential, 1.0),
            (DistributionKind::Lognormal, 0.8),
            (DistributionKind::Gamma, 0.5),
        ] {
            let d = WorkDistribution::new(kind, 1.0, cv);
            for p in [0.01, 0.5, 0.9, 0.999] {
                let x = d.quantile_relative(p);
                assert!((1.0 - d.survival_relative(x) - p).abs() < 1e-6, "{kind:?} p={p}");
            }
        }
    }
}
