//! Running a sweep into a folder: `plan.json`, then every cell this folder owns, appended to
//! `cells.jsonl` in batches; without a shard, `sweep.csv` and `sweep.json` at the end.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use super::Sweep;
use super::journal::{CellIndex, JournalWriter};
use super::output::{FinishReport, finish};
use super::plan::Plan;
use crate::error::Error;
use crate::metrics::{DiscardSteps, RunResult};
use crate::output::OutputError;
use crate::scenario::Scenario;

/// Cells run between two journal flushes.
const BATCH: usize = 64;

/// How to run a sweep.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run only variants `v` with `v % count == index`.
    pub shard: Option<(u32, u32)>,
    /// Continue a sweep whose folder holds a journal: skip its finished cells.
    pub resume: bool,
    /// Also write each variant's run folder (`runs/v0000`: summary, time series, lifecycle).
    pub keep_runs: bool,
    /// Stop (with an error) once this many cells have finished in this call (for tests of
    /// `--resume`).
    pub stop_after: Option<usize>,
    /// Show a progress bar (only drawn on a terminal).
    pub progress: bool,
    /// Allow very long transaction-fidelity variants.
    pub allow_long: bool,
}

/// What a sweep run did.
#[derive(Debug)]
pub struct SweepRunReport {
    /// Cells run now.
    pub cells_run: usize,
    /// Cells found finished in the journal.
    pub cells_resumed: usize,
    /// The outputs (None for a shard).
    pub finished: Option<FinishReport>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| {
        Error::Output(OutputError::File {
            file: path.to_owned(),
            source,
        })
    }
}

/// Runs `sweep` into `out_dir`.
pub fn run_to_dir(sweep: &Sweep, out_dir: &Path, opts: &RunOptions) -> Result<SweepRunReport, Error> {
    if let Some((i, n)) = opts.shard {
        if n == 0 || i >= n {
            return Err(Error::Usage(format!(
                "--shard {i}/{n}: the index must be below the count (shards are 0/N .. N-1/N)"
            )));
        }
    }
    if let (Some(&v), false) = (sweep.long_variants.first(), opts.allow_long) {
        crate::runner::check_run_size(&sweep.scenario(v)?, false)?;
    }
    if let Some(signal) = crate::interrupt::requested() {
        // Stopped while the variants were validated: nothing has started.
        return Err(Error::Interrupted {
            signal,
            detail: format!("nothing written to {}", out_dir.display()),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| {
        Error::Output(OutputError::Folder {
            dir: out_dir.to_owned(),
            source,
        })
    })?;
    let plan = Plan::of(sweep, opts.shard);
    let plan_path = out_dir.join("plan.json");
    let journal_path = out_dir.join("cells.jsonl");
    let done = if opts.resume {
        let text = std::fs::read_to_string(&plan_path).map_err(|_| {
            Error::Usage(format!(
                "--resume: {} holds no sweep to resume (no plan.json); run without --resume",
                out_dir.display()
            ))
        })?;
        let old = serde_json::from_str::<Value>(&text)
            .map_err(|e| e.to_string())
            .and_then(|v| Plan::from_json(&v))
            .map_err(|e| Error::Usage(format!("--resume: {}: {e}", plan_path.display())))?;
        if !old.same_sweep(&plan) || old.shard != plan.shard {
            return Err(Error::Usage(format!(
                "--resume: {} holds a different sweep (or shard); resume it with the same file and --shard, or use another --out folder",
                out_dir.display()
            )));
        }
        CellIndex::read(std::slice::from_ref(&journal_path)).map_err(Error::Internal)?
    } else {
        write_atomic(&plan_path, &plan_json_text(&plan))?;
        CellIndex::default()
    };
    let mut journal = JournalWriter::open(&journal_path, !opts.resume).map_err(io(&journal_path))?;
    let todo: Vec<(usize, u32)> = (0..sweep.variants.len())
        .filter(|&v| plan.owns(v))
        .flat_map(|v| (0..sweep.replications).map(move |r| (v, r)))
        .filter(|&(v, r)| !done.contains(v, r))
        .collect();
    let resumed = done.len();
    let bar = progress_bar(todo.len(), opts.progress);
    let mut run = 0usize;
    // A stop asked by a signal: the journal keeps the finished runs for `--resume`.
    let stop = |run: usize| match crate::interrupt::requested() {
        Some(signal) => {
            bar.finish_and_clear();
            Err(interrupted(
                sweep,
                opts,
                out_dir,
                signal,
                resumed + run,
                resumed + todo.len(),
            ))
        }
        None => Ok(()),
    };
    if opts.keep_runs {
        let mut variants: Vec<usize> = todo.iter().map(|&(v, _)| v).collect();
        variants.dedup();
        for v in variants {
            let dir = out_dir.join("runs").join(format!("v{v:04}"));
            let report = match crate::runner::run_to_dir(&sweep.scenario(v)?, &dir) {
                Err(e @ Error::Interrupted { .. }) => {
                    stop(run)?;
                    return Err(e);
                }
                other => other?,
            };
            for (r, result) in report.results.iter().enumerate() {
                if !done.contains(v, r as u32) {
                    journal
                        .append(v, r as u32, &result.metrics_json())
                        .map_err(io(&journal_path))?;
                    run += 1;
                    bar.inc(1);
                }
            }
            journal.flush().map_err(io(&journal_path))?;
            stop(run)?;
            check_stop(opts, run)?;
        }
    } else {
        for batch in todo.chunks(BATCH) {
            let batch = match opts.stop_after {
                Some(k) => &batch[..batch.len().min(k.saturating_sub(run)).max(1)],
                None => batch,
            };
            // The batch's scenarios, built once per variant.
            let mut variants: Vec<usize> = batch.iter().map(|&(v, _)| v).collect();
            variants.dedup();
            let scenarios: Vec<Scenario> = variants
                .par_iter()
                .map(|&v| sweep.scenario(v))
                .collect::<Result<_, _>>()?;
            // `None`: stopped by a signal before finishing.
            let trees: Vec<Option<Value>> = batch
                .par_iter()
                .map(|&(v, r)| {
                    let k = variants.binary_search(&v).unwrap_or(0);
                    let result: RunResult = crate::sim::try_run(&scenarios[k], r, &mut DiscardSteps)?;
                    bar.inc(1);
                    Some(result.metrics_json())
                })
                .collect();
            for (&(v, r), tree) in batch.iter().zip(&trees) {
                if let Some(tree) = tree {
                    journal.append(v, r, tree).map_err(io(&journal_path))?;
                    run += 1;
                }
            }
            journal.flush().map_err(io(&journal_path))?;
            stop(run)?;
            check_stop(opts, run)?;
        }
    }
    stop(run)?;
    bar.finish_and_clear();
    drop(journal);
    let finished = if opts.shard.is_some() {
        None
    } else {
        let index = CellIndex::read(&[journal_path]).map_err(Error::Internal)?;
        Some(finish(&plan, &index, out_dir)?)
    };
    Ok(SweepRunReport {
        cells_run: run,
        cells_resumed: resumed,
        finished,
    })
}

/// The error of a sweep stopped by `signal` with `done` of `total` runs in its journal.
fn interrupted(sweep: &Sweep, opts: &RunOptions, out_dir: &Path, signal: i32, done: usize, total: usize) -> Error {
    let shard = opts.shard.map(|(i, n)| format!(" --shard {i}/{n}")).unwrap_or_default();
    Error::Interrupted {
        signal,
        detail: format!(
            "{done} of {total} runs are finished and kept in {}; no sweep.csv or sweep.json written\n  fix: continue with: greenloop sweep {} --out {} --resume{shard}",
            out_dir.join("cells.jsonl").display(),
            sweep.source.file(),
            out_dir.display()
        ),
    }
}

fn check_stop(opts: &RunOptions, run: usize) -> Result<(), Error> {
    match opts.stop_after {
        Some(k) if run >= k => Err(Error::Usage(format!(
            "stopped after {run} cells (--stop-after); continue with --resume"
        ))),
        _ => Ok(()),
    }
}

fn progress_bar(total: usize, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// The plan document as text.
pub fn plan_json_text(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(&plan.to_json()).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes `text` to `path` through a temporary file and a rename (the temporary file is
/// removed if either fails).
pub fn write_atomic(path: &Path, text: &str) -> Result<(), Error> {
    let tmp: PathBuf = path.with_extension("tmp-greenloop");
    let written = std::fs::write(&tmp, text)
        .map_err(io(path))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io(path)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Joins the folders of a sharded sweep into `out_dir` (its `sweep.csv` and `sweep.json` are
/// the bytes a single run gives).
pub fn merge(dirs: &[PathBuf], out_dir: &Path) -> Result<FinishReport, Error> {
    let mut plan: Option<Plan> = None;
    let mut journals = Vec::new();
    for dir in dirs {
        let path = dir.join("plan.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Usage(format!("{}: {e}; is {} a sweep folder?", path.display(), dir.display())))?;
        let p = serde_json::from_str::<Value>(&text)
            .map_err(|e| e.to_string())
            .and_then(|v| Plan::from_json(&v))
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        match &plan {
            None => plan = Some(p),
            Some(first) if !first.same_sweep(&p) => {
                return Err(Error::Usage(format!(
                    "{} belongs to another sweep than {}",
                    dir.display(),
                    dirs[0].display()
                )));
            }
            Some(_) => {}
        }
        journals.push(dir.join("cells.jsonl"));
    }
    let Some(mut plan) = plan else {
        return Err(Error::Usage("merge needs at least one sweep folder".into()));
    };
    plan.shard = None;
    let index = CellIndex::read(&journals).map_err(Error::Internal)?;
    std::fs::create_dir_all(out_dir).map_err(|source| {
        Error::Output(OutputError::Folder {
            dir: out_dir.to_owned(),
            source,
        })
    })?;
    finish(&plan, &index, out_dir)
}
