//! The grid posteriors live on: uniform in `x = ln(E / pJ)`, spanning the histograms' range.

use crate::sampler::histogram::{MANTISSA_BITS, MAX_EXP, MIN_EXP};

/// Grid step in `ln E`: 1/1024 of an octave (0.068 %), matching the histogram resolution.
pub const DX: f64 = std::f64::consts::LN_2 / (1u64 << MANTISSA_BITS) as f64;

/// `x_j = X0 + j * DX` for `j` in `0..LEN`.
pub const X0: f64 = MIN_EXP as f64 * std::f64::consts::LN_2;
pub const LEN: usize = (((MAX_EXP - MIN_EXP) as usize) << MANTISSA_BITS) + 1;

/// `ln E` at grid point `j`.
#[inline]
pub fn x(j: usize) -> f64 {
    X0 + j as f64 * DX
}

/// `E` (pJ) at every grid point, and at every half step (cell edges: `edges[j]` is
/// `x_j - DX/2`, `edges[LEN]` is `x_{LEN-1} + DX/2`).
pub struct GridValues {
    pub points: Vec<f64>,
    pub edges: Vec<f64>,
}

impl GridValues {
    pub fn new() -> GridValues {
        GridValues {
            points: (0..LEN).map(|j| x(j).exp()).collect(),
            edges: (0..=LEN).map(|j| (x(j) - 0.5 * DX).exp()).collect(),
        }
    }
}

impl Default for GridValues {
    fn default() -> Self {
        Self::new()
    }
}
