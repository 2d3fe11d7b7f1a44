//! Validation of `[datacenter]`, including peak-based sizing of the fleet.

use std::sync::Arc;

use super::super::error::did_you_mean;
use super::super::raw::{NameOr, RawDatacenter, RawDevice, RawPowerManagement, RawPowerStates, RawServer};
use super::checker::Checker;
use crate::catalog::{Catalog, DEFAULT_SERVER_ID};
use crate::datacenter::{
    DatacenterSpec, DeviceGroup, DeviceKind, LowPowerState, PowerCurve, PowerManagement, PowerStates, ServerModel,
    Sizing,
};
use crate::engine::time::{NS_PER_MIN, NS_PER_S, NS_PER_YEAR};
use crate::workload::RateModel;

/// Largest fleet the simulator accepts.
const MAX_SERVERS: u32 = 1_000_000;
/// Default waiting slots per server.
pub const DEFAULT_QUEUE_CAPACITY: u32 = 1_000;

/// Validates `[datacenter]`. `peak` gives the workload's peak work rate (ssj_ops/s) when the
/// workload is valid, for sizing.
pub fn validate_datacenter(
    c: &mut Checker<'_>,
    raw: &RawDatacenter,
    catalog: &Catalog,
    peak: Option<PeakDemand>,
) -> Option<DatacenterSpec> {
    let errors_before = c.count();
    let server = server_model(c, raw.server.as_ref(), catalog, raw.power_states.as_ref())?;

    let (count, sizing) = match (raw.count, &raw.sizing) {
        (Some(_), Some(_)) => {
            c.error(
                "datacenter.sizing",
                "both `count` and `sizing` are set",
                "keep `count` for a fixed fleet, or `sizing` to size it from the peak demand",
            );
            return None;
        }
        (Some(n), None) => {
            if n == 0 || n > MAX_SERVERS {
                c.error(
                    "datacenter.count",
                    format!("server count {n} is not between 1 and {MAX_SERVERS}"),
                    "give the number of servers, e.g. `count = 40`",
                );
            }
            (n.clamp(1, MAX_SERVERS), Sizing::Fixed)
        }
        (None, sizing) => {
            let target = match sizing.as_ref().and_then(|s| s.target_utilization) {
                Some(u) => c.in_range(
                    "datacenter.sizing.target_utilization",
                    u,
                    0.01,
                    1.0,
                    "target utilization",
                ),
                None => 0.6,
            };
            let redundancy = sizing.as_ref().and_then(|s| s.redundancy).unwrap_or(1);
            match peak {
                Some(p) => {
                    let cores_needed = p.work_ssj_ops_per_s / server.ssj_ops_per_core_s();
                    let base = (cores_needed / (target * server.cores as f64)).ceil().max(1.0);
                    let n = base + redundancy as f64;
                    if n > MAX_SERVERS as f64 {
                        c.error(
                            "datacenter.sizing",
                            format!("the peak demand needs {n} servers, more than {MAX_SERVERS}"),
                            "check mean_tps and the classes' mean_ssj_ops, or choose a larger server",
                        );
                    }
                    (
                        n.min(MAX_SERVERS as f64) as u32,
                        Sizing::Peak {
                            peak_tps: p.tps,
                            target_utilization: target,
                            redundancy,
                        },
                    )
                }
                None => (1, Sizing::Fixed),
            }
        }
    };

    let dispatch = raw.dispatch.unwrap_or_default();
    let queue_capacity = raw.queue_capacity.unwrap_or(DEFAULT_QUEUE_CAPACITY);
    let (power_management, low_power_state) = power_management(c, raw.power_management.as_ref(), count);

    let mut devices = Vec::new();
    for (i, d) in raw.storage.iter().enumerate() {
        devices.extend(device(
            c,
            &format!("datacenter.storage[{i}]"),
            d,
            DeviceKind::Storage,
            catalog,
        ));
    }
    for (i, d) in raw.network.iter().enumerate() {
        devices.extend(device(
            c,
            &format!("datacenter.network[{i}]"),
            d,
            DeviceKind::Network,
            catalog,
        ));
    }

    (c.count() == errors_before).then_some(DatacenterSpec {
        server,
        count,
        sizing,
        dispatch,
        queue_capacity,
        power_management,
        low_power_state,
        devices,
        virtualization: None,
    })
}

/// The peak of the workload over the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakDemand {
    /// Peak arrival rate, transactions per second.
    pub tps: f64,
    /// Peak work rate, ssj_ops per second.
    pub work_ssj_ops_per_s: f64,
}

/// Scans the rate model piece by piece for the peak work rate (scheduled bursts included,
/// random bursts not).
pub fn peak_demand(rates: &RateModel, mean_work: &[f64], horizon_ns: u64) -> PeakDemand {
    peak_demand_between(rates, mean_work, 0, horizon_ns)
}

/// The peak of the workload over `[t0_ns, t1_ns)`.
pub fn peak_demand_between(rates: &RateModel, mean_work: &[f64], t0_ns: u64, t1_ns: u64) -> PeakDemand {
    let mut peak = PeakDemand {
        tps: 0.0,
        work_ssj_ops_per_s: 0.0,
    };
    let mut t = t0_ns;
    while t < t1_ns {
        let mut tps = 0.0;
        let mut work = 0.0;
        let mut next = u64::MAX;
        for (k, w) in mean_work.iter().enumerate() {
            let seg = rates.segment(k, t);
            tps += seg.rate_per_s;
            work += seg.rate_per_s * w;
            next = next.min(seg.end_ns);
        }
        if work > peak.work_ssj_ops_per_s {
            peak = PeakDemand {
                tps,
                work_ssj_ops_per_s: work,
            };
        }
        t = next.max(t + 1);
    }
    peak
}

fn server_model(
    c: &mut Checker<'_>,
    raw: Option<&NameOr<RawServer>>,
    catalog: &Catalog,
    states: Option<&RawPowerStates>,
) -> Option<Arc<ServerModel>> {
    let key = "datacenter.server";
    let mut model = match raw {
        None => catalog.server(DEFAULT_SERVER_ID)?.as_ref().clone(),
        Some(NameOr::Name(id)) => match catalog.server(id) {
            Some(m) => m.as_ref().clone(),
            None => {
                let ids = catalog.server_ids();
                let hint = match did_you_mean(id, ids.iter().copied()) {
                    Some(best) => format!("did you mean \"{best}\"? `greenloop catalog servers` lists all models"),
                    None => "`greenloop catalog servers` lists the catalog ids; or define the server inline".to_owned(),
                };
                c.error(key, format!("no server \"{id}\" in the catalog"), hint);
                return None;
            }
        },
        Some(NameOr::Table(t)) => inline_server(c, t)?,
    };
    if let Some(s) = states {
        model.states = power_states(c, s, model.states.clone());
    }
    Some(Arc::new(model))
}

fn inline_server(c: &mut Checker<'_>, t: &RawServer) -> Option<ServerModel> {
    let key = "datacenter.server";
    if t.cores == 0 || t.cores > 100_000 {
        c.error(
            &format!("{key}.cores"),
            format!("{} cores is not between 1 and 100000", t.cores),
            "give the server's physical cores",
        );
    }
    let ssj = c.positive(
        &format!("{key}.ssj_ops_at_100"),
        t.ssj_ops_at_100,
        1e12,
        "ssj_ops_at_100",
    );
    let curve = match (&t.power_curve_w, t.idle_w, t.max_w) {
        (Some(points), None, None) => match <[f64; 11]>::try_from(points.as_slice()) {
            Ok(arr) => PowerCurve::SpecPower(arr),
            Err(_) => {
                c.error(
                    &format!("{key}.power_curve_w"),
                    format!(
                        "power_curve_w has {} values; 11 are needed (active idle, 10 %, ..., 100 %)",
                        points.len()
                    ),
                    "list the watts at 0, 10, ..., 100 % load",
                );
                return None;
            }
        },
        (None, Some(idle_w), Some(max_w)) => PowerCurve::Linear { idle_w, max_w },
        _ => {
            c.error(
                key,
                "an inline server needs `power_curve_w` (11 values) or both `idle_w` and `max_w`, not a mix",
                "e.g. `idle_w = 50.0` and `max_w = 400.0`",
            );
            return None;
        }
    };
    if let Err(message) = curve.validate() {
        c.error(
            &format!("{key}.power_curve_w"),
            message,
            "watts must be finite, >= 0 and rise with load",
        );
        return None;
    }
    Some(ServerModel {
        id: "inline".to_owned(),
        name: t.name.clone().unwrap_or_else(|| "inline server".to_owned()),
        year: None,
        cores: t.cores.max(1),
        ssj_ops_at_100: ssj,
        curve,
        states: PowerStates::default(),
        // Assumption when not given: 4 GB per core.
        memory_gb: t.memory_gb.unwrap_or(4.0 * f64::from(t.cores.max(1))),
        source: "defined in the scenario file".to_owned(),
    })
}

fn power_states(c: &mut Checker<'_>, raw: &RawPowerStates, mut states: PowerStates) -> PowerStates {
    let key = "datacenter.power_states";
    if let Some(w) = raw.sleep_w {
        states.sleep_w = c.in_range(&format!("{key}.sleep_w"), w, 0.0, 1e5, "sleep power (W)");
    }
    if let Some(w) = raw.off_w {
        states.off_w = c.in_range(&format!("{key}.off_w"), w, 0.0, 1e5, "off power (W)");
    }
    if let Some(w) = raw.transition_w {
        states.transition_w = Some(c.in_range(&format!("{key}.transition_w"), w, 0.0, 1e5, "transition power (W)"));
    }
    if let Some(d) = raw.wake_latency {
        states.wake_latency_ns = d.ns();
    }
    if let Some(d) = raw.boot_latency {
        states.boot_latency_ns = d.ns();
    }
    for (name, ns) in [
        ("wake_latency", states.wake_latency_ns),
        ("boot_latency", states.boot_latency_ns),
    ] {
        if ns > NS_PER_YEAR {
            c.error(
                &format!("{key}.{name}"),
                "latency longer than a year",
                "give seconds or minutes, e.g. \"10s\"",
            );
        }
    }
    states
}

fn power_management(
    c: &mut Checker<'_>,
    raw: Option<&NameOr<RawPowerManagement>>,
    count: u32,
) -> (PowerManagement, LowPowerState) {
    let key = "datacenter.power_management";
    let table = match raw {
        None => return (PowerManagement::AlwaysOn, LowPowerState::Sleep),
        Some(NameOr::Name(name)) => RawPowerManagement {
            policy: name.clone(),
            idle_timeout: None,
            target_utilization: None,
            headroom: None,
            interval: None,
            min_awake: None,
            low_power_state: None,
        },
        Some(NameOr::Table(t)) => t.clone(),
    };
    let policies = ["always-on", "sleep-when-idle", "consolidate"];
    let policy_key = if matches!(raw, Some(NameOr::Table(_))) {
        format!("{key}.policy")
    } else {
        key.to_owned()
    };
    let min_awake = table.min_awake.unwrap_or(1);
    if min_awake > count {
        c.error(
            &format!("{key}.min_awake"),
            format!("min_awake {min_awake} exceeds the {count} servers"),
            "lower min_awake or add servers",
        );
    }
    let refuse = |c: &mut Checker<'_>, field: &str, present: bool, policy: &str| {
        if present {
            c.error(
                &format!("{key}.{field}"),
                format!("`{field}` does not apply to the \"{policy}\" policy"),
                "remove it, or choose the policy it belongs to",
            );
        }
    };
    let low_power_state = table.low_power_state.unwrap_or_default();
    let pm = match table.policy.as_str() {
        "always-on" => {
            refuse(c, "idle_timeout", table.idle_timeout.is_some(), "always-on");
            refuse(c, "target_utilization", table.target_utilization.is_some(), "always-on");
            refuse(c, "headroom", table.headroom.is_some(), "always-on");
            refuse(c, "interval", table.interval.is_some(), "always-on");
            PowerManagement::AlwaysOn
        }
        "sleep-when-idle" => {
            refuse(
                c,
                "target_utilization",
                table.target_utilization.is_some(),
                "sleep-when-idle",
            );
            refuse(c, "headroom", table.headroom.is_some(), "sleep-when-idle");
            refuse(c, "interval", table.interval.is_some(), "sleep-when-idle");
            let idle_timeout_ns = table.idle_timeout.map(|d| d.ns()).unwrap_or(60 * NS_PER_S);
            if idle_timeout_ns == 0 {
                c.error(
                    &format!("{key}.idle_timeout"),
                    "idle_timeout is 0",
                    "give a time such as \"60s\"",
                );
            }
            PowerManagement::SleepWhenIdle {
                idle_timeout_ns,
                min_awake: min_awake.max(1),
            }
        }
        "consolidate" => {
            refuse(c, "idle_timeout", table.idle_timeout.is_some(), "consolidate");
            let target_utilization = match table.target_utilization {
                Some(u) => c.in_range(&format!("{key}.target_utilization"), u, 0.01, 1.0, "target utilization"),
                None => 0.6,
            };
            let headroom = match table.headroom {
                Some(h) => c.in_range(&format!("{key}.headroom"), h, 0.0, 10.0, "headroom"),
                None => 0.2,
            };
            let interval_ns = table.interval.map(|d| d.ns()).unwrap_or(5 * NS_PER_MIN);
            if interval_ns < NS_PER_S {
                c.error(
                    &format!("{key}.interval"),
                    "the consolidation interval is below 1 s",
                    "give an interval such as \"5m\"",
                );
            }
            PowerManagement::Consolidate {
                target_utilization,
                headroom,
                interval_ns,
                min_awake: min_awake.max(1),
            }
        }
        other => {
            let hint = match did_you_mean(other, policies) {
                Some(best) => format!("did you mean \"{best}\"? policies: {}", policies.join(", ")),
                None => format!("policies: {}", policies.join(", ")),
            };
            c.error(
                &policy_key,
                format!("unknown power-management policy \"{other}\""),
                hint,
            );
            PowerManagement::AlwaysOn
        }
    };
    (pm, low_power_state)
}

fn device(c: &mut Checker<'_>, key: &str, raw: &RawDevice, kind: DeviceKind, catalog: &Catalog) -> Option<DeviceGroup> {
    let count = raw.count.unwrap_or(1);
    if count > 100_000 {
        c.error(
            &format!("{key}.count"),
            format!("{count} devices is more than 100000"),
            "check the count",
        );
    }
    let found = match kind {
        DeviceKind::Storage => catalog
            .storage(&raw.model)
            .map(|s| (format!("{} {}", s.vendor, s.model), s.power_w)),
        DeviceKind::Network => catalog
            .network(&raw.model)
            .map(|s| (format!("{} {}", s.vendor, s.model), s.power_w)),
    };
    match found {
        Some((name, power_w_each)) => Some(DeviceGroup {
            kind,
            id: raw.model.clone(),
            name,
            count,
            power_w_each,
        }),
        None => {
            let (ids, list): (Vec<&str>, &str) = match kind {
                DeviceKind::Storage => (catalog.storage.iter().map(|s| s.id.as_str()).collect(), "storage"),
                DeviceKind::Network => (catalog.network.iter().map(|s| s.id.as_str()).collect(), "network"),
            };
            let hint = match did_you_mean(&raw.model, ids.iter().copied()) {
                Some(best) => format!("did you mean \"{best}\"? `greenloop catalog {list}` lists them"),
                None => format!("`greenloop catalog {list}` lists the ids: {}", ids.join(", ")),
            };
            c.error(
                &format!("{key}.model"),
                format!("no {list} device \"{}\" in the catalog", raw.model),
                hint,
            );
            None
        }
    }
}
