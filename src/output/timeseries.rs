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
            line.push_str(&format_number(*v));
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
    if !v.is_finite() {
        return String::new();
    }
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" { "0".to_owned() } else { s }
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
}
