//! Variance-based sensitivity: first-order and total Sobol indices of a model's inputs, by
//! Saltelli's sampling scheme and Jansen's estimators, with percentile-bootstrap confidence
//! intervals.
//!
//! **Indices.** For `Y = f(X_1, ..., X_k)` with independent inputs (each `X_j` may be a group
//! of columns, e.g. the power fractions of every observation of a node), the first-order index
//! `S_j = Var(E[Y | X_j]) / Var(Y)` is the share of the output's variance that learning `X_j`
//! alone would remove; the total index `S_Tj = E[Var(Y | X_~j)] / Var(Y)` is the share that
//! involves `X_j` at all, interactions included. `S_Tj >= S_j`; for an additive model they
//! are equal and sum to 1.
//!
//! **Sampling** (Saltelli 2002; Saltelli et al. 2010, Comput. Phys. Commun. 181, 259-270):
//! two independent `N x d` matrices `A` and `B`, and for each input `j` the matrix `AB_j`:
//! `A` with input `j`'s columns taken from `B`; `N (k + 2)` model runs in all.
//!
//! **Estimators** (Jansen 1999, Comput. Phys. Commun. 117, 35-43, as recommended in Saltelli
//! et al. 2010, Table 2):
//! `S_j = 1 - mean((f(B) - f(AB_j))^2) / (2 V)` and `S_Tj = mean((f(A) - f(AB_j))^2) / (2 V)`,
//! with `V` the variance of the `2N` values `f(A)` and `f(B)`.
//!
//! **Confidence intervals**: percentile bootstrap over the `N` rows (Archer et al. 1997,
//! J. Stat. Comput. Simul. 58, 99-120): the rows are resampled with replacement and every
//! estimator recomputed; the interval is the 2.5 % and 97.5 % quantiles of the replicates.
//!
//! An input whose columns are all fixed has indices exactly 0 (reported as fixed, not
//! estimated); an input with no columns does not enter the model at all.

use rand::rngs::Xoshiro256PlusPlus;
use rand::RngExt;

use crate::dist::Sampler;
use crate::stop::Stop;

/// Size of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `N`: rows of `A` and `B`.
    pub base_samples: usize,
    /// Bootstrap replicates for the confidence intervals.
    pub bootstrap: usize,
}

/// What the run uses: 4096 rows (`N (k + 2)` = 28,672 model runs for five inputs) and 100
/// bootstrap replicates; the indices' standard errors are then about 0.01-0.02.
pub const DEFAULT_SETTINGS: Settings = Settings {
    base_samples: 4096,
    bootstrap: 100,
};

/// Confidence level of the bootstrap intervals.
pub const CONFIDENCE: f64 = 0.95;

/// An estimate with its bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate of the index.
    pub value: f64,
    /// Lower end of the [`CONFIDENCE`] bootstrap interval.
    pub ci_low: f64,
    /// Upper end of the [`CONFIDENCE`] bootstrap interval.
    pub ci_high: f64,
}

/// What one input does to the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// The input is not part of the model (no columns).
    NotAnInput,
    /// Every column of the input is a fixed value: both indices are exactly 0.
    Fixed,
    /// Estimated indices.
    Indices {
        /// First-order index: the share of the output's variance the input explains alone.
        first_order: Estimate,
        /// Total index: the share it explains with all its interactions.
        total: Estimate,
    },
}

/// Why indices could not be estimated.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum SobolError {
    /// The model has no value at some input draws (e.g. an empty posterior).
    #[error("undefined at {failed} of {runs} input draws")]
    Undefined {
        /// Model evaluations without a value.
        failed: usize,
        /// Model evaluations in all.
        runs: usize,
    },
    /// The output does not vary: there is no variance to apportion.
    #[error("constant: no uncertain input moves it")]
    Constant,
}

/// Sobol indices of each input (a group of columns, each with its own distribution) on
/// `f`, which receives the columns of every input in order, concatenated.
pub fn indices(
    inputs: &[Vec<Sampler>],
    f: impl Fn(&[f64]) -> Option<f64>,
    settings: Settings,
    draws: &mut Xoshiro256PlusPlus,
    resample: &mut Xoshiro256PlusPlus,
    stop: Stop,
) -> Result<Vec<Effect>, SobolError> {
    let n = settings.base_samples;
    let d: usize = inputs.iter().map(Vec::len).sum();
    let columns: Vec<&Sampler> = inputs.iter().flatten().collect();
    let mut starts = Vec::with_capacity(inputs.len());
    let mut start = 0;
    for input in inputs {
        starts.push(start);
        start += input.len();
    }
    let estimated: Vec<usize> = (0..inputs.len())
        .filter(|&j| {
            !inputs[j].is_empty() && !inputs[j].iter().all(|s| matches!(s, Sampler::Fixed(_)))
        })
        .collect();

    // Rows are drawn one at a time (A's columns, then B's), so a row's values do not depend
    // on N: a larger analysis extends a smaller one. Each row is evaluated as soon as it is
    // drawn, so memory is one row of A and B (d values each) rather than two N x d matrices:
    // a group of 100,000 observations has d = 400,000 columns.
    let runs = n * (2 + estimated.len());
    let mut failed = 0;
    let mut eval = |x: &[f64]| match f(x) {
        Some(y) if y.is_finite() => y,
        _ => {
            failed += 1;
            f64::NAN
        }
    };
    // One row of sums per sample, laid out for the bootstrap's gathers:
    // [f(A) + f(B), f(A)^2 + f(B)^2, then per estimated input (f(B) - f(AB_j))^2 and
    // (f(A) - f(AB_j))^2].
    let width = 2 + 2 * estimated.len();
    let mut table = vec![0.0; n * width];
    let (mut a, mut b, mut x) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    for row in table.chunks_exact_mut(width) {
        // A group of 100,000 observations takes seconds; what a stopped analysis returns is
        // discarded by the caller.
        if stop.requested() {
            return Err(SobolError::Constant);
        }
        a.iter_mut()
            .zip(&columns)
            .for_each(|(v, s)| *v = s.draw(draws));
        b.iter_mut()
            .zip(&columns)
            .for_each(|(v, s)| *v = s.draw(draws));
        let (f_a, f_b) = (eval(&a), eval(&b));
        row[0] = f_a + f_b;
        row[1] = f_a * f_a + f_b * f_b;
        x.copy_from_slice(&a);
        for (k, &j) in estimated.iter().enumerate() {
            // AB_j: A's row with input j's columns from B (put back afterwards).
            let cols = starts[j]..starts[j] + inputs[j].len();
            x[cols.clone()].copy_from_slice(&b[cols.clone()]);
            let y = eval(&x);
            x[cols.clone()].copy_from_slice(&a[cols]);
            row[2 + 2 * k] = (f_b - y).powi(2);
            row[3 + 2 * k] = (f_a - y).powi(2);
        }
    }
    if failed > 0 {
        return Err(SobolError::Undefined { failed, runs });
    }

    let point = estimate(&table, width, 0..n).ok_or(SobolError::Constant)?;
    let mut replicates: Vec<Vec<(f64, f64)>> = Vec::with_capacity(settings.bootstrap);
    for _ in 0..settings.bootstrap {
        let rows = (0..n).map(|_| resample.random_range(0..n));
        replicates.extend(estimate(&table, width, rows));
    }
    let interval = |k: usize, pick: fn(&(f64, f64)) -> f64, value: f64| {
        let mut v: Vec<f64> = replicates.iter().map(|rep| pick(&rep[k])).collect();
        v.sort_by(f64::total_cmp);
        let alpha = 0.5 * (1.0 - CONFIDENCE);
        Estimate {
            value,
            ci_low: percentile(&v, alpha).unwrap_or(value),
            ci_high: percentile(&v, 1.0 - alpha).unwrap_or(value),
        }
    };

    let mut effects = Vec::with_capacity(inputs.len());
    for (j, input) in inputs.iter().enumerate() {
        let effect = if input.is_empty() {
            Effect::NotAnInput
        } else if let Some(k) = estimated.iter().position(|&e| e == j) {
            Effect::Indices {
                first_order: interval(k, |p| p.0, point[k].0),
                total: interval(k, |p| p.1, point[k].1),
            }
        } else {
            Effect::Fixed
        };
        effects.push(effect);
    }
    Ok(effects)
}

/// Exact indices of `Y = c + sum over every column x of +-ln x` (a sum of logs of
/// independent inputs, as an observation's implied log energy is): the model is additive, so
/// `S_j = S_Tj = Var(sum of input j's log terms) / Var(Y)`, with `Var(Y)` the sum over
/// columns of `Var(ln x)`. The intervals are the value itself (nothing is estimated). `None`
/// when a column's `Var(ln x)` has no closed form here (normal, triangular, beta): the caller
/// then uses [`indices`].
///
/// `Var(ln x)`: 0 for a fixed value, `sigma^2` for a lognormal, `w^2 / 12` for a log-uniform of
/// log-width `w`; for a uniform on `[a, a + w]`, `ln x = ln a + ln(1 + r t)` with `r = w / a`
/// and `t` uniform on [0, 1], whose mean and centred second moment are integrated by 48-point
/// Gauss–Legendre quadrature (the integrand is analytic on [0, 1]: relative error below 1e-12
/// for `r <= 100`, tested against a fine midpoint rule).
pub fn additive_log_indices(inputs: &[Vec<Sampler>]) -> Option<Result<Vec<Effect>, SobolError>> {
    let mut var = Vec::with_capacity(inputs.len());
    for input in inputs {
        let mut v = 0.0;
        for s in input {
            v += variance_of_ln(s)?;
        }
        var.push(v);
    }
    let total: f64 = var.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Some(Err(SobolError::Constant));
    }
    let exact = |value: f64| Estimate {
        value,
        ci_low: value,
        ci_high: value,
    };
    Some(Ok(inputs
        .iter()
        .zip(&var)
        .map(|(input, &v)| {
            if input.is_empty() {
                Effect::NotAnInput
            } else if input.iter().all(|s| matches!(s, Sampler::Fixed(_))) {
                Effect::Fixed
            } else {
                Effect::Indices {
                    first_order: exact(v / total),
                    total: exact(v / total),
                }
            }
        })
        .collect()))
}

/// `Var(ln X)` where it has a closed form (see [`additive_log_indices`]).
pub fn variance_of_ln(s: &Sampler) -> Option<f64> {
    match *s {
        Sampler::Fixed(_) => Some(0.0),
        Sampler::LogNormal { sigma, .. } => Some(sigma * sigma),
        Sampler::LogUniform { ln_width, .. } => Some(ln_width * ln_width / 12.0),
        Sampler::Uniform { low, width } if low > 0.0 => {
            let r = width / low;
            let (nodes, weights) = gauss_legendre_48();
            // On [0, 1]: t = (1 + node) / 2, weight / 2.
            let g = |x: f64| (r * 0.5 * (1.0 + x)).ln_1p();
            let mean: f64 = nodes
                .iter()
                .zip(weights)
                .map(|(&x, &w)| 0.5 * w * g(x))
                .sum();
            let var: f64 = nodes
                .iter()
                .zip(weights)
                .map(|(&x, &w)| 0.5 * w * (g(x) - mean).powi(2))
                .sum();
            Some(var)
        }
        _ => None,
    }
}

/// Nodes and weights of 48-point Gauss–Legendre quadrature on [-1, 1] (Newton iterations on
/// the Legendre polynomial's roots, computed once).
fn gauss_legendre_48() -> (&'static [f64], &'static [f64]) {
    const N: usize = 48;
    static RULE: std::sync::OnceLock<(Vec<f64>, Vec<f64>)> = std::sync::OnceLock::new();
    let (x, w) = RULE.get_or_init(|| {
        let (mut x, mut w) = (vec![0.0; N], vec![0.0; N]);
        for i in 0..N.div_ceil(2) {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
            let mut dp = 0.0;
            for _ in 0..100 {
                let (mut p1, mut p2) = (1.0, 0.0);
                for j in 0..N {
                    let p3 = p2;
                    p2 = p1;
                    p1 = ((2 * j + 1) as f64 * z * p2 - j as f64 * p3) / (j + 1) as f64;
                }
                dp = N as f64 * (z * p1 - p2) / (z * z - 1.0);
                let dz = p1 / dp;
                z -= dz;
                if dz.abs() < 1e-16 {
                    break;
                }
            }
            x[i] = -z;
            x[N - 1 - i] = z;
            w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
            w[N - 1 - i] = w[i];
        }
        (x, w)
    });
    (x, w)
}

/// Jansen's estimators over some rows of the table built in [`indices`] (rows may repeat):
/// `(S_j, S_Tj)` per estimated input, or `None` when the output does not vary on them.
fn estimate(
    table: &[f64],
    width: usize,
    rows: impl Iterator<Item = usize>,
) -> Option<Vec<(f64, f64)>> {
    let mut sums = vec![0.0; width];
    let mut count = 0usize;
    for r in rows {
        let row = &table[r * width..(r + 1) * width];
        sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        count += 1;
    }
    let m = 2.0 * count as f64;
    let mean = sums[0] / m;
    let variance = sums[1] / m - mean * mean;
    // Relative to the squared mean, so the rounding noise of `E[Y^2] - E[Y]^2` for a
    // constant output is not taken for variance.
    let noise = 1e-12 * mean * mean;
    if variance.is_nan() || variance <= noise || variance <= 0.0 {
        return None;
    }
    Some(
        sums[2..]
            .chunks_exact(2)
            .map(|p| (1.0 - p[0] / (m * variance), p[1] / (m * variance)))
            .collect(),
    )
}

/// The `q` quantile of sorted values, linear between order statistics.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let t = q * (sorted.len() - 1) as f64;
    let i = t.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    Some(sorted[i] + (t - i as f64) * (sorted[j] - sorted[i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variance_of_ln_of_a_uniform_matches_a_fine_midpoint_rule() {
        for (low, high) in [
            (0.85, 1.0),
            (0.43, 0.4301),
            (0.05, 0.5),
            (0.01, 1.0),
            (0.8, 0.95),
        ] {
            let s = Sampler::Uniform {
                low,
                width: high - low,
            };
            let n = 2_000_000;
            let xs: Vec<f64> = (0..n)
                .map(|i| (low + (high - low) * (i as f64 + 0.5) / n as f64).ln())
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let want = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let got = variance_of_ln(&s).unwrap();
            assert!(
                ((got - want) / want).abs() < 1e-9,
                "{low}..{high}: {got} vs {want}"
            );
        }
        let w: f64 = gauss_legendre_48().1.iter().sum();
        assert!((w - 2.0).abs() < 1e-14, "{w}");
    }

    #[test]
    fn closed_form_indices_agree_with_the_estimator_on_a_sum_of_logs() {
        let inputs = vec![
            vec![uniform(0.4, 0.5)],
            vec![uniform(0.85, 1.0)],
            vec![Sampler::Fixed(1.0)],
            vec![Sampler::LogUniform {
                ln_low: 0.0,
                ln_width: 0.2,
            }],
            vec![Sampler::LogNormal {
                mu: 0.3,
                sigma: 0.1,
            }],
            vec![],
        ];
        let f = |x: &[f64]| Some(x[1].ln() + x[3].ln() - x[0].ln() - x[2].ln() - x[4].ln());
        let exact = additive_log_indices(&inputs).unwrap().unwrap();
        let estimated = run(&inputs, f, 20_000).unwrap();
        let mut sum = 0.0;
        for (e, m) in exact.iter().zip(&estimated) {
            match (e, m) {
                (
                    Effect::Indices { first_order, total },
                    Effect::Indices {
                        first_order: f2,
                        total: t2,
                    },
                ) => {
                    assert_eq!(first_order, total);
                    sum += first_order.value;
                    assert!((first_order.value - f2.value).abs() < 0.03, "{e:?} {m:?}");
                    assert!((total.value - t2.value).abs() < 0.03, "{e:?} {m:?}");
                }
                (a, b) => assert_eq!(a, b),
            }
        }
        assert!((sum - 1.0).abs() < 1e-12);
        // No closed form for a beta column: the caller estimates.
        let beta = Sampler::Beta(rand_distr::Beta::new(2.0, 3.0).unwrap());
        assert!(additive_log_indices(&[vec![beta]]).is_none());
    }
    use crate::stats::stream;
    use std::f64::consts::PI;

    fn run(
        inputs: &[Vec<Sampler>],
        f: impl Fn(&[f64]) -> Option<f64>,
        n: usize,
    ) -> Result<Vec<Effect>, SobolError> {
        indices(
            inputs,
            f,
            Settings {
                base_samples: n,
                bootstrap: 200,
            },
            &mut stream(5, "test", 0),
            &mut stream(5, "test", 1),
            Stop::NEVER,
        )
    }

    fn uniform(low: f64, high: f64) -> Sampler {
        Sampler::Uniform {
            low,
            width: high - low,
        }
    }

    fn pair(e: &Effect) -> (Estimate, Estimate) {
        match e {
            Effect::Indices { first_order, total } => (*first_order, *total),
            other => panic!("expected indices, got {other:?}"),
        }
    }

    /// The Ishigami function (Ishigami & Homma 1990) with a = 7, b = 0.1 on U(-pi, pi)^3 has
    /// closed-form indices (Sobol' & Levitan 1999): S = (0.3139, 0.4424, 0),
    /// S_T = (0.5576, 0.4424, 0.2437). X3 acts only through its interaction with X1.
    #[test]
    fn ishigami_indices_match_their_closed_form() {
        let (a, b) = (7.0, 0.1);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        let expected = [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)];
        let inputs: Vec<Vec<Sampler>> = (0..3).map(|_| vec![uniform(-PI, PI)]).collect();
        let effects = run(
            &inputs,
            |x| Some(x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()),
            1 << 14,
        )
        .unwrap();
        for (e, (s, st)) in effects.iter().zip(expected) {
            let (first, total) = pair(e);
            assert!((first.value - s).abs() < 0.03, "S {first:?} vs {s}");
            assert!((total.value - st).abs() < 0.03, "S_T {total:?} vs {st}");
            // The bootstrap intervals cover the truth (loosely: they are 95 % intervals).
            assert!(
                first.ci_low - 0.01 <= s && s <= first.ci_high + 0.01,
                "{first:?} {s}"
            );
            assert!(
                total.ci_low - 0.01 <= st && st <= total.ci_high + 0.01,
                "{total:?} {st}"
            );
        }
    }

    /// `Y = X1 + 2 X2` with X1, X2 ~ U(0, 1): additive, so S = S_T = (1/5, 4/5).
    #[test]
    fn additive_model_has_equal_first_order_and_total_indices() {
        let inputs = vec![vec![uniform(0.0, 1.0)], vec![uniform(0.0, 1.0)]];
        let effects = run(&inputs, |x| Some(x[0] + 2.0 * x[1]), 1 << 13).unwrap();
        for (e, want) in effects.iter().zip([0.2, 0.8]) {
            let (first, total) = pair(e);
            assert!((first.value - want).abs() < 0.02, "{first:?}");
            assert!((total.value - want).abs() < 0.02, "{total:?}");
        }
    }

    /// A group of columns is one input: `Y = X1 + X2 + X3` with {X1, X2} grouped has the
    /// group's share 2/3.
    #[test]
    fn grouped_columns_act_as_one_input() {
        let inputs = vec![
            vec![uniform(0.0, 1.0), uniform(0.0, 1.0)],
            vec![uniform(0.0, 1.0)],
        ];
        let effects = run(&inputs, |x| Some(x[0] + x[1] + x[2]), 1 << 13).unwrap();
        let (first, total) = pair(&effects[0]);
        assert!((first.value - 2.0 / 3.0).abs() < 0.02 && (total.value - 2.0 / 3.0).abs() < 0.02);
    }

    #[test]
    fn fixed_absent_undefined_and_constant_cases() {
        let inputs = vec![vec![uniform(0.0, 1.0)], vec![Sampler::Fixed(2.0)], vec![]];
        let effects = run(&inputs, |x| Some(x[0] * x[1]), 256).unwrap();
        assert!(matches!(effects[0], Effect::Indices { .. }));
        assert_eq!(effects[1], Effect::Fixed);
        assert_eq!(effects[2], Effect::NotAnInput);
        assert_eq!(
            run(&inputs, |x| (x[0] < 0.5).then_some(1.0 + x[0]), 100),
            Err(SobolError::Undefined {
                failed: run_failures(100),
                runs: 300
            })
        );
        assert_eq!(run(&inputs, |_| Some(3.0), 100), Err(SobolError::Constant));
    }

    /// How many of the 300 runs of the undefined case above have x[0] >= 0.5: counted
    /// independently by replaying the same draws.
    fn run_failures(n: usize) -> usize {
        let mut rng = stream(5, "test", 0);
        let s = uniform(0.0, 1.0);
        let fixed = Sampler::Fixed(2.0);
        let (mut a0, mut b0) = (Vec::new(), Vec::new());
        for _ in 0..n {
            a0.push(s.draw(&mut rng));
            fixed.draw(&mut rng);
            b0.push(s.draw(&mut rng));
            fixed.draw(&mut rng);
        }
        // f(A), f(B), and f(AB_0) which takes column 0 from B.
        a0.iter().filter(|&&x| x >= 0.5).count() + 2 * b0.iter().filter(|&&x| x >= 0.5).count()
    }

    #[test]
    fn same_seed_same_indices() {
        let inputs = vec![vec![uniform(0.0, 1.0)], vec![uniform(0.0, 3.0)]];
        let f = |x: &[f64]| Some(x[0] * x[1]);
        assert_eq!(run(&inputs, f, 512), run(&inputs, f, 512));
    }
}
