//! The comparison for people: a Markdown table of the rows that moved, then the observations,
//! inputs and settings that changed, which usually say why.

use std::fmt::Write as _;

use super::percent;
use crate::compare::{Diff, Numbers};

/// 4 significant digits: enough to see a move of a few percent, short enough to scan.
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.decimals$}")
}

fn cell(side: &Option<Numbers>, has_interval: bool, missing: &str) -> String {
    let Some(s) = side else {
        return missing.to_string();
    };
    let Some(centre) = s.centre else {
        return if s.status.starts_with("contradictory") {
            "contradictory".into()
        } else {
            "–".into()
        };
    };
    match (has_interval, s.low, s.high) {
        (true, Some(l), Some(h)) => format!("{} [{}, {}]", short(centre), short(l), short(h)),
        _ => short(centre),
    }
}

/// Markdown: every row when `all_rows`, else the marked rows and a count of the others.
pub fn diff_markdown(diff: &Diff, all_rows: bool) -> Vec<u8> {
    let c = &diff.columns;
    let has_interval = c.low.is_some() && c.high.is_some();
    let shown = if has_interval {
        format!(
            "{} [{}, {}]",
            c.centre,
            c.low.as_deref().unwrap_or_default(),
            c.high.as_deref().unwrap_or_default()
        )
    } else {
        c.centre.clone()
    };
    let compared: Vec<&str> = [c.low.as_deref(), Some(c.centre.as_str()), c.high.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let threshold = format!("{} %", diff.threshold * 100.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Changes from {} to {}: {shown}, pJ/MAC.",
        diff.old, diff.new
    );
    if let Some(note) = &c.note {
        let _ = writeln!(s, "Note: {note}.");
    }
    let rows: Vec<_> = diff.rows.iter().filter(|r| all_rows || r.marked).collect();
    let hidden = diff.rows.len() - rows.len();
    if rows.is_empty() {
        let _ = writeln!(
            s,
            "\nNo row moved more than {threshold} ({} rows compared).",
            diff.rows.len()
        );
    } else {
        let _ = writeln!(
            s,
            "Rows marked * moved more than {threshold} (largest relative change of {}), turned contradictory or back, or are on one side only.\n",
            compared.join(", ")
        );
        let mut header =
            format!("| | method | node | precision | basis | n | old {shown} | new {shown} |");
        let mut rule = "|---|---|---|---|---|---|---|---|".to_string();
        for label in &compared {
            let _ = write!(header, " Δ {label} |");
            rule.push_str("---:|");
        }
        let _ = writeln!(s, "{header}\n{rule}");
        for r in rows {
            let n = |side: &Option<Numbers>| {
                side.as_ref()
                    .and_then(|x| x.n_observations)
                    .map_or("–".to_string(), |n| n.to_string())
            };
            let count = match (&r.old, &r.new) {
                (Some(_), Some(_)) if n(&r.old) == n(&r.new) => n(&r.new),
                _ => format!("{} → {}", n(&r.old), n(&r.new)),
            };
            let _ = write!(
                s,
                "| {} | {} | {} | {} | {} | {count} | {} | {} |",
                if r.marked { "*" } else { "" },
                r.method,
                r.node,
                r.precision,
                r.basis,
                cell(&r.old, has_interval, "(new row)"),
                cell(&r.new, has_interval, "(removed)"),
            );
            let changes = [
                c.low.as_ref().map(|_| r.change.low),
                Some(r.change.centre),
                c.high.as_ref().map(|_| r.change.high),
            ];
            for change in changes.into_iter().flatten() {
                let _ = write!(s, " {} |", percent(change));
            }
            s.push('\n');
        }
        if hidden > 0 {
            let _ = writeln!(
                s,
                "\n{hidden} other rows moved {threshold} or less (`mfucal diff --all` shows every row)."
            );
        }
    }
    write_observations(&mut s, diff);
    s.into_bytes()
}

fn write_observations(s: &mut String, diff: &Diff) {
    let o = &diff.observations;
    let _ = writeln!(
        s,
        "\nObservations: {} added, {} removed, {} changed.",
        o.added.len(),
        o.removed.len(),
        o.changed.len()
    );
    for (what, list) in [("added", &o.added), ("removed", &o.removed)] {
        for r in list {
            match &r.detail {
                Some(d) => {
                    let _ = writeln!(s, "- {what}: {} ({d})", r.id);
                }
                None => {
                    let _ = writeln!(s, "- {what}: {}", r.id);
                }
            }
        }
    }
    for (id, was, now) in &o.changed {
        let _ = writeln!(s, "- changed: {id}: {was} → {now}");
    }
    for (id, why) in &o.newly_excluded {
        let _ = writeln!(s, "- newly excluded: {id} ({why})");
    }
    for id in &o.no_longer_excluded {
        let _ = writeln!(s, "- no longer excluded: {id}");
    }
    if !diff.inputs_changed.is_empty() {
        let _ = writeln!(s, "Inputs changed: {}.", diff.inputs_changed.join(", "));
    }
    if !diff.settings_changed.is_empty() {
        let _ = writeln!(s, "Settings changed:");
        for setting in &diff.settings_changed {
            let _ = writeln!(s, "- {setting}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn four_significant_digits() {
        assert_eq!(short(0.36812), "0.3681");
        assert_eq!(short(2.4512), "2.451");
        assert_eq!(short(17.127), "17.13");
        assert_eq!(short(1234.4), "1234");
        assert_eq!(short(0.054321), "0.05432");
    }
}
