//! The `greenloop` command line. Argument parsing and printing only: every model lives in
//! the library.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use greenloop::Error;
use greenloop::engine::Fidelity;

#[derive(Parser)]
#[command(
    name = "greenloop",
    version,
    about = "Simulate payment-system datacenters: transactions, servers, power, energy.",
    after_help = "Examples:\n  greenloop run scenarios/card-network.toml --out results/card-network\n  greenloop validate scenarios/bank.toml\n  greenloop new my-bank --kind bank\n  greenloop catalog servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FidelityArg {
    Transaction,
    Flow,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogPart {
    All,
    Servers,
    Storage,
    Network,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario; write summary.json and timeseries.csv.
    #[command(
        after_help = "Example:\n  greenloop run scenarios/card-network.toml --out results/card-network\n  greenloop run scenarios/bank.toml --replications 10 --threads 2"
    )]
    Run {
        /// Scenario file (TOML, or JSON with a .json extension).
        file: PathBuf,
        /// Output folder (created if needed). Default: results/<scenario name>.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the number of replications.
        #[arg(long)]
        replications: Option<u32>,
        /// Override the fidelity.
        #[arg(long, value_enum)]
        fidelity: Option<FidelityArg>,
        /// Worker threads for replications (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run a transaction-fidelity scenario even if it is estimated to take very long.
        #[arg(long)]
        allow_long: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Also draw the plots (DIR/plots/*.svg and *.png).
        #[arg(long)]
        plots: bool,
        /// With --plots: the week of the weekly plots (1 = the first; default: the week
        /// with the most renewable energy).
        #[arg(long)]
        week: Option<usize>,
        /// Also write DIR/report.html (one self-contained page with the plots).
        #[arg(long)]
        report: bool,
        /// Print the summary as a table, or as JSON (summary.json) for scripts.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Draws the plots of a run or sweep folder into DIR/plots (SVG and PNG).
    #[command(
        after_help = "Examples:\n  greenloop plot results/card-network --week 27\n  greenloop plot results/lifecycle-sweep --x lifecycle.refresh.age_years --y carbon_kg.total --y cost.npv --group lifecycle.end_of_life"
    )]
    Plot {
        /// A folder written by `greenloop run` or `greenloop sweep`.
        dir: PathBuf,
        /// Runs: the week of the weekly plots (1 = the first).
        #[arg(long)]
        week: Option<usize>,
        /// Sweeps: the swept key on the x axis (default: the first).
        #[arg(long)]
        x: Option<String>,
        /// Sweeps: a metric to plot (repeatable; default: total carbon, NPV, landfill).
        #[arg(long)]
        y: Vec<String>,
        /// Sweeps: the swept key that groups the lines (default: the second).
        #[arg(long)]
        group: Option<String>,
    },
    /// Writes DIR/report.html: the scenario in plain words, the headline metrics, the plots,
    /// and for sweeps the comparison table and the Pareto set.
    #[command(after_help = "Example:\n  greenloop report results/card-network")]
    Report {
        /// A folder written by `greenloop run` or `greenloop sweep`.
        dir: PathBuf,
        /// Runs: the week of the weekly plots (1 = the first).
        #[arg(long)]
        week: Option<usize>,
    },
    /// Runs every variant of a sweep file (a scenario with a [sweep] table) and writes
    /// sweep.csv and sweep.json.
    #[command(
        after_help = "Examples:\n  greenloop sweep scenarios/card-network-lifecycle.toml --out results/lifecycle-sweep\n  greenloop sweep scenarios/card-network-lifecycle.toml --list\n  greenloop sweep FILE --out part0 --shard 0/3   (then: greenloop merge part0 part1 part2 --out all)"
    )]
    Sweep {
        /// The sweep file.
        file: PathBuf,
        /// Output folder (default: results/<name>-sweep).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Print the variants and stop.
        #[arg(long)]
        list: bool,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Run only the variants of shard I of N (variant index modulo N); merge the folders
        /// with `greenloop merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Continue an interrupted sweep in the same --out folder, skipping finished runs.
        #[arg(long)]
        resume: bool,
        /// Also write each variant's run folder (runs/v0000, ...).
        #[arg(long)]
        keep_runs: bool,
        /// Stop after this many runs (to test --resume).
        #[arg(long, hide = true)]
        stop_after: Option<usize>,
        /// Run long transaction-fidelity variants without asking.
        #[arg(long)]
        allow_long: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Joins the folders of a sharded sweep into one sweep.csv and sweep.json.
    #[command(after_help = "Example:\n  greenloop merge part0 part1 part2 --out results/all")]
    Merge {
        /// Shard folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, short)]
        out: PathBuf,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario file without running it.
    #[command(after_help = "Example:\n  greenloop validate scenarios/card-network.toml")]
    Validate {
        /// Scenario file.
        file: PathBuf,
        /// Output format: a line of text, or JSON for scripts.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Print a scenario in plain words with every default filled in.
    #[command(
        after_help = "Examples:\n  greenloop explain scenarios/bank.toml\n  greenloop explain scenarios/bank.toml --format json"
    )]
    Explain {
        /// Scenario file.
        file: PathBuf,
        /// Output format: plain words, or the `setup` tree as JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Write a commented starter scenario NAME.toml.
    #[command(after_help = "Example:\n  greenloop new my-wallet --kind e-wallet")]
    New {
        /// Scenario name (the file is NAME.toml unless NAME already ends in .toml).
        name: String,
        /// Payment system: card-network, bank, e-wallet or mobile-payments.
        #[arg(long, default_value = "card-network")]
        kind: String,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// List the built-in servers, storage arrays and switches.
    #[command(after_help = "Example:\n  greenloop catalog servers\n  greenloop catalog --format json")]
    Catalog {
        /// Which part.
        #[arg(value_enum, default_value = "all")]
        part: CatalogPart,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
}

/// Lets `greenloop ... | head` end quietly: Rust ignores SIGPIPE, so a closed pipe would
/// make printing panic; the default action ends the process like other command-line tools.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Lets `run` and `sweep` stop cleanly on SIGINT, SIGTERM and SIGHUP (a closed terminal or
/// SSH session): the handler only records the signal ([`greenloop::interrupt`]); the run
/// loop stops, staged files are removed, a sweep keeps its journal, and the process exits
/// with 128 + the signal. A second signal ends the process at once (with 128 + the signal;
/// staged files may be left under their hidden temporary names, never under a result's).
fn stop_cleanly_on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let seen = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            // Registered first, so it runs before `seen` is set: only a second signal exits.
            let hooks = signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&seen))
                .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&seen)))
                // SAFETY: the action is one atomic compare-and-swap, which is
                // async-signal-safe.
                .and_then(|_| unsafe {
                    signal_hook::low_level::register(signal, move || greenloop::interrupt::request(signal))
                });
            if let Err(e) = hooks {
                eprintln!(
                    "warning: cannot handle {}: {e}",
                    greenloop::interrupt::signal_name(signal)
                );
            }
        }
    }
}

/// An error if a signal asked the process to stop after the run's files were written.
fn stopped_after_results(out: &std::path::Path) -> Result<(), Error> {
    match greenloop::interrupt::requested() {
        Some(signal) => Err(Error::Interrupted {
            signal,
            detail: format!(
                "the results in {} are complete; the plots or report were not (all) drawn",
                out.display()
            ),
        }),
        None => Ok(()),
    }
}

/// The 0-based week of `--week N` (1-based on the command line).
fn week_index(week: Option<usize>) -> Result<Option<usize>, Error> {
    match week {
        Some(0) => Err(Error::Usage("--week counts from 1 (the first week of the run)".into())),
        Some(w) => Ok(Some(w - 1)),
        None => Ok(None),
    }
}

/// Parses `I/N`.
fn parse_shard(text: &str) -> Result<(u32, u32), Error> {
    let bad = || {
        Error::Usage(format!(
            "--shard {text}: write the shard as I/N, e.g. --shard 0/4 (I from 0 to N-1)"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (u32, u32) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(Error::Usage(format!(
            "--shard {text}: the index must be between 0 and {} (N-1)",
            n.saturating_sub(1)
        )));
    }
    Ok((i, n))
}

/// Runs `f` on a rayon pool of `threads` threads (or the global pool).
fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> Result<T, Error> + Send) -> Result<T, Error> {
    match threads {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?
            .install(f),
        None => f(),
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Run { .. } | Command::Sweep { .. }) {
        stop_cleanly_on_signals();
    }
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn dispatch(command: Command) -> Result<(), Error> {
    match command {
        Command::Run {
            file,
            out,
            seed,
            replications,
            fidelity,
            threads,
            allow_long,
            quiet,
            plots,
            week,
            report: write_report,
            format,
        } => {
            let mut scenario = greenloop::load_file(&file)?;
            if let Some(s) = seed {
                scenario.seed = s;
            }
            if let Some(r) = replications {
                if r == 0 {
                    return Err(Error::Usage("--replications must be at least 1".into()));
                }
                scenario.replications = r;
            }
            if let Some(f) = fidelity {
                scenario.fidelity = match f {
                    FidelityArg::Transaction => Fidelity::Transaction,
                    FidelityArg::Flow => Fidelity::Flow,
                };
            }
            greenloop::runner::check_run_size(&scenario, allow_long)?;
            let out = out.unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
            let started = std::time::Instant::now();
            let report = match threads {
                Some(0) => return Err(Error::Usage("--threads must be at least 1".into())),
                Some(n) => rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| Error::Internal(e.to_string()))?
                    .install(|| greenloop::runner::run_to_dir(&scenario, &out))?,
                None => greenloop::runner::run_to_dir(&scenario, &out)?,
            };
            let plot_opts = greenloop::plot::PlotOptions {
                week: week_index(week)?,
                ..Default::default()
            };
            let plot_files = if plots {
                stopped_after_results(&out)?;
                greenloop::plot::plot_dir(&out, &plot_opts)?
            } else {
                Vec::new()
            };
            let report_file = if write_report {
                stopped_after_results(&out)?;
                Some(greenloop::report::write_report(&out, &plot_opts)?)
            } else {
                None
            };
            if matches!(format, ListFormat::Json) {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report.summary).map_err(|e| Error::Internal(e.to_string()))?
                );
            } else if !quiet {
                use std::io::IsTerminal;
                println!(
                    "{}",
                    greenloop::output::summary_table(&report.summary, std::io::stdout().is_terminal())
                );
                let events: u64 = report.results.iter().map(|r| r.events).sum();
                println!(
                    "  {:<14} {:.2} s, {} events; wrote {}",
                    "run",
                    started.elapsed().as_secs_f64(),
                    greenloop::output::table::human(events as f64),
                    report
                        .files
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if !plot_files.is_empty() {
                    println!(
                        "  {:<14} {} files in {}",
                        "plots",
                        plot_files.len(),
                        out.join("plots").display()
                    );
                }
                if let Some(path) = &report_file {
                    println!("  {:<14} {}", "report", path.display());
                }
            }
            Ok(())
        }
        Command::Plot { dir, week, x, y, group } => {
            let opts = greenloop::plot::PlotOptions {
                week: week_index(week)?,
                x,
                y,
                group,
            };
            let files = greenloop::plot::plot_dir(&dir, &opts)?;
            println!("wrote {} files in {}", files.len(), dir.join("plots").display());
            Ok(())
        }
        Command::Report { dir, week } => {
            let opts = greenloop::plot::PlotOptions {
                week: week_index(week)?,
                ..Default::default()
            };
            let path = greenloop::report::write_report(&dir, &opts)?;
            println!("wrote {}", path.display());
            Ok(())
        }
        Command::Sweep {
            file,
            out,
            list,
            threads,
            shard,
            resume,
            keep_runs,
            stop_after,
            allow_long,
            quiet,
        } => {
            let sweep = greenloop::sweep::load_sweep(&file)?;
            if list {
                print!("{}", cli::sweep::listing(&sweep));
                return Ok(());
            }
            let shard = shard.as_deref().map(parse_shard).transpose()?;
            let out = out.unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sweep", sweep.name)));
            let opts = greenloop::sweep::run::RunOptions {
                shard,
                resume,
                keep_runs,
                stop_after,
                progress: !quiet,
                allow_long,
            };
            let started = std::time::Instant::now();
            let report = with_threads(threads, || greenloop::sweep::run::run_to_dir(&sweep, &out, &opts))?;
            if !quiet {
                if let Some(f) = &report.finished {
                    print!("{}", cli::sweep::table(f));
                }
                let what = match (&report.finished, shard) {
                    (Some(f), _) => format!(
                        "wrote {}",
                        f.files
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (None, Some((i, n))) => format!(
                        "shard {i}/{n} done in {}; join the shards with `greenloop merge`",
                        out.display()
                    ),
                    (None, None) => String::new(),
                };
                println!(
                    "  {} runs in {:.2} s ({} resumed); {what}",
                    report.cells_run,
                    started.elapsed().as_secs_f64(),
                    report.cells_resumed
                );
            }
            Ok(())
        }
        Command::Merge { dirs, out, quiet } => {
            let report = greenloop::sweep::run::merge(&dirs, &out)?;
            if !quiet {
                print!("{}", cli::sweep::table(&report));
                println!(
                    "  merged {} folders; wrote {}",
                    dirs.len(),
                    report
                        .files
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Ok(())
        }
        Command::Explain { file, format } => {
            let s = greenloop::load_file(&file)?;
            let doc = greenloop::output::summary::identity_json(&s);
            if matches!(format, ListFormat::Json) {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&doc).map_err(|e| Error::Internal(e.to_string()))?
                );
            } else {
                for paragraph in greenloop::output::explain::describe(&doc) {
                    println!("{}\n", cli::wrap(&paragraph, 90));
                }
            }
            Ok(())
        }
        Command::Validate { file, format } => {
            let s = greenloop::load_file(&file)?;
            if matches!(format, ListFormat::Json) {
                let doc = serde_json::json!({
                    "valid": true,
                    "file": file.display().to_string(),
                    "scenario": s.name,
                    "fidelity": s.fidelity.as_str(),
                    "horizon_h": s.horizon_ns as f64 / 3.6e12,
                    "servers": s.datacenter.count,
                    "server": s.datacenter.server.id,
                    "classes": s.workload.classes.len(),
                    "expected_transactions": s.expected_transactions(),
                });
                println!("{doc}");
                return Ok(());
            }
            println!(
                "ok: {} is valid: \"{}\", {} fidelity, horizon {}, {} x {} ({} cores each), {} class(es), about {} transactions",
                file.display(),
                s.name,
                s.fidelity.as_str(),
                greenloop::scenario::format_duration(s.horizon_ns),
                s.datacenter.count,
                s.datacenter.server.id,
                s.datacenter.server.cores,
                s.workload.classes.len(),
                greenloop::output::table::human(s.expected_transactions())
            );
            Ok(())
        }
        Command::New { name, kind, force } => {
            if !cli::starter::KINDS.contains(&kind.as_str()) {
                return Err(Error::Usage(format!(
                    "unknown kind \"{kind}\"; choose one of {}",
                    cli::starter::KINDS.join(", ")
                )));
            }
            let path = if name.ends_with(".toml") {
                PathBuf::from(&name)
            } else {
                PathBuf::from(format!("{name}.toml"))
            };
            if path.exists() && !force {
                return Err(Error::Usage(format!(
                    "{} exists; pass --force to overwrite it",
                    path.display()
                )));
            }
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("scenario")
                .to_owned();
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut out = greenloop::output::StagedOutput::new(dir)?;
            let file_name = path.file_name().and_then(|s| s.to_str()).unwrap_or("scenario.toml");
            out.write_bytes(file_name, cli::starter::starter(&stem, &kind).as_bytes())?;
            out.commit()?;
            println!(
                "wrote {}; run it with: greenloop run {}",
                path.display(),
                path.display()
            );
            Ok(())
        }
        Command::Catalog { part, format } => {
            let catalog = greenloop::catalog::Catalog::builtin().map_err(|e| Error::Internal(e.to_string()))?;
            let what = match part {
                CatalogPart::All => "all",
                CatalogPart::Servers => "servers",
                CatalogPart::Storage => "storage",
                CatalogPart::Network => "network",
            };
            println!(
                "{}",
                cli::catalog::listing(catalog, what, matches!(format, ListFormat::Json))
            );
            Ok(())
        }
    }
}
