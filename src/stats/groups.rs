//! Which observations a calibration group is built from, and which of their histograms, by
//! the same rules as [`crate::calibrate`]: an observed group holds the observations of its node
//! and precision (implied energies at their own node); pooled and scaled groups hold every
//! observation of the precision, moved to the reference node.

use crate::calibrate::{Basis, GroupResult};
use crate::config::Method;
use crate::data::Observation;
use crate::posterior::grid::LEN;
use crate::posterior::likelihood::LnLikelihoodSum;
use crate::posterior::Engine;
use crate::sampler::{LogHistogram, ObservationSamples};

/// Indices (into the dataset's observations) of the group's members.
pub fn members(observations: &[Observation], group: &GroupResult) -> Vec<usize> {
    (0..observations.len())
        .filter(|&i| {
            let o = &observations[i];
            o.precision == group.precision
                && (group.basis != Basis::Observed || o.node == group.node)
        })
        .collect()
}

/// The histogram a method uses for an observation: at its own node, or moved to the
/// reference node (pooled and scaled groups).
pub fn histogram(samples: &ObservationSamples, method: Method, basis: Basis) -> &LogHistogram {
    match (method, basis) {
        (Method::Bound, Basis::Observed) => &samples.bound,
        (Method::Efficiency, Basis::Observed) => &samples.efficiency,
        (Method::Bound, _) => &samples.pooled_bound,
        (Method::Efficiency, _) => &samples.pooled_efficiency,
        (Method::Frontier, _) => unreachable!("the frontier's analyses do not use histograms"),
    }
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
