//! `mfucal run --shard K/N` and `mfucal merge`: a calibration split across machines.
//!
//! A shard samples the chunks `c` with `c % N == K - 1` of every observation and writes their
//! histograms (the mergeable sampler state, not quantiles) to `state.bin`, with a header that
//! names the run: resolved config, input checksums, observations, shard. `merge` checks that
//! the shards belong to one run and cover it exactly once, adds the histograms (integer
//! counts: exact in any order) and computes the outputs as a single run would, byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Context, Error, Result};
use serde::{Deserialize, Serialize};

use super::run::{
    claim_and_lock, finish, prepare, sample_pass, Calibrated, Interrupted, Prepared, RunOptions,
    RunReport,
};
use crate::calibrate;
use crate::config::Overrides;
use crate::export::manifest::RunFacts;
use crate::output;
use crate::sampler::{SampleState, Schedule};
use crate::schema::files;
use crate::stop::Stop;

const STATE_FILE: &str = files::STATE;

/// What identifies the run a shard belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShardHeader {
    mfucal_version: String,
    config_path: String,
    seed: u64,
    samples_per_observation: u64,
    resolved_config: serde_json::Value,
    inputs: Vec<(String, String)>,
    observations: Vec<String>,
    shard_index: u64,
    shard_count: u64,
}

/// Runs one shard of the checked inputs ([`super::run::prepare_run`], whose warnings the caller
/// has shown) and writes `state.bin` and `manifest.json` into the output folder.
pub fn run_shard(prepared: Prepared, options: &RunOptions) -> Result<String> {
    let shard = options
        .shard
        .ok_or_else(|| Error::Internal("run_shard needs a shard".into()))?;
    if options.target_mcse.is_some() {
        return Err(Error::Argument("a target MCSE cannot be combined with a shard: a shard cannot see the others' error; run the shards at a fixed sample count".into()));
    }
    let out_dir = options.out.clone().ok_or_else(|| {
        Error::Argument(
            "a shard run needs an output folder: each shard writes its state into its own folder"
                .into(),
        )
    })?;
    let Prepared {
        plan,
        dataset,
        pool,
        inputs,
        ..
    } = prepared;
    let stop = options.control.stop;
    let _lock = claim_and_lock(&out_dir, &plan, &[], options.force, options.no_wait, stop)?;
    let models = calibrate::models(&plan, &dataset);
    let schedule = Schedule {
        shard,
        keep_batches: plan.needs_batch_means(),
        ..Schedule::whole(plan.samples_per_observation)
    };
    let start = Instant::now();
    let interrupted = || Interrupted {
        out_dir: out_dir.clone(),
    };
    let state =
        sample_pass(&pool, &models, plan.seed, schedule, options).map_err(|_| interrupted())?;
    let wall_seconds = start.elapsed().as_secs_f64();

    let header = ShardHeader {
        mfucal_version: env!("CARGO_PKG_VERSION").into(),
        config_path: plan.config_path.display().to_string(),
        seed: plan.seed,
        samples_per_observation: plan.samples_per_observation,
        resolved_config: serde_json::to_value(&plan).context("serialising the plan")?,
        inputs,
        observations: dataset.observations.iter().map(|o| o.id.clone()).collect(),
        shard_index: shard.index,
        shard_count: shard.count,
    };
    let header_json = serde_json::to_vec(&header).context("serialising the shard header")?;
    let drawn = schedule.samples(models.len());
    let manifest = serde_json::json!({
        "shard": format!("{}/{}", shard.index + 1, shard.count),
        "header": header,
        "threads": pool.current_num_threads(),
        "samples_drawn": drawn,
        "wall_seconds": wall_seconds,
        "samples_per_second": drawn as f64 / wall_seconds.max(1e-9),
    });
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).context("serialising the manifest")?;
    manifest_bytes.push(b'\n');
    output::write_folder(
        &out_dir,
        &[
            (STATE_FILE, state.to_bytes(&header_json)),
            (files::MANIFEST, manifest_bytes),
        ],
        stop,
    )
    .map_err(|e| match e.is_cancelled() {
        true => interrupted().into(),
        false => e,
    })?;
    Ok(format!(
        "shard {}/{}: {drawn} samples in {wall_seconds:.2} s; wrote {}\nmerge all {} shards with: mfucal merge --out DIR SHARD_DIR...\n",
        shard.index + 1,
        shard.count,
        out_dir.display(),
        shard.count
    ))
}

/// What `merge` was asked to do.
#[derive(Default)]
pub struct MergeOptions<'a> {
    /// Shard folders written by `mfucal run --shard K/N --out DIR`.
    pub shards: Vec<PathBuf>,
    /// `--out`: the folder the merged results are written to.
    pub out: PathBuf,
    /// Defaults to the config the shards recorded.
    pub config: Option<PathBuf>,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Replace an existing `--out` folder that mfucal did not write.
    pub force: bool,
    /// Fail at once when another process is writing `--out`, instead of waiting.
    pub no_wait: bool,
    /// Set by Ctrl-C / SIGTERM: the merge stops with [`Interrupted`], nothing written.
    pub stop: Stop<'a>,
}

/// Merges shard folders into the outputs of the whole run.
pub fn merge(options: &MergeOptions) -> Result<RunReport> {
    let (dirs, out_dir, config) = (
        &options.shards[..],
        options.out.as_path(),
        options.config.as_deref(),
    );
    let stop = options.stop;
    if dirs.is_empty() {
        return Err(Error::Argument(
            "give the shard folders to merge: mfucal merge --out DIR SHARD_DIR...".into(),
        ));
    }
    let mut shards: Vec<(PathBuf, ShardHeader, SampleState)> = Vec::new();
    for dir in dirs {
        let path = dir.join(STATE_FILE);
        let bytes = crate::input::read_input(&path).map_err(|e| {
            Error::Results(format!(
                "{}: {e}; is it a folder written by `mfucal run --shard K/N --out DIR`?",
                path.display()
            ))
        })?;
        let (header, state) = SampleState::from_bytes(&bytes)
            .map_err(|why| Error::Results(format!("{}: {why}", path.display())))?;
        let header: ShardHeader = serde_json::from_slice(&header).map_err(|e| {
            Error::Results(format!(
                "{}: is corrupt: its header does not parse ({e})",
                path.display()
            ))
        })?;
        shards.push((dir.clone(), header, state));
    }
    check_one_run(&shards)?;

    let first = &shards[0].1;
    let overrides = Overrides {
        samples_per_observation: Some(first.samples_per_observation),
        seed: Some(first.seed),
    };
    let config = config
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(&first.config_path));
    let Prepared {
        plan,
        dataset,
        pool,
        inputs,
        ..
    } = prepare(&config, &overrides, options.threads)?;
    // The shard folders are inputs too: `--out` may not replace one of them.
    let _lock = claim_and_lock(out_dir, &plan, dirs, options.force, options.no_wait, stop)?;
    if inputs != first.inputs {
        let changed: Vec<&str> = inputs
            .iter()
            .zip(&first.inputs)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.0.as_str())
            .collect();
        return Err(Error::Results(format!(
            "the inputs changed since the shards ran ({}); re-run the shards or restore the files",
            changed.join(", ")
        )));
    }
    if serde_json::to_value(&plan)? != first.resolved_config {
        return Err(Error::Results(format!("{} now resolves to a different config than the shards ran with; merge with the same config", config.display())));
    }

    let start = Instant::now();
    let mut state = SampleState::new(dataset.observations.len());
    for (dir, _, s) in &shards {
        state
            .merge(s)
            .map_err(|why| Error::Results(format!("{}: {why}", dir.display())))?;
    }
    if state.samples_per_observation() != plan.samples_per_observation {
        return Err(Error::Results(format!(
            "the shards hold {} samples per observation, not the {} the run needs; a shard's state is incomplete",
            state.samples_per_observation(),
            plan.samples_per_observation
        )));
    }
    let merged = state.merged_all();
    let interrupted = || Interrupted {
        out_dir: out_dir.to_path_buf(),
    };
    let calibration = pool
        .install(|| calibrate::calibrate(&plan, &dataset, &state, &merged, stop))
        .map_err(|_| interrupted())?;
    let facts = RunFacts {
        inputs,
        threads: pool.current_num_threads(),
        wall_seconds: start.elapsed().as_secs_f64(),
        rounds: 1,
        target_mcse: None,
        max_relative_mcse: calibration.max_relative_mcse(),
        merged_shards: Some(first.shard_count),
    };
    finish(
        &pool,
        Calibrated {
            out_dir: out_dir.to_path_buf(),
            plan,
            dataset,
            merged,
            calibration,
            facts,
        },
        stop,
    )
}

/// Refuses shards of different runs, and a missing or duplicated shard.
fn check_one_run(shards: &[(PathBuf, ShardHeader, SampleState)]) -> Result<()> {
    let (dir0, h0, _) = &shards[0];
    for (dir, h, _) in &shards[1..] {
        let differs = if h.seed != h0.seed {
            Some(format!("different seeds ({} and {})", h0.seed, h.seed))
        } else if h.shard_count != h0.shard_count {
            Some(format!(
                "different shard counts ({} and {})",
                h0.shard_count, h.shard_count
            ))
        } else if h.inputs != h0.inputs || h.observations != h0.observations {
            Some("different data (input checksums differ)".to_string())
        } else if h.resolved_config != h0.resolved_config
            || h.samples_per_observation != h0.samples_per_observation
        {
            Some("different configs".to_string())
        } else {
            None
        };
        if let Some(what) = differs {
            return Err(Error::Results(format!(
                "{} and {} come from {what}; merge shards of one run only",
                dir0.display(),
                dir.display()
            )));
        }
    }
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for (dir, h, _) in shards {
        if let Some(other) = seen.insert(h.shard_index, dir) {
            return Err(Error::Argument(format!(
                "shard {}/{} is given twice: {} and {}",
                h.shard_index + 1,
                h.shard_count,
                other.display(),
                dir.display()
            )));
        }
    }
    let missing: Vec<String> = (0..h0.shard_count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{}/{}", k + 1, h0.shard_count))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Argument(format!(
            "missing shard{} {}; run them with `mfucal run --shard K/N --out DIR` and merge all",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )));
    }
    Ok(())
}
