//! `mfucal run`: validate, sample, compute posteriors, write the results folder atomically.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::calibrate::{self, Basis, Calibration};
use crate::config::{self, Overrides, RunPlan};
use crate::data::{self, Dataset};
use crate::export::{self, guard, manifest::RunFacts, tables};
use crate::output;

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
    pub control: crate::sampler::Control<'a>,
}

/// What a run did, for the summary on stdout.
pub struct RunReport {
    pub out_dir: PathBuf,
    pub plan: RunPlan,
    pub calibration: Calibration,
    pub threads: usize,
    pub wall_seconds: f64,
}

/// Throughput assumed to estimate a run's duration before it starts: the sampler's measured
/// one-thread rate (README, Performance), rounded down.
pub const ASSUMED_SAMPLES_PER_SECOND_PER_THREAD: f64 = 3e7;

/// Runs estimated to take longer than this are announced with a warning before sampling.
pub const LONG_RUN_WARNING_SECONDS: f64 = 600.0;

/// The run stopped on request (Ctrl-C) before writing anything.
#[derive(Debug, thiserror::Error)]
#[error("interrupted; nothing was written, {} is unchanged", .out_dir.display())]
pub struct Interrupted {
    pub out_dir: PathBuf,
}

/// A checked run, ready to sample.
pub struct Prepared {
    pub plan: RunPlan,
    pub dataset: Dataset,
    pub out_dir: PathBuf,
    pool: rayon::ThreadPool,
    /// Things to tell the user before the run starts (an estimated long duration).
    pub warnings: Vec<String>,
}

/// Validates everything and estimates the run; nothing is sampled or written yet.
pub fn prepare(options: &RunOptions) -> Result<Prepared> {
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
    let total = plan.samples_per_observation as f64 * dataset.observations.len() as f64;
    let seconds =
        total / (ASSUMED_SAMPLES_PER_SECOND_PER_THREAD * pool.current_num_threads() as f64);
    let mut warnings = Vec::new();
    if seconds > LONG_RUN_WARNING_SECONDS {
        warnings.push(format!(
            "{total:.3e} samples ({} observations x {}) will take about {} on {} thread{}; \
             Ctrl-C stops it without writing, --samples lowers it",
            dataset.observations.len(),
            plan.samples_per_observation,
            duration(seconds),
            pool.current_num_threads(),
            if pool.current_num_threads() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    Ok(Prepared {
        plan,
        dataset,
        out_dir,
        pool,
        warnings,
    })
}

/// `3.2 hours`, `12 minutes`.
fn duration(seconds: f64) -> String {
    if seconds >= 2.0 * 86400.0 {
        format!("{:.1} days", seconds / 86400.0)
    } else if seconds >= 2.0 * 3600.0 {
        format!("{:.1} hours", seconds / 3600.0)
    } else {
        format!("{:.0} minutes", seconds / 60.0)
    }
}

/// Validates, samples, computes and writes the results folder.
pub fn run(options: &RunOptions) -> Result<RunReport> {
    prepare(options)?.execute(options)
}

impl Prepared {
    /// Samples, computes the posteriors and writes the results folder atomically; a set
    /// cancel flag stops it before anything is written ([`Interrupted`]).
    pub fn execute(self, options: &RunOptions) -> Result<RunReport> {
        let Prepared {
            plan,
            dataset,
            out_dir,
            pool,
            ..
        } = self;
        let threads = pool.current_num_threads();
        let interrupted = || Interrupted {
            out_dir: out_dir.clone(),
        };
        let cancelled = || {
            options
                .control
                .cancel
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        };
        let start = Instant::now();
        let calibration = pool.install(|| {
            let samples =
                calibrate::gather(&plan, &dataset, options.control).map_err(|_| interrupted())?;
            Ok::<_, Interrupted>(calibrate::calibrate(&plan, &dataset, &samples))
        })?;
        let wall_seconds = start.elapsed().as_secs_f64();
        if cancelled() {
            return Err(interrupted().into());
        }
        guard::check_finite(&plan, &calibration)?;

        let mut inputs = Vec::new();
        for path in [
            &plan.config_path,
            &plan.accelerators_path,
            &plan.observations_path,
        ] {
            let digest = data::sha256_hex(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
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
        ];
        output::write_folder(&out_dir, &files)?;
        Ok(RunReport {
            out_dir,
            plan,
            calibration,
            threads,
            wall_seconds,
        })
    }
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
        s
    }
}
