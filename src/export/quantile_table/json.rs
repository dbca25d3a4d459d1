//! The quantile table as JSON: one object per row, quantiles and their Monte Carlo standard
//! errors keyed by their column label.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::calibrate::Calibration;
use crate::config::RunPlan;
use crate::export::tables::ENERGY_UNIT;

#[derive(Serialize)]
struct Row<'a> {
    method: &'static str,
    node: &'a str,
    precision: &'static str,
    basis: &'static str,
    unit: &'static str,
    n_observations: usize,
    samples: u64,
    /// `null` where the row is contradictory.
    mean: Option<f64>,
    sd: Option<f64>,
    quantiles: BTreeMap<&'a str, Option<f64>>,
    /// Monte Carlo standard error of each quantile, pJ/MAC, keyed like `quantiles` (as the
    /// CSV's `mcse_` columns); `null` where there is none (contradictory, or one batch).
    mcse: BTreeMap<&'a str, Option<f64>>,
    status: String,
}

/// The quantile table as a JSON array of row objects; mean, sd and quantiles are `null` on
/// contradictory rows.
pub fn quantiles_json(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    let rows: Vec<Row> = cal
        .groups
        .iter()
        .map(|g| {
            let summary = g.outcome.as_ref().ok().map(|(_, s)| s);
            Row {
                method: g.method.name(),
                node: &g.node,
                precision: g.precision.name(),
                basis: g.basis.name(),
                unit: ENERGY_UNIT,
                n_observations: g.n_observations,
                samples: g.samples,
                mean: summary.map(|s| s.mean),
                sd: summary.map(|s| s.sd),
                quantiles: plan
                    .quantiles
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (q.label.as_str(), summary.map(|s| s.quantiles[i])))
                    .collect(),
                mcse: plan
                    .quantiles
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (q.label.as_str(), summary.and_then(|s| s.mcse[i])))
                    .collect(),
                status: match &g.outcome {
                    Ok(_) => "ok".into(),
                    Err(c) => format!("contradictory: {}", c.message),
                },
            }
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&rows).expect("rows always serialise");
    bytes.push(b'\n');
    bytes
}
