//! Errors that say where the problem is and how to fix it.
//!
//! Every problem in a user's input is a [`Problem`] located at a file, a line and a column
//! (CSV) or key (TOML). Validation collects all of them before failing, so one run of
//! `mfucal validate` lists everything to fix.
//!
//! Every fallible function of the library returns [`Result`], whose [`Error`] says the kind of
//! failure (bad inputs, a bad argument, a refused output folder, an I/O failure, an
//! interruption, ...). The binary picks the exit status from the kind alone (`src/cli/exit.rs`)
//! and prints the error with its causes, `outer: inner: ...` ([`Error::report`]). This module is
//! the bottom of the pipeline: it imports no other module of the crate, and the small error
//! types the others return ([`Cancelled`], [`Interrupted`], [`NonFinite`], [`BadValue`]) live
//! here so that [`Error`] can name them.

use std::fmt;
use std::path::{Path, PathBuf};

/// A result whose error is the library's [`Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a command of the library failed. The variant is the kind (what the exit status and a
/// caller decide on); the message is what the user reads, with its causes as
/// [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Problems in the input files (config, datasets), each located; nothing was written.
    #[error(transparent)]
    Input(#[from] InputErrors),
    /// A bad argument or flag value, or a question the data cannot answer (an unknown
    /// accelerator, a node without observations); the message says what to give instead.
    #[error("{0}")]
    Argument(String),
    /// The output may not be written: a results folder that is a file, a folder mfucal did not
    /// write, a folder holding an input, a loop of symbolic links; a dataset `import-epoch`
    /// cannot read back.
    #[error("{0}")]
    Refused(String),
    /// Another process holds the lock of the output and this one was told not to wait.
    #[error("{0}")]
    Locked(String),
    /// An operation on a file or folder failed: `message` names the action and the path.
    #[error("{message}")]
    Io {
        /// What was being done, with the path (`cannot create results/.default.tmp-42`).
        message: String,
        /// The file or folder it was done to.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// git could not be run, or could not show a revision's file.
    #[error("{message}")]
    Git {
        /// What failed (`git show HEAD:results/default/quantiles.csv failed: ...`).
        message: String,
        /// Why git could not be run, when it could not.
        #[source]
        source: Option<std::io::Error>,
    },
    /// A results folder, a shard's state or a set of shards that cannot be read or used as
    /// they are (damaged, missing a file, from different runs).
    #[error("{0}")]
    Results(String),
    /// A CSV file or table could not be read or written.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// JSON could not be read or written.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The run was stopped on request (Ctrl-C, SIGTERM) before writing anything.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// A computation was stopped on request (not yet attributed to an output folder).
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// Numbers about to be written are not finite and positive (a bug or a missed check).
    #[error(transparent)]
    NonFinite(#[from] NonFinite),
    /// A value outside what a parser or a check accepts (see [`BadValue`]).
    #[error(transparent)]
    BadValue(#[from] BadValue),
    /// A broken promise inside mfucal (please report it).
    #[error("internal: {0}")]
    Internal(String),
    /// Any other error of a library mfucal uses (the thread pool, the man page renderer).
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
    /// What was being done when `source` happened: printed as `message: source`.
    #[error("{message}")]
    Context {
        /// What was being done (`cannot read quantiles.csv of results/default`).
        message: String,
        /// The error that stopped it.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// The error a [`Error::Context`] chain wraps: the one that says the kind of failure.
    pub fn kind(&self) -> &Error {
        match self {
            Error::Context { source, .. } => source.kind(),
            other => other,
        }
    }

    /// Was the command stopped on request (Ctrl-C, SIGTERM)?
    pub fn is_interrupted(&self) -> bool {
        matches!(self.kind(), Error::Interrupted(_))
    }

    /// Was a computation cancelled (by [`Cancelled`])?
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind(), Error::Cancelled(_))
    }

    /// This error wrapped with what was being done.
    pub fn context(self, message: impl Into<String>) -> Error {
        Error::Context {
            message: message.into(),
            source: Box::new(self),
        }
    }

    /// The message with every cause, as printed: `outer: inner: innermost`.
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }

    /// A failed I/O operation on `path`; `message` names the action and the path.
    pub fn io(message: impl Into<String>, path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            message: message.into(),
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An error and its causes on one line, `outer: inner: innermost` ([`Error::report`]).
#[derive(Debug, Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

/// Adds what was being done to an error on its way up.
pub trait Context<T> {
    /// The error wrapped in [`Error::Context`] with `message`.
    fn context(self, message: impl Into<String>) -> Result<T>;
    /// As [`Context::context`], the message built only on error.
    fn with_context<M: Into<String>>(self, message: impl FnOnce() -> M) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, message: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.into().context(message))
    }

    fn with_context<M: Into<String>>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| e.into().context(message()))
    }
}

/// Names the action and the path of a failed I/O operation.
pub trait IoContext<T> {
    /// An I/O error as [`Error::Io`] on `path`, with the message built only on error.
    fn io_context<M: Into<String>>(self, path: &Path, message: impl FnOnce() -> M) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn io_context<M: Into<String>>(self, path: &Path, message: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| Error::io(message(), path, e))
    }
}

/// A computation was stopped because a stop was requested (`stop::Stop::check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted before the computation finished")]
pub struct Cancelled;

/// The run stopped on request (Ctrl-C) before writing anything.
#[derive(Debug, thiserror::Error)]
#[error("interrupted; nothing was written, {} is unchanged", .out_dir.display())]
pub struct Interrupted {
    /// The output the run would have written, left as it was.
    pub out_dir: PathBuf,
}

/// Reported numbers that are not finite and positive, as `table: row: column = value`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{} reported numbers are not finite and positive; nothing was written (please report this \
     with the inputs):\n  {}",
    .0.len(),
    .0.join("\n  ")
)]
pub struct NonFinite(pub Vec<String>);

/// A value a parser or a check does not accept, with what it accepts (`'fp7' is not a
/// precision; use bf16, fp16, fp8 or int8`). The message does not say where the value came
/// from: a caller adds the flag or the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

impl From<String> for BadValue {
    fn from(message: String) -> BadValue {
        BadValue(message)
    }
}

impl From<&str> for BadValue {
    fn from(message: &str) -> BadValue {
        BadValue(message.to_string())
    }
}

impl From<BadValue> for String {
    fn from(value: BadValue) -> String {
        value.0
    }
}

impl PartialEq<str> for BadValue {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for BadValue {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

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
    /// The file the problem is in, as the user named it.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// The column, key or character on the line, when known.
    pub field: Option<Field>,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl Problem {
    /// A problem at any place: `file`, then the line and the field when known.
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
    /// Records one more problem.
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    /// Has nothing been found yet?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems found so far, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// Adds the problems another check collected.
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
