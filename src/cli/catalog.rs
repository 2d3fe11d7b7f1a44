//! `greenloop catalog`: the built-in hardware.

use greenloop::catalog::Catalog;
use greenloop::output::table::human;
use serde_json::json;

/// Text or JSON listing of `what` ("servers", "storage", "network" or "all").
pub fn listing(catalog: &Catalog, what: &str, json_format: bool) -> String {
    let show = |part: &str| what == "all" || what == part;
    if json_format {
        let mut doc = serde_json::Map::new();
        if show("servers") {
            doc.insert("servers".into(), json!(catalog.servers));
        }
        if show("storage") {
            doc.insert("storage".into(), json!(catalog.storage));
        }
        if show("network") {
            doc.insert("network".into(), json!(catalog.network));
        }
        return serde_json::to_string_pretty(&doc).unwrap_or_default();
    }
    let mut out = Vec::new();
    if show("servers") {
        out.push("SERVERS (SPECpower_ssj2008 results; power at active idle and 100 % load)".to_owned());
        out.push(format!(
            "  {:<34} {:>4} {:>5} {:>12} {:>7} {:>7} {:>9} {:>8}  {}",
            "id", "year", "cores", "ssj_ops@100", "idle W", "max W", "ops/W@100", "speed*", "confidence"
        ));
        let reference = catalog
            .server(greenloop::catalog::DEFAULT_SERVER_ID)
            .map(|m| m.ssj_ops_per_core_s());
        for s in &catalog.servers {
            let Some(m) = catalog.server(&s.id) else { continue };
            let speed = reference.map(|r| m.ssj_ops_per_core_s() / r).unwrap_or(f64::NAN);
            out.push(format!(
                "  {:<34} {:>4} {:>5} {:>12} {:>7} {:>7} {:>9} {:>8}  {}",
                s.id,
                s.year,
                s.cores,
                human(s.ssj_ops_at_100),
                human(m.curve.idle_w()),
                human(m.curve.max_w()),
                human(m.ssj_ops_per_w_at_100()),
                format!("{speed:.2}"),
                s.confidence
            ));
        }
        out.push("  * speed: ssj_ops per core relative to the dell-r740-xeon-8280 (the default server)".to_owned());
    }
    if show("storage") {
        out.push(String::new());
        out.push("STORAGE".to_owned());
        out.push(format!(
            "  {:<40} {:<16} {:>8} {:>8}  {}",
            "id", "kind", "power W", "max W", "confidence"
        ));
        for s in &catalog.storage {
            out.push(format!(
                "  {:<40} {:<16} {:>8} {:>8}  {}",
                s.id,
                s.kind,
                human(s.power_w),
                s.max_w.map(human).unwrap_or_else(|| "-".into()),
                s.confidence
            ));
        }
    }
    if show("network") {
        out.push(String::new());
        out.push("NETWORK".to_owned());
        out.push(format!(
            "  {:<40} {:<24} {:>8} {:>8}  {}",
            "id", "ports", "power W", "max W", "confidence"
        ));
        for s in &catalog.network {
            out.push(format!(
                "  {:<40} {:<24} {:>8} {:>8}  {}",
                s.id,
                s.ports,
                human(s.power_w),
                s.max_w.map(human).unwrap_or_else(|| "-".into()),
                s.confidence
            ));
        }
    }
    out.push(String::new());
    out.push("Sources: `greenloop catalog --format json` prints the source of every entry.".to_owned());
    out.join("\n")
}
