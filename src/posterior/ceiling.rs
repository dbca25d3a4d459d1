//! The `bound` method: the ceiling `C = min_i e_i` over a node's runs and benchmarks.
//!
//! Each observation's implied energy `e_i = u P k / (m c F)` is at least its chip's energy
//! (the board cannot draw more than its power). So whatever the prior, the smallest of them is
//! at least the energy of the node's most efficient chip, and the `p` quantile of `C` is an
//! upper bound on that energy with probability at least `p`. No prior on `E` enters.
//!
//! The power fraction `u_a` and peak factor `c_a` are drawn once per accelerator and shared by
//! its runs (drawing them per run, as a posterior of independent observations does, makes the
//! ceiling fall as runs are added: the minimum of many independent draws). Given them, runs
//! are independent, so
//!
//! ```text
//! Pr(C > y) = Π_a E_{u_a, c_a}[ Π_{i on a} Pr(e_i > y | u_a, c_a) ]
//! ```
//!
//! with `Pr(e_i > y | u, c) = Pr(m_i < u P k / (c F y))`, closed-form for an MFU uniform on
//! its range, and the expectations by quadrature over the laws' quantiles. Runs with their own
//! power factor (a measured power, a benchmark's power fraction) average over it inside the
//! product. The pooled ceiling moves each node's ceiling to the reference node by its scale
//! (shared by the node's chips): `Pr(C_ref > y) = Π_n E_s[Pr(C_n > y s)]`.

use std::collections::HashMap;

use super::frontier::units::{accelerator_units, AcceleratorUnit, RunPower, RunUnit};
use super::grid::{self, DX, LEN};
use super::{NodePosterior, Posterior};
use crate::config::frontier::quantile_points;
use crate::config::{Dist, RunPlan};
use crate::data::{Dataset, PowerBasis, Precision};

/// Quadrature points of a chip's shared power fraction and of a run's own power factor.
const POWER_POINTS: usize = 256;
/// Quadrature points of the peak factor when it is not fixed.
const PEAK_POINTS: usize = 16;

/// A ceiling's distribution on the posterior grid: survival `Pr(C > E_j)` at grid points
/// `first..first + survival.len()`; 1 below, 0 above.
#[derive(Debug, Clone)]
pub struct Ceiling {
    first: usize,
    survival: Vec<f64>,
}

impl Ceiling {
    fn survival_at(&self, j: i64) -> f64 {
        if j < self.first as i64 {
            1.0
        } else if j >= (self.first + self.survival.len()) as i64 {
            0.0
        } else {
            self.survival[j as usize - self.first]
        }
    }

    /// As a [`Posterior`] (its density is the derivative of the CDF `1 - survival`).
    pub fn posterior(&self) -> Posterior {
        let n = self.survival.len();
        // One point of margin either side, where the CDF is flat.
        let first = self.first.saturating_sub(1);
        let density: Vec<f64> = (first..self.first + n + 1)
            .map(|j| {
                let (a, b) = (j as i64 - 1, j as i64 + 1);
                ((self.survival_at(a) - self.survival_at(b)) / (2.0 * DX)).max(0.0)
            })
            .collect();
        Posterior::from_lattice(first as i64, 1, &density)
            .unwrap_or_else(|| point_posterior(self.first + n / 2))
    }
}

/// A posterior concentrated at one grid point (a ceiling with every input fixed).
fn point_posterior(j: usize) -> Posterior {
    let density = [0.0, 1.0, 0.0];
    Posterior::from_lattice(j as i64 - 1, 1, &density).expect("one point has mass")
}

/// Ceilings of one precision: per observed node, the pooled one, and per accelerator.
pub struct Ceilings {
    /// `(node, precision)` → the node's ceiling.
    pub nodes: Vec<(String, Precision, usize, Ceiling)>,
    /// Per precision, at the reference node.
    pub pooled: Vec<(Precision, usize, Ceiling)>,
    /// `(accelerator, precision)` → the chip's own ceiling.
    pub accelerators: HashMap<(String, Precision), Ceiling>,
}

/// The ceilings of every observed node, precision and accelerator.
pub fn ceilings(plan: &RunPlan, dataset: &Dataset) -> Ceilings {
    let units = accelerator_units(plan, dataset);
    let shared_u = quantile_points(&plan.power_fraction, POWER_POINTS);
    let peak = quantile_points(&plan.peak_factor, PEAK_POINTS);
    let mut nodes = Vec::new();
    let mut accelerators = HashMap::new();
    for precision in Precision::ALL {
        for scale in &plan.nodes {
            let members: Vec<&AcceleratorUnit> = units
                .iter()
                .filter(|u| u.precision == precision && u.node == scale.node)
                .collect();
            if members.is_empty() {
                continue;
            }
            let chips: Vec<Ceiling> = members
                .iter()
                .map(|u| chip_ceiling(dataset, u, &shared_u, &peak))
                .collect();
            let n_obs = members.iter().map(|u| u.runs().count()).sum();
            nodes.push((scale.node.clone(), precision, n_obs, minimum(&chips)));
            for (u, c) in members.iter().zip(chips) {
                accelerators.insert((u.accelerator.clone(), precision), c);
            }
        }
    }
    let pooled = Precision::ALL
        .into_iter()
        .filter_map(|p| {
            let parts: Vec<(&Ceiling, &Dist, usize)> = nodes
                .iter()
                .filter(|(_, q, _, _)| *q == p)
                .map(|(node, _, n, c)| {
                    (c, plan.node_scale(node).expect("nodes come from the plan"), *n)
                })
                .collect();
            if parts.is_empty() {
                return None;
            }
            let moved: Vec<Ceiling> = parts.iter().map(|(c, s, _)| moved(c, s)).collect();
            let n = parts.iter().map(|p| p.2).sum();
            Some((p, n, minimum(&moved)))
        })
        .collect();
    Ceilings {
        nodes,
        pooled,
        accelerators,
    }
}

/// The ceiling of the node's group as the quantity the summary and `quantiles.csv` report.
pub fn node_posterior(c: &Ceiling) -> NodePosterior {
    NodePosterior::Direct(c.posterior())
}

/// `ln e_i` for the extreme quantiles of a run's factors: the span its survival moves in.
fn span(run: &RunUnit, u: (f64, f64), c: (f64, f64)) -> (f64, f64) {
    let (f_lo, f_hi) = match &run.own_power {
        Some(d) => (d.inverse_cdf(1e-9), d.inverse_cdf(1.0 - 1e-9)),
        None => (1.0, 1.0),
    };
    let (u_lo, u_hi) = if run.power == RunPower::SharedFraction { u } else { (1.0, 1.0) };
    let (c_lo, c_hi) = if run.peak_factor { c } else { (1.0, 1.0) };
    (
        run.ln_k + (u_lo * f_lo / c_hi).ln() - run.mfu.1.ln(),
        run.ln_k + (u_hi * f_hi / c_lo).ln() - run.mfu.0.ln(),
    )
}

/// `Pr(e_i > e^y)` given the shared factors, averaged over the run's own power factor.
fn run_survival(run: &RunUnit, y: f64, ln_u: f64, ln_c: f64, own: &[f64]) -> f64 {
    let (lo, hi) = run.mfu;
    let one = |ln_f: f64| -> f64 {
        let c = if run.peak_factor { ln_c } else { 0.0 };
        // e > e^y  <=>  m < exp(ln_k + ln_u + ln_f - ln_c - y).
        let m = (run.ln_k + ln_u + ln_f - c - y).exp();
        if hi > lo {
            ((m - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else if m > lo {
            1.0
        } else {
            0.0
        }
    };
    if own.is_empty() {
        one(0.0)
    } else {
        own.iter().map(|&f| one(f)).sum::<f64>() / own.len() as f64
    }
}

/// One accelerator's ceiling `min_i e_i`, its power fraction and peak factor shared.
fn chip_ceiling(
    dataset: &Dataset,
    unit: &AcceleratorUnit,
    shared_u: &[f64],
    peak: &[f64],
) -> Ceiling {
    let board = dataset
        .accelerator(&unit.accelerator, unit.precision)
        .is_some_and(|s| s.power_basis == PowerBasis::BoardTdp);
    let u_points: Vec<f64> = if board { shared_u.to_vec() } else { vec![1.0] };
    let u_range = (u_points[0], u_points[u_points.len() - 1]);
    let c_range = (peak[0], peak[peak.len() - 1]);
    let own_points = |r: &RunUnit| -> Vec<f64> {
        r.own_power
            .as_ref()
            .map(|d| quantile_points(d, POWER_POINTS).into_iter().map(f64::ln).collect())
            .unwrap_or_default()
    };
    let runs: Vec<(&RunUnit, Vec<f64>)> = unit.runs().map(|r| (r, own_points(r))).collect();
    let widen = |(lo, hi): (f64, f64)| (lo.min(u_range.0), hi.max(u_range.1));
    let spans: Vec<(f64, f64)> = runs
        .iter()
        .map(|(r, _)| span(r, widen(u_range), c_range))
        .collect();
    let lo = spans.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let hi = spans.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    let first = grid::index_of(lo).saturating_sub(2);
    let last = (grid::index_of(hi) + 2).min(LEN - 1);
    let w_c = 1.0 / peak.len() as f64;
    let w_u = 1.0 / u_points.len() as f64;
    let survival = (first..=last)
        .map(|j| {
            let y = grid::x(j);
            peak.iter()
                .map(|&c| {
                    let ln_c = c.ln();
                    let shared: f64 = u_points
                        .iter()
                        .map(|&u| {
                            runs.iter()
                                .filter(|(r, _)| r.power == RunPower::SharedFraction)
                                .map(|(r, own)| run_survival(r, y, u.ln(), ln_c, own))
                                .product::<f64>()
                        })
                        .sum::<f64>()
                        * w_u;
                    let other: f64 = runs
                        .iter()
                        .filter(|(r, _)| r.power != RunPower::SharedFraction)
                        .map(|(r, own)| run_survival(r, y, 0.0, ln_c, own))
                        .product();
                    w_c * shared * other
                })
                .sum::<f64>()
        })
        .collect();
    Ceiling { first, survival }
}

/// The minimum of independent ceilings: the product of their survivals.
fn minimum(parts: &[Ceiling]) -> Ceiling {
    let first = parts.iter().map(|c| c.first).min().expect("at least one");
    let last = parts
        .iter()
        .map(|c| c.first + c.survival.len())
        .min()
        .expect("at least one");
    let survival = (first..last.max(first + 1))
        .map(|j| parts.iter().map(|c| c.survival_at(j as i64)).product())
        .collect();
    Ceiling { first, survival }
}

/// A node's ceiling moved to the reference node by the node's scale `S`:
/// `Pr(C / S > e^y) = E_S[Pr(C > e^{y + ln S})]`, `ln S` discretised by its CDF.
fn moved(c: &Ceiling, scale: &Dist) -> Ceiling {
    let (lo, hi) = match scale.fixed_value() {
        Some(v) => (v, v),
        None => (scale.inverse_cdf(1e-10), scale.inverse_cdf(1.0 - 1e-10)),
    };
    let d_lo = (lo.ln() / DX).round() as i64 - 1;
    let d_hi = (hi.ln() / DX).round() as i64 + 1;
    let weights: Vec<(i64, f64)> = if scale.fixed_value().is_some() {
        vec![((lo.ln() / DX).round() as i64, 1.0)]
    } else {
        (d_lo..=d_hi)
            .map(|d| {
                let a = scale.cdf(((d as f64 - 0.5) * DX).exp());
                let b = scale.cdf(((d as f64 + 0.5) * DX).exp());
                (d, b - a)
            })
            .filter(|(_, w)| *w > 0.0)
            .collect()
    };
    let first = (c.first as i64 - d_hi).max(0) as usize;
    let last = ((c.first + c.survival.len()) as i64 - d_lo).min(LEN as i64) as usize;
    let survival = (first..last)
        .map(|j| {
            weights
                .iter()
                .map(|&(d, w)| w * c.survival_at(j as i64 + d))
                .sum()
        })
        .collect();
    Ceiling { first, survival }
}
