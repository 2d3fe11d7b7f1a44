//! `timeseries.csv`: one row per output step, written as the run produces it.

use std::io::Write;

use super::staged::{OutputError, StagedFile};
use crate::metrics::{StepObserver, StepRecord};

/// Streams step records to a staged CSV file.
#[derive(Debug)]
pub struct TimeseriesWriter {
    file: StagedFile,
    error: Option<std::io::Error>,
}

impl TimeseriesWriter {
    /// Starts the file with its header.
    pub fn new(mut file: StagedFile) -> Result<Self, OutputError> {
        let header = StepRecord::HEADER.join(",");
        writeln!(file, "{header}").map_err(|source| OutputError::File {
            file: file.final_path().to_owned(),
            source,
        })?;
        Ok(Self { file, error: None })
    }

    /// The finished file, or the first write error.
    pub fn finish(self) -> Result<StagedFile, OutputError> {
        match self.error {
            Some(source) => Err(OutputError::File {
                file: self.file.final_path().to_owned(),
                source,
            }),
            None => Ok(self.file),
        }
    }
}

impl StepObserver for TimeseriesWriter {
    fn on_step(&mut self, record: &StepRecord) {
        if self.error.is_some() {
            return;
        }
        let mut line = String::with_capacity(160);
        for (i, v) in record.values().iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_number(&mut line, *v);
        }
        line.push('\n');
        if let Err(e) = self.file.write_all(line.as_bytes()) {
            self.error = Some(e);
        }
    }
}

/// Formats a number with at most 6 decimals and no trailing zeros (identical on every
/// platform, short enough for year-long series).
pub fn format_number(v: f64) -> String {
    let mut s = String::new();
    push_number(&mut s, v);
    s
}

/// Appends [`format_number`]'s text of `v` to `out`: exactly what `format!("{v:.6}")`
/// gives (the binary value rounded to 6 decimals, ties to even) without its trailing
/// zeros, "0" for a negative number that rounds to zero, nothing for NaN or infinity.
/// Computed in integers: v = m 2^e with a 53-bit m, so 10^6 |v| = m 10^6 2^e, and
/// m 10^6 < 2^73 fits in 128 bits with e's shift (the float formatter's exact mode was
/// 60 % of a 10-year hourly run). Magnitudes of 2^93 and above take the formatter.
pub fn push_number(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    const SCALE: u128 = 1_000_000;
    if !v.is_finite() {
        return;
    }
    let bits = v.to_bits();
    let biased_exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = u128::from(bits & ((1u64 << 52) - 1));
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u128 << 52), biased_exponent - 1075)
    };
    let scaled = mantissa * SCALE;
    let rounded = if exponent >= 0 {
        if exponent > 40 {
            return push_number_by_formatter(out, v);
        }
        scaled << exponent
    } else if exponent <= -127 {
        // Below 2^-54 x 10^6: rounds to 0.
        0
    } else {
        let shift = (-exponent) as u32;
        let quotient = scaled >> shift;
        let remainder = scaled & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if remainder > half || (remainder == half && quotient % 2 == 1) {
            quotient + 1
        } else {
            quotient
        }
    };
    if rounded == 0 {
        out.push('0');
        return;
    }
    if v < 0.0 {
        out.push('-');
    }
    let (whole, mut decimals) = (rounded / SCALE, rounded % SCALE);
    let _ = write!(out, "{whole}");
    if decimals > 0 {
        let mut width = 6;
        while decimals % 10 == 0 {
            decimals /= 10;
            width -= 1;
        }
        let _ = write!(out, ".{decimals:0width$}");
    }
}

/// [`push_number`] through the float formatter.
fn push_number_by_formatter(out: &mut String, v: f64) {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    out.push_str(if s == "-0" { "0" } else { &s });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(1.0 / 3.0), "0.333333");
        assert_eq!(format_number(-0.0000001), "0");
        assert_eq!(format_number(f64::NAN), "");
    }

    #[test]
    fn integer_formatting_equals_the_float_formatter() {
        // Every path of push_number against format!("{v:.6}") trimmed: ties (1/128 =
        // 0.0078125 rounds to even), negatives, subnormals, huge values, and 500,000
        // values with random bits or random magnitudes.
        let reference = |v: f64| {
            let mut s = String::new();
            push_number_by_formatter(&mut s, v);
            s
        };
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.0078125,
            0.0234375,
            -0.0078125,
            0.125e-6,
            0.5e-6,
            1.5e-6,
            2.5e-6,
            -0.5e-6,
            999_999.999_999_5,
            1e15,
            2f64.powi(94),
            2f64.powi(93) * 1.5,
            -2f64.powi(100),
            1e300,
            f64::MIN_POSITIVE,
            5e-324,
            123_456.000_000_4,
            0.000_000_499_999_999,
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..250_000 {
            values.push(f64::from_bits(next()));
            let magnitude = 10f64.powi((next() % 24) as i32 - 10);
            values.push((next() as f64 / u64::MAX as f64 - 0.5) * magnitude);
        }
        for v in values {
            if v.is_finite() {
                assert_eq!(format_number(v), reference(v), "{v:e}");
            }
        }
    }
}
