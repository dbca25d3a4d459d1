//! From checked inputs to the calibration: sample every observation, then build the
//! posterior of every group (method x node x precision, plus the pooled and scaled rows) and
//! the per-accelerator figures derived from them.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::{Method, RunPlan};
use crate::data::{AcceleratorSpec, Dataset, Observation, Precision};
use crate::posterior::ceiling::{self, Ceilings};
use crate::posterior::frontier::{self, FrontierFit};
use crate::posterior::{Contradiction, Engine, NodePosterior, Posterior, ScaleKernel};
use crate::sampler::{
    schedule, Control, LogHistogram, ObservationModel, ObservationSamples, SampleState,
    Schedule, BATCHES,
};
use crate::stop::{Cancelled, Stop};
use crate::units;

/// The levels of a 90 % interval and its median.
pub const INTERVAL_90: [f64; 3] = [0.05, 0.5, 0.95];

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
    /// Monte Carlo standard error of each quantile, pJ/MAC, by batch means (see
    /// [`crate::sampler::schedule`]); `None` with fewer than two batches of samples.
    pub mcse: Vec<Option<f64>>,
}

impl Summary {
    /// The largest `mcse / quantile` of the row.
    pub fn max_relative_mcse(&self) -> Option<f64> {
        self.mcse
            .iter()
            .zip(&self.quantiles)
            .map(|(m, q)| m.map(|m| m / q))
            .try_fold(0.0f64, |acc, r| r.map(|r| acc.max(r)))
    }
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
    pub outcome: Result<(NodePosterior, Summary), Contradiction>,
}

/// One row of `observations.csv`: the bound `e_i` (eta = 1) of one observation.
#[derive(Debug, Clone)]
pub struct ObservationResult {
    pub observation: Observation,
    pub samples: u64,
    pub bound: Summary,
    /// The bound's 5 %, 50 % and 95 % quantiles, pJ/MAC, whatever levels the plan reports:
    /// the 90 % intervals of the pictures.
    pub bound_90: [f64; 3],
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
    /// The frontier's per-run, per-accelerator and hyperparameter figures, when the plan
    /// asks for the method.
    pub frontier: Option<FrontierFit>,
    /// The frontier's node and pooled posteriors under each alternative prior
    /// ([`crate::posterior::alternatives`]), in their order, for prior sensitivity.
    pub frontier_alternatives: Vec<Vec<frontier::GroupFit>>,
    pub observations: Vec<ObservationResult>,
    pub accelerators: Vec<AcceleratorResult>,
    pub total_samples: u64,
}

impl Calibration {
    /// The largest relative Monte Carlo standard error of any reported quantile (`None` when
    /// some row has no estimate, e.g. fewer than two batches).
    pub fn max_relative_mcse(&self) -> Option<f64> {
        self.groups
            .iter()
            .filter_map(|g| g.outcome.as_ref().ok())
            .map(|(_, s)| s.max_relative_mcse())
            .try_fold(0.0f64, |acc, r| r.map(|r| acc.max(r)))
    }

    /// Every contradiction, once per group, for messages and the manifest.
    pub fn contradictions(&self) -> impl Iterator<Item = (&GroupResult, &Contradiction)> {
        self.groups
            .iter()
            .filter_map(|g| g.outcome.as_ref().err().map(|c| (g, c)))
    }
}

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
struct Histograms<'a> {
    merged: &'a [ObservationSamples],
    state: &'a SampleState,
}

impl Histograms<'_> {
    fn pick(samples: &ObservationSamples, method: Method, pooled: bool) -> &LogHistogram {
        match (method, pooled) {
            (Method::Bound, false) => &samples.bound,
            (Method::Efficiency, false) => &samples.efficiency,
            (Method::Bound, true) => &samples.pooled_bound,
            (Method::Efficiency, true) => &samples.pooled_efficiency,
            (Method::Frontier, _) => unreachable!("the frontier is not built from histograms"),
        }
    }

    /// `(id, histogram)` of `members`, from all batches (`batch = None`) or one.
    fn of<'o>(
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
                (obs[i].id.as_str(), Self::pick(s, method, pooled))
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
    let per_obs = state.samples_per_observation();

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
            let pooled_members: Vec<usize> = (0..obs.len())
                .filter(|&i| obs[i].precision == precision)
                .collect();
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
                let members: Vec<usize> = pooled_members
                    .iter()
                    .copied()
                    .filter(|&i| obs[i].node == scale.node)
                    .collect();
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
                    (Basis::Scaled, pooled_members.len(), outcome)
                } else {
                    let outcome = group(
                        &engine, &hists, obs, &members, method, false, &levels, &batches,
                    );
                    (Basis::Observed, members.len(), outcome)
                };
                groups.push(GroupResult {
                    method,
                    node: scale.node.clone(),
                    precision,
                    basis,
                    n_observations: n,
                    samples: n as u64 * per_obs,
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
fn summarize(p: &NodePosterior, levels: &[f64], batch_quantiles: &[(u64, Vec<f64>)]) -> Summary {
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

#[allow(clippy::too_many_arguments)]
fn accelerator_rows(
    engine: &Engine,
    plan: &RunPlan,
    dataset: &Dataset,
    hists: &Histograms,
    groups: &[GroupResult],
    frontier: Option<&FrontierFit>,
    ceilings: Option<&Ceilings>,
    levels: &[f64],
) -> Result<Vec<AcceleratorResult>, Cancelled> {
    let obs = &dataset.observations;
    // Each accelerator's observations, found once: scanning every observation per accelerator
    // would cost accelerators x observations.
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
            engine.stop().check()?;
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
            if method == Method::Frontier {
                let fit = frontier.expect("fitted when the plan asks for it");
                rows.extend(frontier_accelerator_rows(plan, spec, fit, levels));
                continue;
            }
            if method == Method::Bound {
                let c = ceilings.expect("computed when the plan asks for it");
                rows.extend(bound_accelerator_rows(plan, spec, c, levels));
                continue;
            }
            let members = by_accelerator.get(&(spec.accelerator.as_str(), spec.precision));
            if let Some(members) = members {
                let outcome =
                    engine.posterior(method, &hists.of(obs, members, method, false, None));
                let quantiles = outcome.map(|p| levels.iter().map(|&l| p.quantile(l)).collect());
                rows.push(row(AcceleratorQuantity::PjPerMac, "pJ/MAC", quantiles));
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
            // Both figures fall as E rises, so their q quantile comes from E's (1 - q) quantile.
            let derived = |f: &dyn Fn(f64) -> f64| match &node_group.outcome {
                Ok((p, _)) => Ok(levels.iter().map(|&q| f(p.quantile(1.0 - q))).collect()),
                Err(c) => Err(c.clone()),
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
    Ok(rows)
}

/// One precision of a method computed by quadrature (frontier, bound): the pooled posterior
/// at the reference node and each observed node's, with their observation counts.
struct QuadratureRows {
    precision: Precision,
    pooled: (usize, Result<Posterior, Contradiction>),
    observed: Vec<(String, usize, Result<Posterior, Contradiction>)>,
}

/// The rows of `quantiles.csv` of a quadrature method: observed nodes, scaled rows (the pooled
/// posterior times the node's scale) where a node has no observations, and the pooled row.
/// Quadrature has no Monte Carlo error: its MCSE is 0.
fn quadrature_groups(
    method: Method,
    plan: &RunPlan,
    rows: Vec<QuadratureRows>,
    levels: &[f64],
    per_obs: u64,
) -> Vec<GroupResult> {
    let group =
        |node: &str, precision, basis, n: usize, p: Result<NodePosterior, Contradiction>| {
            GroupResult {
                method,
                node: node.to_string(),
                precision,
                basis,
                n_observations: n,
                samples: n as u64 * per_obs,
                outcome: p.map(|p| {
                    let s = Summary {
                        mcse: vec![Some(0.0); levels.len()],
                        ..summarize(&p, levels, &[])
                    };
                    (p, s)
                }),
            }
        };
    let mut out = Vec::new();
    for r in rows {
        let (n_pooled, pooled) = r.pooled;
        for scale in &plan.nodes {
            out.push(
                match r.observed.iter().find(|(node, _, _)| *node == scale.node) {
                    Some((node, n, p)) => group(
                        node,
                        r.precision,
                        Basis::Observed,
                        *n,
                        p.clone().map(NodePosterior::Direct),
                    ),
                    None => group(
                        &scale.node,
                        r.precision,
                        Basis::Scaled,
                        n_pooled,
                        pooled.clone().map(|p| NodePosterior::Scaled {
                            pooled: p,
                            kernel: ScaleKernel::new(&scale.scale),
                        }),
                    ),
                },
            );
        }
        out.push(group(
            &plan.reference_node,
            r.precision,
            Basis::Pooled,
            n_pooled,
            pooled.map(NodePosterior::Direct),
        ));
    }
    out
}

/// The frontier's rows of `quantiles.csv`.
fn frontier_groups(
    plan: &RunPlan,
    fit: &FrontierFit,
    levels: &[f64],
    per_obs: u64,
) -> Vec<GroupResult> {
    let rows = Precision::ALL
        .into_iter()
        .filter_map(|precision| {
            let pooled = fit
                .groups
                .iter()
                .find(|g| g.pooled && g.precision == precision)?;
            Some(QuadratureRows {
                precision,
                pooled: (pooled.n_observations, pooled.posterior.clone()),
                observed: fit
                    .groups
                    .iter()
                    .filter(|g| !g.pooled && g.precision == precision)
                    .map(|g| (g.node.clone(), g.n_observations, g.posterior.clone()))
                    .collect(),
            })
        })
        .collect();
    quadrature_groups(Method::Frontier, plan, rows, levels, per_obs)
}

/// The bound's rows of `quantiles.csv`: each observed node's ceiling, the pooled ceiling at
/// the reference node, and that times a node's scale where a node has no observations.
fn bound_groups(
    plan: &RunPlan,
    ceilings: &Ceilings,
    levels: &[f64],
    per_obs: u64,
) -> Vec<GroupResult> {
    let rows = ceilings
        .pooled
        .iter()
        .map(|(precision, n_pooled, pooled)| QuadratureRows {
            precision: *precision,
            pooled: (*n_pooled, Ok(pooled.posterior())),
            observed: ceilings
                .nodes
                .iter()
                .filter(|(_, p, _, _)| p == precision)
                .map(|(node, _, n, c)| (node.clone(), *n, Ok(c.posterior())))
                .collect(),
        })
        .collect();
    quadrature_groups(Method::Bound, plan, rows, levels, per_obs)
}

/// One chip's rows of `accelerators.csv` from its own energy posterior: the energy, its physics
/// limit (`limit`, at the plan's levels) and the throughput its power sustains. Both derived
/// figures fall as E rises, so their `q` quantile comes from E's `1 - q` quantile.
fn chip_rows(
    method: Method,
    plan: &RunPlan,
    spec: &AcceleratorSpec,
    energy: &Posterior,
    limit: Vec<f64>,
    levels: &[f64],
) -> Vec<AcceleratorResult> {
    let row = |quantity, unit, quantiles| AcceleratorResult {
        method,
        accelerator: spec.accelerator.clone(),
        node: spec.node.clone(),
        precision: spec.precision,
        quantity,
        unit,
        quantiles: Ok(quantiles),
    };
    vec![
        row(
            AcceleratorQuantity::PjPerMac,
            "pJ/MAC",
            levels.iter().map(|&l| energy.quantile(l)).collect(),
        ),
        row(AcceleratorQuantity::PhysicsLimit, "fraction", limit),
        row(
            AcceleratorQuantity::SustainableTflops,
            spec.precision.throughput_unit(),
            levels
                .iter()
                .map(|&l| sustainable(plan, spec, energy.quantile(1.0 - l)))
                .collect(),
        ),
    ]
}

/// TFLOPS the chip's power sustains at `pj_per_mac`.
fn sustainable(plan: &RunPlan, spec: &AcceleratorSpec, pj_per_mac: f64) -> f64 {
    units::sustainable_tflops(spec.tdp_w, pj_per_mac, plan.flops_per_mac)
}

/// The bound's rows of `accelerators.csv` for one spec: the chip's own ceiling, and the
/// physics limit and throughput its power sustains at that ceiling (lower bounds on both).
fn bound_accelerator_rows(
    plan: &RunPlan,
    spec: &AcceleratorSpec,
    ceilings: &Ceilings,
    levels: &[f64],
) -> Vec<AcceleratorResult> {
    let Some(c) = ceilings
        .accelerators
        .get(&(spec.accelerator.clone(), spec.precision))
    else {
        return Vec::new();
    };
    let p = c.posterior();
    let limit = levels
        .iter()
        .map(|&l| (sustainable(plan, spec, p.quantile(1.0 - l)) / spec.dense_peak_tflops).min(1.0))
        .collect();
    chip_rows(Method::Bound, plan, spec, &p, limit, levels)
}

/// The frontier's rows of `accelerators.csv` for one spec, from the chip's own posterior (not
/// its node's); its physics limit is the fit's own (it integrates the power fraction).
fn frontier_accelerator_rows(
    plan: &RunPlan,
    spec: &AcceleratorSpec,
    fit: &FrontierFit,
    levels: &[f64],
) -> Vec<AcceleratorResult> {
    let Some(a) = fit
        .accelerators
        .iter()
        .find(|a| a.accelerator == spec.accelerator && a.precision == spec.precision)
    else {
        return Vec::new();
    };
    let limit = levels
        .iter()
        .map(|&l| a.physics_limit.quantile(l))
        .collect();
    chip_rows(Method::Frontier, plan, spec, &a.energy, limit, levels)
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
