//! Exporters: results in, bytes out, no I/O. [`crate::output`] owns the files.

use crate::error::BadValue;

pub mod compare;
pub mod guard;
pub mod manifest;
pub mod ppc;
pub mod quantile_table;
pub mod sensitivity;
pub mod summary;
pub mod tables;

/// How a table is printed to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Markdown table, for people and reports.
    Markdown,
    /// CSV, for spreadsheets and scripts.
    Csv,
    /// JSON, for scripts.
    Json,
}

impl Format {
    /// Parses a `--format` value: `markdown` (or `md`), `csv` or `json`.
    pub fn parse(s: &str) -> Result<Format, BadValue> {
        match s {
            "markdown" | "md" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(BadValue(format!(
                "unknown format '{s}'; use markdown, csv or json"
            ))),
        }
    }
}
