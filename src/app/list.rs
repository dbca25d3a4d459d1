//! `mfucal list accelerators|nodes|observations`: the ids the other commands accept, from the
//! config's datasets, as an aligned table or CSV.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Error, Result};

use crate::config::{self, plan::node_order, Overrides};
use crate::data::Dataset;

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// `list accelerators`: the accelerators file's rows.
    Accelerators,
    /// `list nodes`: every node of the config's `[nodes]` and the accelerators file.
    Nodes,
    /// `list observations`: the observations file's rows.
    Observations,
}

/// The listing: a header and rows of cells, printed by [`render`].
pub fn list(config_path: &Path, what: What) -> Result<(Vec<&'static str>, Vec<Vec<String>>)> {
    let plan = config::load(config_path, &Overrides::default())?;
    let dataset = Dataset::load(&plan)?;
    let count_obs = |keep: &dyn Fn(&crate::data::Observation) -> bool| {
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        for o in dataset.observations.iter().filter(|o| keep(o)) {
            *per.entry(o.precision.name()).or_default() += 1;
        }
        let parts: Vec<String> = per.iter().map(|(p, n)| format!("{p} {n}")).collect();
        parts.join(" ")
    };
    Ok(match what {
        What::Accelerators => {
            // One line per accelerator, its precisions together: the ids are what is looked up.
            let mut seen = BTreeSet::new();
            let rows = dataset
                .accelerators
                .iter()
                .filter(|a| seen.insert(a.accelerator.as_str()))
                .map(|a| {
                    let precisions: Vec<&str> = dataset
                        .accelerators
                        .iter()
                        .filter(|b| b.accelerator == a.accelerator)
                        .map(|b| b.precision.name())
                        .collect();
                    vec![
                        a.accelerator.clone(),
                        a.vendor.clone(),
                        a.node.clone(),
                        a.year.to_string(),
                        a.tdp_w.to_string(),
                        precisions.join(" "),
                        count_obs(&|o| o.accelerator == a.accelerator),
                    ]
                })
                .collect();
            (
                vec![
                    "accelerator",
                    "vendor",
                    "node",
                    "year",
                    "tdp_w",
                    "precisions",
                    "observations",
                ],
                rows,
            )
        }
        What::Nodes => {
            let mut nodes: Vec<&str> = plan
                .nodes
                .iter()
                .map(|n| n.node.as_str())
                .chain(dataset.accelerators.iter().map(|a| a.node.as_str()))
                .collect();
            nodes.sort_by(|a, b| node_order(a, b));
            nodes.dedup();
            let rows = nodes
                .into_iter()
                .map(|node| {
                    let accelerators: BTreeSet<&str> = dataset
                        .accelerators
                        .iter()
                        .filter(|a| a.node == node)
                        .map(|a| a.accelerator.as_str())
                        .collect();
                    let in_config = plan.nodes.iter().any(|n| n.node == node);
                    vec![
                        node.to_string(),
                        if node == plan.reference_node {
                            "reference".into()
                        } else if in_config {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                        accelerators.len().to_string(),
                        count_obs(&|o| o.node == node),
                    ]
                })
                .collect();
            (
                vec!["node", "in_config", "accelerators", "observations"],
                rows,
            )
        }
        What::Observations => {
            let rows = dataset
                .observations
                .iter()
                .map(|o| {
                    vec![
                        o.id.clone(),
                        o.accelerator.clone(),
                        o.node.clone(),
                        o.precision.name().into(),
                        o.mfu_low.to_string(),
                        o.mfu_high.to_string(),
                        o.source.clone(),
                    ]
                })
                .collect();
            (
                vec![
                    "id",
                    "accelerator",
                    "node",
                    "precision",
                    "mfu_low",
                    "mfu_high",
                    "source",
                ],
                rows,
            )
        }
    })
}

/// An aligned table (left-aligned columns two spaces apart), or CSV when `csv`.
pub fn render(header: &[&str], rows: &[Vec<String>], csv: bool) -> Result<Vec<u8>> {
    render_cut(header, rows, csv, MAX_CELL)
}

/// [`render`] with cells of the table cut at `max_cell` characters.
pub fn render_cut(
    header: &[&str],
    rows: &[Vec<String>],
    csv: bool,
    max_cell: usize,
) -> Result<Vec<u8>> {
    if csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header)?;
        for r in rows {
            w.write_record(r)?;
        }
        return w
            .into_inner()
            .map_err(|e| Error::Other(e.to_string().into()));
    }
    // Sources run to 200 characters: the table cuts cells to stay on a screen; CSV keeps all.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c, max_cell)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut s = line(header.to_vec());
    for r in &rows {
        s.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    Ok(s.into_bytes())
}

/// Widest cell of the table, characters.
const MAX_CELL: usize = 40;

fn cut(cell: &str, max: usize) -> String {
    if cell.chars().count() <= max {
        cell.to_string()
    } else {
        cell.chars().take(max - 1).collect::<String>() + "…"
    }
}
