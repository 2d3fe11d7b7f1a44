//! Plots of run and sweep results, drawn with plotters as SVG (text laid out with the
//! embedded DejaVu Sans, so no system font library is needed) and rasterized to PNG with
//! resvg using the same font. `greenloop run --plots` and `greenloop plot DIR` write them
//! to `DIR/plots/`; `greenloop report DIR` puts the SVGs inline into `report.html`.

mod charts;
mod data;
mod png;
mod sweep_charts;

use std::path::{Path, PathBuf};

pub use data::{RunData, SweepData};

use crate::error::Error;
use crate::output::StagedOutput;

/// A drawn figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem, e.g. `week_supply`.
    pub name: String,
    /// Title (also the figure's caption in the report).
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// Plot choices.
#[derive(Debug, Clone, Default)]
pub struct PlotOptions {
    /// Week (0-based) of the weekly plots; default: the week with the most renewable energy.
    pub week: Option<usize>,
    /// Sweep plots: the swept key on the x axis (default: the first).
    pub x: Option<String>,
    /// Sweep plots: the metrics on the y axis (default: total carbon and NPV).
    pub y: Vec<String>,
    /// Sweep plots: the swept key that groups the series (default: the second).
    pub group: Option<String>,
}

/// The error of a plot, as text.
pub type PlotResult<T> = Result<T, String>;

/// Embedded font: DejaVu Sans (Bitstream Vera licence, `src/plot/fonts/LICENSE-DejaVu.txt`).
pub const FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Registers the embedded font with plotters (once).
fn ensure_font() {
    static ONCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT).is_ok()
            && plotters::style::register_font("sans-serif", plotters::style::FontStyle::Bold, FONT).is_ok()
    });
}

/// Whether `dir` holds sweep results (else run results).
pub fn is_sweep_dir(dir: &Path) -> bool {
    dir.join("sweep.csv").exists()
}

/// The figures of the results in `dir` (a run or a sweep folder).
pub fn figures(dir: &Path, opts: &PlotOptions) -> Result<Vec<Figure>, Error> {
    ensure_font();
    if is_sweep_dir(dir) {
        let data = SweepData::read(dir).map_err(Error::Usage)?;
        // Errors here are about the options (a key that is not swept, a metric not in sweep.csv).
        sweep_charts::all(&data, opts).map_err(Error::Usage)
    } else {
        let data = RunData::read(dir).map_err(Error::Usage)?;
        charts::all(&data, opts).map_err(Error::Internal)
    }
}

/// Draws the figures of `dir` into `dir/plots/` as SVG and PNG; returns the files.
pub fn plot_dir(dir: &Path, opts: &PlotOptions) -> Result<Vec<PathBuf>, Error> {
    let figs = figures(dir, opts)?;
    let mut out = StagedOutput::new(&dir.join("plots"))?;
    for f in &figs {
        out.write_bytes(&format!("{}.svg", f.name), f.svg.as_bytes())?;
        let png = png::rasterize(&f.svg).map_err(Error::Internal)?;
        out.write_bytes(&format!("{}.png", f.name), &png)?;
    }
    Ok(out.commit()?)
}

/// Rasterizes an SVG document to PNG bytes with the embedded font.
pub fn svg_to_png(svg: &str) -> PlotResult<Vec<u8>> {
    png::rasterize(svg)
}
