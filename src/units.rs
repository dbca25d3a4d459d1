//! Units and the one place that converts between them.
//!
//! Every unit-bearing quantity carries its unit in its name (`tdp_w`, `peak_flops_per_s`,
//! `pj_per_mac`). Vendors and MFU papers count one multiply-accumulate (MAC, a fused
//! multiply-add) as **two** floating-point operations; the convention is the run's
//! `flops_per_mac` (config key `units.flops_per_mac`), never a bare `2` in the code.

/// The vendor convention: one fused multiply-add is a multiply and an add.
pub const DEFAULT_FLOPS_PER_MAC: f64 = 2.0;

/// Picojoules in one joule.
pub const PJ_PER_J: f64 = 1e12;

/// FLOP/s in one TFLOPS (or OP/s in one TOPS).
pub const FLOPS_PER_S_PER_TFLOPS: f64 = 1e12;

/// Converts a datasheet peak in TFLOPS (TOPS for int8) to FLOP/s.
pub fn peak_flops_per_s(dense_peak_tflops: f64) -> f64 {
    dense_peak_tflops * FLOPS_PER_S_PER_TFLOPS
}

/// Converts a peak in FLOP/s (OP/s for int8) to TFLOPS (TOPS), as datasets write it.
pub fn tflops(flops_per_s: f64) -> f64 {
    flops_per_s / FLOPS_PER_S_PER_TFLOPS
}

/// Energy per MAC, in pJ, of a board drawing `power_w` while retiring `flops_per_s`:
/// `power / (flops_per_s / flops_per_mac)` joules per MAC.
///
/// The MFU bound `E <= P / (m * F)` is this with `flops_per_s = m * F`.
pub fn pj_per_mac(power_w: f64, flops_per_s: f64, flops_per_mac: f64) -> f64 {
    power_w * flops_per_mac / flops_per_s * PJ_PER_J
}

/// Sustainable dense throughput, in TFLOPS, of a board drawing `power_w` at `pj_per_mac`:
/// `P * k / E`.
pub fn sustainable_tflops(power_w: f64, pj_per_mac: f64, flops_per_mac: f64) -> f64 {
    power_w * flops_per_mac / (pj_per_mac / PJ_PER_J) / FLOPS_PER_S_PER_TFLOPS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pj_per_mac_counts_two_flops_per_mac() {
        // 700 W at 1e15 FLOP/s is 0.7 pJ per FLOP, so 1.4 pJ per two-FLOP MAC.
        assert!((pj_per_mac(700.0, 1e15, 1.0) - 0.7).abs() < 1e-12);
        assert!((pj_per_mac(700.0, 1e15, DEFAULT_FLOPS_PER_MAC) - 1.4).abs() < 1e-12);
    }

    #[test]
    fn sustainable_tflops_inverts_pj_per_mac() {
        let e = pj_per_mac(700.0, peak_flops_per_s(989.4), 2.0);
        assert!((sustainable_tflops(700.0, e, 2.0) - 989.4).abs() < 1e-9);
    }
}

/// A number for a message: as written when short (`0.05`, `2`, `1e-3` stays `0.001`), in
/// short scientific notation when its positional form would be long (`1e300`, not 301
/// digits), so that a message stays one short line whatever the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Short(pub f64);

impl std::fmt::Display for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        let plain = x.to_string();
        if plain.len() <= 12 || !x.is_finite() {
            f.write_str(&plain)
        } else {
            // `{:e}` is the shortest exact form; long mantissas are cut to 6 digits.
            let sci = format!("{x:e}");
            if sci.len() <= 12 {
                f.write_str(&sci)
            } else {
                let cut = format!("{x:.5e}");
                let (mantissa, exponent) = cut.split_once('e').unwrap_or((&cut, "0"));
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                write!(f, "{mantissa}e{exponent}")
            }
        }
    }
}

#[cfg(test)]
mod short_tests {
    use super::Short;

    #[test]
    fn long_numbers_are_written_in_short_scientific_notation() {
        assert_eq!(Short(0.05).to_string(), "0.05");
        assert_eq!(Short(1e300).to_string(), "1e300");
        assert_eq!(Short(-1e-300).to_string(), "-1e-300");
        assert_eq!(Short(f64::MAX).to_string(), "1.79769e308");
        assert_eq!(Short(123456.789).to_string(), "123456.789");
        assert_eq!(Short(f64::INFINITY).to_string(), "inf");
        assert_eq!(Short(9.397e-317).to_string(), "9.397e-317");
    }
}
