//! Simulation-based calibration of the frontier against its own generative model (Talts et
//! al. 2018): draw every parameter from the prior, data from the model, run the real binary,
//! and record where the true node energy falls among the posterior's quantiles. If the
//! posterior is right, that rank is uniform.
//!
//! The generative model is the frontier's, with the prior as the code integrates it: the
//! hyperparameters drawn among their quadrature points ([`mfucal::posterior::frontier::hyper`]),
//! `ln E_n` log-uniform on the energy prior, three chips with `δ_a ~ N(0, τ²)` and
//! `u_a ~ power_fraction`, two runs each with `m = L exp(-(g + w))`, `w ~ Gamma(κ, mean θ)`,
//! and with probability π a published MFU too high by `R`, `ln R ~ U(0, ln 2)`. A dataset
//! with an MFU above 1 (or below 0.001, which `validate` refuses) is drawn again: a selection on the data
//! alone, under which the posterior, and so the rank's uniformity, is unchanged.
//!
//! The fast version runs in `cargo test`; the long one (`--ignored`) prints its bin counts.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::{group_row, num, read_rows, stderr, Fixture};
use mfucal::config::FrontierPriors;
use mfucal::posterior::frontier::hyper::HyperGrid;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma, Normal};

/// The chips: `(id, TDP W, dense BF16 TFLOPS)`.
const CHIPS: [(&str, f64, f64); 3] = [
    ("h100-sxm", 700.0, 989.4),
    ("a100-sxm", 400.0, 312.0),
    ("b200", 1000.0, 2250.0),
];
const RUNS_PER_CHIP: usize = 2;
/// The energy prior (log-uniform), pJ/MAC.
const PRIOR: (f64, f64) = (0.01, 100.0);

fn levels(bins: usize) -> Vec<f64> {
    (1..bins).map(|k| k as f64 / bins as f64).collect()
}

fn config(bins: usize) -> String {
    let q: Vec<String> = levels(bins).iter().map(|l| format!("{l}")).collect();
    common::config_toml(
        &format!(
            "samples_per_observation = 2000\nseed = 3\nquantiles = [{}]",
            q.join(", ")
        ),
        &format!(
            "methods = [\"frontier\"]\nprior = {{ dist = \"log_uniform\", low = {}, high = {} }}",
            PRIOR.0, PRIOR.1
        ),
        "\"4nm\" = { dist = \"fixed\", value = 1.0 }\n",
    )
}

/// One dataset and its true node energy.
fn draw(seed: u64) -> (String, String, f64) {
    let priors = FrontierPriors::default();
    let grid = HyperGrid::new(&priors);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let pick = |rng: &mut Xoshiro256PlusPlus, v: &[f64]| v[rng.random_range(0..v.len())];
    loop {
        let (theta, kappa) = (pick(&mut rng, &grid.theta), pick(&mut rng, &grid.kappa));
        let (gap, tau) = (pick(&mut rng, &grid.gap), pick(&mut rng, &grid.tau));
        let ln_e_n = PRIOR.0.ln() + rng.random::<f64>() * (PRIOR.1 / PRIOR.0).ln();
        let w = Gamma::new(kappa, theta / kappa).unwrap();
        let mut accelerators =
            "accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source\n".to_string();
        let mut observations = "id,accelerator,precision,mfu_low,mfu_high,source\n".to_string();
        let mut publishable = true;
        for (a, (id, tdp, peak)) in CHIPS.iter().enumerate() {
            accelerators.push_str(&format!("{id},X,4nm,2024,{tdp},bf16,{peak},sbc\n"));
            let delta = if tau > 0.0 {
                Normal::new(0.0, tau).unwrap().sample(&mut rng)
            } else {
                0.0
            };
            let e_a = (ln_e_n + delta).exp();
            let u = 0.85 + 0.15 * rng.random::<f64>();
            let k = tdp * 2.0 / (peak * 1e12) * 1e12; // pJ/MAC at full utilisation
            let limit = (u * k / e_a).min(1.0);
            for r in 0..RUNS_PER_CHIP {
                let mut m = limit * (-(gap + w.sample(&mut rng))).exp();
                if rng.random::<f64>() < priors.mislabel_probability {
                    m *= (rng.random::<f64>() * priors.mislabel_max_factor.ln()).exp();
                }
                publishable &= (0.001..=1.0).contains(&m);
                observations.push_str(&format!("r{a}{r},{id},bf16,{m},{m},sbc\n"));
            }
        }
        if publishable {
            return (accelerators, observations, ln_e_n.exp());
        }
    }
}

/// Bin of the truth among the posterior's quantiles at `levels(bins)`, per dataset.
fn ranks(datasets: usize, bins: usize, seed: u64) -> Vec<usize> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(vec![0usize; datasets]);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= datasets {
                    break;
                }
                let (acc, obs, truth) = draw(seed + i as u64);
                let f = Fixture::with(&config(bins), &acc, &obs);
                let o = f.run(&["--quiet", "--threads", "1"]);
                assert!(o.status.success(), "dataset {i}: {}", stderr(&o));
                let rows = read_rows(&f.path("out/quantiles.csv"));
                let row = group_row(&rows, "frontier", "4nm", "observed");
                assert_eq!(row["status"], "ok", "dataset {i}");
                let rank = levels(bins)
                    .iter()
                    .filter(|l| num(row, &format!("q{l}")) < truth)
                    .count();
                out.lock().unwrap()[i] = rank;
            });
        }
    });
    out.into_inner().unwrap()
}

/// Pearson's chi-square of bin counts against uniform, and its upper-tail probability.
fn chi_square(counts: &[usize]) -> (f64, f64) {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let n: usize = counts.iter().sum();
    let expected = n as f64 / counts.len() as f64;
    let x2: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    let dof = (counts.len() - 1) as f64;
    (x2, 1.0 - ChiSquared::new(dof).unwrap().cdf(x2))
}

fn counts(ranks: &[usize], bins: usize) -> Vec<usize> {
    let mut c = vec![0; bins];
    ranks.iter().for_each(|&r| c[r] += 1);
    c
}

#[test]
fn frontier_ranks_are_uniform_fast() {
    let bins = 4;
    let r = ranks(40, bins, 1000);
    let c = counts(&r, bins);
    let (x2, p) = chi_square(&c);
    eprintln!("frontier SBC, 40 datasets: bins {c:?}, chi-square {x2:.2}, p = {p:.3}");
    assert!(p > 0.001, "ranks far from uniform: {c:?} (p = {p:.2e})");
}

#[test]
#[ignore = "long: 400 datasets through the binary, a few minutes on 2 cores"]
fn frontier_ranks_are_uniform_long() {
    let bins = 10;
    let r = ranks(400, bins, 50_000);
    let c = counts(&r, bins);
    let (x2, p) = chi_square(&c);
    println!("frontier SBC, 400 datasets, 10 bins: {c:?}, chi-square {x2:.2} (9 dof), p = {p:.3}");
    assert!(p > 0.001, "ranks far from uniform: {c:?} (p = {p:.2e})");
}
