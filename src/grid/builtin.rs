//! Built-in grid carbon-intensity profiles (`data/carbon_profiles.toml`, each with its
//! source): month-by-hour profiles built from real hourly data, and annual averages for
//! many regions.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::HourlyValues;

/// One built-in profile as stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarbonProfileEntry {
    /// One sentence.
    pub description: String,
    /// Annual mean, gCO2e/kWh.
    pub mean_g_per_kwh: f64,
    /// 12 months x 24 hours, when hourly data exist.
    pub hourly_by_month: Option<Vec<Vec<f64>>>,
    /// Clock of the hours: "utc" or "local".
    pub hour_basis: Option<String>,
    /// Where the numbers come from.
    pub source: String,
    /// Licence of the underlying data.
    pub licence: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    profile: BTreeMap<String, CarbonProfileEntry>,
}

/// All built-in carbon profiles, parsed once.
pub fn carbon_profiles() -> Result<&'static BTreeMap<String, CarbonProfileEntry>, String> {
    static PROFILES: OnceLock<Result<BTreeMap<String, CarbonProfileEntry>, String>> = OnceLock::new();
    PROFILES
        .get_or_init(|| {
            toml::from_str::<ProfileFile>(include_str!("data/carbon_profiles.toml"))
                .map(|f| f.profile)
                .map_err(|e| format!("built-in carbon_profiles.toml is invalid: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl CarbonProfileEntry {
    /// The profile as hourly values, and whether its hours are UTC.
    pub fn values(&self) -> Result<(HourlyValues, bool), String> {
        let utc = self.hour_basis.as_deref() != Some("local");
        match &self.hourly_by_month {
            None => Ok((HourlyValues::Constant(self.mean_g_per_kwh), utc)),
            Some(rows) => {
                if rows.len() != 12 || rows.iter().any(|r| r.len() != 24) {
                    return Err("hourly_by_month must be 12 lists of 24 values".into());
                }
                let mut table = [[0.0; 24]; 12];
                for (m, row) in rows.iter().enumerate() {
                    table[m].copy_from_slice(row);
                }
                Ok((HourlyValues::MonthHour(Box::new(table)), utc))
            }
        }
    }
}
