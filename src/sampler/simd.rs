//! The vectorised pieces of the hot loop, and the choice of instruction set at run time.
//!
//! Everything here works on blocks of [`BLOCK`] samples held in plain arrays, in loops with no
//! data-dependent branches, so that the compiler vectorises them. The same source is compiled
//! three times on x86-64: for the baseline (SSE2), inside a `#[target_feature(enable =
//! "avx2")]` function and inside an AVX-512 one (see [`Path`]); the best the CPU supports is
//! chosen once per process, at run time, so the shipped binary runs on every x86-64.
//!
//! **The results do not depend on the path.** Every path performs the same IEEE-754
//! operations (add, multiply, divide, square root, comparisons, integer bit manipulation) in
//! the same order on every element: Rust never contracts `a * b + c` into a fused
//! multiply-add (LLVM's `fp-contract` is off for Rust), nothing here calls `mul_add`, no
//! horizontal reduction of floating-point sums is reordered (minima and maxima are exact in
//! any order), and no libm function is called. `tests/model/simd_paths.rs` forces every available
//! path and compares histograms bit for bit.
//!
//! * [`Lanes`]: [`LANES`] independent xoshiro256++ generators in structure-of-arrays form, so
//!   one step of all of them is a handful of vector shifts, xors, adds and rotates.
//! * Uniforms take the top 52 bits of a 64-bit output as the mantissa of a number in [1, 2)
//!   and subtract 1: no integer-to-float conversion (AVX2 has none for 64-bit integers).
//! * Normals: Box–Muller, `sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2)`, with [`ln_positive`] and
//!   [`sincos_two_pi`] polynomials (no branch, no table); both outputs are used. `u1` is at
//!   least 2^-52, so `|z| <= 8.49`: the normal is cut at 8.49 sd, a tail of 2e-17.
//! * [`exp_poly`]: `e^x = 2^k e^r` with `|r| <= ln 2 / 2` and a degree-13 Taylor polynomial,
//!   `2^k` built from the bits of the rounded `k`.

use super::histogram;

/// Samples per block: the unit of the vectorised loops.
pub const BLOCK: usize = 256;
/// Independent generator lanes: two AVX-512 registers of 64-bit words, four AVX2 ones.
pub const LANES: usize = 16;

/// One of the builds of the hot loop. All give bit-identical results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Path {
    /// The target's baseline instructions (SSE2 on x86-64, NEON on aarch64).
    Scalar,
    /// x86-64 with AVX2.
    Avx2,
    /// x86-64 with AVX-512 F, DQ and VL.
    Avx512,
}

impl Path {
    /// Every path: scalar, AVX2, AVX-512.
    pub const ALL: [Path; 3] = [Path::Scalar, Path::Avx2, Path::Avx512];

    /// The path's name, as `MFUCAL_SIMD` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Path::Scalar => "scalar",
            Path::Avx2 => "avx2",
            Path::Avx512 => "avx512",
        }
    }

    /// Parses a path's name (`scalar`, `avx2`, `avx512`).
    pub fn parse(s: &str) -> Option<Path> {
        Path::ALL.into_iter().find(|p| p.name() == s.trim())
    }

    /// Whether this CPU can run the path.
    pub fn available(self) -> bool {
        match self {
            Path::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx2")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Every path this CPU can run, slowest first.
    pub fn available_paths() -> Vec<Path> {
        Path::ALL.into_iter().filter(|p| p.available()).collect()
    }

    /// The best available path, or the one the environment variable `MFUCAL_SIMD`
    /// (`scalar`, `avx2`, `avx512`) names if the CPU has it. Read once per process.
    pub fn active() -> Path {
        static ACTIVE: std::sync::OnceLock<Path> = std::sync::OnceLock::new();
        *ACTIVE.get_or_init(|| {
            let forced = std::env::var("MFUCAL_SIMD")
                .ok()
                .and_then(|v| Path::parse(&v));
            match forced {
                Some(p) if p.available() => p,
                _ => *Path::available_paths()
                    .last()
                    .expect("scalar is always available"),
            }
        })
    }
}

/// [`LANES`] xoshiro256++ generators, structure of arrays.
#[derive(Clone)]
pub struct Lanes {
    s0: [u64; LANES],
    s1: [u64; LANES],
    s2: [u64; LANES],
    s3: [u64; LANES],
}

impl Lanes {
    /// Lanes seeded from one 64-bit seed by a SplitMix64 sequence (the seeding xoshiro's
    /// authors recommend); an all-zero lane, which would stay zero, is impossible in practice
    /// and replaced anyway.
    pub fn new(seed: u64) -> Lanes {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut l = Lanes {
            s0: [0; LANES],
            s1: [0; LANES],
            s2: [0; LANES],
            s3: [0; LANES],
        };
        for i in 0..LANES {
            l.s0[i] = next();
            l.s1[i] = next();
            l.s2[i] = next();
            l.s3[i] = next();
            if l.s0[i] | l.s1[i] | l.s2[i] | l.s3[i] == 0 {
                l.s0[i] = 1;
            }
        }
        l
    }

    /// One output of every lane into `out`.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // indexed lane by lane so that it vectorises
    fn step(&mut self, out: &mut [u64]) {
        let out = &mut out[..LANES];
        for i in 0..LANES {
            let (s0, s1, s2, s3) = (self.s0[i], self.s1[i], self.s2[i], self.s3[i]);
            out[i] = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
            let t = s1 << 17;
            let s2 = s2 ^ s0;
            let s3 = s3 ^ s1;
            self.s1[i] = s1 ^ s2;
            self.s0[i] = s0 ^ s3;
            self.s2[i] = s2 ^ t;
            self.s3[i] = s3.rotate_left(45);
        }
    }

    /// [`BLOCK`] outputs: step `k` of lane `i` lands at `k * LANES + i`.
    #[inline(always)]
    pub fn fill(&mut self, out: &mut [u64; BLOCK]) {
        for chunk in out.chunks_exact_mut(LANES) {
            self.step(chunk);
        }
    }

    /// [`BLOCK`] uniforms in [0, 1), multiples of 2^-52.
    #[inline(always)]
    pub fn uniforms(&mut self, bits: &mut [u64; BLOCK], out: &mut [f64; BLOCK]) {
        self.fill(bits);
        for (o, &b) in out.iter_mut().zip(bits.iter()) {
            *o = unit_from_bits(b);
        }
    }

    /// [`BLOCK`] standard normals (Box–Muller; the first half cosines, the second sines).
    #[inline(always)]
    pub fn normals(&mut self, bits: &mut [u64; BLOCK], out: &mut [f64; BLOCK]) {
        self.fill(bits);
        const HALF: usize = BLOCK / 2;
        let (b1, b2) = bits.split_at(HALF);
        let (cos_out, sin_out) = out.split_at_mut(HALF);
        for i in 0..HALF {
            let u1 = 1.0 - unit_from_bits(b1[i]); // (0, 1]
            let u2 = unit_from_bits(b2[i]);
            let r = (-2.0 * ln_positive(u1)).sqrt();
            let (s, c) = sincos_two_pi(u2);
            cos_out[i] = r * c;
            sin_out[i] = r * s;
        }
    }
}

const ONE_BITS: u64 = 0x3FF0_0000_0000_0000;

/// A uniform in [0, 1) from the top 52 bits of `b`.
#[inline(always)]
pub fn unit_from_bits(b: u64) -> f64 {
    f64::from_bits((b >> 12) | ONE_BITS) - 1.0
}

/// Selects without a branch (compiles to a blend).
#[inline(always)]
fn select(c: bool, a: f64, b: f64) -> f64 {
    let mask = (c as u64).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// `ln u` for a positive normal (not subnormal) `u`, to about 2e-16 relative. `u = 2^e m` with `m` in
/// [sqrt(1/2), sqrt(2)); `ln m = 2 atanh(s)`, `s = (m - 1) / (m + 1)`, `|s| <= 0.172`, by its
/// series through `s^21` (next term below 1e-18).
#[inline(always)]
pub fn ln_positive(u: f64) -> f64 {
    const SQRT2: f64 = std::f64::consts::SQRT_2;
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let bits = u.to_bits();
    let m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | ONE_BITS);
    // The biased exponent as a float, exactly: (2^52 + field) - 2^52 - 1023.
    let e =
        f64::from_bits(0x4330_0000_0000_0000 | (bits >> 52)) - (4_503_599_627_370_496.0 + 1023.0);
    let big = m > SQRT2;
    let m = select(big, m * 0.5, m);
    let e = select(big, e + 1.0, e);
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let p = 1.0 / 19.0 + z * (1.0 / 21.0);
    let p = 1.0 / 17.0 + z * p;
    let p = 1.0 / 15.0 + z * p;
    let p = 1.0 / 13.0 + z * p;
    let p = 1.0 / 11.0 + z * p;
    let p = 1.0 / 9.0 + z * p;
    let p = 1.0 / 7.0 + z * p;
    let p = 1.0 / 5.0 + z * p;
    let p = 1.0 / 3.0 + z * p;
    let ln_m = 2.0 * s + (2.0 * s) * (z * p);
    e * LN2_HI + (ln_m + e * LN2_LO)
}

/// `(sin 2 pi u, cos 2 pi u)` for `u` in [0, 1), to a few ulp. `4u = q + f` with `q` the
/// nearest integer and `|f| <= 1/2`; the angle `f pi / 2` (|a| <= pi / 4) goes through Taylor
/// polynomials (sine through `a^15`, cosine through `a^16`) and the quadrant `q mod 4` swaps
/// and negates them with bit operations.
#[inline(always)]
pub fn sincos_two_pi(u: f64) -> (f64, f64) {
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    let t = u * 4.0;
    let tr = t + ROUND;
    let q = tr.to_bits(); // low bits hold the rounded integer
    let f = t - (tr - ROUND);
    let a = f * std::f64::consts::FRAC_PI_2;
    let a2 = a * a;
    // sin a = a (1 - a^2/3! + a^4/5! - ...), Horner in a^2.
    let sp = -1.0 / 1_307_674_368_000.0;
    let sp = 1.0 / 6_227_020_800.0 + a2 * sp;
    let sp = -1.0 / 39_916_800.0 + a2 * sp;
    let sp = 1.0 / 362_880.0 + a2 * sp;
    let sp = -1.0 / 5_040.0 + a2 * sp;
    let sp = 1.0 / 120.0 + a2 * sp;
    let sp = -1.0 / 6.0 + a2 * sp;
    let sin_a = a + a * (a2 * sp);
    let cp = 1.0 / 20_922_789_888_000.0;
    let cp = -1.0 / 87_178_291_200.0 + a2 * cp;
    let cp = 1.0 / 479_001_600.0 + a2 * cp;
    let cp = -1.0 / 3_628_800.0 + a2 * cp;
    let cp = 1.0 / 40_320.0 + a2 * cp;
    let cp = -1.0 / 720.0 + a2 * cp;
    let cp = 1.0 / 24.0 + a2 * cp;
    let cp = -0.5 + a2 * cp;
    let cos_a = 1.0 + a2 * cp;
    // Quadrant q: sin(q pi/2 + a), cos(q pi/2 + a).
    let swap = (q & 1).wrapping_neg();
    let (sb, cb) = (sin_a.to_bits(), cos_a.to_bits());
    let s = (sb & !swap) | (cb & swap);
    let c = (cb & !swap) | (sb & swap);
    let sin_neg = (q >> 1) & 1; // q = 2, 3
    let cos_neg = ((q + 1) >> 1) & 1; // q = 1, 2
    (
        f64::from_bits(s ^ (sin_neg << 63)),
        f64::from_bits(c ^ (cos_neg << 63)),
    )
}

/// `e^x` to about 2e-16 relative for `x` in [-708, 709] (clamped there), no table.
#[inline(always)]
pub fn exp_poly(x: f64) -> f64 {
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let x = select(x < -708.0, -708.0, x);
    let x = select(x > 709.0, 709.0, x);
    let t = x * std::f64::consts::LOG2_E + ROUND;
    let k = t - ROUND;
    let ki = t.to_bits().wrapping_sub(ROUND.to_bits()); // k as a two's-complement integer
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor through r^13 (|r| <= 0.347: next term below 1e-17), Horner.
    let mut p = 1.0 / 6_227_020_800.0;
    for d in [
        479_001_600.0,
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
    ] {
        p = 1.0 / d + r * p;
    }
    let p = 1.0 + r * p;
    let two_k = f64::from_bits(ki.wrapping_add(1023) << 52);
    p * two_k
}

/// Extreme values per lane, reduced once per chunk.
#[derive(Clone, Copy)]
pub struct Extremes {
    min: [f64; LANES],
    max: [f64; LANES],
}

impl Default for Extremes {
    fn default() -> Self {
        Extremes {
            min: [f64::INFINITY; LANES],
            max: [f64::NEG_INFINITY; LANES],
        }
    }
}

impl Extremes {
    /// Widens by every value of a full block (lane-wise, vectorised).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // indexed lane by lane so that it vectorises
    pub fn block(&mut self, v: &[f64; BLOCK]) {
        for c in v.chunks_exact(LANES) {
            for i in 0..LANES {
                self.min[i] = select(c[i] < self.min[i], c[i], self.min[i]);
                self.max[i] = select(c[i] > self.max[i], c[i], self.max[i]);
            }
        }
    }

    /// Widens by the first values of a partial block.
    #[inline(always)]
    pub fn some(&mut self, v: &[f64]) {
        for (k, &x) in v.iter().enumerate() {
            let i = k % LANES;
            self.min[i] = select(x < self.min[i], x, self.min[i]);
            self.max[i] = select(x > self.max[i], x, self.max[i]);
        }
    }

    /// (min, max) over the lanes.
    pub fn reduce(&self) -> (f64, f64) {
        let mut out = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..LANES {
            if self.min[i] < out.0 {
                out.0 = self.min[i];
            }
            if self.max[i] > out.1 {
                out.1 = self.max[i];
            }
        }
        out
    }
}

/// Histogram slots of a block (vectorised integer arithmetic).
#[inline(always)]
pub fn slots(v: &[f64; BLOCK], out: &mut [u32; BLOCK]) {
    for (o, &x) in out.iter_mut().zip(v.iter()) {
        *o = histogram::slot(x) as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_unit_matches_std() {
        let mut worst: f64 = 0.0;
        let mut u = 2f64.powi(-52);
        while u <= 1.0 {
            let r2 = std::f64::consts::SQRT_2;
            for f in [
                1.0,
                1.1,
                1.37,
                r2 * 0.999_999_9,
                r2 * 1.000_000_1,
                1.7,
                1.999,
            ] {
                let x = (u * f).min(1.0);
                let (got, want) = (ln_positive(x), x.ln());
                let err = if want == 0.0 {
                    got.abs()
                } else {
                    ((got - want) / want).abs()
                };
                worst = worst.max(err);
            }
            u *= 2.0;
        }
        for x in [1e-300, 1e-12, 0.37, 2.5, 1e3, 1e200] {
            let (got, want) = (ln_positive(x), x.ln());
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        assert_eq!(ln_positive(1.0), 0.0);
    }

    #[test]
    fn sincos_matches_std() {
        let mut worst: f64 = 0.0;
        for i in 0..100_000 {
            let u = i as f64 / 100_000.0;
            let (s, c) = sincos_two_pi(u);
            let a = 2.0 * std::f64::consts::PI * u;
            worst = worst.max((s - a.sin()).abs()).max((c - a.cos()).abs());
        }
        assert!(worst < 1e-15, "worst absolute error {worst:e}");
    }

    #[test]
    fn exp_poly_matches_std() {
        let mut worst: f64 = 0.0;
        for i in -6900..=6900 {
            let x = i as f64 * 0.1013;
            worst = worst.max((exp_poly(x) - x.exp()).abs() / x.exp());
        }
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        assert_eq!(exp_poly(0.0), 1.0);
    }

    #[test]
    fn lanes_match_reference_xoshiro() {
        // Lane i is an ordinary xoshiro256++ started from the state the seeding gives it.
        use rand::{Rng, SeedableRng};
        let lanes = Lanes::new(42);
        let mut state = [0u8; 32];
        for (k, w) in [lanes.s0[3], lanes.s1[3], lanes.s2[3], lanes.s3[3]]
            .iter()
            .enumerate()
        {
            state[8 * k..8 * k + 8].copy_from_slice(&w.to_le_bytes());
        }
        let mut reference = rand::rngs::Xoshiro256PlusPlus::from_seed(state);
        let mut l = lanes.clone();
        let mut bits = [0u64; BLOCK];
        l.fill(&mut bits);
        for k in 0..BLOCK / LANES {
            assert_eq!(bits[k * LANES + 3], reference.next_u64());
        }
    }
}
