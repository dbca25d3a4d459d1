//! The `mfucal` command line: parse arguments, call the library, print, set the exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, Parser};

mod cli;
use cli::{Cli, Command, ListWhat};

use mfucal::app::diff::DiffOptions;
use mfucal::app::import_epoch::ImportOptions;
use mfucal::app::limit::LimitInput;
use mfucal::app::{check, diff, import_epoch, limit, list, run, shard, show, validate};
use mfucal::config::Overrides;
use mfucal::export::quantile_table;
use mfucal::output;
use mfucal::sampler::Control;
use mfucal::stop::Stop;

/// Exit status of `check --fail-if-contradicted` when the claim is contradicted.
const EXIT_CONTRADICTED: u8 = 3;

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

/// The man page on stdout; with a folder, it and one page per subcommand (the top page refers
/// to them as mfucal-run(1), ...) written there, and their names returned.
fn man(dir: Option<PathBuf>) -> anyhow::Result<String> {
    let cmd = Cli::command();
    let page = |c: clap::Command| -> anyhow::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(c).render(&mut bytes)?;
        Ok(bytes)
    };
    let Some(dir) = dir else {
        return Ok(String::from_utf8(page(cmd)?)?);
    };
    let mut pages = vec![("mfucal.1".to_string(), page(cmd.clone())?)];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("mfucal-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((format!("{name}.1"), page(sub)?));
    }
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("--dir {}: {e}", dir.display()))?;
    let mut written = String::new();
    for (name, bytes) in pages {
        let path = dir.join(&name);
        std::fs::write(&path, bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        written.push_str(&format!("{}\n", path.display()));
    }
    Ok(written)
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
                    stop: Stop::on(Some(&cancel)),
                },
                progress_bar: !quiet,
                force,
                no_wait,
            };
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
            if shard.is_some() {
                return Ok(shard::run_shard(prepared, &options)?.into());
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
                stop: Stop::on(Some(&cancel)),
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
        Command::Completions { shell } => {
            let mut bytes = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mfucal", &mut bytes);
            Ok(Printed {
                stdout: bytes,
                stderr: String::new(),
                exit: 0,
            })
        }
        Command::Man { dir } => Ok(man(dir)?.into()),
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
