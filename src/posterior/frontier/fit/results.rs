//! What the frontier fit reports: node and pooled posteriors ([`GroupFit`]), each run's
//! software efficiency ([`RunFit`]), each accelerator's energy and limit ([`AcceleratorFit`]),
//! and the hyperparameters' posterior ([`HyperPosterior`]), gathered in a [`FrontierFit`].

use crate::data::Precision;
use crate::posterior::frontier::hyper::HyperGrid;
use crate::posterior::{Contradiction, Posterior};

/// A node × precision posterior of the frontier.
#[derive(Debug, Clone)]
pub struct GroupFit {
    /// The node (the reference node for the pooled group).
    pub node: String,
    /// Number format of the group's observations.
    pub precision: Precision,
    /// Every observation of the precision, moved to the reference node by its node's scale.
    pub pooled: bool,
    /// Observations behind the posterior.
    pub n_observations: usize,
    /// Posterior of the node's energy per MAC, pJ/MAC, or why its observations contradict each
    /// other.
    pub posterior: Result<Posterior, Contradiction>,
}

/// A distribution of `ln X` on a regular grid, with weights.
#[derive(Debug, Clone, PartialEq)]
pub struct LnHistogram {
    lo: f64,
    step: f64,
    mass: Vec<f64>,
}

impl LnHistogram {
    pub(super) fn new(lo: f64, hi: f64, step: f64) -> LnHistogram {
        LnHistogram {
            lo,
            step,
            mass: vec![0.0; ((hi - lo) / step).ceil() as usize + 1],
        }
    }

    #[inline]
    pub(super) fn add(&mut self, ln_x: f64, w: f64) {
        let t = ((ln_x - self.lo) / self.step).clamp(0.0, (self.mass.len() - 1) as f64);
        self.mass[t.round() as usize] += w;
    }

    pub(super) fn merge(&mut self, other: &LnHistogram) {
        self.mass
            .iter_mut()
            .zip(&other.mass)
            .for_each(|(a, b)| *a += b);
    }

    /// The `p` quantile of X, treating each bin's mass as spread over it.
    pub fn quantile(&self, p: f64) -> f64 {
        let total: f64 = self.mass.iter().sum();
        let target = p * total;
        let mut acc = 0.0;
        for (k, &m) in self.mass.iter().enumerate() {
            if acc + m >= target && m > 0.0 {
                let t = (target - acc) / m;
                return (self.lo + (k as f64 - 0.5 + t) * self.step).exp();
            }
            acc += m;
        }
        (self.lo + (self.mass.len() as f64 - 0.5) * self.step).exp()
    }
}

/// One run's frontier figures.
#[derive(Debug, Clone)]
pub struct RunFit {
    /// Index in `dataset.observations`.
    pub obs: usize,
    /// Posterior of its software efficiency `m_i / L_i` (published MFU over its limit).
    pub efficiency: LnHistogram,
    /// Posterior probability that its published MFU is mislabelled (too high).
    pub mislabel_probability: f64,
}

/// One accelerator's frontier figures.
#[derive(Debug, Clone)]
pub struct AcceleratorFit {
    /// Accelerator id.
    pub accelerator: String,
    /// The accelerator's process node.
    pub node: String,
    /// Number format of the accelerator's observations.
    pub precision: Precision,
    /// Posterior of its own energy `E_a`, pJ/MAC.
    pub energy: Posterior,
    /// Posterior of its physics limit `min(1, u P k / (c F E_a))`.
    pub physics_limit: LnHistogram,
}

/// The hyperparameters' prior points and posterior weights (each marginal sums to 1).
#[derive(Debug, Clone)]
pub struct HyperPosterior {
    /// The grid the weights are over.
    pub grid: HyperGrid,
    /// Posterior weights over `grid.theta`.
    pub theta: Vec<f64>,
    /// Posterior weights over `grid.kappa`.
    pub kappa: Vec<f64>,
    /// Over `grid.gap` (g = -ln best-run efficiency).
    pub gap: Vec<f64>,
    /// Posterior weights over `grid.tau`.
    pub tau: Vec<f64>,
}

/// Everything the frontier reports.
#[derive(Debug, Clone)]
pub struct FrontierFit {
    /// Node × precision posteriors, pooled groups included.
    pub groups: Vec<GroupFit>,
    /// Per-run figures, one per observation.
    pub runs: Vec<RunFit>,
    /// Per-accelerator figures.
    pub accelerators: Vec<AcceleratorFit>,
    /// Posterior of the hyperparameters.
    pub hyper: HyperPosterior,
}
