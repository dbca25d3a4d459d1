//! Units and the one place that converts between them.
//!
//! Every unit-bearing quantity carries its unit in its name (`tdp_w`, `peak_flops_per_s`,
//! `pj_per_mac`). Vendors and MFU papers count one multiply-accumulate (MAC, a fused
//! multiply-add) as **two** floating-point operations; the convention is the run's
//! `flops_per_mac` (config key `units.flops_per_mac`), never a bare `2` in the code.

use crate::error::BadValue;

/// The vendor convention: one fused multiply-add is a multiply and an add.
pub const DEFAULT_FLOPS_PER_MAC: f64 = 2.0;

/// Operations in one fused multiply-add: a multiply and an add. Energies quoted per fused MAC
/// (Horowitz's "16-bit FP MULT + ADD") are per this many operations, whatever the run's
/// `flops_per_mac` says a "MAC" is.
pub const OPS_PER_FUSED_MAC: f64 = 2.0;

/// Converts an energy per FLOP (the seed analysis' figures) to the run's pJ per MAC.
pub fn pj_per_mac_from_pj_per_flop(pj_per_flop: f64, flops_per_mac: f64) -> f64 {
    pj_per_flop * flops_per_mac
}

/// Converts an energy per fused multiply-add (circuit figures) to the run's pJ per MAC.
pub fn pj_per_mac_from_pj_per_fused_mac(pj_per_fused_mac: f64, flops_per_mac: f64) -> f64 {
    pj_per_mac_from_pj_per_flop(pj_per_fused_mac / OPS_PER_FUSED_MAC, flops_per_mac)
}

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
    fn per_flop_and_per_fused_mac_figures_convert_to_the_runs_mac() {
        assert!((pj_per_mac_from_pj_per_flop(1.65, 2.0) - 3.3).abs() < 1e-12);
        assert!((pj_per_mac_from_pj_per_flop(1.65, 1.0) - 1.65).abs() < 1e-12);
        // 1.5 pJ per fused FP16 MAC is 0.75 pJ per FLOP.
        assert!((pj_per_mac_from_pj_per_fused_mac(1.5, 2.0) - 1.5).abs() < 1e-12);
        assert!((pj_per_mac_from_pj_per_fused_mac(1.5, 1.0) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn sustainable_tflops_inverts_pj_per_mac() {
        let e = pj_per_mac(700.0, peak_flops_per_s(989.4), 2.0);
        assert!((sustainable_tflops(700.0, e, 2.0) - 989.4).abs() < 1e-9);
    }
}

/// A count typed on the command line: `30000000`, `3e7` or `3.5e6`, whenever it is a whole
/// number (the README writes `1e6`). Decoded exactly in decimal, not through `f64`, so a
/// 20-digit seed keeps every digit and `1.5` or `1e30` are refused, never rounded.
pub fn parse_count(s: &str) -> Result<u64, BadValue> {
    let t = s.trim();
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, "0"),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let bad = || format!("'{s}' is not a whole number; write e.g. 3000000 or 3e6");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadValue(bad()));
    }
    let exponent: i64 = exponent
        .strip_prefix('+')
        .unwrap_or(exponent)
        .parse()
        .map_err(|_| bad())?;
    let out_of_range = || {
        format!(
            "'{s}' is out of range; use a whole number from 0 to {}",
            u64::MAX
        )
    };
    // Trailing zeros of the digits move into the exponent, so `30e-1` is 3 and `1.50e1` 15.
    let significant = digits.trim_end_matches('0');
    let mut shift = exponent - fraction.len() as i64 + (digits.len() - significant.len()) as i64;
    let mut value: u128 = 0;
    for b in significant.bytes() {
        value = value * 10 + u128::from(b - b'0');
        if value > u128::from(u64::MAX) {
            return Err(BadValue(out_of_range()));
        }
    }
    if value == 0 {
        return Ok(0);
    }
    if shift < 0 {
        return Err(BadValue(bad()));
    }
    while shift > 0 {
        value *= 10;
        shift -= 1;
        if value > u128::from(u64::MAX) {
            return Err(BadValue(out_of_range()));
        }
    }
    Ok(value as u64)
}

#[cfg(test)]
mod count_tests {
    use super::parse_count;

    #[test]
    fn whole_numbers_in_any_notation() {
        assert_eq!(parse_count("3e7"), Ok(30_000_000));
        assert_eq!(parse_count("3.5E6"), Ok(3_500_000));
        assert_eq!(parse_count("30e-1"), Ok(3));
        assert_eq!(parse_count("1000"), Ok(1000));
        assert_eq!(parse_count("0"), Ok(0));
        assert_eq!(parse_count("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_count("1.8446744073709551615e19"), Ok(u64::MAX));
        for bad in [
            "1.5",
            "1e-1",
            "-3",
            "3e",
            "e3",
            "",
            "0x10",
            "1e30",
            "18446744073709551616",
        ] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }
}
