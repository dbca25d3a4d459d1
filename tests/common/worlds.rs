//! Synthetic worlds with a known truth, written in the shipped CSV format, and a harness that
//! runs the real `mfucal run` on them and measures how often each method's 90 % interval
//! holds the truth (issue 11, "Coverage when the world is not the model").
//!
//! # The truth of one dataset
//!
//! One node (`4nm`, the reference node, scale fixed at 1) and one precision (`bf16`).
//!
//! - **Node energy** `E_n` (pJ/MAC) is drawn log-uniformly on [0.5, 3].
//! - **Accelerators** `a` on the node have `ln E_a = ln E_n + δ_a` (δ per world, below), a TDP
//!   `P_a` (whole watts, uniform 300–1000) and a dense peak `F_a` (TFLOPS, uniform 300–2500,
//!   one decimal). `P_a` and `F_a` are redrawn together until the accelerator's nominal limit
//!   `λ_a = k P_a / (F_a E_a)` (k = 2 FLOPs per MAC; W / (TFLOP/s · pJ/MAC) · FLOP/MAC is
//!   dimensionless: `P k / (F·1e12 · E·1e-12)`) lies in [0.3, 1], as for real chips, so the
//!   physics limit below is set by power, not by the peak.
//! - **Power fraction** `u_a` ~ uniform(0.85, 1), the shipped config's `power_fraction`, drawn
//!   **once per accelerator** and shared by all its runs (the engine of `bound` and
//!   `efficiency` draws it per run).
//! - **Physics limit** `L_a = min(1, u_a λ_a)` (peak factor 1: the MFU is computed against the
//!   dataset's peak).
//! - **Runs.** Each accelerator gets at least one run, the rest are spread uniformly at random.
//!   Run `i` on `a` has a software efficiency `eta_i` (per world) and the published MFU
//!   `m_i = L_a eta_i`. It is published as a point (`mfu_low = mfu_high = m_i`, 6 decimals)
//!   with probability 3/4, otherwise as a narrow range `[m_i (1 - x), m_i (1 + y)]` with
//!   x, y ~ uniform(0, 0.05) (the high end capped at 1), which contains `m_i`.
//!
//! # The worlds
//!
//! - **(a) `Seed`: the seed analysis' world.** 1–3 accelerators (uniform, at most one per run),
//!   one architecture energy (`δ_a = 0`), every run at 80–95 % of its limit:
//!   `eta_i` ~ uniform(0.80, 0.95). This is the `efficiency` method's own assumption, except
//!   that the power fraction is shared by an accelerator's runs.
//! - **(b) `Spread`: efficiency varies widely, architectures differ.** 3–5 accelerators (at most
//!   one per run). Their energies differ by a factor `r` ~ uniform(1.15, 1.30) between the most
//!   and the least efficient: `δ_a = ln r · (x_a - 1/2)` with `x = 0` for the first accelerator,
//!   `x = 1` for the second and `x` ~ uniform(0, 1) for the others, so `E_n` is the geometric
//!   midpoint of the extremes (not a normal draw around it). Each dataset draws a best-run
//!   efficiency `t` ~ uniform(0.90, 0.95) (the seed's "software gap 5–10 %") and a span
//!   `s` ~ uniform(2, 3); every run's `eta_i` is log-uniform on [t / s, t]: the MFU of runs on
//!   one chip spans up to 2–3×, the best runs come within 5–10 % of the limit only when there
//!   are many of them. The inefficiency `-ln eta` is a fixed gap plus a *uniform* law, not
//!   the Gamma (or exponential) of the frontier model, and δ is bounded, not normal.
//! - **(c) `Mislabel`: (b) plus one mislabelled run.** One run chosen uniformly among the
//!   dataset's runs is published 1.3× too high (an HFU reported as MFU): both ends of its
//!   published MFU are multiplied by 1.3 and capped at 1. Its truth is still `m_i = L_a eta_i`.
//!
//! - **(0) `Control`: the `efficiency` method's own model**, to check the harness. As (a), but
//!   the power fraction is drawn **per run** (`L_i = min(1, u_i λ_a)`), as the engine does. The
//!   `efficiency` posterior is then the exact Bayesian posterior up to the prior (the shipped
//!   log-uniform(0.05, 20), against a truth drawn on [0.5, 3] with a likelihood about 1.15×
//!   wide), so its 90 % interval must hold the truth in about 90 % of datasets.
//!
//! Datasets are seeded by (world, runs per node, index) alone: the same call gives the same
//! files on every machine.
//!
//! # The harness
//!
//! [`run_cell`] writes each dataset to a temporary project ([`super::Fixture`]) whose config is
//! the shipped `configs/default.toml` (its priors, nuisance laws and any method settings) with
//! only the data paths, the node table (`4nm` fixed 1), the reported quantiles and
//! `model.methods = METHODS` replaced, runs `mfucal run --quiet --threads 1 --samples S --seed
//! SEED`, and reads the `observed` row of each method at `4nm`/`bf16` from `quantiles.csv`.
//! Two datasets run at a time; the results are stored by index, so they do not depend on
//! which worker finished first.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::{read_rows, stderr, Fixture};

/// The methods every dataset is run with. When the engine has `frontier`, add it here: this
/// is the only line to change (`tests/model/coverage.rs` then asserts its targets).
pub const METHODS: &[&str] = &["frontier", "bound", "efficiency"];

pub const NODE: &str = "4nm";
pub const PRECISION: &str = "bf16";
/// FLOPs per MAC, as in the shipped config.
pub const FLOPS_PER_MAC: f64 = 2.0;
/// Node energy range, pJ/MAC (log-uniform).
pub const NODE_ENERGY: (f64, f64) = (0.5, 3.0);
/// The nominal limit `k P / (F E)` of an accelerator is kept in this range.
pub const NOMINAL_LIMIT: (f64, f64) = (0.3, 1.0);
/// The shipped `power_fraction`: uniform(0.85, 1).
pub const POWER_FRACTION: (f64, f64) = (0.85, 1.0);
/// Factor by which the mislabelled run of world (c) is published too high.
pub const MISLABEL_FACTOR: f64 = 1.3;
/// The seed of every dataset stream.
pub const SEED: u64 = 20251205;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    /// (0) the `efficiency` method's own model (power fraction per run): a harness check.
    Control,
    /// (a) every run at 80–95 % of its limit, one architecture energy.
    Seed,
    /// (b) run efficiency log-uniform over a 2–3× span, architectures 15–30 % apart.
    Spread,
    /// (c) (b) plus one run published 1.3× too high.
    Mislabel,
}

impl World {
    pub const ALL: [World; 3] = [World::Seed, World::Spread, World::Mislabel];

    pub fn label(self) -> &'static str {
        match self {
            World::Control => "0",
            World::Seed => "a",
            World::Spread => "b",
            World::Mislabel => "c",
        }
    }

    fn key(self) -> u64 {
        match self {
            World::Control => 0,
            World::Seed => 1,
            World::Spread => 2,
            World::Mislabel => 3,
        }
    }
}

/// One synthetic accelerator and its true values.
#[derive(Clone, Debug)]
pub struct Accelerator {
    pub id: String,
    pub tdp_w: f64,
    pub peak_tflops: f64,
    /// True energy per MAC, pJ.
    pub energy: f64,
    /// True power fraction, shared by the accelerator's runs (world `Control`: unused).
    pub power_fraction: f64,
    /// `k P / (F E)`, in [`NOMINAL_LIMIT`].
    pub nominal_limit: f64,
    /// True physics limit `min(1, u k P / (F E))` (world `Control`: unused).
    pub limit: f64,
}

/// One synthetic training run.
#[derive(Clone, Debug)]
pub struct Run {
    pub id: String,
    /// Index into [`Dataset::accelerators`].
    pub accelerator: usize,
    /// True physics limit of the run: its accelerator's (world `Control`: its own power
    /// fraction times the accelerator's nominal limit).
    pub limit: f64,
    /// True software efficiency `MFU / limit`.
    pub efficiency: f64,
    /// True MFU `limit · efficiency`.
    pub mfu: f64,
    /// What is published (formatted with 6 decimals).
    pub mfu_low: f64,
    pub mfu_high: f64,
    pub mislabelled: bool,
}

/// A synthetic dataset and the truth behind it.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub world: World,
    pub index: u64,
    /// True node energy `E_n`, pJ/MAC.
    pub node_energy: f64,
    pub accelerators: Vec<Accelerator>,
    pub runs: Vec<Run>,
}

fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

fn log_uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    uniform(rng, lo.ln(), hi.ln()).exp()
}

/// An integer uniform on `lo..=hi`.
fn integer(rng: &mut Xoshiro256PlusPlus, lo: usize, hi: usize) -> usize {
    lo + ((hi - lo + 1) as f64 * rng.random::<f64>()) as usize % (hi - lo + 1)
}

/// Rounds to 6 decimals, as written to the CSV.
fn six(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Dataset {
    /// Dataset number `index` of a world with `runs` runs on the node.
    pub fn generate(world: World, runs: usize, index: u64) -> Dataset {
        assert!(runs >= 1);
        let stream = SEED
            ^ world.key().wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (runs as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
            ^ index.wrapping_mul(0x94D0_49BB_1331_11EB);
        let rng = &mut Xoshiro256PlusPlus::seed_from_u64(stream);

        let node_energy = log_uniform(rng, NODE_ENERGY.0, NODE_ENERGY.1);
        let n_acc = match world {
            World::Control | World::Seed => integer(rng, 1, 3),
            World::Spread | World::Mislabel => integer(rng, 3, 5),
        }
        .min(runs);
        let spread = match world {
            World::Control | World::Seed => 1.0,
            World::Spread | World::Mislabel => uniform(rng, 1.15, 1.30),
        };
        let accelerators: Vec<Accelerator> = (0..n_acc)
            .map(|a| {
                let x = match a {
                    0 => 0.0,
                    1 => 1.0,
                    _ => rng.random::<f64>(),
                };
                let energy = node_energy * (spread.ln() * (x - 0.5)).exp();
                let (tdp_w, peak_tflops, nominal) = (0..100_000)
                    .map(|_| {
                        let p = uniform(rng, 300.0, 1000.0).round();
                        let f = (uniform(rng, 300.0, 2500.0) * 10.0).round() / 10.0;
                        (p, f, FLOPS_PER_MAC * p / (f * energy))
                    })
                    .find(|&(_, _, l)| (NOMINAL_LIMIT.0..=NOMINAL_LIMIT.1).contains(&l))
                    .expect("an accelerator with a nominal limit in range");
                let power_fraction = uniform(rng, POWER_FRACTION.0, POWER_FRACTION.1);
                Accelerator {
                    id: format!("syn-{a}"),
                    tdp_w,
                    peak_tflops,
                    energy,
                    power_fraction,
                    nominal_limit: nominal,
                    limit: (power_fraction * nominal).min(1.0),
                }
            })
            .collect();

        let (best, span) = match world {
            World::Control | World::Seed => (0.0, 0.0),
            World::Spread | World::Mislabel => (uniform(rng, 0.90, 0.95), uniform(rng, 2.0, 3.0)),
        };
        let mut runs: Vec<Run> = (0..runs)
            .map(|i| {
                let a = if i < n_acc {
                    i
                } else {
                    integer(rng, 0, n_acc - 1)
                };
                let efficiency = match world {
                    World::Control | World::Seed => uniform(rng, 0.80, 0.95),
                    World::Spread | World::Mislabel => log_uniform(rng, best / span, best),
                };
                let limit = match world {
                    World::Control => {
                        let u = uniform(rng, POWER_FRACTION.0, POWER_FRACTION.1);
                        (u * accelerators[a].nominal_limit).min(1.0)
                    }
                    _ => accelerators[a].limit,
                };
                let mfu = limit * efficiency;
                let (mfu_low, mfu_high) = if rng.random::<f64>() < 0.75 {
                    (six(mfu), six(mfu))
                } else {
                    let low = mfu * (1.0 - uniform(rng, 0.0, 0.05));
                    let high = (mfu * (1.0 + uniform(rng, 0.0, 0.05))).min(1.0);
                    // Rounded outwards, so the range still contains the truth.
                    ((low * 1e6).floor() / 1e6, (high * 1e6).ceil() / 1e6)
                };
                Run {
                    id: format!("run-{i:02}"),
                    accelerator: a,
                    limit,
                    efficiency,
                    mfu,
                    mfu_low,
                    mfu_high,
                    mislabelled: false,
                }
            })
            .collect();
        if world == World::Mislabel {
            let j = integer(rng, 0, runs.len() - 1);
            let r = &mut runs[j];
            r.mfu_low = six((r.mfu_low * MISLABEL_FACTOR).min(1.0));
            r.mfu_high = six((r.mfu_high * MISLABEL_FACTOR).min(1.0));
            r.mislabelled = true;
        }
        Dataset {
            world,
            index,
            node_energy,
            accelerators,
            runs,
        }
    }

    /// The true energy of the node's most efficient accelerator, `min_a E_a`.
    pub fn min_accelerator_energy(&self) -> f64 {
        self.accelerators
            .iter()
            .map(|a| a.energy)
            .fold(f64::INFINITY, f64::min)
    }

    pub fn accelerators_csv(&self) -> String {
        let mut s =
            String::from("accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source\n");
        for a in &self.accelerators {
            writeln!(
                s,
                "{},Synthetic,{NODE},2024,{},{PRECISION},{:.1},synthetic world {} #{}",
                a.id,
                a.tdp_w,
                a.peak_tflops,
                self.world.label(),
                self.index
            )
            .unwrap();
        }
        s
    }

    pub fn observations_csv(&self) -> String {
        let mut s = String::from("id,accelerator,precision,mfu_low,mfu_high,source\n");
        for r in &self.runs {
            writeln!(
                s,
                "{},{},{PRECISION},{:.6},{:.6},synthetic world {} #{}",
                r.id,
                self.accelerators[r.accelerator].id,
                r.mfu_low,
                r.mfu_high,
                self.world.label(),
                self.index
            )
            .unwrap();
        }
        s
    }
}

/// The shipped `configs/default.toml` with the data paths, node table, quantiles and methods
/// replaced: every other key (priors, nuisance laws, method settings) is what an analyst gets.
pub fn config(methods: &[&str]) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/default.toml");
    let text = std::fs::read_to_string(path).expect("configs/default.toml");
    let mut t: toml::Table = text.parse().expect("configs/default.toml parses");
    t.remove("name");
    let mut data = toml::Table::new();
    data.insert("accelerators".into(), "../datasets/accelerators.csv".into());
    data.insert("observations".into(), "../datasets/observations.csv".into());
    t.insert("data".into(), data.into());
    let sampling = t
        .entry("sampling")
        .or_insert_with(|| toml::Table::new().into())
        .as_table_mut()
        .expect("[sampling]");
    sampling.insert(
        "quantiles".into(),
        toml::Value::Array(
            [0.025, 0.05, 0.5, 0.95, 0.975]
                .iter()
                .map(|&q| q.into())
                .collect(),
        ),
    );
    let model = t
        .entry("model")
        .or_insert_with(|| toml::Table::new().into())
        .as_table_mut()
        .expect("[model]");
    model.insert(
        "methods".into(),
        toml::Value::Array(methods.iter().map(|&m| m.into()).collect()),
    );
    model.insert("reference_node".into(), NODE.into());
    let mut fixed = toml::Table::new();
    fixed.insert("dist".into(), "fixed".into());
    fixed.insert("value".into(), 1.0.into());
    let mut nodes = toml::Table::new();
    nodes.insert(NODE.into(), fixed.into());
    t.insert("nodes".into(), nodes.into());
    toml::to_string(&t).expect("config serialises")
}

/// What one method said about one dataset's node.
#[derive(Clone, Debug)]
pub enum Answer {
    /// The 90 % interval `[q0.05, q0.95]`.
    Interval { q05: f64, q95: f64 },
    /// `status` was not `ok` (its text), or the row was missing (`None`).
    Refused(Option<String>),
}

/// One dataset's truth and each method's answer.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub node_energy: f64,
    pub min_accelerator_energy: f64,
    pub answers: HashMap<String, Answer>,
}

/// Writes dataset `index` of a cell, runs the binary and reads its answers.
pub fn run_dataset(
    world: World,
    runs: usize,
    index: u64,
    config: &str,
    methods: &[&str],
    samples: u64,
) -> Outcome {
    let d = Dataset::generate(world, runs, index);
    let f = Fixture::with(config, &d.accelerators_csv(), &d.observations_csv());
    let samples = samples.to_string();
    let seed = (SEED + 1000 * index + runs as u64).to_string();
    let out = f.run(&[
        "--quiet",
        "--threads",
        "1",
        "--samples",
        &samples,
        "--seed",
        &seed,
    ]);
    assert!(
        out.status.success(),
        "world {} runs {runs} #{index}: mfucal failed: {}\n{}\n{}",
        world.label(),
        stderr(&out),
        d.accelerators_csv(),
        d.observations_csv()
    );
    let rows = read_rows(&f.path("out/quantiles.csv"));
    let answers = methods
        .iter()
        .map(|&m| {
            let row = rows.iter().find(|r| {
                r["method"] == m
                    && r["node"] == NODE
                    && r["precision"] == PRECISION
                    && r["basis"] == "observed"
            });
            let answer = match row {
                None => Answer::Refused(None),
                Some(r) if r["status"] != "ok" => Answer::Refused(Some(r["status"].clone())),
                Some(r) => Answer::Interval {
                    q05: r["q0.05"].parse().expect("q0.05"),
                    q95: r["q0.95"].parse().expect("q0.95"),
                },
            };
            (m.to_string(), answer)
        })
        .collect();
    Outcome {
        node_energy: d.node_energy,
        min_accelerator_energy: d.min_accelerator_energy(),
        answers,
    }
}

/// Runs datasets `0..datasets` of a cell, two at a time; outcomes in index order.
pub fn run_cell(
    world: World,
    runs: usize,
    datasets: usize,
    methods: &[&str],
    samples: u64,
) -> Vec<Outcome> {
    const WORKERS: usize = 2;
    let config = config(methods);
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; datasets]);
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= datasets {
                    break;
                }
                let o = run_dataset(world, runs, i as u64, &config, methods, samples);
                slots.lock().unwrap()[i] = Some(o);
            });
        }
    });
    slots
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every dataset ran"))
        .collect()
}

/// Coverage statistics of one method over one cell.
#[derive(Clone, Debug)]
pub struct Stats {
    pub method: String,
    pub datasets: usize,
    pub refused: usize,
    /// Datasets whose `[q0.05, q0.95]` holds `E_n` (a refusal holds nothing).
    pub covered: usize,
    /// Answered datasets with `E_n < q0.05` and `E_n > q0.95`.
    pub truth_below: usize,
    pub truth_above: usize,
    /// Datasets with `min_a E_a < q0.95` (a refusal counts as a miss).
    pub ceiling_holds: usize,
    /// Median of `q0.95 / q0.05` over answered datasets (NaN if none).
    pub median_width: f64,
}

impl Stats {
    pub fn of(method: &str, outcomes: &[Outcome]) -> Stats {
        let mut s = Stats {
            method: method.to_string(),
            datasets: outcomes.len(),
            refused: 0,
            covered: 0,
            truth_below: 0,
            truth_above: 0,
            ceiling_holds: 0,
            median_width: f64::NAN,
        };
        let mut widths = Vec::new();
        for o in outcomes {
            match &o.answers[method] {
                Answer::Refused(_) => s.refused += 1,
                &Answer::Interval { q05, q95 } => {
                    widths.push(q95 / q05);
                    if o.node_energy < q05 {
                        s.truth_below += 1;
                    } else if o.node_energy > q95 {
                        s.truth_above += 1;
                    } else {
                        s.covered += 1;
                    }
                    if o.min_accelerator_energy < q95 {
                        s.ceiling_holds += 1;
                    }
                }
            }
        }
        if !widths.is_empty() {
            widths.sort_by(f64::total_cmp);
            let n = widths.len();
            s.median_width = if n % 2 == 1 {
                widths[n / 2]
            } else {
                (widths[n / 2 - 1] * widths[n / 2]).sqrt()
            };
        }
        s
    }

    pub fn coverage(&self) -> f64 {
        self.covered as f64 / self.datasets as f64
    }

    pub fn ceiling_share(&self) -> f64 {
        self.ceiling_holds as f64 / self.datasets as f64
    }
}

/// The markdown table's header.
pub const TABLE_HEADER: &str = "\
| world | runs | method | N | coverage of E_n | E_n < q0.05 | E_n > q0.95 | refusals | median q0.95/q0.05 | min E_a < q0.95 |
|---|---|---|---|---|---|---|---|---|---|";

/// One markdown row.
pub fn table_row(world: World, runs: usize, s: &Stats) -> String {
    let share = |k: usize| format!("{:.2}", k as f64 / s.datasets as f64);
    format!(
        "| {} | {runs} | {} | {} | {} | {} | {} | {} | {} | {} |",
        world.label(),
        s.method,
        s.datasets,
        share(s.covered),
        share(s.truth_below),
        share(s.truth_above),
        share(s.refused),
        if s.median_width.is_nan() {
            "–".to_string()
        } else {
            format!("{:.2}", s.median_width)
        },
        share(s.ceiling_holds),
    )
}

/// `Pr(X <= k)` for `X ~ Binomial(n, p)`.
pub fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    let mut term = (1.0 - p).powi(n as i32); // Pr(X = 0)
    let mut sum = 0.0;
    for j in 0..=k.min(n) {
        sum += term;
        term *= (n - j) as f64 / (j + 1) as f64 * p / (1.0 - p);
    }
    sum.min(1.0)
}

/// The smallest count `k` a method with true coverage `p` reaches with probability at least
/// `1 - alpha` over `n` datasets: `Pr(X < k) <= alpha`.
pub fn lowest_plausible(n: usize, p: f64, alpha: f64) -> usize {
    (0..=n)
        .rev()
        .find(|&k| k == 0 || binomial_cdf(k - 1, n, p) <= alpha)
        .unwrap()
}

/// The largest count `k` a method with true coverage `p` reaches with probability at least
/// `1 - alpha` over `n` datasets: `Pr(X > k) <= alpha`.
pub fn highest_plausible(n: usize, p: f64, alpha: f64) -> usize {
    (0..=n)
        .find(|&k| 1.0 - binomial_cdf(k, n, p) <= alpha)
        .unwrap()
}
