//! How much each posterior owes to the prior: every observed and pooled posterior recomputed
//! from the same samples under alternative priors of the energy per MAC.
//!
//! The alternatives are built from the configured prior's support `[lo, hi]` (its 0.1 % and
//! 99.9 % quantiles where the support is unbounded or reaches 0), centred on its geometric
//! middle `c = sqrt(lo hi)`, with `w = ln(hi / lo)` its width in log space:
//! * `narrow`: log-uniform over half the log width, `[c e^(-w/4), c e^(w/4)]`;
//! * `wide`: log-uniform over double the log width, `[c e^(-w), c e^(w)]`;
//! * `flat`: uniform over `[lo, hi]` (flat in the energy instead of its log), or log-uniform
//!   over `[lo, hi]` when the configured prior is itself uniform.
//!
//! A quantile that moves by more than [`PRIOR_DOMINATED_CHANGE`] (relative) under any
//! alternative is **prior-dominated**: the data do not pin it down. An alternative under which
//! the posterior vanishes (the narrow prior ends below a 12 nm chip's energy, say) conflicts
//! with the data rather than shaping them; it is reported as excluding the data and not
//! counted. The bound method's lower
//! quantiles always are: an upper bound on the energy says nothing about how low it can be,
//! so below the tightest bound its posterior is the prior's shape.
//!
//! Scaled rows (nodes without observations) are not recomputed: each is its pooled row times
//! the node's scale distribution, so it inherits the pooled row's dependence on the prior.

use rayon::prelude::*;

use crate::calibrate::groups::{group_histogram as histogram, ln_likelihood_sum, members};
use crate::calibrate::{Basis, Calibration};
use crate::config::{Method, RunPlan};
use crate::data::{Dataset, Precision};
use crate::posterior::Engine;
use crate::sampler::ObservationSamples;
use crate::stop::{Cancelled, Stop};

/// A quantile that moves by more than this (relative) under an alternative prior is flagged.
pub const PRIOR_DOMINATED_CHANGE: f64 = 0.10;

pub use crate::posterior::alternatives::{alternatives, Alternative};

/// One group's quantiles under one alternative prior.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorRow {
    /// The method whose posterior is recomputed.
    pub method: Method,
    /// Node of the group.
    pub node: String,
    /// Precision of the group.
    pub precision: Precision,
    /// Observed, scaled or pooled group.
    pub basis: Basis,
    /// The alternative prior used.
    pub alternative: Alternative,
    /// Quantiles under the configured prior, pJ/MAC, at the plan's levels.
    pub baseline: Vec<f64>,
    /// Quantiles under the alternative, pJ/MAC; `None` when prior and data do not overlap.
    pub quantiles: Option<Vec<f64>>,
}

impl PriorRow {
    /// `alternative / baseline - 1` per level.
    pub fn relative_changes(&self) -> Option<Vec<f64>> {
        self.quantiles.as_ref().map(|q| {
            q.iter()
                .zip(&self.baseline)
                .map(|(alt, base)| alt / base - 1.0)
                .collect()
        })
    }

    /// Per level: does the quantile move by more than [`PRIOR_DOMINATED_CHANGE`]? An
    /// alternative that excludes everything the data allow ([`PriorRow::excludes_data`]) says
    /// nothing about how much the prior shapes the posterior: no level counts as moved.
    pub fn dominated(&self) -> Vec<bool> {
        match self.relative_changes() {
            Some(c) => c.iter().map(|c| c.abs() > PRIOR_DOMINATED_CHANGE).collect(),
            None => vec![false; self.baseline.len()],
        }
    }

    /// The alternative rules out every energy the data allow: the posterior vanishes.
    pub fn excludes_data(&self) -> bool {
        self.quantiles.is_none()
    }
}

/// Every observed and pooled group with a posterior, under each alternative, in
/// `quantiles.csv` order (alternatives in [`alternatives`] order within a group).
pub fn prior_sensitivity(
    plan: &RunPlan,
    dataset: &Dataset,
    samples: &[ObservationSamples],
    cal: &Calibration,
    stop: Stop,
) -> Result<Vec<PriorRow>, Cancelled> {
    let alts = alternatives(&plan.prior);
    let engines: Vec<Engine> = alts
        .iter()
        .map(|a| Engine::stoppable(&a.prior, stop))
        .collect();
    let levels: Vec<f64> = plan.quantiles.iter().map(|q| q.p).collect();
    let groups: Vec<_> = cal
        .groups
        .iter()
        .filter(|g| g.basis != Basis::Scaled && g.method == Method::Efficiency)
        .filter_map(|g| g.outcome.as_ref().ok().map(|(_, s)| (g, s)))
        .collect();
    let rows: Vec<PriorRow> = groups
        .par_iter()
        .flat_map_iter(|&(g, summary)| {
            if stop.requested() {
                return Vec::new();
            }
            let hists: Vec<_> = members(&dataset.observations, g)
                .into_iter()
                .map(|i| histogram(&samples[i], g.method, g.basis))
                .collect();
            // The likelihood does not depend on the prior: one sum serves every alternative.
            let ln_lik = ln_likelihood_sum(&engines[0], g.method, &hists);
            alts.iter()
                .zip(&engines)
                .map(|(alt, engine)| PriorRow {
                    method: g.method,
                    node: g.node.clone(),
                    precision: g.precision,
                    basis: g.basis,
                    alternative: alt.clone(),
                    baseline: summary.quantiles.clone(),
                    quantiles: engine
                        .posterior_from_ln_likelihood(&ln_lik)
                        .map(|p| levels.iter().map(|&q| p.quantile(q)).collect()),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    stop.check()?;
    let mut rows = rows;
    if plan.methods.contains(&Method::Frontier) {
        rows.extend(frontier_rows(cal, &alts, &levels));
    }
    Ok(rows)
}

/// The frontier under each alternative prior, fitted with the calibration (its likelihoods
/// serve every prior: [`crate::posterior::frontier::fit_with_alternatives`]).
fn frontier_rows(cal: &Calibration, alts: &[Alternative], levels: &[f64]) -> Vec<PriorRow> {
    let mut rows = Vec::new();
    for g in cal
        .groups
        .iter()
        .filter(|g| g.method == Method::Frontier && g.basis != Basis::Scaled)
    {
        let Ok((_, summary)) = &g.outcome else {
            continue;
        };
        for (alt, fits) in alts.iter().zip(&cal.frontier_alternatives) {
            let quantiles = fits
                .iter()
                .find(|f| {
                    f.node == g.node
                        && f.precision == g.precision
                        && f.pooled == (g.basis == Basis::Pooled)
                })
                .and_then(|f| f.posterior.as_ref().ok())
                .map(|p| levels.iter().map(|&q| p.quantile(q)).collect());
            rows.push(PriorRow {
                method: Method::Frontier,
                node: g.node.clone(),
                precision: g.precision,
                basis: g.basis,
                alternative: alt.clone(),
                baseline: summary.quantiles.clone(),
                quantiles,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{DistSpec, Quantity};

    #[test]
    fn alternatives_of_the_default_prior() {
        let prior = DistSpec::LogUniform {
            low: 0.05,
            high: 20.0,
        }
        .resolve(Quantity::EnergyPrior)
        .unwrap();
        let alts = alternatives(&prior);
        let support = |a: &Alternative| a.prior.spec().support();
        // Geometric centre 1; log width ln 400: half is [1/sqrt(20), sqrt(20)], double is
        // [1/400, 400].
        let (lo, hi) = support(&alts[0]);
        assert!((lo - 20f64.sqrt().recip()).abs() < 1e-12 && (hi - 20f64.sqrt()).abs() < 1e-12);
        let (lo, hi) = support(&alts[1]);
        assert!((lo - 0.0025).abs() < 1e-15 && (hi - 400.0).abs() < 1e-9);
        assert_eq!(
            alts[2].prior.spec(),
            DistSpec::Uniform {
                low: 0.05,
                high: 20.0
            }
        );
    }

    #[test]
    fn a_uniform_prior_gets_a_log_uniform_alternative() {
        let prior = DistSpec::Uniform {
            low: 1.0,
            high: 4.0,
        }
        .resolve(Quantity::EnergyPrior)
        .unwrap();
        assert_eq!(
            alternatives(&prior)[2].prior.spec(),
            DistSpec::LogUniform {
                low: 1.0,
                high: 4.0
            }
        );
    }

    #[test]
    fn moving_more_than_ten_percent_is_prior_dominated() {
        let row = PriorRow {
            method: Method::Bound,
            node: "4nm".into(),
            precision: Precision::Bf16,
            basis: Basis::Observed,
            alternative: Alternative {
                name: "narrow",
                prior: DistSpec::LogUniform {
                    low: 0.5,
                    high: 2.0,
                }
                .resolve(Quantity::EnergyPrior)
                .unwrap(),
            },
            baseline: vec![1.0, 2.0],
            quantiles: Some(vec![1.2, 2.1]),
        };
        assert_eq!(row.dominated(), vec![true, false]);
        let gone = PriorRow {
            quantiles: None,
            ..row
        };
        assert!(gone.excludes_data());
        assert_eq!(gone.dominated(), vec![false, false]);
    }
}
