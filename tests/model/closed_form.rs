//! Posteriors against closed forms and an independent numerical oracle, within 0.2 %.
//!
//! Every case is one H100 BF16 observation at MFU 0.43 with every input fixed except where
//! stated, so the implied energy at full power is `e0 = 700 W * 2 / (0.43 * 989.4e12) J`.

use crate::common;

use common::{group_row, num, read_rows, ONE_H100};
use statrs::distribution::{ContinuousCDF, Normal};

const LEVELS: [f64; 7] = [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975];
const TOLERANCE: f64 = 0.002;

fn e0_pj() -> f64 {
    700.0 * 2.0 / (0.43 * 989.4e12) * 1e12
}

fn config(methods: &str, prior: &str, peak: &str, samples: u64) -> String {
    common::config_toml(
        &format!("samples_per_observation = {samples}\nseed = 11"),
        &format!(
            r#"methods = [{methods}]
prior = {prior}
power_fraction = {{ dist = "fixed", value = 1.0 }}
software_efficiency = {{ dist = "fixed", value = 1.0 }}
peak_factor = {peak}"#
        ),
        common::NODES,
    )
}

fn run(config: &str, observations: &str) -> Vec<std::collections::HashMap<String, String>> {
    let (f, _) = common::run_ok(config, observations);
    read_rows(&f.path("out/quantiles.csv"))
}

fn assert_quantiles(
    row: &std::collections::HashMap<String, String>,
    expected: impl Fn(f64) -> f64,
) {
    let mut worst: f64 = 0.0;
    for p in LEVELS {
        let got = num(row, &format!("q{p}"));
        let want = expected(p);
        let rel = (got - want).abs() / want;
        assert!(
            rel < TOLERANCE,
            "q{p}: got {got}, closed form {want}, relative error {rel:.2e}"
        );
        worst = worst.max(rel);
    }
    eprintln!(
        "{} {} {}: worst relative quantile error {worst:.2e}",
        row["method"], row["node"], row["basis"]
    );
}

fn z(p: f64) -> f64 {
    Normal::new(0.0, 1.0).unwrap().inverse_cdf(p)
}

/// Peak factor c ~ lognormal(0.05, 0.1), so ln e = ln e0 - ln c ~ N(ln e0 - 0.05, 0.1). Under a
/// log-flat prior far wider than that, the efficiency posterior is exactly this lognormal.
#[test]
fn efficiency_posterior_of_one_lognormal_observation_is_that_lognormal() {
    let cfg = config(
        "\"efficiency\"",
        "{ dist = \"log_uniform\", low = 0.01, high = 1000.0 }",
        "{ dist = \"lognormal\", mu = 0.05, sigma = 0.1 }",
        1_000_000,
    );
    let rows = run(&cfg, ONE_H100);
    let mu = e0_pj().ln() - 0.05;
    assert_quantiles(group_row(&rows, "efficiency", "4nm", "observed"), |p| {
        (mu + 0.1 * z(p)).exp()
    });
    // The 7nm row has no observation: pooled x lognormal(0.33, 0.1), a lognormal whose log-sd
    // adds in quadrature.
    let sd = (0.1f64.powi(2) + 0.1f64.powi(2)).sqrt();
    assert_quantiles(group_row(&rows, "efficiency", "7nm", "scaled"), |p| {
        (mu + 0.33 + sd * z(p)).exp()
    });
}

/// An observation on a node with an uncertain scale enters the pooled posterior divided by a
/// sampled scale: ln(e / s) ~ N(ln e0 - 0.05 - 0.33, sqrt(0.1^2 + 0.1^2)).
#[test]
fn pooled_posterior_moves_observations_by_their_sampled_node_scale() {
    let cfg = config(
        "\"efficiency\"",
        "{ dist = \"log_uniform\", low = 0.01, high = 1000.0 }",
        "{ dist = \"lognormal\", mu = 0.05, sigma = 0.1 }",
        1_000_000,
    );
    let rows = run(
        &cfg,
        "id,accelerator,precision,mfu_low,mfu_high,source\nmpt,a100-sxm,bf16,0.5,0.5,fixture\n",
    );
    let e0: f64 = 400.0 * 2.0 / (0.5 * 312e12) * 1e12;
    let sd = 0.02f64.sqrt();
    assert_quantiles(group_row(&rows, "efficiency", "7nm", "observed"), |p| {
        (e0.ln() - 0.05 + 0.1 * z(p)).exp()
    });
    assert_quantiles(group_row(&rows, "efficiency", "4nm", "pooled"), |p| {
        (e0.ln() - 0.05 - 0.33 + sd * z(p)).exp()
    });
}

/// With every input fixed the ceiling is the point e0: every quantile is e0, whatever the
/// prior (the bound method has none).
#[test]
fn bound_ceiling_with_fixed_inputs_is_the_bound() {
    let cfg = config(
        "\"bound\"",
        "{ dist = \"log_uniform\", low = 0.05, high = 20.0 }",
        "{ dist = \"fixed\", value = 1.0 }",
        100_000,
    );
    let rows = run(&cfg, ONE_H100);
    assert_quantiles(group_row(&rows, "bound", "4nm", "observed"), |_| e0_pj());
}

/// With a lognormal peak factor `c` the ceiling of one run is `e0 / c`, lognormal with
/// `ln C ~ N(ln e0 - 0.05, 0.1)`: its quantiles in closed form.
#[test]
fn bound_ceiling_of_one_run_is_its_implied_energy() {
    let cfg = config(
        "\"bound\"",
        "{ dist = \"log_uniform\", low = 0.5, high = 20.0 }",
        "{ dist = \"lognormal\", mu = 0.05, sigma = 0.1 }",
        100_000,
    );
    let rows = run(&cfg, ONE_H100);
    let mu = e0_pj().ln() - 0.05;
    assert_quantiles(group_row(&rows, "bound", "4nm", "observed"), |p| {
        (mu + 0.1 * z(p)).exp()
    });
}
