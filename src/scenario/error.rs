//! Scenario errors: every message names the file, the line and the key, says what is wrong
//! and how to fix it.

use std::fmt;

use thiserror::Error;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or `<inline>`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted key path, e.g. `workload.classes[1].share`; empty for whole-file problems.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)?;
        } else {
            write!(f, ": key `{}`: {}", self.key, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  fix: {hint}")?;
        }
        Ok(())
    }
}

/// All problems found in a scenario (validation reports every one, not just the first).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl From<ScenarioError> for ScenarioErrors {
    fn from(e: ScenarioError) -> Self {
        ScenarioErrors(vec![e])
    }
}

/// The candidate in `options` closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    options
        .into_iter()
        .map(|o| {
            (
                strsim::jaro_winkler(&word.to_ascii_lowercase(), &o.to_ascii_lowercase()),
                o,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, o)| o)
}

/// Turns a serde message into a clearer message and a fix, recognizing serde's standard
/// phrasings for unknown fields and variants, missing fields, wrong types and values.
pub fn explain_serde_message(message: &str) -> (String, Option<String>) {
    let first_line = message.lines().next().unwrap_or(message).trim().to_owned();
    // Our own custom errors carry their fix after "; fix: ".
    if let Some((what, fix)) = first_line.split_once("; fix: ") {
        return (what.to_owned(), Some(fix.to_owned()));
    }
    for kind in ["field", "variant"] {
        let prefix = format!("unknown {kind} `");
        if let Some(rest) = first_line.strip_prefix(&prefix) {
            let Some(end) = rest.find('`') else { break };
            let word = &rest[..end];
            let expected = backticked(&rest[end + 1..]);
            let what = if kind == "field" { "key" } else { "value" };
            let hint = match did_you_mean(word, expected.iter().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`? allowed: {}", expected.join(", ")),
                None if expected.is_empty() => format!("remove `{word}`: this table takes no keys"),
                None => format!("allowed: {}", expected.join(", ")),
            };
            return (format!("unknown {what} `{word}`"), Some(hint));
        }
    }
    if let Some(rest) = first_line.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return (
            format!("required key `{field}` is missing"),
            Some(format!(
                "add `{field} = ...` to this table (see README, scenario reference)"
            )),
        );
    }
    if first_line.starts_with("invalid type:") {
        return (
            first_line,
            Some("give a value of the expected type (quote strings and durations, leave numbers unquoted)".to_owned()),
        );
    }
    if first_line.starts_with("invalid value:") && first_line.contains("expected u") {
        return (first_line, Some("use a whole number >= 0".to_owned()));
    }
    (first_line, None)
}

fn backticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_key() {
        let (msg, hint) =
            explain_serde_message("unknown field `mean_tsp`, expected one of `mean_tps`, `profile`, `trace`");
        assert_eq!(msg, "unknown key `mean_tsp`");
        assert!(hint.unwrap().starts_with("did you mean `mean_tps`?"));
        let (_, hint) =
            explain_serde_message("unknown variant `roundrobin`, expected one of `round-robin`, `join-shortest-queue`");
        assert!(hint.unwrap().contains("did you mean `round-robin`"));
    }

    #[test]
    fn no_suggestion_for_unrelated_words() {
        assert_eq!(did_you_mean("zzz", ["mean_tps", "profile"]), None);
        let (_, hint) = explain_serde_message("unknown field `zzz`, expected `a` or `b`");
        assert_eq!(hint.unwrap(), "allowed: a, b");
    }

    #[test]
    fn displays_file_line_key_and_fix() {
        let e = ScenarioError {
            file: "s.toml".into(),
            line: Some(4),
            key: "workload.mean_tps".into(),
            message: "must be > 0".into(),
            hint: Some("set it".into()),
        };
        assert_eq!(
            e.to_string(),
            "s.toml:4: key `workload.mean_tps`: must be > 0\n  fix: set it"
        );
    }
}
