//! Reading a CSV file into rows whose fields can be parsed with located errors.
//!
//! Shared by both dataset loaders: it owns the rules every input CSV follows (UTF-8, a
//! header row, extra columns ignored, fields trimmed, a UTF-8 byte-order mark tolerated) and
//! turns every way a field can be wrong into a message that names file, line and column.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{shown, BadValue, Problem, Problems};

/// How to fix a file that is not UTF-8.
const NOT_UTF8: &str = "save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)";

/// Reads an input file whole ([`crate::input::read_input`]: regular files only, size
/// capped); a file that cannot be read is a located problem, not a crash.
pub fn read_file(path: &Path, file: &Path, problems: &mut Problems) -> Option<Vec<u8>> {
    use crate::input::{read_input, InputError};
    match read_input(path) {
        Ok(b) => Some(b),
        Err(e) => {
            let why = match e {
                InputError::Folder => {
                    "is a folder, not a CSV file; point the config's [data] entry at the file"
                        .to_string()
                }
                InputError::Io(e) | InputError::Missing(e) => {
                    format!("cannot be read ({e}); check the path in the config's [data] section")
                }
                e => e.to_string(),
            };
            problems.push(Problem::at(file, None, why));
            None
        }
    }
}

/// A CSV file: its header and its records, each with the line it starts on.
pub struct Table {
    /// The file's name as messages show it.
    pub file: PathBuf,
    columns: HashMap<String, usize>,
    /// The records, in file order.
    pub rows: Vec<Row>,
}

/// One record of a [`Table`].
pub struct Row {
    /// Line the record starts on, 1-based (the header is line 1).
    pub line: u64,
    fields: csv::StringRecord,
}

impl Table {
    /// Parses a CSV file's bytes (see [`read_file`]), checking that every column of `required`
    /// is in the header. `file` is the name messages show. Returns `None` when nothing useful
    /// can be read.
    pub fn parse(
        bytes: &[u8],
        file: &Path,
        required: &[&str],
        problems: &mut Problems,
    ) -> Option<Table> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            problems.push(Problem::at(
                file,
                Some(1),
                format!(
                    "is empty; the first line must be the header: {}",
                    required.join(",")
                ),
            ));
            return None;
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(body);
        let header = match reader.byte_headers() {
            Ok(h) => match csv::StringRecord::from_byte_record(h.clone()) {
                Ok(h) => h,
                Err(e) => {
                    problems.push(Problem::at(
                        file,
                        Some(1),
                        format!(
                            "the header's field {} is not valid UTF-8; {NOT_UTF8}",
                            e.utf8_error().field() + 1
                        ),
                    ));
                    return None;
                }
            },
            Err(e) => {
                problems.push(Problem::at(
                    file,
                    Some(1),
                    format!("cannot read the header: {e}"),
                ));
                return None;
            }
        };
        let mut columns = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            if columns.insert(name.to_string(), i).is_some() {
                problems.push(Problem::column(
                    file,
                    1,
                    &shown(name),
                    "appears twice in the header; keep one",
                ));
            }
        }
        let mut missing = false;
        for &name in required {
            if !columns.contains_key(name) {
                missing = true;
                let hint = closest(name, header.iter())
                    .map(|c| format!(" (the header has '{c}': a misspelling?)"))
                    .unwrap_or_default();
                problems.push(Problem::column(
                    file,
                    1,
                    name,
                    format!(
                        "is missing from the header{hint}; the required columns are {}",
                        required.join(",")
                    ),
                ));
            }
        }
        let mut rows = Vec::new();
        let mut any_record = false;
        let mut lines = LineCounter::new(body);
        for record in reader.byte_records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| lines.line_at(p.byte() as usize));
                    problems.push(Problem::at(
                        file,
                        Some(line),
                        format!("is not valid CSV: {e}"),
                    ));
                    continue;
                }
            };
            // The reader's own line count is off for CRLF files; count '\n' up to the record.
            let line = record
                .position()
                .map_or(0, |p| lines.line_at(p.byte() as usize));
            if record.iter().all(<[u8]>::is_empty) {
                continue; // a blank or all-commas line, as spreadsheets leave at the end
            }
            any_record = true;
            if record.len() != header.len() {
                problems.push(Problem::at(
                    file,
                    Some(line),
                    format!(
                        "has {} fields but the header has {}; quote fields that contain commas",
                        record.len(),
                        header.len()
                    ),
                ));
                continue;
            }
            match csv::StringRecord::from_byte_record(record) {
                Ok(fields) => rows.push(Row { line, fields }),
                Err(e) => {
                    // Name the column, so a Latin-1 'é' in a source is found at once.
                    let column = header.get(e.utf8_error().field()).unwrap_or("?");
                    problems.push(Problem::column(
                        file,
                        line,
                        &shown(column),
                        format!("is not valid UTF-8; {NOT_UTF8}"),
                    ));
                }
            }
        }
        if !any_record && !missing {
            problems.push(Problem::at(
                file,
                Some(1),
                "has a header but no rows; add at least one",
            ));
        }
        if missing {
            return None;
        }
        Some(Table {
            file: file.to_path_buf(),
            columns,
            rows,
        })
    }

    /// The trimmed text of `column` (empty when an optional column is absent).
    pub fn text<'r>(&self, row: &'r Row, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|&i| row.fields.get(i))
            .unwrap_or("")
    }

    /// A required, non-empty text field.
    pub fn required_text<'r>(
        &self,
        row: &'r Row,
        column: &str,
        problems: &mut Problems,
    ) -> Option<&'r str> {
        let s = self.text(row, column);
        if s.is_empty() {
            problems.push(Problem::column(
                &self.file,
                row.line,
                column,
                "is empty; fill it in",
            ));
            None
        } else {
            Some(s)
        }
    }

    /// A finite decimal number.
    pub fn number(&self, row: &Row, column: &str, problems: &mut Problems) -> Option<f64> {
        match parse_number(self.text(row, column)) {
            Ok(x) => Some(x),
            Err(m) => {
                problems.push(Problem::column(&self.file, row.line, column, m));
                None
            }
        }
    }

    /// A finite number above zero.
    pub fn positive(
        &self,
        row: &Row,
        column: &str,
        unit: &str,
        problems: &mut Problems,
    ) -> Option<f64> {
        let x = self.number(row, column, problems)?;
        if x > 0.0 {
            Some(x)
        } else {
            problems.push(Problem::column(
                &self.file,
                row.line,
                column,
                format!("{x} must be above 0 ({unit})"),
            ));
            None
        }
    }

    /// A located problem in `column` of `row`.
    pub fn problem(&self, row: &Row, column: &str, message: impl Into<String>) -> Problem {
        Problem::column(&self.file, row.line, column, message)
    }
}

/// 1-based line numbers of increasing byte offsets, in one pass over the text.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `offset` that is not a line end: the reader
    /// places a record after the `\r` of a CRLF, on the `\n`.
    fn line_at(&mut self, offset: usize) -> u64 {
        let mut offset = offset.min(self.text.len());
        while matches!(self.text.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        if offset > self.offset {
            self.line += self.text[self.offset..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// Parses a plain decimal, explaining what is wrong in terms a spreadsheet user recognises.
pub fn parse_number(text: &str) -> Result<f64, BadValue> {
    let s = shown(text);
    if text.is_empty() {
        return Err(BadValue("is empty; write a number".into()));
    }
    if let Some(pct) = text.strip_suffix('%') {
        let hint = match pct.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => format!("; write the fraction {}", v / 100.0),
            _ => String::new(),
        };
        return Err(BadValue(format!("'{s}' looks like a percent{hint}")));
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") {
        return Err(BadValue(format!(
            "'{s}' is not a finite number; write a plain decimal"
        )));
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(if x == 0.0 { 0.0 } else { x }), // -0 reads as 0
        Ok(_) => Err(BadValue(format!(
            "'{s}' is too large to be a finite number"
        ))),
        Err(_) => Err(BadValue(format!(
            "'{s}' is not a number; write a plain decimal such as 0.45"
        ))),
    }
}

/// The header name most like `want`, when one is close enough to be a likely misspelling.
fn closest<'a>(want: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names
        .map(|n| (edit_distance(want, n), n))
        .filter(|&(d, n)| d > 0 && d <= 2.max(want.len() / 4) && n != want)
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_reject_percent_and_non_finite() {
        assert_eq!(parse_number("0.45"), Ok(0.45));
        assert_eq!(parse_number("-0"), Ok(0.0));
        assert_eq!(
            parse_number("45%").unwrap_err(),
            "'45%' looks like a percent; write the fraction 0.45"
        );
        assert_eq!(
            parse_number("inf").unwrap_err(),
            "'inf' is not a finite number; write a plain decimal"
        );
        assert_eq!(
            parse_number("1e400").unwrap_err(),
            "'1e400' is too large to be a finite number"
        );
        assert_eq!(
            parse_number("0x10").unwrap_err(),
            "'0x10' is not a number; write a plain decimal such as 0.45"
        );
        assert_eq!(parse_number("").unwrap_err(), "is empty; write a number");
    }

    #[test]
    fn misspelt_columns_are_suggested() {
        assert_eq!(
            closest("mfu_high", ["id", "mfu_hgih"].into_iter()),
            Some("mfu_hgih")
        );
        assert_eq!(closest("source", ["id", "mfu_low"].into_iter()), None);
    }
}
