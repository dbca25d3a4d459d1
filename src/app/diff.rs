//! `mfucal diff OLD NEW`: what changed between two results folders or git revisions of one.

use crate::error::Result;

use crate::compare::{self, Snapshot};
use crate::export::{self, Format};

/// What `diff` was asked to compare and how to print it.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// A results folder, or `REV:FOLDER` read with `git show`.
    pub old: String,
    /// A results folder, or `REV:FOLDER`, compared with `old`.
    pub new: String,
    /// `--format`: how the comparison is printed.
    pub format: Format,
    /// Rows whose largest relative change exceeds this fraction are marked (0.05 = 5 %).
    pub threshold: f64,
    /// Markdown: show every row, not only the marked ones.
    pub all_rows: bool,
}

/// The comparison, printed, and whether any row moved past the threshold (for
/// `--exit-code`).
pub struct DiffReport {
    /// The comparison in the requested format.
    pub text: Vec<u8>,
    /// Some row moved past the threshold.
    pub moved: bool,
}

/// Reads both sides and returns the comparison in the requested format.
pub fn diff(options: &DiffOptions) -> Result<DiffReport> {
    let old = Snapshot::read(&options.old)?;
    let new = Snapshot::read(&options.new)?;
    let d = compare::compare(&old, &new, options.threshold);
    let moved = d.marked().next().is_some();
    Ok(DiffReport {
        text: export::compare::render(&d, options.format, options.all_rows),
        moved,
    })
}
