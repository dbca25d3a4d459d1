//! `mfucal run`: validate, sample, compute posteriors, write the results folder atomically.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use super::progress::Progress;
use crate::calibrate::{self, Basis, Calibration};
use crate::config::{self, Overrides, RunPlan};
use crate::data::{self, Dataset};
use crate::diff::{self, Diff, Snapshot};
use crate::export::{self, manifest::RunFacts, tables};
use crate::sampler::Control;
use crate::{output, plot};

/// What `run` was asked to do.
#[derive(Clone, Default)]
pub struct RunOptions<'a> {
    pub config: PathBuf,
    /// Defaults to `results/<name>`.
    pub out: Option<PathBuf>,
    pub overrides: Overrides,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Progress and cancellation hooks, consulted once per chunk.
    pub control: Control<'a>,
    /// Draw a progress bar on stderr when it is a terminal and the run lasts over a second.
    pub progress_bar: bool,
}

/// How the new results compare with what the output folder held before.
pub enum Comparison {
    /// The folder did not exist or held no `quantiles.csv`.
    NoPrevious,
    Diff(Box<Diff>),
    /// The previous results could not be read (an older or damaged folder): why.
    Unreadable(String),
}

/// What a run did, for the summary on stdout.
pub struct RunReport {
    pub out_dir: PathBuf,
    pub plan: RunPlan,
    pub calibration: Calibration,
    pub threads: usize,
    pub wall_seconds: f64,
    pub comparison: Comparison,
}

/// Validates, samples, computes the posteriors and replaces the output folder; the previous
/// contents of the folder are read first, for the comparison at the end of the summary.
pub fn run(options: &RunOptions) -> Result<RunReport> {
    let plan = config::load(&options.config, &options.overrides)?;
    let dataset = Dataset::load(&plan)?;
    let out_dir = options
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&plan.name));

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let threads = pool.current_num_threads();
    let total_samples = dataset.observations.len() as u64 * plan.samples_per_observation;
    let progress = options
        .progress_bar
        .then(|| Progress::for_terminal(total_samples))
        .flatten();
    let on_chunk = |n: u64| {
        if let Some(p) = &progress {
            p.on_chunk(n);
        }
        if let Some(f) = options.control.on_chunk {
            f(n);
        }
    };
    let control = Control {
        on_chunk: Some(&on_chunk),
        cancel: options.control.cancel,
    };
    let start = Instant::now();
    let sampled = pool.install(|| calibrate::sample_all(&plan, &dataset, control));
    if let Some(p) = &progress {
        p.finish();
    }
    let samples = sampled?;
    let calibration = pool.install(|| calibrate::calibrate(&plan, &dataset, &samples));
    let wall_seconds = start.elapsed().as_secs_f64();

    let mut inputs = Vec::new();
    for path in [
        &plan.config_path,
        &plan.accelerators_path,
        &plan.observations_path,
    ] {
        let digest =
            data::sha256_hex(path).with_context(|| format!("cannot read {}", path.display()))?;
        inputs.push((path.display().to_string(), digest));
    }
    let facts = RunFacts {
        inputs,
        threads,
        wall_seconds,
    };
    let files = [
        ("quantiles.csv", tables::quantiles_csv(&plan, &calibration)),
        (
            "observations.csv",
            tables::observations_csv(&plan, &calibration),
        ),
        (
            "accelerators.csv",
            tables::accelerators_csv(&plan, &calibration),
        ),
        (
            "manifest.json",
            export::manifest::manifest_json(&plan, &dataset, &calibration, &facts),
        ),
        ("posterior.svg", plot::posterior_svg(&plan, &calibration)),
        (
            "observations.svg",
            plot::observations_svg(&plan, &calibration),
        ),
    ];
    // Read before write_folder replaces it: the summary ends with what moved.
    let previous = out_dir
        .join("quantiles.csv")
        .is_file()
        .then(|| Snapshot::read_folder(&out_dir, &out_dir.display().to_string()));
    output::write_folder(&out_dir, &files)?;
    let comparison = match previous {
        None => Comparison::NoPrevious,
        Some(Err(e)) => Comparison::Unreadable(format!("{e:#}")),
        Some(Ok(old)) => {
            let file = |name: &str| files.iter().find(|(f, _)| *f == name).map(|(_, b)| &b[..]);
            let label = format!("{} (this run)", out_dir.display());
            let new = Snapshot::from_bytes(
                &label,
                file("quantiles.csv").expect("written above"),
                file("observations.csv"),
                file("manifest.json"),
            )?;
            let mut old = old;
            old.label = format!("{} (before this run)", out_dir.display());
            Comparison::Diff(Box::new(diff::compare(&old, &new, diff::DEFAULT_THRESHOLD)))
        }
    };
    Ok(RunReport {
        out_dir,
        plan,
        calibration,
        threads,
        wall_seconds,
        comparison,
    })
}

impl RunReport {
    /// One screen: the observed and pooled posteriors, contradictions, where files went.
    pub fn summary(&self) -> String {
        let plan = &self.plan;
        let cal = &self.calibration;
        let mut s = String::new();
        let (lo, hi) = (
            plan.quantiles.first().expect("checked non-empty"),
            plan.quantiles.last().expect("non-empty"),
        );
        let median = plan.quantiles.iter().position(|q| q.p == 0.5);
        let _ = writeln!(
            s,
            "{:<10} {:<5} {:<5} {:<8} {:>3}  {:>10}  {:<21}",
            "method",
            "node",
            "prec",
            "basis",
            "n",
            if median.is_some() { "median" } else { "mean" },
            format!("[{}, {}]", lo.label, hi.label)
        );
        for g in &cal.groups {
            if g.basis == Basis::Scaled {
                continue;
            }
            let numbers = match &g.outcome {
                Ok((_, sm)) => {
                    let centre = median.map_or(sm.mean, |i| sm.quantiles[i]);
                    format!(
                        "{:>10.4}  {:<21}",
                        centre,
                        format!(
                            "[{:.4}, {:.4}]",
                            sm.quantiles[0],
                            sm.quantiles[sm.quantiles.len() - 1]
                        )
                    )
                }
                Err(_) => "contradictory (see below)".into(),
            };
            let _ = writeln!(
                s,
                "{:<10} {:<5} {:<5} {:<8} {:>3}  {}",
                g.method.name(),
                g.node,
                g.precision.name(),
                g.basis.name(),
                g.n_observations,
                numbers
            );
        }
        let _ = writeln!(
            s,
            "(pJ/MAC at {} FLOPs per MAC; scaled nodes in quantiles.csv)",
            plan.flops_per_mac
        );
        // Scaled rows repeat their pooled row's contradiction; name each once.
        for (g, c) in cal
            .contradictions()
            .filter(|(g, _)| g.basis != Basis::Scaled)
        {
            let _ = writeln!(
                s,
                "warning: {} {} {} ({}): {}",
                g.method.name(),
                g.node,
                g.precision.name(),
                g.basis.name(),
                c.message
            );
        }
        let _ = writeln!(
            s,
            "{} samples in {:.2} s on {} threads ({:.3e} samples/s); wrote {}",
            cal.total_samples,
            self.wall_seconds,
            self.threads,
            cal.total_samples as f64 / self.wall_seconds.max(1e-9),
            self.out_dir.display()
        );
        match &self.comparison {
            Comparison::NoPrevious => {}
            Comparison::Unreadable(why) => {
                let _ = writeln!(s, "\nnot compared with the previous results: {why}");
            }
            Comparison::Diff(d) => {
                s.push('\n');
                s.push_str(&String::from_utf8_lossy(
                    &export::diff::markdown::diff_markdown(d, false),
                ));
            }
        }
        s
    }
}
