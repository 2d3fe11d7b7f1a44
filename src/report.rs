//! `report.html`: one self-contained page (inline SVG and CSS, no scripts, no external
//! files) for a run or a sweep folder: the scenario in plain words, the headline metrics
//! with their confidence intervals, the plots, and for sweeps the comparison table and the
//! Pareto set.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::output::StagedOutput;
use crate::output::explain::describe;
use crate::output::table::human;
use crate::plot::{Figure, PlotOptions, SweepData, figures, is_sweep_dir};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn get(v: &Value, path: &str) -> Option<f64> {
    path.split('.').try_fold(v, |n, k| n.get(k)).and_then(Value::as_f64)
}

/// Headline metrics: (label, dotted key, scale, unit).
const HEADLINES: [(&str, &str, f64, &str); 17] = [
    ("transactions", "transactions.total", 1.0, ""),
    ("SLA violations", "transactions.sla_violation_fraction", 100.0, "%"),
    ("latency p50", "latency_ms.p50", 1.0, "ms"),
    ("latency p99", "latency_ms.p99", 1.0, "ms"),
    ("IT energy", "energy_kwh.it", 1.0, "kWh"),
    ("facility energy", "energy_kwh.facility", 1.0, "kWh"),
    ("renewable fraction (annual)", "renewable_fraction", 100.0, "%"),
    ("hourly carbon-free fraction", "hourly_cfe_fraction", 100.0, "%"),
    ("operational carbon", "carbon_kg.operational", 1.0, "kgCO2e"),
    ("embodied carbon (allocated)", "carbon_kg.embodied", 1.0, "kgCO2e"),
    ("total carbon", "carbon_kg.total", 1.0, "kgCO2e"),
    ("e-waste generated", "ewaste_kg.generated", 1.0, "kg"),
    ("e-waste to landfill", "ewaste_kg.landfill", 1.0, "kg"),
    ("capital cost", "cost.capex", 1.0, "USD"),
    ("NPV of costs", "cost.npv", 1.0, "USD"),
    ("energy per transaction", "intensity.wh_per_tx", 1.0, "Wh"),
    ("carbon per transaction", "intensity.gco2e_per_tx", 1.0, "gCO2e"),
];

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
th{background:#f0f0f0}td.l,th.l{text-align:left}figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}\
figcaption{font-size:0.9em;color:#555}p.note{color:#555;font-size:0.9em}tr.pareto{background:#eaf7ea}";

fn inline_svg(f: &Figure) -> String {
    // Drop an XML declaration if the backend wrote one.
    let body = match f.svg.find("<svg") {
        Some(i) => &f.svg[i..],
        None => &f.svg,
    };
    format!("<figure>{body}<figcaption>{}</figcaption></figure>\n", esc(&f.title))
}

fn metrics_table(metrics: &Value, ci: &Value) -> String {
    let mut t = String::from(
        "<table><tr><th class=\"l\">metric</th><th>value</th><th>95 % CI</th><th class=\"l\">unit</th></tr>\n",
    );
    for (label, key, scale, unit) in HEADLINES {
        let Some(v) = get(metrics, key) else { continue };
        let h = match get(ci, key) {
            Some(h) if h <= 1e-9 * v.abs() => "± 0".to_owned(),
            Some(h) => format!("± {}", human(h * scale)),
            None => String::new(),
        };
        let _ = writeln!(
            t,
            "<tr><td class=\"l\">{label}</td><td>{}</td><td>{h}</td><td class=\"l\">{unit}</td></tr>",
            human(v * scale)
        );
    }
    t.push_str("</table>\n");
    t
}

fn run_body(dir: &Path, figs: &[Figure]) -> Result<(String, String), Error> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let name = doc["scenario"].as_str().unwrap_or("scenario").to_owned();
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", esc(&name));
    if let Some(d) = doc["description"].as_str().filter(|d| !d.is_empty()) {
        let _ = writeln!(body, "<p><em>{}</em></p>", esc(d));
    }
    body.push_str("<h2>The scenario</h2>\n");
    for p in describe(&doc) {
        let _ = writeln!(body, "<p>{}</p>", esc(&p));
    }
    body.push_str("<h2>Headline results</h2>\n");
    body.push_str(&metrics_table(&doc, &doc["ci95"]));
    let _ = writeln!(
        body,
        "<p class=\"note\">{} replication(s); with more than one, each value is the mean and the interval a 95 % Student t confidence interval. greenloop {}.</p>",
        doc["replications"],
        esc(doc["version"].as_str().unwrap_or(""))
    );
    body.push_str("<h2>Plots</h2>\n");
    for f in figs {
        body.push_str(&inline_svg(f));
    }
    Ok((name, body))
}

fn sweep_body(dir: &Path, figs: &[Figure]) -> Result<(String, String), Error> {
    let data = SweepData::read(dir).map_err(Error::Usage)?;
    let doc = &data.doc;
    let name = doc["name"].as_str().unwrap_or("sweep").to_owned();
    let variants = doc["variants"].as_array().cloned().unwrap_or_default();
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{} (sweep)</h1>", esc(&name));
    let _ = writeln!(
        body,
        "<p>{} variants ({} mode) over {}, {} replication(s) each with common random numbers (replication r of every variant sees the same arrivals, weather and failures).</p>",
        variants.len(),
        esc(doc["mode"].as_str().unwrap_or("grid")),
        esc(&data.keys.join(", ")),
        doc["replications"]
    );
    let objectives: Vec<String> = doc["objectives"]
        .as_array()
        .map(|o| o.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let columns = [
        ("total tCO2e", "carbon_kg.total", 1e-3),
        ("embodied tCO2e", "carbon_kg.embodied", 1e-3),
        ("IT MWh", "energy_kwh.it", 1e-3),
        ("e-waste t", "ewaste_kg.generated", 1e-3),
        ("landfill t", "ewaste_kg.landfill", 1e-3),
        ("NPV k USD", "cost.npv", 1e-3),
        ("p99 ms", "latency_ms.p99", 1.0),
    ];
    let table = |rows: &[&Value]| -> String {
        let mut t = String::from("<table><tr><th>#</th>");
        for k in &data.keys {
            let _ = write!(t, "<th class=\"l\">{}</th>", esc(k));
        }
        for (title, ..) in columns {
            let _ = write!(t, "<th>{title}</th>");
        }
        t.push_str("</tr>\n");
        for v in rows {
            let pareto = v["pareto"].as_bool() == Some(true);
            let _ = write!(
                t,
                "<tr{}><td>{}</td>",
                if pareto { " class=\"pareto\"" } else { "" },
                v["variant"]
            );
            for k in &data.keys {
                let cell = match &v["set"][k.as_str()] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let _ = write!(t, "<td class=\"l\">{}</td>", esc(&cell));
            }
            for (_, key, scale) in columns {
                let cell = match (get(&v["metrics"], key), get(&v["ci95"], key)) {
                    (Some(m), Some(h)) => format!("{} ± {}", human(m * scale), human(h * scale)),
                    (Some(m), None) => human(m * scale),
                    _ => "-".to_owned(),
                };
                let _ = write!(t, "<td>{cell}</td>");
            }
            t.push_str("</tr>\n");
        }
        t.push_str("</table>\n");
        t
    };
    let front: Vec<&Value> = variants
        .iter()
        .filter(|v| v["pareto"].as_bool() == Some(true))
        .collect();
    let _ = writeln!(
        body,
        "<h2>Pareto set</h2>\n<p>{} of {} variants are not beaten on all of: {} (minimized unless marked max).</p>",
        front.len(),
        variants.len(),
        esc(&objectives.join(", "))
    );
    body.push_str(&table(&front));
    body.push_str("<h2>Plots</h2>\n");
    for f in figs {
        body.push_str(&inline_svg(f));
    }
    let shown: Vec<&Value> = variants.iter().take(200).collect();
    let _ = writeln!(
        body,
        "<h2>All variants</h2>\n<p>Means with 95 % confidence half-widths; Pareto-optimal rows are green.{}</p>",
        if variants.len() > 200 {
            " The first 200 are shown; sweep.csv has all."
        } else {
            ""
        }
    );
    body.push_str(&table(&shown));
    Ok((name, body))
}

/// Writes `dir/report.html`; returns its path.
pub fn write_report(dir: &Path, opts: &PlotOptions) -> Result<PathBuf, Error> {
    let figs = figures(dir, opts)?;
    let (name, body) = if is_sweep_dir(dir) {
        sweep_body(dir, &figs)?
    } else {
        run_body(dir, &figs)?
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>greenloop: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(&name)
    );
    let mut out = StagedOutput::new(dir)?;
    out.write_bytes("report.html", html.as_bytes())?;
    let files = out.commit()?;
    files
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal("the report was not written".into()))
}
