//! The figures of one run: a week of supply, the battery, grid carbon against imports,
//! daily energy by source, monthly renewable share, the latency distribution, utilization,
//! and (with a lifecycle) the fleet by age, e-waste by route and carbon by year.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::RunData;
use super::{Figure, PlotOptions, PlotResult};

type DrawResult = Result<(), Box<dyn std::error::Error>>;

pub(super) const SOLAR: RGBColor = RGBColor(242, 183, 5);
pub(super) const BATTERY: RGBColor = RGBColor(142, 68, 173);
pub(super) const GRID: RGBColor = RGBColor(140, 140, 140);
pub(super) const RENEWABLE: RGBColor = RGBColor(39, 174, 96);
pub(super) const EMBODIED: RGBColor = RGBColor(211, 84, 0);
pub(super) const OPERATIONAL: RGBColor = RGBColor(52, 73, 94);
pub(super) const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];
const ROUTES: [(&str, &str, RGBColor); 5] = [
    ("reuse_kg", "reuse", RGBColor(39, 174, 96)),
    ("refurbish_kg", "refurbish", RGBColor(46, 204, 113)),
    ("harvest_kg", "harvest", RGBColor(52, 152, 219)),
    ("recycle_kg", "recycle", RGBColor(243, 156, 18)),
    ("landfill_kg", "landfill", RGBColor(192, 57, 43)),
];

pub(super) const WIDTH: u32 = 960;
pub(super) const HEIGHT: u32 = 480;

/// Draws into a fresh SVG document.
pub(super) fn svg(draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult) -> PlotResult<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

pub(super) fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

/// Range with a little room, never empty.
pub(super) fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let span = (hi - lo).abs().max(1e-9);
    (lo - 0.02 * span)..(hi + 0.05 * span)
}

fn max_of(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().filter(|x| x.is_finite()).fold(0.0, f64::max)
}

/// Legend box item.
pub(super) fn legend_box(color: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
}

/// Legend line item.
pub(super) fn legend_line(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2))
}

/// The rows of a week (all rows if the run is shorter than a week).
fn week_rows(d: &RunData, opts: &PlotOptions) -> (usize, Vec<usize>) {
    let t = d.steps.col("time_h");
    let re: Vec<f64> = d
        .steps
        .col("solar_kw")
        .iter()
        .zip(d.steps.col("wind_kw"))
        .map(|(s, w)| s + w)
        .collect();
    let first = t.first().copied().unwrap_or(0.0);
    let weeks = ((t.last().copied().unwrap_or(0.0) - first) / 168.0).floor().max(1.0) as usize;
    let week = opts.week.unwrap_or_else(|| {
        // The week with the most renewable energy (or the first week without any).
        let mut best = (0usize, -1.0);
        for w in 0..weeks {
            let sum: f64 = (0..t.len())
                .filter(|&i| ((t[i] - first) / 168.0).floor() as usize == w)
                .map(|i| re[i])
                .sum();
            if sum > best.1 + 1e-9 {
                best = (w, sum);
            }
        }
        best.0
    });
    let week = week.min(weeks - 1);
    let rows = (0..t.len())
        .filter(|&i| weeks == 1 || ((t[i] - first) / 168.0).floor() as usize == week)
        .collect();
    (week, rows)
}

fn week_supply(d: &RunData, opts: &PlotOptions) -> PlotResult<Figure> {
    let (week, rows) = week_rows(d, opts);
    let s = &d.steps;
    let (t, demand, solar, wind, battery, grid) = (
        s.col("time_h"),
        s.col("facility_kw"),
        s.col("solar_kw"),
        s.col("wind_kw"),
        s.col("battery_kw"),
        s.col("grid_kw"),
    );
    let t0 = rows.first().map_or(0.0, |&i| t[i]);
    let x = |i: usize| (t[i] - t0) / 24.0;
    // Stacked from the bottom: renewables used directly, battery discharge, grid import.
    let stack: Vec<(f64, f64, f64, f64)> = rows
        .iter()
        .map(|&i| {
            let import = grid[i].max(0.0);
            let discharge = battery[i].max(0.0);
            let direct = (demand[i] - import - discharge).max(0.0);
            (x(i), direct, direct + discharge, direct + discharge + import)
        })
        .collect();
    let top = max_of(rows.iter().map(|&i| demand[i].max(solar[i] + wind[i])));
    let days = stack.last().map_or(7.0, |p| p.0.max(1.0));
    let title = format!("Week {} of supply: demand and where it came from", week + 1);
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..days, 0.0..top * 1.15 + 1e-9)?;
        chart
            .configure_mesh()
            .x_desc("day of the week")
            .y_desc("power (kW)")
            .label_style(font(13))
            .draw()?;
        chart
            .draw_series(AreaSeries::new(stack.iter().map(|p| (p.0, p.3)), 0.0, GRID.mix(0.55)))?
            .label("grid import (to the load and the battery)")
            .legend(legend_box(GRID));
        chart
            .draw_series(AreaSeries::new(
                stack.iter().map(|p| (p.0, p.2)),
                0.0,
                BATTERY.mix(0.65),
            ))?
            .label("battery discharge")
            .legend(legend_box(BATTERY));
        chart
            .draw_series(AreaSeries::new(
                stack.iter().map(|p| (p.0, p.1)),
                0.0,
                RENEWABLE.mix(0.7),
            ))?
            .label("renewables used directly")
            .legend(legend_box(RENEWABLE));
        chart
            .draw_series(LineSeries::new(
                rows.iter().map(|&i| (x(i), solar[i] + wind[i])),
                SOLAR.stroke_width(2),
            ))?
            .label("solar + wind produced")
            .legend(legend_line(SOLAR));
        chart
            .draw_series(LineSeries::new(
                rows.iter().map(|&i| (x(i), demand[i])),
                BLACK.stroke_width(2),
            ))?
            .label("facility demand")
            .legend(legend_line(BLACK));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: "week_supply".into(),
        title,
        svg,
    })
}

fn battery_soc(d: &RunData, opts: &PlotOptions) -> PlotResult<Option<Figure>> {
    let s = &d.steps;
    let soc = s.col("soc_kwh");
    if soc.iter().all(|v| *v == 0.0 || v.is_nan()) {
        return Ok(None);
    }
    let (week, rows) = week_rows(d, opts);
    let t = s.col("time_h");
    let t0 = rows.first().map_or(0.0, |&i| t[i]);
    let carbon = s.col("carbon_g_per_kwh");
    let top = max_of(rows.iter().map(|&i| soc[i]));
    let (c_lo, c_hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &i| {
        (a.min(carbon[i]), b.max(carbon[i]))
    });
    let title = format!("Week {}: battery state of charge and grid carbon intensity", week + 1);
    let days = rows.last().map_or(7.0, |&i| ((t[i] - t0) / 24.0).max(1.0));
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(0.0..days, 0.0..top * 1.15 + 1e-9)?
            .set_secondary_coord(0.0..days, padded(c_lo.min(c_hi), c_hi));
        chart
            .configure_mesh()
            .x_desc("day of the week")
            .y_desc("stored energy (kWh)")
            .label_style(font(13))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("grid carbon intensity (gCO2e/kWh)")
            .label_style(font(13))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                rows.iter().map(|&i| ((t[i] - t0) / 24.0, soc[i])),
                BATTERY.stroke_width(2),
            ))?
            .label("state of charge (kWh)")
            .legend(legend_line(BATTERY));
        chart
            .draw_secondary_series(LineSeries::new(
                rows.iter().map(|&i| ((t[i] - t0) / 24.0, carbon[i])),
                GRID.stroke_width(1),
            ))?
            .label("grid carbon intensity")
            .legend(legend_line(GRID));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Some(Figure {
        name: "battery_soc".into(),
        title,
        svg,
    }))
}

fn carbon_and_import(d: &RunData, opts: &PlotOptions) -> PlotResult<Figure> {
    let (week, rows) = week_rows(d, opts);
    let s = &d.steps;
    let (t, carbon, grid) = (s.col("time_h"), s.col("carbon_g_per_kwh"), s.col("grid_kw"));
    let t0 = rows.first().map_or(0.0, |&i| t[i]);
    let (c_lo, c_hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &i| {
        (a.min(carbon[i]), b.max(carbon[i]))
    });
    let top = max_of(rows.iter().map(|&i| grid[i].max(0.0)));
    let title = format!(
        "Week {}: grid carbon intensity and what the datacenter imports",
        week + 1
    );
    let days = rows.last().map_or(7.0, |&i| ((t[i] - t0) / 24.0).max(1.0));
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(0.0..days, padded(c_lo.min(c_hi), c_hi))?
            .set_secondary_coord(0.0..days, 0.0..top * 1.15 + 1e-9);
        chart
            .configure_mesh()
            .x_desc("day of the week")
            .y_desc("grid carbon intensity (gCO2e/kWh)")
            .label_style(font(13))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("grid import (kW)")
            .label_style(font(13))
            .draw()?;
        chart
            .draw_secondary_series(AreaSeries::new(
                rows.iter().map(|&i| ((t[i] - t0) / 24.0, grid[i].max(0.0))),
                0.0,
                GRID.mix(0.4),
            ))?
            .label("grid import (right axis)")
            .legend(legend_box(GRID));
        chart
            .draw_series(LineSeries::new(
                rows.iter().map(|&i| ((t[i] - t0) / 24.0, carbon[i])),
                OPERATIONAL.stroke_width(2),
            ))?
            .label("carbon intensity (left axis)")
            .legend(legend_line(OPERATIONAL));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: "carbon_and_import".into(),
        title,
        svg,
    })
}

/// Sums of kW x duration per day: (renewables used directly, battery, grid), kWh.
fn daily(d: &RunData) -> Vec<(f64, f64, f64)> {
    let s = &d.steps;
    let (t, dur, demand, battery, grid) = (
        s.col("time_h"),
        s.col("duration_h"),
        s.col("facility_kw"),
        s.col("battery_kw"),
        s.col("grid_kw"),
    );
    let first = t.first().copied().unwrap_or(0.0);
    let mut days: Vec<(f64, f64, f64)> = Vec::new();
    for i in 0..t.len() {
        let day = ((t[i] - first) / 24.0).floor().max(0.0) as usize;
        if days.len() <= day {
            days.resize(day + 1, (0.0, 0.0, 0.0));
        }
        let import = grid[i].max(0.0);
        let discharge = battery[i].max(0.0);
        let direct = (demand[i] - import - discharge).max(0.0);
        days[day].0 += direct * dur[i];
        days[day].1 += discharge * dur[i];
        days[day].2 += import * dur[i];
    }
    days
}

fn daily_energy(d: &RunData) -> PlotResult<Figure> {
    let days = daily(d);
    let top = max_of(days.iter().map(|x| x.0 + x.1 + x.2));
    let n = days.len().max(1) as f64;
    let title = "Daily facility energy by source".to_owned();
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..n, 0.0..top * 1.15 + 1e-9)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("energy (kWh per day)")
            .label_style(font(13))
            .draw()?;
        let pts = |f: fn(&(f64, f64, f64)) -> f64| days.iter().enumerate().map(move |(i, x)| (i as f64 + 0.5, f(x)));
        chart
            .draw_series(AreaSeries::new(pts(|x| x.0 + x.1 + x.2), 0.0, GRID.mix(0.55)))?
            .label("grid")
            .legend(legend_box(GRID));
        chart
            .draw_series(AreaSeries::new(pts(|x| x.0 + x.1), 0.0, BATTERY.mix(0.65)))?
            .label("battery")
            .legend(legend_box(BATTERY));
        chart
            .draw_series(AreaSeries::new(pts(|x| x.0), 0.0, RENEWABLE.mix(0.7)))?
            .label("renewables used directly")
            .legend(legend_box(RENEWABLE));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: "daily_energy".into(),
        title,
        svg,
    })
}

fn monthly_renewable(d: &RunData) -> PlotResult<Figure> {
    let s = &d.steps;
    let (t, dur, demand, solar, wind, battery, grid) = (
        s.col("time_h"),
        s.col("duration_h"),
        s.col("facility_kw"),
        s.col("solar_kw"),
        s.col("wind_kw"),
        s.col("battery_kw"),
        s.col("grid_kw"),
    );
    let start = d.summary["start"]
        .as_str()
        .and_then(|x| chrono::NaiveDate::parse_from_str(x, "%Y-%m-%d").ok());
    let month_of = |h: f64| -> usize {
        match start {
            Some(s0) => {
                let date = s0 + chrono::Days::new((h / 24.0).floor().max(0.0) as u64);
                let (y0, m0) = (chrono::Datelike::year(&s0), chrono::Datelike::month0(&s0) as i32);
                let (y, m) = (chrono::Datelike::year(&date), chrono::Datelike::month0(&date) as i32);
                ((y - y0) * 12 + m - m0).max(0) as usize
            }
            None => (h / 730.0).floor() as usize,
        }
    };
    // Per month: demand, renewables produced, demand met by renewables (direct or stored).
    let mut months: Vec<(f64, f64, f64)> = Vec::new();
    for i in 0..t.len() {
        let m = month_of(t[i]);
        if months.len() <= m {
            months.resize(m + 1, (0.0, 0.0, 0.0));
        }
        let e = demand[i] * dur[i];
        months[m].0 += e;
        months[m].1 += (solar[i] + wind[i]) * dur[i];
        months[m].2 += (demand[i] - grid[i].max(0.0) - battery[i].max(0.0)).max(0.0) * dur[i];
    }
    let n = months.len().max(1);
    let names = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let first_month = start.map_or(0, |s0| chrono::Datelike::month0(&s0) as usize);
    let first_year = start.map_or(0, |s0| chrono::Datelike::year(&s0));
    let month_label = move |i: usize| -> String {
        let m = first_month + i;
        let label = names[m % 12];
        if n > 12 && (i == 0 || m % 12 == 0) {
            format!("{label} {}", first_year + (m / 12) as i32)
        } else {
            label.to_owned()
        }
    };
    let title = "Monthly renewable share of facility demand".to_owned();
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..135.0)?;
        chart
            .configure_mesh()
            .x_desc("month")
            .y_desc("share of demand (%)")
            .x_labels(n.min(25))
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 && *v >= 0.0 {
                    month_label(v.round() as usize)
                } else {
                    String::new()
                }
            })
            .label_style(font(13))
            .draw()?;
        chart
            .draw_series(months.iter().enumerate().map(|(i, m)| {
                let share = if m.0 > 0.0 { (100.0 * m.1 / m.0).min(100.0) } else { 0.0 };
                Rectangle::new(
                    [(i as f64 - 0.4, 0.0), (i as f64 + 0.4, share)],
                    SOLAR.mix(0.7).filled(),
                )
            }))?
            .label("renewables produced / demand (annual-style matching, capped at 100 %)")
            .legend(legend_box(SOLAR));
        chart
            .draw_series(LineSeries::new(
                months
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (i as f64, if m.0 > 0.0 { 100.0 * m.2 / m.0 } else { 0.0 })),
                RENEWABLE.stroke_width(3),
            ))?
            .label("demand met directly by renewables (hour by hour)")
            .legend(legend_line(RENEWABLE));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: "monthly_renewable".into(),
        title,
        svg,
    })
}

fn latency_cdf(d: &RunData) -> PlotResult<Option<Figure>> {
    let cdf = &d.summary["latency_cdf"];
    let q: Vec<f64> = cdf["quantile"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    let ms: Vec<f64> = cdf["ms"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    if q.is_empty() || q.len() != ms.len() || ms.iter().all(|x| *x <= 0.0) {
        return Ok(None);
    }
    let slas: Vec<(String, f64)> = d.summary["classes"]
        .as_object()
        .map(|c| {
            c.iter()
                .filter_map(|(name, v)| v["sla_ms"].as_f64().map(|s| (name.clone(), s)))
                .collect()
        })
        .unwrap_or_default();
    let lo = ms
        .iter()
        .copied()
        .filter(|x| *x > 0.0)
        .fold(f64::INFINITY, f64::min)
        .max(1e-3)
        / 1.5;
    let hi = ms.iter().copied().chain(slas.iter().map(|s| s.1)).fold(0.0, f64::max) * 1.5;
    let title = "Latency distribution (all transactions) with the SLA targets".to_owned();
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("latency (ms, log scale)")
            .y_desc("share of transactions at most this fast")
            .label_style(font(13))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                ms.iter().copied().zip(q.iter().copied()),
                PALETTE[0].stroke_width(3),
            ))?
            .label("cumulative distribution")
            .legend(legend_line(PALETTE[0]));
        // One line per distinct target, naming the classes that share it.
        let mut targets: Vec<(f64, Vec<&str>)> = Vec::new();
        for (name, sla) in &slas {
            match targets.iter_mut().find(|t| t.0 == *sla) {
                Some(t) => t.1.push(name),
                None => targets.push((*sla, vec![name])),
            }
        }
        for (k, (sla, names)) in targets.iter().enumerate() {
            let c = PALETTE[(k + 3) % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(vec![(*sla, 0.0), (*sla, 1.0)], c.stroke_width(2)))?
                .label(format!("SLA {sla} ms: {}", names.join(", ")))
                .legend(legend_line(c));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Some(Figure {
        name: "latency_cdf".into(),
        title,
        svg,
    }))
}

fn utilization(d: &RunData) -> PlotResult<Figure> {
    let s = &d.steps;
    let (t, dur, util, awake) = (
        s.col("time_h"),
        s.col("duration_h"),
        s.col("utilization"),
        s.col("servers_awake"),
    );
    let first = t.first().copied().unwrap_or(0.0);
    let mut days: Vec<(f64, f64, f64)> = Vec::new();
    for i in 0..t.len() {
        let day = ((t[i] - first) / 24.0).floor().max(0.0) as usize;
        if days.len() <= day {
            days.resize(day + 1, (0.0, 0.0, 0.0));
        }
        days[day].0 += util[i] * dur[i];
        days[day].1 += awake[i] * dur[i];
        days[day].2 += dur[i];
    }
    let pts: Vec<(f64, f64, f64)> = days
        .iter()
        .enumerate()
        .filter(|(_, x)| x.2 > 0.0)
        .map(|(i, x)| (i as f64 + 0.5, 100.0 * x.0 / x.2, x.1 / x.2))
        .collect();
    let n = days.len().max(1) as f64;
    let top_awake = max_of(pts.iter().map(|p| p.2));
    let title = "Server utilization and servers awake (daily means)".to_owned();
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(0.0..n, 0.0..100.0)?
            .set_secondary_coord(0.0..n, 0.0..top_awake * 1.2 + 1e-9);
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("utilization of awake cores (%)")
            .label_style(font(13))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("servers awake")
            .label_style(font(13))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.1)),
                PALETTE[0].stroke_width(2),
            ))?
            .label("utilization (left axis)")
            .legend(legend_line(PALETTE[0]));
        chart
            .draw_secondary_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.2)),
                PALETTE[1].stroke_width(2),
            ))?
            .label("servers awake (right axis)")
            .legend(legend_line(PALETTE[1]));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()?;
        Ok(())
    })?;
    Ok(Figure {
        name: "utilization".into(),
        title,
        svg,
    })
}

/// Stacked bars per year from `columns` of lifecycle.csv.
fn year_bars(
    d: &RunData,
    name: &str,
    title: &str,
    y_desc: &str,
    columns: &[(String, String, RGBColor)],
    scale: f64,
) -> PlotResult<Figure> {
    let y = &d.years;
    let years = y.col("calendar_year");
    let values: Vec<Vec<f64>> = columns
        .iter()
        .map(|(c, ..)| y.col(c).iter().map(|v| v * scale).collect())
        .collect();
    let totals: Vec<f64> = (0..years.len())
        .map(|i| values.iter().map(|v| v.get(i).copied().unwrap_or(0.0)).sum())
        .collect();
    let top = max_of(totals.iter().copied());
    let (x0, x1) = (
        years.first().copied().unwrap_or(0.0) - 0.6,
        years.last().copied().unwrap_or(0.0) + 0.6,
    );
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..top * 1.2 + 1e-9)?;
        chart
            .configure_mesh()
            .x_desc("year")
            .y_desc(y_desc)
            .x_labels(years.len().min(30) + 2)
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .label_style(font(13))
            .draw()?;
        let mut base = vec![0.0; years.len()];
        for ((_, label, color), vals) in columns.iter().zip(&values) {
            let bars: Vec<Rectangle<(f64, f64)>> = years
                .iter()
                .enumerate()
                .map(|(i, yr)| {
                    let v = vals.get(i).copied().unwrap_or(0.0).max(0.0);
                    let r = Rectangle::new(
                        [(yr - 0.35, base[i]), (yr + 0.35, base[i] + v)],
                        color.mix(0.8).filled(),
                    );
                    base[i] += v;
                    r
                })
                .collect();
            chart
                .draw_series(bars)?
                .label(label.as_str())
                .legend(legend_box(*color));
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
        name: name.into(),
        title: title.into(),
        svg,
    })
}

fn lifecycle_figures(d: &RunData) -> PlotResult<Vec<Figure>> {
    if d.years.is_empty() {
        return Ok(Vec::new());
    }
    let ages: Vec<(String, String, RGBColor)> = (0..11)
        .map(|a| {
            let col = if a == 10 {
                "age_10_plus".to_owned()
            } else {
                format!("age_{a}")
            };
            let label = if a == 10 {
                "10+ years".to_owned()
            } else {
                format!("{a} years")
            };
            // Young servers yellow, old servers dark purple (viridis).
            let color = viridis(1.0 - a as f64 / 10.0);
            (col, label, color)
        })
        .collect();
    let routes: Vec<(String, String, RGBColor)> =
        ROUTES.iter().map(|(c, l, k)| ((*c).into(), (*l).into(), *k)).collect();
    let carbon = vec![
        (
            "operational_kgco2e".to_owned(),
            "operational (grid)".to_owned(),
            OPERATIONAL,
        ),
        (
            "embodied_amortized_kgco2e".to_owned(),
            "embodied (allocated to the year)".to_owned(),
            EMBODIED,
        ),
    ];
    Ok(vec![
        year_bars(
            d,
            "fleet_age",
            "Servers in service at the end of each year, by age",
            "servers",
            &ages,
            1.0,
        )?,
        year_bars(
            d,
            "ewaste_routes",
            "Retired equipment by end-of-life route",
            "mass (kg)",
            &routes,
            1.0,
        )?,
        year_bars(
            d,
            "carbon_by_year",
            "Embodied and operational carbon per year",
            "tCO2e",
            &carbon,
            1e-3,
        )?,
    ])
}

/// A colour of the viridis scale, `x` in 0..=1 (0 dark purple, 1 yellow).
fn viridis(x: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = x.clamp(0.0, 1.0) * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + f * (q - p)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Every figure of a run.
pub fn all(d: &RunData, opts: &PlotOptions) -> PlotResult<Vec<Figure>> {
    if d.steps.is_empty() {
        return Err("timeseries.csv has no rows (was the whole run a warm-up?)".into());
    }
    let mut out = vec![week_supply(d, opts)?];
    out.extend(battery_soc(d, opts)?);
    out.push(carbon_and_import(d, opts)?);
    out.push(daily_energy(d)?);
    out.push(monthly_renewable(d)?);
    out.extend(latency_cdf(d)?);
    out.push(utilization(d)?);
    out.extend(lifecycle_figures(d)?);
    Ok(out)
}
