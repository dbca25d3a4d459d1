//! `[model.frontier]`: the priors of the frontier method's hyperparameters.
//!
//! Every key has a built-in default, so a config that only adds `"frontier"` to
//! `model.methods` runs. The defaults and where they come from:
//!
//! - `best_run_efficiency`, `exp(-g)`: how close the best runs come to the physics limit.
//!   The seed analysis' "software gap 5–10 %": uniform(0.90, 0.95).
//! - `inefficiency_mean`, θ: the mean of a run's own inefficiency `w ≥ 0` beyond that gap, in
//!   log units (θ = 0.3 puts a typical run 26 % further below its limit). Log-uniform over
//!   0.03–1.5: from "every run near the best" to "runs a factor 4–5 apart", as seen on one
//!   chip in the shipped data (A100 0.30–0.65, MoE runs at a third of dense ones).
//! - `inefficiency_shapes`, κ: the Gamma law's shape, uniform over a few values. κ = 1 is the
//!   textbook exponential frontier (Meeusen & van den Broeck 1977), which believes the best of
//!   a few runs sits close to the limit; larger κ puts even the best runs further below it.
//!   The prototype (`../shared/reference/frontier-model-notes.md`) found a fixed κ = 1 too
//!   optimistic and a prior over 1–6 calibrated.
//! - `architecture_spread`, τ: the scale of a half-normal prior on the spread of chips' energies
//!   around their node's, in log units; 0.3 allows chips of one node to differ by ±30 % at
//!   one standard deviation, as the shipped data's architectures (GPU, TPU, Gaudi) on 7 nm do.
//! - `mislabel_probability`, π: the chance that a published MFU is really an HFU or uses a
//!   sparse peak, and so is too high by a factor in (1, `mislabel_max_factor`]. The audit of
//!   the datasets found such rows at about this rate.

use serde::Deserialize;
use toml::Spanned;

use crate::dist::{Dist, DistSpec, Quantity};

/// `[model.frontier]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontier {
    /// `model.frontier.best_run_efficiency`: a distribution spec, fraction in (0, 1].
    pub best_run_efficiency: Option<Spanned<DistSpec>>,
    /// `model.frontier.inefficiency_mean`: a distribution spec, log units, > 0.
    pub inefficiency_mean: Option<Spanned<DistSpec>>,
    /// `model.frontier.inefficiency_shapes`: the κ values, 1 to 12 of them, each in [0.5, 50].
    pub inefficiency_shapes: Option<Spanned<Vec<f64>>>,
    /// `model.frontier.architecture_spread`: log units, in [0, 2].
    pub architecture_spread: Option<Spanned<f64>>,
    /// `model.frontier.mislabel_probability`: a probability in [0, 0.5).
    pub mislabel_probability: Option<Spanned<f64>>,
    /// `model.frontier.mislabel_max_factor`: a factor in (1, 10].
    pub mislabel_max_factor: Option<Spanned<f64>>,
}

/// The frontier method's priors, checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FrontierPriors {
    /// `exp(-g)`: MFU of the best runs / their physics limit, a fraction (`best_run_efficiency`).
    pub best_run_efficiency: Dist,
    /// θ, mean of a run's own log-inefficiency `w` (`inefficiency_mean`), log units.
    pub inefficiency_mean: Dist,
    /// κ values, equally likely a priori (`inefficiency_shapes`): 1 to 12 Gamma
    /// shapes in [0.5, 50].
    pub inefficiency_shapes: Vec<f64>,
    /// Scale of the half-normal prior of τ, the spread of `ln E` across a node's chips
    /// (`architecture_spread`), log units, in [0, 2].
    pub architecture_spread: f64,
    /// π, probability that a published MFU is too high (`mislabel_probability`), in [0, 0.5).
    pub mislabel_probability: f64,
    /// Largest factor by which a mislabelled MFU is too high (`mislabel_max_factor`), in (1, 10].
    pub mislabel_max_factor: f64,
}

impl Default for FrontierPriors {
    fn default() -> Self {
        FrontierPriors {
            best_run_efficiency: DistSpec::Uniform {
                low: 0.90,
                high: 0.95,
            }
            .resolve(Quantity::Fraction)
            .expect("valid default"),
            inefficiency_mean: DistSpec::LogUniform {
                low: 0.03,
                high: 1.5,
            }
            .resolve(Quantity::PositiveFactor)
            .expect("valid default"),
            inefficiency_shapes: vec![1.0, 2.0, 3.0, 4.0, 6.0],
            architecture_spread: 0.3,
            mislabel_probability: 0.05,
            mislabel_max_factor: 2.0,
        }
    }
}

/// A problem with one key: its byte span (if written) and the message.
pub type KeyProblem = (Option<std::ops::Range<usize>>, String, String);

/// Resolves `[model.frontier]`, collecting every problem.
pub fn resolve(raw: Option<&RawFrontier>, problems: &mut Vec<KeyProblem>) -> FrontierPriors {
    let mut out = FrontierPriors::default();
    let Some(raw) = raw else {
        return out;
    };
    let mut fail = |span: std::ops::Range<usize>, key: &str, message: String| {
        problems.push((Some(span), format!("model.frontier.{key}"), message))
    };
    if let Some(s) = &raw.best_run_efficiency {
        match s.get_ref().resolve(Quantity::Fraction) {
            Ok(d) => out.best_run_efficiency = d,
            Err(m) => fail(s.span(), "best_run_efficiency", m.into()),
        }
    }
    if let Some(s) = &raw.inefficiency_mean {
        match s.get_ref().resolve(Quantity::PositiveFactor) {
            Ok(d) if d.spec().support().1 > 5.0 => fail(
                s.span(),
                "inefficiency_mean",
                "reaches above 5 (runs e^5 = 150 times below their limit); keep it within 0.001-5"
                    .into(),
            ),
            Ok(d) if d.inverse_cdf(1e-6) < 1e-3 => fail(
                s.span(),
                "inefficiency_mean",
                "reaches below 0.001, finer than the 0.02 grid the frontier is computed on; keep it within 0.001-5".into(),
            ),
            Ok(d) => out.inefficiency_mean = d,
            Err(m) => fail(s.span(), "inefficiency_mean", m.into()),
        }
    }
    if let Some(s) = &raw.inefficiency_shapes {
        let v = s.get_ref();
        if v.is_empty()
            || v.len() > 12
            || v.iter()
                .any(|k| !(k.is_finite() && (0.5..=50.0).contains(k)))
        {
            fail(
                s.span(),
                "inefficiency_shapes",
                "must list 1 to 12 Gamma shapes, each from 0.5 to 50 (for example [1, 2, 3, 4, 6])"
                    .into(),
            );
        } else {
            out.inefficiency_shapes = v.clone();
        }
    }
    if let Some(s) = &raw.architecture_spread {
        let t = *s.get_ref();
        if !(t.is_finite() && (0.0..=2.0).contains(&t)) {
            fail(
                s.span(),
                "architecture_spread",
                format!("{} must be in [0, 2] (log units; 0 makes every chip of a node share its energy)", t),
            );
        } else {
            out.architecture_spread = t;
        }
    }
    if let Some(s) = &raw.mislabel_probability {
        let p = *s.get_ref();
        if !(p.is_finite() && (0.0..0.5).contains(&p)) {
            fail(
                s.span(),
                "mislabel_probability",
                format!("{} must be in [0, 0.5): a fraction, not a percent", p),
            );
        } else {
            out.mislabel_probability = p;
        }
    }
    if let Some(s) = &raw.mislabel_max_factor {
        let f = *s.get_ref();
        if !(f.is_finite() && f > 1.0 && f <= 10.0) {
            fail(
                s.span(),
                "mislabel_max_factor",
                format!("{} must be in (1, 10]", f),
            );
        } else {
            out.mislabel_max_factor = f;
        }
    }
    out
}

/// Equal-weight quadrature points of a distribution: its quantiles at the midpoints
/// `(i + 0.5) / n`, each standing for `1 / n` of the mass (a fixed distribution gives one).
pub fn quantile_points(dist: &Dist, n: usize) -> Vec<f64> {
    if let Some(v) = dist.fixed_value() {
        return vec![v];
    }
    (0..n)
        .map(|i| dist.inverse_cdf((i as f64 + 0.5) / n as f64))
        .collect()
}
