//! Exporters: results in, bytes out, no I/O. [`crate::output`] owns the files.

pub mod diff;
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
    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "markdown" | "md" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(format!("unknown format '{s}'; use markdown, csv or json")),
        }
    }
}

/// A number with 7 significant digits, in plain decimal where that stays readable.
/// Fixed-width formatting (not shortest round-trip) keeps the files stable and diffable.
pub fn number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if (-4..6).contains(&magnitude) {
        let decimals = (6 - magnitude).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.6e}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn seven_significant_digits() {
        assert_eq!(number(3.2914561), "3.291456");
        assert_eq!(number(0.4257), "0.4257000");
        assert_eq!(number(989.4), "989.4000");
        assert_eq!(number(123456.78), "123456.8");
        assert_eq!(number(1.5e-7), "1.500000e-7");
        assert_eq!(number(0.0), "0");
    }
}
