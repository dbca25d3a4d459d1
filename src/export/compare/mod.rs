//! A [`crate::compare::Diff`] as bytes: Markdown for people, CSV and JSON for scripts.

pub mod csv;
pub mod json;
pub mod markdown;

use crate::compare::Diff;

use super::Format;

/// The diff in `format`; Markdown shows only the marked rows unless `all_rows`.
pub fn render(diff: &Diff, format: Format, all_rows: bool) -> Vec<u8> {
    match format {
        Format::Markdown => markdown::diff_markdown(diff, all_rows),
        Format::Csv => csv::diff_csv(diff),
        Format::Json => json::diff_json(diff),
    }
}

/// A relative change as a signed percentage, `+4.0 %`.
pub fn percent(change: Option<f64>) -> String {
    change.map_or(String::new(), |c| format!("{:+.1} %", c * 100.0))
}
