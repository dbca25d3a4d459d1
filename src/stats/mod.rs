//! Statistics on top of a calibration: what drives each answer and whether each observation
//! fits the model.
//!
//! * [`sobol`]: a generic variance-based sensitivity estimator (Saltelli sampling, Jansen
//!   estimators, bootstrap confidence intervals); [`sobol_targets`] applies it to the model's
//!   uncertain inputs.
//! * [`prior_sensitivity`]: every posterior recomputed under alternative priors.
//! * [`ppc`]: posterior predictive checks of each observation's MFU.
//!
//! Everything here is deterministic: random streams are derived from the run's seed and a
//! label naming the analysis, and each unit of parallel work (one target, one group) is
//! computed sequentially, so results do not depend on the thread count.

pub mod ppc;
pub mod prior_sensitivity;
pub mod sobol;
pub mod sobol_targets;

use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;

use crate::calibrate::Calibration;
use crate::config::RunPlan;
use crate::data::Dataset;
use crate::sampler::{stream_seed, ObservationSamples};
use crate::stop::{Cancelled, Stop};

/// Everything [`analyse`] computes for `sensitivity.csv` and `ppc.csv`.
pub struct Analyses {
    /// Sobol indices of every output (`sensitivity.csv`).
    pub sobol: Vec<sobol_targets::SobolResult>,
    /// Quantiles under alternative priors (`sensitivity.csv`).
    pub prior: Vec<prior_sensitivity::PriorRow>,
    /// Posterior predictive checks (`ppc.csv`).
    pub ppc: Vec<ppc::PpcRow>,
}

/// Sensitivity indices, prior sensitivity and predictive checks of a calibration, on the
/// current rayon pool; `Err` once `stop` is requested.
pub fn analyse(
    plan: &RunPlan,
    dataset: &Dataset,
    samples: &[ObservationSamples],
    cal: &Calibration,
    stop: Stop,
) -> Result<Analyses, Cancelled> {
    Ok(Analyses {
        sobol: sobol_targets::sobol_all(plan, dataset, cal, sobol::DEFAULT_SETTINGS, stop)?,
        prior: prior_sensitivity::prior_sensitivity(plan, dataset, samples, cal, stop)?,
        ppc: ppc::ppc_all(plan, dataset, samples, cal, stop)?,
    })
}

/// An RNG stream for the analysis named `label` (e.g. `sobol/bound/llama3`), derived from the
/// run's seed the way the sampler derives its chunk streams.
pub fn stream(seed: u64, label: &str, part: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, label_key(label), part))
}

/// FNV-1a of a label: stable across Rust releases, unlike std's hasher. (The sampler keys
/// observation streams the same way; keys here are prefixed by the analysis name, so the two
/// never share a stream.)
fn label_key(label: &str) -> u64 {
    label.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(1, "sobol/x", 0).next_u64();
        assert_eq!(a, stream(1, "sobol/x", 0).next_u64());
        assert_ne!(a, stream(1, "sobol/y", 0).next_u64());
        assert_ne!(a, stream(1, "sobol/x", 1).next_u64());
        assert_ne!(a, stream(2, "sobol/x", 0).next_u64());
    }
}
