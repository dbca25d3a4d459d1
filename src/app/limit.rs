//! `mfucal limit`: the seed analysis' deterministic calculator for one accelerator.

use std::path::Path;

use anyhow::{bail, Result};

use crate::calibrate::{energy_bound, physics_limit};
use crate::config::{self, Overrides};
use crate::data::{Dataset, Precision};

/// What to compute: from an energy, the limit; from an MFU, the energy bound.
#[derive(Debug, Clone, Copy)]
pub enum LimitInput {
    PjPerMac(f64),
    Mfu(f64),
}

pub fn limit(
    config_path: &Path,
    accelerator: &str,
    precision: Precision,
    input: LimitInput,
    flops_per_mac: Option<f64>,
) -> Result<String> {
    let plan = config::load(config_path, &Overrides::default())?;
    let dataset = Dataset::load(&plan)?;
    let k = flops_per_mac.unwrap_or(plan.flops_per_mac);
    if !(k.is_finite() && k > 0.0) {
        bail!("--flops-per-mac {k} must be a positive number");
    }
    let Some(spec) = dataset.accelerator(accelerator, precision) else {
        let known: Vec<String> = dataset
            .accelerators
            .iter()
            .filter(|a| a.accelerator == accelerator)
            .map(|a| a.precision.name().to_string())
            .collect();
        if known.is_empty() {
            bail!(
                "unknown accelerator '{accelerator}' in {}; see its accelerator column",
                plan.accelerators_path.display()
            );
        }
        bail!(
            "{accelerator} has no {} row in {}; it has {}",
            precision.name(),
            plan.accelerators_path.display(),
            known.join(", ")
        );
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
            if !(e.is_finite() && e > 0.0) {
                bail!("--pj-per-mac {e} must be a positive number");
            }
            let (tflops, limit) = physics_limit(spec, e, k);
            format!(
                "at {e} pJ/MAC the board's power sustains {tflops:.1} {unit}: a physics limit of {:.1} % of the dense peak",
                limit * 100.0
            )
        }
        LimitInput::Mfu(m) => {
            if !(m > 0.0 && m <= 1.0) {
                let hint = if m > 1.0 && m <= 100.0 {
                    format!("; {m} looks like a percent, write {}", m / 100.0)
                } else {
                    String::new()
                };
                bail!("--mfu {m} must be a fraction in (0, 1]{hint}");
            }
            let e = energy_bound(spec, m, k);
            format!("at MFU {m} the energy per MAC cannot exceed {e:.3} pJ/MAC")
        }
    };
    Ok(format!("{head}\n{body}\n"))
}
