//! Validation of `[datacenter.virtualization]`: services as VMs, overcommit, hypervisor
//! overhead, placement, consolidation and live migration.

use super::super::error::did_you_mean;
use super::super::raw::{NameOr, RawVirtualization, RawVmService};
use super::checker::Checker;
use crate::datacenter::ServerModel;
use crate::engine::time::{NS_PER_HOUR, NS_PER_MIN};
use crate::virt::{Consolidation, MigrationModel, Placement, ServiceSpec, VirtSpec};

const KEY: &str = "datacenter.virtualization";

/// Defaults of a service (assumptions, see the README's virtualization section).
const DEFAULT_VCPUS: f64 = 4.0;
const DEFAULT_MEMORY_GB: f64 = 8.0;
const DEFAULT_MIN_INSTANCES: u32 = 2;
const DEFAULT_MAX_INSTANCES: u32 = 100_000;
const DEFAULT_TARGET_UTILIZATION: f64 = 0.5;

fn service(c: &mut Checker<'_>, key: &str, r: &RawVmService, name: String) -> ServiceSpec {
    let vcpus = c.positive(
        &format!("{key}.vcpus"),
        r.vcpus.unwrap_or(DEFAULT_VCPUS),
        4096.0,
        "vCPUs",
    );
    let memory_gb = c.positive(
        &format!("{key}.memory_gb"),
        r.memory_gb.unwrap_or(DEFAULT_MEMORY_GB),
        65_536.0,
        "memory (GB)",
    );
    let min_instances = r.min_instances.unwrap_or(DEFAULT_MIN_INSTANCES);
    let max_instances = r.max_instances.unwrap_or(DEFAULT_MAX_INSTANCES.max(min_instances));
    if max_instances == 0 || max_instances < min_instances {
        c.error(
            &format!("{key}.max_instances"),
            format!("max_instances ({max_instances}) is below min_instances ({min_instances}) or zero"),
            "give max_instances >= min_instances >= 0, e.g. min_instances = 2, max_instances = 50",
        );
    }
    let target_utilization = c.in_range(
        &format!("{key}.target_utilization"),
        r.target_utilization.unwrap_or(DEFAULT_TARGET_UTILIZATION),
        0.05,
        1.0,
        "target utilization of the vCPUs",
    );
    ServiceSpec {
        name,
        vcpus,
        memory_gb,
        min_instances,
        max_instances: max_instances.max(1),
        target_utilization,
    }
}

/// Validates `[datacenter.virtualization]` for the workload's `class_names`, on hosts of
/// model `server` (the initial fleet).
pub fn validate_virtualization(
    c: &mut Checker<'_>,
    raw: &RawVirtualization,
    class_names: &[String],
    server: &ServerModel,
) -> Option<VirtSpec> {
    let before = c.count();
    let cpu_overcommit = c.in_range(
        &format!("{KEY}.cpu_overcommit"),
        raw.cpu_overcommit.unwrap_or(4.0),
        0.1,
        64.0,
        "CPU overcommit ratio (vCPUs per core)",
    );
    let ram_overcommit = c.in_range(
        &format!("{KEY}.ram_overcommit"),
        raw.ram_overcommit.unwrap_or(1.0),
        0.1,
        8.0,
        "memory overcommit ratio",
    );
    let host_memory_gb = raw
        .host_memory_gb
        .map(|v| c.positive(&format!("{KEY}.host_memory_gb"), v, 1e6, "host memory (GB)"));
    let hypervisor_idle_share = c.in_range(
        &format!("{KEY}.hypervisor_idle_overhead"),
        raw.hypervisor_idle_overhead.unwrap_or(0.03),
        0.0,
        1.0,
        "hypervisor idle overhead (share of idle power)",
    );
    let hypervisor_cpu_share = c.in_range(
        &format!("{KEY}.hypervisor_cpu_overhead"),
        raw.hypervisor_cpu_overhead.unwrap_or(0.05),
        0.0,
        1.0,
        "hypervisor CPU overhead (share of the work)",
    );
    let placement = match raw.placement.as_deref().unwrap_or("first-fit-decreasing") {
        "first-fit-decreasing" | "ffd" => Placement::FirstFitDecreasing,
        "best-fit-decreasing" | "bfd" => Placement::BestFitDecreasing,
        "one-service-per-host" => Placement::OneServicePerHost,
        other => {
            let options = ["first-fit-decreasing", "best-fit-decreasing", "one-service-per-host"];
            c.unknown_choice(&format!("{KEY}.placement"), "placement", other, &options);
            Placement::FirstFitDecreasing
        }
    };
    let consolidation = match &raw.consolidation {
        None => None,
        Some(NameOr::Name(n)) if n == "none" => None,
        Some(NameOr::Name(n)) if n == "periodic" => Some(Consolidation {
            interval_ns: NS_PER_HOUR,
            max_utilization: 0.7,
        }),
        Some(NameOr::Name(n)) => {
            c.error(
                &format!("{KEY}.consolidation"),
                format!("unknown consolidation \"{n}\""),
                "use \"none\", \"periodic\" or { every = \"1h\", max_utilization = 0.7 }",
            );
            None
        }
        Some(NameOr::Table(t)) => {
            let interval_ns = t.every.map_or(NS_PER_HOUR, |d| d.ns());
            if interval_ns < NS_PER_MIN {
                c.error(
                    &format!("{KEY}.consolidation.every"),
                    "consolidation passes less than a minute apart",
                    "give the time between passes, e.g. every = \"1h\"",
                );
            }
            Some(Consolidation {
                interval_ns,
                max_utilization: c.in_range(
                    &format!("{KEY}.consolidation.max_utilization"),
                    t.max_utilization.unwrap_or(0.7),
                    0.05,
                    1.0,
                    "utilization cap of a host receiving VMs",
                ),
            })
        }
    };
    let mut migration = MigrationModel::default();
    if let Some(m) = &raw.migration {
        let k = format!("{KEY}.migration");
        if let Some(v) = m.dirty_rate_gb_s {
            migration.dirty_rate_gb_s =
                c.in_range(&format!("{k}.dirty_rate_gb_s"), v, 0.0, 1e3, "memory dirty rate (GB/s)");
        }
        if let Some(v) = m.bandwidth_gb_s {
            migration.bandwidth_gb_s = c.positive(&format!("{k}.bandwidth_gb_s"), v, 1e4, "migration bandwidth (GB/s)");
        }
        if let Some(v) = m.resume_s {
            migration.resume_s = c.in_range(&format!("{k}.resume_s"), v, 0.0, 3600.0, "resume time (s)");
        }
        if let Some(v) = m.energy_j_per_mb {
            migration.energy_j_per_mb = c.in_range(&format!("{k}.energy_j_per_mb"), v, 0.0, 1e4, "energy per MB (J)");
        }
        if let Some(v) = m.energy_const_j {
            migration.energy_const_j =
                c.in_range(&format!("{k}.energy_const_j"), v, 0.0, 1e7, "energy per migration (J)");
        }
        if let Some(v) = m.slowdown {
            migration.slowdown_share = c.in_range(&format!("{k}.slowdown"), v, 0.0, 10.0, "slowdown while migrating");
        }
    }

    // Services and the class each serves.
    let mut services = Vec::new();
    let mut class_service: Vec<Option<usize>> = vec![None; class_names.len()];
    if raw.services.is_empty() {
        for (k, name) in class_names.iter().enumerate() {
            services.push(service(c, KEY, &RawVmService::default(), name.clone()));
            class_service[k] = Some(k);
        }
    } else {
        for (i, r) in raw.services.iter().enumerate() {
            let key = format!("{KEY}.services[{i}]");
            let name = r.name.clone().unwrap_or_else(|| format!("service-{i}"));
            services.push(service(c, &key, r, name.clone()));
            let served: Vec<String> = match &r.classes {
                Some(list) => list.clone(),
                None if raw.services.len() == 1 => class_names.to_vec(),
                None if class_names.contains(&name) => vec![name.clone()],
                None => {
                    c.error(
                        &format!("{key}.classes"),
                        format!("service \"{name}\" names no transaction classes"),
                        format!(
                            "list the classes it serves, e.g. classes = [\"{}\"]",
                            class_names.first().map_or("payment", |s| s.as_str())
                        ),
                    );
                    Vec::new()
                }
            };
            for class in served {
                match class_names.iter().position(|n| *n == class) {
                    Some(k) if class_service[k].is_some() => c.error(
                        &format!("{key}.classes"),
                        format!("class \"{class}\" is served by two services"),
                        "give each transaction class to one service",
                    ),
                    Some(k) => class_service[k] = Some(i),
                    None => {
                        let hint = match did_you_mean(&class, class_names.iter().map(String::as_str)) {
                            Some(best) => format!("did you mean \"{best}\"?"),
                            None => format!("the classes are {}", class_names.join(", ")),
                        };
                        c.error(&format!("{key}.classes"), format!("unknown class \"{class}\""), hint);
                    }
                }
            }
        }
        for (k, s) in class_service.iter().enumerate() {
            if s.is_none() {
                c.error(
                    &format!("{KEY}.services"),
                    format!("no service serves the transaction class \"{}\"", class_names[k]),
                    "add the class to a service's `classes` list",
                );
            }
        }
    }

    // Every VM must fit on a host.
    let host_vcpus = f64::from(server.cores) * cpu_overcommit;
    let host_memory = host_memory_gb.unwrap_or(server.memory_gb) * ram_overcommit;
    for (i, s) in services.iter().enumerate() {
        if s.vcpus > host_vcpus * (1.0 + 1e-9) || s.memory_gb > host_memory * (1.0 + 1e-9) {
            let key = if raw.services.is_empty() {
                KEY.to_owned()
            } else {
                format!("{KEY}.services[{i}]")
            };
            c.error(
                &key,
                format!(
                    "a VM of service \"{}\" ({} vCPUs, {} GB) is larger than every host ({}: {} cores x overcommit {} = {} vCPUs, {} GB)",
                    s.name, s.vcpus, s.memory_gb, server.name, server.cores, cpu_overcommit, host_vcpus, host_memory
                ),
                "make the VM smaller, raise cpu_overcommit or host_memory_gb, or choose a larger server",
            );
        }
    }
    (c.count() == before).then(|| VirtSpec {
        services,
        class_service: class_service.into_iter().map(|s| s.unwrap_or(0)).collect(),
        cpu_overcommit,
        ram_overcommit,
        host_memory_gb,
        hypervisor_idle_share,
        hypervisor_cpu_share,
        placement,
        consolidation,
        migration,
    })
}
