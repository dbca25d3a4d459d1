//! `[sampling]`: samples per observation, seed and quantile levels, with the command line's
//! `--samples` and `--seed` on top.

use std::path::Path;

use super::Found;
use crate::config::plan::{
    check_quantiles, check_samples, Overrides, QuantileLevel, DEFAULT_QUANTILES,
    DEFAULT_SAMPLES_PER_OBSERVATION, DEFAULT_SEED,
};
use crate::config::raw::{RawSampling, RawSeed};
use crate::error::{shown, Problem};

/// The resolved `[sampling]` section.
pub(super) struct Sampling {
    pub samples: u64,
    pub seed: u64,
    pub quantiles: Vec<QuantileLevel>,
}

pub(super) fn resolve(raw: &RawSampling, overrides: &Overrides, found: &mut Found) -> Sampling {
    let samples = match (
        overrides.samples_per_observation,
        &raw.samples_per_observation,
    ) {
        (Some(n), _) => check_samples(n as i64).unwrap_or_else(|m| {
            found
                .problems
                .push(Problem::at(Path::new("--samples"), None, m));
            0
        }),
        (None, Some(n)) => check_samples(*n.get_ref()).unwrap_or_else(|m| {
            found.key(Some(n.span()), "sampling.samples_per_observation", m);
            0
        }),
        (None, None) => DEFAULT_SAMPLES_PER_OBSERVATION,
    };

    let seed = match (overrides.seed, &raw.seed) {
        (Some(s), _) => s,
        (None, Some(s)) => {
            let checked = match s.get_ref() {
                RawSeed::Int(v) => u64::try_from(*v)
                    .map_err(|_| format!("{v} is negative; use a whole number >= 0")),
                RawSeed::Text(t) => t.trim().parse::<u64>().map_err(|_| {
                    format!(
                        "'{}' is not a whole number from 0 to {}",
                        shown(t),
                        u64::MAX
                    )
                }),
            };
            checked.unwrap_or_else(|m| {
                found.key(Some(s.span()), "sampling.seed", m);
                0
            })
        }
        (None, None) => DEFAULT_SEED,
    };

    let quantiles = match &raw.quantiles {
        Some(q) => match check_quantiles(q.get_ref()) {
            Ok(levels) => levels,
            Err(m) => {
                found.key(Some(q.span()), "sampling.quantiles", m);
                Vec::new()
            }
        },
        None => check_quantiles(&DEFAULT_QUANTILES).expect("default quantiles are valid"),
    };

    Sampling {
        samples,
        seed,
        quantiles,
    }
}
