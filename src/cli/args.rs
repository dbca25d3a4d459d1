//! The command line's grammar: every subcommand, option, help text and example. [`super::dispatch`]
//! dispatches; `mfucal man` and `mfucal completions` render this same definition.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use mfucal::data::Precision;
use mfucal::export::Format;
use mfucal::sampler::Shard;

const EXAMPLES: &str = "\
Examples:
  mfucal run                               calibrate into results/default (configs/default.toml)
  mfucal show --node 7nm                   the quotable figures at 7 nm, without re-running
  mfucal list accelerators                 the accelerator ids the other commands accept
  mfucal limit --accelerator h100-sxm --mfu 0.4
  mfucal check --pj-per-mac 1.2 --node 4nm
  mfucal diff HEAD:results/default results/default --exit-code
  mfucal completions bash > ~/.local/share/bash-completion/completions/mfucal";

/// Calibrate the energy per multiply-accumulate (pJ/MAC) of AI accelerators per process node
/// from published MFU observations, by parallel Monte Carlo.
#[derive(Parser)]
#[command(name = "mfucal", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the calibration and write results/<name>/ (quantiles, observations, accelerators,
    /// summary.md, manifest).
    #[command(after_help = "Examples:
  mfucal run                                   configs/default.toml into results/default
  mfucal run --samples 1e7 --seed 2 --out /tmp/r
  mfucal run --strict --quiet                  for CI: input warnings fail the run
  mfucal run --format csv > quantiles.csv      the table on stdout, the summary on stderr")]
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
    #[command(after_help = "Example:
  mfucal run --shard 1/2 --out s1 && mfucal run --shard 2/2 --out s2
  mfucal merge --out results/default s1 s2")]
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
    #[command(after_help = "Examples:
  mfucal diff HEAD:results/default results/default
  mfucal diff old/ new/ --threshold 2 --format csv
  mfucal diff HEAD:results/default results/default --exit-code   exit 1 when a row moved")]
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
    #[command(after_help = "Examples:
  mfucal import-epoch ~/Downloads/ml_hardware.csv           preview: what would be added
  mfucal import-epoch ~/Downloads/ml_hardware.csv --write && mfucal validate")]
    /// Add accelerators from Epoch AI's "Data on Machine Learning Hardware" CSV to our dataset
    /// (a preview unless --write).
    ImportEpoch {
        /// Epoch's ml_hardware.csv, as downloaded.
        epoch_csv: PathBuf,
        /// The accelerators dataset to add rows to (created if missing).
        #[arg(long, default_value = "datasets/accelerators.csv")]
        out: PathBuf,
        #[command(flatten)]
        replace: ImportWrite,
    },
    /// Show a results folder's quotable figures without re-running: per node and precision the
    /// headline median and 90 % interval, the ceiling, the tightest observation and flags.
    #[command(after_help = "Examples:
  mfucal show                                  results/default, every node and precision
  mfucal show --node 7nm --precision bf16
  mfucal show --accelerator h100-sxm           its node's figures and its own rows
  mfucal show results/mine --format json")]
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
        /// Probability of the central interval shown beside the median (0.9: q0.05-q0.95);
        /// its quantiles must be among the run's [sampling] quantiles.
        #[arg(long, default_value_t = 0.9, value_name = "P")]
        interval: f64,
    },
    /// List the accelerators, nodes or observations of the config's datasets (the ids other
    /// commands accept).
    #[command(after_help = "Examples:
  mfucal list accelerators
  mfucal list nodes
  mfucal list observations --format csv > observations.csv")]
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
    #[command(after_help = "Example:
  mfucal validate --config configs/default.toml")]
    Validate {
        /// Config file (TOML); its [data] paths name the datasets.
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
    },
    /// The seed analysis' calculator: energy -> physics limit, or MFU -> energy bound.
    #[command(after_help = "Examples:
  mfucal limit --accelerator h100-sxm --mfu 0.4          the energy bound of a 40 % MFU run
  mfucal limit --accelerator h100-sxm --pj-per-mac 1.2   the MFU 1.2 pJ/MAC allows")]
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
        /// Config file (TOML); its [data] paths name the datasets.
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
    },
    #[command(after_help = "Examples:
  mfucal check --pj-per-mac 1.2 --node 4nm
  mfucal check --pj-per-mac 0.5 --precision fp8 --fail-if-contradicted 0.95   exit 3 if contradicted")]
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
        /// Config file (TOML); its [data] paths name the datasets.
        #[arg(long, default_value = "configs/default.toml")]
        config: PathBuf,
        /// Exit with status 3 when any probability of contradiction exceeds P (for scripts).
        #[arg(long, value_name = "P")]
        fail_if_contradicted: Option<f64>,
    },
    /// Print a shell completion script for mfucal to stdout.
    #[command(after_help = "Examples:
  mfucal completions bash > ~/.local/share/bash-completion/completions/mfucal
  mfucal completions zsh > ~/.zfunc/_mfucal
  mfucal completions fish > ~/.config/fish/completions/mfucal.fish")]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the mfucal(1) man page (roff) to stdout, or write it and one page per subcommand
    /// (mfucal-run.1, ...) into a folder.
    #[command(after_help = "Examples:
  mfucal man > mfucal.1 && man ./mfucal.1
  mfucal man --dir ~/.local/share/man/man1 && man mfucal-run")]
    Man {
        /// Folder to write mfucal.1 and every mfucal-SUBCOMMAND.1 into (created if missing).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ListWhat {
    Accelerators,
    Nodes,
    Observations,
}

fn parse_count(s: &str) -> Result<u64, String> {
    mfucal::units::parse_count(s).map_err(String::from)
}

fn parse_threads(s: &str) -> Result<usize, String> {
    let n = parse_count(s)?;
    usize::try_from(n).map_err(|_| format!("'{s}' is out of range"))
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    Shard::parse(s).map_err(String::from)
}

fn parse_precision(s: &str) -> Result<Precision, String> {
    Precision::parse(s).map_err(String::from)
}

/// `5` or `5%` is five percent; returned as the fraction 0.05.
fn parse_percent(s: &str) -> Result<f64, String> {
    let number = s.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p / 100.0),
        _ => Err(format!("'{s}' is not a percentage; write e.g. 5 for 5 %")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_option_is_described_and_every_command_has_examples() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        for sub in cmd.get_subcommands() {
            assert!(
                sub.get_after_help().is_some(),
                "{}: no examples",
                sub.get_name()
            );
            for arg in sub.get_arguments() {
                assert!(
                    arg.get_help().is_some(),
                    "{} {}: no description",
                    sub.get_name(),
                    arg.get_id()
                );
            }
        }
    }
}

/// `import-epoch`'s `--write` and `--replace`, passed on as the library's
/// [`mfucal::app::import_epoch::WriteChoice`].
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ImportWrite {
    /// Write the new (and, with --replace, the replaced) rows; without it the import only
    /// prints what it would do.
    #[arg(long)]
    write: bool,
    /// Overwrite existing rows that disagree with Epoch (default: report them only).
    #[arg(long)]
    replace: bool,
}

impl mfucal::app::import_epoch::WriteChoice for ImportWrite {
    fn write(&self) -> bool {
        self.write
    }
    fn replace(&self) -> bool {
        self.replace
    }
}
