//! Readers for weather files: NREL TMY3 CSV, EnergyPlus EPW, and a plain CSV with named
//! columns. They parse text; opening files is the scenario loader's job. Every error names
//! the line and the column.

use chrono::NaiveDate;
use thiserror::Error;

use super::decomposition::decompose;
use super::year::{WeatherHour, WeatherSite, WeatherYear};
use crate::solar::{Irradiance, position::sun_at_local_hour};

/// Standard sea-level pressure, Pa.
pub const SEA_LEVEL_PA: f64 = 101_325.0;

/// Why a weather file could not be read. Lines are 1-based.
#[derive(Debug, Error, PartialEq)]
pub enum WeatherError {
    /// The header is not what the format requires.
    #[error("line {line}: {message}")]
    Header {
        /// Line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A required column is absent.
    #[error("no column `{column}`; the file has: {found}")]
    MissingColumn {
        /// The column wanted.
        column: String,
        /// Columns present.
        found: String,
    },
    /// A cell is not a usable number.
    #[error("line {line}, column `{column}`: {value:?} is not a valid number{why}")]
    BadCell {
        /// Line.
        line: u64,
        /// Column.
        column: String,
        /// Cell text.
        value: String,
        /// Extra explanation.
        why: String,
    },
    /// Not a whole year of hours.
    #[error("the file has {rows} hourly rows; a year needs 8760 (or 8784 for a leap year)")]
    WrongLength {
        /// Rows found.
        rows: usize,
    },
    /// CSV syntax.
    #[error("line {line}: {message}")]
    Csv {
        /// Line.
        line: u64,
        /// Message.
        message: String,
    },
}

fn csv_err(e: &csv::Error) -> WeatherError {
    WeatherError::Csv {
        line: e.position().map(|p| p.line()).unwrap_or(0),
        message: e.to_string(),
    }
}

fn number(record: &csv::StringRecord, idx: usize, column: &str, line: u64) -> Result<f64, WeatherError> {
    let cell = record.get(idx).unwrap_or("").trim();
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(WeatherError::BadCell {
            line,
            column: column.to_owned(),
            value: cell.to_owned(),
            why: String::new(),
        }),
    }
}

fn check_range(v: f64, lo: f64, hi: f64, column: &str, line: u64) -> Result<f64, WeatherError> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(WeatherError::BadCell {
            line,
            column: column.to_owned(),
            value: v.to_string(),
            why: format!(" (expected {lo}..={hi})"),
        })
    }
}

/// Ranges of a file's site header, the ones a scenario's `[site]` accepts.
const LATITUDE: (f64, f64) = (-90.0, 90.0);
const LONGITUDE: (f64, f64) = (-180.0, 180.0);
const UTC_OFFSET: (f64, f64) = (-12.0, 14.0);
const ELEVATION: (f64, f64) = (-500.0, 9_000.0);

/// A number of a file's site header within `(lo, hi)`; the error completes "field N (what)".
fn header_number(cell: Option<&str>, (lo, hi): (f64, f64)) -> Result<f64, String> {
    match cell.map(str::trim).and_then(|s| s.parse::<f64>().ok()) {
        None => Err("is missing or not a number".to_owned()),
        Some(v) if (lo..=hi).contains(&v) => Ok(v),
        Some(v) => Err(format!("is {v}, expected {lo}..={hi}")),
    }
}

fn check_length(hours: &[WeatherHour]) -> Result<(), WeatherError> {
    match hours.len() {
        8_760 | 8_784 => Ok(()),
        rows => Err(WeatherError::WrongLength { rows }),
    }
}

fn column(headers: &csv::StringRecord, name: &str) -> Result<usize, WeatherError> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| WeatherError::MissingColumn {
            column: name.to_owned(),
            found: headers.iter().collect::<Vec<_>>().join(", "),
        })
}

/// Reads an NREL TMY3 file: a metadata line (USAF, name, state, UTC offset, latitude,
/// longitude, elevation), a header line, then 8,760 hour-ending rows in local standard time.
pub fn read_tmy3(text: &str, source: &str) -> Result<WeatherYear, WeatherError> {
    let (meta_line, rest) = text.split_once('\n').ok_or_else(|| WeatherError::Header {
        line: 1,
        message: "the file is empty".into(),
    })?;
    let meta: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(meta_line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let meta_num = |i: usize, what: &str, range: (f64, f64)| -> Result<f64, WeatherError> {
        header_number(meta.get(i).map(String::as_str), range).map_err(|why| WeatherError::Header {
            line: 1,
            message: format!("TMY3 metadata field {} ({what}) {why}", i + 1),
        })
    };
    let site = WeatherSite {
        name: meta.get(1).cloned().unwrap_or_default(),
        utc_offset_hours: meta_num(3, "UTC offset", UTC_OFFSET)?,
        latitude: meta_num(4, "latitude", LATITUDE)?,
        longitude: meta_num(5, "longitude", LONGITUDE)?,
        elevation_m: meta_num(6, "elevation", ELEVATION)?,
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(rest.as_bytes());
    let headers = reader.headers().map_err(|e| csv_err(&e))?.clone();
    let cols = [
        column(&headers, "GHI (W/m^2)")?,
        column(&headers, "DNI (W/m^2)")?,
        column(&headers, "DHI (W/m^2)")?,
        column(&headers, "Dry-bulb (C)")?,
        column(&headers, "Wspd (m/s)")?,
        column(&headers, "Pressure (mbar)")?,
    ];
    let mut hours = Vec::with_capacity(8_760);
    for record in reader.records() {
        let record = record.map_err(|e| csv_err(&e))?;
        // The CSV reader counts from the header line; the metadata line comes before it.
        let line = record.position().map(|p| p.line() + 1).unwrap_or(0);
        let ghi = check_range(
            number(&record, cols[0], "GHI (W/m^2)", line)?,
            0.0,
            1_500.0,
            "GHI (W/m^2)",
            line,
        )?;
        let dni = check_range(
            number(&record, cols[1], "DNI (W/m^2)", line)?,
            0.0,
            1_500.0,
            "DNI (W/m^2)",
            line,
        )?;
        let dhi = check_range(
            number(&record, cols[2], "DHI (W/m^2)", line)?,
            0.0,
            1_000.0,
            "DHI (W/m^2)",
            line,
        )?;
        let temp = check_range(
            number(&record, cols[3], "Dry-bulb (C)", line)?,
            -90.0,
            60.0,
            "Dry-bulb (C)",
            line,
        )?;
        let wind = check_range(
            number(&record, cols[4], "Wspd (m/s)", line)?,
            0.0,
            80.0,
            "Wspd (m/s)",
            line,
        )?;
        let p_mbar = check_range(
            number(&record, cols[5], "Pressure (mbar)", line)?,
            300.0,
            1_100.0,
            "Pressure (mbar)",
            line,
        )?;
        hours.push(WeatherHour {
            irradiance: Irradiance { ghi, dni, dhi },
            temp_air_c: temp,
            wind_ms: wind,
            pressure_pa: p_mbar * 100.0,
        });
    }
    check_length(&hours)?;
    Ok(WeatherYear {
        site,
        hours,
        wind_height_m: 10.0,
        source: source.to_owned(),
    })
}

/// Reads an EnergyPlus EPW file: 8 header lines (the first is LOCATION with latitude,
/// longitude, time zone and elevation in fields 7 to 10), then hourly rows with dry-bulb
/// temperature (field 7), pressure (10, Pa), GHI (14), DNI (15), DHI (16) and wind speed
/// (22), hour-ending in local standard time.
pub fn read_epw(text: &str, source: &str) -> Result<WeatherYear, WeatherError> {
    let mut lines = text.lines();
    let location = lines.next().unwrap_or("");
    let fields: Vec<&str> = location.split(',').map(str::trim).collect();
    if fields.first() != Some(&"LOCATION") {
        return Err(WeatherError::Header {
            line: 1,
            message: "an EPW file starts with a LOCATION line".into(),
        });
    }
    let field = |i: usize, what: &str, range: (f64, f64)| -> Result<f64, WeatherError> {
        header_number(fields.get(i).copied(), range).map_err(|why| WeatherError::Header {
            line: 1,
            message: format!("LOCATION field {} ({what}) {why}", i + 1),
        })
    };
    let site = WeatherSite {
        name: fields.get(1).map(|s| s.to_string()).unwrap_or_default(),
        latitude: field(6, "latitude", LATITUDE)?,
        longitude: field(7, "longitude", LONGITUDE)?,
        utc_offset_hours: field(8, "time zone", UTC_OFFSET)?,
        elevation_m: field(9, "elevation", ELEVATION)?,
    };
    let data: String = text.lines().skip(8).collect::<Vec<_>>().join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data.as_bytes());
    let mut hours = Vec::with_capacity(8_760);
    for record in reader.records() {
        let record = record.map_err(|e| csv_err(&e))?;
        let line = record.position().map(|p| p.line() + 8).unwrap_or(0);
        let get = |idx: usize, name: &str| number(&record, idx, name, line);
        let temp = check_range(
            get(6, "dry bulb temperature (field 7)")?,
            -90.0,
            70.0,
            "dry bulb temperature (field 7)",
            line,
        )?;
        let pressure = get(9, "pressure (field 10)")?;
        // EPW marks a missing pressure with 999999.
        let pressure_pa = if pressure >= 999_999.0 {
            SEA_LEVEL_PA
        } else {
            check_range(pressure, 30_000.0, 120_000.0, "pressure (field 10)", line)?
        };
        let ghi = check_range(get(13, "GHI (field 14)")?, 0.0, 1_500.0, "GHI (field 14)", line)?;
        let dni = check_range(get(14, "DNI (field 15)")?, 0.0, 1_500.0, "DNI (field 15)", line)?;
        let dhi = check_range(get(15, "DHI (field 16)")?, 0.0, 1_000.0, "DHI (field 16)", line)?;
        let wind = check_range(
            get(21, "wind speed (field 22)")?,
            0.0,
            80.0,
            "wind speed (field 22)",
            line,
        )?;
        hours.push(WeatherHour {
            irradiance: Irradiance { ghi, dni, dhi },
            temp_air_c: temp,
            wind_ms: wind,
            pressure_pa,
        });
    }
    check_length(&hours)?;
    Ok(WeatherYear {
        site,
        hours,
        wind_height_m: 10.0,
        source: source.to_owned(),
    })
}

/// Reads a plain CSV year: a header, then one row per hour from January 1, 00:00 local
/// standard time. Columns: `ghi_w_m2`, `temp_air_c`, `wind_speed_ms` (required);
/// `dni_w_m2` and `dhi_w_m2` (together, or both derived from GHI by the Erbs correlation);
/// `pressure_pa` (optional). The site comes from the scenario.
pub fn read_plain_csv(text: &str, site: WeatherSite, source: &str) -> Result<WeatherYear, WeatherError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_err(&e))?.clone();
    let ghi_c = column(&headers, "ghi_w_m2")?;
    let temp_c = column(&headers, "temp_air_c")?;
    let wind_c = column(&headers, "wind_speed_ms")?;
    let dni_c = column(&headers, "dni_w_m2").ok();
    let dhi_c = column(&headers, "dhi_w_m2").ok();
    if dni_c.is_some() != dhi_c.is_some() {
        return Err(WeatherError::MissingColumn {
            column: if dni_c.is_some() { "dhi_w_m2" } else { "dni_w_m2" }.to_owned(),
            found: headers.iter().collect::<Vec<_>>().join(", "),
        });
    }
    let pressure_c = column(&headers, "pressure_pa").ok();
    let mut rows = Vec::with_capacity(8_760);
    for record in reader.records() {
        let record = record.map_err(|e| csv_err(&e))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let ghi = check_range(
            number(&record, ghi_c, "ghi_w_m2", line)?,
            0.0,
            1_500.0,
            "ghi_w_m2",
            line,
        )?;
        let split = match (dni_c, dhi_c) {
            (Some(a), Some(b)) => Some((
                check_range(number(&record, a, "dni_w_m2", line)?, 0.0, 1_500.0, "dni_w_m2", line)?,
                check_range(number(&record, b, "dhi_w_m2", line)?, 0.0, 1_000.0, "dhi_w_m2", line)?,
            )),
            _ => None,
        };
        let temp = check_range(
            number(&record, temp_c, "temp_air_c", line)?,
            -90.0,
            70.0,
            "temp_air_c",
            line,
        )?;
        let wind = check_range(
            number(&record, wind_c, "wind_speed_ms", line)?,
            0.0,
            80.0,
            "wind_speed_ms",
            line,
        )?;
        let pressure_pa = match pressure_c {
            Some(c) => check_range(
                number(&record, c, "pressure_pa", line)?,
                30_000.0,
                120_000.0,
                "pressure_pa",
                line,
            )?,
            None => pressure_at_elevation_pa(site.elevation_m),
        };
        rows.push((ghi, split, temp, wind, pressure_pa));
    }
    let leap = rows.len() == 8_784;
    // Rows are dated in a reference year of the right length (for the sun position only).
    let start = NaiveDate::from_ymd_opt(if leap { 2000 } else { 2001 }, 1, 1).unwrap_or_default();
    let hours = rows
        .iter()
        .enumerate()
        .map(|(i, &(ghi, split, temp, wind, pressure_pa))| {
            let irradiance = match split {
                Some((dni, dhi)) => Irradiance { ghi, dni, dhi },
                None => {
                    let date = start + chrono::Days::new((i / 24) as u64);
                    decompose(
                        ghi,
                        sun_at_local_hour(
                            site.latitude,
                            site.longitude,
                            site.utc_offset_hours,
                            date,
                            (i % 24) as u32,
                        ),
                    )
                }
            };
            WeatherHour {
                irradiance,
                temp_air_c: temp,
                wind_ms: wind,
                pressure_pa,
            }
        })
        .collect::<Vec<_>>();
    check_length(&hours)?;
    Ok(WeatherYear {
        site,
        hours,
        wind_height_m: 10.0,
        source: source.to_owned(),
    })
}

/// Standard-atmosphere pressure at `elevation_m`, Pa.
pub fn pressure_at_elevation_pa(elevation_m: f64) -> f64 {
    SEA_LEVEL_PA * (1.0 - 2.255_77e-5 * elevation_m).powf(5.255_88)
}
