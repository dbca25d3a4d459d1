//! `mfucal import-epoch ml_hardware.csv [--out datasets/accelerators.csv] [--write]
//! [--replace]`: add accelerators from Epoch AI's hardware CSV to our accelerators dataset.
//!
//! Without `--write` it is a preview: it reports what it would add, replace and hold back,
//! and writes nothing. New rows that look like a chip the dataset already has are held back
//! even with `--write` (`suspicions`): the same TDP and peak as another accelerator, a
//! similar name ([`similar_ids`]), or a node that disagrees with the chip's existing rows.
//! Tie such a row to the existing one by putting Epoch's name in that row's `epoch_name`
//! column, or add it by hand.
//!
//! Rows are matched to the dataset by `(accelerator, precision)`; the accelerator id is the
//! one of an existing row whose `epoch_name` column holds Epoch's hardware name, else the id
//! derived from the name ([`epoch::accelerator_id`]). A matching row that agrees is left
//! alone; one that disagrees (node, TDP, power basis or peak) is reported and kept unless
//! `--replace`, which rewrites that row whole from Epoch. Every other byte of the file is
//! kept as it was: new rows are appended, replaced rows are rewritten in place.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};

use super::run::Interrupted;
use crate::data::epoch::{self, ImportedRow};
use crate::data::PowerBasis;
use crate::output::{self, folder};
use crate::stop::Stop;

/// Columns of a dataset file the import creates.
pub const NEW_FILE_COLUMNS: [&str; 12] = [
    "accelerator",
    "vendor",
    "node",
    "year",
    "tdp_w",
    "precision",
    "dense_peak_tflops",
    "source",
    "foundry_process",
    "power_basis",
    "notes",
    "epoch_name",
];

/// Whether an import writes, and whether it rewrites rows that disagree with Epoch.
pub trait WriteChoice {
    /// Write the file (else only preview).
    fn write(&self) -> bool;
    /// Rewrite existing rows that disagree with Epoch.
    fn replace(&self) -> bool;
}

/// `replace` alone: an import that writes, rewriting disagreeing rows when `true`.
impl WriteChoice for bool {
    fn write(&self) -> bool {
        true
    }
    fn replace(&self) -> bool {
        *self
    }
}

/// What `import-epoch` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions<W = bool> {
    /// Epoch's `ml_hardware.csv`.
    pub epoch_csv: PathBuf,
    /// Our accelerators dataset; created when missing.
    pub out: PathBuf,
    /// Write, and rewrite existing rows that disagree with Epoch ([`WriteChoice`]).
    pub replace: W,
    /// Set by Ctrl-C / SIGTERM: the import stops with nothing written.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// An existing dataset row, as far as matching needs it.
struct Existing {
    accelerator: String,
    precision: String,
    node: String,
    tdp_w: Option<f64>,
    peak: Option<f64>,
    power_basis: String,
    epoch_name: String,
    line: u64,
    bytes: std::ops::Range<usize>,
}

/// The dataset file as it is: header, rows with their byte ranges.
struct Dataset {
    bytes: Vec<u8>,
    header: Vec<String>,
    rows: Vec<Existing>,
}

fn read_dataset(path: &Path) -> Result<Option<Dataset>> {
    let bytes = match crate::input::read_input(path) {
        Ok(b) => b,
        Err(crate::input::InputError::Missing(_)) => return Ok(None),
        Err(e) => return Err(Error::Refused(format!("{} {e}", path.display()))),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&bytes[..]);
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("cannot read the header of {}", path.display()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut rows: Vec<Existing> = Vec::new();
    for record in reader.records() {
        let r = record.with_context(|| format!("{} is not valid CSV", path.display()))?;
        let pos = r.position().expect("records have positions");
        if let Some(prev) = rows.last_mut() {
            prev.bytes.end = pos.byte() as usize;
        }
        let field = |name: &str| {
            col(name)
                .and_then(|i| r.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        rows.push(Existing {
            accelerator: field("accelerator"),
            precision: field("precision").to_ascii_lowercase(),
            node: field("node"),
            tdp_w: field("tdp_w").parse().ok(),
            peak: field("dense_peak_tflops").parse().ok(),
            power_basis: field("power_basis"),
            epoch_name: field("epoch_name"),
            line: pos.line(),
            bytes: pos.byte() as usize..bytes.len(),
        });
    }
    Ok(Some(Dataset {
        bytes,
        header,
        rows,
    }))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// What differs between an existing row and Epoch's, as `column: here X, Epoch Y`.
fn differences(e: &Existing, r: &ImportedRow) -> Vec<String> {
    let mut out = Vec::new();
    if e.node != r.node {
        out.push(format!("node {} here, {} in Epoch", e.node, r.node));
    }
    match e.tdp_w {
        Some(t) if close(t, r.tdp_w) => {}
        _ => out.push(format!(
            "tdp_w {} here, {} in Epoch",
            e.tdp_w.map_or("(none)".into(), |t| t.to_string()),
            r.tdp_w
        )),
    }
    let basis = PowerBasis::parse(&e.power_basis).ok();
    if basis != Some(r.power_basis) {
        out.push(format!(
            "power_basis {} here, {} for Epoch's figure",
            if e.power_basis.is_empty() {
                "board_tdp"
            } else {
                &e.power_basis
            },
            r.power_basis.name()
        ));
    }
    match e.peak {
        Some(p) if close(p, r.dense_peak_tflops) => {}
        _ => out.push(format!(
            "dense_peak_tflops {} here, {} in Epoch",
            e.peak.map_or("(none)".into(), |p| p.to_string()),
            r.dense_peak_tflops
        )),
    }
    out
}

/// One CSV record of `row` in the column order of `header`; unknown columns are left empty.
fn record(header: &[String], row: &ImportedRow) -> Vec<u8> {
    let value = |column: &str| -> String {
        match column {
            "accelerator" => row.accelerator.clone(),
            "vendor" => row.vendor.clone(),
            "node" => row.node.clone(),
            "year" => row.year.to_string(),
            "tdp_w" => row.tdp_w.to_string(),
            "precision" => row.precision.name().to_string(),
            "dense_peak_tflops" => row.dense_peak_tflops.to_string(),
            "source" => row.source.clone(),
            "foundry_process" => row.foundry_process.clone(),
            "power_basis" => row.power_basis.name().to_string(),
            "notes" => row.notes.clone(),
            "epoch_name" => row.epoch_name.clone(),
            _ => String::new(),
        }
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header.iter().map(|c| value(c)))
        .expect("in memory");
    w.flush().expect("in memory");
    w.into_inner().expect("in memory")
}

/// Lower-case id tokens that do not tell chips apart: makers' and product-line names, and
/// memory sizes (`80gb`).
fn core_id(id: &str) -> String {
    const NOISE: [&str; 7] = [
        "nvidia", "tesla", "amd", "instinct", "google", "intel", "cloud",
    ];
    id.split('-')
        .filter(|t| !NOISE.contains(t))
        .filter(|t| {
            !(t.ends_with("gb")
                && t.len() > 2
                && t[..t.len() - 2].bytes().all(|b| b.is_ascii_digit()))
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Two ids that name the same chip in different words: equal once maker names and memory
/// sizes are dropped, or one the other plus a suffix within the same first word
/// (`tesla-v100-sxm2` and `v100-sxm2`; `h100-sxm5-80gb` and `h100-sxm`).
pub fn similar_ids(a: &str, b: &str) -> bool {
    let (a, b) = (core_id(a), core_id(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let first = |s: &str| s.split('-').next().unwrap_or("").to_string();
    a == b || (first(&a) == first(&b) && (a.starts_with(&b) || b.starts_with(&a)))
}

/// Why a new row may be a chip the dataset already has, or contradict it: each reason names
/// the existing row and its line. Empty when the row is new and consistent.
fn suspicions(r: &ImportedRow, rows: &[Existing], out_name: &str) -> Vec<String> {
    let mut why = Vec::new();
    // The same chip's other precisions, under the same id.
    if let Some(e) = rows
        .iter()
        .find(|e| e.accelerator == r.accelerator && e.node != r.node)
    {
        why.push(format!(
            "node {} disagrees with {} {} at {} ({out_name}:{})",
            r.node, e.accelerator, e.precision, e.node, e.line
        ));
    }
    let mut named: Vec<&str> = Vec::new();
    for e in rows.iter().filter(|e| e.accelerator != r.accelerator) {
        if named.contains(&e.accelerator.as_str()) {
            continue;
        }
        let same_figures = e.precision == r.precision.name()
            && e.tdp_w.is_some_and(|t| close(t, r.tdp_w))
            && e.peak.is_some_and(|p| close(p, r.dense_peak_tflops));
        let similar = similar_ids(&e.accelerator, &r.accelerator);
        if !(same_figures || similar) {
            continue;
        }
        named.push(&e.accelerator);
        let mut reason = format!(
            "may duplicate {} ({out_name}:{}): {}",
            e.accelerator,
            e.line,
            match (similar, same_figures) {
                (true, true) => "similar name, same TDP and peak",
                (true, false) => "similar name",
                _ => "same TDP and peak",
            }
        );
        if e.node != r.node {
            let _ = write!(reason, "; node {} there, {} in Epoch", e.node, r.node);
        }
        why.push(reason);
    }
    why
}

/// Reads Epoch's file, merges it into the dataset, writes it (atomically) when asked to and
/// anything is added or replaced, and reports every row's fate.
pub fn import_epoch<W: WriteChoice>(options: &ImportOptions<W>) -> Result<String> {
    let imported = epoch::read(&options.epoch_csv)?;
    // Held from reading the dataset to writing it, so two imports cannot lose each other's
    // rows; under it, temporary files of killed imports are removed.
    let stop = Stop::on(options.cancel.as_deref());
    let _lock = folder::lock(&options.out, true, stop).map_err(|e| match e.is_cancelled() {
        true => Interrupted {
            out_dir: options.out.clone(),
        }
        .into(),
        false => e,
    })?;
    output::remove_leftover_files(&options.out);
    let existing = read_dataset(&options.out)?;
    let out_name = options.out.display().to_string();
    let epoch_name = options.epoch_csv.display().to_string();

    let header: Vec<String> = existing.as_ref().map_or_else(
        || NEW_FILE_COLUMNS.map(String::from).to_vec(),
        |d| d.header.clone(),
    );
    let rows: &[Existing] = existing.as_ref().map_or(&[], |d| &d.rows);
    let mut added: Vec<&ImportedRow> = Vec::new();
    let mut held: Vec<(&ImportedRow, Vec<String>)> = Vec::new();
    let mut unchanged = 0;
    let mut disagree: Vec<String> = Vec::new();
    let mut replacements: Vec<(std::ops::Range<usize>, Vec<u8>)> = Vec::new();
    let mut remapped: Vec<ImportedRow> = Vec::new();
    for r in &imported.rows {
        let mut r = r.clone();
        if let Some(e) = rows.iter().find(|e| e.epoch_name == r.epoch_name) {
            r.accelerator = e.accelerator.clone();
        }
        remapped.push(r);
    }
    for r in &remapped {
        let matching = rows
            .iter()
            .find(|e| e.accelerator == r.accelerator && e.precision == r.precision.name());
        let Some(e) = matching else {
            let why = suspicions(r, rows, &out_name);
            if why.is_empty() {
                added.push(r);
            } else {
                held.push((r, why));
            }
            continue;
        };
        let diffs = differences(e, r);
        if diffs.is_empty() {
            unchanged += 1;
            continue;
        }
        let what = format!(
            "{} {} ({out_name}:{}; Epoch {epoch_name}:{}): {}",
            r.accelerator,
            r.precision.name(),
            e.line,
            r.line,
            diffs.join("; ")
        );
        disagree.push(what);
        if options.replace.replace() {
            replacements.push((e.bytes.clone(), record(&header, r)));
        }
    }

    let mut bytes = match &existing {
        Some(d) => d.bytes.clone(),
        None => record_of_header(&header),
    };
    replacements.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, new) in &replacements {
        let mut new = new.clone();
        if !bytes[range.clone()].ends_with(b"\n") {
            new.pop(); // the last row of a file without a final newline
        }
        bytes.splice(range.clone(), new);
    }
    if !added.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    for r in &added {
        bytes.extend(record(&header, r));
    }
    let changed = !added.is_empty() || !replacements.is_empty();
    if stop.requested() {
        return Err(Interrupted {
            out_dir: options.out.clone(),
        }
        .into());
    }
    let written = changed && options.replace.write();
    if written {
        output::write_file(&options.out, &bytes)?;
    }
    Ok(report(
        options, &imported, &added, &held, unchanged, &disagree, changed,
    ))
}

fn record_of_header(header: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header).expect("in memory");
    w.flush().expect("in memory");
    w.into_inner().expect("in memory")
}

fn report<W: WriteChoice>(
    options: &ImportOptions<W>,
    imported: &epoch::EpochImport,
    added: &[&ImportedRow],
    held: &[(&ImportedRow, Vec<String>)],
    unchanged: usize,
    disagree: &[String],
    changed: bool,
) -> String {
    let out = options.out.display();
    let write = options.replace.write();
    let replace = options.replace.replace();
    let mut s = String::new();
    if !write {
        let _ = writeln!(s, "preview: nothing is written without --write");
    }
    let _ = writeln!(
        s,
        "read {} hardware rows from {}: {} rows of our schema (dense peaks, one per precision)",
        imported.hardware_rows,
        options.epoch_csv.display(),
        imported.rows.len()
    );
    let mut ids: Vec<&str> = added.iter().map(|r| r.accelerator.as_str()).collect();
    ids.dedup();
    let _ = writeln!(
        s,
        "{} {} rows to {out}{}",
        if write { "added" } else { "would add" },
        added.len(),
        if ids.is_empty() {
            String::new()
        } else {
            format!(": {}", ids.join(", "))
        }
    );
    for r in added {
        let _ = writeln!(
            s,
            "  {} {} {} {} W, {} {}",
            r.accelerator,
            r.precision.name(),
            r.node,
            r.tdp_w,
            r.dense_peak_tflops,
            r.precision.throughput_unit()
        );
    }
    let _ = writeln!(s, "unchanged: {unchanged} rows already in {out} agree");
    if !held.is_empty() {
        let _ = writeln!(
            s,
            "held back: {} rows that may be a chip {out} already has, or contradict it; not written \
             (if it is the same chip, put Epoch's name in that row's epoch_name column; else add it by hand):",
            held.len()
        );
        for (r, why) in held {
            let _ = writeln!(
                s,
                "  {} {} {} (Epoch {}:{}): {}",
                r.accelerator,
                r.precision.name(),
                r.node,
                options.epoch_csv.display(),
                r.line,
                why.join("; ")
            );
        }
    }
    if !imported.left_out.is_empty() {
        let _ = writeln!(
            s,
            "left out {} precisions the chips do not have:",
            imported.left_out.len()
        );
        for k in &imported.left_out {
            let _ = writeln!(
                s,
                "  {}:{}: {}: {}",
                options.epoch_csv.display(),
                k.line,
                k.name,
                k.why
            );
        }
    }
    if !disagree.is_empty() {
        let verb = match (replace, write) {
            (true, true) => "replaced from Epoch",
            (true, false) => "would be replaced from Epoch",
            _ => "kept as they are (--replace overwrites them)",
        };
        let _ = writeln!(s, "disagree with Epoch: {} rows, {verb}:", disagree.len());
        for d in disagree {
            let _ = writeln!(s, "  {d}");
        }
    }
    if !imported.skipped.is_empty() {
        let _ = writeln!(s, "skipped {} hardware rows:", imported.skipped.len());
        for k in &imported.skipped {
            let _ = writeln!(
                s,
                "  {}:{}: {}: {}",
                options.epoch_csv.display(),
                k.line,
                k.name,
                k.why
            );
        }
    }
    if changed && write {
        let _ = writeln!(
            s,
            "wrote {out}; next: add any new node to the config's [nodes], then run `mfucal validate`"
        );
    } else if changed {
        let _ = writeln!(
            s,
            "nothing written; run again with --write to write these changes to {out}"
        );
    } else {
        let _ = writeln!(s, "nothing to write; {out} is unchanged");
    }
    s
}
