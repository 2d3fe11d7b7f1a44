//! Simulated time: an integer count of nanoseconds since the scenario start.
//!
//! Time is never a float inside the engine, so event ordering is exact and identical on
//! every machine. Models convert to seconds or hours only to compute rates and energies.

/// Nanoseconds in one microsecond.
pub const NS_PER_US: u64 = 1_000;
/// Nanoseconds in one millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds in one second.
pub const NS_PER_S: u64 = 1_000_000_000;
/// Nanoseconds in one minute.
pub const NS_PER_MIN: u64 = 60 * NS_PER_S;
/// Nanoseconds in one hour.
pub const NS_PER_HOUR: u64 = 60 * NS_PER_MIN;
/// Nanoseconds in one day.
pub const NS_PER_DAY: u64 = 24 * NS_PER_HOUR;
/// Nanoseconds in one simulated year: 365 days (8,760 hours), the length of a typical
/// meteorological year, so yearly weather and profiles repeat on whole hours.
pub const NS_PER_YEAR: u64 = 365 * NS_PER_DAY;

/// Converts a simulated time or duration to seconds.
#[inline]
pub fn ns_to_s(ns: u64) -> f64 {
    ns as f64 / NS_PER_S as f64
}

/// Converts a simulated time or duration to hours.
#[inline]
pub fn ns_to_h(ns: u64) -> f64 {
    ns as f64 / NS_PER_HOUR as f64
}

/// Converts seconds to nanoseconds, rounding to the nearest nanosecond and saturating at
/// the ends of the `u64` range (negative and NaN inputs give 0).
#[inline]
pub fn s_to_ns(seconds: f64) -> u64 {
    let ns = (seconds * NS_PER_S as f64).round();
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        ns as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_is_8760_hours() {
        assert_eq!(NS_PER_YEAR / NS_PER_HOUR, 8_760);
    }

    #[test]
    fn second_conversions_round_trip() {
        assert_eq!(s_to_ns(1.5), 1_500_000_000);
        assert_eq!(s_to_ns(-3.0), 0);
        assert_eq!(s_to_ns(f64::NAN), 0);
        assert_eq!(s_to_ns(1e30), u64::MAX);
        assert!((ns_to_s(2_500_000_000) - 2.5).abs() < 1e-12);
        assert!((ns_to_h(NS_PER_DAY) - 24.0).abs() < 1e-12);
    }
}
