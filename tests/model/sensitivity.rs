//! `sensitivity.csv` against closed forms, through the real binary.
//!
//! * Sobol indices: an observation's implied log energy is a sum of independent terms
//!   (`ln(P k/F) + ln u + ln eta - ln m - ln c - ln s`), so each input's first-order and total
//!   index are both `Var(term) / Var(sum)`, with the variance of `ln X` for `X ~ U(a, b)`
//!   from `E[ln X]` and `E[ln^2 X]` in closed form. With a log-uniform prior, the bound
//!   posterior's median given every input is `sqrt(a e)` (the prior truncated at the bound
//!   `e`), so its indices are those of `ln e`.
//! * Prior sensitivity: with every input fixed the bound posterior is the prior truncated at
//!   the bound `e0`; its `p` quantile is `a^(1-p) e0^p` under a log-uniform prior on `[a, b]`
//!   and `a + p (e0 - a)` under a uniform one.

use crate::common;

use std::collections::HashMap;

use common::{read_rows, stdout};

type Row = HashMap<String, String>;

fn config(power: &str, peak: &str, seven_nm: &str) -> String {
    common::config_toml(
        "samples_per_observation = 200000\nseed = 9",
        &format!(
            r#"methods = ["bound", "efficiency"]
prior = {{ dist = "log_uniform", low = 0.05, high = 20.0 }}
power_fraction = {power}
peak_factor = {peak}
software_efficiency = {{ dist = "uniform", low = 0.80, high = 0.95 }}"#
        ),
        &format!("\"4nm\" = {{ dist = \"fixed\", value = 1.0 }}\n\"7nm\" = {seven_nm}\n"),
    )
}

fn run(config: &str, observations: &str) -> (Vec<Row>, String) {
    let (f, out) = common::run_ok(config, observations);
    (read_rows(&f.path("out/sensitivity.csv")), stdout(&out))
}

/// `Var(ln X)` for `X ~ U(a, b)`.
fn var_ln_uniform(a: f64, b: f64) -> f64 {
    let m1 = |x: f64| x * x.ln() - x;
    let m2 = |x: f64| x * (x.ln().powi(2) - 2.0 * x.ln() + 2.0);
    let e1 = (m1(b) - m1(a)) / (b - a);
    let e2 = (m2(b) - m2(a)) / (b - a);
    e2 - e1 * e1
}

fn sobol<'a>(
    rows: &'a [Row],
    method: &str,
    subject: (&str, &str),
    input: &str,
    statistic: &str,
) -> &'a Row {
    rows.iter()
        .find(|r| {
            r["analysis"] == "sobol"
                && r["method"] == method
                && (r["observation"] == subject.0 || r["basis"] == subject.0)
                && r["node"] == subject.1
                && r["input"] == input
                && r["statistic"] == statistic
        })
        .unwrap_or_else(|| panic!("no sobol row {method} {subject:?} {input} {statistic}"))
}

fn num(r: &Row, c: &str) -> f64 {
    r[c].parse().unwrap_or_else(|_| panic!("{c} = {:?}", r[c]))
}

/// Both indices of an input within 0.03 of the closed form, and the 95 % interval within
/// 0.02 of covering it (4096 rows give standard errors of about 0.01).
fn assert_index(rows: &[Row], method: &str, subject: (&str, &str), input: &str, want: f64) {
    for statistic in ["first_order", "total"] {
        let r = sobol(rows, method, subject, input, statistic);
        let (v, lo, hi) = (num(r, "value"), num(r, "ci_low"), num(r, "ci_high"));
        assert!(
            (v - want).abs() < 0.03 && lo - 0.02 <= want && want <= hi + 0.02,
            "{method} {subject:?} {input} {statistic}: {v} [{lo}, {hi}], closed form {want}"
        );
    }
}

#[test]
fn sobol_indices_of_an_additive_log_model_match_their_closed_form() {
    let cfg = config(
        r#"{ dist = "uniform", low = 0.85, high = 1.0 }"#,
        r#"{ dist = "lognormal", mu = 0.0, sigma = 0.05 }"#,
        r#"{ dist = "lognormal", mu = 0.33, sigma = 0.10 }"#,
    );
    let (rows, _) = run(
        &cfg,
        "id,accelerator,precision,mfu_low,mfu_high,source\nmpt,a100-sxm,bf16,0.45,0.55,fixture\n",
    );
    let v_mfu = var_ln_uniform(0.45, 0.55);
    let v_power = var_ln_uniform(0.85, 1.0);
    let v_peak = 0.05f64.powi(2);
    let v_eta = var_ln_uniform(0.80, 0.95);
    let v_scale = 0.10f64.powi(2);

    let total = v_mfu + v_power + v_peak + v_eta + v_scale;
    let obs = ("mpt", "7nm");
    for (input, v) in [
        ("mfu", v_mfu),
        ("power_fraction", v_power),
        ("peak_factor", v_peak),
        ("software_efficiency", v_eta),
        ("node_scale", v_scale),
    ] {
        assert_index(&rows, "efficiency", obs, input, v / total);
    }
    let bound_total = total - v_eta;
    for (input, v) in [
        ("mfu", v_mfu),
        ("power_fraction", v_power),
        ("peak_factor", v_peak),
        ("node_scale", v_scale),
    ] {
        assert_index(&rows, "bound", obs, input, v / bound_total);
    }
    let eta = sobol(&rows, "bound", obs, "software_efficiency", "total");
    assert_eq!(eta["flag"], "not_an_input");
    assert_eq!(eta["value"], "");

    // The bound's node rows are ceilings in closed form, not posteriors of the sampled
    // inputs: they have no group indices.
    assert!(rows.iter().all(|r| !(r["analysis"] == "sobol"
        && r["method"] == "bound"
        && r["observation"].is_empty())));
}

#[test]
fn fixed_inputs_have_zero_indices() {
    let cfg = config(
        r#"{ dist = "uniform", low = 0.85, high = 1.0 }"#,
        r#"{ dist = "fixed", value = 1.0 }"#,
        r#"{ dist = "lognormal", mu = 0.33, sigma = 0.10 }"#,
    );
    let (rows, _) = run(
        &cfg,
        "id,accelerator,precision,mfu_low,mfu_high,source\nllama,h100-sxm,bf16,0.43,0.43,fixture\n",
    );
    for input in ["mfu", "peak_factor", "node_scale"] {
        // Point MFU, fixed peak factor, and the reference node's scale (fixed 1).
        let r = sobol(&rows, "efficiency", ("llama", "4nm"), input, "first_order");
        assert_eq!((r["value"].as_str(), r["flag"].as_str()), ("0", "fixed"));
    }
}

/// One H100 run with fixed power and peak under the frontier with every hyperparameter fixed
/// (gap 0.92, w ~ Gamma(2, mean 0.3), no mislabel): the posterior of x = ln E is the prior
/// times f_w(w(x)), w(x) = -ln m - g - max(0, x - ln K) (tests/model/frontier.rs). Each alternative
/// prior's quantiles come from an independent numerical oracle of that density.
#[test]
fn prior_sensitivity_of_the_frontier_matches_its_numerical_oracle() {
    let cfg = config(
        r#"{ dist = "fixed", value = 1.0 }"#,
        r#"{ dist = "fixed", value = 1.0 }"#,
        r#"{ dist = "lognormal", mu = 0.33, sigma = 0.10 }"#,
    )
    .replace(
        r#"methods = ["bound", "efficiency"]"#,
        r#"methods = ["frontier"]"#,
    )
    .replace("low = 0.05, high = 20.0", "low = 0.01, high = 100.0")
    .replace(
        "[nodes]",
        "[model.frontier]\nbest_run_efficiency = { dist = \"fixed\", value = 0.92 }\n\
         inefficiency_mean = { dist = \"fixed\", value = 0.3 }\ninefficiency_shapes = [2]\n\
         architecture_spread = 0\nmislabel_probability = 0\n[nodes]",
    );
    let (rows, summary) = run(
        &cfg,
        "id,accelerator,precision,mfu_low,mfu_high,source\nllama,h100-sxm,bf16,0.43,0.43,fixture\n",
    );
    use statrs::distribution::{Continuous, Gamma};
    let gamma = Gamma::new(2.0, 2.0 / 0.3).unwrap();
    let (g, neg_ln_m, ln_k) = (
        -(0.92f64.ln()),
        -(0.43f64.ln()),
        (700.0 * 2.0 / 989.4f64).ln(),
    );
    // Quantile p of the posterior under a prior with log-density `ln_prior` on [lo, hi].
    let oracle = |lo: f64, hi: f64, ln_prior: &dyn Fn(f64) -> f64, p: f64| -> f64 {
        let dx = 1e-4;
        let n = ((hi.ln() - lo.ln()) / dx) as usize;
        let dens: Vec<f64> = (0..n)
            .map(|i| {
                let x = lo.ln() + (i as f64 + 0.5) * dx;
                let w = neg_ln_m - g - (x - ln_k).max(0.0);
                if w > 0.0 {
                    gamma.pdf(w) * ln_prior(x).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let total: f64 = dens.iter().sum();
        let mut acc = 0.0;
        for (i, d) in dens.iter().enumerate() {
            if acc + d >= p * total {
                return (lo.ln() + (i as f64 + (p * total - acc) / d) * dx).exp();
            }
            acc += d;
        }
        hi
    };
    let flat_in_x = |_: f64| 0.0;
    let flat_in_e = |x: f64| x; // uniform in E: density of ln E ∝ E
    type LnPrior<'a> = &'a dyn Fn(f64) -> f64;
    let alternatives: [(&str, f64, f64, LnPrior); 3] = [
        ("narrow: log_uniform(0.1, 10)", 0.1, 10.0, &flat_in_x),
        ("wide: log_uniform(0.0001, 10000)", 1e-4, 1e4, &flat_in_x),
        ("flat: uniform(0.01, 100)", 0.01, 100.0, &flat_in_e),
    ];
    let levels = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975];
    for (name, lo, hi, ln_prior) in alternatives {
        for p in levels {
            let r = rows
                .iter()
                .find(|r| {
                    r["analysis"] == "prior"
                        && r["method"] == "frontier"
                        && r["basis"] == "observed"
                        && r["input"] == name
                        && r["output"] == format!("q{p}")
                })
                .unwrap_or_else(|| panic!("no row {name} q{p}"));
            let (baseline, value) = (num(r, "baseline"), num(r, "value"));
            let want_base = oracle(0.01, 100.0, &flat_in_x, p);
            let want = oracle(lo, hi, ln_prior, p);
            assert!(
                (baseline / want_base - 1.0).abs() < 0.015,
                "{name} q{p} base {baseline} vs {want_base}"
            );
            assert!(
                (value / want - 1.0).abs() < 0.015,
                "{name} q{p}: {value} vs oracle {want}"
            );
            let change = value / baseline - 1.0;
            assert!((num(r, "relative_change") - change).abs() < 1e-5);
        }
    }
    // Half of this posterior's mass is the flat stretch where the limit is the peak (any E
    // below K): its lower quantiles move with the prior's lower edge, and the summary says so.
    assert!(summary.contains("  frontier    q0.025 2/2"), "{summary}");
}

/// The efficiency posterior of one observation is its implied distribution whatever a wide
/// log-uniform prior's range: not prior-dominated.
#[test]
fn a_single_efficiency_observation_is_data_dominated() {
    let cfg = config(
        r#"{ dist = "uniform", low = 0.85, high = 1.0 }"#,
        r#"{ dist = "fixed", value = 1.0 }"#,
        r#"{ dist = "lognormal", mu = 0.33, sigma = 0.10 }"#,
    );
    let (rows, summary) = run(
        &cfg,
        "id,accelerator,precision,mfu_low,mfu_high,source\nllama,h100-sxm,bf16,0.43,0.43,fixture\n",
    );
    let efficiency: Vec<&Row> = rows
        .iter()
        .filter(|r| r["analysis"] == "prior" && r["method"] == "efficiency")
        .collect();
    assert!(!efficiency.is_empty());
    for r in efficiency.iter().filter(|r| r["input"].starts_with("wide")) {
        assert!(num(r, "relative_change").abs() < 1e-9, "{r:?}");
        assert_eq!(r["flag"], "");
    }
    assert!(summary.contains("  efficiency  q0.025 0/2,"), "{summary}");
}
