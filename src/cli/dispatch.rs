//! Each command's flags checked and handed to its library function ([`mfucal::app`]); what it
//! prints comes back as bytes for `main` to write.

use mfucal::app::diff::DiffOptions;
use mfucal::app::import_epoch::ImportOptions;
use mfucal::app::limit::LimitInput;
use mfucal::app::{check, diff, import_epoch, limit, list, run, shard, show, validate};
use mfucal::config::plan::{check_flops_per_mac, MAX_SAMPLES_PER_OBSERVATION};
use mfucal::config::Overrides;
use mfucal::error::{BadValue, Error, Result};
use mfucal::export::quantile_table;
use mfucal::fmt::Short;
use mfucal::sampler::Control;
use mfucal::stop::Stop;

use clap::CommandFactory;

use super::args::{Cli, Command, ListWhat};
use super::exit;
use super::man::man;
use super::signals::cancel_on_signals;

/// What a command prints.
pub struct Printed {
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Exit status on success (`check --fail-if-contradicted` uses 3).
    pub exit: u8,
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

/// Most worker threads accepted: far above any machine this runs on, and below the point
/// where thread start-up dominates (5000 threads made a 0.3 s run take 52 s).
const MAX_THREADS: usize = 1024;

fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(Error::Argument(
            "--threads 0: use at least 1 (or leave it out to use every core)".into(),
        )),
        Some(n) if n > MAX_THREADS => Err(Error::Argument(format!(
            "--threads {n}: use at most {MAX_THREADS} (or leave it out to use every core)"
        ))),
        _ => Ok(()),
    }
}

/// Checks `--target-mcse` as the config's values are checked: a relative error in
/// [`run::MIN_TARGET_MCSE`], 1).
fn check_target_mcse(r: f64) -> Result<()> {
    if !(r.is_finite() && (run::MIN_TARGET_MCSE..1.0).contains(&r)) {
        return Err(Error::Argument(format!(
            "--target-mcse {}: give a relative error from {:e} to below 1, \
             e.g. 0.001 for 0.1 % (smaller targets need more than the {:e} \
             samples per observation a run may draw)",
            Short(r),
            run::MIN_TARGET_MCSE,
            MAX_SAMPLES_PER_OBSERVATION,
        )));
    }
    Ok(())
}

/// A flag's value checked by the library's check, the flag named in front of its message.
fn flag<T>(name: &str, checked: std::result::Result<T, BadValue>) -> Result<T> {
    checked.map_err(|m| Error::Argument(format!("{name} {m}")))
}

/// Runs `command` after checking its flags: what it prints, or the error `main` reports.
pub fn dispatch(command: Command) -> Result<Printed> {
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
                check_target_mcse(r)?;
            }
            if shard.is_some() {
                if target_mcse.is_some() {
                    return Err(Error::Argument("--target-mcse cannot be combined with --shard: a shard cannot see the others' error; run the shards at a fixed --samples".into()));
                }
                if out.is_none() {
                    return Err(Error::Argument(
                        "--shard needs --out DIR: each shard writes its state into its own folder"
                            .into(),
                    ));
                }
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
                return Err(Error::Argument(format!(
                    "--strict: {n} input warning{} above; fix the inputs or drop --strict; nothing was written",
                    if n == 1 { "" } else { "s" }
                )));
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
            interval,
        } => Ok(Printed {
            stdout: show::show_interval(
                &show::ShowOptions {
                    dir,
                    node,
                    accelerator,
                    precision,
                    format,
                },
                interval,
            )?,
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
            if let Some(k) = flops_per_mac {
                flag("--flops-per-mac", check_flops_per_mac(k))?;
            }
            let input = match (pj_per_mac, mfu) {
                (Some(e), _) => {
                    LimitInput::PjPerMac(flag("--pj-per-mac", limit::check_pj_per_mac(e))?)
                }
                (None, Some(m)) => LimitInput::Mfu(flag("--mfu", limit::check_mfu(m))?),
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
            flag("--pj-per-mac", limit::check_pj_per_mac(pj_per_mac))?;
            if let Some(k) = flops_per_mac {
                flag("--flops-per-mac", check_flops_per_mac(k))?;
            }
            if let Some(p) = fail_if_contradicted {
                flag("--fail-if-contradicted", check::check_probability(p))?;
            }
            let report = check::check(&check::CheckOptions {
                config,
                pj_per_mac,
                node,
                precision,
                flops_per_mac,
                fail_if_contradicted,
            })?;
            Ok(Printed {
                exit: if report.fails { exit::CONTRADICTED } else { 0 },
                ..report.text.into()
            })
        }
    }
}
