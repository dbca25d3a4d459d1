//! Errors that say where the problem is and how to fix it.
//!
//! Every problem in a user's input is a [`Problem`] located at a file, a line and a column
//! (CSV) or key (TOML). Validation collects all of them before failing, so one run of
//! `mfucal validate` lists everything to fix.

use std::fmt;
use std::path::{Path, PathBuf};

/// Longest piece of user text a message quotes, in characters.
pub const SHOWN_CHARS: usize = 60;

/// User text as quoted in a message: cut to [`SHOWN_CHARS`] characters, so a 1 MB field pasted
/// by mistake gives a one-line message rather than a megabyte of terminal output.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    cut(text, SHOWN_CHARS)
}

/// `text` on one line (control characters such as a newline inside a quoted CSV field are
/// escaped: `\n`) and cut to `max_chars` characters, saying how long it was.
pub fn cut(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    let long = text.chars().nth(max_chars).is_some();
    if !long && !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out: String = text
        .chars()
        .take(max_chars)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if long {
        out += &format!("... ({} characters)", text.chars().count());
    }
    out.into()
}

/// The part of a line a problem is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A CSV column, by its header name.
    Column(String),
    /// A config key, as a dotted path (`model.power_fraction`).
    Key(String),
    /// A 1-based character column, where a parser points at text rather than a field.
    Char(u64),
}

/// One problem found in the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    pub field: Option<Field>,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl Problem {
    pub fn new(file: &Path, line: Option<u64>, field: Option<Field>, message: String) -> Self {
        Problem {
            file: file.to_path_buf(),
            line,
            field,
            message,
        }
    }

    /// A problem in a CSV column.
    pub fn column(file: &Path, line: u64, column: &str, message: impl Into<String>) -> Self {
        Self::new(
            file,
            Some(line),
            Some(Field::Column(column.to_string())),
            message.into(),
        )
    }

    /// A problem with a whole line or file.
    pub fn at(file: &Path, line: Option<u64>, message: impl Into<String>) -> Self {
        Self::new(file, line, None, message.into())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.field {
            Some(Field::Column(name)) => write!(f, ": column {name}")?,
            Some(Field::Key(name)) => write!(f, ": key {name}")?,
            Some(Field::Char(col)) => write!(f, ":{col}")?,
            None => {}
        }
        // One problem, one line, whatever text the message quotes.
        write!(f, ": {}", cut(&self.message, usize::MAX))
    }
}

/// Every problem found in the inputs; a run refuses to start while there is any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputErrors(pub Vec<Problem>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the inputs; nothing was written",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// Collects problems while validation goes on.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// `Ok(value)` when nothing was found, otherwise every problem, ordered by file (in the
    /// order files were first mentioned) and line, so the list reads top to bottom.
    pub fn finish<T>(mut self, value: T) -> Result<T, InputErrors> {
        if self.0.is_empty() {
            return Ok(value);
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for p in &self.0 {
            if !files.contains(&p.file) {
                files.push(p.file.clone());
            }
        }
        let file_rank = |p: &Problem| files.iter().position(|f| *f == p.file);
        self.0.sort_by_key(|p| (file_rank(p), p.line));
        Err(InputErrors(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_in_messages() {
        assert_eq!(shown("h100"), "h100");
        assert_eq!(shown("a\nb\r"), "a\\nb\\r");
        let long = "é".repeat(100);
        assert_eq!(
            shown(&long),
            format!("{}... (100 characters)", "é".repeat(SHOWN_CHARS))
        );
    }

    #[test]
    fn display_names_file_line_and_column() {
        let p = Problem::column(Path::new("d/obs.csv"), 7, "mfu_low", "is empty");
        assert_eq!(p.to_string(), "d/obs.csv:7: column mfu_low: is empty");
        let k = Problem::new(
            Path::new("c.toml"),
            Some(3),
            Some(Field::Key("model.prior".into())),
            "bad".into(),
        );
        assert_eq!(k.to_string(), "c.toml:3: key model.prior: bad");
    }
}
