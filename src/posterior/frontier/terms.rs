//! The likelihood of one published MFU given its chip's energy: the run terms of the frontier.
//!
//! Write `ℓ = -ln L ≥ 0` for the run's physics limit `L = min(1, u P k / (c F E))` and
//! `[a, b] = [-ln mfu_high, -ln mfu_low]` for its published range (uniform in MFU; a point
//! value is widened to one lattice step, so every term is a probability of a cell, divided by
//! the cell's width: a density). The run's log-inefficiency `v = -ln m - ℓ` then has to fall in
//! `[a - ℓ, b - ℓ]`:
//!
//! - a **training run**: `v = g + w`, `w ~ Gamma(κ, mean θ)`, and with probability π the
//!   published MFU is too high by a factor `R`, `ln R ~ uniform(0, ln R_max]` (an HFU or a
//!   sparse peak read as MFU), so `v = g + w - ln R`. The mixture's CDF needs the Gamma CDF and
//!   its integral, both tabulated once per (θ, κ);
//! - a **matmul benchmark**: `v = -ln η` with η its own software efficiency (a few percent
//!   below 1), no population inefficiency and no mislabel.

use statrs::distribution::{ContinuousCDF, Gamma};

use super::lattice::H;
use crate::dist::Dist;

/// Table step of the inefficiency law, log units: an eighth of the lattice, so the narrowest
/// law of the default prior (θ = 0.03, κ = 6: sd 0.012) spans several table points.
const STEP: f64 = H / 8.0;
/// Beyond this log-inefficiency (a run e^12 times below its limit) the law is taken as 1.
const Z_MAX: f64 = 12.0;

/// The CDF `F` of `w ~ Gamma(κ, mean θ)` and its integral `G(z) = ∫_0^z F`, tabulated.
#[derive(Debug, Clone)]
pub struct InefficiencyLaw {
    f: Vec<f64>,
    g: Vec<f64>,
    z_max: f64,
}

impl InefficiencyLaw {
    /// Tabulates the law with mean `theta` and shape `kappa` (both > 0).
    pub fn new(theta: f64, kappa: f64) -> InefficiencyLaw {
        let gamma = Gamma::new(kappa, kappa / theta).expect("checked shape and mean");
        // Far enough that 1 - F < 1e-12 (the exponential's tail is the longest per unit mean).
        let z_max = (theta * (30.0 + 10.0 / kappa.sqrt())).min(Z_MAX);
        let n = (z_max / STEP).ceil() as usize + 1;
        let f: Vec<f64> = (0..n).map(|k| gamma.cdf(k as f64 * STEP)).collect();
        let mut g = Vec::with_capacity(n);
        let mut acc = 0.0;
        g.push(0.0);
        for w in f.windows(2) {
            acc += 0.5 * (w[0] + w[1]) * STEP;
            g.push(acc);
        }
        InefficiencyLaw {
            f,
            g,
            z_max: (n - 1) as f64 * STEP,
        }
    }

    /// `P(w <= z)`.
    #[inline]
    pub fn cdf(&self, z: f64) -> f64 {
        if z <= 0.0 {
            return 0.0;
        }
        if z >= self.z_max {
            return 1.0;
        }
        let t = z / STEP;
        let k = t as usize;
        let r = t - k as f64;
        self.f[k] + r * (self.f[k + 1] - self.f[k])
    }

    /// `∫_0^z P(w <= t) dt`.
    #[inline]
    fn integral(&self, z: f64) -> f64 {
        if z <= 0.0 {
            return 0.0;
        }
        if z >= self.z_max {
            return self.g[self.g.len() - 1] + (z - self.z_max);
        }
        let t = z / STEP;
        let k = t as usize;
        let r = t - k as f64;
        self.g[k] + r * (self.g[k + 1] - self.g[k])
    }

    /// `P(v - ln R <= z)` for the mislabelled component: `(G(z + r) - G(z)) / r`,
    /// `r = ln R_max`.
    #[inline]
    fn mislabel_cdf(&self, z: f64, ln_r_max: f64) -> f64 {
        (self.integral(z + ln_r_max) - self.integral(z)) / ln_r_max
    }
}

/// The parameters a training-run term needs besides its chip's energy.
#[derive(Debug, Clone, Copy)]
pub struct TrainingLaw<'a> {
    /// The inefficiency law `w ~ Gamma(κ, mean θ)` at this grid point.
    pub law: &'a InefficiencyLaw,
    /// `g`, the gap of the best runs, log units.
    pub gap: f64,
    /// π, probability that the published MFU is mislabelled (too high).
    pub mislabel_probability: f64,
    /// `ln` of the largest factor by which a mislabelled MFU is too high.
    pub ln_mislabel_max: f64,
}

/// Where a run's log-inefficiency must fall, before its physics limit is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MfuCell {
    /// `-ln mfu_high`, widened down by half a step for a point value.
    pub a: f64,
    /// `-ln mfu_low`, widened up by half a step for a point value.
    pub b: f64,
}

impl MfuCell {
    /// The cell of an MFU range (`mfu_low <= mfu_high`, fractions), widened to one lattice step
    /// when narrower.
    pub fn new(mfu_low: f64, mfu_high: f64) -> MfuCell {
        let (a, b) = (-mfu_high.ln(), -mfu_low.ln());
        if b - a < H {
            let mid = 0.5 * (a + b);
            MfuCell {
                a: mid - 0.5 * H,
                b: mid + 0.5 * H,
            }
        } else {
            MfuCell { a, b }
        }
    }
}

impl TrainingLaw<'_> {
    /// The run's term at `ℓ = -ln L`, and the part of it due to a mislabel (for the posterior
    /// probability that the run is mislabelled).
    #[inline]
    pub fn term(&self, cell: MfuCell, ell: f64) -> (f64, f64) {
        let lo = cell.a - ell - self.gap;
        let hi = cell.b - ell - self.gap;
        let clean = self.law.cdf(hi) - self.law.cdf(lo);
        let wrong = if self.mislabel_probability > 0.0 {
            self.law.mislabel_cdf(hi, self.ln_mislabel_max)
                - self.law.mislabel_cdf(lo, self.ln_mislabel_max)
        } else {
            0.0
        };
        let width = cell.b - cell.a;
        let p = self.mislabel_probability;
        let wrong = p * wrong.max(0.0) / width;
        ((1.0 - p) * clean.max(0.0) / width + wrong, wrong)
    }
}

/// A matmul benchmark's term at `ℓ`: `P(-ln η ∈ [a - ℓ, b - ℓ])` per unit width.
#[inline]
pub fn benchmark_term(efficiency: &Dist, cell: MfuCell, ell: f64) -> f64 {
    let (lo, hi) = (cell.a - ell, cell.b - ell);
    // -ln η in [lo, hi]  <=>  η in [e^-hi, e^-lo].
    let p = efficiency.cdf((-lo).exp()) - efficiency.cdf((-hi).exp());
    p.max(0.0) / (cell.b - cell.a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{DistSpec, Quantity};

    #[test]
    fn tabulated_law_matches_the_exponential_in_closed_form() {
        // κ = 1: F(z) = 1 - e^{-z/θ}, G(z) = z - θ (1 - e^{-z/θ}).
        let theta = 0.3;
        let law = InefficiencyLaw::new(theta, 1.0);
        for z in [0.01, 0.1, 0.5, 1.7, 5.0] {
            let f = 1.0 - (-z / theta).exp();
            let g = z - theta * (1.0 - (-z / theta).exp());
            assert!((law.cdf(z) - f).abs() < 1e-5, "F({z})");
            assert!((law.integral(z) - g).abs() < 1e-5, "G({z})");
        }
        assert_eq!(law.cdf(-0.1), 0.0);
        assert!((law.integral(20.0) - (20.0 - theta)).abs() < 1e-5);
    }

    #[test]
    fn training_term_integrates_to_one_over_published_mfu() {
        // Summing the term over a partition of -ln m covers the whole law: mass 1.
        let law = InefficiencyLaw::new(0.4, 2.0);
        let t = TrainingLaw {
            law: &law,
            gap: 0.07,
            mislabel_probability: 0.05,
            ln_mislabel_max: 2f64.ln(),
        };
        let ell = 0.3;
        let mut mass = 0.0;
        let mut k = -2.0;
        while k < 14.0 {
            let cell = MfuCell { a: k, b: k + 0.01 };
            mass += t.term(cell, ell).0 * 0.01;
            k += 0.01;
        }
        assert!((mass - 1.0).abs() < 1e-6, "{mass}");
    }

    #[test]
    fn benchmark_term_is_the_efficiency_law_moved_by_the_limit() {
        let eta = DistSpec::Uniform {
            low: 0.9,
            high: 1.0,
        }
        .resolve(Quantity::Fraction)
        .unwrap();
        // MFU 0.8 with limit 0.85 (ℓ = -ln 0.85): η = 0.941, inside; density of -ln η there
        // is η / 0.1.
        let cell = MfuCell::new(0.8, 0.8);
        let d = benchmark_term(&eta, cell, -(0.85f64.ln()));
        let eta0 = 0.8 / 0.85;
        assert!((d - eta0 / 0.1).abs() < 0.02 * d, "{d}");
        // Limit 0.7 < MFU: impossible.
        assert_eq!(benchmark_term(&eta, cell, -(0.7f64.ln())), 0.0);
    }
}
