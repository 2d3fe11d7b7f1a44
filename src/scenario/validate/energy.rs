//! Validation of the energy side: `[site]` weather and PUE, `[solar]`, `[wind]`,
//! `[battery]` and `[grid]`.

use std::path::Path;
use std::sync::Arc;

use super::super::error::did_you_mean;
use super::super::raw::{
    Flexible, NameOr, RawBattery, RawGrid, RawPue, RawScenario, RawSeries, RawSolar, RawWeather, RawWind,
};
use super::checker::Checker;
use crate::catalog::Catalog;
use crate::energy::{EnergySpec, PueModel};
use crate::grid::builtin::carbon_profiles;
use crate::grid::{ExportSpec, GridSeries, GridSpec, HourlyValues, read_year_csv};
use crate::solar::{PvSpec, SapmTemperature};
use crate::storage::{BatteryDispatch, BatterySpec};
use crate::weather::{SyntheticParams, WeatherSite, WeatherSpec, WeatherYear, read_epw, read_plain_csv, read_tmy3};
use crate::wind::{PowerCurve, Shear, WindFarmSpec};

/// Carbon intensity used when a scenario gives none: the world average of the ACT model
/// (Gupta et al., ISCA 2022, `location_2023.yaml`), 481 gCO2e/kWh.
pub const DEFAULT_CARBON_PROFILE: &str = "world-annual";

/// The site as the energy models see it, after filling gaps from a weather file.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergySite {
    /// Degrees north.
    pub latitude: Option<f64>,
    /// Degrees east.
    pub longitude: Option<f64>,
    /// Local standard time offset, hours.
    pub utc_offset_hours: f64,
    /// Whether the scenario gave the offset (otherwise a weather file's is used).
    pub utc_offset_given: bool,
    /// Elevation, m.
    pub elevation_m: f64,
}

/// Validates the energy sections; `None` after reporting errors.
pub fn validate_energy(
    c: &mut Checker<'_>,
    raw: &RawScenario,
    site: &mut EnergySite,
    base_dir: &Path,
    catalog: &Catalog,
) -> Option<EnergySpec> {
    let before = c.count();
    let pue = pue(c, raw.site.pue.as_ref());
    // `capacity_kwp = 0` means no PV (useful in sweeps); negative and NaN values are errors.
    let solar = raw
        .solar
        .as_ref()
        .filter(|s| s.capacity_kwp != 0.0)
        .map(|s| solar(c, s, site, catalog));
    let wind = raw.wind.as_ref().and_then(|w| wind(c, w, catalog));
    let battery = raw.battery.as_ref().map(|b| battery(c, b));
    let collectors = raw.heat.as_ref().is_some_and(|h| h.solar_thermal.is_some());
    let needs_weather = solar.is_some() || wind.is_some() || pue.needs_weather() || collectors;
    let weather = weather(c, raw.site.weather.as_ref(), needs_weather, site, base_dir);
    // Solar defaults that depend on the latitude (which a weather file may have supplied).
    let solar = solar.map(|mut pv| {
        let lat = site.latitude.unwrap_or(0.0);
        if raw.solar.as_ref().and_then(|s| s.tilt_deg).is_none() {
            pv.tilt_deg = lat.abs().min(60.0);
        }
        if raw.solar.as_ref().and_then(|s| s.azimuth_deg).is_none() {
            pv.azimuth_deg = if lat >= 0.0 { 180.0 } else { 0.0 };
        }
        pv
    });
    let grid = grid(c, raw.grid.as_ref().cloned().unwrap_or_default(), site, base_dir);
    let heat = raw
        .heat
        .as_ref()
        .and_then(|h| super::heat::validate_heat(c, h, site, base_dir));
    (c.count() == before).then(|| EnergySpec {
        heat,
        weather,
        solar,
        wind,
        battery,
        grid: grid.unwrap_or_else(default_grid),
        pue,
        utc_offset_hours: site.utc_offset_hours,
    })
}

fn default_grid() -> GridSpec {
    GridSpec {
        carbon: GridSeries {
            values: HourlyValues::Constant(481.0),
            utc_offset_hours: 0.0,
            name: DEFAULT_CARBON_PROFILE.into(),
        },
        price: GridSeries {
            values: HourlyValues::Constant(0.0),
            utc_offset_hours: 0.0,
            name: "none".into(),
        },
        currency: "EUR".into(),
        import_limit_kw: None,
        export: None,
    }
}

fn pue(c: &mut Checker<'_>, raw: Option<&Flexible<RawPue>>) -> PueModel {
    let key = "site.pue";
    match raw {
        None => PueModel::Constant(super::DEFAULT_PUE),
        Some(Flexible::Number(v)) => PueModel::Constant(c.in_range(key, *v, 1.0, 5.0, "PUE")),
        Some(Flexible::Table(t)) if t.model == "free-cooling" => {
            let base = c.in_range(&format!("{key}.base"), t.base.unwrap_or(1.15), 1.0, 5.0, "base PUE");
            let max = c.in_range(&format!("{key}.max"), t.max.unwrap_or(1.6), 1.0, 5.0, "maximum PUE");
            if max < base {
                c.error(
                    &format!("{key}.max"),
                    format!("max PUE {max} is below base {base}"),
                    "make `max` at least `base`",
                );
            }
            PueModel::FreeCooling {
                base,
                free_cooling_below_c: c.in_range(
                    &format!("{key}.free_cooling_below_c"),
                    t.free_cooling_below_c.unwrap_or(18.0),
                    -40.0,
                    50.0,
                    "free-cooling temperature",
                ),
                per_degree: c.in_range(
                    &format!("{key}.per_degree"),
                    t.per_degree.unwrap_or(0.02),
                    0.0,
                    1.0,
                    "PUE increase per degree",
                ),
                max,
            }
        }
        Some(Flexible::Table(t)) => {
            c.error(
                &format!("{key}.model"),
                format!("unknown PUE model \"{}\"", t.model),
                "use a number, or model = \"free-cooling\"",
            );
            PueModel::Constant(super::DEFAULT_PUE)
        }
        Some(_) => {
            c.error(key, "PUE must be a number or a table", "write e.g. `pue = 1.4`");
            PueModel::Constant(super::DEFAULT_PUE)
        }
    }
}

fn solar(c: &mut Checker<'_>, s: &RawSolar, site: &EnergySite, catalog: &Catalog) -> PvSpec {
    let key = "solar";
    let capacity_kwp = c.positive(&format!("{key}.capacity_kwp"), s.capacity_kwp, 1e7, "capacity_kwp");
    let module_gamma = match &s.module {
        Some(id) => match catalog.pv_module(id) {
            Some(m) => Some(m.gamma_pdc_per_c),
            None => {
                let ids: Vec<&str> = catalog.pv_modules.iter().map(|m| m.id.as_str()).collect();
                let hint = match did_you_mean(id, ids.iter().copied()) {
                    Some(best) => format!("did you mean \"{best}\"? modules: {}", ids.join(", ")),
                    None => format!("modules: {}", ids.join(", ")),
                };
                c.error(
                    &format!("{key}.module"),
                    format!("no PV module \"{id}\" in the catalog"),
                    hint,
                );
                None
            }
        },
        None => None,
    };
    if s.module.is_some() && s.gamma_pdc_per_c.is_some() {
        c.error(
            &format!("{key}.gamma_pdc_per_c"),
            "both `module` and `gamma_pdc_per_c` set the temperature coefficient",
            "keep one of them",
        );
    }
    let lat = site.latitude.unwrap_or(0.0);
    PvSpec {
        capacity_kwp,
        module: s.module.clone(),
        tilt_deg: s.tilt_deg.map_or(lat.abs().min(60.0), |v| {
            c.in_range(&format!("{key}.tilt_deg"), v, 0.0, 90.0, "tilt")
        }),
        azimuth_deg: s.azimuth_deg.map_or(if lat >= 0.0 { 180.0 } else { 0.0 }, |v| {
            c.in_range(&format!("{key}.azimuth_deg"), v, 0.0, 360.0, "azimuth")
        }),
        albedo: s
            .albedo
            .map_or(0.2, |v| c.in_range(&format!("{key}.albedo"), v, 0.0, 1.0, "albedo")),
        transposition: s.transposition.unwrap_or_default(),
        gamma_per_c: module_gamma.unwrap_or_else(|| {
            s.gamma_pdc_per_c.map_or(-0.0037, |v| {
                c.in_range(
                    &format!("{key}.gamma_pdc_per_c"),
                    v,
                    -0.02,
                    0.0,
                    "temperature coefficient",
                )
            })
        }),
        losses: s
            .losses
            .map_or_else(crate::solar::pvwatts::pvwatts_default_losses, |v| {
                c.in_range(&format!("{key}.losses"), v, 0.0, 0.9, "losses")
            }),
        dc_ac_ratio: s.dc_ac_ratio.map_or(1.2, |v| {
            c.in_range(&format!("{key}.dc_ac_ratio"), v, 0.5, 3.0, "DC/AC ratio")
        }),
        inverter_efficiency: s.inverter_efficiency.map_or(0.96, |v| {
            c.in_range(
                &format!("{key}.inverter_efficiency"),
                v,
                0.5,
                1.0,
                "inverter efficiency",
            )
        }),
        degradation_per_year: s.degradation_per_year.map_or(0.005, |v| {
            c.in_range(
                &format!("{key}.degradation_per_year"),
                v,
                0.0,
                0.2,
                "degradation per year",
            )
        }),
        temperature: SapmTemperature::OPEN_RACK_GLASS_POLYMER,
    }
}

fn wind(c: &mut Checker<'_>, w: &RawWind, catalog: &Catalog) -> Option<WindFarmSpec> {
    let key = "wind";
    let (name, curve, default_hub) = match (&w.turbine, &w.curve) {
        (Some(_), Some(_)) => {
            c.error(
                &format!("{key}.curve"),
                "both `turbine` and `curve` are set",
                "use a catalog `turbine` or an inline `curve`, not both",
            );
            return None;
        }
        (None, None) => {
            c.error(
                key,
                "the wind farm needs a `turbine` (catalog id) or an inline `curve`",
                "add e.g. `turbine = \"vestas-v112-3.0\"` (see `greenloop catalog`)",
            );
            return None;
        }
        (Some(id), None) => match catalog.turbine(id) {
            Some(t) => (id.clone(), t.curve(), Some(t.default_hub_height_m())),
            None => {
                let ids: Vec<&str> = catalog.turbines.iter().map(|t| t.id.as_str()).collect();
                let hint = match did_you_mean(id, ids.iter().copied()) {
                    Some(best) => format!("did you mean \"{best}\"? turbines: {}", ids.join(", ")),
                    None => format!("turbines: {}", ids.join(", ")),
                };
                c.error(
                    &format!("{key}.turbine"),
                    format!("no turbine \"{id}\" in the catalog"),
                    hint,
                );
                return None;
            }
        },
        (None, Some(raw)) => {
            let curve = PowerCurve {
                wind_speed_ms: raw.wind_speed_ms.clone(),
                power_kw: raw.power_kw.clone(),
                cut_out_ms: raw.cut_out_ms,
            };
            if let Err(message) = curve.validate() {
                c.error(
                    &format!("{key}.curve"),
                    message,
                    "list wind speeds (m/s, increasing) and the power (kW) at each",
                );
                return None;
            }
            ("inline".to_owned(), curve, None)
        }
    };
    let count = w.count.unwrap_or(1);
    if count == 0 || count > 10_000 {
        c.error(
            &format!("{key}.count"),
            format!("{count} turbines is not between 1 and 10000"),
            "give the number of turbines",
        );
    }
    let hub_height_m = match (w.hub_height_m, default_hub) {
        (Some(h), _) => c.in_range(&format!("{key}.hub_height_m"), h, 10.0, 300.0, "hub height"),
        (None, Some(h)) => h,
        (None, None) => {
            c.error(
                &format!("{key}.hub_height_m"),
                "an inline curve needs `hub_height_m`",
                "add e.g. `hub_height_m = 100`",
            );
            100.0
        }
    };
    let shear = match (w.shear_exponent, w.roughness_m) {
        (Some(_), Some(_)) => {
            c.error(
                &format!("{key}.roughness_m"),
                "both `shear_exponent` (power law) and `roughness_m` (log law) are set",
                "keep one",
            );
            Shear::PowerLaw { alpha: 1.0 / 7.0 }
        }
        (Some(a), None) => Shear::PowerLaw {
            alpha: c.in_range(&format!("{key}.shear_exponent"), a, 0.0, 0.6, "shear exponent"),
        },
        (None, Some(z0)) => Shear::LogLaw {
            roughness_m: c.in_range(&format!("{key}.roughness_m"), z0, 0.0001, 5.0, "roughness length"),
        },
        (None, None) => Shear::PowerLaw { alpha: 1.0 / 7.0 },
    };
    Some(WindFarmSpec {
        turbine: name,
        curve,
        count: count.max(1),
        hub_height_m,
        shear,
        availability: w.availability.map_or(0.97, |v| {
            c.in_range(&format!("{key}.availability"), v, 0.0, 1.0, "availability")
        }),
        wake_losses: w.wake_losses.map_or(if count > 1 { 0.05 } else { 0.0 }, |v| {
            c.in_range(&format!("{key}.wake_losses"), v, 0.0, 0.9, "wake losses")
        }),
        density_correction: w.density_correction.unwrap_or(true),
    })
}

fn battery(c: &mut Checker<'_>, b: &RawBattery) -> BatterySpec {
    let key = "battery";
    let capacity_kwh = c.positive(&format!("{key}.capacity_kwh"), b.capacity_kwh, 1e9, "capacity_kwh");
    if b.power_kw.is_some() && (b.charge_power_kw.is_some() || b.discharge_power_kw.is_some()) {
        c.error(
            &format!("{key}.power_kw"),
            "`power_kw` and `charge_power_kw`/`discharge_power_kw` are both set",
            "give `power_kw` for both directions, or the two separately",
        );
    }
    let default_power = b.power_kw.unwrap_or(capacity_kwh / 4.0);
    let charge_power_kw = c.positive(
        &format!("{key}.charge_power_kw"),
        b.charge_power_kw.unwrap_or(default_power),
        1e9,
        "charge power (kW)",
    );
    let discharge_power_kw = c.positive(
        &format!("{key}.discharge_power_kw"),
        b.discharge_power_kw.unwrap_or(default_power),
        1e9,
        "discharge power (kW)",
    );
    let soc_min = c.in_range(&format!("{key}.soc_min"), b.soc_min.unwrap_or(0.1), 0.0, 1.0, "soc_min");
    let soc_max = c.in_range(&format!("{key}.soc_max"), b.soc_max.unwrap_or(0.9), 0.0, 1.0, "soc_max");
    if soc_max <= soc_min {
        c.error(
            &format!("{key}.soc_max"),
            format!("soc_max {soc_max} is not above soc_min {soc_min}"),
            "the usable window needs soc_min < soc_max",
        );
    }
    let dispatch = match &b.dispatch {
        None => BatteryDispatch::SelfConsumption,
        Some(NameOr::Name(n)) => dispatch_policy(c, n, None, None, None),
        Some(NameOr::Table(t)) => dispatch_policy(c, &t.policy, t.low_quantile, t.high_quantile, t.grid_charging),
    };
    BatterySpec {
        capacity_kwh,
        charge_power_kw,
        discharge_power_kw,
        round_trip_efficiency: c.in_range(
            &format!("{key}.round_trip_efficiency"),
            b.round_trip_efficiency.unwrap_or(0.85),
            0.1,
            1.0,
            "round-trip efficiency",
        ),
        soc_min,
        soc_max,
        initial_soc: c.in_range(
            &format!("{key}.initial_soc"),
            b.initial_soc.unwrap_or(0.5),
            0.0,
            1.0,
            "initial_soc",
        ),
        self_discharge_per_day: c.in_range(
            &format!("{key}.self_discharge_per_day"),
            b.self_discharge_per_day.unwrap_or(0.001),
            0.0,
            0.5,
            "self-discharge per day",
        ),
        cycle_life: c.positive(
            &format!("{key}.cycle_life"),
            b.cycle_life.unwrap_or(6_000.0),
            1e7,
            "cycle_life",
        ),
        calendar_life_years: c.positive(
            &format!("{key}.calendar_life_years"),
            b.calendar_life_years.unwrap_or(15.0),
            100.0,
            "calendar_life_years",
        ),
        replace_at_soh: c.in_range(
            &format!("{key}.replace_at_soh"),
            b.replace_at_soh.unwrap_or(
                crate::lifecycle::defaults::LifecycleDefaults::builtin()
                    .refresh
                    .battery_replace_soh,
            ),
            0.0,
            0.99,
            "state of health at replacement",
        ),
        dispatch,
    }
}

fn dispatch_policy(
    c: &mut Checker<'_>,
    name: &str,
    low: Option<f64>,
    high: Option<f64>,
    grid_charging: Option<bool>,
) -> BatteryDispatch {
    let key = "battery.dispatch";
    let low_q = c.in_range(
        &format!("{key}.low_quantile"),
        low.unwrap_or(0.25),
        0.0,
        1.0,
        "low quantile",
    );
    let high_q = c.in_range(
        &format!("{key}.high_quantile"),
        high.unwrap_or(0.75),
        0.0,
        1.0,
        "high quantile",
    );
    if low_q >= high_q {
        c.error(
            &format!("{key}.high_quantile"),
            format!("high_quantile {high_q} is not above low_quantile {low_q}"),
            "e.g. low_quantile = 0.25, high_quantile = 0.75",
        );
    }
    match name {
        "self-consumption" => {
            if low.is_some() || high.is_some() || grid_charging.is_some() {
                c.error(
                    key,
                    "self-consumption takes no quantiles or grid charging",
                    "remove them, or choose \"carbon-aware\" or \"price-arbitrage\"",
                );
            }
            BatteryDispatch::SelfConsumption
        }
        "carbon-aware" => BatteryDispatch::CarbonAware {
            low_quantile: low_q,
            high_quantile: high_q,
            grid_charging: grid_charging.unwrap_or(true),
        },
        "price-arbitrage" => {
            if grid_charging == Some(false) {
                c.error(
                    &format!("{key}.grid_charging"),
                    "price arbitrage charges from the grid by definition",
                    "remove `grid_charging`",
                );
            }
            BatteryDispatch::PriceArbitrage {
                low_quantile: low_q,
                high_quantile: high_q,
            }
        }
        other => {
            let options = ["self-consumption", "carbon-aware", "price-arbitrage"];
            let hint = match did_you_mean(other, options) {
                Some(best) => format!("did you mean \"{best}\"? policies: {}", options.join(", ")),
                None => format!("policies: {}", options.join(", ")),
            };
            c.error(key, format!("unknown battery dispatch \"{other}\""), hint);
            BatteryDispatch::SelfConsumption
        }
    }
}

/// An hourly series: a number, a built-in carbon profile, or a year of values from a file.
pub(super) fn series(
    c: &mut Checker<'_>,
    key: &str,
    raw: Option<&Flexible<RawSeries>>,
    default_column: &str,
    site: &EnergySite,
    base_dir: &Path,
    what: &str,
) -> Option<GridSeries> {
    match raw? {
        Flexible::Number(v) => {
            let v = c.in_range(
                key,
                *v,
                if what == "price" { -10_000.0 } else { 0.0 },
                match what {
                    "price" => 100_000.0,
                    "heat demand" => 1e7,
                    _ => 2_000.0,
                },
                what,
            );
            Some(GridSeries {
                values: HourlyValues::Constant(v),
                utc_offset_hours: site.utc_offset_hours,
                name: format!("constant {v}"),
            })
        }
        Flexible::Name(name) if what == "carbon intensity" => {
            let profiles = match carbon_profiles() {
                Ok(p) => p,
                Err(message) => {
                    c.error(
                        key,
                        message,
                        "this is a bug in greenloop's built-in data; please report it",
                    );
                    return None;
                }
            };
            match profiles.get(name.as_str()) {
                Some(entry) => match entry.values() {
                    Ok((values, utc)) => Some(GridSeries {
                        values,
                        utc_offset_hours: if utc { 0.0 } else { site.utc_offset_hours },
                        name: name.clone(),
                    }),
                    Err(message) => {
                        c.error(
                            key,
                            format!("built-in profile \"{name}\" is invalid: {message}"),
                            "please report this bug",
                        );
                        None
                    }
                },
                None => {
                    let names: Vec<&str> = profiles.keys().map(String::as_str).collect();
                    let hint = match did_you_mean(name, names.iter().copied()) {
                        Some(best) => format!("did you mean \"{best}\"? built-in: {}", names.join(", ")),
                        None => format!(
                            "built-in profiles: {}; or give a number or {{ file = ... }}",
                            names.join(", ")
                        ),
                    };
                    c.error(key, format!("unknown carbon-intensity profile \"{name}\""), hint);
                    None
                }
            }
        }
        Flexible::Table(t) => {
            let path = base_dir.join(&t.file);
            let column = t.column.clone().unwrap_or_else(|| default_column.to_owned());
            let text = match super::read_data_text(&path) {
                Ok(text) => text,
                Err(e) => {
                    c.error(
                        key,
                        format!("cannot read {}: {e}", path.display()),
                        "check the path; it is relative to the scenario file's folder",
                    );
                    return None;
                }
            };
            match read_year_csv(&text, &column) {
                Ok(values) => Some(GridSeries {
                    values: HourlyValues::Year(values),
                    utc_offset_hours: t.utc_offset_hours.map_or(site.utc_offset_hours, |v| {
                        c.in_range(&format!("{key}.utc_offset_hours"), v, -12.0, 14.0, "UTC offset")
                    }),
                    name: t.file.clone(),
                }),
                Err(message) => {
                    c.error(
                        key,
                        format!("{}: {message}", path.display()),
                        format!(
                            "a {what} file is a CSV with `time_h` (0, 1, 2, ...) and `{column}`, 8760 or 8784 rows"
                        ),
                    );
                    None
                }
            }
        }
        _ => {
            c.error(
                key,
                format!("{what} must be a number, a built-in profile name or {{ file = ... }}"),
                format!(
                    "e.g. `{}`",
                    if what == "price" {
                        "price = 80.0"
                    } else {
                        "carbon_intensity = \"de\""
                    }
                ),
            );
            None
        }
    }
}

fn grid(c: &mut Checker<'_>, g: RawGrid, site: &EnergySite, base_dir: &Path) -> Option<GridSpec> {
    let base = default_grid();
    let carbon = match g.carbon_intensity.as_ref() {
        None => base.carbon,
        Some(_) => series(
            c,
            "grid.carbon_intensity",
            g.carbon_intensity.as_ref(),
            "carbon_g_per_kwh",
            site,
            base_dir,
            "carbon intensity",
        )?,
    };
    let price = match g.price.as_ref() {
        None => base.price,
        Some(_) => series(
            c,
            "grid.price",
            g.price.as_ref(),
            "price_eur_per_mwh",
            site,
            base_dir,
            "price",
        )?,
    };
    let export = match g.export {
        None | Some(Flexible::Bool(false)) => None,
        Some(Flexible::Bool(true)) => Some(ExportSpec {
            limit_kw: None,
            price_per_mwh: 0.0,
        }),
        Some(Flexible::Table(t)) => Some(ExportSpec {
            limit_kw: t
                .limit_kw
                .map(|v| c.positive("grid.export.limit_kw", v, 1e9, "export limit (kW)")),
            price_per_mwh: t.price_per_mwh.map_or(0.0, |v| {
                c.in_range("grid.export.price_per_mwh", v, -10_000.0, 100_000.0, "export price")
            }),
        }),
        Some(_) => {
            c.error(
                "grid.export",
                "export must be true, false or a table",
                "e.g. `export = { price_per_mwh = 40.0 }`",
            );
            None
        }
    };
    Some(GridSpec {
        carbon,
        price,
        currency: g.currency.unwrap_or_else(|| "EUR".into()),
        import_limit_kw: g
            .import_limit_kw
            .map(|v| c.positive("grid.import_limit_kw", v, 1e9, "import limit (kW)")),
        export,
    })
}

/// Synthetic weather defaults. The clear-sky index statistics (mean 0.7, daily standard
/// deviation 0.22, day-to-day correlation 0.3) are those of the Greensboro, NC TMY3 file
/// shipped in `scenarios/sites/weather/` (a humid mid-latitude climate); set them for your
/// site (the Sand Point, AK TMY3 has a mean of 0.55). Wind and temperature defaults are
/// generic assumptions.
pub fn default_synthetic() -> SyntheticParams {
    SyntheticParams {
        clear_sky_index_mean: 0.7,
        clear_sky_index_sd: 0.22,
        cloud_persistence: 0.3,
        hourly_variability: 0.1,
        wind_weibull_k: 2.0,
        wind_weibull_c_ms: 5.0,
        wind_autocorrelation: 0.9,
        wind_diurnal_amplitude: 0.0,
        wind_peak_hour: 15.0,
        temp_mean_c: 15.0,
        temp_seasonal_amplitude_c: 10.0,
        temp_daily_amplitude_c: 5.0,
        temp_noise_sd_c: 2.0,
    }
}

fn synthetic_params(c: &mut Checker<'_>, t: &RawWeather) -> SyntheticParams {
    let d = default_synthetic();
    let key = "site.weather";
    let mut r = |name: &str, v: Option<f64>, default: f64, lo: f64, hi: f64| -> f64 {
        v.map_or(default, |v| c.in_range(&format!("{key}.{name}"), v, lo, hi, name))
    };
    SyntheticParams {
        clear_sky_index_mean: r(
            "clear_sky_index_mean",
            t.clear_sky_index_mean,
            d.clear_sky_index_mean,
            0.05,
            1.05,
        ),
        clear_sky_index_sd: r(
            "clear_sky_index_sd",
            t.clear_sky_index_sd,
            d.clear_sky_index_sd,
            0.0,
            1.0,
        ),
        cloud_persistence: r("cloud_persistence", t.cloud_persistence, d.cloud_persistence, 0.0, 0.99),
        hourly_variability: r(
            "hourly_variability",
            t.hourly_variability,
            d.hourly_variability,
            0.0,
            1.0,
        ),
        wind_weibull_k: r("wind_weibull_k", t.wind_weibull_k, d.wind_weibull_k, 0.5, 10.0),
        wind_weibull_c_ms: r("wind_weibull_c_ms", t.wind_weibull_c_ms, d.wind_weibull_c_ms, 0.1, 30.0),
        wind_autocorrelation: r(
            "wind_autocorrelation",
            t.wind_autocorrelation,
            d.wind_autocorrelation,
            0.0,
            0.999,
        ),
        wind_diurnal_amplitude: r(
            "wind_diurnal_amplitude",
            t.wind_diurnal_amplitude,
            d.wind_diurnal_amplitude,
            0.0,
            1.0,
        ),
        wind_peak_hour: r("wind_peak_hour", t.wind_peak_hour, d.wind_peak_hour, 0.0, 24.0),
        temp_mean_c: r("temp_mean_c", t.temp_mean_c, d.temp_mean_c, -50.0, 40.0),
        temp_seasonal_amplitude_c: r(
            "temp_seasonal_amplitude_c",
            t.temp_seasonal_amplitude_c,
            d.temp_seasonal_amplitude_c,
            0.0,
            40.0,
        ),
        temp_daily_amplitude_c: r(
            "temp_daily_amplitude_c",
            t.temp_daily_amplitude_c,
            d.temp_daily_amplitude_c,
            0.0,
            30.0,
        ),
        temp_noise_sd_c: r("temp_noise_sd_c", t.temp_noise_sd_c, d.temp_noise_sd_c, 0.0, 20.0),
    }
}

fn weather(
    c: &mut Checker<'_>,
    raw: Option<&Flexible<RawWeather>>,
    needed: bool,
    site: &mut EnergySite,
    base_dir: &Path,
) -> Option<WeatherSpec> {
    let key = "site.weather";
    let table = match raw {
        None if !needed => return None,
        None => RawWeather {
            synthetic: Some(true),
            ..RawWeather::default()
        },
        Some(Flexible::Name(name)) if name == "synthetic" => RawWeather {
            synthetic: Some(true),
            ..RawWeather::default()
        },
        Some(Flexible::Name(path)) => RawWeather {
            file: Some(path.clone()),
            ..RawWeather::default()
        },
        Some(Flexible::Table(t)) => t.clone(),
        Some(_) => {
            c.error(
                key,
                "weather must be a file path, \"synthetic\" or a table",
                "e.g. `weather = \"sites/weather/723170TYA.CSV\"`",
            );
            return None;
        }
    };
    match (&table.file, table.synthetic.unwrap_or(false)) {
        (Some(_), true) => {
            c.error(
                key,
                "both `file` and `synthetic` are set",
                "use a weather file or synthetic weather, not both",
            );
            None
        }
        (None, false) => {
            c.error(
                key,
                "the weather table needs `file` or `synthetic = true`",
                "e.g. `weather = { file = \"sites/weather/723170TYA.CSV\" }`",
            );
            None
        }
        (None, true) => {
            let Some(latitude) = site.latitude else {
                c.error(
                    "site.latitude",
                    "synthetic weather (needed by solar, wind or a weather-dependent PUE) needs the site's latitude",
                    "add `latitude` and `longitude` to [site], or give a weather file with `weather = \"...\"`",
                );
                return None;
            };
            let params = synthetic_params(c, &table);
            Some(WeatherSpec::Synthetic {
                params,
                site: WeatherSite {
                    name: "synthetic".into(),
                    latitude,
                    longitude: site.longitude.unwrap_or(0.0),
                    utc_offset_hours: site.utc_offset_hours,
                    elevation_m: site.elevation_m,
                },
            })
        }
        (Some(file), false) => {
            let year = read_weather_file(c, key, &base_dir.join(file), table.format.as_deref(), site)?;
            let w = &year.site;
            for (name, given, found) in [
                ("latitude", site.latitude, w.latitude),
                ("longitude", site.longitude, w.longitude),
            ] {
                if let Some(g) = given {
                    if (g - found).abs() > 2.0 {
                        c.error(
                            &format!("site.{name}"),
                            format!(
                                "the site's {name} {g} is far from the weather file's {found} ({})",
                                w.name
                            ),
                            "use a weather file of your site, or remove the site's coordinates to use the file's",
                        );
                    }
                }
            }
            site.latitude.get_or_insert(w.latitude);
            site.longitude.get_or_insert(w.longitude);
            if !site.utc_offset_given {
                site.utc_offset_hours = w.utc_offset_hours;
            }
            Some(WeatherSpec::File(Arc::new(year)))
        }
    }
}

fn read_weather_file(
    c: &mut Checker<'_>,
    key: &str,
    path: &Path,
    format: Option<&str>,
    site: &EnergySite,
) -> Option<WeatherYear> {
    let text = match super::read_data_text(path) {
        Ok(t) => t,
        Err(e) => {
            c.error(
                key,
                format!("cannot read weather file {}: {e}", path.display()),
                "check the path; it is relative to the scenario file's folder",
            );
            return None;
        }
    };
    let detected = match format {
        Some(f) => f.to_owned(),
        None if text.starts_with("LOCATION") => "epw".into(),
        None if text.lines().nth(1).is_some_and(|l| l.contains("GHI (W/m^2)")) => "tmy3".into(),
        None => "csv".into(),
    };
    let source = path.display().to_string();
    let result = match detected.as_str() {
        "tmy3" => read_tmy3(&text, &source),
        "epw" => read_epw(&text, &source),
        "csv" => {
            let Some(latitude) = site.latitude else {
                c.error(
                    "site.latitude",
                    "a plain CSV weather file needs the site's latitude and longitude",
                    "add `latitude` and `longitude` to [site]",
                );
                return None;
            };
            read_plain_csv(
                &text,
                WeatherSite {
                    name: source.clone(),
                    latitude,
                    longitude: site.longitude.unwrap_or(0.0),
                    utc_offset_hours: site.utc_offset_hours,
                    elevation_m: site.elevation_m,
                },
                &source,
            )
        }
        other => {
            c.error(
                &format!("{key}.format"),
                format!("unknown weather format \"{other}\""),
                "formats: tmy3, epw, csv",
            );
            return None;
        }
    };
    match result {
        Ok(year) => Some(year),
        Err(e) => {
            c.error(
                key,
                format!("weather file {}: {e}", path.display()),
                "see README, \"Weather files\", for the formats",
            );
            None
        }
    }
}
