//! `mfu_observations.csv`: one row per published training run, MFU as a fraction.

use std::collections::HashMap;
use std::path::Path;

use super::table::{self, Table};
use super::{ObservationKind, PowerCoverage, Precision};
use crate::error::{shown, Problems};

/// The columns every observations file must have; `kind`, `power_w_measured`,
/// `power_measured_covers`, `model`, `chips`, `exclude` and `notes` are optional.
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
    /// Unique id of the observation.
    pub id: String,
    /// Id of the accelerator, as in `accelerators.csv`.
    pub accelerator: String,
    /// Precision the MFU was measured at.
    pub precision: Precision,
    /// Lower end of the MFU, a fraction in (0, 1].
    pub mfu_low: f64,
    /// Upper end of the MFU, >= `mfu_low`; a range is sampled uniformly.
    pub mfu_high: f64,
    /// Where the figure comes from.
    pub source: String,
    /// Why the row is kept for the record but left out of the calibration (HFU-like, doubtful
    /// denominator...); `None` for rows used.
    pub exclude: Option<String>,
    /// Column `kind` (optional; empty means training).
    pub kind: ObservationKind,
    /// Column `power_w_measured` (optional): measured mean power per chip during the run, W.
    pub power_w_measured: Option<f64>,
    /// Column `power_measured_covers`: required exactly when `power_w_measured` is given.
    pub power_measured_covers: Option<PowerCoverage>,
    /// Line in the observations file, for messages.
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
        let kind = ObservationKind::parse(table.text(row, "kind"))
            .map_err(|m| problems.push(table.problem(row, "kind", m)))
            .ok();
        let power = measured_power(&table, row, problems);
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
            Some(kind),
            Some((power_w_measured, power_measured_covers)),
        ) = (id, accelerator, source, precision, low, high, kind, power)
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
            kind,
            power_w_measured,
            power_measured_covers,
            line: row.line,
        });
    }
    out
}

/// The optional columns `power_w_measured` and `power_measured_covers`, checked together:
/// `Some((None, None))` when both are empty, `None` after a problem was reported.
#[allow(clippy::type_complexity)]
fn measured_power(
    table: &Table,
    row: &table::Row,
    problems: &mut Problems,
) -> Option<(Option<f64>, Option<PowerCoverage>)> {
    let power_text = table.text(row, "power_w_measured");
    let covers_text = table.text(row, "power_measured_covers");
    let power = if power_text.is_empty() {
        Some(None)
    } else {
        table
            .positive(
                row,
                "power_w_measured",
                "measured mean power per chip in watts",
                problems,
            )
            .map(Some)
    };
    let covers = match (power_text.is_empty(), covers_text.is_empty()) {
        (true, true) => Some(None),
        // A measured power means nothing without saying whether the host's share is in it.
        (false, true) => {
            problems.push(table.problem(
                row,
                "power_measured_covers",
                "is empty but power_w_measured is given; write chip or chip_and_host (what the measured power includes)",
            ));
            None
        }
        (true, false) => {
            problems.push(table.problem(
                row,
                "power_measured_covers",
                format!(
                    "'{}' is given without power_w_measured; fill in the measured power or empty this column",
                    shown(covers_text)
                ),
            ));
            None
        }
        (false, false) => PowerCoverage::parse(covers_text)
            .map_err(|m| problems.push(table.problem(row, "power_measured_covers", m)))
            .ok()
            .map(Some),
    };
    Some((power?, covers?))
}
