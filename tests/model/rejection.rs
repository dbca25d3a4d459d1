//! An independent check of the posteriors: a joint rejection sampler, written here from the
//! model's definition and sharing no code with the engine (its own RNG streams, its own
//! draws of every input), against the quantiles the real binary writes to `quantiles.csv`.
//!
//! * (The bound method reports a ceiling with no prior since the frontier issue; its Monte
//!   Carlo oracle is in tests/model/frontier.rs. The sampler's `epsilon = None` branch below is kept
//!   as the exact-rejection draw of the bound posterior the engine can still build.)
//! * Efficiency method, approximate Bayesian computation (ABC, rejection form): draw `E` and
//!   every input, simulate each run's MFU `m = eta u P k / (c F s E)`, keep `E` when every
//!   `|ln m - ln m_obs| <= epsilon` (`m_obs` drawn uniformly over a published range). As
//!   `epsilon -> 0` the kept values tend to the exact posterior; the tolerance shrinks over a
//!   schedule and must agree at the last step, while the coarsest step (whose kernel widens
//!   every likelihood) must visibly not, which shows the comparison has the power to see a
//!   wrong posterior.
//!
//! **Agreement within Monte Carlo error.** For each reported level `p`, the engine's quantile
//! `q_p` is compared with the `n` kept draws: if both are right, the share of draws below
//! `q_p` is binomial, `p +- sqrt(p (1 - p) / n)`. The test allows 4 standard errors, after
//! moving `q_p` by the engine's binning accuracy (one bin, 0.098 % relative) either way.

use crate::common;

use std::collections::HashMap;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use common::{group_row, num, read_rows};

/// The default inputs (power fraction U(0.85, 1), peak factor 1, software efficiency
/// U(0.80, 0.95)); a log-uniform prior on [1, 10] pJ/MAC, narrow enough for ABC to keep
/// enough draws. The fixture's accelerators ([`common::ACCELERATORS`]): H100 and A100.
fn config() -> String {
    common::config_toml(
        "samples_per_observation = 1000000\nseed = 404",
        "methods = [\"efficiency\"]\nprior = { dist = \"log_uniform\", low = 1.0, high = 10.0 }",
        common::NODES,
    )
}
const PRIOR: (f64, f64) = (1.0, 10.0);
const POWER_FRACTION: (f64, f64) = (0.85, 1.0);
const EFFICIENCY: (f64, f64) = (0.80, 0.95);
const SEVEN_NM: (f64, f64) = (0.33, 0.10);
const LEVELS: [f64; 7] = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975];
/// The engine's binning accuracy: one histogram bin or grid step, 2^-10 relative
/// (`src/sampler/histogram.rs`). Its Monte Carlo error at 1e6 samples is smaller still.
const ENGINE_ACCURACY: f64 = 1.0 / 1024.0;

/// One observation as the sampler sees it.
#[derive(Clone, Copy)]
struct Run {
    /// `P k / F`, pJ/MAC at MFU 1.
    full: f64,
    mfu: (f64, f64),
    seven_nm: bool,
}

const H100: f64 = 700.0 * 2.0 / 989.4;
const A100: f64 = 400.0 * 2.0 / 312.0;

fn h100(lo: f64, hi: f64) -> Run {
    Run {
        full: H100,
        mfu: (lo, hi),
        seven_nm: false,
    }
}

fn a100(lo: f64, hi: f64) -> Run {
    Run {
        full: A100,
        mfu: (lo, hi),
        seven_nm: true,
    }
}

fn csv(runs: &[Run]) -> String {
    let mut s = String::from("id,accelerator,precision,mfu_low,mfu_high,source\n");
    for (i, r) in runs.iter().enumerate() {
        let acc = if r.seven_nm { "a100-sxm" } else { "h100-sxm" };
        s += &format!("run{i},{acc},bf16,{},{},fixture\n", r.mfu.0, r.mfu.1);
    }
    s
}

fn uniform(rng: &mut Xoshiro256PlusPlus, (lo, hi): (f64, f64)) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// One joint draw: `Some(E)` (at the reference node) when kept. `epsilon = None` is the bound
/// method's exact rejection; `Some(eps)` the efficiency method's ABC.
fn draw(rng: &mut Xoshiro256PlusPlus, runs: &[Run], epsilon: Option<f64>) -> Option<f64> {
    let ln_e = PRIOR.0.ln() + (PRIOR.1 / PRIOR.0).ln() * rng.random::<f64>();
    for r in runs {
        let ln_s = if r.seven_nm {
            let z: f64 = StandardNormal.sample(rng);
            SEVEN_NM.0 + SEVEN_NM.1 * z
        } else {
            0.0
        };
        let u = uniform(rng, POWER_FRACTION);
        let m = uniform(rng, r.mfu);
        let ln_node_energy = ln_e + ln_s;
        let keep = match epsilon {
            None => ln_node_energy <= (u * r.full / m).ln(),
            Some(eps) => {
                let eta = uniform(rng, EFFICIENCY);
                let ln_m_sim = (eta * u * r.full).ln() - ln_node_energy;
                (ln_m_sim - m.ln()).abs() <= eps
            }
        };
        if !keep {
            return None;
        }
    }
    Some(ln_e.exp())
}

/// The first `n` kept draws, in a fixed order whatever the thread count.
fn sample(runs: &[Run], epsilon: Option<f64>, n: usize, seed: u64) -> Vec<f64> {
    const CHUNK: u64 = 1 << 16;
    let mut kept = Vec::new();
    let mut next = 0u64;
    while kept.len() < n {
        let batch: Vec<Vec<f64>> = (next..next + 16)
            .into_par_iter()
            .map(|chunk| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ (chunk << 20));
                (0..CHUNK)
                    .filter_map(|_| draw(&mut rng, runs, epsilon))
                    .collect()
            })
            .collect();
        next += 16;
        kept.extend(batch.into_iter().flatten());
    }
    kept.truncate(n);
    kept
}

/// The largest |z| over the levels: how many binomial standard errors the kept draws' share
/// below the engine's quantile is from `p`, after the engine's accuracy allowance.
fn worst_z(row: &HashMap<String, String>, draws: &[f64], label: &str) -> f64 {
    let n = draws.len() as f64;
    let share = |x: f64| draws.iter().filter(|&&d| d <= x).count() as f64 / n;
    let mut worst: f64 = 0.0;
    for p in LEVELS {
        let q = num(row, &format!("q{p}"));
        let sd = (p * (1.0 - p) / n).sqrt();
        let (lo, hi) = (
            share(q * (1.0 - ENGINE_ACCURACY)),
            share(q * (1.0 + ENGINE_ACCURACY)),
        );
        // Distance from p to the interval [lo, hi] of shares the engine's quantile allows.
        let off = if p < lo {
            lo - p
        } else if p > hi {
            p - hi
        } else {
            0.0
        };
        let z = off / sd;
        eprintln!(
            "  {label} q{p}: engine {q:.5}, share of draws below {:.4} ({} draws), z = {z:.2}",
            share(q),
            draws.len()
        );
        worst = worst.max(z);
    }
    worst
}

fn engine_rows(runs: &[Run]) -> Vec<HashMap<String, String>> {
    let (f, _) = common::run_ok(&config(), &csv(runs));
    read_rows(&f.path("out/quantiles.csv"))
}

fn check(name: &str, runs: &[Run], node: &str, basis: &str, seed: u64) {
    // The bound method reports the ceiling min_i e_i, with no prior: tests/model/frontier.rs checks
    // it against a Monte Carlo of the minimum. The posterior checked here is the efficiency
    // method's.
    let rows = engine_rows(runs);
    let efficiency = group_row(&rows, "efficiency", node, basis);
    assert_eq!(
        efficiency["status"], "ok",
        "{name}: {}",
        efficiency["status"]
    );
    let schedule = [0.16, 0.04, 0.01];
    let mut zs = Vec::new();
    for eps in schedule {
        eprintln!("{name}: efficiency, ABC epsilon = {eps}");
        let draws = sample(runs, Some(eps), 3_000, seed + 1);
        zs.push(worst_z(efficiency, &draws, &format!("eps {eps}")));
    }
    eprintln!("{name}: worst z per epsilon {schedule:?}: {zs:.2?}");
    assert!(
        zs[0] > 4.0,
        "{name}: the coarse ABC step should be visibly wider than the posterior"
    );
    let last = zs[zs.len() - 1];
    assert!(
        last < 4.0,
        "{name}: efficiency posterior off by {last:.1} standard errors"
    );
}

#[test]
fn two_observations_on_one_node() {
    check(
        "two on 4nm",
        &[h100(0.46, 0.46), h100(0.44, 0.50)],
        "4nm",
        "observed",
        11,
    );
}

#[test]
fn three_observations_on_one_node() {
    check(
        "three on 4nm",
        &[h100(0.46, 0.46), h100(0.44, 0.50), h100(0.48, 0.48)],
        "4nm",
        "observed",
        12,
    );
}

#[test]
fn pooled_across_two_nodes() {
    check(
        "pooled 4nm + 7nm",
        &[h100(0.46, 0.46), a100(0.60, 0.60), a100(0.56, 0.62)],
        "4nm",
        "pooled",
        13,
    );
}
