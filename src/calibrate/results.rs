//! What a calibration computes: the rows of `quantiles.csv` ([`GroupResult`]),
//! `observations.csv` ([`ObservationResult`]) and `accelerators.csv` ([`AcceleratorResult`]),
//! gathered in a [`Calibration`]. Plain data; [`super::calibrate`] fills it.

use crate::config::Method;
use crate::data::{Observation, Precision};
use crate::posterior::frontier::{self, FrontierFit};
use crate::posterior::{Contradiction, NodePosterior};

/// The levels of a 90 % interval and its median.
pub const INTERVAL_90: [f64; 3] = [0.05, 0.5, 0.95];

/// How a group's posterior was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// From the observations on this node.
    Observed,
    /// No observations on this node: the pooled posterior times the node's scale.
    Scaled,
    /// Every observation of the precision, moved to the reference node.
    Pooled,
}

impl Basis {
    /// The value of the `basis` column.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Observed => "observed",
            Basis::Scaled => "scaled",
            Basis::Pooled => "pooled",
        }
    }
}

/// A posterior's reported numbers, pJ/MAC.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Posterior mean, pJ/MAC.
    pub mean: f64,
    /// Posterior standard deviation, pJ/MAC.
    pub sd: f64,
    /// Quantiles, pJ/MAC, at the plan's quantile levels.
    pub quantiles: Vec<f64>,
    /// Monte Carlo standard error of each quantile, pJ/MAC, by batch means (see
    /// [`crate::sampler::schedule`]); `None` with fewer than two batches of samples.
    pub mcse: Vec<Option<f64>>,
}

impl Summary {
    /// The largest `mcse / quantile` of the row.
    pub fn max_relative_mcse(&self) -> Option<f64> {
        self.mcse
            .iter()
            .zip(&self.quantiles)
            .map(|(m, q)| m.map(|m| m / q))
            .try_fold(0.0f64, |acc, r| r.map(|r| acc.max(r)))
    }
}

/// One row of `quantiles.csv`.
#[derive(Debug, Clone)]
pub struct GroupResult {
    /// The method the posterior comes from.
    pub method: Method,
    /// The node, e.g. `"7nm"` (the reference node for the pooled row).
    pub node: String,
    /// Number format of the group; each precision is calibrated on its own.
    pub precision: Precision,
    /// Observed on the node, scaled from the pooled row, or pooled.
    pub basis: Basis,
    /// Observations at this node: 0 for a scaled (extrapolated) row; for the pooled row,
    /// every observation of the precision.
    pub n_observations: usize,
    /// Observations the row's posterior is built from: `n_observations` for observed and
    /// pooled rows, the pooled row's for a scaled row.
    pub n_observations_used: usize,
    /// Monte Carlo samples behind the row (of the observations used).
    pub samples: u64,
    /// The posterior and its numbers, or why the observations contradict each other.
    pub outcome: Result<(NodePosterior, Summary), Contradiction>,
}

/// One row of `observations.csv`: the bound `e_i` (eta = 1) of one observation.
#[derive(Debug, Clone)]
pub struct ObservationResult {
    /// The observation, joined with its accelerator.
    pub observation: Observation,
    /// Monte Carlo samples drawn for it.
    pub samples: u64,
    /// Quantiles of the bound `e_i`, pJ/MAC, at the plan's levels.
    pub bound: Summary,
    /// The bound's 5 %, 50 % and 95 % quantiles, pJ/MAC, whatever levels the plan reports:
    /// the 90 % intervals of the pictures.
    pub bound_90: [f64; 3],
}

/// What an `accelerators.csv` row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceleratorQuantity {
    /// Posterior from the accelerator's own observations.
    PjPerMac,
    /// `min(1, P k / (E F))`: the largest MFU the board's power allows, from its node's
    /// posterior. Capped at 1: where power would allow more than the peak, the peak binds.
    PhysicsLimit,
    /// `P k / E`: dense throughput the board's power sustains, from its node's posterior.
    SustainableTflops,
}

impl AcceleratorQuantity {
    /// The value of the `quantity` column.
    pub fn name(self) -> &'static str {
        match self {
            AcceleratorQuantity::PjPerMac => "pj_per_mac",
            AcceleratorQuantity::PhysicsLimit => "physics_limit",
            AcceleratorQuantity::SustainableTflops => "sustainable_tflops",
        }
    }
}

/// One row of `accelerators.csv`.
#[derive(Debug, Clone)]
pub struct AcceleratorResult {
    /// The method the node posterior comes from.
    pub method: Method,
    /// Accelerator id.
    pub accelerator: String,
    /// The accelerator's process node, e.g. `"7nm"`.
    pub node: String,
    /// Precision of the accelerator row (its peak and its energy).
    pub precision: Precision,
    /// What the row reports.
    pub quantity: AcceleratorQuantity,
    /// Unit of the quantiles: `pJ/MAC`, `fraction`, or the precision's throughput unit (`TFLOPS`,
    /// `TOPS`).
    pub unit: &'static str,
    /// Quantiles at the plan's levels, or the contradiction of the posterior they come from.
    pub quantiles: Result<Vec<f64>, Contradiction>,
}

/// Everything a run computes.
pub struct Calibration {
    /// Rows of `quantiles.csv`: one per method, precision and node, plus each pooled row.
    pub groups: Vec<GroupResult>,
    /// The frontier's per-run, per-accelerator and hyperparameter figures, when the plan
    /// asks for the method.
    pub frontier: Option<FrontierFit>,
    /// The frontier's node and pooled posteriors under each alternative prior
    /// ([`crate::posterior::alternatives`]), in their order, for prior sensitivity.
    pub frontier_alternatives: Vec<Vec<frontier::GroupFit>>,
    /// Rows of `observations.csv`, in file order.
    pub observations: Vec<ObservationResult>,
    /// Rows of `accelerators.csv`.
    pub accelerators: Vec<AcceleratorResult>,
    /// Samples drawn in all: samples per observation times observations.
    pub total_samples: u64,
}

impl Calibration {
    /// The largest relative Monte Carlo standard error of any reported quantile (`None` when
    /// some row has no estimate, e.g. fewer than two batches).
    pub fn max_relative_mcse(&self) -> Option<f64> {
        self.groups
            .iter()
            .filter_map(|g| g.outcome.as_ref().ok())
            .map(|(_, s)| s.max_relative_mcse())
            .try_fold(0.0f64, |acc, r| r.map(|r| acc.max(r)))
    }

    /// Every contradiction, once per group, for messages and the manifest.
    pub fn contradictions(&self) -> impl Iterator<Item = (&GroupResult, &Contradiction)> {
        self.groups
            .iter()
            .filter_map(|g| g.outcome.as_ref().err().map(|c| (g, c)))
    }
}
