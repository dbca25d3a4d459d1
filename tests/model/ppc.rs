//! `ppc.csv` and the suspects in the run's summary, through the real binary: a closed form
//! for the predictive probabilities, and the outliers the check exists to catch.

use crate::common;

use std::collections::HashMap;

use common::{read_rows, stdout};
use statrs::distribution::{ContinuousCDF, Normal};

type Row = HashMap<String, String>;

fn config(prior: &str, power: &str, peak: &str, efficiency: &str) -> String {
    common::config_toml(
        "samples_per_observation = 1000000\nseed = 5",
        &format!(
            r#"methods = ["bound", "efficiency"]
prior = {prior}
power_fraction = {power}
peak_factor = {peak}
software_efficiency = {efficiency}"#
        ),
        common::NODES,
    )
}

const DEFAULT_PRIOR: &str = r#"{ dist = "log_uniform", low = 0.05, high = 20.0 }"#;
const DEFAULT_POWER: &str = r#"{ dist = "uniform", low = 0.85, high = 1.0 }"#;
const DEFAULT_EFFICIENCY: &str = r#"{ dist = "uniform", low = 0.80, high = 0.95 }"#;
const FIXED: &str = r#"{ dist = "fixed", value = 1.0 }"#;

fn run(config: &str, runs: &[(&str, f64)]) -> (Vec<Row>, String) {
    let mut csv = String::from("id,accelerator,precision,mfu_low,mfu_high,source\n");
    for (id, m) in runs {
        csv += &format!("{id},h100-sxm,bf16,{m},{m},fixture\n");
    }
    let (f, out) = common::run_ok(config, &csv);
    (read_rows(&f.path("out/ppc.csv")), stdout(&out))
}

fn row<'a>(rows: &'a [Row], method: &str, id: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["method"] == method && r["id"] == id)
        .unwrap_or_else(|| panic!("no {method} {id}"))
}

fn num(r: &Row, c: &str) -> f64 {
    r[c].parse().unwrap_or_else(|_| panic!("{c} = {:?}", r[c]))
}

/// Two H100 runs, every input fixed but a lognormal peak factor (sigma 0.05), efficiency 1:
/// `ln e_i ~ N(mu_i, s^2)` with `mu_i = ln(700 * 2 / (m_i * 989.4))`. Under a log-flat prior
/// the leave-one-out posterior of run 1 is run 2's implied distribution, so
/// `p_loo = Pr(ln e_1' >= ln E) = Phi((mu_1 - mu_2) / (s sqrt 2))`; the full posterior is
/// `N((mu_1 + mu_2) / 2, s^2 / 2)`, so `p_posterior = Phi((mu_1 - mu_2) / 2 / (s sqrt 1.5))`.
#[test]
fn predictive_probabilities_match_their_closed_form() {
    let s = 0.05;
    let cfg = config(
        r#"{ dist = "log_uniform", low = 0.01, high = 1000.0 }"#,
        FIXED,
        &format!(r#"{{ dist = "lognormal", mu = 0.0, sigma = {s} }}"#),
        FIXED,
    );
    let (rows, _) = run(&cfg, &[("fast", 0.43), ("slow", 0.40)]);
    let phi = |x: f64| Normal::new(0.0, 1.0).unwrap().cdf(x);
    let d = (0.40f64 / 0.43).ln(); // mu_fast - mu_slow: the faster run implies less energy
    let fast = row(&rows, "efficiency", "fast");
    // Kernel smoothing widens each likelihood's log-sd by 0.16 %: well inside 0.003.
    assert!(
        (num(fast, "p_loo") - phi(d / (s * 2f64.sqrt()))).abs() < 0.003,
        "{fast:?}"
    );
    assert!((num(fast, "p_posterior") - phi(d / 2.0 / (s * 1.5f64.sqrt()))).abs() < 0.003);
    let slow = row(&rows, "efficiency", "slow");
    assert!((num(slow, "p_loo") - phi(-d / (s * 2f64.sqrt()))).abs() < 0.003);
    assert_eq!(fast["n_others"], "1");
    assert_eq!(fast["suspect"], "");
}

/// Three consistent H100 runs and one whose "MFU" of 0.62 is really an HFU: no energy is
/// compatible with it and the others under the efficiency model (the group is contradictory),
/// but left out, the others predict an MFU of at most about 0.5: Pr(MFU >= 0.62) = 0.
#[test]
fn an_hfu_reported_as_mfu_is_suspect_under_the_efficiency_method() {
    let cfg = config(DEFAULT_PRIOR, DEFAULT_POWER, FIXED, DEFAULT_EFFICIENCY);
    let (rows, summary) = run(
        &cfg,
        &[("a", 0.40), ("b", 0.42), ("c", 0.44), ("hfu", 0.62)],
    );
    let hfu = row(&rows, "efficiency", "hfu");
    assert_eq!(hfu["p_posterior"], "", "the group is contradictory");
    assert_eq!(num(hfu, "p_loo"), 0.0);
    assert_eq!(hfu["suspect"], "mfu_too_high");
    assert_eq!(
        hfu["status"],
        "the group's posterior is contradictory: judged on p_loo"
    );
    for id in ["a", "b", "c"] {
        let r = row(&rows, "efficiency", id);
        assert_eq!(r["suspect"], "", "{r:?}");
        assert!(r["status"].starts_with("contradictory"), "{r:?}");
    }
    assert!(
        summary.contains("  efficiency hfu (4nm bf16, MFU 0.62): higher than the model allows, Pr(MFU >= observed) = 0.0000 (leave-one-out)"),
        "{summary}"
    );
}

/// The bound method reports a ceiling with no prior and predicts no MFU: it has no predictive
/// check, and its rows never appear in `ppc.csv` (the frontier names mislabelled runs:
/// tests/model/frontier.rs).
#[test]
fn the_bound_ceiling_has_no_predictive_check() {
    let cfg = config(DEFAULT_PRIOR, DEFAULT_POWER, FIXED, DEFAULT_EFFICIENCY);
    let (rows, _) = run(&cfg, &[("a", 0.42), ("b", 0.44), ("too-fast", 0.9)]);
    assert!(rows.iter().all(|r| r["method"] == "efficiency"));
    assert_eq!(rows.len(), 3);
}

#[test]
fn nothing_suspect_is_said_plainly() {
    let cfg = config(DEFAULT_PRIOR, DEFAULT_POWER, FIXED, DEFAULT_EFFICIENCY);
    let (rows, summary) = run(&cfg, &[("a", 0.42), ("b", 0.44)]);
    assert!(rows.iter().all(|r| r["suspect"].is_empty()));
    assert!(summary.contains(
        "no observation is in the extreme 1 % tails of its posterior predictive (ppc.csv)"
    ));
}
