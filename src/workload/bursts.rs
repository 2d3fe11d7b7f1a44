//! Bursts: windows of time in which the arrival rate is multiplied (a holiday peak of 4x for
//! 6 hours, a flash sale, a random outage-recovery surge). Overlapping bursts multiply.
//! Each burst may be limited to some transaction classes.

use rand::Rng;
use rand_distr::{Distribution, Exp, Uniform};

use crate::engine::time::NS_PER_YEAR;

/// Bit set of transaction classes (class i is bit i; at most 64 classes).
pub type ClassMask = u64;

/// Mask selecting every class.
pub const ALL_CLASSES: ClassMask = u64::MAX;

/// One burst window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurstWindow {
    /// Start (inclusive), ns.
    pub start_ns: u64,
    /// End (exclusive), ns.
    pub end_ns: u64,
    /// Rate multiplier (> 0).
    pub multiplier: f64,
    /// Classes affected.
    pub classes: ClassMask,
}

/// Random bursts: a Poisson process of burst starts with a fixed duration and a multiplier
/// drawn uniformly in a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomBursts {
    /// Mean number of bursts per year.
    pub per_year: f64,
    /// Length of each burst, ns.
    pub duration_ns: u64,
    /// Smallest multiplier.
    pub multiplier_min: f64,
    /// Largest multiplier.
    pub multiplier_max: f64,
    /// Classes affected.
    pub classes: ClassMask,
}

impl RandomBursts {
    /// Draws this run's bursts over `[0, horizon_ns)`.
    pub fn draw<R: Rng + ?Sized>(&self, horizon_ns: u64, rng: &mut R) -> Vec<BurstWindow> {
        let mut windows = Vec::new();
        if self.per_year <= 0.0 {
            return windows;
        }
        let Ok(gap) = Exp::new(self.per_year / NS_PER_YEAR as f64) else {
            return windows;
        };
        let multiplier = Uniform::new_inclusive(self.multiplier_min, self.multiplier_max).ok();
        let mut t = 0.0;
        loop {
            t += gap.sample(rng);
            if t >= horizon_ns as f64 {
                break;
            }
            let start_ns = t as u64;
            let m = multiplier.map(|u| u.sample(rng)).unwrap_or(self.multiplier_min);
            windows.push(BurstWindow {
                start_ns,
                end_ns: start_ns.saturating_add(self.duration_ns),
                multiplier: m,
                classes: self.classes,
            });
        }
        windows
    }
}

/// The combined multiplier of all bursts, as a step function of time for each class.
#[derive(Debug, Clone, Default)]
pub struct BurstSchedule {
    /// Per class: breakpoints (time, multiplier from that time on), starting at 0.
    per_class: Vec<Vec<(u64, f64)>>,
}

impl BurstSchedule {
    /// Combines `windows` for `class_count` classes.
    pub fn new(windows: &[BurstWindow], class_count: usize) -> Self {
        let mut per_class = Vec::with_capacity(class_count);
        for class in 0..class_count {
            let bit = 1u64 << class.min(63);
            let mine: Vec<&BurstWindow> = windows.iter().filter(|w| w.classes & bit != 0).collect();
            let mut edges: Vec<u64> = mine.iter().flat_map(|w| [w.start_ns, w.end_ns]).collect();
            edges.push(0);
            edges.sort_unstable();
            edges.dedup();
            let steps: Vec<(u64, f64)> = edges
                .iter()
                .map(|&t| {
                    let m = mine
                        .iter()
                        .filter(|w| w.start_ns <= t && t < w.end_ns)
                        .map(|w| w.multiplier)
                        .product();
                    (t, m)
                })
                .collect();
            per_class.push(steps);
        }
        Self { per_class }
    }

    /// Multiplier for `class` at `t_ns` and the time it next changes (u64::MAX if never).
    #[inline]
    pub fn at(&self, class: usize, t_ns: u64) -> (f64, u64) {
        let Some(steps) = self.per_class.get(class) else {
            return (1.0, u64::MAX);
        };
        let idx = steps.partition_point(|&(t, _)| t <= t_ns);
        if idx == 0 {
            return (1.0, steps.first().map(|s| s.0).unwrap_or(u64::MAX));
        }
        let next = steps.get(idx).map(|s| s.0).unwrap_or(u64::MAX);
        (steps[idx - 1].1, next)
    }

    /// The largest multiplier any class sees (for sizing).
    pub fn peak_multiplier(&self) -> f64 {
        self.per_class
            .iter()
            .flat_map(|s| s.iter().map(|&(_, m)| m))
            .fold(1.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn overlapping_bursts_multiply_and_respect_classes() {
        let windows = [
            BurstWindow {
                start_ns: 10,
                end_ns: 30,
                multiplier: 2.0,
                classes: ALL_CLASSES,
            },
            BurstWindow {
                start_ns: 20,
                end_ns: 40,
                multiplier: 3.0,
                classes: 0b10,
            },
        ];
        let s = BurstSchedule::new(&windows, 2);
        assert_eq!(s.at(0, 5), (1.0, 10));
        assert_eq!(s.at(0, 25), (2.0, 30));
        assert_eq!(s.at(1, 25), (6.0, 30));
        assert_eq!(s.at(1, 35), (3.0, 40));
        assert_eq!(s.at(1, 40), (1.0, u64::MAX));
        assert_eq!(s.peak_multiplier(), 6.0);
    }

    #[test]
    fn random_bursts_arrive_at_their_rate() {
        let rb = RandomBursts {
            per_year: 12.0,
            duration_ns: 1,
            multiplier_min: 1.5,
            multiplier_max: 2.5,
            classes: ALL_CLASSES,
        };
        let mut rng = RngStreams::new(3, 0).stream("bursts");
        let n = rb.draw(500 * NS_PER_YEAR, &mut rng);
        // 6,000 expected; Poisson sd about 77.
        assert!((n.len() as f64 - 6_000.0).abs() < 300.0, "{}", n.len());
        assert!(n.iter().all(|w| (1.5..=2.5).contains(&w.multiplier)));
    }
}
