//! The deterministic calculator of the seed analysis: one accelerator, one energy or one MFU,
//! no uncertainty. `mfucal limit` and `check` use it; the posteriors do not.

use crate::data::AcceleratorSpec;
use crate::units;

/// The deterministic calculator of the seed analysis, for one accelerator.
pub fn physics_limit(spec: &AcceleratorSpec, pj_per_mac: f64, flops_per_mac: f64) -> (f64, f64) {
    let tflops = units::sustainable_tflops(spec.tdp_w, pj_per_mac, flops_per_mac);
    (tflops, tflops / spec.dense_peak_tflops)
}

/// The energy bound `P k / (m F)`, pJ/MAC, of one accelerator at MFU `mfu`.
pub fn energy_bound(spec: &AcceleratorSpec, mfu: f64, flops_per_mac: f64) -> f64 {
    units::pj_per_mac(
        spec.tdp_w,
        mfu * units::peak_flops_per_s(spec.dense_peak_tflops),
        flops_per_mac,
    )
}
