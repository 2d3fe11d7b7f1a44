//! The figures of a sweep: metrics against a swept key with 95 % CI error bars, one series
//! per value of a second key; and the Pareto front of two objectives.

use plotters::prelude::*;

use super::charts::{PALETTE, font, legend_line, padded, svg};
use super::data::SweepData;
use super::{Figure, PlotOptions, PlotResult};

/// A metric's display name with its unit scaled for reading.
fn metric_label(metric: &str) -> (String, f64) {
    match metric {
        m if m.starts_with("carbon_kg.") => (
            format!("{} carbon (tCO2e)", &m["carbon_kg.".len()..].replace('_', " ")),
            1e-3,
        ),
        "cost.npv" => ("NPV of costs (thousand USD)".to_owned(), 1e-3),
        m if m.starts_with("cost.") && !m.contains("per_million") => {
            (format!("{} (thousand USD)", &m["cost.".len()..]), 1e-3)
        }
        m if m.starts_with("energy_kwh.") => (format!("{} energy (MWh)", &m["energy_kwh.".len()..]), 1e-3),
        m if m.starts_with("ewaste_kg.") => (format!("e-waste {} (t)", &m["ewaste_kg.".len()..]), 1e-3),
        m if m.starts_with("latency_ms.") => (format!("latency {} (ms)", &m["latency_ms.".len()..]), 1.0),
        m => (m.to_owned(), 1.0),
    }
}

fn metric_vs_key(d: &SweepData, x_key: &str, metric: &str, group: Option<&str>, index: usize) -> PlotResult<Figure> {
    let t = &d.table;
    let xs_text = t.strings(x_key);
    let numeric = xs_text.iter().all(|x| x.parse::<f64>().is_ok());
    let mut categories: Vec<String> = Vec::new();
    for x in &xs_text {
        if !categories.contains(x) {
            categories.push(x.clone());
        }
    }
    let x_of = |s: &str| -> f64 {
        if numeric {
            s.parse().unwrap_or(0.0)
        } else {
            categories.iter().position(|c| c == s).unwrap_or(0) as f64
        }
    };
    let (label, scale) = metric_label(metric);
    let y = t.col(metric);
    let ci = t.col(&format!("{metric}_ci95"));
    if y.is_empty() {
        return Err(format!("sweep.csv has no column `{metric}`"));
    }
    let groups_text = group
        .map(|g| t.strings(g))
        .unwrap_or_else(|| vec![String::new(); y.len()]);
    let mut groups: Vec<String> = Vec::new();
    for g in &groups_text {
        if !groups.contains(g) {
            groups.push(g.clone());
        }
    }
    // Several rows may share (x, group) when other keys vary: average them.
    let mut series: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    for g in &groups {
        let mut pts: Vec<(f64, f64, f64, usize)> = Vec::new();
        for i in 0..y.len() {
            if &groups_text[i] != g || !y[i].is_finite() {
                continue;
            }
            let x = x_of(&xs_text[i]);
            let h = if ci.get(i).is_some_and(|c| c.is_finite()) {
                ci[i]
            } else {
                0.0
            };
            match pts.iter_mut().find(|p| p.0 == x) {
                Some(p) => {
                    p.1 += y[i];
                    p.2 += h;
                    p.3 += 1;
                }
                None => pts.push((x, y[i], h, 1)),
            }
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        series.push(
            pts.into_iter()
                .map(|p| (p.0, p.1 / p.3 as f64 * scale, p.2 / p.3 as f64 * scale))
                .collect(),
        );
    }
    let all: Vec<&(f64, f64, f64)> = series.iter().flatten().collect();
    let (ylo, yhi) = all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.1 - p.2), b.max(p.1 + p.2))
    });
    let (xlo, xhi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let xpad = ((xhi - xlo) * 0.05).max(0.5);
    let title = format!("{label} against {x_key}");
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d((xlo - xpad)..(xhi + xpad), padded(ylo.min(yhi), yhi))?;
        let cats = categories.clone();
        let formatter = move |v: &f64| {
            if numeric {
                format!("{v}")
            } else {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    cats.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(x_key)
            .y_desc(&label)
            .label_style(font(13))
            .x_label_formatter(&formatter);
        if !numeric {
            mesh.x_labels(categories.len() + 2);
        }
        mesh.draw()?;
        for (k, (g, pts)) in groups.iter().zip(&series).enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let name = match group {
                Some(key) => format!("{key} = {g}"),
                None => label.clone(),
            };
            chart
                .draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?
                .label(name)
                .legend(legend_line(c));
            chart.draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 4, c.filled())))?;
            chart.draw_series(
                pts.iter()
                    .filter(|p| p.2 > 0.0)
                    .map(|p| ErrorBar::new_vertical(p.0, p.1 - p.2, p.1, p.1 + p.2, c.stroke_width(1), 8)),
            )?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: format!("sweep_{index}_{}", metric.replace('.', "_")),
        title: format!("{title} (means over the replications, bars: 95 % CI)"),
        svg,
    })
}

fn pareto(d: &SweepData, a: &str, b: &str) -> PlotResult<Figure> {
    let t = &d.table;
    let (la, sa) = metric_label(a);
    let (lb, sb) = metric_label(b);
    let xs: Vec<f64> = t.col(a).iter().map(|v| v * sa).collect();
    let ys: Vec<f64> = t.col(b).iter().map(|v| v * sb).collect();
    if xs.is_empty() || ys.is_empty() {
        return Err(format!("sweep.csv lacks `{a}` or `{b}`"));
    }
    let pts: Vec<(f64, f64)> = xs
        .iter()
        .copied()
        .zip(ys.iter().copied())
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    // Two-objective front (both minimized): sort by x, keep points that lower the best y.
    let mut sorted = pts.clone();
    sorted.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));
    let mut front: Vec<(f64, f64)> = Vec::new();
    for p in sorted {
        if front.last().is_none_or(|l| p.1 < l.1) {
            front.push(p);
        }
    }
    let (xlo, xhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.0), h.max(p.0)));
    let (ylo, yhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let title = format!("Pareto front: {la} against {lb}");
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(padded(xlo.min(xhi), xhi), padded(ylo.min(yhi), yhi))?;
        chart
            .configure_mesh()
            .x_desc(&la)
            .y_desc(&lb)
            .label_style(font(13))
            .draw()?;
        chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, 4, PALETTE[7].mix(0.6).filled())))?
            .label("variants")
            .legend(|(x, y)| Circle::new((x + 6, y), 4, PALETTE[7].filled()));
        chart
            .draw_series(LineSeries::new(front.iter().copied(), PALETTE[3].stroke_width(2)))?
            .label(format!("front: {} variant(s) that no other beats on both", front.len()))
            .legend(legend_line(PALETTE[3]));
        chart.draw_series(front.iter().map(|p| Circle::new(*p, 6, PALETTE[3].filled())))?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: "sweep_pareto".into(),
        title: format!("{title} (both minimized)"),
        svg,
    })
}

/// Every figure of a sweep.
pub fn all(d: &SweepData, opts: &PlotOptions) -> PlotResult<Vec<Figure>> {
    if d.table.is_empty() {
        return Err("sweep.csv has no rows".into());
    }
    let x = opts.x.clone().or_else(|| d.keys.first().cloned()).unwrap_or_default();
    if !d.keys.contains(&x) {
        return Err(format!(
            "`{x}` is not a swept key; the sweep's keys are {}",
            d.keys.join(", ")
        ));
    }
    let group = opts.group.clone().or_else(|| d.keys.iter().find(|k| **k != x).cloned());
    if let Some(g) = &group {
        if !d.keys.contains(g) {
            return Err(format!(
                "`{g}` is not a swept key; the sweep's keys are {}",
                d.keys.join(", ")
            ));
        }
    }
    let metrics = if opts.y.is_empty() {
        vec![
            "carbon_kg.total".to_owned(),
            "cost.npv".to_owned(),
            "ewaste_kg.landfill".to_owned(),
        ]
    } else {
        opts.y.clone()
    };
    let mut out = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        out.push(metric_vs_key(d, &x, m, group.as_deref(), i)?);
    }
    let objectives: Vec<String> = d.doc["objectives"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter_map(|x| x.as_str())
                .filter(|x| !x.starts_with("max:"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let (a, b) = match objectives.as_slice() {
        [a, b, ..] => (a.clone(), b.clone()),
        _ => ("carbon_kg.total".to_owned(), "cost.npv".to_owned()),
    };
    out.push(pareto(d, &a, &b)?);
    Ok(out)
}
