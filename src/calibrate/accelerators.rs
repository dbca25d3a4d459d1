//! The rows of `accelerators.csv`: each chip's own energy and the physics limit and
//! throughput its power sustains, per method.

use std::collections::HashMap;

use super::results::{AcceleratorQuantity, AcceleratorResult, Basis, GroupResult};
use super::Histograms;
use crate::config::{Method, RunPlan};
use crate::data::{AcceleratorSpec, Dataset, Precision};
use crate::posterior::ceiling::Ceilings;
use crate::posterior::frontier::FrontierFit;
use crate::posterior::{Engine, Posterior};
use crate::stop::Cancelled;
use crate::units;

#[allow(clippy::too_many_arguments)]
pub(super) fn accelerator_rows(
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
