//! Human durations: `"15m"`, `"36h"`, `"2d"`, `"5y"`, `"1h30m"`, `"0.5s"`, `"250ms"`.
//!
//! Units: `ns`, `us`, `ms`, `s`, `m` (or `min`), `h`, `d`, `w`, `y`. A year is 365 days
//! (8,760 hours), the length of a typical meteorological year, so it differs from
//! `humantime`'s 365.25-day year; that is why this small parser exists. Months are not
//! accepted: their length is ambiguous.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::time::{NS_PER_DAY, NS_PER_HOUR, NS_PER_MIN, NS_PER_MS, NS_PER_S, NS_PER_US, NS_PER_YEAR};

/// A duration in nanoseconds, written in scenario files with units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub u64);

impl HumanDuration {
    /// Nanoseconds.
    pub fn ns(self) -> u64 {
        self.0
    }
}

const UNITS: [(&str, u64); 11] = [
    ("ns", 1),
    ("us", NS_PER_US),
    ("ms", NS_PER_MS),
    ("s", NS_PER_S),
    ("min", NS_PER_MIN),
    ("m", NS_PER_MIN),
    ("h", NS_PER_HOUR),
    ("d", NS_PER_DAY),
    ("w", 7 * NS_PER_DAY),
    ("y", NS_PER_YEAR),
    ("µs", NS_PER_US),
];

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |why: &str| {
            DurationError(format!(
                "invalid duration {text:?}: {why}; fix: write a number and a unit, e.g. \"15m\", \"36h\", \"2d\", \"5y\" or \"1h30m\" (units: ns, us, ms, s, m, h, d, w, y)"
            ))
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(fail("it is empty"));
        }
        let mut total: u128 = 0;
        let mut rest = s;
        while !rest.is_empty() {
            rest = rest.trim_start();
            let number_len = rest
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            if number_len == 0 {
                return Err(fail("expected a number"));
            }
            let number: f64 = rest[..number_len]
                .parse()
                .map_err(|_| fail("the number is malformed"))?;
            rest = rest[number_len..].trim_start();
            let unit_len = rest
                .char_indices()
                .find(|(_, c)| !c.is_alphabetic())
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            if unit.is_empty() {
                return Err(fail("a unit is missing"));
            }
            if unit == "M" || unit.eq_ignore_ascii_case("mo") || unit.to_ascii_lowercase().starts_with("month") {
                return Err(fail("months have no fixed length; use days (\"30d\") or weeks"));
            }
            let Some(&(_, unit_ns)) = UNITS.iter().find(|(name, _)| *name == unit) else {
                return Err(fail(&format!("unknown unit {unit:?}")));
            };
            let ns = number * unit_ns as f64;
            if !ns.is_finite() || ns > u64::MAX as f64 {
                return Err(fail("it is too long"));
            }
            total += ns.round() as u128;
            rest = &rest[unit_len..];
        }
        u64::try_from(total)
            .map(HumanDuration)
            .map_err(|_| fail("it is too long"))
    }
}

/// Formats nanoseconds with the largest whole units, e.g. `"1y 2d 3h"`, `"15m"`, `"250ms"`.
pub fn format_duration(ns: u64) -> String {
    if ns == 0 {
        return "0s".to_owned();
    }
    let order = [
        ("y", NS_PER_YEAR),
        ("d", NS_PER_DAY),
        ("h", NS_PER_HOUR),
        ("m", NS_PER_MIN),
        ("s", NS_PER_S),
        ("ms", NS_PER_MS),
        ("us", NS_PER_US),
        ("ns", 1),
    ];
    let mut rest = ns;
    let mut parts = Vec::new();
    for (name, unit) in order {
        if rest >= unit {
            parts.push(format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    parts.join(" ")
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_duration(self.0).replace(' ', ""))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"15m\", \"36h\" or \"5y\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HumanDuration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "a duration needs a unit; fix: write \"{v}s\", \"{v}m\" or \"{v}h\" (a quoted string)"
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<HumanDuration, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "a duration needs a unit; fix: write \"{v}s\" or \"{v}h\" (a quoted string)"
                )))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> u64 {
        s.parse::<HumanDuration>().unwrap().ns()
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(d("15m"), 15 * NS_PER_MIN);
        assert_eq!(d("36h"), 36 * NS_PER_HOUR);
        assert_eq!(d("2d"), 2 * NS_PER_DAY);
        assert_eq!(d("5y"), 5 * NS_PER_YEAR);
        assert_eq!(d("1h30m"), 90 * NS_PER_MIN);
        assert_eq!(d("1h 30m"), 90 * NS_PER_MIN);
        assert_eq!(d("0.5s"), NS_PER_S / 2);
        assert_eq!(d("250ms"), 250 * NS_PER_MS);
        assert_eq!(d("10min"), 10 * NS_PER_MIN);
        assert_eq!(d("1w"), 7 * NS_PER_DAY);
        assert_eq!(d("0s"), 0);
    }

    #[test]
    fn rejects_bad_forms_with_a_hint() {
        for bad in [
            "", "15", "m15", "3 months", "2M", "1.2.3h", "5parsecs", "-5m", "600y", "1e400y",
        ] {
            let err = bad.parse::<HumanDuration>().unwrap_err().to_string();
            assert!(err.contains("e.g. \"15m\""), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for ns in [
            1,
            999,
            NS_PER_MS * 250,
            15 * NS_PER_MIN,
            NS_PER_YEAR + 2 * NS_PER_DAY + 3 * NS_PER_HOUR,
        ] {
            let text = format_duration(ns).replace(' ', "");
            assert_eq!(d(&text), ns, "{text}");
        }
    }
}
