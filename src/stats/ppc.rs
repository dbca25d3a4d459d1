//! Posterior predictive checks: for each observation, how probable an MFU at least as high as
//! the published one is, given what the calibration learnt.
//!
//! **The predictive MFU.** Draw the energy `E` from a posterior of the observation's node and
//! precision, then fresh inputs of the observation (its MFU uniformly over the published range,
//! the power fraction `u`, peak factor `c` and, for the efficiency method, the software
//! efficiency `eta`), and compute the replicated MFU
//!
//! * efficiency method: `m_rep = eta u P k / (c F E)`, the MFU the method's own generative
//!   model predicts (software efficiency times the physics limit);
//! * bound method: `m_rep = u P k / (c F E)`, the physics limit itself. The bound model does
//!   not predict an MFU, only its ceiling: any MFU up to the limit is possible.
//!
//! The check is `p = Pr(m_rep >= m_obs)`. Since `m_rep >= m_obs` exactly when the
//! observation's implied energy `e_i` (the same inputs, at `m_obs`) is at least `E`,
//! `p = E_post[Pr(e_i >= E)]`: the posterior expectation of the survival function of the
//! observation's histogram, an integral on the posterior grid; no further sampling.
//!
//! **Which posterior.** `p_posterior` uses the posterior of the observation's group (every
//! observation of its node and precision: the classic posterior predictive p-value, Gelman
//! et al., *Bayesian Data Analysis*, 3rd ed., section 6.3). `p_loo` leaves the observation
//! out, so an outlier cannot pull the posterior toward itself and hide; for the only
//! observation of a group it is the prior predictive.
//!
//! **Suspects.** An observation is suspect when `p` falls in the extreme [`TAIL`] of either
//! side; `p_loo` decides where the other observations give a posterior, `p_posterior`
//! otherwise (a prior predictive is not a check). `p < 0.01`: the published MFU is higher than
//! the model allows (an HFU figure labelled MFU, a TDP or peak too low in the dataset).
//! `p > 0.99` (efficiency only): far lower than predicted (a TDP or peak too high, a workload
//! unlike the others). Under the bound method a low MFU is no evidence of anything, so only
//! the lower tail of `p` counts; and since the bound posterior's low tail is the prior's, a
//! run is flagged only when it implies an energy that the other runs and the prior leave
//! almost no room for.

use rayon::prelude::*;

use crate::calibrate::groups::{group_histogram as histogram, members};
use crate::calibrate::{Basis, Calibration};
use crate::config::{Method, RunPlan};
use crate::data::Dataset;
use crate::posterior::likelihood::LnLikelihoodSum;
use crate::posterior::{Engine, Posterior};
use crate::sampler::ObservationSamples;
use crate::stop::{Cancelled, Stop};

/// Two-sided tail probability that makes an observation suspect.
pub const TAIL: f64 = 0.01;

/// Posterior probability of a mislabel above which the frontier names a run as suspect.
pub const MISLABELLED: f64 = 0.5;

/// Which way an observation is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspect {
    /// `p < TAIL`: the published MFU is higher than the model allows.
    High,
    /// `p > 1 - TAIL` (efficiency method): far lower than predicted.
    Low,
}

impl Suspect {
    /// The name written in the `suspect` column of `ppc.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Suspect::High => "mfu_too_high",
            Suspect::Low => "mfu_too_low",
        }
    }
}

/// The check of one observation under one method.
#[derive(Debug, Clone, PartialEq)]
pub struct PpcRow {
    /// The method checked.
    pub method: Method,
    /// Index into the dataset's observations.
    pub observation: usize,
    /// Other observations of its node and precision.
    pub n_others: usize,
    /// `Pr(m_rep >= m_obs)` under the group's posterior; `None` when it is contradictory.
    pub p_posterior: Option<f64>,
    /// The same without the observation; `None` when the others contradict each other.
    pub p_loo: Option<f64>,
    /// Frontier only: the posterior probability that the published MFU is too high.
    pub p_mislabelled: Option<f64>,
    /// Why the observation is suspect, if it is.
    pub suspect: Option<Suspect>,
    /// `ok`, or why a probability is missing or not used.
    pub status: &'static str,
}

/// Every observation under every method, methods in plan order, observations in file order.
pub fn ppc_all(
    plan: &RunPlan,
    dataset: &Dataset,
    samples: &[ObservationSamples],
    cal: &Calibration,
    stop: Stop,
) -> Result<Vec<PpcRow>, Cancelled> {
    let engine = Engine::stoppable(&plan.prior, stop);
    let groups: Vec<_> = cal
        .groups
        .iter()
        .filter(|g| g.basis == Basis::Observed && g.method == Method::Efficiency)
        .collect();
    let per_group: Option<Vec<Vec<PpcRow>>> = groups
        .par_iter()
        .map(|g| {
            let idx = members(&dataset.observations, g);
            check_group(&engine, g.method, &idx, samples)
        })
        .collect();
    stop.check()?;
    let mut rows: Vec<PpcRow> = per_group.ok_or(Cancelled)?.into_iter().flatten().collect();
    if let Some(fit) = &cal.frontier {
        rows.extend(fit.runs.iter().map(|r| PpcRow {
            method: Method::Frontier,
            observation: r.obs,
            n_others: 0,
            p_posterior: None,
            p_loo: None,
            p_mislabelled: Some(r.mislabel_probability),
            suspect: (r.mislabel_probability > MISLABELLED).then_some(Suspect::High),
            status: "frontier: the posterior probability that the published MFU is too high (an HFU or a sparse peak read as MFU)",
        }));
    }
    let method_rank = |m: Method| plan.methods.iter().position(|&x| x == m);
    rows.sort_by_key(|r| (method_rank(r.method), r.observation));
    Ok(rows)
}

fn check_group(
    engine: &Engine,
    method: Method,
    idx: &[usize],
    samples: &[ObservationSamples],
) -> Option<Vec<PpcRow>> {
    let hists: Vec<_> = idx
        .iter()
        .map(|&i| histogram(&samples[i], method, Basis::Observed))
        .collect();
    // The sum of the log-likelihoods on the prior's window, kept so that leaving one out is a
    // subtraction: O(window) per observation, not O(group x window). Each observation's own
    // log-likelihood is computed again when it is left out rather than kept: a group of
    // 100,000 would otherwise hold 100,000 of them at once.
    let sum = LnLikelihoodSum::new(
        vec![0.0; engine.window_len()],
        engine.in_blocks(&hists, |h| engine.ln_likelihood(method, h)),
    );
    let full = engine.posterior_from_window(&sum.total());
    let n = idx.len();
    // p = E_post[Pr(e_i >= E)], the survival function evaluated only where the posterior lives.
    let predictive = |post: &Posterior, k: usize| {
        let survival: Vec<f64> = hists[k]
            .cdf_many(post.points())
            .into_iter()
            .map(|c| 1.0 - c)
            .collect();
        post.expectation(&survival)
    };
    (0..n)
        .into_par_iter()
        .map(|k| {
            if engine.stop().requested() {
                return None;
            }
            let p_posterior = full.as_ref().map(|p| predictive(p, k));
            let own = engine.ln_likelihood(method, hists[k]);
            let loo = engine.posterior_from_window(&sum.without(&own));
            let p_loo = loo.as_ref().map(|p| predictive(p, k));
            let (judge, status) = match (n > 1, p_loo, p_posterior) {
                (true, Some(p), Some(_)) => (Some(p), "ok"),
                (true, Some(p), None) => (
                    Some(p),
                    "the group's posterior is contradictory: judged on p_loo",
                ),
                (true, None, _) => (
                    None,
                    "contradictory: the other observations of the group contradict each other",
                ),
                (false, _, Some(p)) => (
                    Some(p),
                    "only observation of its group: judged on p_posterior (p_loo is the prior predictive)",
                ),
                (false, _, None) => (None, "contradictory: outside the prior"),
            };
            let suspect = judge.and_then(|p| {
                if p < TAIL {
                    Some(Suspect::High)
                } else if p > 1.0 - TAIL && method == Method::Efficiency {
                    Some(Suspect::Low)
                } else {
                    None
                }
            });
            Some(PpcRow {
                method,
                observation: idx[k],
                n_others: n - 1,
                p_posterior,
                p_loo,
                p_mislabelled: None,
                suspect,
                status,
            })
        })
        .collect()
}
