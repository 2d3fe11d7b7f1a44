//! Collects validation errors with their file, line and key.

use super::super::error::ScenarioError;
use super::super::source::SourceMap;

/// Error collector shared by the section validators.
pub struct Checker<'a> {
    file: &'a str,
    map: &'a SourceMap,
    errors: Vec<ScenarioError>,
}

impl<'a> Checker<'a> {
    /// A collector for `file` with its key-to-line `map`.
    pub fn new(file: &'a str, map: &'a SourceMap) -> Self {
        Self {
            file,
            map,
            errors: Vec::new(),
        }
    }

    /// The file name used in messages.
    pub fn file(&self) -> &str {
        self.file
    }

    /// Records an error at `key`.
    pub fn error(&mut self, key: &str, message: impl Into<String>, hint: impl Into<String>) {
        let hint = hint.into();
        self.errors.push(ScenarioError {
            file: self.file.to_owned(),
            line: self.map.line_of(key),
            key: key.to_owned(),
            message: message.into(),
            hint: (!hint.is_empty()).then_some(hint),
        });
    }

    /// Reports `word` as an unknown `what` at `key`, suggesting the closest of `options`
    /// or listing them all.
    pub fn unknown_choice(&mut self, key: &str, what: &str, word: &str, options: &[&str]) {
        let hint = match super::super::error::did_you_mean(word, options.iter().copied()) {
            Some(best) => format!("did you mean \"{best}\"?"),
            None => format!("use one of {}", options.join(", ")),
        };
        self.error(key, format!("unknown {what} \"{word}\""), hint);
    }

    /// The errors found so far.
    pub fn into_errors(self) -> Vec<ScenarioError> {
        self.errors
    }

    /// Number of errors reported so far.
    pub fn count(&self) -> usize {
        self.errors.len()
    }

    /// Checks that `value` is finite and within `[min, max]`; returns it (or `fallback`
    /// after reporting). `what` describes the quantity for the message.
    pub fn in_range(&mut self, key: &str, value: f64, min: f64, max: f64, what: &str) -> f64 {
        if !value.is_finite() {
            self.error(
                key,
                format!("{what} is {value}, not a finite number"),
                format!("give a number between {min} and {max}"),
            );
            return min.max(0.0);
        }
        if value < min || value > max {
            self.error(
                key,
                format!("{what} is {value}, outside {min}..={max}"),
                format!("give a number between {min} and {max}"),
            );
            return value.clamp(min, max);
        }
        value
    }

    /// Checks that `value` is finite and strictly positive (and at most `max`).
    pub fn positive(&mut self, key: &str, value: f64, max: f64, what: &str) -> f64 {
        if !value.is_finite() || value <= 0.0 || value > max {
            let problem = if value.is_nan() {
                "NaN".to_owned()
            } else if value.is_infinite() {
                "infinite".to_owned()
            } else if value <= 0.0 {
                format!("{value}, but it must be > 0")
            } else {
                format!("{value}, above the limit {max}")
            };
            self.error(
                key,
                format!("{what} is {problem}"),
                format!("give a positive number up to {max}"),
            );
            return 1.0;
        }
        value
    }
}
