//! The quantile table as Markdown, ready to paste into a report: 4 significant digits, as
//! `summary.md` (the CSV keeps 7).

use std::fmt::Write as _;

use crate::calibrate::Calibration;
use crate::config::RunPlan;
use crate::export::{summary::sig4, tables::ENERGY_UNIT};

/// The quantile table as a Markdown table with 4 significant digits.
pub fn quantiles_markdown(plan: &RunPlan, cal: &Calibration) -> Vec<u8> {
    let mut s = String::new();
    let labels: Vec<&str> = plan.quantiles.iter().map(|q| q.label.as_str()).collect();
    let _ = writeln!(
        s,
        "| method | node | precision | basis | n | mean | {} | status |",
        labels.join(" | ")
    );
    let _ = writeln!(
        s,
        "|---|---|---|---|---:|---:|{}---|",
        "---:|".repeat(labels.len())
    );
    for g in &cal.groups {
        let numbers: Vec<String> = match &g.outcome {
            Ok((_, sm)) => std::iter::once(sm.mean)
                .chain(sm.quantiles.iter().copied())
                .map(sig4)
                .collect(),
            Err(_) => vec![String::new(); 1 + labels.len()],
        };
        let status = match &g.outcome {
            Ok(_) => "ok".to_string(),
            // A pipe would end the cell.
            Err(c) => format!("contradictory: {}", c.message.replace('|', "/")),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {status} |",
            g.method.name(),
            g.node,
            g.precision.name(),
            g.basis.name(),
            g.n_observations,
            numbers.join(" | ")
        );
    }
    let _ = writeln!(
        s,
        "\nUnit: {ENERGY_UNIT} at {} FLOPs per MAC.",
        plan.flops_per_mac
    );
    s.into_bytes()
}
