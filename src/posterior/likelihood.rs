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

use std::borrow::Borrow;
use std::ops::Range;

use super::grid::{index_of, points, x, DX};
use crate::sampler::simd::{ln_positive, Path};
use crate::sampler::LogHistogram;

/// Kernel cut-off in bandwidths.
pub const KERNEL_CUTOFF: f64 = 5.0;

/// A log-likelihood on the prior's window, stored where it varies: `below` before `start`,
/// `values` from `start`, `above` after them. An observation's samples span a few hundred
/// grid points of the thousands in the window, so this keeps each evaluation short.
#[derive(Debug, Clone, PartialEq)]
pub struct LnLikelihood {
    /// Grid index (in the prior's window) of `values[0]`.
    pub start: usize,
    /// Log-likelihood at grid points `start..start + values.len()`.
    pub values: Vec<f64>,
    /// Log-likelihood at every point before `start`.
    pub below: f64,
    /// Log-likelihood at every point after `values`.
    pub above: f64,
}

impl LnLikelihood {
    /// The varying span `start..end` clamped to `len` points.
    fn span(&self, len: usize) -> (usize, usize) {
        let end = (self.start + self.values.len()).min(len);
        (self.start.min(end), end)
    }

    /// Half-open ranges of window points (of `len`) where the log-likelihood is finite.
    pub fn support(&self, len: usize) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut push = |a: usize, b: usize| match out.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ if a < b => out.push((a, b)),
            _ => {}
        };
        let (start, end) = self.span(len);
        if self.below > f64::NEG_INFINITY {
            push(0, start);
        }
        for (i, v) in self.values.iter().enumerate().take(end - start) {
            if *v > f64::NEG_INFINITY {
                push(start + i, start + i + 1);
            }
        }
        if self.above > f64::NEG_INFINITY {
            push(end, len);
        }
        out
    }
}

/// A sum of log-likelihoods over `len` points, kept as a finite part and a count of `-inf`
/// terms per point. Two things follow: adding `n` terms costs what their varying spans cost
/// (constant tails are added as differences and resolved once), not `n * len`; and one term
/// can be taken out again exactly ([`LnLikelihoodSum::without`]), which leave-one-out checks
/// need. Terms' varying values are added in the order given, so the total equals adding the
/// terms one by one.
#[derive(Debug, Clone, PartialEq)]
pub struct LnLikelihoodSum {
    finite: Vec<f64>,
    neg_inf: Vec<u32>,
}

impl LnLikelihoodSum {
    /// `initial` (e.g. the log prior, one value per point) plus every term.
    pub fn new<T: Borrow<LnLikelihood>>(
        initial: Vec<f64>,
        terms: impl IntoIterator<Item = T>,
    ) -> LnLikelihoodSum {
        let len = initial.len();
        let mut neg_inf: Vec<u32> = initial
            .iter()
            .map(|&v| u32::from(v == f64::NEG_INFINITY))
            .collect();
        let mut finite: Vec<f64> = initial
            .into_iter()
            .map(|v| if v == f64::NEG_INFINITY { 0.0 } else { v })
            .collect();
        // Constant tails as difference arrays: +c at a range's start, -c at its end.
        let mut tail_finite = vec![0.0; len + 1];
        let mut tail_neg_inf = vec![0i64; len + 1];
        let mut tail = |range: Range<usize>, c: f64| {
            if c == f64::NEG_INFINITY {
                tail_neg_inf[range.start] += 1;
                tail_neg_inf[range.end] -= 1;
            } else if c != 0.0 {
                tail_finite[range.start] += c;
                tail_finite[range.end] -= c;
            }
        };
        for term in terms {
            let term = term.borrow();
            let (start, end) = term.span(len);
            tail(0..start, term.below);
            tail(end..len, term.above);
            for (j, &v) in (start..end).zip(&term.values) {
                if v == f64::NEG_INFINITY {
                    neg_inf[j] += 1;
                } else {
                    finite[j] += v;
                }
            }
        }
        let (mut c_finite, mut c_neg_inf) = (0.0, 0i64);
        for j in 0..len {
            c_finite += tail_finite[j];
            c_neg_inf += tail_neg_inf[j];
            if c_finite != 0.0 {
                finite[j] += c_finite;
            }
            neg_inf[j] += c_neg_inf as u32;
        }
        LnLikelihoodSum { finite, neg_inf }
    }

    /// The sum at every point (`-inf` where any term is).
    pub fn total(&self) -> Vec<f64> {
        self.finite
            .iter()
            .zip(&self.neg_inf)
            .map(|(&f, &c)| if c > 0 { f64::NEG_INFINITY } else { f })
            .collect()
    }

    /// The sum without `term`, which must be one of the terms summed.
    pub fn without(&self, term: &LnLikelihood) -> Vec<f64> {
        let len = self.finite.len();
        let (start, end) = term.span(len);
        let at = |j: usize| -> f64 {
            if j < start {
                term.below
            } else if j < end {
                term.values[j - start]
            } else {
                term.above
            }
        };
        (0..len)
            .map(|j| {
                let v = at(j);
                let (f, c) = if v == f64::NEG_INFINITY {
                    (self.finite[j], self.neg_inf[j] - 1)
                } else {
                    (self.finite[j] - v, self.neg_inf[j])
                };
                if c > 0 {
                    f64::NEG_INFINITY
                } else {
                    f
                }
            })
            .collect()
    }
}

/// `ln Pr(e_i >= E)` at the grid points `points` (values of E, increasing): 0 below the
/// smallest sample, `-inf` from the largest on.
pub fn ln_survival(h: &LogHistogram, points: &[f64]) -> LnLikelihood {
    let start = points.partition_point(|&e| e < h.min());
    let end = points.partition_point(|&e| e < h.max()).max(start);
    let values = h
        .cdf_many(&points[start..end])
        .into_iter()
        .map(|cdf| (1.0 - cdf).ln())
        .collect();
    LnLikelihood {
        start,
        values,
        below: 0.0,
        above: f64::NEG_INFINITY,
    }
}

/// Silverman's bandwidth for `ln e_i`, in units of `ln E`.
pub fn bandwidth(h: &LogHistogram) -> f64 {
    let (_, sd) = h.log_moments();
    let q = h.quantiles(&[0.25, 0.75]);
    let iqr = (q[1] / q[0]).ln();
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    (0.9 * spread * (h.total() as f64).powf(-0.2)).max(DX)
}

/// `ln` of the kernel density of `ln e_i` at the grid points of `window` (`-inf` beyond the
/// samples' range plus the kernel's reach).
///
/// **The filter.** The histogram's mass is binned onto the grid cells it covers and convolved
/// with the kernel sampled at grid steps and cut at [`KERNEL_CUTOFF`] bandwidths. The
/// convolution is direct, as `scipy.ndimage.gaussian_filter` does it: an observation's
/// samples cover a few thousand grid points and the kernel reaches `5 h / DX`, 40 to 200
/// points at 1e5 to 1e6 samples, so a direct pass (one vectorised multiply-add per point and
/// occupied cell, each occupied cell adding its kernel to the contiguous run of points it
/// reaches) costs fewer operations than an FFT of the padded length and is exact: no
/// approximation error beyond rounding, and each point receives its terms in increasing cell
/// order, as before. Cell edges are the cached grid energies times `e^(-DX/2)` (no `exp` per
/// point), and the logarithm is a branch-free polynomial ([`ln_positive`], 2e-16 relative)
/// in its own vectorisable pass, not libm's `ln`. `tests` compares it with the previous
/// scalar implementation (scatter with libm `exp` and `ln`): the same support, and log
/// densities within 1e-10 (relative densities; the cell masses move by rounding).
pub fn ln_density(h: &LogHistogram, window: Range<usize>) -> LnLikelihood {
    let empty = LnLikelihood {
        start: 0,
        values: Vec::new(),
        below: f64::NEG_INFINITY,
        above: f64::NEG_INFINITY,
    };
    if h.total() == 0 {
        return empty;
    }
    let bw = bandwidth(h);
    // Grid cells (x_j +- DX/2) covering the samples, and the histogram's mass in each.
    let (first, last) = (index_of(h.min().ln()), index_of(h.max().ln()));
    let half_step_down = (-0.5 * DX).exp();
    let pts = points();
    let edges: Vec<f64> = (first..=last + 1)
        .map(|j| {
            pts.get(j)
                .map_or_else(|| (x(j) - 0.5 * DX).exp(), |p| p * half_step_down)
        })
        .collect();
    let mass: Vec<f64> = h.cdf_many(&edges).windows(2).map(|w| w[1] - w[0]).collect();
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
    let lo = window.start.max(first.saturating_sub(reach));
    let hi = window.end.min(last + reach + 1);
    if lo >= hi {
        return empty;
    }
    // Scatter each occupied cell's kernel onto the run of points it reaches: the kernel is
    // symmetric (`z^2` is the same at +-z), so point j takes `kernel[j - k + reach]` and the
    // run reads the kernel forwards, a multiply-add the compiler vectorises. With few samples
    // most cells are empty and are skipped; each point still receives its terms in increasing
    // cell order, so the sums equal a gather over every cell.
    let mut density = vec![0.0; hi - lo];
    scatter_kernels(&mut density, &mass, &kernel, first, reach, lo);
    // Positive densities are far above the smallest normal number (the kernel is cut at 5
    // bandwidths and the mass of an occupied cell is at least 1 / n), so the polynomial `ln`
    // applies; a zero becomes -inf with a select, not a branch.
    let values = density
        .into_iter()
        .map(|d| {
            let l = ln_positive(d.max(f64::MIN_POSITIVE));
            if d > 0.0 {
                l
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    LnLikelihood {
        start: lo - window.start,
        values,
        ..empty
    }
}

/// Adds `mass[k - first] * kernel[j - k + reach]` to `density[j - lo]` for every occupied
/// cell `k` (in increasing order) and every point `j` of the density it reaches, on the best
/// instruction set ([`Path::active`]): element-wise multiplies and adds, so every path gives
/// the same bits.
fn scatter_kernels(
    density: &mut [f64],
    mass: &[f64],
    kernel: &[f64],
    first: usize,
    reach: usize,
    lo: usize,
) {
    #[inline(always)]
    fn body(
        density: &mut [f64],
        mass: &[f64],
        kernel: &[f64],
        first: usize,
        reach: usize,
        lo: usize,
    ) {
        let hi = lo + density.len();
        for (k, &m) in (first..).zip(mass) {
            if m == 0.0 {
                continue;
            }
            let (j_lo, j_hi) = (k.saturating_sub(reach).max(lo), (k + reach + 1).min(hi));
            if j_lo >= j_hi {
                continue;
            }
            let w = &kernel[j_lo + reach - k..j_hi + reach - k];
            for (d, &w) in density[j_lo - lo..j_hi - lo].iter_mut().zip(w) {
                *d += m * w;
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
        unsafe fn avx512(d: &mut [f64], m: &[f64], w: &[f64], f: usize, r: usize, lo: usize) {
            body(d, m, w, f, r, lo)
        }
        #[target_feature(enable = "avx2")]
        unsafe fn avx2(d: &mut [f64], m: &[f64], w: &[f64], f: usize, r: usize, lo: usize) {
            body(d, m, w, f, r, lo)
        }
        match Path::active() {
            // SAFETY: `Path::active` only returns a path the CPU has.
            Path::Avx512 => return unsafe { avx512(density, mass, kernel, first, reach, lo) },
            // SAFETY: as above.
            Path::Avx2 => return unsafe { avx2(density, mass, kernel, first, reach, lo) },
            Path::Scalar => {}
        }
    }
    body(density, mass, kernel, first, reach, lo)
}

/// The previous implementation of [`ln_density`] (scalar scatter, libm `exp` per edge and
/// `ln` per point), kept as the test oracle and the benchmarks' reference.
/// `ln` of the kernel density of `ln e_i` at the grid points of `window` (`-inf` beyond the
/// samples' range plus the kernel's reach).
#[doc(hidden)]
pub fn ln_density_before(h: &LogHistogram, window: Range<usize>) -> LnLikelihood {
    let empty = LnLikelihood {
        start: 0,
        values: Vec::new(),
        below: f64::NEG_INFINITY,
        above: f64::NEG_INFINITY,
    };
    if h.total() == 0 {
        return empty;
    }
    let bw = bandwidth(h);
    // Grid cells (x_j +- DX/2) covering the samples, and the histogram's mass in each.
    let (first, last) = (index_of(h.min().ln()), index_of(h.max().ln()));
    let edges: Vec<f64> = (first..=last + 1)
        .map(|j| (x(j) - 0.5 * DX).exp())
        .collect();
    let mass: Vec<f64> = h.cdf_many(&edges).windows(2).map(|w| w[1] - w[0]).collect();
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
    let lo = window.start.max(first.saturating_sub(reach));
    let hi = window.end.min(last + reach + 1);
    if lo >= hi {
        return empty;
    }
    // Scatter each occupied cell's kernel onto the points it reaches. With few samples most
    // cells are empty and are skipped; each point still receives its terms in increasing
    // cell order, so the sums equal a gather over every cell.
    let mut density = vec![0.0; hi - lo];
    for (k, &m) in (first..=last).zip(&mass) {
        if m == 0.0 {
            continue;
        }
        let (j_lo, j_hi) = (k.saturating_sub(reach).max(lo), (k + reach + 1).min(hi));
        for j in j_lo..j_hi {
            density[j - lo] += m * kernel[k + reach - j];
        }
    }
    let values = density
        .into_iter()
        .map(|d| if d > 0.0 { d.ln() } else { f64::NEG_INFINITY })
        .collect();
    LnLikelihood {
        start: lo - window.start,
        values,
        ..empty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_density_matches_the_previous_implementation() {
        use crate::sampler::{Control, ObservationModel};
        let model = crate::sampler::tests::model();
        // 1e6 samples, and a few hundred (most cells empty), on windows cutting the support.
        for (samples, window) in [
            (1_000_000, 0..super::super::grid::LEN),
            (300, 0..super::super::grid::LEN),
            (1_000_000, 21_000..21_500),
        ] {
            let s = ObservationModel::sample(&model, 3, samples, Control::default()).unwrap();
            for h in s.histograms() {
                let (fast, before) = (
                    ln_density(h, window.clone()),
                    ln_density_before(h, window.clone()),
                );
                assert_eq!(
                    (fast.start, fast.values.len()),
                    (before.start, before.values.len())
                );
                assert_eq!(fast.support(100_000), before.support(100_000));
                for (a, b) in fast.values.iter().zip(&before.values) {
                    assert!(a == b || (a - b).abs() < 1e-10, "{a} vs {b}");
                }
            }
        }
    }

    /// The oracle: each term added point by point, in order.
    fn dense_sum(len: usize, terms: &[&LnLikelihood]) -> Vec<f64> {
        let mut acc = vec![0.0; len];
        for t in terms {
            for (j, a) in acc.iter_mut().enumerate() {
                *a += if j < t.start {
                    t.below
                } else {
                    t.values.get(j - t.start).copied().unwrap_or(t.above)
                };
            }
        }
        acc
    }

    fn terms() -> Vec<LnLikelihood> {
        let ninf = f64::NEG_INFINITY;
        vec![
            // A survival: 0 below, -inf above.
            LnLikelihood {
                start: 2,
                values: vec![-0.1, -0.5, ninf],
                below: 0.0,
                above: ninf,
            },
            // A density: -inf on both sides.
            LnLikelihood {
                start: 1,
                values: vec![-3.0, -1.25, -2.0, -4.5],
                below: ninf,
                above: ninf,
            },
            // Finite tails, and a span running past the end.
            LnLikelihood {
                start: 0,
                values: vec![-0.75; 12],
                below: -2.0,
                above: -3.0,
            },
            LnLikelihood {
                start: 5,
                values: vec![-1.5, -0.25],
                below: -1.0,
                above: -0.5,
            },
        ]
    }

    #[test]
    fn a_sum_equals_adding_point_by_point() {
        let terms = terms();
        let refs: Vec<&LnLikelihood> = terms.iter().collect();
        let sum = LnLikelihoodSum::new(vec![0.0; 9], &terms);
        assert_eq!(sum.total(), dense_sum(9, &refs));
        // Points 2..4: every term finite; 4 and beyond, the survival term is -inf.
        assert!(sum.total()[..4].iter().skip(1).all(|v| v.is_finite()));
        assert!(sum.total()[4..].iter().all(|&v| v == f64::NEG_INFINITY));
    }

    #[test]
    fn leaving_one_out_equals_summing_the_others() {
        let terms = terms();
        let sum = LnLikelihoodSum::new(vec![0.0; 9], &terms);
        for k in 0..terms.len() {
            let others: Vec<&LnLikelihood> = (0..terms.len())
                .filter(|&i| i != k)
                .map(|i| &terms[i])
                .collect();
            let oracle = dense_sum(9, &others);
            for (got, want) in sum.without(&terms[k]).iter().zip(&oracle) {
                assert!(
                    got == want || (got - want).abs() < 1e-12,
                    "term {k}: {got} != {want}"
                );
            }
        }
    }

    #[test]
    fn an_initial_minus_infinity_stays() {
        let sum = LnLikelihoodSum::new(
            vec![f64::NEG_INFINITY, -1.0],
            std::iter::empty::<LnLikelihood>(),
        );
        assert_eq!(sum.total(), vec![f64::NEG_INFINITY, -1.0]);
    }
}
