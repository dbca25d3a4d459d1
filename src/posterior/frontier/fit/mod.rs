//! Fitting the frontier: the two passes over the hyperparameter grid.
//!
//! Pass 1 computes, for every hyperparameter point, the evidence of every observed group
//! (node × precision); their product gives the hyperparameters' posterior weights. Pass 2
//! revisits the points with any weight and accumulates, weighted, every reported posterior:
//! the node rows, the pooled rows, each accelerator's own energy and physics limit, and each
//! run's software efficiency and probability of being mislabelled. Both passes run the
//! hyperparameter points in parallel and add their results in a fixed order.

use rayon::prelude::*;

use super::hyper::{HyperGrid, LawPoint};
use super::lattice::{smooth, Lattice, H};
use super::terms::{InefficiencyLaw, TrainingLaw};
use super::units::{accelerator_units, peak_points, AcceleratorUnit, RunKind, RunPower, RunUnit};
use crate::config::RunPlan;
use crate::data::{Dataset, Precision};
use crate::dist::{Dist, DistSpec};
use crate::posterior::{grid, Contradiction};
use crate::stop::{Cancelled, Stop};

/// Relative weight below which a hyperparameter point is skipped in pass 2.
const NEGLIGIBLE: f64 = 1e-10;
/// Hyperparameter points handled together in pass 2 (bounds the memory of partial sums).
const CHUNK: usize = 8;

mod accumulate;
mod results;

use accumulate::Accumulator;
pub use results::*;

/// A group of accelerator units sharing a node energy.
struct Group {
    node: String,
    precision: Precision,
    units: Vec<usize>,
    n_observations: usize,
}

/// The lattice with margins: index `e` stands for lattice point `e - margin`.
struct Ext {
    lat: Lattice,
    margin: usize,
}

impl Ext {
    fn len(&self) -> usize {
        self.lat.n + 2 * self.margin
    }
    fn x(&self, e: usize) -> f64 {
        self.lat.x(e as i64 - self.margin as i64)
    }
    fn window(&self) -> std::ops::Range<usize> {
        self.margin..self.margin + self.lat.n
    }
}

/// A node's group in a pooled row: `(group index, mean, sd of ln node scale)`.
type NodeShift = (usize, f64, f64);

/// The fixed parts of a fit.
struct Setup<'a> {
    plan: &'a RunPlan,
    units: Vec<AcceleratorUnit>,
    groups: Vec<Group>,
    /// Per precision: `(precision, [(group index, mean, sd of ln node scale)])`.
    pooled: Vec<(Precision, Vec<NodeShift>)>,
    ext: Ext,
    /// `ln` prior density of `ln E` on the window: the plan's, then each alternative's.
    priors: Vec<Vec<f64>>,
    peak: Vec<(f64, f64)>,
    grid: HyperGrid,
    laws: Vec<Vec<InefficiencyLaw>>,
    /// Per unit: `ln` of the product of its benchmarks' terms on the margins' lattice (they
    /// depend on no hyperparameter, so they are computed once).
    benchmarks: Vec<Vec<f64>>,
}

/// An accelerator's likelihood pieces at one law point, in logs on the margins' lattice:
/// per peak-factor point, the shared-power runs' product (on `[lo, lo + len)`, shifted by
/// the power kernel later) and every other run's product.
struct UnitTerms {
    per_peak: Vec<(Vec<f64>, Vec<f64>)>,
    shared_lo: i64,
}

/// Fits the frontier on the observations of `dataset`.
pub fn fit(plan: &RunPlan, dataset: &Dataset, stop: Stop) -> Result<FrontierFit, Cancelled> {
    Ok(fit_with_alternatives(plan, dataset, &[], stop)?.0)
}

/// [`fit`], and the node and pooled posteriors under each alternative energy prior (prior
/// sensitivity). The likelihoods do not depend on the prior, so they are computed once and
/// serve every prior; only the weights of the hyperparameters and the posteriors differ.
pub fn fit_with_alternatives(
    plan: &RunPlan,
    dataset: &Dataset,
    alternatives: &[Dist],
    stop: Stop,
) -> Result<(FrontierFit, Vec<Vec<GroupFit>>), Cancelled> {
    let setup = Setup::new(plan, dataset, alternatives);
    let law_points = setup.grid.law_points();
    let n_tau = setup.grid.tau.len();
    let n_priors = setup.priors.len();

    // Pass 1: evidences, [law point][τ][prior].
    let ln_z: Vec<Vec<Vec<f64>>> = law_points
        .par_iter()
        .map(|lp| {
            if stop.requested() {
                return vec![vec![f64::NEG_INFINITY; n_priors]; n_tau];
            }
            let terms = setup.all_terms(lp);
            let likelihoods = setup.likelihoods(&terms);
            (0..n_tau)
                .map(|t| {
                    let tau = setup.grid.tau[t];
                    let products: Vec<Vec<f64>> = setup
                        .groups
                        .iter()
                        .map(|g| setup.group_product(g, &likelihoods, tau))
                        .collect();
                    (0..n_priors)
                        .map(|k| {
                            products
                                .iter()
                                .map(|product| {
                                    log_sum_exp(&setup.ln_posterior(k, product)) + H.ln()
                                })
                                .sum()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    stop.check()?;
    // weights[prior][law point][τ], each prior's summing to 1.
    let mut weights = Vec::with_capacity(n_priors);
    for k in 0..n_priors {
        let max = ln_z
            .iter()
            .flatten()
            .map(|row| row[k])
            .fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            if k == 0 {
                return Ok((setup.contradiction(dataset), Vec::new()));
            }
            weights.push(vec![vec![0.0; n_tau]; law_points.len()]);
            continue;
        }
        let w: Vec<Vec<f64>> = ln_z
            .iter()
            .map(|by_tau| by_tau.iter().map(|row| (row[k] - max).exp()).collect())
            .collect();
        let total: f64 = w.iter().flatten().sum();
        weights.push(
            w.into_iter()
                .map(|row| row.into_iter().map(|x| x / total).collect())
                .collect(),
        );
    }

    // Pass 2: weighted posteriors.
    let mut acc = Accumulator::new(&setup, dataset);
    let active: Vec<usize> = (0..law_points.len())
        .filter(|&i| weights.iter().any(|w| w[i].iter().any(|&x| x > NEGLIGIBLE)))
        .collect();
    for chunk in active.chunks(CHUNK) {
        stop.check()?;
        let parts: Vec<Accumulator> = chunk
            .par_iter()
            .map(|&i| {
                let mut part = Accumulator::new(&setup, dataset);
                let by_prior: Vec<&[f64]> = weights.iter().map(|w| &w[i][..]).collect();
                part.add_law_point(&setup, &law_points[i], &by_prior);
                part
            })
            .collect();
        for p in &parts {
            acc.merge(p);
        }
    }
    Ok(acc.finish(&setup, &law_points, &weights[0]))
}

impl<'a> Setup<'a> {
    fn new(plan: &'a RunPlan, dataset: &Dataset, alternatives: &[Dist]) -> Setup<'a> {
        let units = accelerator_units(plan, dataset);
        let grid = HyperGrid::new(&plan.frontier);
        let all_priors: Vec<&Dist> = std::iter::once(&plan.prior).chain(alternatives).collect();
        let window = all_priors
            .iter()
            .map(|p| grid::prior_window(p))
            .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
            .expect("at least the plan's prior");
        let lat = Lattice::covering(window);
        let scales: Vec<(String, f64, f64)> = plan
            .nodes
            .iter()
            .map(|n| {
                let (m, s) = ln_moments(&n.scale);
                (n.node.clone(), m, s)
            })
            .collect();
        // Margins: the architecture effect and node scales reach a chip's energy up to about
        // 4 standard deviations from its node's.
        let tau_max = grid.tau.iter().copied().fold(0.0, f64::max);
        let reach = scales
            .iter()
            .map(|(_, m, s)| m.abs() + 4.0 * (s * s + tau_max * tau_max).sqrt())
            .fold(4.0 * tau_max, f64::max);
        let ext = Ext {
            lat,
            margin: (reach / H).ceil() as usize + 8,
        };
        let priors = all_priors
            .iter()
            .map(|p| ext.window().map(|e| p.ln_density_of_ln(ext.x(e))).collect())
            .collect();

        // Observed groups in the order of the plan's nodes, then precision.
        let mut groups = Vec::new();
        for precision in Precision::ALL {
            for (node, _, _) in &scales {
                let members: Vec<usize> = (0..units.len())
                    .filter(|&u| units[u].precision == precision && &units[u].node == node)
                    .collect();
                if !members.is_empty() {
                    groups.push(Group {
                        node: node.clone(),
                        precision,
                        n_observations: members.iter().map(|&u| units[u].runs().count()).sum(),
                        units: members,
                    });
                }
            }
        }
        let pooled = Precision::ALL
            .into_iter()
            .filter_map(|p| {
                let members: Vec<NodeShift> = groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.precision == p)
                    .map(|(i, g)| {
                        let (_, m, s) = scales
                            .iter()
                            .find(|(n, _, _)| *n == g.node)
                            .expect("groups come from the plan's nodes");
                        (i, *m, *s)
                    })
                    .collect();
                (!members.is_empty()).then_some((p, members))
            })
            .collect();
        let laws = grid
            .theta
            .par_iter()
            .map(|&theta| {
                grid.kappa
                    .iter()
                    .map(|&kappa| InefficiencyLaw::new(theta, kappa))
                    .collect()
            })
            .collect();
        let eff = &plan.benchmark.software_efficiency;
        let benchmarks = units
            .par_iter()
            .map(|u| {
                (0..ext.len())
                    .map(|e| {
                        let x = ext.x(e);
                        u.own
                            .iter()
                            .filter(|r| r.kind == RunKind::MatmulBenchmark)
                            .map(|r| r.term(x, 0.0, 0.0, None, eff).0.ln())
                            .sum()
                    })
                    .collect()
            })
            .collect();
        Setup {
            plan,
            benchmarks,
            peak: peak_points(&plan.peak_factor),
            units,
            groups,
            pooled,
            ext,
            priors,
            grid,
            laws,
        }
    }

    fn law(&self, lp: &LawPoint) -> TrainingLaw<'_> {
        TrainingLaw {
            law: &self.laws[lp.theta][lp.kappa],
            gap: self.grid.gap[lp.gap],
            mislabel_probability: self.plan.frontier.mislabel_probability,
            ln_mislabel_max: self.plan.frontier.mislabel_max_factor.ln(),
        }
    }

    fn all_terms(&self, lp: &LawPoint) -> Vec<UnitTerms> {
        let law = self.law(lp);
        (0..self.units.len())
            .map(|u| self.unit_terms(u, &law))
            .collect()
    }

    /// Log-products of an accelerator's run terms at one law point.
    fn unit_terms(&self, u: usize, law: &TrainingLaw) -> UnitTerms {
        let unit = &self.units[u];
        let len = self.ext.len();
        let k = &unit.power_kernel;
        // Shared-power runs are evaluated at x - ln u = x_{e - d}: indices e - d for every
        // kernel offset d.
        let shared_lo = -(k.lo + k.weights.len() as i64 - 1);
        let shared_len = len + k.weights.len() - 1;
        let eff = &self.plan.benchmark.software_efficiency;
        let per_peak = self
            .peak
            .iter()
            .map(|&(ln_c, _)| {
                let mut shared = vec![0.0; shared_len];
                let x0 = self.ext.lat.x(shared_lo - self.ext.margin as i64);
                for r in &unit.shared {
                    add_ln_terms(&mut shared, x0, r, ln_c, law, eff);
                }
                let mut own = self.benchmarks[u].clone();
                for r in unit.own.iter().filter(|r| r.kind == RunKind::Training) {
                    add_ln_terms(&mut own, self.ext.x(0), r, ln_c, law, eff);
                }
                (shared, own)
            })
            .collect();
        UnitTerms {
            per_peak,
            shared_lo,
        }
    }

    /// `ln L_a` on the margins' lattice: the terms averaged over the shared power fraction
    /// (a convolution) and peak factor.
    fn likelihood(&self, unit: &AcceleratorUnit, terms: &UnitTerms) -> Vec<f64> {
        let len = self.ext.len();
        let mut parts: Vec<(f64, Vec<f64>)> = Vec::with_capacity(self.peak.len());
        for ((shared, own), &(_, w_c)) in terms.per_peak.iter().zip(&self.peak) {
            let (shared_lin, shared_scale) = exp_relative(shared);
            let mut out = vec![f64::NEG_INFINITY; len];
            for (e, o) in out.iter_mut().enumerate() {
                let mut sum = 0.0;
                for (d, w) in unit.power_kernel.iter() {
                    // x - d H is shared index e - d - shared_lo.
                    let s = e as i64 - d - terms.shared_lo;
                    sum += w * shared_lin[s as usize];
                }
                *o = sum.ln() + shared_scale + own[e];
            }
            parts.push((w_c, out));
        }
        if parts.len() == 1 {
            return parts.pop().expect("one part").1;
        }
        (0..len)
            .map(|e| {
                let m = parts
                    .iter()
                    .map(|(_, p)| p[e])
                    .fold(f64::NEG_INFINITY, f64::max);
                if m == f64::NEG_INFINITY {
                    return m;
                }
                m + parts
                    .iter()
                    .map(|(w, p)| w * (p[e] - m).exp())
                    .sum::<f64>()
                    .ln()
            })
            .collect()
    }

    /// `ln` of a chip's likelihood smoothed by its architecture effect (and a node scale).
    fn smoothed(&self, ln_l: &[f64], mu: f64, s: f64) -> Vec<f64> {
        let (lin, scale) = exp_relative(ln_l);
        smooth(&lin, mu, s)
            .into_iter()
            .map(|v| {
                if v > 0.0 {
                    v.ln() + scale
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect()
    }

    /// `Σ_a ln Λ_a` of a group on the margins' lattice.
    fn group_product(&self, g: &Group, likelihoods: &[Vec<f64>], tau: f64) -> Vec<f64> {
        let mut sum = vec![0.0; self.ext.len()];
        for &u in &g.units {
            for (s, l) in sum.iter_mut().zip(self.smoothed(&likelihoods[u], 0.0, tau)) {
                *s += l;
            }
        }
        sum
    }

    /// Unnormalised log posterior of a node energy on the window, under prior `k`, from the
    /// product of its chips' smoothed likelihoods.
    fn ln_posterior(&self, k: usize, product: &[f64]) -> Vec<f64> {
        self.priors[k]
            .iter()
            .zip(&product[self.ext.window()])
            .map(|(p, l)| p + l)
            .collect()
    }

    fn likelihoods(&self, terms: &[UnitTerms]) -> Vec<Vec<f64>> {
        terms
            .iter()
            .zip(&self.units)
            .map(|(t, u)| self.likelihood(u, t))
            .collect()
    }

    fn contradiction(&self, dataset: &Dataset) -> FrontierFit {
        let ids: std::sync::Arc<[String]> =
            dataset.observations.iter().map(|o| o.id.clone()).collect();
        let c = Contradiction {
            ids,
            message: "no hyperparameter point of the frontier's priors gives these observations any probability: widen model.prior or [model.frontier]".into(),
        };
        FrontierFit {
            groups: self
                .groups
                .iter()
                .map(|g| GroupFit {
                    node: g.node.clone(),
                    precision: g.precision,
                    pooled: false,
                    n_observations: g.n_observations,
                    posterior: Err(c.clone()),
                })
                .collect(),
            runs: Vec::new(),
            accelerators: Vec::new(),
            hyper: HyperPosterior {
                grid: self.grid.clone(),
                theta: Vec::new(),
                kappa: Vec::new(),
                gap: Vec::new(),
                tau: Vec::new(),
            },
        }
    }
}

impl Setup<'_> {
    fn units_ids(&self, g: &Group) -> Vec<String> {
        g.units
            .iter()
            .map(|&u| self.units[u].accelerator.clone())
            .collect()
    }
}

fn lattice_stride() -> i64 {
    super::lattice::STRIDE as i64
}

/// Adds a run's log-terms at lattice points `x0 + i H` to `out[i]`. Where the limit is capped
/// at 1 the term does not depend on the energy, and beyond the energy at which even a
/// mislabelled MFU cannot be reached it is 0: both stretches are filled without evaluating it.
fn add_ln_terms(out: &mut [f64], x0: f64, r: &RunUnit, ln_c: f64, law: &TrainingLaw, eff: &Dist) {
    if r.power != RunPower::SharedFraction {
        for (i, o) in out.iter_mut().enumerate() {
            *o += r.term(x0 + i as f64 * H, 0.0, ln_c, Some(law), eff).0.ln();
        }
        return;
    }
    let flat = r.term(f64::NEG_INFINITY, 0.0, ln_c, Some(law), eff).0.ln();
    let reach = if law.mislabel_probability > 0.0 {
        law.ln_mislabel_max
    } else {
        0.0
    };
    let ell_zero = r.cell.b - law.gap + reach;
    for (i, o) in out.iter_mut().enumerate() {
        let x = x0 + i as f64 * H;
        let ell = r.ell(x, 0.0, ln_c, 0.0);
        if ell == 0.0 {
            *o += flat;
        } else if ell >= ell_zero {
            *o = f64::NEG_INFINITY;
        } else {
            *o += law.term(r.cell, ell).0.ln();
        }
    }
}

/// Adds `w` times the normalised `exp(ln_post)` (sum × H = 1) to `acc`.
fn add_normalised(acc: &mut [f64], ln_post: &[f64], w: f64) {
    let (lin, _) = exp_relative(ln_post);
    let total: f64 = lin.iter().sum::<f64>() * H;
    if total > 0.0 && total.is_finite() {
        acc.iter_mut()
            .zip(&lin)
            .for_each(|(a, l)| *a += w * l / total);
    }
}

/// `exp(v - max)` and `max` (0 when every value is `-inf`).
fn exp_relative(v: &[f64]) -> (Vec<f64>, f64) {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return (vec![0.0; v.len()], 0.0);
    }
    (v.iter().map(|&l| (l - max).exp()).collect(), max)
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let (lin, max) = exp_relative(v);
    let s: f64 = lin.iter().sum();
    if s > 0.0 {
        s.ln() + max
    } else {
        f64::NEG_INFINITY
    }
}

/// Mean and standard deviation of `ln S` for a node scale: exact for fixed and lognormal
/// scales, by quadrature otherwise (the frontier then treats `ln S` as normal with them).
fn ln_moments(scale: &Dist) -> (f64, f64) {
    match scale.spec() {
        DistSpec::Fixed { value } => (value.ln(), 0.0),
        DistSpec::Lognormal { mu, sigma } => (mu, sigma),
        _ => {
            let n = 400;
            let pts: Vec<f64> = (0..n)
                .map(|i| scale.inverse_cdf((i as f64 + 0.5) / n as f64).ln())
                .collect();
            let m = pts.iter().sum::<f64>() / n as f64;
            let v = pts.iter().map(|p| (p - m).powi(2)).sum::<f64>() / n as f64;
            (m, v.sqrt())
        }
    }
}
