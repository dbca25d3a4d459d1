//! `mfucal run`: validate, sample, compute posteriors, write the results folder atomically.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::calibrate::{self, Basis, Calibration};
use crate::config::{self, Overrides, RunPlan};
use crate::data::{self, Dataset};
use crate::export::{self, manifest::RunFacts, tables};
use crate::output;
use crate::stats::{self, Analyses};

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
    /// Sensitivity indices, prior sensitivity and predictive checks.
    pub analyses: Analyses,
    pub dataset: Dataset,
    pub threads: usize,
    pub wall_seconds: f64,
}

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
    let start = Instant::now();
    let (samples, calibration) = pool.install(|| {
        let samples = calibrate::sample_all(&plan, &dataset, options.control)?;
        let calibration = calibrate::calibrate(&plan, &dataset, &samples);
        Ok::<_, anyhow::Error>((samples, calibration))
    })?;
    let wall_seconds = start.elapsed().as_secs_f64();
    let analyses = pool.install(|| stats::analyse(&plan, &dataset, &samples, &calibration));
    drop(samples);

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
            "sensitivity.csv",
            export::sensitivity::sensitivity_csv(&plan, &analyses.sobol, &analyses.prior),
        ),
        ("ppc.csv", export::ppc::ppc_csv(&dataset, &analyses.ppc)),
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
        analyses,
        dataset,
        threads,
        wall_seconds,
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
        s.push_str(&self.analyses.summary(plan, &self.dataset));
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
