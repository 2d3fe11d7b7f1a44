//! The grid: hourly carbon intensity and price (a constant, a 12 x 24 month-by-hour
//! profile, or a year of hourly values), an import limit, and export (allowed or not, at a
//! price). Year tables are indexed by date and hour so they repeat every simulated year.

pub mod builtin;

use crate::weather::day_index;

/// Values that vary by hour: constant, by month and hour, or a year of hours.
#[derive(Debug, Clone, PartialEq)]
pub enum HourlyValues {
    /// The same every hour.
    Constant(f64),
    /// 12 months x 24 hours.
    MonthHour(Box<[[f64; 24]; 12]>),
    /// 8,760 (or 8,784) hourly values from January 1, 00:00.
    Year(Vec<f64>),
}

impl HourlyValues {
    /// The value at `hour` (0..24) of `month0`/`day` in the values' own time zone.
    pub fn at(&self, month0: u32, day: u32, hour: u32) -> f64 {
        match self {
            HourlyValues::Constant(v) => *v,
            HourlyValues::MonthHour(m) => m[month0.min(11) as usize][hour.min(23) as usize],
            HourlyValues::Year(v) => {
                let leap = v.len() == 8_784;
                let idx = day_index(month0, day, leap) * 24 + hour.min(23) as usize;
                v[idx.min(v.len() - 1)]
            }
        }
    }

    /// Mean over the table.
    pub fn mean(&self) -> f64 {
        match self {
            HourlyValues::Constant(v) => *v,
            HourlyValues::MonthHour(m) => m.iter().flatten().sum::<f64>() / 288.0,
            HourlyValues::Year(v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
        }
    }
}

/// A series with the time zone its hours are counted in.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSeries {
    /// The values.
    pub values: HourlyValues,
    /// Offset of the series' clock from UTC, hours (0 for UTC series).
    pub utc_offset_hours: f64,
    /// What it is (built-in name or file), for outputs.
    pub name: String,
}

/// Export of surplus energy to the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSpec {
    /// Largest export power, kW (None: unlimited).
    pub limit_kw: Option<f64>,
    /// Price paid for exported energy, per MWh.
    pub price_per_mwh: f64,
}

/// The grid connection.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSpec {
    /// Carbon intensity of imports, gCO2e/kWh.
    pub carbon: GridSeries,
    /// Price of imports, currency per MWh.
    pub price: GridSeries,
    /// Currency of prices.
    pub currency: String,
    /// Largest import power, kW (None: unlimited).
    pub import_limit_kw: Option<f64>,
    /// Export, if allowed.
    pub export: Option<ExportSpec>,
}

/// Reads a year of hourly values from CSV text: a header with `time_h` and the value
/// `column`; rows at time_h = 0, 1, 2, ... (8,760, or 8,784 for a leap year); values finite.
pub fn read_year_csv(text: &str, column: &str) -> Result<Vec<f64>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.byte_headers().map_err(|e| e.to_string())?.clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect();
    let find = |name: &str| names.iter().position(|h| h == name);
    let time_idx = find("time_h").ok_or_else(|| format!("no `time_h` column; the file has: {}", names.join(", ")))?;
    let value_idx = find(column).ok_or_else(|| format!("no `{column}` column; the file has: {}", names.join(", ")))?;
    let field = |record: &csv::ByteRecord, idx: usize| -> Option<f64> {
        std::str::from_utf8(record.get(idx)?).ok()?.trim().parse::<f64>().ok()
    };
    let mut values = Vec::with_capacity(8_784);
    // One record buffer for the whole file: no allocation per row.
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(|e| e.to_string())? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let time = field(&record, time_idx).ok_or_else(|| format!("line {line}: `time_h` is not a number"))?;
        if time != values.len() as f64 {
            return Err(format!(
                "line {line}: time_h is {time}, expected {} (one row per hour from 0)",
                values.len()
            ));
        }
        match field(&record, value_idx) {
            Some(v) if v.is_finite() => values.push(v),
            _ => {
                let cell = record
                    .get(value_idx)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .unwrap_or_default();
                return Err(format!("line {line}: `{column}` is {cell:?}, not a finite number"));
            }
        }
    }
    if values.len() != 8_760 && values.len() != 8_784 {
        return Err(format!(
            "{} rows; a year needs 8760 (or 8784 for a leap year)",
            values.len()
        ));
    }
    Ok(values)
}
