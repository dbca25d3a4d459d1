//! Coverage when the world is not the model (issue 11): the real `mfucal run` on synthetic
//! datasets whose true node energy is known. The worlds, the truth and the harness are
//! documented in `tests/common/worlds.rs`:
//!
//! - (a) the seed's world: every run at 80–95 % of its limit, one architecture energy;
//! - (b) run efficiency log-uniform over a 2–3× span, architectures 15–30 % apart;
//! - (c) (b) plus one run published 1.3× too high.
//!
//! For each cell (world × runs per node) and each method it reports the share of datasets
//! whose 90 % interval `[q0.05, q0.95]` holds the true node energy `E_n` (a refusal holds
//! nothing), which side the misses fall on, the refusals (status not `ok`, or no row), the
//! median width `q0.95 / q0.05`, and the share with `min_a E_a < q0.95` (the most efficient
//! accelerator below the reported 95 % quantile: the promise of an honest ceiling).
//!
//! What is asserted:
//! - every run exits 0 and `bound` never refuses (true today and a target);
//! - the harness itself: in world (0), the `efficiency` method's own generative model, its
//!   interval holds the truth in a share of datasets consistent with 0.90 (two-sided binomial
//!   limits at probability 0.99), and it never refuses;
//! - `frontier`, once `tests/common/worlds.rs` lists it in `METHODS` and it writes rows: no
//!   refusals, and a coverage count no lower than what a true coverage of 0.85 reaches with
//!   probability 0.995 over the cell's N datasets (nor higher than what 0.97 reaches, where
//!   N is large enough to tell); skipped with a message while there are no `frontier` rows;
//! - `bound`'s ceiling (`min_a E_a < q0.95` in at least what a true share of 0.95 reaches
//!   with probability 0.995) once [`BOUND_IS_CEILING`] is switched on, after `bound` reports
//!   the distribution of `min_i e_i` (issue 11, "Make bound an honest ceiling").
//!
//! Nothing is asserted about today's failures of `bound` and `efficiency`: they are printed.
//!
//! `cargo test --release --test model coverage:: -- --nocapture` runs the small version (40
//! datasets of the control world (0) at 3 runs; 12 for (a) at 3 runs, (b) and (c) at 10 runs). The long
//! version, all 9 cells and the control at 3 and 30 runs, 200 datasets each,
//! is `cargo test --release --test model coverage::coverage_long -- --ignored --nocapture`;
//! `MFUCAL_COVERAGE_DATASETS` and `MFUCAL_COVERAGE_SAMPLES` override its size.

use crate::common;

use std::time::Instant;

use common::worlds::{
    highest_plausible, lowest_plausible, run_cell, table_row, Answer, Outcome, Stats, World,
    METHODS, TABLE_HEADER,
};

/// Samples per observation: ample for a 90 % interval (the MCSE of q0.05 and q0.95 is well
/// below 1 % of them), small enough for hundreds of runs.
const SAMPLES: u64 = 20_000;
/// Datasets per cell, small version.
const SMALL: usize = 12;
/// Datasets of the control cell (world 0, 3 runs), small version: enough to see a harness
/// that measures the wrong thing.
const CONTROL_SMALL: usize = 40;
/// Datasets per cell, long version.
const LONG: usize = 200;
/// Runs per node of the long version.
const RUNS: [usize; 3] = [3, 10, 30];
/// One-sided probability of a false alarm of each binomial check.
const ALPHA: f64 = 0.005;
/// The frontier's nominal coverage band (issue 11: 0.85–0.97 in every cell).
const TARGET: (f64, f64) = (0.85, 0.97);
/// The share of datasets in which the most efficient accelerator lies below `bound`'s q0.95.
const CEILING_TARGET: f64 = 0.95;
/// Switch on when `bound` reports the ceiling `min_i e_i` without a prior (issue 11).
const BOUND_IS_CEILING: bool = true;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Does any dataset have a `frontier` row (answered or refused with a status)?
fn has_frontier(outcomes: &[Outcome]) -> bool {
    outcomes.iter().any(|o| {
        matches!(
            o.answers.get("frontier"),
            Some(Answer::Interval { .. } | Answer::Refused(Some(_)))
        )
    })
}

/// Runs the cells, prints the markdown table, then returns the failed checks.
fn measure(cells: &[(World, usize, usize)], samples: u64) -> Vec<String> {
    let mut rows = vec![TABLE_HEADER.to_string()];
    let mut failures = Vec::new();
    let mut frontier_seen = false;
    for &(world, runs, datasets) in cells {
        let start = Instant::now();
        let outcomes = run_cell(world, runs, datasets, METHODS, samples);
        eprintln!(
            "world {} x {runs} runs: {datasets} datasets in {:.1} s",
            world.label(),
            start.elapsed().as_secs_f64()
        );
        let cell = format!("world {} x {runs} runs", world.label());
        for &method in METHODS {
            if method == "frontier" && !has_frontier(&outcomes) {
                continue;
            }
            let s = Stats::of(method, &outcomes);
            rows.push(table_row(world, runs, &s));
            let n = s.datasets;
            match method {
                "bound" => {
                    if s.refused > 0 {
                        failures.push(format!("{cell}: bound refused {} of {n}", s.refused));
                    }
                    let low = lowest_plausible(n, CEILING_TARGET, ALPHA);
                    if BOUND_IS_CEILING && s.ceiling_holds < low {
                        failures.push(format!(
                            "{cell}: bound's q0.95 above min E_a in {} of {n} (at least {low} \
                             expected at a share of {CEILING_TARGET})",
                            s.ceiling_holds
                        ));
                    }
                }
                "efficiency" if world == World::Control => {
                    if s.refused > 0 {
                        failures.push(format!("{cell}: efficiency refused {} of {n}", s.refused));
                    }
                    let (low, high) = (
                        lowest_plausible(n, 0.90, ALPHA),
                        highest_plausible(n, 0.90, ALPHA),
                    );
                    if s.covered < low || s.covered > high {
                        failures.push(format!(
                            "{cell}: efficiency covered E_n in {} of {n} in its own model, \
                             outside {low}..={high}: the harness or the engine is wrong",
                            s.covered
                        ));
                    }
                }
                "frontier" => {
                    frontier_seen = true;
                    if s.refused > 0 {
                        failures.push(format!("{cell}: frontier refused {} of {n}", s.refused));
                    }
                    let (low, high) = (
                        lowest_plausible(n, TARGET.0, ALPHA),
                        highest_plausible(n, TARGET.1, ALPHA),
                    );
                    if s.covered < low || s.covered > high {
                        failures.push(format!(
                            "{cell}: frontier covered E_n in {} of {n}, outside {low}..={high} \
                             (coverage {:.2}..{:.2} at probability {})",
                            s.covered,
                            TARGET.0,
                            TARGET.1,
                            1.0 - 2.0 * ALPHA
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    println!(
        "\nCoverage of the 90 % interval, {samples} samples per observation\n\n{}\n",
        rows.join("\n")
    );
    if !frontier_seen {
        println!(
            "frontier: no `frontier` rows (not in METHODS of tests/common/worlds.rs, or not \
             implemented yet): its coverage checks are skipped"
        );
    }
    failures
}

#[test]
fn coverage_small() {
    let cells = [
        (World::Control, 3, CONTROL_SMALL),
        (World::Seed, 3, SMALL),
        (World::Spread, 10, SMALL),
        (World::Mislabel, 10, SMALL),
    ];
    let failures = measure(&cells, SAMPLES);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "long: 9 cells x 200 datasets of the real binary (minutes)"]
fn coverage_long() {
    let datasets = env_or("MFUCAL_COVERAGE_DATASETS", LONG);
    let samples = env_or("MFUCAL_COVERAGE_SAMPLES", SAMPLES);
    let cells: Vec<(World, usize, usize)> = [(World::Control, 3), (World::Control, 30)]
        .into_iter()
        .chain(
            World::ALL
                .iter()
                .flat_map(|&w| RUNS.iter().map(move |&r| (w, r))),
        )
        .map(|(w, r)| (w, r, datasets))
        .collect();
    let failures = measure(&cells, samples);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The generator itself: deterministic, MFU in (0, 1], published ranges hold the truth except
/// for the mislabelled run, exactly one mislabel in world (c), runs on every accelerator.
#[test]
fn worlds_are_what_they_say() {
    use common::worlds::{Dataset, MISLABEL_FACTOR, NODE_ENERGY};
    for world in [World::Control].into_iter().chain(World::ALL) {
        for runs in RUNS {
            for index in 0..50 {
                let d = Dataset::generate(world, runs, index);
                let again = Dataset::generate(world, runs, index);
                assert_eq!(d.observations_csv(), again.observations_csv());
                assert_eq!(d.accelerators_csv(), again.accelerators_csv());
                assert_eq!(d.runs.len(), runs);
                assert!((NODE_ENERGY.0..=NODE_ENERGY.1).contains(&d.node_energy));
                let n_acc = d.accelerators.len();
                match world {
                    World::Control | World::Seed => assert!((1..=3).contains(&n_acc)),
                    _ => assert!(n_acc == runs.min(3) || (3..=5).contains(&n_acc)),
                }
                for a in 0..n_acc {
                    assert!(d.runs.iter().any(|r| r.accelerator == a));
                }
                let (lo, hi) = d
                    .accelerators
                    .iter()
                    .fold((f64::INFINITY, 0.0f64), |(lo, hi), a| {
                        (lo.min(a.energy), hi.max(a.energy))
                    });
                match world {
                    World::Control | World::Seed => assert_eq!(lo, hi),
                    _ if n_acc >= 2 => assert!((1.15..=1.30).contains(&(hi / lo)), "{}", hi / lo),
                    _ => {}
                }
                for a in &d.accelerators {
                    let nominal = 2.0 * a.tdp_w / (a.peak_tflops * a.energy);
                    assert!((nominal - a.nominal_limit).abs() < 1e-12);
                    assert!((a.power_fraction * nominal - a.limit).abs() < 1e-12 && a.limit < 1.0);
                }
                let mislabelled = d.runs.iter().filter(|r| r.mislabelled).count();
                assert_eq!(mislabelled, usize::from(world == World::Mislabel));
                for r in &d.runs {
                    assert!(r.mfu > 0.0 && r.mfu <= 1.0);
                    assert!(0.0 < r.mfu_low && r.mfu_low <= r.mfu_high && r.mfu_high <= 1.0);
                    if r.mislabelled {
                        let expected = (r.mfu * MISLABEL_FACTOR).min(1.0);
                        assert!(r.mfu_low <= expected * 1.0001 && r.mfu_high >= expected * 0.9999);
                    } else {
                        assert!(r.mfu_low <= r.mfu + 1e-6 && r.mfu <= r.mfu_high + 1e-6);
                    }
                    let acc = &d.accelerators[r.accelerator];
                    if world != World::Control {
                        assert_eq!(r.limit, acc.limit);
                    }
                    let u = r.limit / acc.nominal_limit;
                    assert!((0.85..=1.0).contains(&u), "{u}");
                    let eff = r.mfu / r.limit;
                    match world {
                        World::Control | World::Seed => assert!((0.80..=0.95).contains(&eff)),
                        _ => assert!((0.90 / 3.0..=0.95).contains(&eff)),
                    }
                }
            }
        }
    }
}

/// The binomial limits used above.
#[test]
fn binomial_limits() {
    // n = 12, p = 0.85: Pr(X <= 6) = 0.0046, Pr(X <= 7) = 0.024.
    assert_eq!(lowest_plausible(12, 0.85, ALPHA), 7);
    // Nothing is implausibly high at n = 12 under p = 0.97.
    assert_eq!(highest_plausible(12, 0.97, ALPHA), 12);
    assert!(lowest_plausible(100, 0.85, ALPHA) >= 75);
    assert!(highest_plausible(100, 0.97, ALPHA) <= 100);
}

/// Prints one dataset of each world and the config the harness writes:
/// `cargo test --release --test model show_worlds -- --ignored --nocapture`.
#[test]
#[ignore = "prints examples"]
fn show_worlds() {
    use common::worlds::{config, Dataset};
    println!("configs/test.toml:\n{}", config(METHODS));
    for world in World::ALL {
        let d = Dataset::generate(world, 10, 0);
        println!(
            "world {}: E_n = {:.4} pJ/MAC, min E_a = {:.4}\n{}\n{}",
            world.label(),
            d.node_energy,
            d.min_accelerator_energy(),
            d.accelerators_csv(),
            d.observations_csv()
        );
        for a in &d.accelerators {
            println!(
                "  {}: E_a {:.4}, u {:.3}, limit {:.3}",
                a.id, a.energy, a.power_fraction, a.limit
            );
        }
        for r in &d.runs {
            println!(
                "  {} on {}: eta {:.3}, MFU {:.4}{}",
                r.id,
                d.accelerators[r.accelerator].id,
                r.efficiency,
                r.mfu,
                if r.mislabelled {
                    " (published 1.3x)"
                } else {
                    ""
                }
            );
        }
    }
}
