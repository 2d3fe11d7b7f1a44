//! What one run measured, and its JSON form (the metric part of `summary.json`).

use serde_json::{Map, Value, json};

/// Mean and quantiles of latency, ms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatencyStats {
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
}

impl LatencyStats {
    fn to_json(self) -> Value {
        json!({
            "mean": self.mean_ms,
            "p50": self.p50_ms,
            "p95": self.p95_ms,
            "p99": self.p99_ms,
            "p999": self.p999_ms,
        })
    }
}

/// Measurements of one transaction class.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassResult {
    /// Class name.
    pub name: String,
    /// Its latency target, ms.
    pub sla_ms: f64,
    /// Arrivals.
    pub arrivals: f64,
    /// Completions.
    pub completed: f64,
    /// Drops.
    pub dropped: f64,
    /// Completions slower than the SLA.
    pub late: f64,
    /// Latency of completions.
    pub latency: LatencyStats,
}

impl ClassResult {
    /// (late + dropped) / (completed + dropped): the share of finished transactions that
    /// missed the target (a dropped transaction misses it).
    pub fn sla_violation_fraction(&self) -> f64 {
        ratio(self.late + self.dropped, self.completed + self.dropped)
    }
}

/// Energy over the measured period, kWh.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EnergyTotals {
    /// Servers.
    pub servers_kwh: f64,
    /// Storage devices.
    pub storage_kwh: f64,
    /// Network devices.
    pub network_kwh: f64,
    /// IT = servers + storage + network.
    pub it_kwh: f64,
    /// Facility = IT x PUE.
    pub facility_kwh: f64,
}

/// The supply side over the measured period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupplyTotals {
    /// Energy flows, carbon and cost.
    pub flows: crate::energy::Flows,
    /// Demand-weighted mean PUE.
    pub mean_pue: f64,
    /// Battery equivalent full cycles at the horizon.
    pub battery_cycles: Option<f64>,
    /// Battery state of health at the horizon.
    pub battery_state_of_health: Option<f64>,
    /// Energy lost in the battery, kWh.
    pub battery_losses_kwh: Option<f64>,
}

/// Everything one run (one replication) measured after its warm-up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunResult {
    /// Replication index.
    pub replication: u32,
    /// Hours measured (horizon minus warm-up).
    pub measured_h: f64,
    /// Arrivals.
    pub arrivals: f64,
    /// Completions.
    pub completed: f64,
    /// Drops.
    pub dropped: f64,
    /// Completions slower than their SLA.
    pub late: f64,
    /// Transactions still in the datacenter at the horizon.
    pub in_flight_at_end: f64,
    /// Latency of all completions.
    pub latency: LatencyStats,
    /// Mean time spent waiting for a core, ms.
    pub waiting_mean_ms: f64,
    /// Per class.
    pub classes: Vec<ClassResult>,
    /// Energy.
    pub energy: EnergyTotals,
    /// Supply side: renewables, battery, grid, carbon, cost.
    pub supply: SupplyTotals,
    /// Servers in the fleet.
    pub server_count: f64,
    /// Mean servers not asleep or off.
    pub mean_awake: f64,
    /// Mean busy cores / awake cores.
    pub mean_utilization: f64,
    /// Times a server left the low-power state.
    pub wakeups: f64,
    /// Largest step-mean IT power, kW.
    pub peak_it_kw: f64,
    /// Time-average number of transactions in the datacenter (transaction fidelity only).
    pub mean_in_system: Option<f64>,
    /// Engine events handled.
    pub events: u64,
    /// The fleet's lifecycle: purchases, failures, end of life, embodied carbon.
    pub lifecycle: crate::lifecycle::LifecycleReport,
    /// Costs.
    pub cost: crate::economics::CostTotals,
    /// Measured energy, carbon and traffic of each simulated year.
    pub energy_years: Vec<crate::sim::YearTotals>,
    /// The latency distribution of all completions: (quantile, ms) at [`CDF_QUANTILES`].
    pub latency_cdf_ms: Vec<(f64, f64)>,
    /// Batch work per family.
    pub batch: Vec<crate::batch::FamilyTotals>,
    /// The same run with every batch family as soon as possible (common random numbers):
    /// its batch totals and its operational carbon (kg) and grid cost. Only when a family
    /// has another policy.
    pub batch_asap: Option<(Vec<crate::batch::FamilyTotals>, f64, f64)>,
    /// Virtual machines and hosts, when the datacenter is virtualized.
    pub virtualization: Option<crate::virt::VirtTotals>,
    /// The same run with one service per host and no consolidation (common random
    /// numbers): its IT energy (kWh), operational carbon (kg) and active hosts (mean).
    pub virt_baseline: Option<(f64, f64, f64)>,
}

/// Quantiles at which the latency distribution is reported (for CDF plots).
pub const CDF_QUANTILES: [f64; 21] = [
    0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999,
    0.9995,
];

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

impl RunResult {
    /// Share of finished transactions that missed their SLA (drops count as misses).
    pub fn sla_violation_fraction(&self) -> f64 {
        ratio(self.late + self.dropped, self.completed + self.dropped)
    }

    /// Facility energy per completed transaction, Wh.
    pub fn wh_per_tx(&self) -> f64 {
        ratio(self.energy.facility_kwh * 1000.0, self.completed)
    }

    fn supply_json(&self) -> Value {
        let f = &self.supply.flows;
        let mut battery = Map::new();
        if let (Some(c), Some(h), Some(l)) = (
            self.supply.battery_cycles,
            self.supply.battery_state_of_health,
            self.supply.battery_losses_kwh,
        ) {
            battery.insert("equivalent_full_cycles".into(), json!(c));
            battery.insert("state_of_health".into(), json!(h));
            battery.insert("losses_kwh".into(), json!(l));
        }
        json!({
            "renewable_fraction": ratio(f.renewables(), f.demand).min(1.0),
            "hourly_cfe_fraction": ratio(f.cfe_matched, f.demand),
            "self_supply_fraction": ratio(f.re_to_load + f.battery_re_to_load, f.demand),
            "cost": {
                "grid_import": f.import_cost,
                "grid_export_revenue": f.export_revenue,
                "grid_energy": f.import_cost - f.export_revenue,
            },
            "pue": { "mean": self.supply.mean_pue },
            "battery": Value::Object(battery),
        })
    }

    /// The metrics as a JSON tree (keys of DESIGN.md section 4).
    pub fn metrics_json(&self) -> Value {
        let hours = self.measured_h.max(f64::MIN_POSITIVE);
        let mut classes = Map::new();
        for c in &self.classes {
            classes.insert(
                c.name.clone(),
                json!({
                    "transactions": c.arrivals,
                    "completed": c.completed,
                    "dropped": c.dropped,
                    "sla_ms": c.sla_ms,
                    "sla_violation_fraction": c.sla_violation_fraction(),
                    "latency_ms": c.latency.to_json(),
                }),
            );
        }
        let mut root = json!({
            "transactions": {
                "total": self.arrivals,
                "completed": self.completed,
                "dropped": self.dropped,
                "in_flight_at_end": self.in_flight_at_end,
                "sla_violations": self.late + self.dropped,
                "sla_violation_fraction": self.sla_violation_fraction(),
                "throughput_tps": self.completed / (hours * 3600.0),
            },
            "latency_ms": self.latency.to_json(),
            "waiting_ms": { "mean": self.waiting_mean_ms },
            "energy_kwh": {
                "it": self.energy.it_kwh,
                "facility": self.energy.facility_kwh,
                "servers": self.energy.servers_kwh,
                "storage": self.energy.storage_kwh,
                "network": self.energy.network_kwh,
                "solar": self.supply.flows.solar,
                "wind": self.supply.flows.wind,
                "battery_charge": self.supply.flows.battery_charge(),
                "battery_discharge": self.supply.flows.battery_to_load,
                "grid_import": self.supply.flows.grid_import(),
                "grid_export": self.supply.flows.grid_export(),
                "curtailed": self.supply.flows.curtailed,
                "unserved": self.supply.flows.unserved,
                "heat_demand": self.supply.flows.heat_demand,
                "heat_reused": self.supply.flows.heat_reused,
                "solar_thermal": self.supply.flows.solar_thermal,
                "heat_pump": self.supply.flows.heat_pump,
            },
            "erf": ratio(self.supply.flows.heat_reused, self.energy.facility_kwh),
            "ere": ratio(self.energy.facility_kwh - self.supply.flows.heat_reused, self.energy.it_kwh),
            "heat": {
                "avoided_kgco2e": self.supply.flows.heat_avoided_g / 1000.0,
                "demand_met_fraction": ratio(
                    self.supply.flows.heat_reused + self.supply.flows.solar_thermal,
                    self.supply.flows.heat_demand,
                ),
            },
            "power_kw": {
                "it_mean": self.energy.it_kwh / hours,
                "it_peak": self.peak_it_kw,
                "facility_mean": self.energy.facility_kwh / hours,
            },
            "intensity": {
                "wh_per_tx": self.wh_per_tx(),
                "gco2e_per_tx": ratio(self.supply.flows.carbon_g, self.completed),
            },
            "servers": {
                "count": self.server_count,
                "mean_awake": self.mean_awake,
                "mean_utilization": self.mean_utilization,
                "wakeups": self.wakeups,
            },
            "classes": Value::Object(classes),
        });
        if let (Some(l), Some(obj)) = (self.mean_in_system, root.as_object_mut()) {
            obj.insert("queue".to_owned(), json!({ "mean_in_system": l }));
        }
        if let (Value::Object(supply), Some(obj)) = (self.supply_json(), root.as_object_mut()) {
            obj.extend(supply);
        }
        self.add_lifecycle_json(&mut root);
        if let Some(obj) = root.as_object_mut() {
            let (q, ms): (Vec<f64>, Vec<f64>) = self.latency_cdf_ms.iter().copied().unzip();
            obj.insert("latency_cdf".into(), json!({ "quantile": q, "ms": ms }));
            if !self.batch.is_empty() {
                obj.insert("batch".into(), self.batch_json());
            }
            if let Some(v) = &self.virtualization {
                obj.insert("virtualization".into(), self.virtualization_json(v));
            }
        }
        root
    }

    fn virtualization_json(&self, v: &crate::virt::VirtTotals) -> Value {
        let per_h = |x: f64| if v.measured_h > 0.0 { x / v.measured_h } else { 0.0 };
        let mut doc = json!({
            "vms_mean": per_h(v.vm_h),
            "active_hosts_mean": per_h(v.active_host_h),
            "active_hosts_max": v.active_hosts_max,
            "vms_per_active_host": if v.active_host_h > 0.0 { v.vm_h / v.active_host_h } else { 0.0 },
            "migrations": v.migrations,
            "migration_energy_kwh": v.migration_energy_kwh,
            "hypervisor_energy_kwh": v.hypervisor_energy_kwh,
            "unplaced_vm_hours": v.unplaced_vm_h,
            "restarts": v.restarts,
            "consolidation_passes": v.consolidation_passes,
        });
        if let Some((it_kwh, carbon_kg, hosts)) = self.virt_baseline {
            doc["one_service_per_host"] = json!({
                "it_kwh": it_kwh,
                "carbon_kg_operational": carbon_kg,
                "active_hosts_mean": hosts,
            });
            doc["saved_vs_one_service_per_host"] = json!({
                "it_kwh": it_kwh - self.energy.it_kwh,
                "carbon_kg_operational": carbon_kg - self.supply.flows.carbon_g / 1000.0,
                "active_hosts": hosts - per_h(v.active_host_h),
            });
        }
        doc
    }

    fn batch_json(&self) -> Value {
        use crate::batch::FamilyTotals;
        let one = |t: &FamilyTotals| {
            json!({
                "policy": t.policy,
                "jobs": t.jobs,
                "completed": t.completed,
                "deadline_misses": t.deadline_misses,
                "mean_delay_h": t.mean_delay_h(),
                "core_hours_released": t.core_h_released,
                "core_hours_done": t.core_h_done,
                "core_hours_unfinished": t.core_h_unfinished,
                "energy_kwh": t.energy_kwh,
                "carbon_kg": t.carbon_kg,
                "cost": t.cost,
            })
        };
        let total = |list: &[FamilyTotals]| {
            let mut t = FamilyTotals {
                policy: "all".into(),
                ..FamilyTotals::default()
            };
            for f in list {
                t.jobs += f.jobs;
                t.completed += f.completed;
                t.deadline_misses += f.deadline_misses;
                t.delay_sum_h += f.delay_sum_h;
                t.core_h_released += f.core_h_released;
                t.core_h_done += f.core_h_done;
                t.core_h_unfinished += f.core_h_unfinished;
                t.energy_kwh += f.energy_kwh;
                t.carbon_kg += f.carbon_kg;
                t.cost += f.cost;
            }
            t
        };
        let families: Map<String, Value> = self.batch.iter().map(|f| (f.name.clone(), one(f))).collect();
        let mine = total(&self.batch);
        let mut doc = json!({ "families": families, "total": one(&mine) });
        if let Some((asap, carbon_kg, grid_cost)) = &self.batch_asap {
            let a = total(asap);
            doc["asap"] = json!({
                "total": one(&a),
                "families": asap.iter().map(|f| (f.name.clone(), one(f))).collect::<Map<String, Value>>(),
                "run_carbon_kg_operational": carbon_kg,
                "run_grid_cost": grid_cost,
            });
            let run_carbon = self.supply.flows.carbon_g / 1000.0;
            let run_cost = self.supply.flows.import_cost - self.supply.flows.export_revenue;
            doc["saved_vs_asap"] = json!({
                "batch_carbon_kg": a.carbon_kg - mine.carbon_kg,
                "batch_cost": a.cost - mine.cost,
                "run_carbon_kg_operational": carbon_kg - run_carbon,
                "run_grid_cost": grid_cost - run_cost,
                "extra_deadline_misses": mine.deadline_misses - a.deadline_misses,
                "extra_mean_delay_h": mine.mean_delay_h() - a.mean_delay_h(),
            });
        }
        doc
    }

    /// Embodied carbon allocated to the run, kgCO2e.
    pub fn embodied_kg(&self) -> f64 {
        self.lifecycle.embodied_amortized_kg()
    }

    /// Operational plus embodied carbon, kgCO2e.
    pub fn total_carbon_kg(&self) -> f64 {
        self.supply.flows.carbon_g / 1000.0 + self.embodied_kg()
    }

    fn add_lifecycle_json(&self, root: &mut Value) {
        use crate::lifecycle::Route;
        let l = &self.lifecycle;
        let operational_kg = self.supply.flows.carbon_g / 1000.0;
        let embodied_kg = self.embodied_kg();
        let total_kg = operational_kg + embodied_kg;
        let c = &self.cost;
        let Some(obj) = root.as_object_mut() else { return };
        obj.insert(
            "carbon_kg".into(),
            json!({
                "operational": operational_kg,
                "embodied": embodied_kg,
                "embodied_purchased": l.embodied_purchased_kg(),
                "total": total_kg,
                "avoided_by_reuse": l.total(|y| y.avoided_by_reuse_kg),
            }),
        );
        let recycled = l.route_kg(Route::Recycle);
        obj.insert(
            "ewaste_kg".into(),
            json!({
                "generated": l.ewaste_generated_kg(),
                "reused": l.route_kg(Route::Reuse),
                "refurbished": l.route_kg(Route::Refurbish),
                "harvested": l.route_kg(Route::Harvest),
                "recycled": recycled,
                "landfill": l.route_kg(Route::Landfill),
            }),
        );
        let mut cost = json!({
            "capex": c.capex,
            "capex_servers": c.capex_servers,
            "capex_devices": c.capex_devices,
            "capex_plant": c.capex_plant,
            "opex": c.opex,
            "grid_energy_usd": c.grid_energy,
            "maintenance": c.maintenance,
            "plant_om": c.plant_om,
            "carbon_price": c.carbon,
            "resale_revenue": c.resale_revenue,
            "total": c.total,
            "npv": c.npv,
            "usd_per_million_tx": c.usd_per_million_tx,
            "levelized_usd_per_million_tx": c.levelized_usd_per_million_tx,
        });
        if let (Some(Value::Object(old)), Value::Object(new)) = (obj.remove("cost"), &mut cost) {
            new.extend(old);
        }
        obj.insert("cost".into(), cost);
        if let Some(Value::Object(intensity)) = obj.get_mut("intensity") {
            intensity.insert("gco2e_per_tx".into(), json!(ratio(total_kg * 1000.0, self.completed)));
            intensity.insert(
                "gco2e_per_tx_operational".into(),
                json!(ratio(operational_kg * 1000.0, self.completed)),
            );
            intensity.insert(
                "gco2e_per_tx_embodied".into(),
                json!(ratio(embodied_kg * 1000.0, self.completed)),
            );
        }
        let m = &l.mass;
        obj.insert(
            "lifecycle".into(),
            json!({
                "servers_bought": l.total(|y| f64::from(y.purchases)),
                "servers_redeployed": l.total(|y| f64::from(y.redeployed)),
                "failures": l.total(|y| f64::from(y.failures)),
                "repairs": l.total(|y| f64::from(y.repairs)),
                "retired_planned": l.total(|y| f64::from(y.retired_planned)),
                "retired_failed": l.total(|y| f64::from(y.retired_failed)),
                "devices_replaced": l.total(|y| f64::from(y.devices_replaced)),
                "spares_in_store": l.spares_in_store,
                "purchased_kg": m.purchased_kg,
                "in_service_kg": m.in_service_kg,
                "material_recovered_kg": recycled * l.material_recovery_fraction,
                "mass_balance_error_kg": m.inflow_kg() - m.stock_kg(),
            }),
        );
    }
}
