//! Property tests of the bit-binned histogram (`src/sampler/histogram.rs`): merging is exact,
//! associative and commutative, and quantiles stay within the documented bound of a
//! sort-based oracle.
//!
//! The documented bound: a quantile lies in the bin of the order statistic it interpolates,
//! so it is within one bin width of that order statistic, and a bin is at most 2^-10 of its
//! lower edge wide. The oracle for level `p` over `n` values is the sorted values' element
//! `floor(p n)` (0-based): the histogram finds the first bin whose cumulative count exceeds
//! `p n`, which is the bin holding that element.

use mfucal::sampler::histogram::{MANTISSA_BITS, MAX_EXP, MIN_EXP};
use mfucal::sampler::LogHistogram;
use proptest::prelude::*;

/// Positive values inside the binned range, spread over many octaves: `2^x` for x uniform.
fn value() -> impl Strategy<Value = f64> {
    (MIN_EXP as f64..(MAX_EXP as f64 - 1e-9)).prop_map(f64::exp2)
}

/// Clustered values too (a few distinct values repeated), where ties and sparse bins matter.
fn values() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(value(), 1..300),
        (
            prop::collection::vec(value(), 1..4),
            prop::collection::vec(0usize..4, 1..300)
        )
            .prop_map(|(pool, picks)| picks.iter().map(|&i| pool[i % pool.len()]).collect()),
    ]
}

fn histogram(xs: &[f64]) -> LogHistogram {
    let mut h = LogHistogram::new();
    xs.iter().for_each(|&x| h.add(x));
    h
}

fn merged(a: &LogHistogram, b: &LogHistogram) -> LogHistogram {
    let mut m = a.clone();
    m.merge(b);
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn merge_is_commutative(a in values(), b in values()) {
        let (ha, hb) = (histogram(&a), histogram(&b));
        prop_assert_eq!(merged(&ha, &hb), merged(&hb, &ha));
    }

    #[test]
    fn merge_is_associative(a in values(), b in values(), c in values()) {
        let (ha, hb, hc) = (histogram(&a), histogram(&b), histogram(&c));
        prop_assert_eq!(merged(&merged(&ha, &hb), &hc), merged(&ha, &merged(&hb, &hc)));
    }

    #[test]
    fn merge_equals_one_histogram_of_everything(a in values(), b in values()) {
        let all: Vec<f64> = a.iter().chain(&b).copied().collect();
        prop_assert_eq!(merged(&histogram(&a), &histogram(&b)), histogram(&all));
    }

    #[test]
    fn quantiles_are_within_one_bin_of_the_sorted_oracle(
        xs in values(),
        mut ps in prop::collection::vec(0.0f64..1.0, 1..8),
    ) {
        // Levels where `p n` is a whole number for many n, where the off-by-one between "count
        // <= p n" and "count < p n" shows.
        ps.extend([0.25, 0.5, 0.75]);
        ps.sort_by(f64::total_cmp);
        let h = histogram(&xs);
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let relative_bin_width = 1.0 / (1u64 << MANTISSA_BITS) as f64;
        for (p, q) in ps.iter().zip(h.quantiles(&ps)) {
            let oracle = sorted[((p * n as f64).floor() as usize).min(n - 1)];
            prop_assert!(
                (q - oracle).abs() <= oracle * relative_bin_width,
                "p {} over {} values: histogram {} oracle {} (relative {:e})",
                p, n, q, oracle, (q - oracle).abs() / oracle
            );
            prop_assert!(q >= sorted[0] && q <= sorted[n - 1]);
        }
    }

    /// The CDF at any x is the fraction of values at or below x, up to the share of the values
    /// in x's own bin (interpolated linearly inside it).
    #[test]
    fn cdf_is_within_one_bin_count_of_the_empirical_cdf(xs in values(), x in value()) {
        let h = histogram(&xs);
        let n = xs.len() as f64;
        let below = xs.iter().filter(|&&v| v <= x).count() as f64 / n;
        let same_bin = xs
            .iter()
            .filter(|&&v| mfucal::sampler::histogram::slot(v) == mfucal::sampler::histogram::slot(x))
            .count() as f64 / n;
        prop_assert!((h.cdf(x) - below).abs() <= same_bin + 1e-12, "{} vs {}", h.cdf(x), below);
    }
}
