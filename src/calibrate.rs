//! From checked inputs to the calibration: sample every observation, then build the
//! posterior of every group (method x node x precision, plus the pooled and scaled rows) and
//! the per-accelerator figures derived from them.

use crate::config::{Method, RunPlan};
use crate::data::{AcceleratorSpec, Dataset, Observation, Precision};
use std::collections::HashMap;

use rayon::prelude::*;

use crate::posterior::{Contradiction, Engine, LnLikelihood, Posterior};
use crate::sampler::{Cancelled, Control, ObservationModel, ObservationSamples};
use crate::units;

/// How a group's posterior was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// From the observations on this node.
    Observed,
    /// No observations on this node: the pooled posterior times the node's scale.
    Scaled,
    /// Every observation of the precision, moved to the reference node.
    Pooled,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Observed => "observed",
            Basis::Scaled => "scaled",
            Basis::Pooled => "pooled",
        }
    }
}

/// A posterior's reported numbers, pJ/MAC.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    /// At the plan's quantile levels.
    pub quantiles: Vec<f64>,
}

/// One row of `quantiles.csv`.
#[derive(Debug, Clone)]
pub struct GroupResult {
    pub method: Method,
    pub node: String,
    pub precision: Precision,
    pub basis: Basis,
    pub n_observations: usize,
    pub samples: u64,
    pub outcome: Result<(Posterior, Summary), Contradiction>,
}

/// One row of `observations.csv`: the bound `e_i` (eta = 1) of one observation.
#[derive(Debug, Clone)]
pub struct ObservationResult {
    pub observation: Observation,
    pub samples: u64,
    pub bound: Summary,
}

/// What an `accelerators.csv` row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceleratorQuantity {
    /// Posterior from the accelerator's own observations.
    PjPerMac,
    /// `min(1, P k / (E F))`: the largest MFU the board's power allows, from its node's
    /// posterior. Capped at 1: where power would allow more than the peak, the peak binds.
    PhysicsLimit,
    /// `P k / E`: dense throughput the board's power sustains, from its node's posterior.
    SustainableTflops,
}

impl AcceleratorQuantity {
    pub fn name(self) -> &'static str {
        match self {
            AcceleratorQuantity::PjPerMac => "pj_per_mac",
            AcceleratorQuantity::PhysicsLimit => "physics_limit",
            AcceleratorQuantity::SustainableTflops => "sustainable_tflops",
        }
    }
}

/// One row of `accelerators.csv`.
#[derive(Debug, Clone)]
pub struct AcceleratorResult {
    pub method: Method,
    pub accelerator: String,
    pub node: String,
    pub precision: Precision,
    pub quantity: AcceleratorQuantity,
    pub unit: &'static str,
    pub quantiles: Result<Vec<f64>, Contradiction>,
}

/// Everything a run computes.
pub struct Calibration {
    pub groups: Vec<GroupResult>,
    pub observations: Vec<ObservationResult>,
    pub accelerators: Vec<AcceleratorResult>,
    pub total_samples: u64,
}

impl Calibration {
    /// Every contradiction, once per group, for messages and the manifest.
    pub fn contradictions(&self) -> impl Iterator<Item = (&GroupResult, &Contradiction)> {
        self.groups
            .iter()
            .filter_map(|g| g.outcome.as_ref().err().map(|c| (g, c)))
    }
}

/// Samples every observation; observations run one after another, each over all threads of
/// the current rayon pool.
pub fn sample_all(
    plan: &RunPlan,
    dataset: &Dataset,
    control: Control,
) -> Result<Vec<ObservationSamples>, Cancelled> {
    dataset
        .observations
        .iter()
        .map(|obs| {
            ObservationModel::new(plan, obs).sample(
                plan.seed,
                plan.samples_per_observation,
                control,
            )
        })
        .collect()
}

/// What calibration keeps of one observation once it is sampled: the summary of its bound
/// (for `observations.csv`) and its log-likelihoods where they are not constant. The four
/// histograms (about 1.3 MB) are dropped, so memory grows by a few kilobytes per observation.
pub struct Evidence {
    pub samples: u64,
    /// The bound `e_i` (eta = 1).
    pub bound: Summary,
    /// Per method of the plan: the likelihood at the observation's node, and moved to the
    /// reference node (pooled).
    likelihoods: Vec<(Method, [LnLikelihood; 2])>,
}

impl Evidence {
    pub fn new(
        engine: &Engine,
        plan: &RunPlan,
        s: &ObservationSamples,
        levels: &[f64],
    ) -> Evidence {
        let (mean, sd) = s.bound.mean_sd();
        let likelihoods = plan
            .methods
            .iter()
            .map(|&m| {
                let (observed, pooled) = match m {
                    Method::Bound => (&s.bound, &s.pooled_bound),
                    Method::Efficiency => (&s.efficiency, &s.pooled_efficiency),
                };
                (
                    m,
                    [
                        engine.ln_likelihood(m, observed),
                        engine.ln_likelihood(m, pooled),
                    ],
                )
            })
            .collect();
        Evidence {
            samples: s.bound.total(),
            bound: Summary {
                mean,
                sd,
                quantiles: s.bound.quantiles(levels),
            },
            likelihoods,
        }
    }

    fn likelihood(&self, method: Method, pooled: bool) -> &LnLikelihood {
        let (_, pair) = self
            .likelihoods
            .iter()
            .find(|(m, _)| *m == method)
            .expect("evidence is gathered for every method of the plan");
        &pair[usize::from(pooled)]
    }
}

/// Samples every observation and keeps its [`Evidence`]. Observations run in parallel, and
/// so do the chunks of each; every result depends only on its own RNG streams, so the
/// outcome does not depend on the thread count.
pub fn gather(
    plan: &RunPlan,
    dataset: &Dataset,
    control: Control,
) -> Result<Vec<Evidence>, Cancelled> {
    let engine = Engine::new(&plan.prior);
    let levels: Vec<f64> = plan.quantiles.iter().map(|q| q.p).collect();
    dataset
        .observations
        .par_iter()
        .map(|obs| {
            let s = ObservationModel::new(plan, obs).sample(
                plan.seed,
                plan.samples_per_observation,
                control,
            )?;
            Ok(Evidence::new(&engine, plan, &s, &levels))
        })
        .collect()
}

/// Builds every posterior and derived figure from the observations' evidence.
pub fn calibrate(plan: &RunPlan, dataset: &Dataset, samples: &[Evidence]) -> Calibration {
    let engine = Engine::new(&plan.prior);
    let levels: Vec<f64> = plan.quantiles.iter().map(|q| q.p).collect();
    let obs = &dataset.observations;
    let precisions = observed_precisions(obs);

    let mut groups = Vec::new();
    for &method in &plan.methods {
        for &precision in &precisions {
            let pooled_members: Vec<usize> = (0..obs.len())
                .filter(|&i| obs[i].precision == precision)
                .collect();
            let pooled = group(
                &engine,
                plan,
                method,
                &pooled_members,
                obs,
                samples,
                true,
                &levels,
            );
            for scale in &plan.nodes {
                let members: Vec<usize> = pooled_members
                    .iter()
                    .copied()
                    .filter(|&i| obs[i].node == scale.node)
                    .collect();
                let (basis, outcome) = if members.is_empty() {
                    let outcome = match &pooled.0 {
                        Ok((p, _)) => {
                            let scaled = p.scaled(&scale.scale);
                            let summary = summarize(&scaled, &engine, &levels);
                            Ok((scaled, summary))
                        }
                        Err(c) => Err(c.clone()),
                    };
                    (Basis::Scaled, outcome)
                } else {
                    (
                        Basis::Observed,
                        group(
                            &engine, plan, method, &members, obs, samples, false, &levels,
                        )
                        .0,
                    )
                };
                let (n, total) = if members.is_empty() {
                    (pooled_members.len(), pooled.1)
                } else {
                    (
                        members.len(),
                        members.len() as u64 * plan.samples_per_observation,
                    )
                };
                groups.push(GroupResult {
                    method,
                    node: scale.node.clone(),
                    precision,
                    basis,
                    n_observations: n,
                    samples: total,
                    outcome,
                });
            }
            groups.push(GroupResult {
                method,
                node: plan.reference_node.clone(),
                precision,
                basis: Basis::Pooled,
                n_observations: pooled_members.len(),
                samples: pooled.1,
                outcome: pooled.0,
            });
        }
    }

    let observations = obs
        .iter()
        .zip(samples)
        .map(|(o, s)| ObservationResult {
            observation: o.clone(),
            samples: s.samples,
            bound: s.bound.clone(),
        })
        .collect();

    let accelerators = accelerator_rows(&engine, plan, dataset, samples, &groups, &levels);
    Calibration {
        groups,
        observations,
        accelerators,
        total_samples: samples.iter().map(|s| s.samples).sum(),
    }
}

/// Precisions with at least one observation, in a fixed order.
fn observed_precisions(obs: &[Observation]) -> Vec<Precision> {
    Precision::ALL
        .into_iter()
        .filter(|p| obs.iter().any(|o| o.precision == *p))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn group(
    engine: &Engine,
    plan: &RunPlan,
    method: Method,
    members: &[usize],
    obs: &[Observation],
    samples: &[Evidence],
    pooled: bool,
    levels: &[f64],
) -> (Result<(Posterior, Summary), Contradiction>, u64) {
    let hists: Vec<(&str, &LnLikelihood)> = members
        .iter()
        .map(|&i| (obs[i].id.as_str(), samples[i].likelihood(method, pooled)))
        .collect();
    let outcome = engine.posterior(method, &hists).map(|p| {
        let summary = summarize(&p, engine, levels);
        (p, summary)
    });
    (outcome, members.len() as u64 * plan.samples_per_observation)
}

fn summarize(p: &Posterior, engine: &Engine, levels: &[f64]) -> Summary {
    let (mean, sd) = p.mean_sd(&engine.values);
    Summary {
        mean,
        sd,
        quantiles: levels.iter().map(|&q| p.quantile(q)).collect(),
    }
}

fn accelerator_rows(
    engine: &Engine,
    plan: &RunPlan,
    dataset: &Dataset,
    samples: &[Evidence],
    groups: &[GroupResult],
    levels: &[f64],
) -> Vec<AcceleratorResult> {
    let obs = &dataset.observations;
    let mut by_accelerator: HashMap<(&str, Precision), Vec<usize>> = HashMap::new();
    for (i, o) in obs.iter().enumerate() {
        by_accelerator
            .entry((o.accelerator.as_str(), o.precision))
            .or_default()
            .push(i);
    }
    let mut rows = Vec::new();
    for &method in &plan.methods {
        for spec in &dataset.accelerators {
            let row =
                |quantity: AcceleratorQuantity, unit: &'static str, quantiles| AcceleratorResult {
                    method,
                    accelerator: spec.accelerator.clone(),
                    node: spec.node.clone(),
                    precision: spec.precision,
                    quantity,
                    unit,
                    quantiles,
                };
            let members: &[usize] = by_accelerator
                .get(&(spec.accelerator.as_str(), spec.precision))
                .map_or(&[], Vec::as_slice);
            if !members.is_empty() {
                let (outcome, _) =
                    group(engine, plan, method, members, obs, samples, false, levels);
                rows.push(row(
                    AcceleratorQuantity::PjPerMac,
                    "pJ/MAC",
                    outcome.map(|(_, s)| s.quantiles),
                ));
            }
            let node_group = groups.iter().find(|g| {
                g.method == method
                    && g.node == spec.node
                    && g.precision == spec.precision
                    && g.basis != Basis::Pooled
            });
            let Some(node_group) = node_group else {
                continue; // no observation at this precision anywhere: nothing to derive from
            };
            let posterior = node_group
                .outcome
                .as_ref()
                .map(|(p, _)| p)
                .map_err(Clone::clone);
            // Both figures fall as E rises, so their q quantile comes from E's (1 - q) quantile.
            let derived = |f: &dyn Fn(f64) -> f64| {
                posterior
                    .clone()
                    .map(|p| levels.iter().map(|&q| f(p.quantile(1.0 - q))).collect())
            };
            let sustainable = |e: f64| units::sustainable_tflops(spec.tdp_w, e, plan.flops_per_mac);
            rows.push(row(
                AcceleratorQuantity::PhysicsLimit,
                "fraction",
                derived(&|e| (sustainable(e) / spec.dense_peak_tflops).min(1.0)),
            ));
            rows.push(row(
                AcceleratorQuantity::SustainableTflops,
                spec.precision.throughput_unit(),
                derived(&sustainable),
            ));
        }
    }
    rows
}

/// The deterministic calculator of the seed analysis, for one accelerator.
pub fn physics_limit(spec: &AcceleratorSpec, pj_per_mac: f64, flops_per_mac: f64) -> (f64, f64) {
    let tflops = units::sustainable_tflops(spec.tdp_w, pj_per_mac, flops_per_mac);
    (tflops, tflops / spec.dense_peak_tflops)
}

/// The energy bound `P k / (m F)`, pJ/MAC, of one accelerator at MFU `mfu`.
pub fn energy_bound(spec: &AcceleratorSpec, mfu: f64, flops_per_mac: f64) -> f64 {
    units::pj_per_mac(
        spec.tdp_w,
        mfu * units::peak_flops_per_s(spec.dense_peak_tflops),
        flops_per_mac,
    )
}
