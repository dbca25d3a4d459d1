//! Statistical checks of the vectorised sampler's generators (`mfucal::sampler::simd`): the
//! uniforms and the Box–Muller normals with polynomial `ln`, `sin` and `cos`. Moments within
//! five standard errors, and a Kolmogorov–Smirnov test at the 0.1 % level (critical value
//! `1.949 / sqrt(n)`), on 1e6 draws in the normal suite and on 1e7 in the ignored tests
//! (`cargo test --release --test model generators:: -- --ignored`).

use mfucal::sampler::simd::{Lanes, BLOCK};
use statrs::distribution::{ContinuousCDF, Normal};

fn draws(n: usize, seed: u64, normal: bool) -> Vec<f64> {
    let mut lanes = Lanes::new(seed);
    let (mut bits, mut block) = ([0u64; BLOCK], [0f64; BLOCK]);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if normal {
            lanes.normals(&mut bits, &mut block);
        } else {
            lanes.uniforms(&mut bits, &mut block);
        }
        out.extend_from_slice(&block[..BLOCK.min(n - out.len())]);
    }
    out
}

/// Mean, variance, skewness and excess kurtosis.
fn moments(x: &[f64]) -> [f64; 4] {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in x {
        let d = v - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    [mean, m2, m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0]
}

/// The Kolmogorov–Smirnov statistic against `cdf`.
fn ks(mut x: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    x.iter().enumerate().fold(0.0f64, |d, (i, &v)| {
        let f = cdf(v);
        d.max(f - i as f64 / n).max((i + 1) as f64 / n - f)
    })
}

fn check_uniform(n: usize, seed: u64) {
    let x = draws(n, seed, false);
    assert!(x.iter().all(|&u| (0.0..1.0).contains(&u)));
    let nf = n as f64;
    let [mean, var, skew, kurt] = moments(&x);
    assert!(
        (mean - 0.5).abs() < 5.0 * (1.0 / 12.0 / nf).sqrt(),
        "mean {mean}"
    );
    // Var of (U - 1/2)^2 is 1/180.
    assert!(
        (var - 1.0 / 12.0).abs() < 5.0 * (1.0 / 180.0 / nf).sqrt(),
        "variance {var}"
    );
    assert!(skew.abs() < 5.0 * (1.0 / nf).sqrt(), "skewness {skew}");
    assert!(
        (kurt + 1.2).abs() < 5.0 * (1.0 / nf).sqrt(),
        "excess kurtosis {kurt}"
    );
    let d = ks(x, |v| v.clamp(0.0, 1.0));
    assert!(d < 1.949 / nf.sqrt(), "KS D = {d} on {n} uniforms");
}

fn check_normal(n: usize, seed: u64) {
    let x = draws(n, seed, true);
    let nf = n as f64;
    let [mean, var, skew, kurt] = moments(&x);
    assert!(mean.abs() < 5.0 / nf.sqrt(), "mean {mean}");
    assert!(
        (var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(),
        "variance {var}"
    );
    assert!(skew.abs() < 5.0 * (6.0 / nf).sqrt(), "skewness {skew}");
    assert!(
        kurt.abs() < 5.0 * (24.0 / nf).sqrt(),
        "excess kurtosis {kurt}"
    );
    // The tails: two-sided 3-sigma mass 0.0026998.
    let p3 = x.iter().filter(|v| v.abs() > 3.0).count() as f64 / nf;
    let se = (0.0027 * (1.0 - 0.0027) / nf).sqrt();
    assert!((p3 - 0.0026998).abs() < 5.0 * se, "P(|z| > 3) = {p3}");
    let std_normal = Normal::new(0.0, 1.0).unwrap();
    let d = ks(x, |v| std_normal.cdf(v));
    assert!(d < 1.949 / nf.sqrt(), "KS D = {d} on {n} normals");
}

#[test]
fn uniforms_pass_moments_and_ks_on_1e6() {
    check_uniform(1_000_000, 1);
}

#[test]
fn normals_pass_moments_and_ks_on_1e6() {
    check_normal(1_000_000, 2);
}

#[test]
fn neighbouring_lanes_and_steps_are_uncorrelated() {
    // Correlation of each draw with the next one in the block (a different lane) and with
    // the same lane one step later (LANES apart): both |r| < 5 / sqrt(n).
    let x = draws(1_000_000, 3, true);
    for lag in [1, mfucal::sampler::simd::LANES] {
        let n = (x.len() - lag) as f64;
        let r = x.iter().zip(&x[lag..]).map(|(a, b)| a * b).sum::<f64>() / n;
        assert!(r.abs() < 5.0 / n.sqrt(), "lag {lag}: correlation {r}");
    }
    // The cosine and sine halves of one Box–Muller pair are independent too.
    let half = BLOCK / 2;
    let (mut s, mut count) = (0.0, 0.0);
    for b in x.chunks_exact(BLOCK) {
        for i in 0..half {
            s += b[i] * b[i + half];
            count += 1.0;
        }
    }
    assert!(
        (s / count).abs() < 5.0 / f64::sqrt(count),
        "pair correlation {}",
        s / count
    );
}

#[test]
#[ignore = "1e7 draws: run with --release --ignored"]
fn uniforms_pass_moments_and_ks_on_1e7() {
    check_uniform(10_000_000, 4);
}

#[test]
#[ignore = "1e7 draws: run with --release --ignored"]
fn normals_pass_moments_and_ks_on_1e7() {
    check_normal(10_000_000, 5);
}
