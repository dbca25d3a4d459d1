//! The `mfucal` command line: parse arguments, call the library, print, set the exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use mfucal::app::limit::LimitInput;
use mfucal::app::{limit, run, validate};
use mfucal::config::Overrides;
use mfucal::data::Precision;
use mfucal::sampler::Control;

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
        /// Samples per observation (overrides sampling.samples_per_observation).
        #[arg(long)]
        samples: Option<u64>,
        /// Random seed (overrides sampling.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
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
}

fn parse_precision(s: &str) -> Result<Precision, String> {
    Precision::parse(s)
}

/// Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
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

/// The flag Ctrl-C (SIGINT) and SIGTERM set; sampling checks it once per chunk and the run
/// then stops without writing. A second signal ends the process at once.
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
    Ok(cancel)
}

fn dispatch(command: Command) -> anyhow::Result<String> {
    match command {
        Command::Run {
            config,
            out,
            samples,
            seed,
            threads,
        } => {
            if threads == Some(0) {
                anyhow::bail!("--threads 0: use at least 1 (or leave it out to use every core)");
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
                control: Control {
                    on_chunk: None,
                    cancel: Some(&cancel),
                },
            };
            let prepared = run::prepare(&options)?;
            for warning in &prepared.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(prepared.execute(&options)?.summary())
        }
        Command::Validate { config } => validate::validate(&config),
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
            limit::limit(&config, &accelerator, precision, input, flops_per_mac)
        }
    }
}
