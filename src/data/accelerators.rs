//! `accelerators.csv`: one row per accelerator and precision, with sourced specifications.

use std::collections::HashMap;
use std::path::Path;

use super::table::{self, Table};
use super::{PowerBasis, Precision};
use crate::error::{shown, Problems};

/// The columns every accelerators file must have; `power_basis`, `foundry_process` and `notes` are
/// optional.
pub const COLUMNS: [&str; 8] = [
    "accelerator",
    "vendor",
    "node",
    "year",
    "tdp_w",
    "precision",
    "dense_peak_tflops",
    "source",
];

/// One accelerator at one precision.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceleratorSpec {
    /// Id, unique with `precision` (e.g. `a100-sxm4-80gb`).
    pub accelerator: String,
    /// Manufacturer.
    pub vendor: String,
    /// Process node, e.g. `"7nm"`; needs a `[nodes]` entry in the config.
    pub node: String,
    /// Release year.
    pub year: i64,
    /// Board power, W, or the measured mean chip power when `power_basis` says so.
    pub tdp_w: f64,
    /// Column `power_basis`: what `tdp_w` is (default `board_tdp`).
    pub power_basis: PowerBasis,
    /// Precision of `dense_peak_tflops`.
    pub precision: Precision,
    /// Dense (never sparse) peak, TFLOPS; TOPS for int8.
    pub dense_peak_tflops: f64,
    /// Where the figures come from.
    pub source: String,
    /// Line in the accelerators file, for messages.
    pub line: u64,
}

/// Loads and checks every row; the problems name file, line and column.
pub fn load(path: &Path, file: &Path, problems: &mut Problems) -> Vec<AcceleratorSpec> {
    table::read_file(path, file, problems)
        .map(|bytes| load_bytes(&bytes, file, problems))
        .unwrap_or_default()
}

/// [`load`] on the file's bytes (`file` is the name messages show).
pub fn load_bytes(bytes: &[u8], file: &Path, problems: &mut Problems) -> Vec<AcceleratorSpec> {
    let Some(table) = Table::parse(bytes, file, &COLUMNS, problems) else {
        return Vec::new();
    };
    let mut specs: Vec<AcceleratorSpec> = Vec::new();
    let mut seen: HashMap<(String, Precision), u64> = HashMap::new();
    // The first accepted row of each accelerator, whose board facts the others must match.
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let accelerator = table.required_text(row, "accelerator", problems);
        let vendor = table.required_text(row, "vendor", problems);
        let node = table.required_text(row, "node", problems);
        let source = table.required_text(row, "source", problems);
        let year = table.number(row, "year", problems).and_then(|y| {
            if y.fract() == 0.0 && (1950.0..=2100.0).contains(&y) {
                Some(y as i64)
            } else {
                problems.push(table.problem(
                    row,
                    "year",
                    format!("{y} is not a year; write e.g. 2022"),
                ));
                None
            }
        });
        let tdp_w = table.positive(row, "tdp_w", "board power in watts", problems);
        let peak = table.positive(row, "dense_peak_tflops", "dense peak in TFLOPS", problems);
        let precision = Precision::parse(table.text(row, "precision"))
            .map_err(|m| problems.push(table.problem(row, "precision", m)))
            .ok();
        let power_basis = PowerBasis::parse(table.text(row, "power_basis"))
            .map_err(|m| problems.push(table.problem(row, "power_basis", m)))
            .ok();
        let (
            Some(accelerator),
            Some(vendor),
            Some(node),
            Some(source),
            Some(year),
            Some(tdp_w),
            Some(peak),
            Some(precision),
            Some(power_basis),
        ) = (
            accelerator,
            vendor,
            node,
            source,
            year,
            tdp_w,
            peak,
            precision,
            power_basis,
        )
        else {
            continue;
        };
        if let Some(first) = seen.insert((accelerator.to_string(), precision), row.line) {
            problems.push(table.problem(
                row,
                "precision",
                format!(
                    "{} {} is already on line {first}; keep one row per accelerator and precision",
                    shown(accelerator),
                    precision.name()
                ),
            ));
            continue;
        }
        // An accelerator's board facts must agree across its precision rows.
        if let Some(other) = first_row.get(accelerator).map(|&i| &specs[i]) {
            let clash = if other.node != node {
                Some(("node", other.node.clone(), node.to_string()))
            } else if other.tdp_w != tdp_w {
                Some(("tdp_w", other.tdp_w.to_string(), tdp_w.to_string()))
            } else if other.power_basis != power_basis {
                Some((
                    "power_basis",
                    other.power_basis.name().into(),
                    power_basis.name().into(),
                ))
            } else {
                None
            };
            if let Some((column, was, now)) = clash {
                problems.push(table.problem(
                    row,
                    column,
                    format!("{} has {column} {} on line {} but {} here; one accelerator has one {column}", shown(accelerator), shown(&was), other.line, shown(&now)),
                ));
                continue;
            }
        }
        first_row
            .entry(accelerator.to_string())
            .or_insert(specs.len());
        specs.push(AcceleratorSpec {
            accelerator: accelerator.to_string(),
            vendor: vendor.to_string(),
            node: node.to_string(),
            year,
            tdp_w,
            power_basis,
            precision,
            dense_peak_tflops: peak,
            source: source.to_string(),
            line: row.line,
        });
    }
    specs
}
