//! Pass 2 of the fit: at every hyperparameter point with weight, accumulate (weighted) every
//! reported posterior: node and pooled rows, each accelerator's energy and physics limit,
//! each run's software efficiency and probability of being mislabelled.

use super::{
    add_normalised, exp_relative, lattice_stride, AcceleratorFit, FrontierFit, Group, GroupFit,
    HyperPosterior, LnHistogram, RunFit, Setup, UnitTerms, NEGLIGIBLE,
};
use crate::data::Dataset;
use crate::dist::Dist;
use crate::posterior::frontier::hyper::LawPoint;
use crate::posterior::frontier::lattice::H;
use crate::posterior::frontier::terms::TrainingLaw;
use crate::posterior::frontier::units::{RunKind, RunPower, RunUnit};
use crate::posterior::{Contradiction, Posterior};

/// Weighted sums of every reported posterior over hyperparameter points.
pub(super) struct Accumulator {
    /// Per prior: observed groups then pooled rows, densities on the window.
    groups: Vec<Vec<Vec<f64>>>,
    /// Per unit: energy density on the margins' lattice.
    energies: Vec<Vec<f64>>,
    limits: Vec<LnHistogram>,
    /// Per observation (dataset order).
    efficiencies: Vec<LnHistogram>,
    mislabel: Vec<f64>,
}

impl Accumulator {
    pub(super) fn new(setup: &Setup, dataset: &Dataset) -> Accumulator {
        let n_groups = setup.groups.len() + setup.pooled.len();
        Accumulator {
            groups: vec![vec![vec![0.0; setup.ext.lat.n]; n_groups]; setup.priors.len()],
            energies: vec![vec![0.0; setup.ext.len()]; setup.units.len()],
            limits: vec![LnHistogram::new(-8.0, 0.0, H); setup.units.len()],
            efficiencies: vec![LnHistogram::new(-8.0, 1.0, H); dataset.observations.len()],
            mislabel: vec![0.0; dataset.observations.len()],
        }
    }

    pub(super) fn merge(&mut self, other: &Accumulator) {
        for (a, b) in self
            .groups
            .iter_mut()
            .flatten()
            .zip(other.groups.iter().flatten())
        {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        for (a, b) in self.energies.iter_mut().zip(&other.energies) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        for (a, b) in self.limits.iter_mut().zip(&other.limits) {
            a.merge(b);
        }
        for (a, b) in self.efficiencies.iter_mut().zip(&other.efficiencies) {
            a.merge(b);
        }
        for (a, b) in self.mislabel.iter_mut().zip(&other.mislabel) {
            *a += b;
        }
    }

    /// Adds one law point's posteriors for every τ with weight; `weights[k][τ]` under prior
    /// `k`. Accelerators and runs are reported under the plan's prior only.
    pub(super) fn add_law_point(&mut self, setup: &Setup, lp: &LawPoint, weights: &[&[f64]]) {
        let law = setup.law(lp);
        let terms = setup.all_terms(lp);
        let likelihoods = setup.likelihoods(&terms);
        let window = setup.ext.window();
        for t in 0..setup.grid.tau.len() {
            if weights.iter().all(|w| w[t] <= NEGLIGIBLE) {
                continue;
            }
            let tau = setup.grid.tau[t];
            let mut products = Vec::with_capacity(setup.groups.len());
            for (gi, g) in setup.groups.iter().enumerate() {
                let smoothed: Vec<Vec<f64>> = g
                    .units
                    .iter()
                    .map(|&u| setup.smoothed(&likelihoods[u], 0.0, tau))
                    .collect();
                let mut product = vec![0.0; setup.ext.len()];
                for s in &smoothed {
                    product.iter_mut().zip(s).for_each(|(p, l)| *p += l);
                }
                for (k, w) in weights.iter().enumerate() {
                    if w[t] > NEGLIGIBLE {
                        add_normalised(
                            &mut self.groups[k][gi],
                            &setup.ln_posterior(k, &product),
                            w[t],
                        );
                    }
                }
                let w = weights[0][t];
                if w > NEGLIGIBLE {
                    for (k, &u) in g.units.iter().enumerate() {
                        // The other chips and the prior: what the node says about this chip.
                        let mut cavity = vec![f64::NEG_INFINITY; setup.ext.len()];
                        for (i, e) in window.clone().enumerate() {
                            cavity[e] = setup.priors[0][i]
                                + smoothed
                                    .iter()
                                    .enumerate()
                                    .filter(|&(j, _)| j != k)
                                    .map(|(_, s)| s[e])
                                    .sum::<f64>();
                        }
                        let context = setup.smoothed(&cavity, 0.0, tau);
                        self.add_unit(setup, u, &terms[u], &context, &law, w);
                    }
                }
                products.push(product);
            }
            for (pi, (_, members)) in setup.pooled.iter().enumerate() {
                let mut moved_sum = vec![0.0; setup.ext.lat.n];
                for &(gi, mu, s) in members {
                    let moved = setup.smoothed(&products[gi], mu, s);
                    moved_sum
                        .iter_mut()
                        .zip(&moved[window.clone()])
                        .for_each(|(p, l)| *p += l);
                }
                for (k, w) in weights.iter().enumerate() {
                    if w[t] > NEGLIGIBLE {
                        let ln_post: Vec<f64> = setup.priors[k]
                            .iter()
                            .zip(&moved_sum)
                            .map(|(p, l)| p + l)
                            .collect();
                        add_normalised(
                            &mut self.groups[k][setup.groups.len() + pi],
                            &ln_post,
                            w[t],
                        );
                    }
                }
            }
        }
    }

    /// One chip's joint posterior of (energy, power fraction, peak factor) given its node's
    /// context, weighted by `w`: its energy, its physics limit, its runs' efficiencies and
    /// mislabel probabilities.
    fn add_unit(
        &mut self,
        setup: &Setup,
        u: usize,
        terms: &UnitTerms,
        context: &[f64],
        law: &TrainingLaw,
        w: f64,
    ) {
        let unit = &setup.units[u];
        // Joint weights over (peak point, power offset, e), in linear terms relative to each
        // factor's maximum (the scales cancel in the normalisation).
        let (ctx, _) = exp_relative(context);
        let mut cells: Vec<(usize, i64, usize, f64)> = Vec::new();
        let mut total = 0.0;
        for (c, (shared, own)) in terms.per_peak.iter().enumerate() {
            let (shared, shared_scale) = exp_relative(shared);
            let (own, own_scale) = exp_relative(own);
            // Peak points can differ in scale: put them on one footing.
            let w_c = setup.peak[c].1 * (shared_scale + own_scale).exp();
            for (d, wd) in unit.power_kernel.iter() {
                for e in 0..ctx.len() {
                    let base = ctx[e] * own[e];
                    if base < 1e-14 {
                        continue;
                    }
                    let s = (e as i64 - d - terms.shared_lo) as usize;
                    let p = w_c * wd * shared[s] * base;
                    if p > 0.0 {
                        cells.push((c, d, e, p));
                        total += p;
                    }
                }
            }
        }
        if !(total > 0.0 && total.is_finite()) {
            return;
        }
        let floor = 1e-12 * total;
        let eff_dist = &setup.plan.benchmark.software_efficiency;
        // The mislabel probability varies slowly with the power fraction: it is evaluated at
        // each energy's mean power offset rather than at every offset.
        let n_peak = terms.per_peak.len();
        let n_e = ctx.len();
        let n_s = terms.per_peak[0].0.len();
        // Mass by energy (for the energy, own-power runs and mislabels) and by shared index
        // `s`, i.e. by `x - ln u` (for the physics limit and shared-power runs, which depend on
        // the energy and the power fraction only through it).
        let mut at_energy = vec![(0.0, 0.0); n_peak * n_e];
        let mut at_shared = vec![0.0; n_peak * n_s];
        for &(c, d, e, p) in &cells {
            if p < floor {
                continue;
            }
            let p = w * p / total;
            let slot = &mut at_energy[c * n_e + e];
            slot.0 += p;
            slot.1 += p * d as f64 * H;
            at_shared[c * n_s + (e as i64 - d - terms.shared_lo) as usize] += p;
        }
        let x_shared = |s: usize| {
            setup
                .ext
                .lat
                .x(s as i64 + terms.shared_lo - setup.ext.margin as i64)
        };
        for (i, &p) in at_shared.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            let (c, s) = (i / n_s, i % n_s);
            // x - ln u at this index; ln u itself is folded in.
            let (x_net, ln_c) = (x_shared(s), setup.peak[c].0);
            self.limits[u].add((unit.ln_k - ln_c - x_net).min(0.0), p);
            for r in unit.runs().filter(|r| r.power == RunPower::SharedFraction) {
                self.add_efficiency(r, x_net, ln_c, law, eff_dist, p);
            }
        }
        for (i, &(p, p_ln_u)) in at_energy.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            let (c, e) = (i / n_e, i % n_e);
            let (x, ln_c, ln_u) = (setup.ext.x(e), setup.peak[c].0, p_ln_u / p);
            self.energies[u][e] += p;
            for r in unit.runs() {
                if r.power != RunPower::SharedFraction {
                    self.add_efficiency(r, x, ln_c, law, eff_dist, p);
                }
                if r.kind == RunKind::MatmulBenchmark {
                    continue; // no mislabel component
                }
                let ln_u = if r.power == RunPower::SharedFraction {
                    ln_u
                } else {
                    0.0
                };
                let (t, wrong) = r.term(x, ln_u, ln_c, Some(law), eff_dist);
                if t > 0.0 {
                    self.mislabel[r.obs] += p * wrong / t;
                }
            }
        }
    }

    /// Adds a run's efficiency `m / L` at one point of its chip's posterior. A run with its
    /// own power factor weighs each of its points by how well it explains the published MFU
    /// (the factor's posterior given the run), not by its prior.
    #[allow(clippy::too_many_arguments)]
    fn add_efficiency(
        &mut self,
        r: &RunUnit,
        x: f64,
        ln_c: f64,
        law: &TrainingLaw,
        eff_dist: &Dist,
        p: f64,
    ) {
        let share = p / r.neg_ln_mfu.len() as f64;
        let mut add = |ell: f64, w: f64| {
            for &nlm in &r.neg_ln_mfu {
                // Efficiency m / L: ln = ℓ - (-ln m).
                self.efficiencies[r.obs].add(ell - nlm, share * w);
            }
        };
        match &r.power {
            RunPower::SharedFraction => add(r.ell(x, 0.0, ln_c, 0.0), 1.0),
            RunPower::Own(points) => {
                let one = |ln_f: f64| -> RunUnit {
                    RunUnit {
                        power: RunPower::Own(vec![(ln_f, 1.0)]),
                        ..r.clone()
                    }
                };
                let weights: Vec<f64> = points
                    .iter()
                    .map(|&(ln_f, w_f)| w_f * one(ln_f).term(x, 0.0, ln_c, Some(law), eff_dist).0)
                    .collect();
                let total: f64 = weights.iter().sum();
                if total > 0.0 {
                    for (&(ln_f, _), w) in points.iter().zip(&weights) {
                        add(r.ell(x, 0.0, ln_c, ln_f), w / total);
                    }
                }
            }
        }
    }

    pub(super) fn finish(
        self,
        setup: &Setup,
        law_points: &[LawPoint],
        weights: &[Vec<f64>],
    ) -> (FrontierFit, Vec<Vec<GroupFit>>) {
        let lat = setup.ext.lat;
        let to_posterior = |density: &[f64], first_e: usize| -> Option<Posterior> {
            let first =
                lat.first as i64 + (first_e as i64 - setup.ext.margin as i64) * lattice_stride();
            Posterior::from_lattice(first, lattice_stride() as usize, density)
        };
        let empty = |g: &Group| Contradiction {
            ids: setup.units_ids(g).into(),
            message: "the frontier posterior vanished (every point has zero probability)".into(),
        };
        let group_fits = |densities: &[Vec<f64>]| -> Vec<GroupFit> {
            let mut out: Vec<GroupFit> = setup
                .groups
                .iter()
                .zip(densities)
                .map(|(g, d)| GroupFit {
                    node: g.node.clone(),
                    precision: g.precision,
                    pooled: false,
                    n_observations: g.n_observations,
                    posterior: to_posterior(d, setup.ext.margin).ok_or_else(|| empty(g)),
                })
                .collect();
            for ((precision, members), d) in
                setup.pooled.iter().zip(&densities[setup.groups.len()..])
            {
                out.push(GroupFit {
                    node: setup.plan.reference_node.clone(),
                    precision: *precision,
                    pooled: true,
                    n_observations: members
                        .iter()
                        .map(|&(gi, _, _)| setup.groups[gi].n_observations)
                        .sum(),
                    posterior: to_posterior(d, setup.ext.margin)
                        .ok_or_else(|| empty(&setup.groups[members[0].0])),
                });
            }
            out
        };
        let groups = group_fits(&self.groups[0]);
        let alternatives = self.groups[1..].iter().map(|d| group_fits(d)).collect();
        let accelerators = setup
            .units
            .iter()
            .zip(self.energies)
            .zip(self.limits)
            .filter_map(|((u, energy), limit)| {
                Some(AcceleratorFit {
                    accelerator: u.accelerator.clone(),
                    node: u.node.clone(),
                    precision: u.precision,
                    energy: to_posterior(&energy, 0)?,
                    physics_limit: limit,
                })
            })
            .collect();
        let runs = self
            .efficiencies
            .into_iter()
            .zip(self.mislabel)
            .enumerate()
            .map(|(obs, (efficiency, mislabel_probability))| RunFit {
                obs,
                efficiency,
                mislabel_probability,
            })
            .collect();
        let g = &setup.grid;
        let mut hyper = HyperPosterior {
            grid: g.clone(),
            theta: vec![0.0; g.theta.len()],
            kappa: vec![0.0; g.kappa.len()],
            gap: vec![0.0; g.gap.len()],
            tau: vec![0.0; g.tau.len()],
        };
        for (lp, row) in law_points.iter().zip(weights) {
            for (t, &w) in row.iter().enumerate() {
                hyper.theta[lp.theta] += w;
                hyper.kappa[lp.kappa] += w;
                hyper.gap[lp.gap] += w;
                hyper.tau[t] += w;
            }
        }
        (
            FrontierFit {
                groups,
                runs,
                accelerators,
                hyper,
            },
            alternatives,
        )
    }
}
