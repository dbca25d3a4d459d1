//! `mfu_observations.csv`: one row per published training run, MFU as a fraction.

use std::collections::HashMap;
use std::path::Path;

use super::table::{self, Table};
use super::Precision;
use crate::error::{shown, Problems};

pub const COLUMNS: [&str; 6] = [
    "id",
    "accelerator",
    "precision",
    "mfu_low",
    "mfu_high",
    "source",
];

/// Smallest MFU accepted. Published runs are above 0.1; far below this a value is a typo, and
/// it would imply energies beyond what the histograms represent.
pub const MIN_MFU: f64 = 1e-3;

/// A published MFU figure or range, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct MfuObservation {
    pub id: String,
    pub accelerator: String,
    pub precision: Precision,
    pub mfu_low: f64,
    pub mfu_high: f64,
    pub source: String,
    /// Why the row is kept for the record but left out of the calibration (HFU-like, doubtful
    /// denominator...); `None` for rows used.
    pub exclude: Option<String>,
    pub line: u64,
}

/// Loads and checks every row on its own; cross-file checks are in [`super::Dataset`].
pub fn load(path: &Path, file: &Path, problems: &mut Problems) -> Vec<MfuObservation> {
    table::read_file(path, file, problems)
        .map(|bytes| load_bytes(&bytes, file, problems))
        .unwrap_or_default()
}

/// [`load`] on the file's bytes (`file` is the name messages show).
pub fn load_bytes(bytes: &[u8], file: &Path, problems: &mut Problems) -> Vec<MfuObservation> {
    let Some(table) = Table::parse(bytes, file, &COLUMNS, problems) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let id = table.required_text(row, "id", problems);
        if let Some(id) = id {
            if let Some(first) = ids.insert(id.to_string(), row.line) {
                problems.push(table.problem(
                    row,
                    "id",
                    format!(
                        "duplicate id '{}' (first on line {first}); ids must be unique",
                        shown(id)
                    ),
                ));
            }
        }
        let accelerator = table.required_text(row, "accelerator", problems);
        let source = table.required_text(row, "source", problems);
        let precision = Precision::parse(table.text(row, "precision"))
            .map_err(|m| problems.push(table.problem(row, "precision", m)))
            .ok();
        let mut mfu = |column: &str| {
            let x = table.number(row, column, problems)?;
            // 5 to 100 reads as a percent; just above 1 is more likely a slip than 1.5 %.
            let why = if (5.0..=100.0).contains(&x) {
                format!(
                    "{x} looks like a percent; MFU is a fraction in (0, 1], write {}",
                    x / 100.0
                )
            } else if x > 1.0 {
                format!("{x} is above 1; MFU is a fraction in (0, 1]")
            } else if x <= 0.0 {
                format!("{x} must be above 0; MFU is a fraction in (0, 1]")
            } else if x < MIN_MFU {
                format!("{x} is below {MIN_MFU}: no published training run uses so little of its peak; check the value (MFU is a fraction in (0, 1])")
            } else {
                return Some(x);
            };
            problems.push(table.problem(row, column, why));
            None
        };
        let (low, high) = (mfu("mfu_low"), mfu("mfu_high"));
        if let (Some(l), Some(h)) = (low, high) {
            if l > h {
                problems.push(table.problem(
                    row,
                    "mfu_high",
                    format!("mfu_low {l} is above mfu_high {h}; swap them"),
                ));
                continue;
            }
        }
        let (
            Some(id),
            Some(accelerator),
            Some(source),
            Some(precision),
            Some(mfu_low),
            Some(mfu_high),
        ) = (id, accelerator, source, precision, low, high)
        else {
            continue;
        };
        let exclude = table.text(row, "exclude");
        out.push(MfuObservation {
            id: id.to_string(),
            accelerator: accelerator.to_string(),
            precision,
            mfu_low,
            mfu_high,
            source: source.to_string(),
            exclude: (!exclude.is_empty()).then(|| exclude.to_string()),
            line: row.line,
        });
    }
    out
}
