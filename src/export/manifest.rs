//! `manifest.json`: what produced a results folder, so it can be reproduced and compared; and
//! `timing.json`: how long it took and on how many threads.
//!
//! The two are apart so that the manifest depends only on the inputs, the config and the
//! version: regenerating committed results from unchanged inputs gives a byte-identical
//! manifest and leaves git clean. `timing.json` changes every run and is not committed
//! (`.gitignore`).

use serde::Serialize;

use crate::calibrate::Calibration;
use crate::config::RunPlan;
use crate::data::Dataset;

/// Facts about the run that are not in the plan.
pub struct RunFacts {
    /// SHA-256 of each input file: (path, hex digest).
    pub inputs: Vec<(String, String)>,
    /// Worker threads the run used.
    pub threads: usize,
    /// Wall-clock time of the run, s.
    pub wall_seconds: f64,
    /// Sampling rounds (1 unless `--target-mcse`).
    pub rounds: u32,
    /// `--target-mcse`: the relative Monte Carlo standard error asked for, if any.
    pub target_mcse: Option<f64>,
    /// Largest relative Monte Carlo standard error of any reported quantile.
    pub max_relative_mcse: Option<f64>,
    /// Shards merged into this result, if it came from `mfucal merge`.
    pub merged_shards: Option<u64>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    mfucal_version: &'static str,
    resolved_config: &'a RunPlan,
    inputs: Vec<Input<'a>>,
    seed: u64,
    total_samples: u64,
    samples_per_observation: u64,
    rounds: u32,
    target_mcse: Option<f64>,
    max_relative_mcse: Option<f64>,
    merged_shards: Option<u64>,
    observations_used: usize,
    /// Ids of the observations used, in file order: what `mfucal diff` compares.
    observations_used_ids: Vec<&'a str>,
    observations_excluded: Vec<Excluded<'a>>,
    contradictions: Vec<ContradictionEntry<'a>>,
}

#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct Excluded<'a> {
    id: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct ContradictionEntry<'a> {
    method: &'static str,
    node: &'a str,
    precision: &'static str,
    basis: &'static str,
    observations: &'a [String],
    message: &'a str,
}

/// `manifest.json`'s bytes: version, resolved config, input checksums, seed and the run's facts.
pub fn manifest_json(
    plan: &RunPlan,
    dataset: &Dataset,
    cal: &Calibration,
    facts: &RunFacts,
) -> Vec<u8> {
    let manifest = Manifest {
        mfucal_version: env!("CARGO_PKG_VERSION"),
        resolved_config: plan,
        inputs: facts
            .inputs
            .iter()
            .map(|(path, sha256)| Input { path, sha256 })
            .collect(),
        seed: plan.seed,
        total_samples: cal.total_samples,
        samples_per_observation: cal.total_samples / (dataset.observations.len().max(1) as u64),
        rounds: facts.rounds,
        target_mcse: facts.target_mcse,
        max_relative_mcse: facts.max_relative_mcse,
        merged_shards: facts.merged_shards,
        observations_used: dataset.observations.len(),
        observations_used_ids: dataset.observations.iter().map(|o| o.id.as_str()).collect(),
        observations_excluded: dataset
            .excluded
            .iter()
            .map(|o| Excluded {
                id: &o.id,
                reason: o.exclude.as_deref().unwrap_or_default(),
            })
            .collect(),
        contradictions: cal
            .contradictions()
            .map(|(g, c)| ContradictionEntry {
                method: g.method.name(),
                node: &g.node,
                precision: g.precision.name(),
                basis: g.basis.name(),
                observations: &c.ids[..],
                message: &c.message,
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest always serialises");
    bytes.push(b'\n');
    bytes
}

/// What changes from run to run of the same inputs: `timing.json`.
#[derive(Serialize)]
struct Timing {
    threads: usize,
    wall_seconds: f64,
    total_samples: u64,
    samples_per_second: f64,
}

/// `timing.json`'s bytes: threads, wall seconds, total samples and samples per second.
pub fn timing_json(cal: &Calibration, facts: &RunFacts) -> Vec<u8> {
    let timing = Timing {
        threads: facts.threads,
        wall_seconds: facts.wall_seconds,
        total_samples: cal.total_samples,
        samples_per_second: cal.total_samples as f64 / facts.wall_seconds.max(1e-9),
    };
    let mut bytes = serde_json::to_vec_pretty(&timing).expect("timing always serialises");
    bytes.push(b'\n');
    bytes
}
