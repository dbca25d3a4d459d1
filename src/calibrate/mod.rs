//! From checked inputs to the calibration: sample every observation, then build the
//! posterior of every group (method x node x precision, plus the pooled and scaled rows) and
//! the per-accelerator figures derived from them.

use rayon::prelude::*;

mod accelerators;
pub mod groups;
mod quadrature;
pub mod results;
pub mod seed;

pub use results::{
    AcceleratorQuantity, AcceleratorResult, Basis, Calibration, GroupResult, ObservationResult,
    Summary, INTERVAL_90,
};
pub use seed::{energy_bound, physics_limit};

use crate::config::{Method, RunPlan};
use crate::data::{Dataset, Observation, Precision};
use crate::posterior::ceiling;
use crate::posterior::frontier;
use crate::posterior::{Contradiction, Engine, NodePosterior, Posterior, ScaleKernel};
use crate::sampler::{
    schedule, Control, LogHistogram, ObservationModel, ObservationSamples, SampleState, Schedule,
    BATCHES,
};
use crate::stop::{Cancelled, Stop};
use accelerators::accelerator_rows;
use quadrature::{bound_groups, frontier_groups};

/// The sampler of every observation, in dataset order.
pub fn models(plan: &RunPlan, dataset: &Dataset) -> Vec<ObservationModel> {
    dataset
        .observations
        .iter()
        .map(|obs| ObservationModel::new(plan, obs))
        .collect()
}

/// Samples every observation of a plain run (one pass, all chunks) on the current rayon pool.
pub fn sample_all(
    plan: &RunPlan,
    dataset: &Dataset,
    control: Control,
) -> Result<SampleState, Cancelled> {
    schedule::sample(
        &models(plan, dataset),
        plan.seed,
        Schedule::whole(plan.samples_per_observation),
        control,
    )
}

/// The histograms posteriors are built from: all batches merged, and each batch alone.
pub(crate) struct Histograms<'a> {
    merged: &'a [ObservationSamples],
    state: &'a SampleState,
}

impl Histograms<'_> {
    /// `(id, histogram)` of `members`, from all batches (`batch = None`) or one.
    pub(crate) fn of<'o>(
        &'o self,
        obs: &'o [Observation],
        members: &[usize],
        method: Method,
        pooled: bool,
        batch: Option<usize>,
    ) -> Vec<(&'o str, &'o LogHistogram)> {
        members
            .iter()
            .map(|&i| {
                let s = match batch {
                    None => &self.merged[i],
                    Some(b) => &self.state.batches[i][b],
                };
                (obs[i].id.as_str(), groups::histogram(s, method, pooled))
            })
            .collect()
    }

    /// Batches holding samples, with their sample counts (every observation has the same).
    fn filled_batches(&self) -> Vec<(usize, u64)> {
        let Some(first) = self.state.batches.first() else {
            return Vec::new();
        };
        (0..BATCHES)
            .map(|b| (b, first[b].bound.total()))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

/// Builds every posterior, its standard errors and the derived figures from the samples:
/// `state` holds them per batch, `merged` ([`SampleState::merged_all`]) per observation.
pub fn calibrate(
    plan: &RunPlan,
    dataset: &Dataset,
    state: &SampleState,
    merged: &[ObservationSamples],
    stop: Stop,
) -> Result<Calibration, Cancelled> {
    let engine = Engine::stoppable(&plan.prior, stop);
    let levels: Vec<f64> = plan.quantiles.iter().map(|q| q.p).collect();
    let obs = &dataset.observations;
    let hists = Histograms { merged, state };
    // One filled batch (a run of fewer samples than 16 chunks' worth) gives no standard error,
    // and its posteriors would repeat the merged ones: skip them.
    let batches = Some(hists.filled_batches())
        .filter(|b| b.len() >= 2)
        .unwrap_or_default();
    // From the merged histograms: `state` may have lent them out ([`SampleState::take_merged`]).
    let per_obs = merged.first().map_or(0, |m| m.bound.total());

    let mut groups = Vec::new();
    let (frontier_fit, frontier_alternatives) = if plan.methods.contains(&Method::Frontier) {
        let alternatives: Vec<_> = crate::posterior::alternatives::alternatives(&plan.prior)
            .into_iter()
            .map(|a| a.prior)
            .collect();
        let (fit, alt) = frontier::fit_with_alternatives(plan, dataset, &alternatives, stop)?;
        (Some(fit), alt)
    } else {
        (None, Vec::new())
    };
    let ceilings = plan
        .methods
        .contains(&Method::Bound)
        .then(|| ceiling::ceilings(plan, dataset));
    for &method in &plan.methods {
        if method == Method::Frontier {
            let fit = frontier_fit.as_ref().expect("fitted above");
            groups.extend(frontier_groups(plan, fit, &levels, per_obs));
            continue;
        }
        if method == Method::Bound {
            let c = ceilings.as_ref().expect("computed above");
            groups.extend(bound_groups(plan, c, &levels, per_obs));
            continue;
        }
        for precision in observed_precisions(obs) {
            let pooled_members = groups::members_at(obs, precision, None);
            let pooled =
                engine.posterior(method, &hists.of(obs, &pooled_members, method, true, None));
            // Kept for the scaled rows' standard errors.
            let pooled_batches: Vec<(u64, Posterior)> = batches
                .par_iter()
                .filter_map(|&(b, nb)| {
                    engine
                        .posterior(
                            method,
                            &hists.of(obs, &pooled_members, method, true, Some(b)),
                        )
                        .ok()
                        .map(|p| (nb, p))
                })
                .collect();
            for scale in &plan.nodes {
                stop.check()?;
                let members = groups::members_at(obs, precision, Some(&scale.node));
                let (basis, n, outcome) = if members.is_empty() {
                    let kernel = ScaleKernel::new(&scale.scale);
                    let outcome = pooled.as_ref().map_err(Clone::clone).map(|p| {
                        let scaled = NodePosterior::Scaled {
                            pooled: p.clone(),
                            kernel: kernel.clone(),
                        };
                        let batch_q: Vec<(u64, Vec<f64>)> = pooled_batches
                            .par_iter()
                            .map(|(nb, pb)| {
                                (
                                    *nb,
                                    levels
                                        .iter()
                                        .map(|&l| pb.scaled_quantile(&kernel, l))
                                        .collect(),
                                )
                            })
                            .collect();
                        let summary = summarize(&scaled, &levels, &batch_q);
                        (scaled, summary)
                    });
                    (Basis::Scaled, 0, outcome)
                } else {
                    let outcome = group(
                        &engine, &hists, obs, &members, method, false, &levels, &batches,
                    );
                    (Basis::Observed, members.len(), outcome)
                };
                let used = if basis == Basis::Scaled {
                    pooled_members.len()
                } else {
                    n
                };
                groups.push(GroupResult {
                    method,
                    node: scale.node.clone(),
                    precision,
                    basis,
                    n_observations: n,
                    n_observations_used: used,
                    samples: used as u64 * per_obs,
                    outcome,
                });
            }
            let batch_q: Vec<(u64, Vec<f64>)> = pooled_batches
                .iter()
                .map(|(nb, p)| (*nb, levels.iter().map(|&l| p.quantile(l)).collect()))
                .collect();
            groups.push(GroupResult {
                method,
                node: plan.reference_node.clone(),
                precision,
                basis: Basis::Pooled,
                n_observations: pooled_members.len(),
                n_observations_used: pooled_members.len(),
                samples: pooled_members.len() as u64 * per_obs,
                outcome: pooled.map(|p| {
                    let p = NodePosterior::Direct(p);
                    let summary = summarize(&p, &levels, &batch_q);
                    (p, summary)
                }),
            });
        }
    }

    let observations = obs
        .iter()
        .zip(hists.merged)
        .map(|(o, s)| {
            let (mean, sd) = s.bound.mean_sd();
            let quantiles = s.bound.quantiles(&levels);
            ObservationResult {
                observation: o.clone(),
                samples: s.bound.total(),
                bound: Summary {
                    mean,
                    sd,
                    mcse: vec![None; quantiles.len()],
                    quantiles,
                },
                bound_90: {
                    let q = s.bound.quantiles(&INTERVAL_90);
                    [q[0], q[1], q[2]]
                },
            }
        })
        .collect();

    let accelerators = accelerator_rows(
        &engine,
        plan,
        dataset,
        &hists,
        &groups,
        frontier_fit.as_ref(),
        ceilings.as_ref(),
        &levels,
    )?;
    Ok(Calibration {
        groups,
        frontier: frontier_fit,
        frontier_alternatives,
        observations,
        accelerators,
        total_samples: per_obs * obs.len() as u64,
    })
}

/// Precisions with at least one observation, in a fixed order.
fn observed_precisions(obs: &[Observation]) -> Vec<Precision> {
    Precision::ALL
        .into_iter()
        .filter(|p| obs.iter().any(|o| o.precision == *p))
        .collect()
}

/// The posterior of some observations, with its summary and batch-means standard errors.
#[allow(clippy::too_many_arguments)]
fn group(
    engine: &Engine,
    hists: &Histograms,
    obs: &[Observation],
    members: &[usize],
    method: Method,
    pooled: bool,
    levels: &[f64],
    batches: &[(usize, u64)],
) -> Result<(NodePosterior, Summary), Contradiction> {
    let posterior = NodePosterior::Direct(
        engine.posterior(method, &hists.of(obs, members, method, pooled, None))?,
    );
    let batch_q: Vec<(u64, Vec<f64>)> = batches
        .par_iter()
        .filter_map(|&(b, nb)| {
            let p = engine
                .posterior(method, &hists.of(obs, members, method, pooled, Some(b)))
                .ok()?;
            Some((nb, levels.iter().map(|&l| p.quantile(l)).collect()))
        })
        .collect();
    let summary = summarize(&posterior, levels, &batch_q);
    Ok((posterior, summary))
}

/// Quantiles of the whole-run posterior, with batch-means standard errors from the
/// posteriors of the `B` batches alone. Batches may differ in size (the last chunk is
/// partial), so the estimator is the size-weighted one: with `n_b` samples in batch `b` and
/// `N` in all, `MCSE^2 = sum_b n_b (q_b - q_w)^2 / ((B - 1) N)`, `q_w` the weighted mean; for
/// equal batches it is the textbook `sd(q_b) / sqrt(B)`.
pub(crate) fn summarize(
    p: &NodePosterior,
    levels: &[f64],
    batch_quantiles: &[(u64, Vec<f64>)],
) -> Summary {
    let (mean, sd) = p.mean_sd();
    let b = batch_quantiles.len();
    let n: f64 = batch_quantiles.iter().map(|(nb, _)| *nb as f64).sum();
    let mcse = (0..levels.len())
        .map(|l| {
            (b >= 2).then(|| {
                let qw = batch_quantiles
                    .iter()
                    .map(|(nb, q)| *nb as f64 * q[l])
                    .sum::<f64>()
                    / n;
                let ss: f64 = batch_quantiles
                    .iter()
                    .map(|(nb, q)| *nb as f64 * (q[l] - qw).powi(2))
                    .sum();
                (ss / ((b - 1) as f64 * n)).sqrt()
            })
        })
        .collect();
    Summary {
        mean,
        sd,
        quantiles: levels.iter().map(|&q| p.quantile(q)).collect(),
        mcse,
    }
}
