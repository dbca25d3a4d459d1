//! The one grouping rule: which observations a calibration group is built from, and which of
//! their histograms. An observed group holds the observations of its node and precision
//! (implied energies at their own node); pooled and scaled groups hold every observation of
//! the precision, moved to the reference node. The calibration and every analysis of a
//! group ([`crate::stats`]) go through these functions, so they cannot drift apart.

use super::results::{Basis, GroupResult};
use crate::config::Method;
use crate::data::{Observation, Precision};
use crate::posterior::grid::LEN;
use crate::posterior::likelihood::LnLikelihoodSum;
use crate::posterior::Engine;
use crate::sampler::{LogHistogram, ObservationSamples};

/// Indices (into `observations`) of the observations of `precision`, at `node` or, with
/// `None`, at every node (the pooled and scaled groups).
pub fn members_at(
    observations: &[Observation],
    precision: Precision,
    node: Option<&str>,
) -> Vec<usize> {
    (0..observations.len())
        .filter(|&i| {
            let o = &observations[i];
            o.precision == precision && node.is_none_or(|n| o.node == n)
        })
        .collect()
}

/// Indices (into the dataset's observations) of the group's members.
pub fn members(observations: &[Observation], group: &GroupResult) -> Vec<usize> {
    let node = (group.basis == Basis::Observed).then_some(group.node.as_str());
    members_at(observations, group.precision, node)
}

/// The histogram a method uses for an observation: at its own node, or moved to the
/// reference node (`pooled`: pooled and scaled groups).
pub fn histogram(samples: &ObservationSamples, method: Method, pooled: bool) -> &LogHistogram {
    match (method, pooled) {
        (Method::Bound, false) => &samples.bound,
        (Method::Efficiency, false) => &samples.efficiency,
        (Method::Bound, true) => &samples.pooled_bound,
        (Method::Efficiency, true) => &samples.pooled_efficiency,
        (Method::Frontier, _) => unreachable!("the frontier is not built from histograms"),
    }
}

/// The histogram of a group's observation ([`histogram`], pooled unless the group is observed).
pub fn group_histogram(
    samples: &ObservationSamples,
    method: Method,
    basis: Basis,
) -> &LogHistogram {
    histogram(samples, method, basis != Basis::Observed)
}

/// The sum of the observations' log-likelihoods on the whole posterior grid (0 everywhere
/// for none: the posterior is then the prior), in time linear in the group's size.
pub fn ln_likelihood_sum(engine: &Engine, method: Method, hists: &[&LogHistogram]) -> Vec<f64> {
    LnLikelihoodSum::new(
        vec![0.0; LEN],
        engine.in_blocks(hists, |h| engine.ln_likelihood_on_grid(method, h)),
    )
    .total()
}
