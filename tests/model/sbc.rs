//! Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018,
//! arXiv 1804.06788) of both methods' posteriors, through the engine's own path
//! (`ObservationModel` histograms -> `Engine::posterior`).
//!
//! Each replication draws a true energy from the prior, simulates the data from the model,
//! computes the engine's posterior and records the posterior CDF at the truth, `F(E_true)`:
//! the rank of the truth among infinitely many posterior draws. If the posterior is the exact
//! Bayesian posterior of the simulated model, `F(E_true)` is uniform on (0, 1) (Cook, Gelman
//! & Rubin 2006). Uniformity is tested with a chi-square test on 20 equal bins and a
//! Kolmogorov-Smirnov test, at a fixed seed.
//!
//! **Efficiency method: the generative model.** For each observation independently:
//! `u ~ power_fraction`, `c ~ peak_factor`, `eta ~ software_efficiency` (and, in the pooled
//! case, `s ~` its node's scale, the node's energy being `s E`), and the published MFU is the
//! point value `m = eta u P k / (c F s E)`: software efficiency times the physics limit. Its
//! likelihood is exactly what the engine uses: with `Z = ln u + ln eta - ln c - ln s` of
//! density `g`, `ln m = ln(P k / F) + Z - ln E` has density `g(ln m - ln(P k/F) + ln E)` as a
//! function of `E`, and the engine's density of `ln e_i` (with `e_i = u eta P k / (m c F s)`
//! at the observed `m`) at `ln E` is `g(ln E - ln(P k/F) + ln m)`: the same function. The
//! prior is `log_uniform(3, 40)` so every simulated MFU is a valid fraction.
//!
//! **Bound method: the generative model.** The bound posterior `prior(E) prod_i
//! Pr(e_i >= E)` is exact for the *feasibility* model: the published MFU `m_i` is set by
//! things other than `E` (software, scale, model; drawn here uniformly on [0.15, 0.65], or as
//! a published range with the true MFU uniform inside it), the run's inputs `u`, `c` (and
//! `s`) are drawn, and the datum is that the run was physically possible,
//! `m_i <= u P k / (c F s E)`. `Pr(that | E) = Pr(e_i >= E)`, the engine's factor, so the
//! replications in which every run was possible (published runs all were) have
//! `E_true ~ posterior`. The test keeps exactly those.
//!
//! No *proper* model that generates the MFU from `E` (`m = eta x limit`, eta with any
//! distribution on (0, 1]) makes the bound posterior exact: that needs the likelihood of the
//! point `m` to be proportional to `Pr(e_i >= E)`, i.e. `ln eta` flat on (-inf, 0], which is
//! not a distribution. The control test below shows what happens under the efficiency
//! model's data: the truth sits in the bound posterior's upper tail, so its upper quantiles
//! are not conservative there; the per-observation bound `e_i` is.
//!
//! `cargo test` runs 500 replications per case; the long version is
//! `cargo test --release --test model sbc::long -- --ignored --nocapture` (10,000 per case;
//! results in the README).

use std::path::PathBuf;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use mfucal::config::{KindModel, Method, NodeScale, RunPlan};
use mfucal::data::{Observation, ObservationKind, PowerBasis, Precision};
use mfucal::dist::{Dist, DistSpec, Quantity, Sampler};
use mfucal::posterior::Engine;
use mfucal::sampler::{stream_seed, Control, LogHistogram, ObservationModel};

/// Samples per simulated observation: the Silverman bandwidth then widens the efficiency
/// likelihood's log-sd by about 1 %, far below what 10,000 replications can see.
const SAMPLES: u64 = 20_000;
const SEED: u64 = 20251205;
const BINS: usize = 20;

/// An accelerator a simulated run is on.
#[derive(Clone, Copy)]
struct Site {
    power_w: f64,
    peak_tflops: f64,
    node: &'static str,
}

const H100_4NM: Site = Site {
    power_w: 700.0,
    peak_tflops: 989.4,
    node: "4nm",
};
const A100_7NM: Site = Site {
    power_w: 400.0,
    peak_tflops: 312.0,
    node: "7nm",
};

/// How the data of a replication are simulated (module documentation).
#[derive(Clone, Copy, PartialEq)]
enum Generative {
    /// `m = eta u P k / (c F s E)`.
    Efficiency,
    /// `m` independent of `E` (point, or a range of this width); keep if every run was
    /// possible.
    Feasibility { range_width: [f64; 3] },
}

struct Case {
    name: &'static str,
    method: Method,
    sites: Vec<Site>,
    /// Moved to the reference node (pooled histograms).
    pooled: bool,
    generative: Generative,
    /// The plan the data are simulated from.
    truth: RunPlan,
    /// The plan the engine computes with (differs only in the negative controls).
    engine: RunPlan,
}

fn dist(spec: DistSpec, q: Quantity) -> Dist {
    spec.resolve(q).expect("valid test distribution")
}

/// The default config's inputs; 7nm at its default scale.
fn plan(prior: DistSpec, seven_nm_scale: DistSpec) -> RunPlan {
    RunPlan {
        name: "sbc".into(),
        config_path: PathBuf::new(),
        accelerators_path: PathBuf::new(),
        observations_path: PathBuf::new(),
        samples_per_observation: SAMPLES,
        seed: SEED,
        quantiles: Vec::new(),
        flops_per_mac: 2.0,
        methods: vec![Method::Bound, Method::Efficiency],
        reference_node: "4nm".into(),
        frontier: mfucal::config::FrontierPriors::default(),
        observation_sensitivity: mfucal::config::ObservationSensitivity::Auto,
        prior: dist(prior, Quantity::EnergyPrior),
        power_fraction: dist(
            DistSpec::Uniform {
                low: 0.85,
                high: 1.0,
            },
            Quantity::Fraction,
        ),
        peak_factor: dist(DistSpec::Fixed { value: 1.0 }, Quantity::PositiveFactor),
        software_efficiency: dist(
            DistSpec::Uniform {
                low: 0.80,
                high: 0.95,
            },
            Quantity::Fraction,
        ),
        // The simulated observations are all training runs on board TDPs; these are the
        // built-in defaults, unused here.
        benchmark: KindModel {
            software_efficiency: dist(
                DistSpec::Uniform {
                    low: 0.90,
                    high: 1.0,
                },
                Quantity::Fraction,
            ),
            power_fraction: dist(
                DistSpec::Uniform {
                    low: 0.95,
                    high: 1.0,
                },
                Quantity::Fraction,
            ),
        },
        measured_power_factor: dist(
            DistSpec::Uniform {
                low: 0.95,
                high: 1.05,
            },
            Quantity::PositiveFactor,
        ),
        nodes: vec![
            NodeScale {
                node: "4nm".into(),
                scale: dist(DistSpec::Fixed { value: 1.0 }, Quantity::PositiveFactor),
            },
            NodeScale {
                node: "7nm".into(),
                scale: dist(seven_nm_scale, Quantity::PositiveFactor),
            },
        ],
    }
}

const DEFAULT_PRIOR: DistSpec = DistSpec::LogUniform {
    low: 0.05,
    high: 20.0,
};
/// High enough that `eta u P k / (c F s E)` stays below 1 for every simulated run.
const EFFICIENCY_PRIOR: DistSpec = DistSpec::LogUniform {
    low: 3.0,
    high: 40.0,
};
const SEVEN_NM: DistSpec = DistSpec::Lognormal {
    mu: 0.33,
    sigma: 0.10,
};

fn case(
    name: &'static str,
    method: Method,
    sites: Vec<Site>,
    pooled: bool,
    generative: Generative,
) -> Case {
    let prior = match generative {
        Generative::Efficiency => EFFICIENCY_PRIOR,
        Generative::Feasibility { .. } => DEFAULT_PRIOR,
    };
    Case {
        name,
        method,
        sites,
        pooled,
        generative,
        truth: plan(prior, SEVEN_NM),
        engine: plan(prior, SEVEN_NM),
    }
}

fn efficiency_one_node() -> Case {
    case(
        "efficiency, 3 observations on 4nm",
        Method::Efficiency,
        vec![H100_4NM; 3],
        false,
        Generative::Efficiency,
    )
}

fn efficiency_pooled() -> Case {
    case(
        "efficiency, pooled: 1 on 4nm + 2 on 7nm",
        Method::Efficiency,
        vec![H100_4NM, A100_7NM, A100_7NM],
        true,
        Generative::Efficiency,
    )
}

fn bound_one_node() -> Case {
    case(
        "bound, 3 observations on 4nm (one a range)",
        Method::Bound,
        vec![H100_4NM; 3],
        false,
        Generative::Feasibility {
            range_width: [0.0, 0.0, 0.07],
        },
    )
}

fn bound_pooled() -> Case {
    case(
        "bound, pooled: 1 on 4nm + 2 on 7nm (one a range)",
        Method::Bound,
        vec![H100_4NM, A100_7NM, A100_7NM],
        true,
        Generative::Feasibility {
            range_width: [0.0, 0.05, 0.0],
        },
    )
}

/// `F(E_true)` of one replication (or the engine's contradiction message), and how many
/// simulated datasets the feasibility model discarded before it.
fn replicate(case: &Case, engine: &Engine, r: u64) -> (Result<f64, String>, u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(SEED, 0x5bc, r));
    let t = &case.truth;
    let draw = |s: &Sampler, rng: &mut Xoshiro256PlusPlus| s.draw(rng);
    let (prior, power, peak, eff) = (
        t.prior.sampler(),
        t.power_fraction.sampler(),
        t.peak_factor.sampler(),
        t.software_efficiency.sampler(),
    );
    let mut discarded = 0;
    let (e_true, mfus) = loop {
        let e = draw(&prior, &mut rng);
        let mut mfus = Vec::new();
        let mut possible = true;
        for (i, site) in case.sites.iter().enumerate() {
            let scale = t.node_scale(site.node).unwrap().sampler();
            let s = if case.pooled {
                draw(&scale, &mut rng)
            } else {
                1.0
            };
            let full = site.power_w * 2.0 / site.peak_tflops; // pJ/MAC at MFU 1
            let (u, c) = (draw(&power, &mut rng), draw(&peak, &mut rng));
            match case.generative {
                Generative::Efficiency => {
                    let eta = draw(&eff, &mut rng);
                    let m = eta * u * full / (c * s * e);
                    mfus.push((m, m));
                }
                Generative::Feasibility { range_width } => {
                    let w = range_width[i];
                    let low = 0.15 + (0.65 - w - 0.15) * rng.random::<f64>();
                    let m_true = low + w * rng.random::<f64>();
                    possible &= s * e <= u * full / (c * m_true);
                    mfus.push((low, low + w));
                }
            }
        }
        if possible {
            break (e, mfus);
        }
        discarded += 1;
    };
    let observations: Vec<Observation> = case
        .sites
        .iter()
        .zip(&mfus)
        .enumerate()
        .map(|(i, (site, &(low, high)))| Observation {
            id: format!("sbc-{r}-{i}"),
            accelerator: "sim".into(),
            node: site.node.into(),
            precision: Precision::Bf16,
            mfu_low: low,
            mfu_high: high,
            power_w: site.power_w,
            power_basis: PowerBasis::BoardTdp,
            peak_flops_per_s: site.peak_tflops * 1e12,
            source: "simulated".into(),
            kind: ObservationKind::Training,
            power_w_measured: None,
            power_measured_covers: None,
            line: 0,
        })
        .collect();
    let samples: Vec<_> = observations
        .iter()
        .map(|o| {
            ObservationModel::new(&case.engine, o)
                .sample(SEED ^ r, SAMPLES, Control::default())
                .expect("no cancel hook")
        })
        .collect();
    let hists: Vec<(&str, &LogHistogram)> = observations
        .iter()
        .zip(&samples)
        .map(|(o, s)| {
            let h = match (case.method, case.pooled) {
                (Method::Bound, false) => &s.bound,
                (Method::Efficiency, false) => &s.efficiency,
                (Method::Bound, true) => &s.pooled_bound,
                (Method::Efficiency, true) => &s.pooled_efficiency,
                (Method::Frontier, _) => unreachable!("frontier_sbc.rs checks the frontier"),
            };
            (o.id.as_str(), h)
        })
        .collect();
    let rank = engine
        .posterior(case.method, &hists)
        .map(|p| p.cdf_at(e_true))
        .map_err(|c| format!("replication {r}: {}", c.message));
    (rank, discarded)
}

struct Uniformity {
    replications: usize,
    chi2: f64,
    chi2_p: f64,
    ks: f64,
    ks_p: f64,
    /// Share of truths above the posterior's 97.5 % quantile (0.025 when calibrated).
    above_975: f64,
    /// Simulated datasets discarded as impossible, per kept one.
    discarded: f64,
    /// Replications whose posterior the engine found contradictory (none, for a model the
    /// engine computes correctly: simulated data are consistent by construction).
    contradictory: Vec<String>,
}

fn sbc(case: &Case, replications: u64) -> Uniformity {
    let engine = Engine::new(&case.engine.prior);
    let results: Vec<(Result<f64, String>, u64)> = (0..replications)
        .into_par_iter()
        .map(|r| replicate(case, &engine, r))
        .collect();
    let mut ranks: Vec<f64> = results.iter().filter_map(|r| r.0.clone().ok()).collect();
    let contradictory: Vec<String> = results.iter().filter_map(|r| r.0.clone().err()).collect();
    let n = ranks.len();
    let mut counts = [0usize; BINS];
    for &u in &ranks {
        counts[((u * BINS as f64) as usize).min(BINS - 1)] += 1;
    }
    let expected = n as f64 / BINS as f64;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    let chi2_p = 1.0 - ChiSquared::new((BINS - 1) as f64).unwrap().cdf(chi2);
    ranks.sort_by(f64::total_cmp);
    let ks = ranks
        .iter()
        .enumerate()
        .map(|(i, &u)| (u - i as f64 / n as f64).max((i + 1) as f64 / n as f64 - u))
        .fold(0.0, f64::max);
    let u = Uniformity {
        replications: n,
        chi2,
        chi2_p,
        ks,
        ks_p: kolmogorov_p(ks, n),
        above_975: ranks.iter().filter(|&&u| u > 0.975).count() as f64 / n as f64,
        discarded: results.iter().map(|r| r.1).sum::<u64>() as f64 / n as f64,
        contradictory,
    };
    eprintln!(
        "SBC {}: {} replications; chi-square({}) = {:.2}, p = {:.4}; KS D = {:.4}, p = {:.4}; \
         truth above the 97.5 % quantile in {:.2} %; {:.2} datasets discarded per kept one; \
         {} contradictory",
        case.name,
        u.replications,
        BINS - 1,
        u.chi2,
        u.chi2_p,
        u.ks,
        u.ks_p,
        100.0 * u.above_975,
        u.discarded,
        u.contradictory.len()
    );
    eprintln!("  counts in 20 bins of F(E_true): {counts:?}");
    u
}

/// Asymptotic p-value of the one-sample KS statistic (Stephens 1970's small-sample
/// correction of the Kolmogorov distribution, as in Numerical Recipes' `probks`).
fn kolmogorov_p(d: f64, n: usize) -> f64 {
    let sqrt_n = (n as f64).sqrt();
    let lambda = (sqrt_n + 0.12 + 0.11 / sqrt_n) * d;
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = 2.0 * (-1f64).powf(k - 1.0) * (-2.0 * k * k * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

fn assert_calibrated(u: &Uniformity) {
    assert!(u.contradictory.is_empty(), "{:?}", &u.contradictory[..1]);
    assert!(
        u.chi2_p > 0.001 && u.ks_p > 0.001,
        "ranks are not uniform: chi-square p = {}, KS p = {}",
        u.chi2_p,
        u.ks_p
    );
}

const FAST: u64 = 500;
const LONG: u64 = 10_000;

#[test]
fn efficiency_posterior_is_calibrated_on_one_node() {
    assert_calibrated(&sbc(&efficiency_one_node(), FAST));
}

#[test]
fn efficiency_posterior_is_calibrated_when_pooled_across_nodes() {
    assert_calibrated(&sbc(&efficiency_pooled(), FAST));
}

#[test]
fn bound_posterior_is_calibrated_for_the_feasibility_model_on_one_node() {
    assert_calibrated(&sbc(&bound_one_node(), FAST));
}

#[test]
fn bound_posterior_is_calibrated_for_the_feasibility_model_when_pooled() {
    assert_calibrated(&sbc(&bound_pooled(), FAST));
}

/// Negative control: the same machinery rejects a wrong posterior. Data from the efficiency
/// model (runs reach 80-95 % of their limit) but the bound posterior: the truth sits high in
/// a posterior that spreads down to the prior's floor.
#[test]
fn control_bound_posterior_on_efficiency_model_data_is_rejected() {
    let mut c = efficiency_one_node();
    c.name = "control: bound posterior, efficiency-model data";
    c.method = Method::Bound;
    let u = sbc(&c, FAST);
    assert!(u.chi2_p < 1e-6 && u.ks_p < 1e-6, "not detected");
    // The truth lies above the bound posterior's 97.5 % quantile far more often than 2.5 %.
    assert!(u.above_975 > 0.1, "{}", u.above_975);
}

/// Negative control: an engine that ignores the 7nm scale (fixed at 1) while the data were
/// made with it moves the A100 runs by a factor 1.39: many replications become
/// contradictory, and the ranks of the others are far from uniform.
#[test]
fn control_pooled_posterior_without_the_node_scale_is_rejected() {
    let mut c = efficiency_pooled();
    c.name = "control: efficiency pooled, engine without the 7nm scale";
    c.engine = plan(EFFICIENCY_PRIOR, DistSpec::Fixed { value: 1.0 });
    let u = sbc(&c, FAST);
    assert!(!u.contradictory.is_empty());
    assert!(u.chi2_p < 1e-6 && u.ks_p < 1e-6, "not detected");
}

#[test]
#[ignore = "long: 4 x 10,000 replications; cargo test --release --test model sbc::long -- --ignored --nocapture"]
fn long_sbc_of_both_methods() {
    let cases = [
        efficiency_one_node(),
        efficiency_pooled(),
        bound_one_node(),
        bound_pooled(),
    ];
    let results: Vec<Uniformity> = cases.iter().map(|c| sbc(c, LONG)).collect();
    for u in &results {
        assert_calibrated(u);
    }
}

#[test]
fn kolmogorov_p_matches_known_values() {
    // Asymptotic Kolmogorov distribution: P(K > 1.36) = 0.0494, P(K > 1.63) = 0.0098.
    let n = 1_000_000;
    let at = |lambda: f64| kolmogorov_p(lambda / (n as f64).sqrt(), n);
    assert!((at(1.36) - 0.0494).abs() < 5e-4, "{}", at(1.36));
    assert!((at(1.63) - 0.0098).abs() < 2e-4, "{}", at(1.63));
}
