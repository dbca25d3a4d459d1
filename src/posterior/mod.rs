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
pub use likelihood::LnLikelihood;

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
    pub fn ln_likelihood(&self, method: Method, h: &LogHistogram) -> LnLikelihood {
        match method {
            Method::Bound => likelihood::ln_survival(h, &self.values),
            Method::Efficiency => likelihood::ln_density(h, &self.values),
        }
    }

    /// The posterior given some observations' log-likelihoods, or the contradiction.
    ///
    /// Costs the grid once plus each likelihood's stored window: outside the windows a
    /// likelihood is 0 (nothing to add) or `-inf`, which is applied once at the end as the
    /// narrowest cut. Adding `-inf` to a finite sum gives `-inf`, so this is bit for bit the
    /// sum over the whole grid.
    pub fn posterior(
        &self,
        method: Method,
        observations: &[(&str, &LnLikelihood)],
    ) -> Result<Posterior, Contradiction> {
        let mut ln_post = self.ln_prior.clone();
        let (mut cut_lo, mut cut_hi) = (0, LEN);
        for (_, l) in observations {
            if l.below == f64::NEG_INFINITY {
                cut_lo = cut_lo.max(l.start);
            }
            cut_hi = cut_hi.min(l.end());
            ln_post[l.start..l.end()]
                .iter_mut()
                .zip(&l.values)
                .for_each(|(p, v)| *p += v);
        }
        let cut_lo = cut_lo.min(LEN);
        ln_post[..cut_lo].fill(f64::NEG_INFINITY);
        ln_post[cut_hi.max(cut_lo)..].fill(f64::NEG_INFINITY);
        Posterior::from_ln(&ln_post).ok_or_else(|| self.diagnose(method, observations))
    }

    /// Grid ranges where the prior is above zero.
    fn prior_support(&self) -> Vec<(usize, usize)> {
        LnLikelihood {
            start: 0,
            values: self.ln_prior.clone(),
            below: f64::NEG_INFINITY,
        }
        .support()
    }

    /// Which observations make a posterior vanish: first any that the prior alone rules out,
    /// then pairs whose likelihoods do not overlap.
    fn diagnose(&self, method: Method, observations: &[(&str, &LnLikelihood)]) -> Contradiction {
        let prior = self.prior_support();
        let supports: Vec<Vec<(usize, usize)>> = observations
            .iter()
            .map(|(_, l)| intersect(&prior, &l.support()))
            .collect();
        let outside: Vec<String> = observations
            .iter()
            .zip(&supports)
            .filter(|(_, s)| s.is_empty())
            .map(|((id, _), _)| id.to_string())
            .collect();
        if !outside.is_empty() {
            return Contradiction {
                message: format!(
                    "{} outside the prior's support: widen model.prior or check the data",
                    describe_ids(&outside, "implies energies", "imply energies")
                ),
                ids: outside.into(),
            };
        }
        // Pairs whose likelihoods do not overlap; name the observations in most such pairs
        // first, since one outlier (a mislabelled HFU, a wrong TDP) typically explains them all.
        let n = supports.len();
        let conflicts = conflict_counts(&supports);
        let pairs = conflicts.iter().sum::<usize>() / 2;
        if pairs == 0 {
            return Contradiction {
                ids: observations
                    .iter()
                    .map(|(id, _)| id.to_string())
                    .collect::<Vec<_>>()
                    .into(),
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
                "{pairs} pairs of observations do not overlap under the {} method; most in conflict: {}{more}",
                method.name(),
                worst.join(", ")
            ),
            ids: order
                .iter()
                .map(|&i| observations[i].0.to_string())
                .collect::<Vec<_>>()
                .into(),
        }
    }
}

/// The common part of two ordered lists of disjoint ranges.
fn intersect(a: &[(usize, usize)], b: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let (lo, hi) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if lo < hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Above this many observations with gapped supports, pairs are judged by their supports'
/// hulls (exact for the contiguous supports every shipped distribution gives).
const EXACT_PAIRS_LIMIT: usize = 2000;

/// For each observation, how many others its support does not meet. Contiguous supports are
/// counted by sorting, in `n log n`: observation `i` misses every `j` that ends at or before
/// its start or starts at or after its end.
fn conflict_counts(supports: &[Vec<(usize, usize)>]) -> Vec<usize> {
    let n = supports.len();
    let gapped = supports.iter().any(|s| s.len() > 1);
    if gapped && n <= EXACT_PAIRS_LIMIT {
        let mut conflicts = vec![0usize; n];
        for a in 0..n {
            for b in a + 1..n {
                if intersect(&supports[a], &supports[b]).is_empty() {
                    conflicts[a] += 1;
                    conflicts[b] += 1;
                }
            }
        }
        return conflicts;
    }
    let hulls: Vec<(usize, usize)> = supports
        .iter()
        .map(|s| (s[0].0, s[s.len() - 1].1))
        .collect();
    let mut starts: Vec<usize> = hulls.iter().map(|h| h.0).collect();
    let mut ends: Vec<usize> = hulls.iter().map(|h| h.1).collect();
    starts.sort_unstable();
    ends.sort_unstable();
    hulls
        .iter()
        .map(|&(lo, hi)| {
            ends.partition_point(|&e| e <= lo) + (n - starts.partition_point(|&s| s < hi))
        })
        .collect()
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
    /// The observations involved. Shared, because every accelerator row derived from a
    /// contradictory group carries the contradiction: copying tens of thousands of ids per
    /// row made memory grow with accelerators times observations.
    pub ids: std::sync::Arc<[String]>,
    /// One line saying what contradicts what, and what to check.
    pub message: String,
}
