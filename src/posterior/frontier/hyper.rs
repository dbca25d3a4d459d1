//! The hyperparameter grid: equal-weight quadrature points of each prior.
//!
//! Each prior is represented by its quantiles at the midpoints `(i + 0.5) / n` (for κ, the
//! listed values), each carrying `1 / n` of the prior mass, and the grid is their product.
//! Posterior weights over the grid are exact for the discretised prior; the sizes were chosen
//! so that the discretisation moves no reported quantile by more than the lattice step on the
//! shipped data.

use crate::config::frontier::quantile_points;
use crate::config::FrontierPriors;

/// Quadrature points of θ, g and τ.
const THETA_POINTS: usize = 8;
const GAP_POINTS: usize = 3;
const TAU_POINTS: usize = 5;

/// The grid of hyperparameter values.
#[derive(Debug, Clone, PartialEq)]
pub struct HyperGrid {
    /// θ, mean log-inefficiency of a run beyond the gap, log units.
    pub theta: Vec<f64>,
    /// κ, shape of its Gamma law.
    pub kappa: Vec<f64>,
    /// g = -ln(best-run efficiency), log units, increasing.
    pub gap: Vec<f64>,
    /// τ, spread (sd) of chips' log energies around their node's, log units.
    pub tau: Vec<f64>,
}

/// A point of the (θ, κ, g) part of the grid; τ is looped over inside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LawPoint {
    /// Index into [`HyperGrid::theta`].
    pub theta: usize,
    /// Index into [`HyperGrid::kappa`].
    pub kappa: usize,
    /// Index into [`HyperGrid::gap`].
    pub gap: usize,
}

impl HyperGrid {
    /// The grid of `priors`: equal-mass quantile points of θ, g and τ, and the listed κ values.
    pub fn new(priors: &FrontierPriors) -> HyperGrid {
        let gap = quantile_points(&priors.best_run_efficiency, GAP_POINTS)
            .into_iter()
            .map(|eff| -eff.ln())
            .rev() // increasing g
            .collect();
        HyperGrid {
            theta: quantile_points(&priors.inefficiency_mean, THETA_POINTS),
            kappa: priors.inefficiency_shapes.clone(),
            gap,
            tau: half_normal_points(priors.architecture_spread, TAU_POINTS),
        }
    }

    /// Every (θ, κ, g) point, θ slowest.
    pub fn law_points(&self) -> Vec<LawPoint> {
        let mut out = Vec::new();
        for theta in 0..self.theta.len() {
            for kappa in 0..self.kappa.len() {
                for gap in 0..self.gap.len() {
                    out.push(LawPoint { theta, kappa, gap });
                }
            }
        }
        out
    }
}

/// Midpoint quantiles of a half-normal of scale `s` (`|N(0, s²)|`); `[0]` when `s` is 0.
fn half_normal_points(s: f64, n: usize) -> Vec<f64> {
    use statrs::distribution::{ContinuousCDF, Normal};
    if s == 0.0 {
        return vec![0.0];
    }
    let z = Normal::standard();
    (0..n)
        .map(|i| {
            let p = (i as f64 + 0.5) / n as f64;
            s * z.inverse_cdf(0.5 + 0.5 * p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_normal_points_have_its_median() {
        let p = half_normal_points(0.3, 5);
        // The middle point is the median, s * Φ^{-1}(0.75) = 0.3 * 0.6745.
        assert!((p[2] - 0.3 * 0.674_489_75).abs() < 1e-6, "{p:?}");
        assert!(p.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn default_grid_brackets_the_seed_gap() {
        let g = HyperGrid::new(&FrontierPriors::default());
        // exp(-g) in 0.90-0.95: g in 0.051-0.105.
        assert!(
            g.gap.iter().all(|&x| (0.051..=0.106).contains(&x)),
            "{:?}",
            g.gap
        );
        assert_eq!(g.law_points().len(), 8 * 5 * 3);
    }
}
