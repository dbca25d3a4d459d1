//! `mfucal run`: validate, sample (in rounds, or one shard), compute posteriors, write the
//! results folder atomically, and compare with what the folder held before.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Context, Error, Result};

use crate::calibrate::{self, Basis, Calibration, INTERVAL_90};
use crate::compare::{self, Diff, Snapshot};
use crate::config::{self, plan::MAX_SAMPLES_PER_OBSERVATION, Overrides, RunPlan};
use crate::data::Dataset;
use crate::export::{self, guard, manifest::RunFacts, tables};
use crate::fmt::Short;
use crate::output::{self, folder};
use crate::report::progress::Progress;
use crate::sampler::{
    schedule, Control, ObservationModel, ObservationSamples, SampleState, Schedule, Shard,
    CHUNK_SAMPLES,
};
use crate::schema::files;
use crate::stats::{self, Analyses};
use crate::stop::Stop;
use crate::{input, plot};

/// What `run` was asked to do.
#[derive(Clone, Default)]
pub struct RunOptions<'a> {
    /// `--config`: the config file.
    pub config: PathBuf,
    /// Defaults to `results/<name>`.
    pub out: Option<PathBuf>,
    /// `--samples` and `--seed`.
    pub overrides: Overrides,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Sample in rounds until every reported quantile's relative standard error is below this.
    pub target_mcse: Option<f64>,
    /// Run only this part of the sample streams and write its mergeable state.
    pub shard: Option<Shard>,
    /// Progress and cancellation hooks, consulted once per chunk.
    pub control: Control<'a>,
    /// Draw a progress bar on stderr when it is a terminal and the run lasts over a second.
    pub progress_bar: bool,
    /// Replace an existing `--out` folder that mfucal did not write.
    pub force: bool,
    /// Fail at once when another process is writing `--out`, instead of waiting.
    pub no_wait: bool,
}

/// How the new results compare with what the output folder held before.
pub enum Comparison {
    /// The folder did not exist or held no `quantiles.csv`.
    NoPrevious,
    /// The changes from the previous results.
    Diff(Box<Diff>),
    /// The previous results could not be read (an older or damaged folder): why.
    Unreadable(String),
}

/// What a run did, for the summary on stdout.
pub struct RunReport {
    /// The folder the results were written to.
    pub out_dir: PathBuf,
    /// The checked plan the run used.
    pub plan: RunPlan,
    /// Everything the run computed.
    pub calibration: Calibration,
    /// Facts of the run that are not in the plan (threads, wall time, checksums).
    pub facts: RunFacts,
    /// How the results compare with the folder's previous ones.
    pub comparison: Comparison,
    /// Sensitivity indices, prior sensitivity and predictive checks.
    pub analyses: Analyses,
    /// The checked inputs.
    pub dataset: Dataset,
}

/// Throughput assumed to estimate a run's duration before it starts: the sampler's measured
/// one-thread rate on the shipped data (README, Performance), rounded down.
pub const ASSUMED_SAMPLES_PER_SECOND_PER_THREAD: f64 = 8e7;

/// Runs estimated to take longer than this are announced with a warning before sampling.
pub const LONG_RUN_WARNING_SECONDS: f64 = 600.0;

pub use crate::error::Interrupted;

/// The checked inputs, the rayon pool and the input checksums every run needs.
pub struct Prepared {
    /// The checked config.
    pub plan: RunPlan,
    /// The checked datasets.
    pub dataset: Dataset,
    pub(crate) pool: rayon::ThreadPool,
    pub(crate) inputs: Vec<(String, String)>,
    /// Things to tell the user before the run starts (an estimated long duration).
    pub warnings: Vec<String>,
    /// What `mfucal validate` warns about in the inputs (a TDP typed in kW, an HFU as MFU):
    /// shown before the run too, and errors under `run --strict`.
    pub data_warnings: Vec<String>,
}

/// Validates everything and estimates the run; nothing is sampled or written yet.
pub fn prepare_run(options: &RunOptions) -> Result<Prepared> {
    let mut prepared = prepare(&options.config, &options.overrides, options.threads)?;
    if let Some(target) = options.target_mcse {
        let per_observation = target_samples(target).max(prepared.plan.samples_per_observation);
        let total = per_observation as f64 * prepared.dataset.observations.len() as f64;
        let threads = prepared.pool.current_num_threads();
        let seconds = total / (ASSUMED_SAMPLES_PER_SECOND_PER_THREAD * threads as f64);
        if seconds > LONG_RUN_WARNING_SECONDS {
            prepared.warnings.push(format!(
                "--target-mcse {} may need about {:.1e} samples per observation, \
                 about {} on {threads} thread{}; Ctrl-C stops it without writing",
                Short(target),
                per_observation as f64,
                duration(seconds),
                if threads == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(prepared)
}

/// Smallest `--target-mcse` accepted: a quantile's relative standard error is about
/// `1/sqrt(n)`, so smaller targets are out of reach within [`MAX_SAMPLES_PER_OBSERVATION`].
pub const MIN_TARGET_MCSE: f64 = 1e-5;

/// Rough samples per observation to reach a relative MCSE `target` (`1/target^2`), capped.
fn target_samples(target: f64) -> u64 {
    (target.powi(-2)).min(MAX_SAMPLES_PER_OBSERVATION as f64) as u64
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

pub(crate) fn prepare(
    config: &Path,
    overrides: &Overrides,
    threads: Option<usize>,
) -> Result<Prepared> {
    let (plan, config_bytes) = config::plan::load_with_bytes(config, overrides)?;
    let (dataset, [accelerator_bytes, observation_bytes]) = Dataset::load_with_bytes(&plan)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Other(e.into()))
        .context("cannot start the worker threads")?;
    // The bytes parsed, not a second read: a file changed meanwhile must not be recorded as
    // the version the results came from.
    let inputs = [
        (&plan.config_path, config_bytes),
        (&plan.accelerators_path, accelerator_bytes),
        (&plan.observations_path, observation_bytes),
    ]
    .into_iter()
    .map(|(path, bytes)| (path.display().to_string(), input::sha256_hex(&bytes)))
    .collect();
    let total = plan.samples_per_observation as f64 * dataset.observations.len() as f64;
    let threads = pool.current_num_threads();
    let seconds = total / (ASSUMED_SAMPLES_PER_SECOND_PER_THREAD * threads as f64);
    let mut warnings = Vec::new();
    if seconds > LONG_RUN_WARNING_SECONDS {
        warnings.push(format!(
            "{total:.3e} samples ({} observations x {}) will take about {} on {threads} thread{}; \
             Ctrl-C stops it without writing, --samples lowers it",
            dataset.observations.len(),
            plan.samples_per_observation,
            duration(seconds),
            if threads == 1 { "" } else { "s" }
        ));
    }
    let data_warnings = crate::data::warnings::check(&plan, &dataset)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Prepared {
        plan,
        dataset,
        pool,
        inputs,
        warnings,
        data_warnings,
    })
}

/// One sampling pass with the progress bar (when asked for) and the caller's hooks.
pub(crate) fn sample_pass(
    pool: &rayon::ThreadPool,
    models: &[ObservationModel],
    seed: u64,
    schedule: Schedule,
    options: &RunOptions,
) -> Result<SampleState> {
    let progress = options
        .progress_bar
        .then(|| Progress::for_terminal(schedule.samples(models.len())))
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
        stop: options.control.stop,
    };
    let sampled = pool.install(|| schedule::sample(models, seed, schedule, control));
    if let Some(p) = &progress {
        p.finish();
    }
    Ok(sampled?)
}

/// Validates, samples (in rounds with a target MCSE), computes the posteriors and replaces the
/// output folder; the previous contents of the folder are read first, for the comparison at
/// the end of the summary.
pub fn run(options: &RunOptions) -> Result<RunReport> {
    prepare_run(options)?.execute(options)
}

impl Prepared {
    /// Samples (in rounds with a target MCSE), computes the posteriors and writes the results
    /// folder atomically; a set cancel flag stops it before anything is written
    /// ([`Interrupted`]).
    pub fn execute(self, options: &RunOptions) -> Result<RunReport> {
        if options.shard.is_some() {
            return Err(Error::Internal(
                "shard runs go through app::shard::run_shard".into(),
            ));
        }
        let Prepared {
            plan,
            dataset,
            pool,
            inputs,
            ..
        } = self;
        execute(plan, dataset, pool, inputs, options)
    }
}

fn execute(
    plan: RunPlan,
    dataset: Dataset,
    pool: rayon::ThreadPool,
    inputs: Vec<(String, String)>,
    options: &RunOptions,
) -> Result<RunReport> {
    let out_dir = options
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&plan.name));
    let stop = options.control.stop;
    let _lock = claim_and_lock(&out_dir, &plan, &[], options.force, options.no_wait, stop)?;
    let threads = pool.current_num_threads();
    let models = calibrate::models(&plan, &dataset);

    let start = Instant::now();
    // Rounds only add chunks, so the final state is that of one run of the final size; with a
    // target, every round's total is a whole number of chunks for that reason.
    let mut total = match options.target_mcse {
        Some(_) => plan.samples_per_observation.div_ceil(CHUNK_SAMPLES).max(16) * CHUNK_SAMPLES,
        None => plan.samples_per_observation,
    };
    let mut state = SampleState::new(models.len());
    let mut first_chunk = 0;
    let mut rounds = 0;
    let interrupted = || Interrupted {
        out_dir: out_dir.clone(),
    };
    let keep_batches = plan.needs_batch_means();
    let (calibration, merged) = loop {
        let schedule = Schedule {
            samples_per_observation: total,
            first_chunk,
            shard: Shard::WHOLE,
            keep_batches,
        };
        let round =
            sample_pass(&pool, &models, plan.seed, schedule, options).map_err(|_| interrupted())?;
        state.absorb(round)?;
        rounds += 1;
        // Without batch means the state holds each observation's histograms once, in batch 0:
        // take them rather than copy them (100,000 observations would hold two sets).
        let merged = if keep_batches {
            state.merged_all()
        } else {
            state.take_merged()
        };
        let calibration = pool
            .install(|| calibrate::calibrate(&plan, &dataset, &state, &merged, stop))
            .map_err(|_| interrupted())?;
        let Some(target) = options.target_mcse else {
            break (calibration, merged);
        };
        let Some(worst) = calibration.max_relative_mcse() else {
            break (calibration, merged);
        };
        if worst <= target || total >= MAX_SAMPLES_PER_OBSERVATION {
            break (calibration, merged);
        }
        if !keep_batches {
            state.put_back(merged);
        }
        // The standard error falls as 1/sqrt(n): aim 10 % past the predicted size, growing
        // between 1.5x and 8x per round.
        let factor = ((worst / target).powi(2) * 1.1).clamp(1.5, 8.0);
        first_chunk = total / CHUNK_SAMPLES;
        let next = ((total as f64 * factor) as u64).div_ceil(CHUNK_SAMPLES) * CHUNK_SAMPLES;
        total = next.min(MAX_SAMPLES_PER_OBSERVATION / CHUNK_SAMPLES * CHUNK_SAMPLES);
    };
    let wall_seconds = start.elapsed().as_secs_f64();

    let facts = RunFacts {
        inputs,
        threads,
        wall_seconds,
        rounds,
        target_mcse: options.target_mcse,
        max_relative_mcse: calibration.max_relative_mcse(),
        merged_shards: None,
    };
    drop(state);
    finish(
        &pool,
        Calibrated {
            out_dir,
            plan,
            dataset,
            merged,
            calibration,
            facts,
        },
        stop,
    )
}

/// Checks that `out_dir` may be replaced ([`output`]'s ownership rules; `extra` are inputs
/// besides the plan's) and takes its lock, waiting unless `no_wait`. Called before sampling,
/// so a refused or busy `--out` costs nothing; checked again once the lock is held, since the
/// folder may have changed while this run waited.
pub(crate) fn claim_and_lock(
    out_dir: &Path,
    plan: &RunPlan,
    extra: &[PathBuf],
    force: bool,
    no_wait: bool,
    stop: Stop,
) -> Result<folder::OutLock> {
    let mut inputs = vec![
        plan.config_path.clone(),
        plan.accelerators_path.clone(),
        plan.observations_path.clone(),
    ];
    inputs.extend_from_slice(extra);
    let target = folder::claim(out_dir, force, &inputs)?;
    let lock = folder::lock(&target, !no_wait, stop).map_err(|e| match e.is_cancelled() {
        true => Interrupted {
            out_dir: out_dir.to_path_buf(),
        }
        .into(),
        false => e,
    })?;
    folder::claim(out_dir, force, &inputs)?;
    Ok(lock)
}

/// A run (or merge) whose posteriors are built, before its analyses.
pub(crate) struct Calibrated {
    pub out_dir: PathBuf,
    pub plan: RunPlan,
    pub dataset: Dataset,
    /// Each observation's samples, all batches together.
    pub merged: Vec<ObservationSamples>,
    pub calibration: Calibration,
    pub facts: RunFacts,
}

/// What a run and a merge share once the posteriors are built: the analyses, the results
/// folder and the report; [`Interrupted`] once `stop` is requested, with nothing written.
pub(crate) fn finish(pool: &rayon::ThreadPool, run: Calibrated, stop: Stop) -> Result<RunReport> {
    let Calibrated {
        out_dir,
        plan,
        dataset,
        merged,
        calibration,
        facts,
    } = run;
    let analyses = pool
        .install(|| stats::analyse(&plan, &dataset, &merged, &calibration, stop))
        .map_err(|_| Interrupted {
            out_dir: out_dir.clone(),
        })?;
    drop(merged);
    let comparison = match write_results(
        &out_dir,
        &plan,
        &dataset,
        &calibration,
        &analyses,
        &facts,
        stop,
    ) {
        Err(e) if e.is_cancelled() => return Err(Interrupted { out_dir }.into()),
        written => written?,
    };
    Ok(RunReport {
        out_dir,
        plan,
        calibration,
        facts,
        comparison,
        analyses,
        dataset,
    })
}

/// Writes a calibration's folder (tables, pictures, manifest) after reading what it held, and
/// returns how the two compare.
pub(crate) fn write_results(
    out_dir: &Path,
    plan: &RunPlan,
    dataset: &Dataset,
    calibration: &Calibration,
    analyses: &Analyses,
    facts: &RunFacts,
    stop: Stop,
) -> Result<Comparison> {
    guard::check_finite(plan, calibration)?;
    // Each exporter takes up to a second or two at 100,000 observations: a requested stop is
    // honoured between them (and by `write_folder` until its final swap).
    let exporters: [(&str, &dyn Fn() -> Vec<u8>); 11] = [
        (files::QUANTILES, &|| {
            tables::quantiles_csv(plan, calibration)
        }),
        (files::OBSERVATIONS, &|| {
            tables::observations_csv(plan, calibration)
        }),
        (files::ACCELERATORS, &|| {
            tables::accelerators_csv(plan, calibration)
        }),
        (files::SENSITIVITY, &|| {
            export::sensitivity::sensitivity_csv(plan, &analyses.sobol, &analyses.prior)
        }),
        (files::PPC, &|| export::ppc::ppc_csv(dataset, &analyses.ppc)),
        (files::MANIFEST, &|| {
            export::manifest::manifest_json(plan, dataset, calibration, facts)
        }),
        (files::TIMING, &|| {
            export::manifest::timing_json(calibration, facts)
        }),
        (files::SUMMARY, &|| {
            export::summary::summary_md(plan, calibration, &analyses.prior)
        }),
        (files::POSTERIOR_SVG, &|| {
            plot::posterior_svg(plan, calibration)
        }),
        (files::OBSERVATIONS_SVG, &|| {
            plot::observations_svg(plan, calibration)
        }),
        (files::NODES_SVG, &|| plot::nodes_svg(plan, calibration)),
    ];
    let mut files = Vec::with_capacity(exporters.len() + 1);
    for (name, export) in exporters {
        stop.check()?;
        files.push((name, export()));
    }
    if let Some(bytes) = tables::hyperparameters_csv(calibration) {
        files.push((files::HYPERPARAMETERS, bytes));
    }
    // Read before write_folder replaces it: the summary ends with what moved.
    let previous = out_dir
        .join(files::QUANTILES)
        .is_file()
        .then(|| Snapshot::read_folder(out_dir, &out_dir.display().to_string()));
    output::write_folder(out_dir, &files, stop)?;
    Ok(match previous {
        None => Comparison::NoPrevious,
        Some(Err(e)) => Comparison::Unreadable(e.report().to_string()),
        Some(Ok(mut old)) => {
            let file = |name: &str| files.iter().find(|(f, _)| *f == name).map(|(_, b)| &b[..]);
            let label = format!("{} (this run)", out_dir.display());
            let new = Snapshot::from_bytes(
                &label,
                file(files::QUANTILES).expect("written above"),
                file(files::OBSERVATIONS),
                file(files::MANIFEST),
            )?;
            old.label = format!("{} (before this run)", out_dir.display());
            Comparison::Diff(Box::new(compare::compare(
                &old,
                &new,
                compare::DEFAULT_THRESHOLD,
            )))
        }
    })
}

/// The quotable answer per observed node and precision ([`export::summary::answers`], as in
/// `summary.md`): the headline method's median and 90 % interval, the ceiling (bound q0.95),
/// the tightest single observation and the flags; the extrapolated nodes on one line each.
fn answer_table(plan: &RunPlan, cal: &Calibration, analyses: &Analyses) -> String {
    let mut s = String::new();
    let answers = export::summary::answers(plan, cal, &analyses.prior);
    if answers.is_empty() {
        return s;
    }
    let method = export::summary::headline(plan).name();
    let _ = writeln!(
        s,
        "pJ/MAC at {} FLOPs per MAC, per node and precision with observations:",
        plan.flops_per_mac
    );
    let _ = writeln!(
        s,
        "{:<5} {:<5} {:>3}  {:<28}  {:>9}  {:<40}  flags",
        "node",
        "prec",
        "n",
        format!("{method} median [90 %]"),
        "ceiling",
        "tightest observation (bound median)"
    );
    let mut scaled: Vec<String> = Vec::new();
    for a in &answers {
        if a.basis == Basis::Scaled {
            scaled.push(format!("{} {}", a.node, a.precision.name()));
            continue;
        }
        let answer = a.interval.map_or("contradictory".into(), |[m, lo, hi]| {
            format!("{m:.3} [{lo:.3}, {hi:.3}]")
        });
        let ceiling = a.ceiling.map_or("-".into(), |c| format!("{c:.3}"));
        let tightest = a
            .tightest
            .as_ref()
            .map_or("-".into(), |(id, b)| format!("{id} {b:.3}"));
        let _ = writeln!(
            s,
            "{:<5} {:<5} {:>3}  {:<28}  {:>9}  {:<40}  {}",
            a.node,
            a.precision.name(),
            a.n_observations,
            answer,
            ceiling,
            tightest,
            a.flags.join("; ")
        );
    }
    if !scaled.is_empty() {
        let _ = writeln!(
            s,
            "extrapolated (no observations; the pooled row times the node's scale): {}",
            scaled.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "quote the {method}: the energy of a typical chip of the node, with its 90 % interval. The ceiling\n\
         bounds the node's most efficient chip (below it with probability >= 0.95, whatever the prior);\n\
         one observation bounds only its own chip. Every row, with flags: summary.md.\n"
    );
    s
}

impl RunReport {
    /// One `warning: ...` line per contradicted row, for stderr (also under `--quiet`).
    pub fn warnings(&self) -> String {
        let mut s = String::new();
        // Scaled rows repeat their pooled row's contradiction; name each once.
        for (g, c) in self
            .calibration
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
        s
    }

    /// One screen: the observed and pooled posteriors, contradictions, where files went, and
    /// what moved since the folder's previous contents.
    pub fn summary(&self) -> String {
        let plan = &self.plan;
        let cal = &self.calibration;
        let mut s = answer_table(plan, cal, &self.analyses);
        // Every figure a person reads is a median and a 90 % interval (q0.05-q0.95), whatever
        // levels the config reports in quantiles.csv: one convention on every screen.
        let _ = writeln!(
            s,
            "{:<10} {:<5} {:<5} {:<8} {:>3}  {:>10}  {:<21}",
            "method", "node", "prec", "basis", "n", "median", "[q0.05, q0.95]"
        );
        for g in &cal.groups {
            if g.basis == Basis::Scaled {
                continue;
            }
            let numbers = match &g.outcome {
                Ok((posterior, _)) => {
                    let [q05, q50, q95] = INTERVAL_90.map(|p| posterior.quantile(p));
                    format!("{:>10.4}  {:<21}", q50, format!("[{q05:.4}, {q95:.4}]"))
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
        let f = &self.facts;
        if let Some(target) = f.target_mcse {
            let reached = f
                .max_relative_mcse
                .map_or("n/a".into(), |m| format!("{:.3} %", m * 100.0));
            let _ = writeln!(
                s,
                "target MCSE {:.3} %: largest relative MCSE {reached} after {} rounds ({} samples per observation)",
                target * 100.0,
                f.rounds,
                cal.total_samples / cal.observations.len().max(1) as u64
            );
        }
        s.push_str(&self.analyses.summary(plan, &self.dataset));
        let _ = writeln!(
            s,
            "{} samples in {:.2} s on {} threads ({:.3e} samples/s); wrote {}",
            cal.total_samples,
            f.wall_seconds,
            f.threads,
            cal.total_samples as f64 / f.wall_seconds.max(1e-9),
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
                    &export::compare::markdown::diff_markdown(d, false),
                ));
            }
        }
        s
    }
}
