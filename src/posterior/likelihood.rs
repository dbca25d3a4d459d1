//! What one observation says about the energy per MAC, as a log-likelihood on the grid.
//!
//! * Bound method: `Pr(e_i >= E)`, the survival function of the observation's implied energy
//!   (the true energy cannot exceed what the board's power allows at the observed MFU).
//! * Efficiency method: the density of `ln e_i`, estimated from the samples by a Gaussian
//!   kernel in log space. Bandwidth: Silverman's rule of thumb,
//!   `h = 0.9 min(sd, IQR / 1.34) n^(-1/5)` on `ln e_i`, never below one grid step. The kernel
//!   is cut at 5h: beyond the samples' range plus five bandwidths the density is zero, so two
//!   observations whose implied energies do not overlap give a vanishing product (a reported
//!   contradiction) rather than a posterior made of kernel tails. Smoothing widens a
//!   lognormal of log-sd `s` to `sqrt(s^2 + h^2)`: at 1e6 samples that moves its 2.5 % and
//!   97.5 % quantiles by about `0.0016 * 1.96 * s` in log, 0.03 % for s = 0.1 (the closed-form
//!   test measures it).

use super::grid::{GridValues, DX, LEN};
use crate::sampler::LogHistogram;

/// Kernel cut-off in bandwidths.
pub const KERNEL_CUTOFF: f64 = 5.0;

/// A log-likelihood on the grid, stored only where it is not a constant: `values` on grid
/// points `start..start + values.len()`, `below` on every point before them (0 for the bound
/// method, whose survival is 1 below the smallest sample; `-inf` for a density) and `-inf`
/// on every point after. A few hundred numbers per observation instead of the whole grid,
/// so memory and time grow with the number of observations, not with it times the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct LnLikelihood {
    pub start: usize,
    pub values: Vec<f64>,
    pub below: f64,
}

impl LnLikelihood {
    /// One past the last stored point; `-inf` from there on.
    pub fn end(&self) -> usize {
        self.start + self.values.len()
    }

    /// The value at grid point `j`.
    pub fn at(&self, j: usize) -> f64 {
        if j < self.start {
            self.below
        } else {
            self.values
                .get(j - self.start)
                .copied()
                .unwrap_or(f64::NEG_INFINITY)
        }
    }

    /// Every value on the whole grid (tests, small cases).
    pub fn dense(&self) -> Vec<f64> {
        (0..LEN).map(|j| self.at(j)).collect()
    }

    /// Grid ranges `[a, b)` where the likelihood is above zero, in order.
    pub fn support(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut push = |a: usize, b: usize| match out.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ => out.push((a, b)),
        };
        if self.below > f64::NEG_INFINITY && self.start > 0 {
            push(0, self.start);
        }
        for (i, v) in self.values.iter().enumerate() {
            if *v > f64::NEG_INFINITY {
                push(self.start + i, self.start + i + 1);
            }
        }
        out
    }
}

/// `ln Pr(e_i >= E)` on the grid: 0 below the smallest sample, `-inf` from the largest on.
pub fn ln_survival(h: &LogHistogram, values: &GridValues) -> LnLikelihood {
    let start = values.points.partition_point(|&e| e < h.min());
    let end = values.points.partition_point(|&e| e < h.max()).max(start);
    LnLikelihood {
        start,
        values: h
            .cdf_many(&values.points[start..end])
            .into_iter()
            .map(|cdf| (1.0 - cdf).ln())
            .collect(),
        below: 0.0,
    }
}

/// Silverman's bandwidth for `ln e_i`, in units of `ln E`.
pub fn bandwidth(h: &LogHistogram) -> f64 {
    let (_, sd) = h.moments(f64::ln);
    let q = h.quantiles(&[0.25, 0.75]);
    let iqr = (q[1] / q[0]).ln();
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    (0.9 * spread * (h.total() as f64).powf(-0.2)).max(DX)
}

/// `ln` of the kernel density of `ln e_i` on the grid (`-inf` outside the samples' range
/// widened by the kernel's reach).
pub fn ln_density(h: &LogHistogram, values: &GridValues) -> LnLikelihood {
    let bw = bandwidth(h);
    // Only cells touching [min, max] hold mass: the CDF is 0 on every edge below the minimum
    // and 1 on every edge from the maximum on.
    let edge_lo = values
        .edges
        .partition_point(|&e| e < h.min())
        .saturating_sub(1);
    let edge_hi = values.edges.partition_point(|&e| e < h.max()).min(LEN);
    let cdf = h.cdf_many(&values.edges[edge_lo..=edge_hi]);
    // mass[k - edge_lo] is the mass of cell k.
    let mass: Vec<f64> = cdf.windows(2).map(|w| w[1] - w[0]).collect();
    let empty = LnLikelihood {
        start: 0,
        values: Vec::new(),
        below: f64::NEG_INFINITY,
    };
    let Some(first) = mass.iter().position(|&m| m > 0.0) else {
        return empty;
    };
    let last = mass
        .iter()
        .rposition(|&m| m > 0.0)
        .expect("a first implies a last");
    let (first, last) = (first + edge_lo, last + edge_lo);
    let reach = (KERNEL_CUTOFF * bw / DX).ceil() as usize;
    let mut kernel: Vec<f64> = (0..=2 * reach)
        .map(|i| {
            let z = (i as f64 - reach as f64) * DX / bw;
            (-0.5 * z * z).exp()
        })
        .collect();
    // Normalised so the discrete density integrates to exactly the histogram's mass.
    let norm: f64 = kernel.iter().sum::<f64>() * DX;
    kernel.iter_mut().for_each(|w| *w /= norm);
    let lo = first.saturating_sub(reach);
    let hi = (last + reach).min(LEN - 1);
    let values = (lo..=hi)
        .map(|j| {
            let mut density = 0.0;
            // Cells k with |j - k| <= reach contribute mass_k * kernel[k - j + reach].
            let k_lo = j.saturating_sub(reach).max(first);
            let k_hi = (j + reach).min(last);
            for k in k_lo..=k_hi {
                density += mass[k - edge_lo] * kernel[k + reach - j];
            }
            if density > 0.0 {
                density.ln()
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    LnLikelihood {
        start: lo,
        values,
        below: f64::NEG_INFINITY,
    }
}
