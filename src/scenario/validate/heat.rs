//! Validation of `[heat]`: heat reuse through a heat pump and solar thermal collectors.

use std::path::Path;

use super::checker::Checker;
use super::energy::{EnergySite, series};
use crate::heat::{CollectorSpec, Cop, HeatSpec, carnot_cop};
use crate::scenario::raw::{RawCollector, RawHeat};

/// Temperature of the recovered server heat, C: Meta's Odense datacenter delivers its cooling
/// water at 27 C (Fjernvarme Fyn / DBDH, 2019-2020).
pub const DEFAULT_SOURCE_TEMP_C: f64 = 27.0;
/// Supply temperature, C: the heat pumps at Odense lift district-heating water to 70-75 C
/// (Ramboll project page); 70 C is also the top of 4th-generation networks (55-70 C).
pub const DEFAULT_SUPPLY_TEMP_C: f64 = 70.0;
/// Share of the Carnot COP (with 5 K approaches) large heat pumps reach: 0.43, fitted to
/// Zangeneh and Oi's simulated COPs (45 C to 60/70/80 C: 5.5/4.3/3.5); `eta_carnot_with_approach`
/// in `src/flex/data/flex.toml`.
pub const DEFAULT_CARNOT_FRACTION: f64 = 0.43;
/// Share of IT heat recovered: 0.75, the share of their waste heat Microsoft's Espoo and
/// Kirkkonummi datacenters are to deliver to district heating over a year (Fortum).
pub const DEFAULT_RECOVERY_SHARE: f64 = 0.75;
/// Efficiency of the displaced gas boiler on net calorific value (assumption, bounded by the
/// EU boiler directive minimums; `src/flex/data/flex.toml`).
pub const DEFAULT_BOILER_EFFICIENCY: f64 = 0.9;
/// Natural gas, kgCO2 per kWh of fuel on net calorific value: IPCC 2006 default 56,100 kg/TJ
/// = 0.202 (`src/flex/data/flex.toml`).
pub const DEFAULT_BOILER_KGCO2E_PER_KWH: f64 = 0.202;

/// Collector parameters by kind: (eta0, a1, a2, source).
fn collector_kind(kind: &str) -> Option<(f64, f64, f64, &'static str)> {
    match kind {
        "flat-plate" => Some((
            0.775,
            3.75,
            0.02,
            "glazed flat plate, 'good' average data: UdK-VPT/BuildingSystems FlatSolarCollector1 (ISO 9806 quadratic form)",
        )),
        "evacuated-tube" => Some((
            0.675,
            2.05,
            0.01,
            "evacuated tube, generic values from open Modelica libraries (src/flex/data/flex.toml)",
        )),
        _ => None,
    }
}

fn collectors(c: &mut Checker<'_>, r: &RawCollector, lat: f64) -> Option<CollectorSpec> {
    let key = "heat.solar_thermal";
    let area = c.in_range(&format!("{key}.area_m2"), r.area_m2, 0.0, 1e7, "collector area (m^2)");
    let kind = r.kind.as_deref().unwrap_or("flat-plate");
    let Some((eta0, a1, a2, source)) = collector_kind(kind) else {
        c.error(
            &format!("{key}.kind"),
            format!("unknown collector kind \"{kind}\""),
            "use \"flat-plate\" or \"evacuated-tube\", or give eta0, a1 and a2",
        );
        return None;
    };
    let given = r.eta0.is_some() || r.a1.is_some() || r.a2.is_some();
    Some(CollectorSpec {
        area_m2: area,
        eta0: r
            .eta0
            .map_or(eta0, |v| c.in_range(&format!("{key}.eta0"), v, 0.0, 1.0, "eta0")),
        a1: r
            .a1
            .map_or(a1, |v| c.in_range(&format!("{key}.a1"), v, 0.0, 50.0, "a1 (W/m^2K)")),
        a2: r
            .a2
            .map_or(a2, |v| c.in_range(&format!("{key}.a2"), v, 0.0, 1.0, "a2 (W/m^2K^2)")),
        tilt_deg: r.tilt_deg.map_or(lat.abs().min(60.0), |v| {
            c.in_range(&format!("{key}.tilt_deg"), v, 0.0, 90.0, "tilt")
        }),
        azimuth_deg: r.azimuth_deg.map_or(if lat >= 0.0 { 180.0 } else { 0.0 }, |v| {
            c.in_range(&format!("{key}.azimuth_deg"), v, 0.0, 360.0, "azimuth")
        }),
        mean_fluid_temp_c: r.mean_fluid_temp_c.map_or(50.0, |v| {
            c.in_range(
                &format!("{key}.mean_fluid_temp_c"),
                v,
                -20.0,
                200.0,
                "mean fluid temperature (C)",
            )
        }),
        source: if given {
            "given in the scenario".into()
        } else {
            source.into()
        },
    })
}

/// Validates `[heat]`.
pub fn validate_heat(c: &mut Checker<'_>, raw: &RawHeat, site: &EnergySite, base_dir: &Path) -> Option<HeatSpec> {
    let key = "heat";
    let Some(demand) = raw.demand_kw.as_ref() else {
        c.error(
            &format!("{key}.demand_kw"),
            "heat reuse needs a heat demand",
            "give the demand in kW: a number (e.g. demand_kw = 150) or { file = \"heat.csv\", column = \"heat_kw\" }",
        );
        return None;
    };
    let demand_kw = series(
        c,
        &format!("{key}.demand_kw"),
        Some(demand),
        "heat_kw",
        site,
        base_dir,
        "heat demand",
    )?;
    let source = raw.source_temp_c.map_or(DEFAULT_SOURCE_TEMP_C, |v| {
        c.in_range(
            &format!("{key}.source_temp_c"),
            v,
            -20.0,
            150.0,
            "source temperature (C)",
        )
    });
    let supply = raw.supply_temp_c.map_or(DEFAULT_SUPPLY_TEMP_C, |v| {
        c.in_range(&format!("{key}.supply_temp_c"), v, 0.0, 200.0, "supply temperature (C)")
    });
    let cop = match (raw.cop, raw.carnot_fraction) {
        (Some(_), Some(_)) => {
            c.error(
                &format!("{key}.cop"),
                "both `cop` and `carnot_fraction` are set",
                "give a fixed `cop`, or `carnot_fraction` to compute it from the temperatures",
            );
            return None;
        }
        (Some(v), None) => {
            if !(1.0..=20.0).contains(&v) {
                c.error(
                    &format!("{key}.cop"),
                    format!("a heat pump COP of {v} is not between 1 and 20 (a COP below 1 would deliver less heat than it uses electricity)"),
                    "heat pumps for district heating reach 2.5 to 5.5; e.g. cop = 3.5",
                );
                return None;
            }
            Cop::Fixed(v)
        }
        (None, f) => {
            let fraction = f.map_or(DEFAULT_CARNOT_FRACTION, |v| {
                c.in_range(&format!("{key}.carnot_fraction"), v, 0.05, 1.0, "Carnot fraction")
            });
            if supply <= source {
                c.error(
                    &format!("{key}.supply_temp_c"),
                    format!("the supply temperature ({supply} C) is not above the source ({source} C)"),
                    "without a temperature lift there is no heat pump; raise supply_temp_c or give a fixed `cop`",
                );
                return None;
            }
            let cop = carnot_cop(fraction, source, supply);
            if cop < 1.0 {
                c.error(
                    &format!("{key}.carnot_fraction"),
                    format!("the heat pump's COP would be {cop:.2}, below 1"),
                    "raise carnot_fraction or lower the temperature lift",
                );
                return None;
            }
            Cop::Carnot { fraction }
        }
    };
    let solar = raw
        .solar_thermal
        .as_ref()
        .and_then(|r| collectors(c, r, site.latitude.unwrap_or(0.0)));
    Some(HeatSpec {
        recovery_share: raw.recovery_share.map_or(DEFAULT_RECOVERY_SHARE, |v| {
            c.in_range(&format!("{key}.recovery_share"), v, 0.0, 1.0, "recovery share")
        }),
        source_temp_c: source,
        supply_temp_c: supply,
        cop,
        demand_kw,
        boiler_efficiency: raw.boiler_efficiency.map_or(DEFAULT_BOILER_EFFICIENCY, |v| {
            c.in_range(&format!("{key}.boiler_efficiency"), v, 0.1, 1.2, "boiler efficiency")
        }),
        boiler_kgco2e_per_kwh_fuel: raw
            .boiler_kgco2e_per_kwh_fuel
            .map_or(DEFAULT_BOILER_KGCO2E_PER_KWH, |v| {
                c.in_range(
                    &format!("{key}.boiler_kgco2e_per_kwh_fuel"),
                    v,
                    0.0,
                    2.0,
                    "fuel emission factor",
                )
            }),
        collectors: solar,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults are the sourced values of `src/flex/data/flex.toml`.
    #[test]
    fn defaults_match_the_sourced_data_file() {
        let data: toml::Table = toml::from_str(include_str!("../../flex/data/flex.toml")).unwrap();
        let get = |table: &str, key: &str| data[table][key].as_float().unwrap();
        assert_eq!(DEFAULT_CARNOT_FRACTION, get("heat_pump", "eta_carnot_with_approach"));
        assert_eq!(crate::heat::APPROACH_K, get("heat_pump", "approach_k"));
        assert_eq!(crate::heat::COP_MAX, get("heat_pump", "cop_max"));
        assert_eq!(DEFAULT_SOURCE_TEMP_C, get("heat_pump", "source_temp_air_cooled_c"));
        assert_eq!(
            DEFAULT_SUPPLY_TEMP_C,
            get("heat_pump", "supply_temp_district_heating_c")
        );
        assert_eq!(DEFAULT_BOILER_EFFICIENCY, get("boiler", "gas_boiler_efficiency"));
        assert_eq!(
            DEFAULT_BOILER_KGCO2E_PER_KWH,
            get("boiler", "natural_gas_kgco2_per_kwh_fuel_ncv")
        );
        assert_eq!(
            DEFAULT_RECOVERY_SHARE,
            get("heat_recovery", "annual_utilisation_example")
        );
        let st = &data["solar_thermal"];
        for (kind, table) in [("flat-plate", "flat_plate"), ("evacuated-tube", "evacuated_tube")] {
            let (eta0, a1, a2, _) = collector_kind(kind).unwrap();
            assert_eq!(eta0, st[table]["eta0"].as_float().unwrap(), "{kind}");
            assert_eq!(a1, st[table]["a1_w_m2k"].as_float().unwrap(), "{kind}");
            assert_eq!(a2, st[table]["a2_w_m2k2"].as_float().unwrap(), "{kind}");
        }
    }
}
