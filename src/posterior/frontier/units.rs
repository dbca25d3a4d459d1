//! The frontier's view of the data: each (accelerator, precision) with its runs, each run with
//! its published MFU cell, its energy at full utilisation and what its power figure shares.

use super::lattice::{OffsetKernel, H};
use super::terms::{benchmark_term, MfuCell, TrainingLaw};
use crate::config::frontier::quantile_points;
use crate::config::RunPlan;
use crate::data::{Dataset, Observation, PowerBasis, Precision};
use crate::dist::Dist;

/// Quadrature points of a run's own power factor (a measured power's uncertainty, a
/// benchmark's power fraction): the likelihood is smooth in them, so a few suffice.
const OWN_POWER_POINTS: usize = 12;
/// Quadrature points of the peak factor `c` when it is not fixed.
const PEAK_POINTS: usize = 8;

/// What kind of evidence a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A published training run: its MFU sits below the limit by the gap `g`, its own inefficiency
    /// `w`, and possibly a mislabel.
    Training,
    /// A matmul benchmark: its gap to the limit follows
    /// `model.kinds.matmul_benchmark.software_efficiency`, with no run inefficiency and no
    /// mislabel.
    MatmulBenchmark,
}

/// Which power the run's limit uses.
#[derive(Debug, Clone, PartialEq)]
pub enum RunPower {
    /// The board figure times the chip's power fraction `u_a`, shared by its runs.
    SharedFraction,
    /// Its own factor, independent of other runs: `(ln factor, weight)` points.
    Own(Vec<(f64, f64)>),
}

/// One observation as the frontier sees it.
#[derive(Debug, Clone)]
pub struct RunUnit {
    /// Index in `dataset.observations`.
    pub obs: usize,
    /// Training run or matmul benchmark.
    pub kind: RunKind,
    /// Where its log-inefficiency must fall, from its MFU range.
    pub cell: MfuCell,
    /// `ln(P k / F)`, pJ/MAC: the energy at which this run's limit is 1 with every factor 1.
    pub ln_k: f64,
    /// Which power its limit uses.
    pub power: RunPower,
    /// Whether the chip's peak factor applies (not to benchmarks: their MFU is MAMF over the
    /// dataset's peak by construction).
    pub peak_factor: bool,
    /// Sub-points of the published range for the efficiency report (`-ln m`).
    pub neg_ln_mfu: Vec<f64>,
    /// The published MFU range.
    pub mfu: (f64, f64),
    /// The law of the run's own power factor, where it has one.
    pub own_power: Option<Dist>,
}

impl RunUnit {
    /// `ℓ = -ln L` at chip log-energy `x`, shared log power fraction `ln_u`, log peak factor
    /// `ln_c` and the run's own log power factor `ln_f`.
    #[inline]
    pub fn ell(&self, x: f64, ln_u: f64, ln_c: f64, ln_f: f64) -> f64 {
        let c = if self.peak_factor { ln_c } else { 0.0 };
        (x - self.ln_k - ln_u - ln_f + c).max(0.0)
    }

    /// The run's term (and its mislabel part) at `x`, given the shared factors, averaged over
    /// its own power factor. `law` is `None` for a benchmark.
    pub fn term(
        &self,
        x: f64,
        ln_u: f64,
        ln_c: f64,
        law: Option<&TrainingLaw>,
        benchmark_efficiency: &Dist,
    ) -> (f64, f64) {
        let one = |ln_f: f64| -> (f64, f64) {
            let ell = self.ell(x, ln_u, ln_c, ln_f);
            match (self.kind, law) {
                (RunKind::Training, Some(law)) => law.term(self.cell, ell),
                _ => (benchmark_term(benchmark_efficiency, self.cell, ell), 0.0),
            }
        };
        match &self.power {
            RunPower::SharedFraction => one(0.0),
            RunPower::Own(points) => points.iter().fold((0.0, 0.0), |(t, w), &(ln_f, p)| {
                let (a, b) = one(ln_f);
                (t + p * a, w + p * b)
            }),
        }
    }
}

/// One (accelerator, precision) with observations.
#[derive(Debug, Clone)]
pub struct AcceleratorUnit {
    /// Accelerator id.
    pub accelerator: String,
    /// The accelerator's process node.
    pub node: String,
    /// Number format of the accelerator's observations.
    pub precision: Precision,
    /// `ln(P k / F)` of the spec, pJ/MAC, for its physics limit.
    pub ln_k: f64,
    /// Training runs whose power is the board figure times the shared fraction.
    pub shared: Vec<RunUnit>,
    /// Every other run: benchmarks, measured power.
    pub own: Vec<RunUnit>,
    /// Cell weights of `ln u_a` (a point at 0 when the power is a measured mean).
    pub power_kernel: OffsetKernel,
}

impl AcceleratorUnit {
    /// Every run of the accelerator: shared-fraction runs first, then the others.
    pub fn runs(&self) -> impl Iterator<Item = &RunUnit> {
        self.shared.iter().chain(&self.own)
    }
}

/// The frontier's inputs: accelerator units in dataset order of first appearance.
pub fn accelerator_units(plan: &RunPlan, dataset: &Dataset) -> Vec<AcceleratorUnit> {
    let k = plan.flops_per_mac;
    let mut units: Vec<AcceleratorUnit> = Vec::new();
    // Indexed, not searched: a scale run has 10,000 accelerators and 100,000 observations.
    let mut index: std::collections::HashMap<(&str, Precision), usize> =
        std::collections::HashMap::new();
    let power_kernel = |basis: PowerBasis| match basis {
        PowerBasis::BoardTdp => log_kernel(&plan.power_fraction),
        PowerBasis::ChipMeasuredMean => OffsetKernel::point(0.0),
    };
    for (i, obs) in dataset.observations.iter().enumerate() {
        let position = *index
            .entry((obs.accelerator.as_str(), obs.precision))
            .or_insert_with(|| {
                let spec = dataset
                    .accelerator(&obs.accelerator, obs.precision)
                    .expect("checked: every observation's accelerator exists");
                units.push(AcceleratorUnit {
                    accelerator: obs.accelerator.clone(),
                    node: obs.node.clone(),
                    precision: obs.precision,
                    ln_k: crate::units::pj_per_mac(
                        spec.tdp_w,
                        crate::units::peak_flops_per_s(spec.dense_peak_tflops),
                        k,
                    )
                    .ln(),
                    shared: Vec::new(),
                    own: Vec::new(),
                    power_kernel: power_kernel(spec.power_basis),
                });
                units.len() - 1
            });
        let unit = &mut units[position];
        let run = run_unit(plan, i, obs);
        if run.power == RunPower::SharedFraction && obs.power_basis == PowerBasis::BoardTdp {
            unit.shared.push(run);
        } else {
            unit.own.push(run);
        }
    }
    units
}

fn run_unit(plan: &RunPlan, i: usize, obs: &Observation) -> RunUnit {
    let k = plan.flops_per_mac;
    let (kind, measured_w) = evidence_of(obs);
    // The same power model as the sampler's (`crate::sampler::power_fraction`): a measured
    // run power has its own uncertainty, a benchmark on a board figure its own fraction, a
    // training run on a board figure the chip's shared fraction, a measured chip mean none.
    let own_power = match (kind, measured_w, obs.power_basis) {
        (_, Some(_), _) => Some(plan.measured_power_factor),
        (RunKind::MatmulBenchmark, None, PowerBasis::BoardTdp) => {
            Some(plan.benchmark.power_fraction)
        }
        _ => None,
    };
    let ln_k = obs.pj_per_mac_at_full_utilisation(k).ln();
    let power = match &own_power {
        Some(d) => RunPower::Own(log_points(d)),
        None => RunPower::SharedFraction,
    };
    let (a, b) = (-obs.mfu_high.ln(), -obs.mfu_low.ln());
    let neg_ln_mfu = if b - a < H {
        vec![0.5 * (a + b)]
    } else {
        (0..4)
            .map(|s| a + (s as f64 + 0.5) / 4.0 * (b - a))
            .collect()
    };
    RunUnit {
        obs: i,
        kind,
        cell: MfuCell::new(obs.mfu_low, obs.mfu_high),
        ln_k,
        power,
        peak_factor: kind == RunKind::Training,
        neg_ln_mfu,
        mfu: (obs.mfu_low, obs.mfu_high),
        own_power,
    }
}

/// The kind of an observation and its measured power per chip, if published.
fn evidence_of(obs: &Observation) -> (RunKind, Option<f64>) {
    let kind = match obs.kind {
        crate::data::ObservationKind::Training => RunKind::Training,
        crate::data::ObservationKind::MatmulBenchmark => RunKind::MatmulBenchmark,
    };
    (kind, obs.power_w_measured)
}

/// Equal-weight quadrature of `ln X`.
pub fn log_points(dist: &Dist) -> Vec<(f64, f64)> {
    let points = quantile_points(dist, OWN_POWER_POINTS);
    let w = 1.0 / points.len() as f64;
    points.into_iter().map(|p| (p.ln(), w)).collect()
}

/// Quadrature of the peak factor's log: `(ln c, weight)`.
pub fn peak_points(dist: &Dist) -> Vec<(f64, f64)> {
    let points = quantile_points(dist, PEAK_POINTS);
    let w = 1.0 / points.len() as f64;
    points.into_iter().map(|p| (p.ln(), w)).collect()
}

/// Cell weights of `ln X` on the lattice.
pub fn log_kernel(dist: &Dist) -> OffsetKernel {
    if let Some(v) = dist.fixed_value() {
        return OffsetKernel::point(v.ln());
    }
    let lo = dist.inverse_cdf(1e-9).max(1e-300).ln();
    let hi = dist.inverse_cdf(1.0 - 1e-9).ln();
    OffsetKernel::from_cdf(lo, hi, |t| dist.cdf(t.exp()))
}
