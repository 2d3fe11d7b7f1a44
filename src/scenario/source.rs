//! Where each key of a scenario file is: a map from key paths such as
//! `workload.classes[1].share` to 1-based line numbers, built from the TOML parser's spans
//! or the JSON parser's ranges. Validation errors use it to name the line of a bad value.

use std::collections::HashMap;

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use toml::de::{DeTable, DeValue};

/// The format of a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (the main format).
    Toml,
    /// JSON.
    Json,
}

/// Key path to line number.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    lines: HashMap<String, usize>,
}

impl SourceMap {
    /// Builds the map for `text`; a text that does not parse gives an empty map (the
    /// parse error itself is reported elsewhere).
    pub fn build(text: &str, format: Format) -> Self {
        let mut map = SourceMap::default();
        let starts = line_starts(text);
        match format {
            Format::Toml => {
                if let Ok(table) = DeTable::parse(text) {
                    map.walk_toml_table(table.get_ref(), "", &starts);
                }
            }
            Format::Json => {
                let options = ParseOptions {
                    allow_comments: false,
                    allow_loose_object_property_names: false,
                    allow_trailing_commas: false,
                    allow_missing_commas: false,
                    allow_single_quoted_strings: false,
                    allow_hexadecimal_numbers: false,
                    allow_unary_plus_numbers: false,
                    allow_bare_decimal_point_numbers: false,
                    allow_extended_string_escapes: false,
                    allow_non_finite_numbers: false,
                };
                if let Ok(parsed) = parse_to_ast(text, &CollectOptions::default(), &options) {
                    if let Some(value) = parsed.value {
                        map.walk_json(&value, "", &starts);
                    }
                }
            }
        }
        map
    }

    /// The line of `path`, or of its nearest ancestor that has one.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(&line) = self.lines.get(p) {
                return Some(line);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    fn insert(&mut self, path: String, offset: usize, starts: &[usize]) {
        self.lines.entry(path).or_insert_with(|| line_at(starts, offset));
    }

    fn walk_toml_table(&mut self, table: &DeTable<'_>, prefix: &str, starts: &[usize]) {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.insert(path.clone(), key.span().start, starts);
            self.walk_toml_value(value.get_ref(), &path, starts);
        }
    }

    fn walk_toml_value(&mut self, value: &DeValue<'_>, path: &str, starts: &[usize]) {
        match value {
            DeValue::Table(t) => self.walk_toml_table(t, path, starts),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    self.insert(item_path.clone(), item.span().start, starts);
                    self.walk_toml_value(item.get_ref(), &item_path, starts);
                }
            }
            _ => {}
        }
    }

    fn walk_json(&mut self, value: &Value<'_>, path: &str, starts: &[usize]) {
        match value {
            Value::Object(obj) => {
                for prop in &obj.properties {
                    let name = match &prop.name {
                        ObjectPropName::String(s) => s.value.to_string(),
                        ObjectPropName::Word(w) => w.value.to_string(),
                    };
                    let child = join(path, &name);
                    self.insert(child.clone(), prop.range.start, starts);
                    self.walk_json(&prop.value, &child, starts);
                }
            }
            Value::Array(arr) => {
                for (i, item) in arr.elements.iter().enumerate() {
                    let child = format!("{path}[{i}]");
                    self.insert(child.clone(), json_start(item), starts);
                    self.walk_json(item, &child, starts);
                }
            }
            _ => {}
        }
    }
}

fn json_start(value: &Value<'_>) -> usize {
    match value {
        Value::StringLit(v) => v.range.start,
        Value::NumberLit(v) => v.range.start,
        Value::BooleanLit(v) => v.range.start,
        Value::Object(v) => v.range.start,
        Value::Array(v) => v.range.start,
        Value::NullKeyword(v) => v.range.start,
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Byte offsets where each line starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// 1-based line of byte `offset`.
pub fn line_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_toml_keys_tables_and_arrays_of_tables() {
        let text = "name = \"x\"\n\n[workload]\nmean_tps = 5\n\n[[workload.classes]]\nname = \"a\"\nshare = 0.5\n\n[[workload.classes]]\nname = \"b\"\nshare = 0.5\n";
        let map = SourceMap::build(text, Format::Toml);
        assert_eq!(map.line_of("name"), Some(1));
        assert_eq!(map.line_of("workload.mean_tps"), Some(4));
        assert_eq!(map.line_of("workload.classes[1].share"), Some(12));
        assert_eq!(map.line_of("workload.classes[0].share"), Some(8));
        assert_eq!(
            map.line_of("workload.classes[0].service.cv"),
            Some(6),
            "falls back to the nearest ancestor"
        );
    }

    #[test]
    fn maps_json_keys() {
        let text = "{\n  \"workload\": {\n    \"mean_tps\": 5,\n    \"classes\": [\n      {\"name\": \"a\",\n       \"share\": 1}\n    ]\n  }\n}\n";
        let map = SourceMap::build(text, Format::Json);
        assert_eq!(map.line_of("workload.mean_tps"), Some(3));
        assert_eq!(map.line_of("workload.classes[0].share"), Some(6));
    }
}
