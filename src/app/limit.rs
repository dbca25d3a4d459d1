//! `mfucal limit`: the seed analysis' deterministic calculator for one accelerator.

use std::path::Path;

use crate::error::{BadValue, Error, Result};

use crate::calibrate::{energy_bound, physics_limit};
use crate::config::plan::check_flops_per_mac;
use crate::config::{self, Overrides};
use crate::data::observations::MIN_MFU;
use crate::data::{Dataset, Precision};
use crate::dist::REPRESENTABLE;
use crate::fmt::Short;

/// What to compute: from an energy, the limit; from an MFU, the energy bound.
#[derive(Debug, Clone, Copy)]
pub enum LimitInput {
    /// `--pj-per-mac`: an energy per MAC, pJ.
    PjPerMac(f64),
    /// `--mfu`: an MFU, a fraction in (0, 1].
    Mfu(f64),
}

/// `mfucal limit`: for one accelerator and precision, the physics limit an energy allows, or the
/// energy bound an MFU implies, as printed text.
pub fn limit(
    config_path: &Path,
    accelerator: &str,
    precision: Precision,
    input: LimitInput,
    flops_per_mac: Option<f64>,
) -> Result<String> {
    let plan = config::load(config_path, &Overrides::default())?;
    let dataset = Dataset::load(&plan)?;
    let k = match flops_per_mac {
        Some(k) => check_flops_per_mac(k)?,
        None => plan.flops_per_mac,
    };
    let Some(spec) = dataset.accelerator(accelerator, precision) else {
        let known: Vec<String> = dataset
            .accelerators
            .iter()
            .filter(|a| a.accelerator == accelerator)
            .map(|a| a.precision.name().to_string())
            .collect();
        if known.is_empty() {
            return Err(Error::Argument(format!(
                "unknown accelerator '{accelerator}' in {}{}; `mfucal list accelerators` lists them",
                plan.accelerators_path.display(),
                crate::suggest::did_you_mean(
                    accelerator,
                    dataset.accelerators.iter().map(|a| a.accelerator.as_str())
                )
            )));
        }
        return Err(Error::Argument(format!(
            "{accelerator} has no {} row in {}; it has {}",
            precision.name(),
            plan.accelerators_path.display(),
            known.join(", ")
        )));
    };
    let unit = precision.throughput_unit();
    let head = format!(
        "{} {}: {} W ({}), dense peak {} {unit}, {k} FLOPs per MAC",
        spec.accelerator,
        precision.name(),
        spec.tdp_w,
        spec.power_basis.name(),
        spec.dense_peak_tflops
    );
    let body = match input {
        LimitInput::PjPerMac(e) => {
            check_pj_per_mac(e)?;
            let (tflops, limit) = physics_limit(spec, e, k);
            format!(
                "at {e} pJ/MAC the board's power sustains {tflops:.1} {unit}: a physics limit of {:.1} % of the dense peak",
                limit * 100.0
            )
        }
        LimitInput::Mfu(m) => {
            check_mfu(m)?;
            let e = energy_bound(spec, m, k);
            format!("at MFU {m} the energy per MAC cannot exceed {e:.3} pJ/MAC")
        }
    };
    Ok(format!("{head}\n{body}\n"))
}

/// A claimed energy per MAC must lie in the range posteriors are computed on, as a prior's
/// mass must: outside it a limit is 0 or infinite. The message starts with the value (the
/// binary puts `--pj-per-mac` in front).
pub fn check_pj_per_mac(e: f64) -> Result<f64, BadValue> {
    let (lo, hi) = REPRESENTABLE;
    if !(e.is_finite() && e >= lo && e <= hi) {
        return Err(BadValue(format!(
            "{} must be a positive number from {lo:e} to {hi:e} pJ/MAC",
            Short(e)
        )));
    }
    Ok(e)
}

/// An MFU must be a fraction no lower than the observations' own floor ([`MIN_MFU`]): below
/// it the bound is no information (or infinite). The message starts with the value (the
/// binary puts `--mfu` in front).
pub fn check_mfu(m: f64) -> Result<f64, BadValue> {
    if !(MIN_MFU..=1.0).contains(&m) {
        let hint = if m > 1.0 && m <= 100.0 {
            format!("; {m} looks like a percent, write {}", m / 100.0)
        } else {
            String::new()
        };
        return Err(BadValue(format!(
            "{} must be a fraction in (0, 1], at least {MIN_MFU}{hint}",
            Short(m)
        )));
    }
    Ok(m)
}
