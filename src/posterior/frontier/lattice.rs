//! The coarse grid the frontier is integrated on, and the two smoothing operations it needs.
//!
//! Points are every [`STRIDE`]-th point of the posterior grid ([`crate::posterior::grid`]), a
//! step of 2.2 % in energy. The prototype found 1 % enough; halving the step to 1.1 % moved no
//! reported frontier quantile of the shipped data by more than 0.5 % (most by under 0.2 %),
//! at twice the cost. Posteriors on it map onto the fine grid by linear interpolation.

use crate::posterior::grid;

/// Fine-grid points per frontier step.
pub const STRIDE: usize = 32;
/// The frontier step in `ln E`.
pub const H: f64 = grid::DX * STRIDE as f64;

/// `n` points spaced [`H`] apart starting at fine-grid point `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lattice {
    /// Fine-grid index of point 0.
    pub first: usize,
    /// Number of points.
    pub n: usize,
}

impl Lattice {
    /// The lattice covering fine-grid points `window` (rounded outwards), clamped to the grid.
    pub fn covering(window: std::ops::Range<usize>) -> Lattice {
        let first = window.start - window.start % STRIDE;
        let n = (window.end.min(grid::LEN) - first).div_ceil(STRIDE);
        let n = n.min((grid::LEN - 1 - first) / STRIDE + 1);
        Lattice { first, n }
    }

    /// `ln E` at point `j` (which may lie outside `0..n`, for margins).
    #[inline]
    pub fn x(&self, j: i64) -> f64 {
        grid::x(self.first) + j as f64 * H
    }
}

/// Cell weights of a distribution of a log-offset on the lattice: `weights[d]` is the mass of
/// `ln X` in the cell of offset `lo + d` steps, from its exact CDF. A fixed value (or a spread
/// under a quarter step) splits between its two neighbouring points linearly.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetKernel {
    /// Lattice offset, in steps, of `weights[0]`.
    pub lo: i64,
    /// Mass of each cell, from offset `lo` upwards.
    pub weights: Vec<f64>,
}

impl OffsetKernel {
    /// From `cdf_of_ln(t) = P(ln X <= t)` with the support of `ln X` in `[lo_ln, hi_ln]`.
    pub fn from_cdf(lo_ln: f64, hi_ln: f64, cdf_of_ln: impl Fn(f64) -> f64) -> OffsetKernel {
        if hi_ln - lo_ln < 0.25 * H {
            return OffsetKernel::point(0.5 * (lo_ln + hi_ln));
        }
        let lo = (lo_ln / H).round() as i64 - 1;
        let hi = (hi_ln / H).round() as i64 + 1;
        let mut weights: Vec<f64> = (lo..=hi)
            .map(|d| cdf_of_ln((d as f64 + 0.5) * H) - cdf_of_ln((d as f64 - 0.5) * H))
            .map(|w| w.max(0.0))
            .collect();
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        OffsetKernel { lo, weights }
    }

    /// A point mass at `t`, split between the two lattice offsets around it.
    pub fn point(t: f64) -> OffsetKernel {
        let f = (t / H).floor();
        let frac = t / H - f;
        OffsetKernel {
            lo: f as i64,
            weights: vec![1.0 - frac, frac],
        }
    }

    /// Offsets and weights with any mass.
    pub fn iter(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.weights
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 0.0)
            .map(|(d, w)| (self.lo + d as i64, *w))
    }
}

/// `out[j] = ∫ φ_s(t) f(j + (mu + t)/H) dt`: `f` (given at lattice points, zero outside)
/// averaged over a normal offset of mean `mu` and standard deviation `s` (log units). Used for
/// the architecture effect `δ ~ N(0, τ²)` (and, for pooled rows, plus a lognormal node scale).
///
/// A Gaussian filter of `σ = s / H` cells: under `DIRECT_BELOW` (6) cells by the direct sum
/// with the normal's cell masses (exact, few taps), above by the recursive filter of Young &
/// van Vliet (1995), two third-order passes whose cost does not depend on `σ` and whose
/// impulse response is within about 2 % of the normal density (of its peak) there (tested against the direct
/// sum); tiny negative lobes are cut at 0.
pub fn smooth(f: &[f64], mu: f64, s: f64) -> Vec<f64> {
    let sigma = s / H;
    let smoothed = if sigma < 0.2 {
        f.to_vec()
    } else if sigma < DIRECT_BELOW {
        direct(f, sigma)
    } else {
        // Margins let the filter's tails run out before the ends, as if f were zero-padded.
        let pad = (4.0 * sigma).ceil() as usize + 3;
        let mut v = vec![0.0; f.len() + 2 * pad];
        v[pad..pad + f.len()].copy_from_slice(f);
        young_van_vliet(&mut v, sigma);
        v.drain(..pad);
        v.truncate(f.len());
        v.iter_mut().for_each(|x| *x = x.max(0.0));
        v
    };
    if mu == 0.0 {
        return smoothed;
    }
    // The mean shift: out[j] = smoothed at j + mu/H, linear between points.
    let shift = mu / H;
    let base = shift.floor();
    let frac = shift - base;
    let base = base as i64;
    let at = |k: i64| -> f64 {
        if k < 0 || k >= smoothed.len() as i64 {
            0.0
        } else {
            smoothed[k as usize]
        }
    };
    (0..f.len() as i64)
        .map(|j| (1.0 - frac) * at(j + base) + frac * at(j + base + 1))
        .collect()
}

/// Below this many cells the Gaussian is summed directly.
const DIRECT_BELOW: f64 = 6.0;

/// `f` convolved with the normal of `sigma` cells, truncated at 5 sd, weights from its CDF.
fn direct(f: &[f64], sigma: f64) -> Vec<f64> {
    use statrs::distribution::{ContinuousCDF, Normal};
    let z = Normal::standard();
    let reach = (5.0 * sigma).ceil() as i64;
    let weights: Vec<f64> = (-reach..=reach)
        .map(|d| z.cdf((d as f64 + 0.5) / sigma) - z.cdf((d as f64 - 0.5) / sigma))
        .collect();
    let n = f.len() as i64;
    (0..n)
        .map(|j| {
            weights
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let i = j + k as i64 - reach;
                    if (0..n).contains(&i) {
                        w * f[i as usize]
                    } else {
                        0.0
                    }
                })
                .sum()
        })
        .collect()
}

/// In-place recursive Gaussian of standard deviation `sigma` samples (Young & van Vliet 1995,
/// eqs. 11–16): a causal then an anti-causal pass, each of unit gain.
fn young_van_vliet(v: &mut [f64], sigma: f64) {
    let q = if sigma >= 2.5 {
        0.98711 * sigma - 0.96330
    } else {
        3.97156 - 4.14554 * (1.0 - 0.26891 * sigma).sqrt()
    };
    let (q2, q3) = (q * q, q * q * q);
    let b0 = 1.57825 + 2.44413 * q + 1.4281 * q2 + 0.422205 * q3;
    let b1 = (2.44413 * q + 2.85619 * q2 + 1.26661 * q3) / b0;
    let b2 = -(1.4281 * q2 + 1.26661 * q3) / b0;
    let b3 = 0.422205 * q3 / b0;
    let gain = 1.0 - (b1 + b2 + b3);
    let n = v.len();
    let (mut w1, mut w2, mut w3) = (0.0, 0.0, 0.0);
    for x in v.iter_mut() {
        let w = gain * *x + b1 * w1 + b2 * w2 + b3 * w3;
        *x = w;
        (w3, w2, w1) = (w2, w1, w);
    }
    let (mut y1, mut y2, mut y3) = (0.0, 0.0, 0.0);
    for i in (0..n).rev() {
        let y = gain * v[i] + b1 * y1 + b2 * y2 + b3 * y3;
        v[i] = y;
        (y3, y2, y1) = (y2, y1, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(f: &[f64], mu: f64, s: f64) -> Vec<f64> {
        let n = f.len() as i64;
        (0..n)
            .map(|j| {
                (0..n)
                    .map(|k| {
                        let t = (k - j) as f64 * H - mu;
                        f[k as usize] * (-0.5 * (t / s).powi(2)).exp()
                            / (s * (2.0 * std::f64::consts::PI).sqrt())
                            * H
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn recursive_gaussian_matches_the_direct_sum_in_the_bulk() {
        // A sharp bump and a step: the two shapes the run likelihoods take.
        let f: Vec<f64> = (0..600)
            .map(|j| {
                let x = j as f64 * H;
                (-0.5 * ((x - 2.0) / 0.05).powi(2)).exp() + if x > 4.5 { 0.3 } else { 0.0 }
            })
            .collect();
        for (mu, s) in [(0.0, 0.04), (0.0, 0.2), (0.3, 0.5), (-0.1, 0.12)] {
            let fast = smooth(&f, mu, s);
            let slow = direct(&f, mu, s);
            let max = slow.iter().copied().fold(0.0, f64::max);
            for (j, (a, b)) in fast.iter().zip(&slow).enumerate().take(560) {
                assert!(
                    (a - b).abs() < 0.02 * max,
                    "mu {mu} s {s} point {j}: {a} vs {b} (max {max})"
                );
            }
        }
    }

    #[test]
    fn offset_kernel_of_a_uniform_has_its_mass_and_mean() {
        // ln u for u ~ uniform(0.85, 1).
        let cdf = |t: f64| ((t.exp() - 0.85) / 0.15).clamp(0.0, 1.0);
        let k = OffsetKernel::from_cdf(0.85f64.ln(), 0.0, cdf);
        let total: f64 = k.weights.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
        let mean: f64 = k.iter().map(|(d, w)| w * d as f64 * H).sum();
        // E[ln u] = (1 ln 1 - 0.85 ln 0.85 - 0.15) / 0.15
        let exact = (-(0.85 * 0.85f64.ln()) - 0.15) / 0.15;
        assert!((mean - exact).abs() < 0.1 * H, "{mean} vs {exact}");
    }

    #[test]
    fn a_point_offset_splits_between_neighbours() {
        let k = OffsetKernel::point(2.25 * H);
        assert_eq!(k.lo, 2);
        assert!((k.weights[0] - 0.75).abs() < 1e-9 && (k.weights[1] - 0.25).abs() < 1e-9);
    }
}
