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
//! its range. The shared factors shift `ln e_i`, so the expectation over them is an average of
//! shifted survivals with the exact cell masses of `ln u - ln c` on the posterior grid (0.07 %
//! cells); runs with their own power factor (a measured power, a benchmark's power fraction)
//! average over it the same way inside the product. The pooled ceiling moves each node's ceiling to the reference node by its scale
//! (shared by the node's chips): `Pr(C_ref > y) = Π_n E_s[Pr(C_n > y s)]`.

use std::collections::HashMap;

use super::frontier::units::{accelerator_units, AcceleratorUnit, RunPower, RunUnit};
use super::grid::{self, DX, LEN};
use super::Posterior;
use crate::config::RunPlan;
use crate::data::{Dataset, PowerBasis, Precision};
use crate::dist::Dist;

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
                .map(|u| chip_ceiling(dataset, u, &plan.power_fraction, &plan.peak_factor))
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
                    (
                        c,
                        plan.node_scale(node).expect("nodes come from the plan"),
                        *n,
                    )
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

/// Cell masses of `ln X` on the posterior grid: `(offset d, Pr(ln X in cell d))`, cells of
/// width [`DX`] centred on `d DX`; a fixed value is one cell.
fn log_cells(dist: &Dist) -> Vec<(i64, f64)> {
    if let Some(v) = dist.fixed_value() {
        return vec![((v.ln() / DX).round() as i64, 1.0)];
    }
    let (lo, hi) = (dist.inverse_cdf(1e-10), dist.inverse_cdf(1.0 - 1e-10));
    let d_lo = (lo.ln() / DX).round() as i64 - 1;
    let d_hi = (hi.ln() / DX).round() as i64 + 1;
    (d_lo..=d_hi)
        .map(|d| {
            let a = dist.cdf(((d as f64 - 0.5) * DX).exp());
            let b = dist.cdf(((d as f64 + 0.5) * DX).exp());
            (d, (b - a).max(0.0))
        })
        .filter(|(_, w)| *w > 0.0)
        .collect()
}

/// The cell masses of `X - Y` for independent `X`, `Y` given by their cells.
fn difference(x: &[(i64, f64)], y: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let mut out: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::new();
    for &(dx, wx) in x {
        for &(dy, wy) in y {
            *out.entry(dx - dy).or_default() += wx * wy;
        }
    }
    out.into_iter().collect()
}

/// `out[j] = Σ_d w_d f(j - d)`: the survival of `Z + S` from `Z`'s (`f`, 1 below index 0 and 0
/// past the end) and the cells of an independent `S`.
fn shift_average(f: &[f64], cells: &[(i64, f64)]) -> Vec<f64> {
    let n = f.len() as i64;
    let at = |i: i64| -> f64 {
        if i < 0 {
            1.0
        } else if i >= n {
            0.0
        } else {
            f[i as usize]
        }
    };
    (0..n)
        .map(|j| cells.iter().map(|&(d, w)| w * at(j - d)).sum())
        .collect()
}

/// `Pr(ln k - ln m > x_j)` for the published MFU alone (no power or peak factor): for a range,
/// the share of it below `k e^{-x}`; for a point, the step averaged over its grid cell.
fn mfu_survival(run: &RunUnit, first: usize, len: usize) -> Vec<f64> {
    let (lo, hi) = run.mfu;
    (first..first + len)
        .map(|j| {
            let x = grid::x(j);
            if hi > lo {
                (((run.ln_k - x).exp() - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                ((run.ln_k - lo.ln() - x) / DX + 0.5).clamp(0.0, 1.0)
            }
        })
        .collect()
}

/// One accelerator's ceiling `min_i e_i`, its power fraction and peak factor shared.
///
/// Given the shared log factor `s = ln u - ln c`, `ln e_i = ln k_i - ln m_i + s` for the runs
/// on the board figure, so their product of survivals is averaged over `s` by one shift
/// average with `s`'s exact cell masses; a run's own power factor is averaged the same way
/// inside its own survival. Runs whose power is their own but whose peak factor is shared
/// (a measured power with a sampled peak factor) need `c` separately: then the peak factor
/// is integrated by quadrature instead.
fn chip_ceiling(
    dataset: &Dataset,
    unit: &AcceleratorUnit,
    power_fraction: &Dist,
    peak_factor: &Dist,
) -> Ceiling {
    let board = dataset
        .accelerator(&unit.accelerator, unit.precision)
        .is_some_and(|s| s.power_basis == PowerBasis::BoardTdp);
    let u_cells = if board {
        log_cells(power_fraction)
    } else {
        vec![(0, 1.0)]
    };
    let c_cells = log_cells(peak_factor);
    let own_cells: Vec<Option<Vec<(i64, f64)>>> = unit
        .runs()
        .map(|r| r.own_power.as_ref().map(log_cells))
        .collect();
    // The span: every run's e_i at its factors' extremes; C lies below the smallest maximum.
    let reach = |cells: &[(i64, f64)]| (cells[0].0, cells[cells.len() - 1].0);
    let (u_lo, u_hi) = reach(&u_cells);
    let (c_lo, c_hi) = reach(&c_cells);
    let spans: Vec<(i64, i64)> = unit
        .runs()
        .zip(&own_cells)
        .map(|(r, own)| {
            let (f_lo, f_hi) = own.as_deref().map_or((0, 0), reach);
            let shared = r.power == RunPower::SharedFraction;
            let (a, b) = if shared { (u_lo, u_hi) } else { (0, 0) };
            let (cl, ch) = if r.peak_factor { (c_lo, c_hi) } else { (0, 0) };
            let lo = grid::index_of(r.ln_k - r.mfu.1.ln()) as i64 + a + f_lo - ch;
            let hi = grid::index_of(r.ln_k - r.mfu.0.ln()) as i64 + b + f_hi - cl;
            (lo, hi)
        })
        .collect();
    // Every survival is 1 below the lowest extreme and 0 above the highest, so shift averages
    // computed on this span see the true values at its ends.
    let lo = spans.iter().map(|s| s.0).min().expect("a unit has runs");
    let hi = spans.iter().map(|s| s.1).max().expect("a unit has runs");
    let first = (lo - 3).max(0) as usize;
    let len = ((hi + 3).min(LEN as i64 - 1) as usize).saturating_sub(first) + 1;

    // Each run's survival over its own factor, before the shared ones.
    let own: Vec<Vec<f64>> = unit
        .runs()
        .zip(&own_cells)
        .map(|(r, cells)| {
            let s = mfu_survival(r, first, len);
            match cells {
                Some(cells) => shift_average(&s, cells),
                None => s,
            }
        })
        .collect();
    // An empty product is 1 everywhere, also past the span: `None` keeps it out of averages.
    let product = |pick: &dyn Fn(&RunUnit) -> bool| -> Option<Vec<f64>> {
        if !unit.runs().any(pick) {
            return None;
        }
        let mut p = vec![1.0; len];
        for (r, s) in unit.runs().zip(&own) {
            if pick(r) {
                p.iter_mut().zip(s).for_each(|(a, b)| *a *= b);
            }
        }
        Some(p)
    };
    let averaged = |p: Option<Vec<f64>>, cells: &[(i64, f64)]| -> Vec<f64> {
        p.map_or_else(|| vec![1.0; len], |p| shift_average(&p, cells))
    };
    let is_shared = |r: &RunUnit| r.power == RunPower::SharedFraction;
    let peak_only = |r: &RunUnit| !is_shared(r) && r.peak_factor;
    let neither = |r: &RunUnit| !is_shared(r) && !r.peak_factor;
    let fixed = averaged(product(&neither), &[(0, 1.0)]);
    let needs_c_apart = c_cells.len() > 1 && unit.runs().any(peak_only);
    let survival: Vec<f64> = if !needs_c_apart {
        // s = ln u - ln c: one shift average; the peak-only runs see c alone.
        let s_cells = difference(&u_cells, &c_cells);
        let shared = averaged(product(&is_shared), &s_cells);
        let peak = averaged(product(&peak_only), &difference(&[(0, 1.0)], &c_cells));
        shared
            .into_iter()
            .zip(&fixed)
            .zip(&peak)
            .map(|((a, b), c)| a * b * c)
            .collect()
    } else {
        let shared = averaged(product(&is_shared), &u_cells);
        let peak_only_runs = product(&peak_only);
        let mut total = vec![0.0; len];
        for &(dc, wc) in &c_cells {
            let one = [(-dc, 1.0)];
            let s = shift_average(&shared, &one);
            let p = averaged(peak_only_runs.clone(), &one);
            for (j, t) in total.iter_mut().enumerate() {
                *t += wc * s[j] * p[j] * fixed[j];
            }
        }
        total
    };
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
