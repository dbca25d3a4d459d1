//! What changed between two calibrations: per method, node, precision and basis, the old and
//! new centre and interval and their relative change, and which observations, inputs and
//! settings differ. The analyst's first question after new data arrives is "what moved, and
//! why"; this answers both from the results folders alone.
//!
//! **Columns compared.** The 90 % interval `q0.05`–`q0.95` and the median `q0.5` when both
//! tables have them. Otherwise the widest interval the two tables share (the lowest common
//! level below 0.5 and the highest above it) and, without a common `q0.5`, the mean; the
//! choice is stated in [`Columns::note`] and in every export.
//!
//! **Marked rows** moved more than the threshold: the largest relative change of the three
//! numbers exceeds it, or the row went from a posterior to a contradiction or back, or the
//! row exists on one side only.

pub mod snapshot;

use serde::Serialize;

pub use snapshot::Snapshot;
use snapshot::{ObservationRow, QuantileRow};

/// The default `--threshold`: rows that moved more than 5 % are marked.
pub const DEFAULT_THRESHOLD: f64 = 0.05;

/// Which numbers of `quantiles.csv` are compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Columns {
    /// Lower end of the interval (`q0.05`), if the tables share a level below 0.5.
    pub low: Option<String>,
    /// The centre: `q0.5`, or `mean` when the tables share no median.
    pub centre: String,
    /// Upper end of the interval (`q0.95`).
    pub high: Option<String>,
    /// Set when the columns are not the 90 % interval and median, saying what is used.
    pub note: Option<String>,
}

/// One side's numbers for a row, pJ/MAC; `None` where the row is contradictory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbers {
    /// The row's `n_observations`, if the table gives it.
    pub n_observations: Option<u64>,
    /// Lower end of the interval, pJ/MAC (the `columns.low` column).
    pub low: Option<f64>,
    /// The centre, pJ/MAC (the `columns.centre` column).
    pub centre: Option<f64>,
    /// Upper end of the interval, pJ/MAC (the `columns.high` column).
    pub high: Option<f64>,
    /// The row's `status`: `ok`, or why it is contradictory.
    pub status: String,
}

/// Relative changes `(new - old) / old`; `None` where either side has no number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Relative change of the lower end.
    pub low: Option<f64>,
    /// Relative change of the centre.
    pub centre: Option<f64>,
    /// Relative change of the upper end.
    pub high: Option<f64>,
}

impl Change {
    /// The largest absolute relative change.
    pub fn largest(&self) -> Option<f64> {
        [self.low, self.centre, self.high]
            .into_iter()
            .flatten()
            .map(f64::abs)
            .reduce(f64::max)
    }
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowDiff {
    /// The row's `method`.
    pub method: String,
    /// The row's `node`.
    pub node: String,
    /// The row's `precision`.
    pub precision: String,
    /// The row's `basis` (`observed`, `scaled` or `pooled`).
    pub basis: String,
    /// `None`: the row is new.
    pub old: Option<Numbers>,
    /// `None`: the row was removed.
    pub new: Option<Numbers>,
    /// Relative changes from `old` to `new`.
    pub change: Change,
    /// Moved more than the threshold, changed status, or is on one side only.
    pub marked: bool,
}

/// An observation as the comparison names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservationRef {
    /// The observation's id.
    pub id: String,
    /// `accelerator precision, node, MFU low–high` when `observations.csv` has the row.
    pub detail: Option<String>,
}

/// What happened to the observations between the two sides.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObservationChanges {
    /// Observations used on the new side only.
    pub added: Vec<ObservationRef>,
    /// Observations used on the old side only.
    pub removed: Vec<ObservationRef>,
    /// Same id, different accelerator, precision or MFU: `(id, old detail, new detail)`.
    pub changed: Vec<(String, String, String)>,
    /// Newly excluded: `(id, reason)`.
    pub newly_excluded: Vec<(String, String)>,
    /// Ids excluded on the old side and not on the new.
    pub no_longer_excluded: Vec<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// How the old side was named (`results/default`, `HEAD:results/default`).
    pub old: String,
    /// How the new side was named.
    pub new: String,
    /// Relative change above which a row is marked, a fraction (0.05 = 5 %).
    pub threshold: f64,
    /// The quantile columns compared.
    pub columns: Columns,
    /// Every row of the new side, in its order, then the rows only the old side has.
    pub rows: Vec<RowDiff>,
    /// What happened to the observations.
    pub observations: ObservationChanges,
    /// Input files whose SHA-256 differs, or that one side only has.
    pub inputs_changed: Vec<String>,
    /// Settings of the resolved config that differ, as `seed 1 -> 2`.
    pub settings_changed: Vec<String>,
}

impl Diff {
    /// Rows marked as moved.
    pub fn marked(&self) -> impl Iterator<Item = &RowDiff> {
        self.rows.iter().filter(|r| r.marked)
    }
}

/// Compares two snapshots; `threshold` is a fraction (0.05 = 5 %).
pub fn compare(old: &Snapshot, new: &Snapshot, threshold: f64) -> Diff {
    let columns = choose_columns(old, new);
    let numbers = |r: &QuantileRow| {
        let get = |label: &Option<String>| {
            label
                .as_ref()
                .and_then(|l| r.quantiles.get(l).copied().flatten())
        };
        Numbers {
            n_observations: r.n_observations,
            low: get(&columns.low),
            centre: if columns.centre == "mean" {
                r.mean
            } else {
                r.quantiles.get(&columns.centre).copied().flatten()
            },
            high: get(&columns.high),
            status: r.status.clone(),
        }
    };
    let mut rows = Vec::new();
    for n in &new.rows {
        let o = old.rows.iter().find(|o| o.key == n.key);
        rows.push(row_diff(n, o.map(numbers), Some(numbers(n)), threshold));
    }
    for o in &old.rows {
        if !new.rows.iter().any(|n| n.key == o.key) {
            rows.push(row_diff(o, Some(numbers(o)), None, threshold));
        }
    }
    Diff {
        old: old.label.clone(),
        new: new.label.clone(),
        threshold,
        columns,
        rows,
        observations: observation_changes(old, new),
        inputs_changed: inputs_changed(old, new),
        settings_changed: settings_changed(old, new),
    }
}

fn choose_columns(old: &Snapshot, new: &Snapshot) -> Columns {
    let common: Vec<(String, f64)> = old
        .levels
        .iter()
        .filter(|(l, _)| new.levels.iter().any(|(m, _)| m == l))
        .cloned()
        .collect();
    let has = |label: &str| common.iter().any(|(l, _)| l == label);
    let low = if has("q0.05") {
        Some("q0.05".to_string())
    } else {
        common
            .iter()
            .filter(|(_, p)| *p < 0.5)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(l, _)| l.clone())
    };
    let high = if has("q0.95") {
        Some("q0.95".to_string())
    } else {
        common
            .iter()
            .filter(|(_, p)| *p > 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(l, _)| l.clone())
    };
    let centre = if has("q0.5") { "q0.5" } else { "mean" }.to_string();
    let standard =
        low.as_deref() == Some("q0.05") && high.as_deref() == Some("q0.95") && centre == "q0.5";
    let note = (!standard).then(|| {
        let interval = match (&low, &high) {
            (Some(l), Some(h)) => format!("the interval compared is {l}–{h}"),
            _ => "no interval is compared (the tables share no quantile on each side of 0.5)"
                .to_string(),
        };
        format!(
            "the tables do not both have q0.05, q0.5 and q0.95: {interval}, and the centre is {centre}"
        )
    });
    Columns {
        low,
        centre,
        high,
        note,
    }
}

fn row_diff(
    r: &QuantileRow,
    old: Option<Numbers>,
    new: Option<Numbers>,
    threshold: f64,
) -> RowDiff {
    let rel = |o: Option<f64>, n: Option<f64>| match (o, n) {
        (Some(o), Some(n)) if o != 0.0 => Some((n - o) / o),
        _ => None,
    };
    let change = match (&old, &new) {
        (Some(o), Some(n)) => Change {
            low: rel(o.low, n.low),
            centre: rel(o.centre, n.centre),
            high: rel(o.high, n.high),
        },
        _ => Change {
            low: None,
            centre: None,
            high: None,
        },
    };
    // A contradiction's message changes with every observation added to the group; only a
    // change between a posterior and a contradiction is news.
    let contradictory = |x: &Numbers| x.status.starts_with("contradictory");
    let marked = match (&old, &new) {
        (Some(o), Some(n)) => {
            contradictory(o) != contradictory(n) || change.largest().is_some_and(|c| c > threshold)
        }
        _ => true,
    };
    let (method, node, precision, basis) = r.key.clone();
    RowDiff {
        method,
        node,
        precision,
        basis,
        old,
        new,
        change,
        marked,
    }
}

/// An MFU as written in `observations.csv` (7 significant digits), without trailing zeros.
fn fraction(s: &str) -> String {
    s.parse::<f64>()
        .map_or_else(|_| s.to_string(), |x| x.to_string())
}

fn detail(row: &ObservationRow) -> String {
    let (low, high) = (fraction(&row.mfu_low), fraction(&row.mfu_high));
    let mfu = if low == high {
        low
    } else {
        format!("{low}–{high}")
    };
    format!(
        "{} {}, {}, MFU {mfu}",
        row.accelerator, row.precision, row.node
    )
}

fn observation_changes(old: &Snapshot, new: &Snapshot) -> ObservationChanges {
    let reference = |s: &Snapshot, id: &str| ObservationRef {
        id: id.to_string(),
        detail: s.observations.iter().find(|o| o.id == id).map(detail),
    };
    let mut changes = ObservationChanges {
        added: new
            .used_ids
            .iter()
            .filter(|id| !old.used_ids.contains(id))
            .map(|id| reference(new, id))
            .collect(),
        removed: old
            .used_ids
            .iter()
            .filter(|id| !new.used_ids.contains(id))
            .map(|id| reference(old, id))
            .collect(),
        ..ObservationChanges::default()
    };
    for n in &new.observations {
        if let Some(o) = old.observations.iter().find(|o| o.id == n.id) {
            let (was, now) = (detail(o), detail(n));
            if was != now {
                changes.changed.push((n.id.clone(), was, now));
            }
        }
    }
    changes.newly_excluded = new
        .excluded
        .iter()
        .filter(|(id, _)| !old.excluded.iter().any(|(o, _)| o == id))
        .cloned()
        .collect();
    changes.no_longer_excluded = old
        .excluded
        .iter()
        .filter(|(id, _)| !new.excluded.iter().any(|(n, _)| n == id))
        .map(|(id, _)| id.clone())
        .collect();
    changes
}

fn inputs_changed(old: &Snapshot, new: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = new
        .inputs
        .iter()
        .filter(|(path, sha)| {
            old.inputs
                .iter()
                .find(|(p, _)| p == path)
                .is_none_or(|(_, s)| s != sha)
        })
        .map(|(path, _)| path.clone())
        .collect();
    out.extend(
        old.inputs
            .iter()
            .filter(|(path, _)| !new.inputs.iter().any(|(p, _)| p == path))
            .map(|(path, _)| format!("{path} (old side only)")),
    );
    out
}

/// Settings of the resolved config that differ, key by key: `nodes.5nm.scale.mu 0.09 ->
/// 0.1`, `nodes.9nm (none) -> {...}`. Objects are walked down to the values that changed;
/// lists of objects named by a `node` or `label` key are matched by that name; a
/// distribution (`{"dist": ...}`) and any other list are one value, in compact JSON.
fn settings_changed(old: &Snapshot, new: &Snapshot) -> Vec<String> {
    let (Some(o), Some(n)) = (&old.settings, &new.settings) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk_settings(
        "",
        &serde_json::Value::Object(o.clone()),
        &serde_json::Value::Object(n.clone()),
        &mut out,
    );
    out
}

/// The entries of a list of objects by their name (`node`, `label`), if every one has one.
fn named_entries(v: &serde_json::Value) -> Option<serde_json::Map<String, serde_json::Value>> {
    let items = v.as_array()?;
    let mut map = serde_json::Map::new();
    for item in items {
        let obj = item.as_object()?;
        let name = ["node", "label"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(|n| n.as_str()))?;
        let mut rest = obj.clone();
        rest.remove("node");
        rest.remove("label");
        // A one-field entry (`{"node": "5nm", "scale": {...}}`) is named by the field too.
        let value = if rest.len() == 1 {
            let (k, v) = rest.into_iter().next().expect("one field");
            serde_json::json!({ k: v })
        } else {
            serde_json::Value::Object(rest)
        };
        map.insert(name.to_string(), value);
    }
    Some(map)
}

fn walk_settings(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    if a == b {
        return;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    let is_dist = |v: &Value| v.get("dist").is_some();
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if !is_dist(a) && !is_dist(b) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let none = Value::Null;
                walk_settings(
                    &join(k),
                    x.get(k).unwrap_or(&none),
                    y.get(k).unwrap_or(&none),
                    out,
                );
            }
        }
        (Value::Array(_), Value::Array(_)) => match (named_entries(a), named_entries(b)) {
            (Some(x), Some(y)) => {
                walk_settings(path, &Value::Object(x), &Value::Object(y), out);
            }
            _ => out.push(format!("{path} {a} -> {b}")),
        },
        _ => {
            let shown = |v: &Value| {
                if v.is_null() {
                    "(none)".to_string()
                } else {
                    v.to_string()
                }
            };
            out.push(format!("{path} {} -> {}", shown(a), shown(b)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(label: &str, quantiles: &str, ids: &[&str]) -> Snapshot {
        let mut s = Snapshot::from_bytes(label, quantiles.as_bytes(), None, None).unwrap();
        s.used_ids = ids.iter().map(|s| s.to_string()).collect();
        s
    }

    const HEAD: &str =
        "method,node,precision,basis,unit,n_observations,samples,mean,sd,q0.05,q0.5,q0.95,status\n";

    #[test]
    fn relative_changes_threshold_and_one_sided_rows() {
        let old = snapshot(
            "old",
            &format!(
                "{HEAD}bound,4nm,bf16,observed,pJ/MAC,1,1,1,1,0.10,1.00,2.00,ok\n\
                 bound,7nm,bf16,observed,pJ/MAC,1,1,1,1,0.10,1.00,2.00,ok\n\
                 bound,12nm,fp16,observed,pJ/MAC,1,1,1,1,0.10,1.00,2.00,ok\n"
            ),
            &["a", "b"],
        );
        let new = snapshot(
            "new",
            &format!(
                "{HEAD}bound,4nm,bf16,observed,pJ/MAC,2,1,1,1,0.10,1.04,1.80,ok\n\
                 bound,7nm,bf16,observed,pJ/MAC,1,1,1,1,0.101,1.01,2.02,ok\n\
                 bound,3nm,bf16,scaled,pJ/MAC,1,1,1,1,0.10,1.00,2.00,ok\n"
            ),
            &["a", "c"],
        );
        let d = compare(&old, &new, 0.05);
        assert_eq!(d.columns.note, None);
        assert_eq!(d.rows.len(), 4);
        let c = d.rows[0].change;
        assert_eq!(c.low, Some(0.0));
        assert!((c.centre.unwrap() - 0.04).abs() < 1e-12);
        assert!((c.high.unwrap() + 0.10).abs() < 1e-12);
        assert!(d.rows[0].marked, "q0.95 fell 10 %");
        assert!(!d.rows[1].marked, "1 % is under the threshold");
        assert!(d.rows[2].marked && d.rows[2].old.is_none(), "new row");
        assert!(d.rows[3].marked && d.rows[3].new.is_none(), "removed row");
        assert_eq!(d.rows[3].node, "12nm");
        assert_eq!(d.observations.added[0].id, "c");
        assert_eq!(d.observations.removed[0].id, "b");
        // A higher threshold leaves the 10 % move unmarked.
        assert!(!compare(&old, &new, 0.2).rows[0].marked);
    }

    #[test]
    fn without_the_90_percent_columns_the_choice_is_said() {
        let q = "method,node,precision,basis,unit,n_observations,samples,mean,sd,q0.025,q0.25,q0.975,status\n\
                 bound,4nm,bf16,observed,pJ/MAC,1,1,1.5,1,0.1,1.0,2.0,ok\n";
        let s = snapshot("x", q, &[]);
        let d = compare(&s, &s, 0.05);
        assert_eq!(d.columns.low.as_deref(), Some("q0.025"));
        assert_eq!(d.columns.high.as_deref(), Some("q0.975"));
        assert_eq!(d.columns.centre, "mean");
        assert_eq!(
            d.columns.note.as_deref(),
            Some("the tables do not both have q0.05, q0.5 and q0.95: the interval compared is q0.025–q0.975, and the centre is mean")
        );
        assert_eq!(d.rows[0].new.as_ref().unwrap().centre, Some(1.5));
    }

    #[test]
    fn changed_settings_are_named_with_both_values() {
        let mut old = snapshot("old", HEAD, &[]);
        let mut new = old.clone();
        let settings = |seed: u64, k: f64| {
            serde_json::json!({"seed": seed, "flops_per_mac": k, "name": "default"})
                .as_object()
                .cloned()
        };
        old.settings = settings(7, 2.0);
        new.settings = settings(8, 1.0);
        assert_eq!(
            compare(&old, &new, 0.05).settings_changed,
            vec!["flops_per_mac 2.0 -> 1.0", "seed 7 -> 8"]
        );
    }

    #[test]
    fn a_changed_setting_is_shown_key_by_key() {
        let mut old = snapshot("old", HEAD, &[]);
        let mut new = old.clone();
        let settings = |nodes: serde_json::Value| {
            serde_json::json!({
                "nodes": nodes,
                "prior": {"dist": "log_uniform", "low": 0.01, "high": 100.0},
                "methods": ["frontier", "bound"],
            })
            .as_object()
            .cloned()
        };
        let node = |n: &str, mu: f64| serde_json::json!({"node": n, "scale": {"dist": "lognormal", "mu": mu, "sigma": 0.1}});
        old.settings = settings(serde_json::json!([node("5nm", 0.09), node("7nm", 0.33)]));
        new.settings = settings(serde_json::json!([
            node("5nm", 0.1),
            node("7nm", 0.33),
            node("9nm", 0.5)
        ]));
        assert_eq!(
            compare(&old, &new, 0.05).settings_changed,
            vec![
                r#"nodes.5nm.scale {"dist":"lognormal","mu":0.09,"sigma":0.1} -> {"dist":"lognormal","mu":0.1,"sigma":0.1}"#,
                r#"nodes.9nm (none) -> {"scale":{"dist":"lognormal","mu":0.5,"sigma":0.1}}"#,
            ]
        );
    }

    #[test]
    fn a_status_change_is_marked() {
        let old = snapshot(
            "old",
            &format!("{HEAD}efficiency,4nm,bf16,observed,pJ/MAC,1,1,1,1,0.1,1.0,2.0,ok\n"),
            &[],
        );
        let new = snapshot(
            "new",
            &format!("{HEAD}efficiency,4nm,bf16,observed,pJ/MAC,2,1,,,,,,contradictory: x\n"),
            &[],
        );
        let d = compare(&old, &new, 0.05);
        assert!(d.rows[0].marked);
        assert_eq!(d.rows[0].change.largest(), None);
        // Contradictory on both sides, with a different message: not news.
        let newer = snapshot(
            "newer",
            &format!("{HEAD}efficiency,4nm,bf16,observed,pJ/MAC,3,1,,,,,,contradictory: y\n"),
            &[],
        );
        assert!(!compare(&new, &newer, 0.05).rows[0].marked);
    }
}
