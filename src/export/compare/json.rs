//! The whole comparison as JSON: rows, observation, input and setting changes.

use crate::compare::Diff;

/// The whole comparison as pretty-printed JSON bytes, ending in a newline.
pub fn diff_json(diff: &Diff) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(diff).expect("a diff always serialises");
    bytes.push(b'\n');
    bytes
}
