//! The grid posteriors live on: uniform in `x = ln(E / pJ)`, spanning the histograms' range.
//! Computations use only the window of it that the prior supports.

use std::ops::Range;

use crate::dist::Dist;
use crate::sampler::histogram::{MANTISSA_BITS, MAX_EXP, MIN_EXP};

/// Grid step in `ln E`: 1/1024 of an octave (0.068 %), matching the histogram resolution.
pub const DX: f64 = std::f64::consts::LN_2 / (1u64 << MANTISSA_BITS) as f64;

/// `x_j = X0 + j * DX` for `j` in `0..LEN`.
pub const X0: f64 = MIN_EXP as f64 * std::f64::consts::LN_2;
/// Number of grid points: [`MIN_EXP`] to [`MAX_EXP`] octaves at 2^[`MANTISSA_BITS`] points each,
/// both ends included.
pub const LEN: usize = (((MAX_EXP - MIN_EXP) as usize) << MANTISSA_BITS) + 1;

/// `ln E` at grid point `j`.
#[inline]
pub fn x(j: usize) -> f64 {
    X0 + j as f64 * DX
}

/// `E` (pJ) at every grid point, computed once.
pub fn points() -> &'static [f64] {
    static POINTS: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    POINTS.get_or_init(|| (0..LEN).map(|j| x(j).exp()).collect())
}

/// The grid point nearest `ln_e`, clamped to the grid.
pub fn index_of(ln_e: f64) -> usize {
    ((ln_e - X0) / DX).round().clamp(0.0, (LEN - 1) as f64) as usize
}

/// Grid points where the prior has mass: its support, or its 1e-12 and 1 - 1e-12 quantiles
/// where the support is unbounded, plus one point either side.
pub fn prior_window(prior: &Dist) -> Range<usize> {
    let (lo, hi) = prior.spec().support();
    let lo = if lo > 0.0 && lo.is_finite() {
        lo
    } else {
        prior.inverse_cdf(1e-12)
    };
    let hi = if hi.is_finite() {
        hi
    } else {
        prior.inverse_cdf(1.0 - 1e-12)
    };
    let first = if lo > 0.0 {
        index_of(lo.ln()).saturating_sub(1)
    } else {
        0
    };
    let last = (index_of(hi.ln()) + 1).min(LEN - 1);
    first..last + 1
}
