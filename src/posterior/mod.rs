//! Posterior distributions of the energy per MAC on a log grid.
//!
//! A posterior is `prior(ln E) * prod_i L_i(ln E)` with the likelihoods of [`likelihood`],
//! computed as a sum of logs so that many sharp observations cannot underflow, on the window
//! of the grid the prior supports, normalised by the trapezoid rule. A posterior whose every
//! grid point has zero probability is a contradiction, reported by [`Engine::posterior`] with
//! the observations responsible, never a NaN.

pub mod alternatives;
pub mod ceiling;
pub mod frontier;
pub mod grid;
pub mod likelihood;

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Method;
use crate::dist::fast_exp;
use crate::dist::Dist;
use crate::sampler::LogHistogram;
use crate::stop::Stop;
use grid::{DX, LEN};

/// A normalised density of `x = ln(E / pJ)` on grid points `offset..offset + density.len()`,
/// with its CDF.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    offset: usize,
    density: Vec<f64>,
    cdf: Vec<f64>,
}

impl Posterior {
    /// From unnormalised log-density values at grid points `offset..`; `None` when every one
    /// is `-inf`.
    pub fn from_ln(offset: usize, ln_density: &[f64]) -> Option<Posterior> {
        let max = ln_density.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return None;
        }
        // Only the span with any mass is exponentiated (the polynomial exp is exact to 1e-11
        // and several times cheaper than libm's, and this runs for every batch of every group).
        let first = ln_density.iter().position(|&l| l > f64::NEG_INFINITY)?;
        let last = ln_density.iter().rposition(|&l| l > f64::NEG_INFINITY)?;
        let density: Vec<f64> = ln_density[first..=last]
            .iter()
            .map(|&l| {
                if l - max < -745.0 {
                    0.0
                } else {
                    fast_exp(l - max)
                }
            })
            .collect();
        Posterior::from_density(offset + first, density)
    }

    /// From a density given every `stride` grid points from grid point `first` (which may lie
    /// off the grid's ends: those points are dropped), linear in between; `None` without mass.
    pub fn from_lattice(first: i64, stride: usize, density: &[f64]) -> Option<Posterior> {
        let lo = density.iter().position(|&d| d > 0.0)?.saturating_sub(1);
        let hi = (density.iter().rposition(|&d| d > 0.0)? + 1).min(density.len() - 1);
        let start = first + (lo * stride) as i64;
        let end = first + (hi * stride) as i64;
        let (from, to) = (start.max(0), end.min(LEN as i64 - 1));
        if from > to {
            return None;
        }
        let fine: Vec<f64> = (from..=to)
            .map(|f| {
                let t = (f - first) as f64 / stride as f64;
                let k = (t.floor() as usize).min(density.len() - 1);
                let r = t - k as f64;
                let next = density.get(k + 1).copied().unwrap_or(0.0);
                density[k] * (1.0 - r) + next * r
            })
            .collect();
        Posterior::from_density(from as usize, fine)
    }

    fn from_density(offset: usize, mut density: Vec<f64>) -> Option<Posterior> {
        // Trim zero tails so later passes (scaling, moments) skip them.
        let first = density.iter().position(|&d| d > 0.0)?.saturating_sub(1);
        let last = (density.iter().rposition(|&d| d > 0.0)? + 2).min(density.len());
        let mut density = density.drain(first..last).collect::<Vec<_>>();
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
        Some(Posterior {
            offset: offset + first,
            density,
            cdf,
        })
    }

    /// The `p` quantile of E, pJ/MAC.
    pub fn quantile(&self, p: f64) -> f64 {
        let i = self
            .cdf
            .partition_point(|&c| c < p)
            .clamp(1, self.cdf.len() - 1);
        let (c0, c1) = (self.cdf[i - 1], self.cdf[i]);
        let t = if c1 > c0 {
            ((p - c0) / (c1 - c0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (grid::x(self.offset + i - 1) + t * DX).exp()
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
        let t = (pj_per_mac.ln() - grid::X0) / DX - self.offset as f64;
        if t <= 0.0 {
            return 0.0;
        }
        if t >= (self.cdf.len() - 1) as f64 {
            return 1.0;
        }
        let i = t.floor() as usize;
        let w = t - i as f64;
        self.cdf[i] + w * (self.cdf[i + 1] - self.cdf[i])
    }

    /// `E` (pJ) at the points the density is given at.
    pub fn points(&self) -> &[f64] {
        &grid::points()[self.offset..self.offset + self.density.len()]
    }

    /// `E[f(E)]` for `f` given at [`Posterior::points`] (trapezoid rule), e.g. the posterior
    /// predictive probability `E[Pr(e_i >= E)]` with `values[j] = Pr(e_i >= E_j)`.
    pub fn expectation(&self, values: &[f64]) -> f64 {
        assert_eq!(values.len(), self.density.len(), "one value per point");
        self.density
            .windows(2)
            .zip(values.windows(2))
            .fold(0.0, |acc, (d, v)| {
                acc + 0.5 * (d[0] * v[0] + d[1] * v[1]) * DX
            })
    }

    /// The distribution of `E * S` with `S` independent of `E`: the posterior at another node
    /// (`S` its scale), by discrete convolution in `ln E`.
    pub fn scaled(&self, kernel: &ScaleKernel) -> Posterior {
        let n = self.density.len() + kernel.weights.len() - 1;
        let mut out = vec![0.0; n];
        for (i, &dens) in self.density.iter().enumerate() {
            if dens > 0.0 {
                for (d, &w) in kernel.weights.iter().enumerate() {
                    out[i + d] += dens * w;
                }
            }
        }
        // Clamp the shifted support to the grid; mass pushed past its ends (2^+-20 pJ) is lost.
        let start = self.offset as i64 + kernel.d_lo;
        let skip = (-start).max(0) as usize;
        let keep = n.min((LEN as i64 - start.max(0)) as usize + skip);
        Posterior::from_density(start.max(0) as usize, out[skip..keep].to_vec())
            .expect("a scaled posterior keeps its mass")
    }

    /// The `p` quantile of `E * S` without building the whole convolution: bisection on the
    /// convolved CDF at grid points, `sum_d w_d CDF(k - d)`, each evaluation a dot product of
    /// the kernel with a slice of this CDF.
    pub fn scaled_quantile(&self, kernel: &ScaleKernel, p: f64) -> f64 {
        let len = self.cdf.len() as i64;
        let n = kernel.weights.len() as i64;
        let base = self.offset as i64 + kernel.d_lo;
        // With b = k - base: weights d <= b - len see CDF 1, weights b - len < d <= b see
        // cdf[b - d], weights d > b see 0.
        let cdf = |k: i64| -> f64 {
            let b = k - base;
            let ones = (b - len).min(n - 1);
            let head = if ones >= 0 {
                kernel.prefix[ones as usize]
            } else {
                0.0
            };
            let (d0, d1) = ((ones + 1).max(0), b.min(n - 1));
            if d0 > d1 {
                return head;
            }
            let weights = &kernel.weights[d0 as usize..=d1 as usize];
            let cdfs = &self.cdf[(b - d1) as usize..=(b - d0) as usize];
            head + weights
                .iter()
                .zip(cdfs.iter().rev())
                .map(|(w, c)| w * c)
                .sum::<f64>()
        };
        // Gallop out from the unscaled quantile moved by the kernel's centre, then bisect.
        let centre = kernel.d_lo + kernel.prefix.partition_point(|&c| c < 0.5) as i64;
        let guess = grid::index_of(self.quantile(p).ln()) as i64 + centre;
        let (mut lo, mut hi) = (guess - 1, guess);
        let mut step = 8;
        while cdf(lo) >= p && lo > base - 1 {
            hi = lo;
            lo = (lo - step).max(base - 1);
            step *= 2;
        }
        while cdf(hi) < p && hi < base + len + n {
            lo = hi;
            hi = (hi + step).min(base + len + n);
            step *= 2;
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if cdf(mid) < p {
                lo = mid
            } else {
                hi = mid
            }
        }
        let (c0, c1) = (cdf(lo), cdf(hi));
        let t = if c1 > c0 {
            ((p - c0) / (c1 - c0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (grid::X0 + (lo as f64 + t) * DX).exp()
    }

    /// Raw moments `E[E]` and `E[E^2]`, pJ/MAC.
    fn raw_moments(&self) -> (f64, f64) {
        let (mut m1, mut m2) = (0.0, 0.0);
        let mut prev: Option<(f64, f64)> = None;
        for (i, &d) in self.density.iter().enumerate() {
            let e = grid::x(self.offset + i).exp();
            if let Some((pd, pe)) = prev {
                m1 += 0.5 * (pd * pe + d * e) * DX;
                m2 += 0.5 * (pd * pe * pe + d * e * e) * DX;
            }
            prev = Some((d, e));
        }
        (m1, m2)
    }

    /// The density, for pictures: `(E in pJ/MAC, density of ln E)` at every grid point where
    /// the density is at least `min_relative` times its maximum, in increasing E.
    pub fn density_points(&self, min_relative: f64) -> impl Iterator<Item = (f64, f64)> + '_ {
        let max = self.density.iter().copied().fold(0.0, f64::max);
        let floor = max * min_relative;
        self.density
            .iter()
            .enumerate()
            .filter(move |&(_, &d)| d > 0.0 && d >= floor)
            .map(|(i, &d)| (grid::x(self.offset + i).exp(), d))
    }
}

/// A node's posterior: computed directly from its observations, or the pooled posterior
/// times the node's scale, kept in factored form because quantiles and moments of the product
/// need no full convolution.
#[derive(Debug, Clone)]
pub enum NodePosterior {
    /// Computed from the node's own observations.
    Direct(Posterior),
    /// The pooled posterior times the node's scale.
    Scaled {
        /// The pooled (reference-node) posterior, pJ/MAC.
        pooled: Posterior,
        /// The node's scale law, on the grid.
        kernel: ScaleKernel,
    },
}

impl NodePosterior {
    /// The `p` quantile of E, pJ/MAC.
    pub fn quantile(&self, p: f64) -> f64 {
        match self {
            NodePosterior::Direct(post) => post.quantile(p),
            NodePosterior::Scaled { pooled, kernel } => pooled.scaled_quantile(kernel, p),
        }
    }

    /// Mean and standard deviation of E, pJ/MAC; for a scaled node from
    /// `E[E S] = E[E] E[S]` and `E[(E S)^2] = E[E^2] E[S^2]` (independence).
    pub fn mean_sd(&self) -> (f64, f64) {
        let (m1, m2) = match self {
            NodePosterior::Direct(post) => post.raw_moments(),
            NodePosterior::Scaled { pooled, kernel } => {
                let (e1, e2) = pooled.raw_moments();
                let (s1, s2) = kernel.raw_moments();
                (e1 * s1, e2 * s2)
            }
        };
        (m1, (m2 - m1 * m1).max(0.0).sqrt())
    }

    /// The density on the grid (for a scaled node, the convolution is built here).
    pub fn density(&self) -> Posterior {
        match self {
            NodePosterior::Direct(post) => post.clone(),
            NodePosterior::Scaled { pooled, kernel } => pooled.scaled(kernel),
        }
    }
}

/// A node scale `S` discretised on the grid: `weights[d]` is `Pr(ln S` falls in the cell of
/// offset `d_lo + d` grid steps`)`, from the exact CDF.
#[derive(Debug, Clone)]
pub struct ScaleKernel {
    d_lo: i64,
    weights: Vec<f64>,
    /// `prefix[d]` = `weights[0] + ... + weights[d]`.
    prefix: Vec<f64>,
}

impl ScaleKernel {
    /// The kernel of `scale`'s law on the grid (cut at its 1e-10 tails).
    pub fn new(scale: &Dist) -> ScaleKernel {
        let (lo, hi) = match scale.fixed_value() {
            Some(v) => (v, v),
            None => (scale.inverse_cdf(1e-10), scale.inverse_cdf(1.0 - 1e-10)),
        };
        let d_lo = (lo.ln() / DX).round() as i64 - 1;
        let d_hi = (hi.ln() / DX).round() as i64 + 1;
        let weights: Vec<f64> = (d_lo..=d_hi)
            .map(|d| {
                let a = scale.cdf(((d as f64 - 0.5) * DX).exp());
                let b = scale.cdf(((d as f64 + 0.5) * DX).exp());
                b - a
            })
            .collect();
        let prefix = weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        ScaleKernel {
            d_lo,
            weights,
            prefix,
        }
    }

    /// `E[S]` and `E[S^2]` of the discretised scale.
    fn raw_moments(&self) -> (f64, f64) {
        self.weights
            .iter()
            .enumerate()
            .fold((0.0, 0.0), |(m1, m2), (d, w)| {
                let s = ((self.d_lo + d as i64) as f64 * DX).exp();
                (m1 + w * s, m2 + w * s * s)
            })
    }
}

/// Everything posteriors need that does not change between groups.
pub struct Engine<'s> {
    window: Range<usize>,
    points: Vec<f64>,
    ln_prior: Vec<f64>,
    stop: Stop<'s>,
}

/// Observations whose log-likelihoods are computed at once, in parallel, before being summed
/// in order: enough to occupy the threads, few enough to hold.
const BLOCK: usize = 1024;

impl<'s> Engine<'s> {
    /// An engine for `prior` that never stops (see [`Engine::stoppable`]).
    pub fn new(prior: &Dist) -> Engine<'static> {
        Engine::stoppable(prior, Stop::NEVER)
    }

    /// An engine that abandons a group's computation once `stop` is requested. What it
    /// returns then is meaningless: callers check `stop` and discard it.
    pub fn stoppable(prior: &Dist, stop: Stop<'s>) -> Engine<'s> {
        let window = grid::prior_window(prior);
        Engine {
            stop,
            points: window.clone().map(|j| grid::x(j).exp()).collect(),
            ln_prior: window
                .clone()
                .map(|j| prior.ln_density_of_ln(grid::x(j)))
                .collect(),
            window,
        }
    }

    /// The stop this engine polls.
    pub fn stop(&self) -> Stop<'s> {
        self.stop
    }

    /// `term` of each of `items`, in order. Terms are computed a block at a time in parallel
    /// and live only until consumed, so summing a group of any size holds one block; the
    /// sequence ends early once a stop is requested.
    pub fn in_blocks<'a, T: Sync>(
        &'a self,
        items: &'a [T],
        term: impl Fn(&'a T) -> likelihood::LnLikelihood + Sync + 'a,
    ) -> impl Iterator<Item = likelihood::LnLikelihood> + 'a {
        items
            .chunks(BLOCK)
            .take_while(|_| !self.stop.requested())
            .flat_map(move |block| block.par_iter().map(&term).collect::<Vec<_>>())
    }

    /// One observation's log-likelihood on the prior's window.
    pub fn ln_likelihood(&self, method: Method, h: &LogHistogram) -> likelihood::LnLikelihood {
        match method {
            Method::Bound => likelihood::ln_survival(h, &self.points),
            Method::Efficiency => likelihood::ln_density(h, self.window.clone()),
            Method::Frontier => unreachable!("the frontier is not built from histograms"),
        }
    }

    /// One observation's log-likelihood on the whole grid (`grid::LEN` points, independent of
    /// the prior's window), for analyses that sum likelihoods once and reuse them under
    /// several priors.
    pub fn ln_likelihood_on_grid(
        &self,
        method: Method,
        h: &LogHistogram,
    ) -> likelihood::LnLikelihood {
        match method {
            Method::Bound => likelihood::ln_survival(h, grid::points()),
            Method::Efficiency => likelihood::ln_density(h, 0..LEN),
            Method::Frontier => unreachable!("the frontier is not built from histograms"),
        }
    }

    /// The posterior from a summed whole-grid log-likelihood; `None` when it vanishes.
    pub fn posterior_from_ln_likelihood(&self, ln_likelihood: &[f64]) -> Option<Posterior> {
        assert_eq!(ln_likelihood.len(), LEN, "one value per grid point");
        self.posterior_from_window(&ln_likelihood[self.window.clone()])
    }

    /// The posterior from a summed log-likelihood on the prior's window (the coordinates of
    /// [`Engine::ln_likelihood`]); `None` when it vanishes.
    pub fn posterior_from_window(&self, ln_likelihood: &[f64]) -> Option<Posterior> {
        assert_eq!(
            ln_likelihood.len(),
            self.window.len(),
            "one value per window point"
        );
        let ln_post: Vec<f64> = self
            .ln_prior
            .iter()
            .zip(ln_likelihood)
            .map(|(p, l)| p + l)
            .collect();
        Posterior::from_ln(self.window.start, &ln_post)
    }

    /// Points in the prior's window.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// The posterior given some observations' histograms, or the contradiction.
    pub fn posterior(
        &self,
        method: Method,
        observations: &[(&str, &LogHistogram)],
    ) -> Result<Posterior, Contradiction> {
        // Log-likelihoods are computed a block at a time and live only until added: memory
        // stays at a block's worth however many observations the group has, and the sum is
        // the same as adding them one by one.
        let terms = self.in_blocks(observations, |(_, h)| self.ln_likelihood(method, h));
        let sum = likelihood::LnLikelihoodSum::new(self.ln_prior.clone(), terms);
        Posterior::from_ln(self.window.start, &sum.total())
            .ok_or_else(|| self.diagnose(method, observations))
    }

    /// Which observations make a posterior vanish: first any that the prior alone rules out,
    /// then pairs whose likelihoods do not overlap. Works on supports (the index ranges where
    /// each log-likelihood is finite), in O(n log n) for gap-free supports, so a group of
    /// 100,000 observations is diagnosed in well under a second.
    fn diagnose(&self, method: Method, observations: &[(&str, &LogHistogram)]) -> Contradiction {
        let n_window = self.ln_prior.len();
        let prior: Vec<(usize, usize)> = runs(&self.ln_prior);
        let supports: Vec<Vec<(usize, usize)>> = observations
            .par_iter()
            .map(|(_, h)| {
                if self.stop.requested() {
                    return Vec::new();
                }
                intersect(&prior, &self.ln_likelihood(method, h).support(n_window))
            })
            .collect();
        let outside: Vec<String> = observations
            .iter()
            .zip(&supports)
            .filter(|(_, s)| s.is_empty())
            .map(|((id, _), _)| id.to_string())
            .collect();
        if !outside.is_empty() {
            let verb = if outside.len() == 1 {
                "implies energies"
            } else {
                "imply energies"
            };
            return Contradiction {
                message: format!(
                    "{} {verb} outside the prior's support: widen model.prior or check the data",
                    outside.join(", ")
                ),
                ids: outside.into(),
            };
        }
        let n = supports.len();
        let conflicts = conflict_counts(&supports);
        let pairs = conflicts.iter().sum::<usize>() / 2;
        if pairs == 0 {
            return Contradiction {
                ids: observations.iter().map(|(id, _)| id.to_string()).collect(),
                message: format!(
                    "the {n} observations overlap pairwise but not all together under the {} method",
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
            ids: order.iter().map(|&i| observations[i].0.to_string()).collect(),
        }
    }
}

/// Beyond this many observations, gapped supports are compared by their hulls (a count that
/// can only miss conflicts hidden in gaps) rather than pair by pair.
const EXACT_PAIRS_LIMIT: usize = 2000;

/// Half-open index ranges where `values` is finite.
fn runs(values: &[f64]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if *v > f64::NEG_INFINITY {
            match out.last_mut() {
                Some(last) if last.1 == i => last.1 = i + 1,
                _ => out.push((i, i + 1)),
            }
        }
    }
    out
}

/// Intersection of two sorted lists of disjoint half-open ranges.
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

/// For each support, how many others it does not overlap. Gap-free supports are intervals:
/// `i` misses those ending at or before its start and those starting at or after its end,
/// counted by binary search in sorted starts and ends.
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

/// Observations whose joint posterior vanishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Contradiction {
    /// The observations involved; shared, since every accelerator row of a contradictory
    /// group repeats it (a group of 100,000 observations must not be copied 10,000 times).
    pub ids: Arc<[String]>,
    /// One line saying what contradicts what, and what to check.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{DistSpec, Quantity};

    /// A lognormal-shaped posterior on the grid: ln E ~ N(mu, sd).
    fn lognormal(mu: f64, sd: f64) -> Posterior {
        let lo = grid::index_of(mu - 8.0 * sd);
        let ln: Vec<f64> = (lo..grid::index_of(mu + 8.0 * sd))
            .map(|j| -0.5 * ((grid::x(j) - mu) / sd).powi(2))
            .collect();
        Posterior::from_ln(lo, &ln).unwrap()
    }

    #[test]
    fn factored_scaling_agrees_with_the_full_convolution() {
        let pooled = lognormal(0.5, 0.2);
        let scale = DistSpec::Lognormal {
            mu: 0.33,
            sigma: 0.1,
        }
        .resolve(Quantity::PositiveFactor)
        .unwrap();
        let kernel = ScaleKernel::new(&scale);
        let factored = NodePosterior::Scaled {
            pooled: pooled.clone(),
            kernel: kernel.clone(),
        };
        let full = NodePosterior::Direct(pooled.scaled(&kernel));
        // ln(E S) ~ N(0.83, sqrt(0.05)): both forms against the closed form.
        let sd = 0.05f64.sqrt();
        for p in [0.025, 0.5, 0.975] {
            let z = statrs::distribution::ContinuousCDF::inverse_cdf(
                &statrs::distribution::Normal::standard(),
                p,
            );
            let exact = (0.83 + sd * z).exp();
            for q in [factored.quantile(p), full.quantile(p)] {
                assert!((q / exact - 1.0).abs() < 2e-4, "p {p}: {q} vs {exact}");
            }
        }
        let ((m1, s1), (m2, s2)) = (factored.mean_sd(), full.mean_sd());
        assert!(
            (m1 / m2 - 1.0).abs() < 1e-6 && (s1 / s2 - 1.0).abs() < 1e-4,
            "{m1} {m2} {s1} {s2}"
        );
        let exact_mean = (0.83 + 0.5 * 0.05f64).exp();
        assert!((m1 / exact_mean - 1.0).abs() < 1e-4);
    }

    #[test]
    fn density_points_return_the_support_in_pj_with_its_density() {
        // Flat in ln E on [ln 1, ln 2] (grid points j0..=j1) and zero elsewhere: the support
        // is the 1024 intervals between those points, so the density inside is 1 / (1024 DX).
        let j0 = ((0.0 - grid::X0) / DX).round() as usize;
        let j1 = j0 + 1024; // one octave
        let ln: Vec<f64> = (0..LEN)
            .map(|j| {
                if (j0..=j1).contains(&j) {
                    0.0
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let p = Posterior::from_ln(0, &ln).unwrap();
        let points: Vec<(f64, f64)> = p.density_points(0.5).collect();
        assert_eq!(points.len(), 1025);
        assert!((points[0].0 - grid::x(j0).exp()).abs() < 1e-12);
        assert!((points[1024].0 / points[0].0 - 2.0).abs() < 1e-9);
        for &(_, d) in &points {
            assert!((d - 1.0 / (1024.0 * DX)).abs() < 1e-9, "{d}");
        }
    }
}
