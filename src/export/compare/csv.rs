//! The row comparison as CSV, one row per method x node x precision x basis. Column names
//! carry the quantile labels compared (`old_q0.5`), so a script sees what it reads; the
//! observation changes are in the JSON and Markdown forms.

use crate::compare::{Diff, Numbers};
use crate::fmt::number;

/// The row comparison as CSV bytes (header included).
pub fn diff_csv(diff: &Diff) -> Vec<u8> {
    let c = &diff.columns;
    let labels: Vec<&str> = [c.low.as_deref(), Some(c.centre.as_str()), c.high.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut header: Vec<String> = ["method", "node", "precision", "basis", "old_n", "new_n"]
        .map(String::from)
        .to_vec();
    for side in ["old", "new", "change"] {
        header.extend(labels.iter().map(|l| format!("{side}_{l}")));
    }
    header.extend(["old_status", "new_status", "marked"].map(String::from));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(&header).expect("in memory");
    let present = [c.low.is_some(), true, c.high.is_some()];
    let opt = |x: Option<f64>| x.map_or(String::new(), number);
    for r in &diff.rows {
        let n = |s: &Option<Numbers>| {
            s.as_ref()
                .and_then(|s| s.n_observations)
                .map_or(String::new(), |n| n.to_string())
        };
        let mut row = vec![
            r.method.clone(),
            r.node.clone(),
            r.precision.clone(),
            r.basis.clone(),
            n(&r.old),
            n(&r.new),
        ];
        for side in [&r.old, &r.new] {
            let v = side
                .as_ref()
                .map_or([None; 3], |s| [s.low, s.centre, s.high]);
            row.extend((0..3).filter(|&i| present[i]).map(|i| opt(v[i])));
        }
        let ch = [r.change.low, r.change.centre, r.change.high];
        row.extend((0..3).filter(|&i| present[i]).map(|i| opt(ch[i])));
        let status = |s: &Option<Numbers>| s.as_ref().map_or(String::new(), |s| s.status.clone());
        row.extend([status(&r.old), status(&r.new), r.marked.to_string()]);
        w.write_record(&row).expect("in memory");
    }
    w.flush().expect("in memory");
    w.into_inner().expect("in memory")
}
