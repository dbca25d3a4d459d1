//! The `mfucal` command line: parse arguments, call the library, print, set the exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use mfucal::app::diff::DiffOptions;
use mfucal::app::import_epoch::ImportOptions;
use mfucal::app::limit::LimitInput;
use mfucal::app::{check, diff, import_epoch, limit, list, run, shard, show, validate};
use mfucal::config::Overrides;
use mfucal::data::Precision;
use mfucal::export::{quantile_table, Format};
use mfucal::output;
use mfucal::sampler::Control;
use mfucal::sampler::Shard;

/// Calibrate the energy per multiply-accumulate (pJ/MAC) of AI accelerators per process node
/// from published MFU observations, by parallel Monte Carlo.
#[derive(Parser)]
#[command(name = "mfucal", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the calibration and write results/<name>/ (quantiles, observations, accelerators, manifest).
    Run {
        /// Config file (TOML).
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
        /// Output folder; default results/<name from the config>.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Samples per observation (overrides sampling.samples_per_observation); 3e7 is
        /// accepted.
        #[arg(long, value_parser = parse_count)]
        samples: Option<u64>,
        /// Random seed (overrides sampling.seed).
        #[arg(long, value_parser = parse_count)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = parse_threads)]
        threads: Option<usize>,
        /// Sample in rounds until every reported quantile's Monte Carlo standard error is
        /// below this fraction of it (e.g. 0.001).
        #[arg(long)]
        target_mcse: Option<f64>,
        /// Run only part K of N of the sample streams and write its mergeable state to --out.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<Shard>,
        /// Print the quantile table to stdout in this format (markdown, csv or json); the
        /// summary then goes to stderr.
        #[arg(long, value_parser = Format::parse)]
        format: Option<Format>,
        /// No progress bar and no summary: only errors, warnings (stderr) and the table
        /// --format asks for.
        #[arg(long, short)]
        quiet: bool,
        /// Treat the input warnings `mfucal validate` prints (a TDP typed in kW, an MFU above
        /// 0.75, ...) as errors: exit 1 before sampling, nothing written.
        #[arg(long)]
        strict: bool,
        /// Replace --out even if it is a folder mfucal did not write (never a file, nor the
        /// folder of the inputs).
        #[arg(long)]
        force: bool,
        /// Fail at once if another mfucal is writing --out, instead of waiting for it.
        #[arg(long)]
        no_wait: bool,
    },
    /// Merge the states of all shards of a run into its outputs (identical to a single run).
    Merge {
        /// Output folder for the merged results.
        #[arg(long)]
        out: PathBuf,
        /// Config file; default: the one the shards recorded.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, value_parser = parse_threads)]
        threads: Option<usize>,
        /// Replace --out even if it is a folder mfucal did not write.
        #[arg(long)]
        force: bool,
        /// Fail at once if another mfucal is writing --out, instead of waiting for it.
        #[arg(long)]
        no_wait: bool,
        /// Shard folders written by `mfucal run --shard K/N --out DIR`.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
    /// Compare two results folders: what moved, and which observations changed.
    Diff {
        /// Old results: a folder, or a git revision and folder (HEAD:results/default).
        old: String,
        /// New results: a folder, or a git revision and folder.
        new: String,
        /// Output format: markdown, csv or json.
        #[arg(long, default_value = "markdown", value_parser = Format::parse)]
        format: Format,
        /// Mark rows that moved more than this many percent.
        #[arg(long, default_value = "5", value_parser = parse_percent)]
        threshold: f64,
        /// Markdown: show every row, not only the marked ones.
        #[arg(long)]
        all: bool,
        /// Exit with status 1 when any row moved past --threshold (0 otherwise), as
        /// `git diff --exit-code` does: for scripts and CI.
        #[arg(long)]
        exit_code: bool,
    },
    /// Add accelerators from Epoch AI's "Data on Machine Learning Hardware" CSV to our dataset.
    ImportEpoch {
        /// Epoch's ml_hardware.csv, as downloaded.
        epoch_csv: PathBuf,
        /// The accelerators dataset to add rows to (created if missing).
        #[arg(long, default_value = "datasets/accelerators.csv")]
        out: PathBuf,
        /// Overwrite existing rows that disagree with Epoch (default: report them only).
        #[arg(long)]
        replace: bool,
    },
    /// Show a results folder's quotable figures without re-running: per node and precision the
    /// headline median and 90 % interval, the ceiling, the tightest observation and flags.
    Show {
        /// Results folder written by `mfucal run`.
        #[arg(default_value = "results/default")]
        dir: PathBuf,
        /// Only this process node (e.g. 7nm).
        #[arg(long)]
        node: Option<String>,
        /// Only this accelerator's node and precisions, and its own rows (e.g. h100-sxm).
        #[arg(long)]
        accelerator: Option<String>,
        /// Only this precision (tf32, bf16, fp16, fp8 or int8).
        #[arg(long)]
        precision: Option<String>,
        /// markdown, csv or json instead of the terminal table.
        #[arg(long, value_parser = Format::parse)]
        format: Option<Format>,
    },
    /// List the accelerators, nodes or observations of the config's datasets (the ids other
    /// commands accept).
    List {
        /// accelerators, nodes or observations.
        what: ListWhat,
        /// Output format: table (aligned columns) or csv.
        #[arg(long, default_value = "table", value_parser = ["table", "csv"])]
        format: String,
        /// Config file naming the datasets.
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
    },
    /// Check the config and datasets without sampling.
    Validate {
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
    },
    /// The seed analysis' calculator: energy -> physics limit, or MFU -> energy bound.
    Limit {
        /// Accelerator id, as in the accelerators dataset.
        #[arg(long)]
        accelerator: String,
        /// tf32, bf16, fp16, fp8 or int8.
        #[arg(long, default_value = "bf16", value_parser = parse_precision)]
        precision: Precision,
        /// Energy per MAC, pJ: prints the sustainable throughput and physics limit.
        #[arg(long, conflicts_with = "mfu", required_unless_present = "mfu")]
        pj_per_mac: Option<f64>,
        /// MFU as a fraction: prints the energy bound P k / (m F).
        #[arg(long)]
        mfu: Option<f64>,
        /// FLOPs per MAC (default from the config: 2; 1 reproduces the seed analysis).
        #[arg(long)]
        flops_per_mac: Option<f64>,
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
    },
    /// Does a claimed energy per MAC contradict the published MFU of the runs on its node?
    /// Exit status 0 whatever the verdict (3 with --fail-if-contradicted).
    Check {
        /// The claimed energy per MAC, pJ (per FLOP with --flops-per-mac 1).
        #[arg(long)]
        pj_per_mac: f64,
        /// Process node of the claim (default: the config's reference node).
        #[arg(long)]
        node: Option<String>,
        /// tf32, bf16, fp16, fp8 or int8.
        #[arg(long, default_value = "bf16", value_parser = parse_precision)]
        precision: Precision,
        /// FLOPs per MAC (default from the config: 2; 1 reproduces the seed analysis).
        #[arg(long)]
        flops_per_mac: Option<f64>,
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
        /// Exit with status 3 when any probability of contradiction exceeds P (for scripts).
        #[arg(long, value_name = "P")]
        fail_if_contradicted: Option<f64>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ListWhat {
    Accelerators,
    Nodes,
    Observations,
}

fn parse_count(s: &str) -> Result<u64, String> {
    mfucal::units::parse_count(s)
}

fn parse_threads(s: &str) -> Result<usize, String> {
    let n = parse_count(s)?;
    usize::try_from(n).map_err(|_| format!("'{s}' is out of range"))
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    Shard::parse(s)
}

/// Exit status of `check --fail-if-contradicted` when the claim is contradicted.
const EXIT_CONTRADICTED: u8 = 3;

fn parse_precision(s: &str) -> Result<Precision, String> {
    Precision::parse(s)
}

/// `5` or `5%` is five percent; returned as the fraction 0.05.
fn parse_percent(s: &str) -> Result<f64, String> {
    let number = s.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p / 100.0),
        _ => Err(format!("'{s}' is not a percentage; write e.g. 5 for 5 %")),
    }
}

/// What a command prints.
struct Printed {
    stdout: Vec<u8>,
    stderr: String,
    /// Exit status on success (`check --fail-if-contradicted` uses 3).
    exit: u8,
}

impl From<String> for Printed {
    fn from(text: String) -> Printed {
        Printed {
            stdout: text.into_bytes(),
            stderr: String::new(),
            exit: 0,
        }
    }
}

/// Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

/// How long a run has to answer Ctrl-C itself (it polls between units of work of a few
/// milliseconds) before the watchdog ends the process anyway.
const GRACE: Duration = Duration::from_millis(500);

/// Set by whichever of `main` and the Ctrl-C watchdog reports the outcome first; the other
/// then stays silent, so a stopped run prints one message.
static REPORTING: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    // A bad command-line value is bad input like any other: status 1 (clap's default is 2),
    // one table of exit statuses for every command (README, Reliability).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let outcome = dispatch(cli.command);
    if REPORTING.swap(true, Ordering::SeqCst) {
        // The watchdog is reporting the interruption and ending the process.
        loop {
            std::thread::park();
        }
    }
    match outcome {
        Ok(printed) => {
            use std::io::Write;
            eprint!("{}", printed.stderr);
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(&printed.stdout).and_then(|()| out.flush());
            ExitCode::from(printed.exit)
        }
        Err(e) if e.is::<run::Interrupted>() => {
            eprintln!("{e:#}");
            ExitCode::from(INTERRUPTED)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The flag Ctrl-C (SIGINT) and SIGTERM set; sampling, the posteriors and the analyses poll it
/// between units of work of a few milliseconds (`mfucal::stop`), and the run
/// then stops without writing; a watchdog ends it after [`GRACE`] if it has not. A second
/// signal ends the process at once.
fn cancel_on_signals() -> anyhow::Result<Arc<AtomicBool>> {
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            INTERRUPTED.into(),
            Arc::clone(&cancel),
        )?;
        signal_hook::flag::register(signal, Arc::clone(&cancel))?;
    }
    watchdog(Arc::clone(&cancel));
    Ok(cancel)
}

/// Ends the process [`GRACE`] after a stop was requested if the run has not ended by then (a
/// single exporter can take a second on 100,000 observations). Safe at any point before the
/// results folder is swapped in, which is exactly when [`output::exit_unless_published`] lets
/// it act: the temporary folder it may leave is never read as results and the next run
/// removes it.
fn watchdog(cancel: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !cancel.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(GRACE);
        output::exit_unless_published(|| {
            if !REPORTING.swap(true, Ordering::SeqCst) {
                eprintln!("interrupted; nothing was written, the previous results are unchanged");
                std::process::exit(INTERRUPTED.into());
            }
        });
    });
}

/// Most worker threads accepted: far above any machine this runs on, and below the point
/// where thread start-up dominates (5000 threads made a 0.3 s run take 52 s).
const MAX_THREADS: usize = 1024;

fn check_threads(threads: Option<usize>) -> anyhow::Result<()> {
    match threads {
        Some(0) => anyhow::bail!("--threads 0: use at least 1 (or leave it out to use every core)"),
        Some(n) if n > MAX_THREADS => anyhow::bail!(
            "--threads {n}: use at most {MAX_THREADS} (or leave it out to use every core)"
        ),
        _ => Ok(()),
    }
}

fn dispatch(command: Command) -> anyhow::Result<Printed> {
    match command {
        Command::Run {
            config,
            out,
            samples,
            seed,
            threads,
            target_mcse,
            shard,
            format,
            quiet,
            strict,
            force,
            no_wait,
        } => {
            check_threads(threads)?;
            if let Some(r) = target_mcse {
                run::check_target_mcse(r)?;
            }
            let cancel = cancel_on_signals()?;
            let options = run::RunOptions {
                config,
                out,
                overrides: Overrides {
                    samples_per_observation: samples,
                    seed,
                },
                threads,
                target_mcse,
                shard,
                control: Control {
                    on_chunk: None,
                    cancel: Some(&cancel),
                },
                progress_bar: !quiet,
                force,
                no_wait,
            };
            if shard.is_some() {
                return Ok(shard::run_shard(&options)?.into());
            }
            let prepared = run::prepare_run(&options)?;
            // Warnings go to stderr whatever --quiet says: a units typo must not pass silently.
            for warning in prepared.data_warnings.iter().chain(&prepared.warnings) {
                eprintln!("warning: {warning}");
            }
            if strict && !prepared.data_warnings.is_empty() {
                let n = prepared.data_warnings.len();
                anyhow::bail!(
                    "--strict: {n} input warning{} above; fix the inputs or drop --strict; nothing was written",
                    if n == 1 { "" } else { "s" }
                );
            }
            let report = prepared.execute(&options)?;
            let warnings = report.warnings();
            let summary = if quiet {
                String::new()
            } else {
                report.summary()
            };
            Ok(match format {
                None => Printed {
                    stdout: summary.into_bytes(),
                    stderr: warnings,
                    exit: 0,
                },
                Some(f) => Printed {
                    stdout: quantile_table::render(&report.plan, &report.calibration, f),
                    stderr: summary + &warnings,
                    exit: 0,
                },
            })
        }
        Command::Merge {
            out,
            config,
            threads,
            force,
            no_wait,
            shards,
        } => {
            check_threads(threads)?;
            let cancel = cancel_on_signals()?;
            let report = shard::merge(&shard::MergeOptions {
                shards,
                out,
                config,
                threads,
                force,
                no_wait,
                cancel: Some(&cancel),
            })?;
            Ok(Printed {
                stdout: report.summary().into_bytes(),
                stderr: report.warnings(),
                exit: 0,
            })
        }
        Command::Diff {
            old,
            new,
            format,
            threshold,
            all,
            exit_code,
        } => {
            let report = diff::diff(&DiffOptions {
                old,
                new,
                format,
                threshold,
                all_rows: all,
            })?;
            Ok(Printed {
                stdout: report.text,
                stderr: String::new(),
                exit: u8::from(exit_code && report.moved),
            })
        }
        Command::ImportEpoch {
            epoch_csv,
            out,
            replace,
        } => Ok(import_epoch::import_epoch(&ImportOptions {
            epoch_csv,
            out,
            replace,
            cancel: Some(cancel_on_signals()?),
        })?
        .into()),
        Command::Show {
            dir,
            node,
            accelerator,
            precision,
            format,
        } => Ok(Printed {
            stdout: show::show(&show::ShowOptions {
                dir,
                node,
                accelerator,
                precision,
                format,
            })?,
            stderr: String::new(),
            exit: 0,
        }),
        Command::List {
            what,
            format,
            config,
        } => {
            let what = match what {
                ListWhat::Accelerators => list::What::Accelerators,
                ListWhat::Nodes => list::What::Nodes,
                ListWhat::Observations => list::What::Observations,
            };
            let (header, rows) = list::list(&config, what)?;
            Ok(Printed {
                stdout: list::render(&header, &rows, format == "csv")?,
                stderr: String::new(),
                exit: 0,
            })
        }
        Command::Validate { config } => validate::validate(&config).map(Printed::from),
        Command::Limit {
            accelerator,
            precision,
            pj_per_mac,
            mfu,
            flops_per_mac,
            config,
        } => {
            let input = match (pj_per_mac, mfu) {
                (Some(e), _) => LimitInput::PjPerMac(e),
                (None, Some(m)) => LimitInput::Mfu(m),
                (None, None) => unreachable!("clap requires one of --pj-per-mac and --mfu"),
            };
            limit::limit(&config, &accelerator, precision, input, flops_per_mac).map(Printed::from)
        }
        Command::Check {
            pj_per_mac,
            node,
            precision,
            flops_per_mac,
            config,
            fail_if_contradicted,
        } => {
            let report = check::check(&check::CheckOptions {
                config,
                pj_per_mac,
                node,
                precision,
                flops_per_mac,
                fail_if_contradicted,
            })?;
            Ok(Printed {
                exit: if report.fails { EXIT_CONTRADICTED } else { 0 },
                ..report.text.into()
            })
        }
    }
}
