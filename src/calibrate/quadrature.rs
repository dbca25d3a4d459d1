//! The rows of `quantiles.csv` of the methods computed by quadrature (frontier, bound):
//! observed nodes, the pooled row, and scaled rows where a node has no observations.

use super::results::{Basis, GroupResult, Summary};
use super::summarize;
use crate::config::{Method, RunPlan};
use crate::data::Precision;
use crate::posterior::ceiling::Ceilings;
use crate::posterior::frontier::FrontierFit;
use crate::posterior::{Contradiction, NodePosterior, Posterior, ScaleKernel};

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
    // `n` observations at the node, `used` behind the posterior (the pooled ones when scaled).
    let group = |node: &str,
                 precision,
                 basis,
                 (n, used): (usize, usize),
                 p: Result<NodePosterior, Contradiction>| {
        GroupResult {
            method,
            node: node.to_string(),
            precision,
            basis,
            n_observations: n,
            n_observations_used: used,
            samples: used as u64 * per_obs,
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
                        (*n, *n),
                        p.clone().map(NodePosterior::Direct),
                    ),
                    None => group(
                        &scale.node,
                        r.precision,
                        Basis::Scaled,
                        (0, n_pooled),
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
            (n_pooled, n_pooled),
            pooled.map(NodePosterior::Direct),
        ));
    }
    out
}

/// The frontier's rows of `quantiles.csv`.
pub(super) fn frontier_groups(
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
pub(super) fn bound_groups(
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
