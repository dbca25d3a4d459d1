//! Posteriors stay finite where a linear-space product would not: many sharp observations
//! (their likelihood product overflows a double at the mode and underflows off it) and a
//! group whose posterior vanishes (reported as a contradiction naming the observations,
//! never written as NaN or 0).

use crate::common;

use common::{read_rows, stderr, Fixture, ACCELERATORS};
use mfucal::config::Method;
use mfucal::dist::{DistSpec, Quantity};
use mfucal::posterior::{Engine, NodePosterior};
use mfucal::sampler::LogHistogram;
use statrs::distribution::{ContinuousCDF, Normal};

/// A histogram of `n` lognormal(mu, s) values at evenly spaced probabilities: an exact,
/// noise-free sample.
fn lognormal_histogram(median: f64, s: f64, n: usize) -> LogHistogram {
    let z = Normal::new(0.0, 1.0).unwrap();
    let mut h = LogHistogram::new();
    for k in 0..n {
        h.add(median * (s * z.inverse_cdf((k as f64 + 0.5) / n as f64)).exp());
    }
    h
}

fn engine() -> Engine<'static> {
    let prior = DistSpec::LogUniform {
        low: 0.05,
        high: 20.0,
    }
    .resolve(Quantity::EnergyPrior)
    .unwrap();
    Engine::new(&prior)
}

#[test]
fn a_thousand_sharp_observations_give_a_finite_narrow_posterior() {
    let engine = engine();
    let (median, s, n_obs) = (1.5, 0.05, 1000);
    let h = lognormal_histogram(median, s, 20_000);
    let lik = engine.ln_likelihood(Method::Efficiency, &h);
    // The kernel density of ln e peaks near 1 / (sqrt(2 pi) 0.05) = 8: a product of a
    // thousand is about e^2080, beyond the largest double (e^709).
    let peak = lik.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(peak * n_obs as f64 > f64::MAX.ln(), "{peak}");
    let ids: Vec<String> = (0..n_obs).map(|i| format!("run-{i}")).collect();
    let group: Vec<(&str, &LogHistogram)> = ids.iter().map(|id| (id.as_str(), &h)).collect();
    let post = engine
        .posterior(Method::Efficiency, &group)
        .expect("no contradiction");
    // Identical observations: the posterior of ln E is centred on ln(median) with an sd of
    // about sqrt(s^2 + h^2) / sqrt(1000) = 0.0016 (h the kernel bandwidth, 0.009 here).
    let q = [0.025, 0.5, 0.975].map(|p| post.quantile(p));
    assert!(q.iter().all(|x| x.is_finite() && *x > 0.0), "{q:?}");
    assert!((q[1] / median - 1.0).abs() < 1e-3, "median {}", q[1]);
    let width = (q[2] / q[0]).ln();
    let expected = 2.0 * 1.96 * (s * s + 0.009f64.powi(2)).sqrt() / (n_obs as f64).sqrt();
    assert!(
        (width / expected - 1.0).abs() < 0.35,
        "log width {width}, expected about {expected}"
    );
    let (mean, sd) = NodePosterior::Direct(post).mean_sd();
    assert!(mean.is_finite() && sd.is_finite() && sd > 0.0);
}

#[test]
fn a_thousand_sharp_bounds_give_a_finite_posterior_below_the_bound() {
    let engine = engine();
    let h = lognormal_histogram(1.5, 0.05, 20_000);
    let group: Vec<(&str, &LogHistogram)> = (0..1000).map(|_| ("run", &h)).collect();
    let post = engine
        .posterior(Method::Bound, &group)
        .expect("no contradiction");
    // Pr(e >= E)^1000 is about 1 well below the bounds and vanishes within them: the
    // posterior is the prior cut just below the smallest bound.
    let q = [0.025, 0.5, 0.975, 0.999].map(|p| post.quantile(p));
    assert!(q.iter().all(|x| x.is_finite() && *x > 0.0), "{q:?}");
    assert!(q[3] < h.quantiles(&[0.01])[0], "{q:?}");
    assert!(q[0] >= 0.05 * (1.0 - 1e-3), "{q:?}");
}

#[test]
fn a_vanishing_group_names_the_observations_that_contradict_each_other() {
    let engine = engine();
    let low = lognormal_histogram(1.0, 0.01, 10_000);
    let high = lognormal_histogram(3.0, 0.01, 10_000);
    let also_low = lognormal_histogram(1.01, 0.01, 10_000);
    let err = engine
        .posterior(
            Method::Efficiency,
            &[("a", &low), ("b", &high), ("c", &also_low)],
        )
        .unwrap_err();
    assert_eq!(
        err.message,
        "2 pairs of observations do not overlap under the efficiency method; most in conflict: \
         b (2 of 2 others), a (1 of 2 others), c (1 of 2 others)"
    );
    assert_eq!(*err.ids, ["b", "a", "c"]);
}

#[test]
fn a_vanishing_group_is_written_as_contradictory_never_as_nan_or_zero() {
    // Efficiency: MFU 0.43 implies 1.6-2.2 pJ/MAC, MFU 0.2 implies 3.4-4.7: no overlap.
    let obs = "id,accelerator,precision,mfu_low,mfu_high,source\n\
               llama,h100-sxm,bf16,0.43,0.43,src\n\
               slow,h100-sxm,bf16,0.2,0.2,src\n\
               mpt,a100-sxm,bf16,0.50,0.55,src\n";
    let f = Fixture::with(&common::config_sampled(), ACCELERATORS, obs);
    let out = f.run(&["--samples", "50000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_rows(&f.path("out/quantiles.csv"));
    let row = common::group_row(&rows, "efficiency", "4nm", "observed");
    assert_eq!(
        row["status"],
        "contradictory: 1 pairs of observations do not overlap under the efficiency method; \
         most in conflict: llama (1 of 1 others), slow (1 of 1 others)"
    );
    for column in ["mean", "sd", "q0.025", "q0.5", "q0.975"] {
        assert_eq!(row[column], "", "{column}");
    }
    assert_eq!(
        common::group_row(&rows, "bound", "4nm", "observed")["status"],
        "ok"
    );
    for file in [
        "quantiles.csv",
        "observations.csv",
        "accelerators.csv",
        "manifest.json",
    ] {
        let text = std::fs::read_to_string(f.path("out").join(file)).unwrap();
        let lower = text.to_ascii_lowercase();
        assert!(!lower.contains("nan") && !lower.contains("inf"), "{file}");
    }
    // Every number written is positive: a vanished posterior is never a 0.
    for r in &rows {
        for (k, v) in r {
            if k == "mean" || k.starts_with('q') {
                assert!(v.is_empty() || v.parse::<f64>().unwrap() > 0.0, "{k} = {v}");
            }
        }
    }
    assert!(
        stderr(&out).contains("warning: efficiency 4nm bf16")
            && !common::stdout(&out).contains("warning:"),
        "warnings on stderr, data on stdout"
    );
}
