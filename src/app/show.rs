//! `mfucal show`: a results folder's quotable figures without re-running, read from its CSVs:
//! per node and precision the headline method's median and 90 % interval, the ceiling, the
//! tightest observation and the flags of `summary.md`; with `--accelerator`, its own rows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};

use super::list;
use crate::export::summary::sig4;
use crate::export::Format;
use crate::schema::{columns, files};
use crate::stats::prior_sensitivity::PRIOR_DOMINATED_CHANGE;
use crate::suggest::did_you_mean;

type Row = HashMap<String, String>;

/// What to show and how.
pub struct ShowOptions {
    /// The results folder to read.
    pub dir: PathBuf,
    /// `--node`: only rows of this node.
    pub node: Option<String>,
    /// `--accelerator`: only this accelerator's rows.
    pub accelerator: Option<String>,
    /// `--precision`: only rows of this precision.
    pub precision: Option<String>,
    /// `None`: the terminal table.
    pub format: Option<Format>,
}

fn read(dir: &Path, name: &str) -> Result<Vec<Row>> {
    let path = dir.join(name);
    let mut r = csv::Reader::from_path(&path).with_context(|| {
        format!(
            "cannot read {}; is it a results folder (`mfucal run` writes one)?",
            path.display()
        )
    })?;
    let headers = r.headers()?.clone();
    r.records()
        .map(|rec| {
            let rec = rec.with_context(|| format!("{} is damaged", path.display()))?;
            Ok(headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect())
        })
        .collect()
}

fn get<'a>(r: &'a Row, k: &str) -> &'a str {
    r.get(k).map_or("", String::as_str)
}

/// The answer columns, in the order printed.
const COLUMNS: [&str; 12] = [
    "node",
    "precision",
    "basis",
    "n",
    "method",
    "median",
    "q0.05",
    "q0.95",
    "ceiling",
    "tightest_observation",
    "tightest_bound",
    "flags",
];

/// The interval every screen shows unless asked for another: 90 % (q0.05-q0.95).
pub const DEFAULT_INTERVAL: f64 = 0.9;

/// The column labels of a central interval of probability `level`: `q0.05` and `q0.95` for
/// 0.9, as `quantiles.csv` names them.
pub fn interval_labels(level: f64) -> Result<(String, String)> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::Argument(format!(
            "interval {level}: give a probability between 0 and 1, e.g. 0.9 or 0.95"
        )));
    }
    // Rounded to 1e-9 so that 0.9 gives q0.05, not q0.04999999999999999.
    let label = |p: f64| format!("q{}", (p * 1e9).round() / 1e9);
    Ok((label((1.0 - level) / 2.0), label((1.0 + level) / 2.0)))
}

/// [`show_interval`] with the 90 % interval.
pub fn show(o: &ShowOptions) -> Result<Vec<u8>> {
    show_interval(o, DEFAULT_INTERVAL)
}

/// The stored answer with the central interval of probability `level`, read from the
/// matching columns of the folder's tables (an error names the levels they have).
pub fn show_interval(o: &ShowOptions, level: f64) -> Result<Vec<u8>> {
    let (lo, hi) = interval_labels(level)?;
    let quantiles = read(&o.dir, files::QUANTILES)?;
    if let Some(first) = quantiles.first() {
        if !(first.contains_key(&lo) && first.contains_key(&hi)) {
            let mut have: Vec<&String> = first
                .keys()
                .filter(|k| k.starts_with('q') && k[1..].parse::<f64>().is_ok())
                .collect();
            have.sort_by(|a, b| {
                a[1..]
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    .total_cmp(&b[1..].parse::<f64>().unwrap_or(0.0))
            });
            return Err(Error::Argument(format!(
                "{}: no {lo} and {hi} columns for the {} % interval; it has {} (set [sampling] quantiles in the config and run again)",
                o.dir.join(files::QUANTILES).display(),
                level * 100.0,
                have.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let observations = read(&o.dir, files::OBSERVATIONS)?;
    let accelerators = read(&o.dir, files::ACCELERATORS)?;
    // Older folders have no sensitivity.csv: then no prior flag.
    let sensitivity = read(&o.dir, files::SENSITIVITY).unwrap_or_default();
    let method = if quantiles
        .iter()
        .any(|r| get(r, columns::METHOD) == "frontier")
    {
        "frontier".to_string()
    } else {
        quantiles
            .first()
            .map(|r| get(r, columns::METHOD).to_string())
            .unwrap_or_default()
    };
    // --accelerator selects its node and precisions.
    let mut acc_rows: Vec<&Row> = Vec::new();
    if let Some(id) = &o.accelerator {
        acc_rows = accelerators
            .iter()
            .filter(|r| get(r, columns::ACCELERATOR) == id && get(r, columns::METHOD) == method)
            .collect();
        if acc_rows.is_empty() {
            return Err(Error::Argument(format!(
                "unknown accelerator '{id}' in {}{}",
                o.dir.join(files::ACCELERATORS).display(),
                did_you_mean(
                    id,
                    accelerators.iter().map(|r| get(r, columns::ACCELERATOR))
                )
            )));
        }
    }
    for (flag, value, column) in [
        ("--node", &o.node, "node"),
        ("--precision", &o.precision, "precision"),
    ] {
        if let Some(v) = value {
            if !quantiles.iter().any(|r| get(r, column) == v) {
                return Err(Error::Argument(format!(
                    "{flag} {v}: not in {}{}",
                    o.dir.join(files::QUANTILES).display(),
                    did_you_mean(v, quantiles.iter().map(|r| get(r, column)))
                )));
            }
        }
    }
    let find = |m: &str, node: &str, p: &str, basis: &str| {
        quantiles.iter().find(|r| {
            get(r, columns::METHOD) == m
                && get(r, columns::NODE) == node
                && get(r, columns::PRECISION) == p
                && get(r, columns::BASIS) == basis
        })
    };
    let moved_by_prior = |node: &str, p: &str, basis: &str| {
        sensitivity.iter().any(|s| {
            get(s, columns::ANALYSIS) == "prior"
                && get(s, columns::METHOD) == method
                && get(s, columns::NODE) == node
                && get(s, columns::PRECISION) == p
                && get(s, columns::BASIS) == basis
                && matches!(get(s, columns::OUTPUT), "q0.05" | "q0.95")
                && get(s, columns::RELATIVE_CHANGE)
                    .parse::<f64>()
                    .is_ok_and(|c| c.abs() > PRIOR_DOMINATED_CHANGE)
        })
    };
    let mut answers: Vec<Vec<String>> = Vec::new();
    for r in quantiles
        .iter()
        .filter(|r| get(r, columns::METHOD) == method && get(r, columns::BASIS) != "pooled")
    {
        let (node, p, basis) = (
            get(r, columns::NODE),
            get(r, columns::PRECISION),
            get(r, columns::BASIS),
        );
        let keep = o.node.as_ref().is_none_or(|n| n == node)
            && o.precision.as_ref().is_none_or(|q| q == p)
            && (o.accelerator.is_none()
                || acc_rows
                    .iter()
                    .any(|a| get(a, columns::NODE) == node && get(a, columns::PRECISION) == p));
        if !keep {
            continue;
        }
        let mut flags = Vec::new();
        let mut source = (
            node.to_string(),
            basis.to_string(),
            get(r, columns::N_OBSERVATIONS).to_string(),
        );
        if basis == "scaled" {
            if let Some(pooled) = quantiles.iter().find(|q| {
                get(q, columns::METHOD) == method
                    && get(q, columns::PRECISION) == p
                    && get(q, columns::BASIS) == "pooled"
            }) {
                let n = get(pooled, columns::N_OBSERVATIONS);
                flags.push(format!(
                    "extrapolated from pooled {} {p} ({n} obs)",
                    get(pooled, columns::NODE)
                ));
                source = (get(pooled, columns::NODE).into(), "pooled".into(), n.into());
            }
        }
        if source.2 == "1" {
            flags.push("rests on one observation".into());
        }
        if !get(r, columns::STATUS).starts_with("ok") {
            flags.push("contradictory (see quantiles.csv)".into());
        }
        if moved_by_prior(&source.0, p, &source.1) {
            flags.push("moved by the prior (sensitivity.csv)".into());
        }
        let tightest = (basis != "scaled")
            .then(|| {
                observations
                    .iter()
                    .filter(|x| get(x, columns::NODE) == node && get(x, columns::PRECISION) == p)
                    .filter_map(|x| {
                        get(x, "q0.5")
                            .parse::<f64>()
                            .ok()
                            .map(|b| (get(x, columns::ID), b))
                    })
                    .min_by(|a, b| a.1.total_cmp(&b.1))
            })
            .flatten();
        let ceiling = find("bound", node, p, basis).map_or("", |b| get(b, "q0.95"));
        answers.push(vec![
            node.into(),
            p.into(),
            basis.into(),
            if basis == "scaled" {
                "0".into()
            } else {
                get(r, columns::N_OBSERVATIONS).into()
            },
            method.clone(),
            get(r, "q0.5").into(),
            get(r, &lo).into(),
            get(r, &hi).into(),
            ceiling.into(),
            tightest.map_or(String::new(), |t| t.0.to_string()),
            tightest.map_or(String::new(), |t| t.1.to_string()),
            flags.join("; "),
        ]);
    }
    let acc_columns = [
        "accelerator",
        "precision",
        "quantity",
        "unit",
        "median",
        lo.as_str(),
        hi.as_str(),
    ];
    let acc_table: Vec<Vec<String>> = acc_rows
        .iter()
        .filter(|a| {
            o.precision
                .as_ref()
                .is_none_or(|q| q == get(a, columns::PRECISION))
        })
        .map(|a| {
            [
                "accelerator",
                "precision",
                "quantity",
                "unit",
                "q0.5",
                lo.as_str(),
                hi.as_str(),
            ]
            .iter()
            .map(|c| get(a, c).to_string())
            .collect()
        })
        .collect();
    let mut columns = COLUMNS;
    (columns[6], columns[7]) = (lo.as_str(), hi.as_str());
    let interval = (level * 1e6).round() / 1e4;
    render(
        o.format,
        &method,
        (&columns, &answers),
        &acc_columns,
        &acc_table,
        interval,
    )
}

/// Numbers to 4 significant digits for people; CSV and JSON keep the files' digits.
fn readable(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    c.parse::<f64>().map_or(c.clone(), |x| {
                        if c.contains('.') || c.contains('e') {
                            sig4(x)
                        } else {
                            c.clone()
                        }
                    })
                })
                .map(|c| if c.is_empty() { "-".into() } else { c })
                .collect()
        })
        .collect()
}

fn render(
    format: Option<Format>,
    method: &str,
    (columns, answers): (&[&str], &[Vec<String>]),
    acc_columns: &[&str],
    acc: &[Vec<String>],
    interval_percent: f64,
) -> Result<Vec<u8>> {
    Ok(match format {
        None => {
            // Flags are the point of the table: never cut.
            let mut out = list::render_cut(columns, &readable(answers), false, usize::MAX)?;
            if !acc.is_empty() {
                out.push(b'\n');
                out.extend(list::render(acc_columns, &readable(acc), false)?);
            }
            let note = format!(
                "quote the {method} median and its {interval_percent} % interval (pJ/MAC); ceiling: bound q0.95\n"
            );
            out.extend(note.into_bytes());
            out
        }
        Some(Format::Csv) => list::render(columns, answers, true)?,
        Some(Format::Markdown) => {
            let mut s = String::new();
            for (columns, rows) in [(columns, answers), (acc_columns, acc)] {
                if rows.is_empty() {
                    continue;
                }
                let _ = writeln!(s, "| {} |", columns.join(" | "));
                let _ = writeln!(s, "|{}", "---|".repeat(columns.len()));
                for r in readable(rows) {
                    let _ = writeln!(s, "| {} |", r.join(" | "));
                }
                s.push('\n');
            }
            s.into_bytes()
        }
        Some(Format::Json) => {
            let objects = |columns: &[&str], rows: &[Vec<String>]| -> Vec<serde_json::Value> {
                rows.iter()
                    .map(|r| {
                        let map: serde_json::Map<String, serde_json::Value> = columns
                            .iter()
                            .zip(r)
                            .map(|(c, v)| {
                                let value = match (v.parse::<u64>(), v.parse::<f64>()) {
                                    (Ok(n), _) => serde_json::json!(n),
                                    (_, Ok(x)) => serde_json::json!(x),
                                    _ if v.is_empty() => serde_json::Value::Null,
                                    _ => serde_json::json!(v),
                                };
                                (c.to_string(), value)
                            })
                            .collect();
                        serde_json::Value::Object(map)
                    })
                    .collect()
            };
            let value = serde_json::json!({
                "method": method,
                "unit": "pJ/MAC",
                "answers": objects(columns, answers),
                "accelerator": objects(acc_columns, acc),
            });
            let mut bytes = serde_json::to_vec_pretty(&value)?;
            bytes.push(b'\n');
            bytes
        }
    })
}

#[cfg(test)]
mod tests {
    use super::interval_labels;

    #[test]
    fn interval_levels_name_the_csv_columns() {
        let labels = |l: f64| interval_labels(l).unwrap();
        assert_eq!(labels(0.9), ("q0.05".into(), "q0.95".into()));
        assert_eq!(labels(0.95), ("q0.025".into(), "q0.975".into()));
        assert_eq!(labels(0.5), ("q0.25".into(), "q0.75".into()));
        assert!(interval_labels(1.0).is_err());
        assert!(interval_labels(0.0).is_err());
        assert!(interval_labels(f64::NAN).is_err());
    }
}
