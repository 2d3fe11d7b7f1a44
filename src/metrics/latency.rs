//! Latency histogram for transaction fidelity: HdrHistogram in microseconds with three
//! significant digits, so memory is fixed (about 200 kB) whatever the number of
//! transactions, and quantiles are within 0.1 %.

use hdrhistogram::Histogram;

/// Highest latency recorded exactly: about 28 hours. Longer values are clamped.
const HIGHEST_US: u64 = 100_000_000_000;

/// A fixed-size latency histogram.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    hist: Histogram<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        // Bounds are constants that hdrhistogram accepts (low 1 >= 1, high > 2 x low,
        // 3 significant digits <= 5), so construction cannot fail.
        let hist =
            Histogram::new_with_bounds(1, HIGHEST_US, 3).unwrap_or_else(|_| unreachable!("constant bounds are valid"));
        Self { hist }
    }

    /// Records a latency in nanoseconds (rounded up to whole microseconds).
    #[inline]
    pub fn record_ns(&mut self, latency_ns: u64) {
        let us = latency_ns.div_ceil(1_000).clamp(1, HIGHEST_US);
        self.hist.saturating_record(us);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The latency at quantile `q` (0..1), in milliseconds; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / 1_000.0
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        // Both histograms have identical bounds, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_uniform_sample() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=1000u64 {
            h.record_ns(ms * 1_000_000);
        }
        assert_eq!(h.count(), 1000);
        assert!((h.quantile_ms(0.5) - 500.0).abs() <= 0.5);
        assert!((h.quantile_ms(0.99) - 990.0).abs() <= 1.0);
        let mut g = LatencyHistogram::new();
        g.merge(&h);
        assert_eq!(g.count(), 1000);
    }
}
