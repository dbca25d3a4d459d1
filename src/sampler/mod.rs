//! Monte Carlo propagation of each observation's uncertain inputs into implied energies.
//!
//! **The hot loop, per sample** (one sample = one draw of every uncertain input of one
//! observation): draw the MFU `m` (uniform over the published range, or the point value), the
//! power fraction `u`, the peak factor `c`, the software efficiency `eta`, and the reciprocal
//! of the node scale `1/s` (a lognormal's reciprocal is one `exp(-(mu + sigma z))`, through a
//! polynomial `exp`, not libm's); compute the bound `e = (P k / F) * u / (m c)` in pJ/MAC (the
//! constant `P k / F` is computed once per observation), the efficiency value `e * eta`, and
//! both moved to the reference node, `e / s` and `e * eta / s`; add each to a dense histogram
//! by its IEEE-754 bits (a shift, a subtraction, an increment; no logarithm). The bound and
//! the efficiency value share one draw, so the two methods see the same inputs.
//!
//! **Determinism.** Samples are cut into fixed chunks of [`CHUNK_SAMPLES`]; chunk `j` of
//! observation `id` draws from its own xoshiro256++ stream seeded from `(seed, id, j)`, so
//! the samples do not depend on which thread, round or machine ran which chunk, and histogram
//! counts (integers) merge exactly. Keying streams by the observation's id (not its row
//! number) also means adding a row to the dataset leaves every other observation's samples
//! unchanged. See [`schedule`] for how chunks are dealt into batches, rounds and shards.
//!
//! **Memory** is one dense accumulator (four histograms) per worker thread plus the compact
//! per-batch histograms, whatever the number of samples.

pub mod histogram;
pub mod schedule;
pub mod state;

use std::sync::atomic::{AtomicBool, Ordering};

use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;

use crate::config::{RunPlan, Sampler};
use crate::data::{Observation, PowerBasis};
pub use histogram::{Accumulator, LogHistogram};
pub use schedule::{Schedule, Shard, BATCHES};
pub use state::SampleState;

/// Samples per chunk: one RNG stream, one unit of scheduling and of progress reporting.
pub const CHUNK_SAMPLES: u64 = 1 << 16;

/// How a caller watches and stops sampling. Both hooks are consulted once per chunk, never
/// per sample, so they cost nothing in the hot loop.
#[derive(Default, Clone, Copy)]
pub struct Control<'a> {
    /// Called after every chunk with the number of samples it drew (progress bars).
    pub on_chunk: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Once set (by a signal handler, say), chunks not yet started are skipped and sampling
    /// returns [`Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl Control<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Sampling was stopped through [`Control::cancel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted before sampling finished")]
pub struct Cancelled;

/// Histograms of one observation's implied energies, pJ/MAC.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObservationSamples {
    /// `e_i` with eta = 1: the MFU bound.
    pub bound: LogHistogram,
    /// `e_i * eta`: the efficiency method's implied energy.
    pub efficiency: LogHistogram,
    /// The bound moved to the reference node (divided by the node scale).
    pub pooled_bound: LogHistogram,
    /// The efficiency value moved to the reference node.
    pub pooled_efficiency: LogHistogram,
}

impl ObservationSamples {
    pub fn merge(&mut self, other: &ObservationSamples) {
        self.bound.merge(&other.bound);
        self.efficiency.merge(&other.efficiency);
        self.pooled_bound.merge(&other.pooled_bound);
        self.pooled_efficiency.merge(&other.pooled_efficiency);
    }

    pub fn histograms(&self) -> [&LogHistogram; 4] {
        [
            &self.bound,
            &self.efficiency,
            &self.pooled_bound,
            &self.pooled_efficiency,
        ]
    }
}

/// The dense counterpart of [`ObservationSamples`] that the hot loop writes into.
#[derive(Debug, Clone, Default)]
pub struct Accumulators {
    bound: Accumulator,
    efficiency: Accumulator,
    pooled_bound: Accumulator,
    pooled_efficiency: Accumulator,
}

impl Accumulators {
    /// Moves the counts out, leaving the accumulators empty for the next task. For an
    /// observation at the reference node the pooled values are the values themselves, which
    /// the hot loop then does not bin twice.
    pub fn take(&mut self, model: &ObservationModel) -> ObservationSamples {
        let (bound, efficiency) = (self.bound.take(), self.efficiency.take());
        let (pooled_bound, pooled_efficiency) = if model.at_reference_node {
            (bound.clone(), efficiency.clone())
        } else {
            (self.pooled_bound.take(), self.pooled_efficiency.take())
        };
        ObservationSamples {
            bound,
            efficiency,
            pooled_bound,
            pooled_efficiency,
        }
    }
}

/// Everything drawn for one observation, ready to sample.
#[derive(Debug, Clone)]
pub struct ObservationModel {
    pj_per_mac_at_full_utilisation: f64,
    mfu: Sampler,
    power_fraction: Sampler,
    peak_factor: Sampler,
    software_efficiency: Sampler,
    /// Draws `1 / s`, the reciprocal of the node scale.
    inverse_node_scale: InverseScale,
    /// The node scale is exactly 1: pooled values equal the values.
    at_reference_node: bool,
    stream_key: u64,
}

impl ObservationModel {
    pub fn new(plan: &RunPlan, obs: &Observation) -> ObservationModel {
        let mfu = if obs.mfu_low == obs.mfu_high {
            Sampler::Fixed(obs.mfu_low)
        } else {
            Sampler::Uniform {
                low: obs.mfu_low,
                width: obs.mfu_high - obs.mfu_low,
            }
        };
        let power_fraction = match obs.power_basis {
            PowerBasis::BoardTdp => plan.power_fraction.sampler(),
            PowerBasis::ChipMeasuredMean => Sampler::Fixed(1.0),
        };
        let node_scale = plan
            .node_scale(&obs.node)
            .expect("validation checks every observed node is in [nodes]")
            .sampler();
        ObservationModel {
            pj_per_mac_at_full_utilisation: obs.pj_per_mac_at_full_utilisation(plan.flops_per_mac),
            mfu,
            power_fraction,
            peak_factor: plan.peak_factor.sampler(),
            software_efficiency: plan.software_efficiency.sampler(),
            at_reference_node: matches!(node_scale, Sampler::Fixed(v) if v == 1.0),
            inverse_node_scale: match node_scale.reciprocal() {
                Some(direct) => InverseScale::Direct(direct),
                None => InverseScale::Divide(node_scale),
            },
            stream_key: fnv1a(obs.id.as_bytes()),
        }
    }

    /// `samples` samples of this observation alone, all batches merged: the same streams a
    /// whole run draws for it (for tools and tests that need one observation).
    pub fn sample(
        &self,
        seed: u64,
        samples: u64,
        control: Control,
    ) -> Result<ObservationSamples, Cancelled> {
        let state = schedule::sample(
            std::slice::from_ref(self),
            seed,
            Schedule::whole(samples),
            control,
        )?;
        Ok(state.merged(0))
    }

    /// The hot loop: `len` samples of chunk `chunk`; see the module documentation.
    pub fn sample_chunk(&self, acc: &mut Accumulators, seed: u64, chunk: u64, len: u64) {
        let rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, self.stream_key, chunk));
        // Copies of the loop, chosen once per chunk, not per sample: at the reference node the
        // pooled values are the values; with MFU and peak factor both fixed (most published
        // runs) `P k / (F m c)` is one constant and the loop needs no division.
        let fixed_mc = match (self.mfu, self.peak_factor) {
            (Sampler::Fixed(m), Sampler::Fixed(c)) => {
                Some(self.pj_per_mac_at_full_utilisation / (m * c))
            }
            _ => None,
        };
        match (self.at_reference_node, fixed_mc) {
            (false, None) => self.sample_loop::<true, false>(acc, rng, len, 0.0),
            (false, Some(k)) => self.sample_loop::<true, true>(acc, rng, len, k),
            (true, None) => self.sample_loop::<false, false>(acc, rng, len, 0.0),
            (true, Some(k)) => self.sample_loop::<false, true>(acc, rng, len, k),
        }
    }

    /// `FIXED_MC`: MFU and peak factor are fixed and `bound_per_u` is `P k / (F m c)`.
    #[inline(always)]
    fn sample_loop<const POOLED: bool, const FIXED_MC: bool>(
        &self,
        acc: &mut Accumulators,
        mut rng: Xoshiro256PlusPlus,
        len: u64,
        bound_per_u: f64,
    ) {
        let full = self.pj_per_mac_at_full_utilisation;
        // Each histogram's extremes, kept in registers for the chunk (see Accumulator::bin).
        let mut extremes = [(f64::INFINITY, f64::NEG_INFINITY); 4];
        for _ in 0..len {
            let m = self.mfu.draw(&mut rng);
            let u = self.power_fraction.draw(&mut rng);
            let c = self.peak_factor.draw(&mut rng);
            let eta = self.software_efficiency.draw(&mut rng);
            // Drawn even at the reference node (scale fixed 1, no random number used), so
            // every observation's streams follow the same recipe.
            let inv_s = self.inverse_node_scale.draw(&mut rng);
            let bound = if FIXED_MC {
                bound_per_u * u
            } else {
                full * u / (m * c)
            };
            let efficiency = bound * eta;
            acc.bound.bin(bound);
            acc.efficiency.bin(efficiency);
            widen(&mut extremes[0], bound);
            widen(&mut extremes[1], efficiency);
            if POOLED {
                let (pooled_bound, pooled_efficiency) = (bound * inv_s, efficiency * inv_s);
                acc.pooled_bound.bin(pooled_bound);
                acc.pooled_efficiency.bin(pooled_efficiency);
                widen(&mut extremes[2], pooled_bound);
                widen(&mut extremes[3], pooled_efficiency);
            }
        }
        let [b, e, pb, pe] = extremes;
        acc.bound.widen(b.0, b.1);
        acc.efficiency.widen(e.0, e.1);
        if POOLED {
            acc.pooled_bound.widen(pb.0, pb.1);
            acc.pooled_efficiency.widen(pe.0, pe.1);
        }
    }
}

/// Extends `(min, max)` to include `v`; plain comparisons (no NaN can occur here).
#[inline(always)]
fn widen(range: &mut (f64, f64), v: f64) {
    if v < range.0 {
        range.0 = v;
    }
    if v > range.1 {
        range.1 = v;
    }
}

/// How `1 / s` is drawn: directly from the reciprocal's distribution, or by dividing.
#[derive(Debug, Clone)]
enum InverseScale {
    Direct(Sampler),
    Divide(Sampler),
}

impl InverseScale {
    #[inline(always)]
    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        match self {
            InverseScale::Direct(s) => s.draw(rng),
            InverseScale::Divide(s) => 1.0 / s.draw(rng),
        }
    }
}

/// The seed of chunk `chunk` of the observation with key `key`: SplitMix64 finalisers mix the
/// three so that nearby seeds, keys and chunk numbers give unrelated streams.
pub fn stream_seed(seed: u64, key: u64, chunk: u64) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ key) ^ chunk)
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: a stable hash of an observation id (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_seed_key_and_chunk() {
        let base = stream_seed(1, 2, 3);
        assert_ne!(base, stream_seed(2, 2, 3));
        assert_ne!(base, stream_seed(1, 3, 3));
        assert_ne!(base, stream_seed(1, 2, 4));
    }

    #[test]
    fn fnv1a_matches_reference_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }

    pub(crate) fn model() -> ObservationModel {
        ObservationModel {
            pj_per_mac_at_full_utilisation: 1.4,
            mfu: Sampler::Uniform {
                low: 0.4,
                width: 0.1,
            },
            power_fraction: Sampler::Fixed(1.0),
            peak_factor: Sampler::Fixed(1.0),
            software_efficiency: Sampler::Fixed(0.9),
            inverse_node_scale: InverseScale::Direct(Sampler::LogNormal {
                mu: -0.3,
                sigma: 0.1,
            }),
            at_reference_node: false,
            stream_key: 1,
        }
    }

    #[test]
    fn one_sample_follows_the_formula() {
        // With the MFU the only random input: bound = 1.4 / m with m in [0.4, 0.5].
        let mut acc = Accumulators::default();
        let model = model();
        model.sample_chunk(&mut acc, 9, 0, 1000);
        let s = acc.take(&model);
        assert!(s.bound.min() >= 1.4 / 0.5 && s.bound.max() <= 1.4 / 0.4);
        assert!((s.efficiency.min() - 0.9 * s.bound.min()).abs() < 1e-12);
        assert_eq!(s.bound.total(), 1000);
    }
}
