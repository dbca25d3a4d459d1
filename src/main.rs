//! The `mfucal` command line: parse arguments, call the library, print, set the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use mfucal::app::limit::LimitInput;
use mfucal::app::{check, limit, run, validate};
use mfucal::config::Overrides;
use mfucal::data::Precision;

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

/// Exit status of `check --fail-if-contradicted` when the claim is contradicted.
const EXIT_CONTRADICTED: u8 = 3;

fn parse_precision(s: &str) -> Result<Precision, String> {
    Precision::parse(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok((text, code)) => {
            print!("{text}");
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The text to print and the exit status.
fn dispatch(command: Command) -> anyhow::Result<(String, u8)> {
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
            let options = run::RunOptions {
                config,
                out,
                overrides: Overrides {
                    samples_per_observation: samples,
                    seed,
                },
                threads,
                control: Default::default(),
            };
            Ok((run::run(&options)?.summary(), 0))
        }
        Command::Validate { config } => Ok((validate::validate(&config)?, 0)),
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
            Ok((
                limit::limit(&config, &accelerator, precision, input, flops_per_mac)?,
                0,
            ))
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
            let code = if report.fails { EXIT_CONTRADICTED } else { 0 };
            Ok((report.text, code))
        }
    }
}
