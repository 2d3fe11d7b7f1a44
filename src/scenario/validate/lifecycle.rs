//! Validation of `[lifecycle]` and `[economics]`: refresh policy, purchases, failures,
//! end-of-life shares, harvest, and prices, with the built-in defaults filled in.

use std::sync::Arc;

use super::checker::Checker;
use crate::catalog::{Catalog, DEFAULT_SERVER_ID, ServerEntry};
use crate::datacenter::{DatacenterSpec, DeviceKind, ModelRegistry, ServerModel, Sizing};
use crate::economics::{CostDefaults, DEFAULT_GRID_USD_PER_KWH, EconomicsSpec, USD_PER_EUR};
use crate::energy::{EnergySpec, PueModel};
use crate::engine::time::{NS_PER_DAY, NS_PER_YEAR};
use crate::lifecycle::defaults::{LifecycleDefaults, RouteShares};
use crate::lifecycle::embodied::{ram_kgco2e, server_embodied, ssd_kgco2e};
use crate::lifecycle::spec::EndOfLifeParams;
use crate::lifecycle::{
    DeviceFleet, EnergyValue, FailureParams, FleetSizing, HardwareFacts, InitialAge, LifecycleSpec, PlantSpec,
    RefreshPolicy,
};
use crate::scenario::raw::{Flexible, NameOr, RawEconomics, RawLifecycle, RawRouteShares, RawServer};

/// Default refresh age, years: the middle of the enterprise 4-year life (Boavizta,
/// CCF/Teads) and the hyperscalers' 6 years (see `src/lifecycle/data/defaults.toml`).
pub const DEFAULT_REFRESH_YEARS: f64 = 5.0;
/// Default payback limit of the efficiency policy, years.
pub const DEFAULT_PAYBACK_YEARS: f64 = 3.0;
/// Servers this old are retired rather than repaired, years (the top of the 3..8
/// year range of refresh ages).
pub const DEFAULT_ECONOMIC_LIFE_YEARS: f64 = 8.0;
/// Time to bring a refurbished spare into service: one working day (assumption).
pub const DEFAULT_SPARE_DEPLOY_NS: u64 = NS_PER_DAY;

/// The inputs the lifecycle needs from the rest of the scenario.
pub struct LifecycleContext<'a> {
    /// The validated datacenter.
    pub datacenter: &'a DatacenterSpec,
    /// The inline server table, when the server is defined in the file.
    pub inline_server: Option<&'a RawServer>,
    /// The validated energy system.
    pub energy: &'a EnergySpec,
    /// Calendar year of time 0.
    pub start_year: i32,
    /// Horizon, ns.
    pub horizon_ns: u64,
    /// Peak work rate of each simulated year, ssj_ops/s.
    pub yearly_peak_ops: Vec<f64>,
    /// The economics (for the payback test's carbon price).
    pub economics: &'a EconomicsSpec,
}

/// Validates `[economics]`.
pub fn validate_economics(c: &mut Checker<'_>, raw: Option<&RawEconomics>, energy: &EnergySpec) -> EconomicsSpec {
    let d = CostDefaults::builtin();
    let r = raw.cloned().unwrap_or_default();
    let mut num = |key: &str, v: Option<f64>, default: f64, max: f64| match v {
        Some(v) => c.in_range(&format!("economics.{key}"), v, 0.0, max, key),
        None => default,
    };
    let discount_rate = num("discount_rate", r.discount_rate, d.finance.discount_rate, 0.5);
    let carbon_price = num("carbon_price_usd_per_t", r.carbon_price_usd_per_t, 0.0, 10_000.0);
    let default_grid = num(
        "grid_price_usd_per_kwh",
        r.grid_price_usd_per_kwh,
        DEFAULT_GRID_USD_PER_KWH,
        10.0,
    );
    let currency = if energy.grid.currency.eq_ignore_ascii_case("EUR") {
        USD_PER_EUR
    } else {
        1.0
    };
    let grid_currency_to_usd = num("grid_currency_to_usd", r.grid_currency_to_usd, currency, 1000.0);
    let pv = num("pv_usd_per_kwp", r.pv_usd_per_kwp, d.capex.pv_usd_per_kwp, 100_000.0);
    let wind = num("wind_usd_per_kw", r.wind_usd_per_kw, d.capex.wind_usd_per_kw, 100_000.0);
    let battery_kwh = num(
        "battery_usd_per_kwh",
        r.battery_usd_per_kwh,
        d.capex.battery_usd_per_kwh,
        100_000.0,
    );
    let battery_kw = num(
        "battery_usd_per_kw",
        r.battery_usd_per_kw,
        d.capex.battery_usd_per_kw,
        100_000.0,
    );
    let maintenance = num(
        "it_maintenance_fraction_per_year",
        r.it_maintenance_fraction_per_year,
        d.opex.it_maintenance_fraction_per_year,
        1.0,
    );
    let defaults = LifecycleDefaults::builtin();
    EconomicsSpec {
        discount_rate,
        carbon_price_usd_per_t: carbon_price,
        carbon_price_on_embodied: r.carbon_price_on_embodied.unwrap_or(false),
        default_grid_usd_per_kwh: default_grid,
        grid_has_price: energy.grid.price.name != "none",
        grid_currency_to_usd,
        pv_usd_per_kwp: pv,
        wind_usd_per_kw: wind,
        battery_usd_per_kwh: battery_kwh,
        battery_usd_per_kw: battery_kw,
        pv_om_usd_per_kwp_year: d.opex.pv_usd_per_kwp_year,
        wind_om_usd_per_kw_year: d.opex.wind_usd_per_kw_year,
        battery_om_usd_per_kw_year: d.opex.battery_usd_per_kw_year,
        it_maintenance_fraction_per_year: maintenance,
        pv_kwp: energy.solar.as_ref().map_or(0.0, |s| s.capacity_kwp),
        wind_kw: energy.wind.as_ref().map_or(0.0, |w| w.capacity_kw()),
        battery_kwh: energy.battery.as_ref().map_or(0.0, |b| b.capacity_kwh),
        battery_kw: energy
            .battery
            .as_ref()
            .map_or(0.0, |b| b.discharge_power_kw.max(b.charge_power_kw)),
        pv_life_years: defaults.refresh.pv_life_years,
        wind_life_years: defaults.refresh.wind_life_years,
    }
}

/// Purchase, mass and embodied data of catalog entry `e`.
fn catalog_facts(e: &ServerEntry) -> HardwareFacts {
    let f = &LifecycleDefaults::builtin().embodied.server_components;
    HardwareFacts {
        mass_kg: e.mass_kg,
        price_usd: e.price_usd,
        embodied_kgco2e: server_embodied(f, &e.components).total(),
        dram_gb: e.components.dram_gb,
        ssd_tb: e.components.ssd_tb,
        dram_kgco2e: ram_kgco2e(f, e.components.dram_gb),
        ssd_kgco2e: ssd_kgco2e(f, e.components.ssd_tb),
    }
}

/// Facts of the scenario's server: its catalog entry, or for an inline server the default
/// catalog server's, with the mass, price and embodied carbon the file gives.
fn initial_facts(c: &mut Checker<'_>, catalog: &Catalog, ctx: &LifecycleContext<'_>) -> Option<HardwareFacts> {
    let id = &ctx.datacenter.server.id;
    if let Some(e) = catalog.server_entry(id) {
        return Some(catalog_facts(e));
    }
    let mut facts = catalog_facts(catalog.server_entry(DEFAULT_SERVER_ID)?);
    if let Some(t) = ctx.inline_server {
        let key = "datacenter.server";
        if let Some(v) = t.mass_kg {
            facts.mass_kg = c.positive(&format!("{key}.mass_kg"), v, 10_000.0, "mass (kg)");
        }
        if let Some(v) = t.price_usd {
            facts.price_usd = c.in_range(&format!("{key}.price_usd"), v, 0.0, 1e8, "price (USD)");
        }
        if let Some(v) = t.embodied_kgco2e {
            let v = c.in_range(
                &format!("{key}.embodied_kgco2e"),
                v,
                0.0,
                1e6,
                "embodied carbon (kgCO2e)",
            );
            // Parts keep their share of the total.
            let scale = if facts.embodied_kgco2e > 0.0 {
                v / facts.embodied_kgco2e
            } else {
                0.0
            };
            facts.dram_kgco2e *= scale;
            facts.ssd_kgco2e *= scale;
            facts.embodied_kgco2e = v;
        }
    }
    Some(facts)
}

/// A catalog server projected `years` beyond its SPECpower year at `gain` more ssj_ops per
/// watt each year (same power curve, same price and parts).
fn projected(model: &ServerModel, years: i32, gain: f64) -> ServerModel {
    let factor = (1.0 + gain).powi(years);
    let year = model.year.map(|y| y + years as u16);
    let mut m = model.clone();
    m.ssj_ops_at_100 *= factor;
    m.id = format!("{}+{}y", model.id, years);
    m.name = format!(
        "{} projected to {} (+{:.0} %/yr ssj_ops per W)",
        model.name,
        year.unwrap_or(0),
        100.0 * gain
    );
    m.year = year;
    m.source = format!("{} x {factor:.3}: projection, not a measurement", model.source);
    m
}

/// Validates `[lifecycle]` (or builds the static lifecycle when it is absent).
pub fn validate_lifecycle(
    c: &mut Checker<'_>,
    raw: Option<&RawLifecycle>,
    catalog: &Catalog,
    ctx: &LifecycleContext<'_>,
) -> Option<LifecycleSpec> {
    let d = LifecycleDefaults::builtin();
    let active = raw.is_some();
    let r = raw.cloned().unwrap_or_default();
    let dc = ctx.datacenter;
    let years = ctx.horizon_ns.div_ceil(NS_PER_YEAR).max(1) as usize;

    // Refresh.
    let refresh = match &r.refresh {
        None => RefreshPolicy::FixedAge {
            years: DEFAULT_REFRESH_YEARS,
        },
        Some(NameOr::Name(n)) => refresh_policy(c, n, None, None, None)?,
        Some(NameOr::Table(t)) => refresh_policy(c, &t.policy, t.age_years, t.payback_years, t.min_age_years)?,
    };
    let amortization_years = match r.amortization_years {
        Some(v) => c.in_range(
            "lifecycle.amortization_years",
            v,
            1.0,
            30.0,
            "amortization life (years)",
        ),
        None => match refresh {
            RefreshPolicy::FixedAge { years } => years,
            _ => DEFAULT_REFRESH_YEARS,
        },
    };

    // Purchases: the registry holds the initial server (0) and every model bought.
    let initial = initial_facts(c, catalog, ctx)?;
    let gain = match r.efficiency_gain_per_year {
        Some(g) => c.in_range(
            "lifecycle.efficiency_gain_per_year",
            g,
            0.0,
            1.0,
            "efficiency gain per year",
        ),
        None => 0.0,
    };
    let rule = r.purchase.clone().unwrap_or_else(|| "latest".to_owned());
    let mut models: Vec<Arc<ServerModel>> = vec![Arc::clone(&dc.server)];
    let mut facts = vec![initial];
    let mut purchase_by_year = Vec::with_capacity(years);
    let states = dc.server.states.clone();
    let newest_year = catalog.server_entries().iter().map(|e| e.year).max().unwrap_or(2025);
    for y in 0..years {
        let year = ctx.start_year + y as i32;
        let (model, fact): (ServerModel, HardwareFacts) = match rule.as_str() {
            "same" => ((*dc.server).clone(), facts[0].clone()),
            "latest" => {
                // The most efficient server available that year; beyond the catalog,
                // the newest generation projected at the efficiency gain.
                let available_year = year.min(i32::from(newest_year));
                let best = catalog
                    .server_entries()
                    .iter()
                    .filter(|e| i32::from(e.year) <= available_year)
                    .filter_map(|e| catalog.server(&e.id).map(|m| (e, m)))
                    .max_by(|a, b| a.1.ssj_ops_per_w_at_100().total_cmp(&b.1.ssj_ops_per_w_at_100()));
                let Some((entry, m)) = best else {
                    c.error(
                        "lifecycle.purchase",
                        format!("the catalog has no server from {year} or earlier to buy"),
                        "start later, or name a catalog server, e.g. purchase = \"dell-r740-xeon-8280\"",
                    );
                    return None;
                };
                let beyond = year - i32::from(newest_year);
                let model = if beyond > 0 && gain > 0.0 {
                    projected(&m, beyond, gain)
                } else {
                    (*m).clone()
                };
                (model, catalog_facts(entry))
            }
            id => match (catalog.server(id), catalog.server_entry(id)) {
                (Some(m), Some(e)) => ((*m).clone(), catalog_facts(e)),
                _ => {
                    let ids = catalog.server_ids();
                    let hint = match crate::scenario::error::did_you_mean(id, ids.iter().copied()) {
                        Some(best) => format!("did you mean \"{best}\"? or \"latest\" / \"same\""),
                        None => {
                            "\"latest\" (the most efficient catalog server of each year), \"same\", or a catalog id"
                                .to_owned()
                        }
                    };
                    c.error("lifecycle.purchase", format!("no server \"{id}\" in the catalog"), hint);
                    return None;
                }
            },
        };
        let mut model = model;
        model.states = states.clone();
        let index = match models.iter().position(|m| **m == model) {
            Some(i) => i,
            None => {
                models.push(Arc::new(model));
                facts.push(fact);
                models.len() - 1
            }
        };
        purchase_by_year.push(index as u16);
    }

    // Failures.
    let fd = &d.failures.server;
    let failures = match &r.failures {
        Some(Flexible::Bool(false)) => None,
        None if !active => None,
        None | Some(Flexible::Bool(true)) => Some(FailureParams {
            afr: fd.afr,
            weibull_shape: fd.weibull_shape,
            reference_years: DEFAULT_REFRESH_YEARS,
            second_life_multiplier: fd.second_life_afr_multiplier.unwrap_or(1.0),
            repair_share: fd.repair_share.unwrap_or(0.9),
            economic_life_years: DEFAULT_ECONOMIC_LIFE_YEARS,
            repair_parts_kg: fd.repair_parts_kg.unwrap_or(0.0),
            repair_ns: (fd.repair_days.unwrap_or(2.0) * NS_PER_DAY as f64) as u64,
            lead_time_ns: (fd.replacement_lead_days.unwrap_or(28.0) * NS_PER_DAY as f64) as u64,
            spare_deploy_ns: DEFAULT_SPARE_DEPLOY_NS,
        }),
        Some(Flexible::Table(t)) => {
            let k = "lifecycle.failures";
            let num = |c: &mut Checker<'_>, name: &str, v: Option<f64>, default: f64, lo: f64, hi: f64| match v {
                Some(v) => c.in_range(&format!("{k}.{name}"), v, lo, hi, name),
                None => default,
            };
            Some(FailureParams {
                afr: num(c, "afr", t.afr, fd.afr, 0.0, 1000.0),
                weibull_shape: num(c, "weibull_shape", t.weibull_shape, fd.weibull_shape, 0.2, 10.0),
                reference_years: num(
                    c,
                    "reference_years",
                    t.reference_years,
                    DEFAULT_REFRESH_YEARS,
                    0.1,
                    30.0,
                ),
                second_life_multiplier: num(
                    c,
                    "second_life_afr_multiplier",
                    t.second_life_afr_multiplier,
                    fd.second_life_afr_multiplier.unwrap_or(1.0),
                    0.1,
                    20.0,
                ),
                repair_share: num(
                    c,
                    "repair_share",
                    t.repair_share,
                    fd.repair_share.unwrap_or(0.9),
                    0.0,
                    1.0,
                ),
                economic_life_years: num(
                    c,
                    "economic_life_years",
                    t.economic_life_years,
                    DEFAULT_ECONOMIC_LIFE_YEARS,
                    0.0,
                    50.0,
                ),
                repair_parts_kg: num(
                    c,
                    "repair_parts_kg",
                    t.repair_parts_kg,
                    fd.repair_parts_kg.unwrap_or(0.0),
                    0.0,
                    100.0,
                ),
                repair_ns: t
                    .repair_time
                    .map_or((fd.repair_days.unwrap_or(2.0) * NS_PER_DAY as f64) as u64, |h| h.ns()),
                lead_time_ns: t.lead_time.map_or(
                    (fd.replacement_lead_days.unwrap_or(28.0) * NS_PER_DAY as f64) as u64,
                    |h| h.ns(),
                ),
                spare_deploy_ns: t.spare_deploy_time.map_or(DEFAULT_SPARE_DEPLOY_NS, |h| h.ns()),
            })
        }
        Some(_) => {
            c.error(
                "lifecycle.failures",
                "`failures` must be true, false or a table",
                "e.g. `failures = { afr = 0.05, weibull_shape = 1.2 }`",
            );
            return None;
        }
    };

    // End of life.
    let presets = &d.end_of_life.presets;
    let (eol_name, shares) = match &r.end_of_life {
        None => ("industry".to_owned(), presets.industry),
        Some(NameOr::Name(n)) => match n.as_str() {
            "linear" => (n.clone(), presets.linear),
            "industry" => (n.clone(), presets.industry),
            "circular" => (n.clone(), presets.circular),
            other => {
                let hint = match crate::scenario::error::did_you_mean(other, ["linear", "industry", "circular"]) {
                    Some(best) => format!("did you mean \"{best}\"? or give a table of shares"),
                    None => "use \"linear\", \"industry\", \"circular\" or a table of shares".to_owned(),
                };
                c.error(
                    "lifecycle.end_of_life",
                    format!("unknown end-of-life preset \"{other}\""),
                    hint,
                );
                return None;
            }
        },
        Some(NameOr::Table(t)) => ("custom".to_owned(), route_shares(c, t)?),
    };
    let harvest = r.harvest.clone().unwrap_or_default();
    let frac = |c: &mut Checker<'_>, name: &str, v: Option<f64>, default: f64| match v {
        Some(v) => c.in_range(&format!("lifecycle.harvest.{name}"), v, 0.0, 1.0, name),
        None => default,
    };
    let end_of_life = EndOfLifeParams {
        name: eol_name,
        shares,
        dram_reuse_fraction: frac(
            c,
            "dram_reuse_fraction",
            harvest.dram_reuse_fraction,
            d.end_of_life.harvest.dram_reuse_fraction,
        ),
        ssd_reuse_fraction: frac(
            c,
            "ssd_reuse_fraction",
            harvest.ssd_reuse_fraction,
            d.end_of_life.harvest.ssd_reuse_fraction,
        ),
        reused_part_factor: frac(
            c,
            "reused_part_factor",
            harvest.reused_part_factor,
            d.end_of_life.harvest.reused_component_embodied_factor,
        ),
        material_recovery_fraction: d.end_of_life.recycling.material_recovery_fraction,
        resale_fraction_by_age: d.end_of_life.reuse.resale_value_fraction_by_age.clone(),
        avoided_manufacturing_fraction: d.end_of_life.reuse.avoided_manufacturing_fraction,
    };

    // Sizing.
    let initial_count = dc.count;
    let sizing = match &dc.sizing {
        Sizing::Fixed => FleetSizing::Fixed { count: dc.count },
        Sizing::Peak {
            target_utilization,
            redundancy,
            ..
        } => FleetSizing::Peak {
            target_utilization: *target_utilization,
            redundancy: *redundancy,
            yearly_peak_ops: ctx.yearly_peak_ops.clone(),
        },
    };
    let initial_age = match r.initial_age.as_deref() {
        None | Some("new") => InitialAge::New,
        Some("staggered") => InitialAge::Staggered {
            over_years: amortization_years,
        },
        Some(other) => {
            c.error(
                "lifecycle.initial_age",
                format!("unknown initial age \"{other}\""),
                "use \"new\" (bought at the start) or \"staggered\" (ages spread over the service life)",
            );
            return None;
        }
    };

    // Devices.
    let refresh_of = |c: &mut Checker<'_>, key: &str, v: Option<f64>| match v {
        Some(v) => c.in_range(&format!("lifecycle.{key}"), v, 1.0, 30.0, key),
        None => amortization_years,
    };
    let storage_refresh = refresh_of(c, "storage_refresh_years", r.storage_refresh_years);
    let network_refresh = refresh_of(c, "network_refresh_years", r.network_refresh_years);
    let mut devices = Vec::new();
    for g in &dc.devices {
        let (mass_kg, price_usd, embodied, kind, afr, refresh_years) = match g.kind {
            DeviceKind::Storage => match catalog.storage(&g.id) {
                Some(e) => (
                    e.mass_kg,
                    e.price_usd,
                    e.embodied_kgco2e,
                    "storage",
                    d.failures.storage.afr,
                    storage_refresh,
                ),
                None => continue,
            },
            DeviceKind::Network => match catalog.network(&g.id) {
                Some(e) => (
                    e.mass_kg,
                    e.price_usd,
                    e.embodied_kgco2e,
                    "network",
                    d.failures.network.afr,
                    network_refresh,
                ),
                None => continue,
            },
        };
        devices.push(DeviceFleet {
            id: g.id.clone(),
            kind,
            count: g.count,
            mass_kg,
            price_usd,
            embodied_kgco2e: embodied,
            afr: if failures.is_some() { afr } else { 0.0 },
            refresh_years,
        });
    }

    // The plant.
    let e = ctx.energy;
    let plant = PlantSpec {
        pv_kwp: e.solar.as_ref().map_or(0.0, |s| s.capacity_kwp),
        wind_kw: e.wind.as_ref().map_or(0.0, |w| w.capacity_kw()),
        battery_kwh: e.battery.as_ref().map_or(0.0, |b| b.capacity_kwh),
        battery_kw: e
            .battery
            .as_ref()
            .map_or(0.0, |b| b.discharge_power_kw.max(b.charge_power_kw)),
        pv_life_years: d.refresh.pv_life_years,
        wind_life_years: d.refresh.wind_life_years,
        pv_kgco2e_per_kwp: d.embodied.pv.kgco2e_per_kwp,
        wind_kgco2e_per_kw: d.embodied.wind.kgco2e_per_kw,
        battery_kgco2e_per_kwh: d.embodied.battery.kgco2e_per_kwh,
        pv_kg_per_kwp: d.mass.pv.kg_per_kwp,
        wind_kg_per_kw: d.mass.wind.kg_per_kw,
        battery_kg_per_kwh: d.mass.battery.kg_per_kwh,
    };

    let pue = match e.pue {
        PueModel::Constant(p) => p,
        PueModel::FreeCooling { base, max, .. } => 0.5 * (base + max),
    };
    let econ = ctx.economics;
    let energy_value = EnergyValue {
        usd_per_kwh: if econ.grid_has_price {
            e.grid.price.values.mean() / 1000.0 * econ.grid_currency_to_usd
        } else {
            econ.default_grid_usd_per_kwh
        },
        kgco2e_per_kwh: e.grid.carbon.values.mean() / 1000.0,
        carbon_price_usd_per_t: econ.carbon_price_usd_per_t,
        pue,
    };

    Some(LifecycleSpec {
        active,
        registry: ModelRegistry::new(models),
        facts,
        purchase_by_year,
        purchase_rule: rule,
        start_year: ctx.start_year,
        initial_count,
        initial_age,
        refresh,
        amortization_years,
        failures,
        end_of_life,
        sizing,
        energy_value,
        devices,
        plant,
    })
}

fn refresh_policy(
    c: &mut Checker<'_>,
    name: &str,
    age_years: Option<f64>,
    payback_years: Option<f64>,
    min_age_years: Option<f64>,
) -> Option<RefreshPolicy> {
    let key = "lifecycle.refresh";
    match name {
        "fixed-age" => Some(RefreshPolicy::FixedAge {
            years: age_years.map_or(DEFAULT_REFRESH_YEARS, |v| {
                c.in_range(&format!("{key}.age_years"), v, 1.0, 30.0, "refresh age (years)")
            }),
        }),
        "efficiency" => Some(RefreshPolicy::Efficiency {
            payback_years: payback_years.map_or(DEFAULT_PAYBACK_YEARS, |v| {
                c.in_range(&format!("{key}.payback_years"), v, 0.0, 30.0, "payback limit (years)")
            }),
            min_age_years: min_age_years.map_or(1.0, |v| {
                c.in_range(&format!("{key}.min_age_years"), v, 0.0, 30.0, "minimum age (years)")
            }),
        }),
        "run-to-failure" => Some(RefreshPolicy::RunToFailure),
        other => {
            let options = ["fixed-age", "efficiency", "run-to-failure"];
            let hint = match crate::scenario::error::did_you_mean(other, options) {
                Some(best) => format!("did you mean \"{best}\"?"),
                None => "use \"fixed-age\", \"efficiency\" or \"run-to-failure\"".to_owned(),
            };
            c.error(key, format!("unknown refresh policy \"{other}\""), hint);
            None
        }
    }
}

fn route_shares(c: &mut Checker<'_>, t: &RawRouteShares) -> Option<RouteShares> {
    let key = "lifecycle.end_of_life";
    let mut get =
        |name: &str, v: Option<f64>| v.map_or(0.0, |v| c.in_range(&format!("{key}.{name}"), v, 0.0, 1.0, name));
    let shares = RouteShares {
        reuse: get("reuse", t.reuse),
        refurbish: get("refurbish", t.refurbish),
        harvest: get("harvest", t.harvest),
        recycle: get("recycle", t.recycle),
        landfill: get("landfill", t.landfill),
    };
    let sum: f64 = shares.as_array().iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        c.error(
            key,
            format!("the end-of-life shares sum to {sum:.4}, not 1"),
            "make reuse + refurbish + harvest + recycle + landfill = 1",
        );
        return None;
    }
    Some(shares)
}
