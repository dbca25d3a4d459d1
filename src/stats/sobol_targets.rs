//! Which uncertain input drives which answer: Sobol indices ([`super::sobol`]) of the MFU,
//! power fraction, peak factor, software efficiency and node scale on
//!
//! * **each observation's implied log energy at the reference node**,
//!   `ln(P k / F) + ln u + ln eta - ln m - ln c - ln s` (eta = 1 for the bound method), the
//!   quantity the pooled posterior is built from. Every term is a separate input, so the
//!   model is additive: first-order and total indices agree, and each is that input's share of
//!   the variance of `ln e` (a closed form the tests check);
//! * **each group's posterior median, conditional on the inputs**. With every input of every
//!   member observation fixed at a drawn value, each observation's implied energy `e_i` is a
//!   number, and the posterior is the prior restricted by those numbers:
//!   - bound: the prior truncated above at `min_i e_i`; its median is
//!     `F^-1(F(min_i e_i) / 2)` with `F` the prior's CDF;
//!   - efficiency: a product of point masses, defined only for a group of one observation
//!     (median `e_1`); groups of several observations get no row.
//!
//!   A scaled node's median is the pooled one times the node's scale, so that scale joins the
//!   node-scale input. The indices then say how much of the spread of the median across
//!   plausible values of the assumptions each assumption accounts for: a first-order index is
//!   the share of that spread that learning the input's true values would remove.
//!
//! Inputs follow the engine's model: each observation has its own power fraction, peak factor,
//! efficiency and node-scale draw; an input is the group of those columns across a group's
//! observations. Observations on a measured chip mean have a fixed power fraction of 1; a
//! run's own measured power carries `model.measured_power_factor` instead (see
//! [`crate::sampler::power_fraction`]).

use rayon::prelude::*;

use super::sobol::{self, Effect, Settings, SobolError};
use crate::calibrate::groups::members;
use crate::calibrate::{Basis, Calibration};
use crate::config::{Method, RunPlan};
use crate::data::{Dataset, Observation, Precision};
use crate::dist::{Dist, Sampler};
use crate::stop::{Cancelled, Stop};

/// An uncertain input of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The published MFU (uniform over its range).
    Mfu,
    /// The factor on the modelled power ([`crate::sampler::power_fraction`]): the kind's power
    /// fraction, the measured power factor, or 1.
    PowerFraction,
    /// `model.peak_factor`.
    PeakFactor,
    /// The software efficiency (`model.software_efficiency` or the kind's).
    SoftwareEfficiency,
    /// The node scale (`[nodes]`).
    NodeScale,
}

impl Input {
    /// In the order of [`SobolResult::effects`].
    pub const ALL: [Input; 5] = [
        Input::Mfu,
        Input::PowerFraction,
        Input::PeakFactor,
        Input::SoftwareEfficiency,
        Input::NodeScale,
    ];

    /// The input's name in the `input` column of `sensitivity.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Input::Mfu => "mfu",
            Input::PowerFraction => "power_fraction",
            Input::PeakFactor => "peak_factor",
            Input::SoftwareEfficiency => "software_efficiency",
            Input::NodeScale => "node_scale",
        }
    }
}

/// The output an index is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `ln` of one observation's implied energy moved to the reference node, pJ/MAC.
    ObservationLogEnergy,
    /// `ln` of a group's posterior median given every input, pJ/MAC.
    PosteriorLogMedian,
}

impl Output {
    /// The output's name in the `output` column of `sensitivity.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Output::ObservationLogEnergy => "ln_pj_per_mac_at_reference_node",
            Output::PosteriorLogMedian => "ln_posterior_median",
        }
    }
}

/// Indices of the five inputs on one output.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolResult {
    /// The method of the output.
    pub method: Method,
    /// Node of the observation or group.
    pub node: String,
    /// Precision of the observation or group.
    pub precision: Precision,
    /// `None` for an observation's output.
    pub basis: Option<Basis>,
    /// The observation's id, for an observation's output.
    pub observation: Option<String>,
    /// What the indices are about.
    pub output: Output,
    /// One per [`Input::ALL`], in that order.
    pub effects: Result<Vec<Effect>, SobolError>,
}

/// What a target evaluates from its observations' implied energies.
#[derive(Debug, Clone, Copy)]
enum Statistic {
    /// `ln e_1`.
    LogEnergy,
}

struct Target<'a> {
    result: SobolResult,
    label: String,
    members: Vec<&'a Observation>,
    with_eta: bool,
    with_scale: bool,
    target_scale: Option<Dist>,
    statistic: Statistic,
}

/// Every observation's and every group's indices, in a fixed order: per method, the
/// observations in file order, then the groups in `quantiles.csv` order.
pub fn sobol_all(
    plan: &RunPlan,
    dataset: &Dataset,
    cal: &Calibration,
    settings: Settings,
    stop: Stop,
) -> Result<Vec<SobolResult>, Cancelled> {
    let obs = &dataset.observations;
    let mut targets = Vec::new();
    // The frontier is deterministic quadrature over closed-form input laws: its variance
    // decomposition over sampled inputs is not defined the same way, so it has no targets.
    // Per-observation rows only where a reader can use them (`outputs.observation_sensitivity`).
    let per_observation = plan.observation_sensitivity.covers(obs.len());
    for &method in plan.methods.iter().filter(|&&m| m != Method::Frontier) {
        for o in obs.iter().filter(|_| per_observation) {
            targets.push(Target {
                result: SobolResult {
                    method,
                    node: o.node.clone(),
                    precision: o.precision,
                    basis: None,
                    observation: Some(o.id.clone()),
                    output: Output::ObservationLogEnergy,
                    effects: Ok(Vec::new()),
                },
                label: format!("sobol/{}/observation/{}", method.name(), o.id),
                members: vec![o],
                with_eta: method == Method::Efficiency,
                with_scale: true,
                target_scale: None,
                statistic: Statistic::LogEnergy,
            });
        }
        for g in cal.groups.iter().filter(|g| g.method == method) {
            let m: Vec<&Observation> = members(obs, g).into_iter().map(|i| &obs[i]).collect();
            let statistic = match method {
                // The bound's rows are ceilings computed in closed form, not posteriors of the
                // sampled histograms: their inputs' shares are those of the observations.
                Method::Bound => continue,
                Method::Efficiency if m.len() == 1 => Statistic::LogEnergy,
                Method::Efficiency => continue, // a product of distinct point masses
                Method::Frontier => continue,
            };
            if g.outcome.is_err() {
                continue; // contradictory: quantiles.csv says so
            }
            targets.push(Target {
                result: SobolResult {
                    method,
                    node: g.node.clone(),
                    precision: g.precision,
                    basis: Some(g.basis),
                    observation: None,
                    output: Output::PosteriorLogMedian,
                    effects: Ok(Vec::new()),
                },
                label: format!(
                    "sobol/{}/group/{}/{}/{}",
                    method.name(),
                    g.node,
                    g.precision.name(),
                    g.basis.name()
                ),
                members: m,
                with_eta: method == Method::Efficiency,
                with_scale: g.basis != Basis::Observed,
                target_scale: (g.basis == Basis::Scaled).then(|| {
                    *plan
                        .node_scale(&g.node)
                        .expect("a group's node is in [nodes]")
                }),
                statistic,
            });
        }
    }
    let results: Option<Vec<SobolResult>> = targets
        .into_par_iter()
        .map(|t| (!stop.requested()).then(|| evaluate(plan, t, settings, stop)))
        .collect();
    stop.check()?;
    results.ok_or(Cancelled)
}

fn evaluate(plan: &RunPlan, t: Target, settings: Settings, stop: Stop) -> SobolResult {
    let n = t.members.len();
    let k = plan.flops_per_mac;
    let full: Vec<f64> = t
        .members
        .iter()
        .map(|o| o.pj_per_mac_at_full_utilisation(k))
        .collect();
    let mut inputs: Vec<Vec<Sampler>> = vec![Vec::new(); 5];
    for o in &t.members {
        inputs[0].push(if o.mfu_low == o.mfu_high {
            Sampler::Fixed(o.mfu_low)
        } else {
            Sampler::Uniform {
                low: o.mfu_low,
                width: o.mfu_high - o.mfu_low,
            }
        });
        // The sampler's own per-observation inputs, so the indices describe the same model.
        inputs[1].push(crate::sampler::power_fraction(plan, o));
        inputs[2].push(crate::sampler::peak_factor(plan, o));
        if t.with_eta {
            inputs[3].push(crate::sampler::software_efficiency(plan, o));
        }
        if t.with_scale {
            let scale = plan
                .node_scale(&o.node)
                .expect("validated: node in [nodes]");
            inputs[4].push(scale.sampler());
        }
    }
    if let Some(s) = &t.target_scale {
        inputs[4].push(s.sampler());
    }
    let (n_eta, n_scale) = (inputs[3].len(), inputs[4].len());
    let prior = plan.prior;
    let f = |x: &[f64]| -> Option<f64> {
        let (mfu, rest) = x.split_at(n);
        let (power, rest) = rest.split_at(n);
        let (peak, rest) = rest.split_at(n);
        let (eta, scale) = rest.split_at(n_eta);
        debug_assert_eq!(scale.len(), n_scale);
        let implied = |i: usize| {
            let eta = eta.get(i).copied().unwrap_or(1.0);
            let s = if t.with_scale { scale[i] } else { 1.0 };
            full[i] * power[i] * eta / (mfu[i] * peak[i] * s)
        };
        let ln_target_scale = if t.target_scale.is_some() {
            scale[n_scale - 1].ln()
        } else {
            0.0
        };
        let ln_value = match t.statistic {
            Statistic::LogEnergy => {
                let e = implied(0);
                if t.result.output == Output::PosteriorLogMedian
                    && prior.ln_density_of_ln(e.ln()) == f64::NEG_INFINITY
                {
                    return None; // the point mass lies outside the prior
                }
                e.ln()
            }
        };
        Some(ln_value + ln_target_scale)
    };
    // An observation's implied log energy is a sum of logs of independent inputs: its indices
    // are exact in closed form (and cost nothing at 100,000 observations). Groups' medians
    // are not additive and keep the estimator.
    if t.result.output == Output::ObservationLogEnergy {
        if let Some(effects) = sobol::additive_log_indices(&inputs) {
            return SobolResult {
                effects,
                ..t.result
            };
        }
    }
    let seed = plan.seed;
    let effects = sobol::indices(
        &inputs,
        f,
        settings,
        &mut super::stream(seed, &t.label, 0),
        &mut super::stream(seed, &t.label, 1),
        stop,
    );
    SobolResult {
        effects,
        ..t.result
    }
}
