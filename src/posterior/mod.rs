//! Posterior distributions of the energy per MAC on a log grid.
//!
//! A posterior is `prior(ln E) * prod_i L_i(ln E)` with the likelihoods of [`likelihood`],
//! computed as a sum of logs so that many sharp observations cannot underflow, normalised by
//! the trapezoid rule. A posterior whose every grid point has zero probability is a
//! contradiction, reported by [`diagnose`], never a NaN.

pub mod grid;
pub mod likelihood;

use crate::config::{Dist, Method};
use crate::sampler::LogHistogram;
use grid::{GridValues, DX, LEN};

/// A normalised density of `x = ln(E / pJ)` on the grid, with its CDF.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    density: Vec<f64>,
    cdf: Vec<f64>,
}

impl Posterior {
    /// From unnormalised log-density values; `None` when every one is `-inf`.
    pub fn from_ln(ln_density: &[f64]) -> Option<Posterior> {
        let max = ln_density.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return None;
        }
        let density: Vec<f64> = ln_density.iter().map(|&l| (l - max).exp()).collect();
        Posterior::from_density(density)
    }

    fn from_density(mut density: Vec<f64>) -> Option<Posterior> {
        let mut cdf = Vec::with_capacity(density.len());
        let mut acc = 0.0;
        cdf.push(0.0);
        for w in density.windows(2) {
            acc += 0.5 * (w[0] + w[1]) * DX;
            cdf.push(acc);
        }
        if !(acc > 0.0 && acc.is_finite()) {
            return None;
        }
        cdf.iter_mut().for_each(|c| *c /= acc);
        density.iter_mut().for_each(|d| *d /= acc);
        Some(Posterior { density, cdf })
    }

    /// The `p` quantile of E, pJ/MAC.
    pub fn quantile(&self, p: f64) -> f64 {
        let j = self.cdf.partition_point(|&c| c < p).clamp(1, LEN - 1);
        let (c0, c1) = (self.cdf[j - 1], self.cdf[j]);
        let t = if c1 > c0 {
            ((p - c0) / (c1 - c0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (grid::x(j - 1) + t * DX).exp()
    }

    /// `P(E <= pj_per_mac)`, linear between grid points (the trapezoid CDF). Simulation-based
    /// calibration uses it as the rank of a true energy among posterior draws.
    pub fn cdf_at(&self, pj_per_mac: f64) -> f64 {
        if pj_per_mac.is_nan() {
            return f64::NAN;
        }
        if pj_per_mac <= 0.0 {
            return 0.0;
        }
        let t = (pj_per_mac.ln() - grid::X0) / DX;
        if t <= 0.0 {
            return 0.0;
        }
        if t >= (LEN - 1) as f64 {
            return 1.0;
        }
        let j = t.floor() as usize;
        let w = t - j as f64;
        self.cdf[j] + w * (self.cdf[j + 1] - self.cdf[j])
    }

    /// `E[f(E)]` for `f` given at every grid point (trapezoid rule), e.g. the posterior
    /// predictive probability `E[Pr(e_i >= E)]` with `values[j] = Pr(e_i >= E_j)`.
    pub fn expectation(&self, values: &[f64]) -> f64 {
        assert_eq!(values.len(), LEN, "one value per grid point");
        let mut acc = 0.0;
        for j in 1..LEN {
            let (a, b) = (self.density[j - 1], self.density[j]);
            if a == 0.0 && b == 0.0 {
                continue;
            }
            acc += 0.5 * (a * values[j - 1] + b * values[j]) * DX;
        }
        acc
    }

    /// Mean and standard deviation of E, pJ/MAC.
    pub fn mean_sd(&self, values: &GridValues) -> (f64, f64) {
        let (mut m1, mut m2) = (0.0, 0.0);
        for j in 1..LEN {
            let (a, b) = (self.density[j - 1], self.density[j]);
            if a == 0.0 && b == 0.0 {
                continue;
            }
            let (ea, eb) = (values.points[j - 1], values.points[j]);
            m1 += 0.5 * (a * ea + b * eb) * DX;
            m2 += 0.5 * (a * ea * ea + b * eb * eb) * DX;
        }
        (m1, (m2 - m1 * m1).max(0.0).sqrt())
    }

    /// The distribution of `E * S` with `S` independent of `E`: the posterior at another node
    /// (`S` its scale). `ln S` is discretised to the grid by its exact CDF, then convolved.
    pub fn scaled(&self, scale: &Dist) -> Posterior {
        let (lo, hi) = match scale.fixed_value() {
            Some(v) => (v, v),
            None => (scale.inverse_cdf(1e-10), scale.inverse_cdf(1.0 - 1e-10)),
        };
        let d_lo = (lo.ln() / DX).round() as i64 - 1;
        let d_hi = (hi.ln() / DX).round() as i64 + 1;
        let weights: Vec<(i64, f64)> = (d_lo..=d_hi)
            .map(|d| {
                let a = scale.cdf(((d as f64 - 0.5) * DX).exp());
                let b = scale.cdf(((d as f64 + 0.5) * DX).exp());
                (d, b - a)
            })
            .filter(|&(_, w)| w > 0.0)
            .collect();
        let mut out = vec![0.0; LEN];
        for (j, &dens) in self.density.iter().enumerate() {
            if dens == 0.0 {
                continue;
            }
            for &(d, w) in &weights {
                let k = j as i64 + d;
                if (0..LEN as i64).contains(&k) {
                    out[k as usize] += dens * w;
                }
            }
        }
        Posterior::from_density(out).expect("a scaled posterior keeps its mass")
    }
}

/// Everything posteriors need that does not change between groups.
pub struct Engine {
    pub values: GridValues,
    ln_prior: Vec<f64>,
}

impl Engine {
    pub fn new(prior: &Dist) -> Engine {
        Engine {
            values: GridValues::new(),
            ln_prior: (0..LEN)
                .map(|j| prior.ln_density_of_ln(grid::x(j)))
                .collect(),
        }
    }

    /// One observation's log-likelihood on the grid.
    pub fn ln_likelihood(&self, method: Method, h: &LogHistogram) -> Vec<f64> {
        match method {
            Method::Bound => likelihood::ln_survival(h, &self.values),
            Method::Efficiency => likelihood::ln_density(h, &self.values),
        }
    }

    /// The posterior from a precomputed sum of log-likelihoods (one value per grid point), or
    /// `None` when prior and likelihood do not overlap. Lets callers reuse likelihoods across
    /// priors (prior sensitivity) or leave one observation out (predictive checks).
    pub fn posterior_from_ln_likelihood(&self, ln_likelihood: &[f64]) -> Option<Posterior> {
        assert_eq!(ln_likelihood.len(), LEN, "one value per grid point");
        let ln_post: Vec<f64> = self
            .ln_prior
            .iter()
            .zip(ln_likelihood)
            .map(|(p, l)| p + l)
            .collect();
        Posterior::from_ln(&ln_post)
    }

    /// The posterior given some observations' histograms, or the contradiction.
    pub fn posterior(
        &self,
        method: Method,
        observations: &[(&str, &LogHistogram)],
    ) -> Result<Posterior, Contradiction> {
        let mut ln_post = self.ln_prior.clone();
        for (_, h) in observations {
            let ln_lik = self.ln_likelihood(method, h);
            ln_post.iter_mut().zip(&ln_lik).for_each(|(p, l)| *p += l);
        }
        Posterior::from_ln(&ln_post).ok_or_else(|| self.diagnose(method, observations))
    }

    /// Which observations make a posterior vanish: first any that the prior alone rules out,
    /// then pairs whose likelihoods do not overlap.
    fn diagnose(&self, method: Method, observations: &[(&str, &LogHistogram)]) -> Contradiction {
        let liks: Vec<Vec<f64>> = observations
            .iter()
            .map(|(_, h)| self.ln_likelihood(method, h))
            .collect();
        let alive = |parts: &[&Vec<f64>]| {
            (0..LEN).any(|j| {
                self.ln_prior[j] + parts.iter().map(|l| l[j]).sum::<f64>() > f64::NEG_INFINITY
            })
        };
        let outside: Vec<String> = observations
            .iter()
            .zip(&liks)
            .filter(|(_, l)| !alive(&[l]))
            .map(|((id, _), _)| id.to_string())
            .collect();
        if !outside.is_empty() {
            return Contradiction {
                message: format!(
                    "{} outside the prior's support: widen model.prior or check the data",
                    describe_ids(&outside, "implies energies", "imply energies")
                ),
                ids: outside,
            };
        }
        // Pairs whose likelihoods do not overlap; name the observations in most such pairs
        // first, since one outlier (a mislabelled HFU, a wrong TDP) typically explains them all.
        let n = liks.len();
        let mut conflicts = vec![0usize; n];
        let mut pairs = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if !alive(&[&liks[a], &liks[b]]) {
                    conflicts[a] += 1;
                    conflicts[b] += 1;
                    pairs.push((a, b));
                }
            }
        }
        if pairs.is_empty() {
            return Contradiction {
                ids: observations.iter().map(|(id, _)| id.to_string()).collect(),
                message: format!(
                    "the {} observations overlap pairwise but not all together under the {} method",
                    n,
                    method.name()
                ),
            };
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| conflicts[i] > 0).collect();
        order.sort_by(|&a, &b| conflicts[b].cmp(&conflicts[a]).then(a.cmp(&b)));
        let worst: Vec<String> = order
            .iter()
            .take(4)
            .map(|&i| {
                format!(
                    "{} ({} of {} others)",
                    observations[i].0,
                    conflicts[i],
                    n - 1
                )
            })
            .collect();
        let more = if order.len() > 4 {
            format!(" and {} more", order.len() - 4)
        } else {
            String::new()
        };
        Contradiction {
            message: format!(
                "{} pairs of observations do not overlap under the {} method; most in conflict: {}{more}",
                pairs.len(),
                method.name(),
                worst.join(", ")
            ),
            ids: order.iter().map(|&i| observations[i].0.to_string()).collect(),
        }
    }
}

fn describe_ids(ids: &[String], one: &str, many: &str) -> String {
    if ids.len() == 1 {
        format!("{} {one}", ids[0])
    } else {
        format!("{} {many}", ids.join(", "))
    }
}

/// Observations whose joint posterior vanishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Contradiction {
    /// The observations involved.
    pub ids: Vec<String>,
    /// One line saying what contradicts what, and what to check.
    pub message: String,
}
