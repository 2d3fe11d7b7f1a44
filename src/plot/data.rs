//! Reading results back for plotting: `summary.json`, `timeseries.csv`, `lifecycle.csv`,
//! `sweep.csv` and `sweep.json`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// A CSV file as named numeric columns (empty cells are NaN).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names in order.
    pub names: Vec<String>,
    /// Text cells by column.
    pub text: HashMap<String, Vec<String>>,
}

impl Table {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, String> {
        let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let names: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut text: HashMap<String, Vec<String>> = names.iter().map(|n| (n.clone(), Vec::new())).collect();
        for record in reader.records() {
            let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
            for (name, cell) in names.iter().zip(record.iter()) {
                if let Some(col) = text.get_mut(name) {
                    col.push(cell.to_owned());
                }
            }
        }
        Ok(Self { names, text })
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.names.first().and_then(|n| self.text.get(n)).map_or(0, Vec::len)
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A numeric column (NaN where a cell is not a number); empty if absent.
    pub fn col(&self, name: &str) -> Vec<f64> {
        self.text
            .get(name)
            .map(|c| c.iter().map(|x| x.parse().unwrap_or(f64::NAN)).collect())
            .unwrap_or_default()
    }

    /// A text column; empty if absent.
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.text.get(name).cloned().unwrap_or_default()
    }
}

/// The results of `greenloop run`.
#[derive(Debug, Clone)]
pub struct RunData {
    /// `summary.json`.
    pub summary: Value,
    /// `timeseries.csv`.
    pub steps: Table,
    /// `lifecycle.csv` (empty if absent).
    pub years: Table,
}

impl RunData {
    /// Reads a run folder.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let summary_path = dir.join("summary.json");
        let text = std::fs::read_to_string(&summary_path).map_err(|e| {
            format!(
                "{}: {e}; give a folder written by `greenloop run` or `greenloop sweep`",
                summary_path.display()
            )
        })?;
        let summary = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", summary_path.display()))?;
        let steps = Table::read(&dir.join("timeseries.csv"))?;
        let years_path = dir.join("lifecycle.csv");
        let years = if years_path.exists() {
            Table::read(&years_path)?
        } else {
            Table::default()
        };
        Ok(Self { summary, steps, years })
    }
}

/// The results of `greenloop sweep`.
#[derive(Debug, Clone)]
pub struct SweepData {
    /// `sweep.csv`.
    pub table: Table,
    /// `sweep.json`.
    pub doc: Value,
    /// Swept keys.
    pub keys: Vec<String>,
}

impl SweepData {
    /// Reads a sweep folder.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let table = Table::read(&dir.join("sweep.csv"))?;
        let json_path = dir.join("sweep.json");
        let text = std::fs::read_to_string(&json_path).map_err(|e| format!("{}: {e}", json_path.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json_path.display()))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .map(|k| k.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Ok(Self { table, doc, keys })
    }
}
