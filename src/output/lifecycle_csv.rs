//! `lifecycle.csv`: one row per simulated year: purchases, failures, retirements, each
//! end-of-life route in units and kg, embodied carbon, and the year's energy, carbon and
//! traffic, and the servers in service at the end of the year by age (`age_0` .. `age_9`,
//! `age_10_plus`). With several replications each cell is the mean over them.

use super::timeseries::format_number;
use crate::lifecycle::{Route, YearRow};
use crate::metrics::RunResult;

/// Column names, with units.
pub const HEADER: [&str; 46] = [
    "year",
    "calendar_year",
    "servers_in_service",
    "capacity_mops",
    "purchases",
    "redeployed",
    "failures",
    "repairs",
    "retired_planned",
    "retired_failed",
    "reuse_units",
    "refurbish_units",
    "harvest_units",
    "recycle_units",
    "landfill_units",
    "reuse_kg",
    "refurbish_kg",
    "harvest_kg",
    "recycle_kg",
    "landfill_kg",
    "ewaste_kg",
    "purchased_kg",
    "embodied_purchased_kgco2e",
    "embodied_amortized_kgco2e",
    "avoided_by_reuse_kgco2e",
    "reused_dram_gb",
    "reused_ssd_tb",
    "devices_replaced",
    "it_kwh",
    "facility_kwh",
    "grid_import_kwh",
    "renewable_kwh",
    "operational_kgco2e",
    "grid_cost",
    "completed_tx",
    "age_0",
    "age_1",
    "age_2",
    "age_3",
    "age_4",
    "age_5",
    "age_6",
    "age_7",
    "age_8",
    "age_9",
    "age_10_plus",
];

fn row_values(result: &RunResult, y: usize, row: &YearRow) -> Vec<f64> {
    let e = result.energy_years.get(y).copied().unwrap_or_default();
    let mut v = vec![
        row.year as f64,
        0.0,
        f64::from(row.servers_in_service),
        row.capacity_ops / 1e6,
        f64::from(row.purchases),
        f64::from(row.redeployed),
        f64::from(row.failures),
        f64::from(row.repairs),
        f64::from(row.retired_planned),
        f64::from(row.retired_failed),
    ];
    v.extend(row.route_units.iter().map(|&u| f64::from(u)));
    v.extend(row.route_kg.iter().copied());
    v.extend([
        Route::ALL.iter().map(|&r| row.kg(r)).sum(),
        row.purchased_kg,
        row.embodied_purchased_kg,
        row.embodied_amortized_kg,
        row.avoided_by_reuse_kg,
        row.reused_dram_gb,
        row.reused_ssd_tb,
        f64::from(row.devices_replaced),
        e.it_kwh,
        e.flows.demand,
        e.flows.grid_import(),
        e.flows.renewables(),
        e.flows.carbon_g / 1000.0,
        e.flows.import_cost - e.flows.export_revenue,
        e.completed,
    ]);
    v.extend(row.age_counts.iter().map(|&n| f64::from(n)));
    v
}

/// The CSV text for `results` (replications averaged cell by cell).
pub fn lifecycle_csv(results: &[RunResult], start_year: i32) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    let Some(first) = results.first() else { return out };
    for y in 0..first.lifecycle.years.len() {
        let mut mean = vec![0.0; HEADER.len()];
        for r in results {
            let Some(row) = r.lifecycle.years.get(y) else { continue };
            for (m, v) in mean.iter_mut().zip(row_values(r, y, row)) {
                *m += v / results.len() as f64;
            }
        }
        mean[1] = f64::from(start_year) + y as f64;
        let line: Vec<String> = mean.iter().map(|&v| format_number(v)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_row_width() {
        let r = RunResult::default();
        assert_eq!(row_values(&r, 0, &YearRow::default()).len(), HEADER.len());
    }
}
