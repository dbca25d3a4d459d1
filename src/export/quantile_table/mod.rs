//! The main quantile table (`quantiles.csv`'s rows) for stdout, in the format `run --format`
//! asks for. CSV is `quantiles.csv` itself.

pub mod json;
pub mod markdown;

use super::{tables, Format};
use crate::calibrate::Calibration;
use crate::config::RunPlan;

/// The quantile table in `format`.
pub fn render(plan: &RunPlan, cal: &Calibration, format: Format) -> Vec<u8> {
    match format {
        Format::Markdown => markdown::quantiles_markdown(plan, cal),
        Format::Csv => tables::quantiles_csv(plan, cal),
        Format::Json => json::quantiles_json(plan, cal),
    }
}
