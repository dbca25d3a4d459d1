//! A platform-independent exponential for the hot loop and the posterior's log-space sums.

/// `2^(j/32)` for `j` in `0..32`, correctly rounded (computed to 60 digits, then rounded).
const EXP2_THIRTY_SECONDS: [f64; 32] = [
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3ff059b0d3158574),
    f64::from_bits(0x3ff0b5586cf9890f),
    f64::from_bits(0x3ff11301d0125b51),
    f64::from_bits(0x3ff172b83c7d517b),
    f64::from_bits(0x3ff1d4873168b9aa),
    f64::from_bits(0x3ff2387a6e756238),
    f64::from_bits(0x3ff29e9df51fdee1),
    f64::from_bits(0x3ff306fe0a31b715),
    f64::from_bits(0x3ff371a7373aa9cb),
    f64::from_bits(0x3ff3dea64c123422),
    f64::from_bits(0x3ff44e086061892d),
    f64::from_bits(0x3ff4bfdad5362a27),
    f64::from_bits(0x3ff5342b569d4f82),
    f64::from_bits(0x3ff5ab07dd485429),
    f64::from_bits(0x3ff6247eb03a5585),
    f64::from_bits(0x3ff6a09e667f3bcd),
    f64::from_bits(0x3ff71f75e8ec5f74),
    f64::from_bits(0x3ff7a11473eb0187),
    f64::from_bits(0x3ff82589994cce13),
    f64::from_bits(0x3ff8ace5422aa0db),
    f64::from_bits(0x3ff93737b0cdc5e5),
    f64::from_bits(0x3ff9c49182a3f090),
    f64::from_bits(0x3ffa5503b23e255d),
    f64::from_bits(0x3ffae89f995ad3ad),
    f64::from_bits(0x3ffb7f76f2fb5e47),
    f64::from_bits(0x3ffc199bdd85529c),
    f64::from_bits(0x3ffcb720dcef9069),
    f64::from_bits(0x3ffd5818dcfba487),
    f64::from_bits(0x3ffdfc97337b9b5f),
    f64::from_bits(0x3ffea4afa2a490da),
    f64::from_bits(0x3fff50765b6e4540),
];

/// `e^x` to about 1e-14 relative, branch-free except for the clamp. `x = (32 n + j) ln2/32 + r`
/// (Cody-Waite split of `ln 2 / 32`), `|r| <= ln 2 / 64`; then `e^x = 2^n 2^(j/32) e^r` with
/// `2^(j/32)` from a table and `e^r` a degree-5 Taylor polynomial (next term below 3e-15).
/// Deterministic on every platform (no libm) and several times faster than libm's `exp`: it
/// is the exponential of every lognormal and log-uniform draw in the hot loop. Arguments are
/// clamped to [-708, 709], the range of normal `f64` results.
#[inline(always)]
pub fn fast_exp(x: f64) -> f64 {
    // ln 2 = HI + LO with HI's low 21 bits zero, so k * HI / 32 is exact for |k| < 2^21.
    const LN2_32_HI: f64 = 0.693_147_180_369_123_8 / 32.0;
    const LN2_32_LO: f64 = 1.908_214_929_270_587_7e-10 / 32.0;
    const SCALE: f64 = 32.0 * std::f64::consts::LOG2_E;
    // Adding and subtracting 1.5 * 2^52 rounds to the nearest integer without SSE4.1.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    // Compared, not f64::clamp, which also handles NaN (impossible here) at a cost.
    #[allow(clippy::manual_clamp)]
    let x = if x < -708.0 {
        -708.0
    } else if x > 709.0 {
        709.0
    } else {
        x
    };
    let k = (x * SCALE + ROUND) - ROUND;
    let r = (x - k * LN2_32_HI) - k * LN2_32_LO;
    let ki = k as i64;
    // Estrin-style grouping keeps the dependency chain short.
    let r2 = r * r;
    let p = (1.0 + r) + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * ((1.0 / 24.0) + r * (1.0 / 120.0)));
    let two_n = f64::from_bits((((ki >> 5) + 1023) as u64) << 52);
    EXP2_THIRTY_SECONDS[(ki & 31) as usize] * p * two_n
}
