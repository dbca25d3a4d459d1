//! Alternative priors of the energy per MAC, for prior sensitivity.
//!
//! The alternatives are built from the configured prior's support `[lo, hi]` (its 0.1 % and
//! 99.9 % quantiles where the support is unbounded or reaches 0), centred on its geometric
//! middle `c = sqrt(lo hi)`, with `w = ln(hi / lo)` its width in log space:
//! * `narrow`: log-uniform over half the log width, `[c e^(-w/4), c e^(w/4)]`;
//! * `wide`: log-uniform over double the log width, `[c e^(-w), c e^(w)]`;
//! * `flat`: uniform over `[lo, hi]` (flat in the energy instead of its log), or log-uniform
//!   over `[lo, hi]` when the configured prior is itself uniform.

use crate::dist::REPRESENTABLE;
use crate::dist::{Dist, DistSpec, Quantity};

/// An alternative prior and its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// `narrow`, `wide` or `flat`.
    pub name: &'static str,
    /// The alternative prior of the energy per MAC, pJ/MAC.
    pub prior: Dist,
}

/// The three alternatives to `prior` (module documentation).
pub fn alternatives(prior: &Dist) -> Vec<Alternative> {
    let (lo, hi) = prior.spec().support();
    let lo = if lo > 0.0 && lo.is_finite() {
        lo
    } else {
        prior.inverse_cdf(1e-3)
    };
    let hi = if hi.is_finite() {
        hi
    } else {
        prior.inverse_cdf(1.0 - 1e-3)
    };
    let (centre, w) = ((lo * hi).sqrt(), (hi / lo).ln());
    // Every alternative stays inside the range posteriors are computed on (a prior must keep
    // 99 % of its mass there): `wide` of a prior spanning 1e-4 to 1e4 would otherwise reach
    // 1e-12 to 1e12 and be refused. The shipped prior's alternatives are far inside it.
    let (min, max) = REPRESENTABLE;
    let (lo, hi) = (lo.max(min), hi.min(max));
    let log_uniform = |low: f64, high: f64| DistSpec::LogUniform {
        low: low.max(min),
        high: high.min(max),
    };
    let flat = match prior.spec() {
        DistSpec::Uniform { .. } => log_uniform(lo, hi),
        _ => DistSpec::Uniform { low: lo, high: hi },
    };
    [
        (
            "narrow",
            log_uniform(centre * (-w / 4.0).exp(), centre * (w / 4.0).exp()),
        ),
        ("wide", log_uniform(centre * (-w).exp(), centre * w.exp())),
        ("flat", flat),
    ]
    .into_iter()
    // An alternative that still does not resolve is left out rather than taking the run down.
    .filter_map(|(name, spec)| {
        let prior = spec.resolve(Quantity::EnergyPrior).ok()?;
        Some(Alternative { name, prior })
    })
    .collect()
}
