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
pub mod simd;
pub mod state;

use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;

use crate::config::RunPlan;
use crate::data::{Observation, ObservationKind, PowerBasis};
use crate::dist::Sampler;
use crate::stop::{Cancelled, Stop};
pub use histogram::{Accumulator, LogHistogram};
pub use schedule::{Schedule, Shard, BATCHES};
pub use simd::Path;
pub use state::SampleState;

use simd::{Extremes, Lanes, BLOCK};

/// Samples per chunk: one RNG stream, one unit of scheduling and of progress reporting.
pub const CHUNK_SAMPLES: u64 = 1 << 16;

/// How a caller watches and stops sampling. Both hooks are consulted once per chunk, never
/// per sample, so they cost nothing in the hot loop.
#[derive(Default, Clone, Copy)]
pub struct Control<'a> {
    /// Called after every chunk with the number of samples it drew (progress bars).
    pub on_chunk: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Once requested (by a signal handler, say), chunks not yet started are skipped and
    /// sampling returns [`Cancelled`]: the same handle every later stage polls.
    pub stop: Stop<'a>,
}

impl Control<'_> {
    fn cancelled(&self) -> bool {
        self.stop.requested()
    }
}

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
    /// Adds `other`'s four histograms to these.
    pub fn merge(&mut self, other: &ObservationSamples) {
        self.bound.merge(&other.bound);
        self.efficiency.merge(&other.efficiency);
        self.pooled_bound.merge(&other.pooled_bound);
        self.pooled_efficiency.merge(&other.pooled_efficiency);
    }

    /// The four histograms, in field order: bound, efficiency, pooled bound, pooled efficiency.
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
    /// The sampling model of `obs` under `plan`: its MFU law, power fraction, peak factor, software
    /// efficiency and node scale, ready to draw.
    pub fn new(plan: &RunPlan, obs: &Observation) -> ObservationModel {
        let mfu = if obs.mfu_low == obs.mfu_high {
            Sampler::Fixed(obs.mfu_low)
        } else {
            Sampler::Uniform {
                low: obs.mfu_low,
                width: obs.mfu_high - obs.mfu_low,
            }
        };
        let node_scale = plan
            .node_scale(&obs.node)
            .expect("validation checks every observed node is in [nodes]")
            .sampler();
        // Everything that depends on the observation's kind and power is resolved here, once
        // per observation: the hot loop stays the same whatever the kind.
        ObservationModel {
            pj_per_mac_at_full_utilisation: obs.pj_per_mac_at_full_utilisation(plan.flops_per_mac),
            mfu,
            power_fraction: power_fraction(plan, obs),
            peak_factor: peak_factor(plan, obs),
            software_efficiency: software_efficiency(plan, obs),
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

    /// The hot loop: `len` samples of chunk `chunk`, on the best instruction set this CPU
    /// has ([`Path::active`]); see the module documentation.
    pub fn sample_chunk(&self, acc: &mut Accumulators, seed: u64, chunk: u64, len: u64) {
        self.sample_chunk_on(Path::active(), acc, seed, chunk, len);
    }

    /// [`ObservationModel::sample_chunk`] on a given path (benchmarks and the test that
    /// every path gives the same bits). A path the CPU lacks falls back to the scalar build.
    pub fn sample_chunk_on(
        &self,
        path: Path,
        acc: &mut Accumulators,
        seed: u64,
        chunk: u64,
        len: u64,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if path == Path::Avx512 && path.available() {
                // SAFETY: the CPU has the features the function is compiled for.
                return unsafe { chunk_avx512(self, acc, seed, chunk, len) };
            }
            if path == Path::Avx2 && path.available() {
                // SAFETY: as above.
                return unsafe { chunk_avx2(self, acc, seed, chunk, len) };
            }
        }
        let _ = path;
        chunk_body(self, acc, seed, chunk, len)
    }

    /// Fills `out` with a block of draws of `sampler`: vectorised for the uniform, log-uniform,
    /// normal and lognormal distributions; through `slow` (a scalar xoshiro256++ of the chunk)
    /// for the triangular and beta ones, whose samplers branch.
    #[inline(always)]
    fn fill(
        sampler: &Sampler,
        lanes: &mut Lanes,
        slow: &mut Option<Xoshiro256PlusPlus>,
        slow_seed: u64,
        bits: &mut [u64; BLOCK],
        out: &mut [f64; BLOCK],
    ) {
        match *sampler {
            Sampler::Fixed(v) => out.fill(v),
            Sampler::Uniform { low, width } => {
                lanes.uniforms(bits, out);
                out.iter_mut().for_each(|x| *x = low + width * *x);
            }
            Sampler::LogUniform { ln_low, ln_width } => {
                lanes.uniforms(bits, out);
                out.iter_mut()
                    .for_each(|x| *x = simd::exp_poly(ln_low + ln_width * *x));
            }
            Sampler::LogNormal { mu, sigma } => {
                lanes.normals(bits, out);
                out.iter_mut()
                    .for_each(|x| *x = simd::exp_poly(mu + sigma * *x));
            }
            Sampler::Normal(d) => {
                let (mean, sd) = (d.mean(), d.std_dev());
                lanes.normals(bits, out);
                out.iter_mut().for_each(|x| *x = mean + sd * *x);
            }
            Sampler::Triangular(_) | Sampler::Beta(_) => {
                let rng = slow.get_or_insert_with(|| Xoshiro256PlusPlus::seed_from_u64(slow_seed));
                out.iter_mut().for_each(|x| *x = sampler.draw(rng));
            }
        }
    }
}

/// The generic body of the hot loop; compiled once per [`Path`].
#[inline(always)]
fn chunk_body(model: &ObservationModel, acc: &mut Accumulators, seed: u64, chunk: u64, len: u64) {
    // Copies of the loop, chosen once per chunk: at the reference node the pooled values are
    // the values; with MFU and peak factor both fixed (most published runs) `P k / (F m c)` is
    // one constant and the loop needs no division.
    let fixed_mc = match (model.mfu, model.peak_factor) {
        (Sampler::Fixed(m), Sampler::Fixed(c)) => {
            Some(model.pj_per_mac_at_full_utilisation / (m * c))
        }
        _ => None,
    };
    match (model.at_reference_node, fixed_mc) {
        (false, None) => block_loop::<true, false>(model, acc, seed, chunk, len, 0.0),
        (false, Some(k)) => block_loop::<true, true>(model, acc, seed, chunk, len, k),
        (true, None) => block_loop::<false, false>(model, acc, seed, chunk, len, 0.0),
        (true, Some(k)) => block_loop::<false, true>(model, acc, seed, chunk, len, k),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn chunk_avx2(
    model: &ObservationModel,
    acc: &mut Accumulators,
    seed: u64,
    chunk: u64,
    len: u64,
) {
    chunk_body(model, acc, seed, chunk, len)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
unsafe fn chunk_avx512(
    model: &ObservationModel,
    acc: &mut Accumulators,
    seed: u64,
    chunk: u64,
    len: u64,
) {
    chunk_body(model, acc, seed, chunk, len)
}

/// The arrays of one block.
struct Block {
    bits: [u64; BLOCK],
    m: [f64; BLOCK],
    u: [f64; BLOCK],
    c: [f64; BLOCK],
    eta: [f64; BLOCK],
    inv_s: [f64; BLOCK],
    values: [[f64; BLOCK]; 4],
    slots: [[u32; BLOCK]; 4],
}

/// `FIXED_MC`: MFU and peak factor are fixed and `bound_per_u` is `P k / (F m c)`.
#[inline(always)]
fn block_loop<const POOLED: bool, const FIXED_MC: bool>(
    model: &ObservationModel,
    acc: &mut Accumulators,
    seed: u64,
    chunk: u64,
    len: u64,
    bound_per_u: f64,
) {
    let stream = stream_seed(seed, model.stream_key, chunk);
    let mut lanes = Lanes::new(stream);
    let mut slow = None;
    let slow_seed = splitmix64(stream ^ 0x5EED_5EED_5EED_5EED);
    let full = model.pj_per_mac_at_full_utilisation;
    let mut b = Box::new(Block {
        bits: [0; BLOCK],
        m: [0.0; BLOCK],
        u: [0.0; BLOCK],
        c: [0.0; BLOCK],
        eta: [0.0; BLOCK],
        inv_s: [0.0; BLOCK],
        values: [[0.0; BLOCK]; 4],
        slots: [[0; BLOCK]; 4],
    });
    let b = &mut *b;
    let mut extremes = [Extremes::default(); 4];
    let used = if POOLED { 4 } else { 2 };
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(BLOCK as u64) as usize;
        // Inputs in a fixed order, each a whole block: MFU, power fraction, peak factor,
        // software efficiency, inverse node scale (fixed ones draw nothing).
        if !FIXED_MC {
            ObservationModel::fill(
                &model.mfu,
                &mut lanes,
                &mut slow,
                slow_seed,
                &mut b.bits,
                &mut b.m,
            );
        }
        ObservationModel::fill(
            &model.power_fraction,
            &mut lanes,
            &mut slow,
            slow_seed,
            &mut b.bits,
            &mut b.u,
        );
        if !FIXED_MC {
            ObservationModel::fill(
                &model.peak_factor,
                &mut lanes,
                &mut slow,
                slow_seed,
                &mut b.bits,
                &mut b.c,
            );
        }
        ObservationModel::fill(
            &model.software_efficiency,
            &mut lanes,
            &mut slow,
            slow_seed,
            &mut b.bits,
            &mut b.eta,
        );
        if POOLED {
            match &model.inverse_node_scale {
                InverseScale::Direct(s) => ObservationModel::fill(
                    s,
                    &mut lanes,
                    &mut slow,
                    slow_seed,
                    &mut b.bits,
                    &mut b.inv_s,
                ),
                InverseScale::Divide(s) => {
                    ObservationModel::fill(
                        s,
                        &mut lanes,
                        &mut slow,
                        slow_seed,
                        &mut b.bits,
                        &mut b.inv_s,
                    );
                    b.inv_s.iter_mut().for_each(|x| *x = 1.0 / *x);
                }
            }
        }
        let [bound, efficiency, pooled_bound, pooled_efficiency] = &mut b.values;
        for i in 0..BLOCK {
            let bd = if FIXED_MC {
                bound_per_u * b.u[i]
            } else {
                full * b.u[i] / (b.m[i] * b.c[i])
            };
            let e = bd * b.eta[i];
            bound[i] = bd;
            efficiency[i] = e;
            if POOLED {
                pooled_bound[i] = bd * b.inv_s[i];
                pooled_efficiency[i] = e * b.inv_s[i];
            }
        }
        for ((values, slots), ext) in b
            .values
            .iter()
            .zip(&mut b.slots)
            .zip(&mut extremes)
            .take(used)
        {
            simd::slots(values, slots);
            if n == BLOCK {
                ext.block(values);
            } else {
                ext.some(&values[..n]);
            }
        }
        // The increments: scalar, one histogram at a time.
        acc.bound.bin_slots(&b.slots[0][..n]);
        acc.efficiency.bin_slots(&b.slots[1][..n]);
        if POOLED {
            acc.pooled_bound.bin_slots(&b.slots[2][..n]);
            acc.pooled_efficiency.bin_slots(&b.slots[3][..n]);
        }
        done += n as u64;
    }
    let hists = [
        &mut acc.bound,
        &mut acc.efficiency,
        &mut acc.pooled_bound,
        &mut acc.pooled_efficiency,
    ];
    for (h, e) in hists.into_iter().zip(&extremes).take(used) {
        let (lo, hi) = e.reduce();
        h.widen(lo, hi);
    }
}

/// The factor `u` on the observation's modelled power ([`Observation::modelled_power_w`]):
///
/// * a published measured mean power (`power_w_measured`) is multiplied by
///   `model.measured_power_factor`, its measurement uncertainty, whatever the accelerator's
///   power basis: the run's own measurement replaces the accelerator's figure;
/// * a board TDP by the kind's power fraction: `model.power_fraction` for a training run,
///   `model.kinds.matmul_benchmark.power_fraction` for a benchmark (in both methods: the
///   benchmark's power is a property of the run, not of the method);
/// * a measured chip mean (`power_basis = chip_measured_mean`) is already the mean draw: 1.
pub fn power_fraction(plan: &RunPlan, obs: &Observation) -> Sampler {
    if obs.power_w_measured.is_some() {
        return plan.measured_power_factor.sampler();
    }
    match (obs.power_basis, obs.kind) {
        (PowerBasis::BoardTdp, ObservationKind::Training) => plan.power_fraction.sampler(),
        (PowerBasis::BoardTdp, ObservationKind::MatmulBenchmark) => {
            plan.benchmark.power_fraction.sampler()
        }
        (PowerBasis::ChipMeasuredMean, _) => Sampler::Fixed(1.0),
    }
}

/// The peak factor `c` (peak the MFU was computed against / dataset peak). A benchmark's MFU
/// is its MAMF divided by the dataset's own dense peak by construction, so its factor is 1.
pub fn peak_factor(plan: &RunPlan, obs: &Observation) -> Sampler {
    match obs.kind {
        ObservationKind::Training => plan.peak_factor.sampler(),
        ObservationKind::MatmulBenchmark => Sampler::Fixed(1.0),
    }
}

/// The software efficiency `eta` of method `efficiency` (the bound uses 1 for every kind).
pub fn software_efficiency(plan: &RunPlan, obs: &Observation) -> Sampler {
    match obs.kind {
        ObservationKind::Training => plan.software_efficiency.sampler(),
        ObservationKind::MatmulBenchmark => plan.benchmark.software_efficiency.sampler(),
    }
}

/// How `1 / s` is drawn: directly from the reciprocal's distribution, or by dividing.
#[derive(Debug, Clone)]
enum InverseScale {
    Direct(Sampler),
    Divide(Sampler),
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
pub(crate) mod tests {
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

    fn plan(model: &str) -> RunPlan {
        let config = format!(
            "[data]\naccelerators = \"a.csv\"\nobservations = \"o.csv\"\n[model]\n{model}\n\
             [nodes]\n\"4nm\" = {{ dist = \"fixed\", value = 1.0 }}\n"
        );
        crate::config::plan::from_bytes(
            config.as_bytes(),
            std::path::Path::new("c.toml"),
            &crate::config::Overrides::default(),
        )
        .unwrap()
    }

    fn observation(kind: ObservationKind, measured: Option<f64>) -> Observation {
        Observation {
            id: "x".into(),
            accelerator: "h100-sxm".into(),
            node: "4nm".into(),
            precision: crate::data::Precision::Bf16,
            mfu_low: 0.8,
            mfu_high: 0.8,
            power_w: 700.0,
            power_basis: PowerBasis::BoardTdp,
            peak_flops_per_s: 1e15,
            source: "s".into(),
            kind,
            power_w_measured: measured,
            power_measured_covers: measured.map(|_| crate::data::PowerCoverage::Chip),
            line: 2,
        }
    }

    #[test]
    fn each_kind_draws_its_own_efficiency_power_fraction_and_peak_factor() {
        let plan = plan(
            "power_fraction = { dist = \"fixed\", value = 0.5 }\n\
             software_efficiency = { dist = \"fixed\", value = 0.6 }\n\
             peak_factor = { dist = \"fixed\", value = 0.9 }\n\
             measured_power_factor = { dist = \"fixed\", value = 1.02 }\n\
             [model.kinds.matmul_benchmark]\n\
             software_efficiency = { dist = \"fixed\", value = 0.95 }\n\
             power_fraction = { dist = \"fixed\", value = 0.98 }",
        );
        let fixed = |s: Sampler| match s {
            Sampler::Fixed(v) => v,
            other => panic!("expected a fixed value, got {other:?}"),
        };
        let training = observation(ObservationKind::Training, None);
        let bench = observation(ObservationKind::MatmulBenchmark, None);
        let measured = observation(ObservationKind::Training, Some(350.0));
        assert_eq!(fixed(power_fraction(&plan, &training)), 0.5);
        assert_eq!(fixed(power_fraction(&plan, &bench)), 0.98);
        assert_eq!(fixed(power_fraction(&plan, &measured)), 1.02);
        assert_eq!(fixed(software_efficiency(&plan, &training)), 0.6);
        assert_eq!(fixed(software_efficiency(&plan, &bench)), 0.95);
        assert_eq!(fixed(peak_factor(&plan, &training)), 0.9);
        assert_eq!(fixed(peak_factor(&plan, &bench)), 1.0);

        // The samples: bound = P k / (F m c) * u; efficiency = bound * eta. 700 W, 1e15 FLOP/s
        // and k = 2 give 1.4 pJ/MAC at full utilisation.
        let sample = |o: &Observation| {
            let model = ObservationModel::new(&plan, o);
            let mut acc = Accumulators::default();
            model.sample_chunk(&mut acc, 1, 0, 10);
            let s = acc.take(&model);
            (s.bound.min(), s.efficiency.min())
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12 * b;
        let (b, e) = sample(&bench);
        assert!(close(b, 1.4 * 0.98 / 0.8) && close(e, b * 0.95), "{b} {e}");
        let (b, e) = sample(&training);
        assert!(
            close(b, 1.4 * 0.5 / (0.8 * 0.9)) && close(e, b * 0.6),
            "{b} {e}"
        );
        // The measured 350 W replaces 700 W x 0.5.
        let (b, _) = sample(&measured);
        assert!(close(b, 0.7 * 1.02 / (0.8 * 0.9)), "{b}");
    }

    #[test]
    fn kinds_and_measured_power_have_built_in_defaults() {
        let plan = plan("");
        let uniform = |low, high| crate::dist::DistSpec::Uniform { low, high };
        assert_eq!(
            plan.benchmark.software_efficiency.spec(),
            uniform(0.90, 1.0)
        );
        assert_eq!(plan.benchmark.power_fraction.spec(), uniform(0.95, 1.0));
        assert_eq!(plan.measured_power_factor.spec(), uniform(0.95, 1.05));
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
