//! The last check before anything is written: every number a run reports is finite and
//! positive (energies, limits and throughputs are all above zero; a spread is finite and not
//! negative). A number that is not is a bug or an input validation missed; it becomes an
//! error naming the row and column, never a NaN, an infinity or a 0 in a published table.

use crate::calibrate::{Calibration, Summary};
use crate::config::RunPlan;

pub use crate::error::NonFinite;

/// Most offending numbers listed; the count says how many there were.
const LISTED: usize = 20;

/// Checks every number the exporters would write.
pub fn check_finite(plan: &RunPlan, cal: &Calibration) -> Result<(), NonFinite> {
    let mut bad = Vec::new();
    let mut count = 0usize;
    let mut note = |row: String, column: &str, x: f64, ok: bool| {
        if !ok {
            count += 1;
            if bad.len() < LISTED {
                bad.push(format!("{row}: {column} = {x}"));
            }
        }
    };
    let mut summary = |row: String, s: &Summary| {
        note(
            row.clone(),
            "mean",
            s.mean,
            s.mean.is_finite() && s.mean > 0.0,
        );
        note(row.clone(), "sd", s.sd, s.sd.is_finite() && s.sd >= 0.0);
        for (q, level) in s.quantiles.iter().zip(&plan.quantiles) {
            note(row.clone(), &level.label, *q, q.is_finite() && *q > 0.0);
        }
    };
    for g in &cal.groups {
        if let Ok((_, s)) = &g.outcome {
            let row = format!(
                "quantiles.csv: {} {} {} {}",
                g.method.name(),
                g.node,
                g.precision.name(),
                g.basis.name()
            );
            summary(row, s);
        }
    }
    for o in &cal.observations {
        summary(format!("observations.csv: {}", o.observation.id), &o.bound);
    }
    for a in &cal.accelerators {
        if let Ok(qs) = &a.quantiles {
            let row = format!(
                "accelerators.csv: {} {} {} {}",
                a.method.name(),
                a.accelerator,
                a.precision.name(),
                a.quantity.name()
            );
            for (q, level) in qs.iter().zip(&plan.quantiles) {
                note(row.clone(), &level.label, *q, q.is_finite() && *q > 0.0);
            }
        }
    }
    if count == 0 {
        return Ok(());
    }
    if count > bad.len() {
        bad.push(format!("... and {} more", count - bad.len()));
    }
    Err(NonFinite(bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::ObservationResult;
    use crate::config::{plan, Overrides};
    use crate::data::{Observation, ObservationKind, PowerBasis, Precision};

    #[test]
    fn a_nan_or_zero_is_reported_with_its_row_and_column() {
        let config = "[data]\naccelerators = \"a.csv\"\nobservations = \"o.csv\"\n\
                      [sampling]\nquantiles = [0.5, 0.975]\n[nodes]\n\"4nm\" = { dist = \"fixed\", value = 1.0 }\n";
        let plan = plan::from_bytes(
            config.as_bytes(),
            std::path::Path::new("c.toml"),
            &Overrides::default(),
        )
        .unwrap();
        let observation = Observation {
            id: "llama".into(),
            accelerator: "h100".into(),
            node: "4nm".into(),
            precision: Precision::Bf16,
            mfu_low: 0.4,
            mfu_high: 0.4,
            power_w: 700.0,
            power_basis: PowerBasis::BoardTdp,
            peak_flops_per_s: 989.4e12,
            source: "s".into(),
            kind: ObservationKind::Training,
            power_w_measured: None,
            power_measured_covers: None,
            line: 2,
        };
        let mut cal = Calibration {
            groups: Vec::new(),
            frontier: None,
            frontier_alternatives: Vec::new(),
            observations: vec![ObservationResult {
                observation,
                samples: 1,
                bound: Summary {
                    mean: 3.5,
                    sd: 0.0,
                    quantiles: vec![3.5, 3.5],
                    mcse: vec![None, None],
                },
                bound_90: [3.5, 3.5, 3.5],
            }],
            accelerators: Vec::new(),
            total_samples: 1,
        };
        assert_eq!(check_finite(&plan, &cal), Ok(()));
        cal.observations[0].bound.quantiles = vec![f64::NAN, 0.0];
        assert_eq!(
            check_finite(&plan, &cal).unwrap_err().0,
            [
                "observations.csv: llama: q0.5 = NaN",
                "observations.csv: llama: q0.975 = 0"
            ]
        );
    }
}
