//! One side of a comparison: the files of a results folder, read from disk, from a git
//! revision (`git show REV:PATH/FILE`), or from the bytes a run is about to write.
//!
//! Only what a comparison needs is parsed: the rows of `quantiles.csv` (any quantile columns),
//! the observation rows of `observations.csv`, and from `manifest.json` the used and excluded
//! observation ids, the input checksums and the resolved settings. Older results without
//! `observations_used_ids` in the manifest fall back to the ids of `observations.csv`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::error::{Context, Error, IoContext, Result};

use crate::schema::{columns, files};

/// `(method, node, precision, basis)`: what identifies a row of `quantiles.csv`.
pub type RowKey = (String, String, String, String);

/// One row of `quantiles.csv`; numbers are `None` where the row is contradictory.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileRow {
    /// `(method, node, precision, basis)`.
    pub key: RowKey,
    /// The row's `n_observations`, if the table has the column.
    pub n_observations: Option<u64>,
    /// Posterior mean, pJ/MAC.
    pub mean: Option<f64>,
    /// By column label (`q0.5`).
    pub quantiles: BTreeMap<String, Option<f64>>,
    /// `ok`, or why the row is contradictory.
    pub status: String,
}

/// One row of `observations.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRow {
    /// The observation's id.
    pub id: String,
    /// Accelerator id.
    pub accelerator: String,
    /// The accelerator's node.
    pub node: String,
    /// Precision, as written.
    pub precision: String,
    /// Lower end of the MFU, as written (compared as text).
    pub mfu_low: String,
    /// Upper end of the MFU, as written (compared as text).
    pub mfu_high: String,
}

/// The parts of a results folder a comparison reads.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// How the user named it (`results/default`, `HEAD:results/default`).
    pub label: String,
    /// Quantile labels in column order, with their levels.
    pub levels: Vec<(String, f64)>,
    /// Rows of `quantiles.csv`, in file order.
    pub rows: Vec<QuantileRow>,
    /// Rows of `observations.csv`, in file order.
    pub observations: Vec<ObservationRow>,
    /// Ids used, from the manifest when it lists them, else from `observations.csv`.
    pub used_ids: Vec<String>,
    /// Whether `used_ids` came from the manifest.
    pub used_ids_from_manifest: bool,
    /// `(id, reason)` of observations left out.
    pub excluded: Vec<(String, String)>,
    /// `(path, sha256)` of the inputs.
    pub inputs: Vec<(String, String)>,
    /// The manifest's `resolved_config`: every setting of the run, by key.
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Snapshot {
    /// Reads a side as the user wrote it: an existing folder, else `REV:PATH` through git.
    pub fn read(spec: &str) -> Result<Snapshot> {
        let path = Path::new(spec);
        if path.is_dir() {
            return Snapshot::read_folder(path, spec);
        }
        match spec.split_once(':') {
            Some((rev, folder)) if !rev.is_empty() => Snapshot::read_git(rev, folder, spec),
            _ => Err(Error::Argument(format!(
                "{spec} is not a results folder; give a folder (results/default) or a git revision and folder (HEAD:results/default)"
            ))),
        }
    }

    /// A results folder on disk; `manifest.json` and `observations.csv` may be missing.
    pub fn read_folder(dir: &Path, label: &str) -> Result<Snapshot> {
        let read = |name: &str| -> Result<Option<Vec<u8>>> {
            let path = dir.join(name);
            match std::fs::read(&path) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).io_context(&path, || format!("cannot read {}", path.display())),
            }
        };
        let quantiles = read(files::QUANTILES)?.ok_or_else(|| {
            Error::Results(format!(
                "{} has no quantiles.csv; is it a results folder of mfucal run?",
                dir.display()
            ))
        })?;
        Snapshot::from_bytes(
            label,
            &quantiles,
            read(files::OBSERVATIONS)?.as_deref(),
            read(files::MANIFEST)?.as_deref(),
        )
    }

    /// A results folder at a git revision, read with `git show` in the current folder.
    fn read_git(rev: &str, folder: &str, label: &str) -> Result<Snapshot> {
        let folder = folder.trim_end_matches('/');
        let show = |name: &str, required: bool| -> Result<Option<Vec<u8>>> {
            let object = format!("{rev}:{folder}/{name}");
            let out = Command::new("git")
                .args(["show", &object])
                .output()
                .map_err(|e| Error::Git {
                    message: "cannot run git; is it installed?".into(),
                    source: Some(e),
                })?;
            if out.status.success() {
                Ok(Some(out.stdout))
            } else if required {
                Err(Error::Git {
                    message: format!(
                        "git show {object} failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                    source: None,
                })
            } else {
                Ok(None)
            }
        };
        let quantiles = show(files::QUANTILES, true)?.expect("required");
        Snapshot::from_bytes(
            label,
            &quantiles,
            show(files::OBSERVATIONS, false)?.as_deref(),
            show(files::MANIFEST, false)?.as_deref(),
        )
    }

    /// Parses the three files' bytes.
    pub fn from_bytes(
        label: &str,
        quantiles_csv: &[u8],
        observations_csv: Option<&[u8]>,
        manifest_json: Option<&[u8]>,
    ) -> Result<Snapshot> {
        let (levels, rows) = parse_quantiles(quantiles_csv)
            .with_context(|| format!("cannot read quantiles.csv of {label}"))?;
        let observations = match observations_csv {
            Some(b) => parse_observations(b)
                .with_context(|| format!("cannot read observations.csv of {label}"))?,
            None => Vec::new(),
        };
        let mut snapshot = Snapshot {
            label: label.to_string(),
            levels,
            rows,
            used_ids: observations.iter().map(|o| o.id.clone()).collect(),
            observations,
            ..Snapshot::default()
        };
        if let Some(bytes) = manifest_json {
            let m: serde_json::Value = serde_json::from_slice(bytes)
                .with_context(|| format!("manifest.json of {label} is not valid JSON"))?;
            snapshot.read_manifest(&m);
        }
        Ok(snapshot)
    }

    fn read_manifest(&mut self, m: &serde_json::Value) {
        let text = |v: &serde_json::Value, key: &str| {
            v.get(key)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        if let Some(ids) = m.get("observations_used_ids").and_then(|v| v.as_array()) {
            self.used_ids = ids
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            self.used_ids_from_manifest = true;
        }
        if let Some(list) = m.get("observations_excluded").and_then(|v| v.as_array()) {
            self.excluded = list
                .iter()
                .map(|e| (text(e, "id"), text(e, "reason")))
                .collect();
        }
        if let Some(list) = m.get("inputs").and_then(|v| v.as_array()) {
            self.inputs = list
                .iter()
                .map(|e| (text(e, "path"), text(e, "sha256")))
                .collect();
        }
        self.settings = m
            .get("resolved_config")
            .and_then(|c| c.as_object())
            .cloned();
    }
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().flexible(false).from_reader(bytes)
}

fn column(headers: &csv::StringRecord, name: &str) -> Result<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| Error::Results(format!("no column {name} in the header")))
}

fn optional_number(s: &str) -> Result<Option<f64>> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<f64>()
        .map(Some)
        .map_err(|_| Error::Results(format!("'{s}' is not a number")))
}

/// Quantile columns are `q` + a level in (0, 1).
fn level_of(label: &str) -> Option<f64> {
    let p: f64 = label.strip_prefix('q')?.parse().ok()?;
    (p > 0.0 && p < 1.0).then_some(p)
}

type QuantileTable = (Vec<(String, f64)>, Vec<QuantileRow>);

fn parse_quantiles(bytes: &[u8]) -> Result<QuantileTable> {
    let mut reader = csv_reader(bytes);
    let headers = reader.headers()?.clone();
    let [method, node, precision, basis, n, mean, status] = [
        columns::METHOD,
        columns::NODE,
        columns::PRECISION,
        columns::BASIS,
        columns::N_OBSERVATIONS,
        columns::MEAN,
        columns::STATUS,
    ]
    .map(|name| column(&headers, name));
    let (method, node, precision, basis, n, mean) = (method?, node?, precision?, basis?, n?, mean?);
    let levels: Vec<(usize, String, f64)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| level_of(h).map(|p| (i, h.to_string(), p)))
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let r = record?;
        let line = r.position().map_or(0, |p| p.line());
        let at = |e: Error| e.context(format!("line {line}"));
        let mut quantiles = BTreeMap::new();
        for (i, label, _) in &levels {
            quantiles.insert(label.clone(), optional_number(&r[*i]).map_err(at)?);
        }
        rows.push(QuantileRow {
            key: (
                r[method].to_string(),
                r[node].to_string(),
                r[precision].to_string(),
                r[basis].to_string(),
            ),
            n_observations: r[n].parse().ok(),
            mean: optional_number(&r[mean]).map_err(at)?,
            quantiles,
            status: status
                .as_ref()
                .map_or("ok".to_string(), |&i| r[i].to_string()),
        });
    }
    Ok((levels.into_iter().map(|(_, l, p)| (l, p)).collect(), rows))
}

fn parse_observations(bytes: &[u8]) -> Result<Vec<ObservationRow>> {
    let mut reader = csv_reader(bytes);
    let headers = reader.headers()?.clone();
    let [id, accelerator, node, precision, low, high] = [
        columns::ID,
        columns::ACCELERATOR,
        columns::NODE,
        columns::PRECISION,
        columns::MFU_LOW,
        columns::MFU_HIGH,
    ]
    .map(|name| column(&headers, name));
    let (id, accelerator, node, precision, low, high) =
        (id?, accelerator?, node?, precision?, low?, high?);
    reader
        .records()
        .map(|record| {
            let r = record?;
            Ok(ObservationRow {
                id: r[id].to_string(),
                accelerator: r[accelerator].to_string(),
                node: r[node].to_string(),
                precision: r[precision].to_string(),
                mfu_low: r[low].to_string(),
                mfu_high: r[high].to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUANTILES: &str = "\
method,node,precision,basis,unit,n_observations,samples,mean,sd,q0.05,q0.5,q0.95,status
bound,4nm,bf16,observed,pJ/MAC,2,200,1.5,0.5,0.1,1.0,2.0,ok
efficiency,4nm,bf16,observed,pJ/MAC,2,200,,,,,,contradictory: a and b
";

    #[test]
    fn reads_rows_levels_and_contradictions() {
        let s = Snapshot::from_bytes("x", QUANTILES.as_bytes(), None, None).unwrap();
        assert_eq!(
            s.levels,
            vec![
                ("q0.05".to_string(), 0.05),
                ("q0.5".to_string(), 0.5),
                ("q0.95".to_string(), 0.95)
            ]
        );
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].quantiles["q0.5"], Some(1.0));
        assert_eq!(s.rows[0].n_observations, Some(2));
        assert_eq!(s.rows[1].quantiles["q0.5"], None);
        assert_eq!(s.rows[1].status, "contradictory: a and b");
    }

    #[test]
    fn manifest_ids_win_over_observations_csv() {
        let obs = "id,accelerator,node,precision,mfu_low,mfu_high\na,h100,4nm,bf16,0.4,0.4\n";
        let manifest = r#"{"observations_used_ids": ["a", "b"],
            "observations_excluded": [{"id": "c", "reason": "hfu-like"}],
            "resolved_config": {"seed": 7, "samples_per_observation": 100}}"#;
        let s =
            Snapshot::from_bytes("x", QUANTILES.as_bytes(), Some(obs.as_bytes()), None).unwrap();
        assert_eq!(s.used_ids, vec!["a"]);
        assert!(!s.used_ids_from_manifest);
        let s = Snapshot::from_bytes(
            "x",
            QUANTILES.as_bytes(),
            Some(obs.as_bytes()),
            Some(manifest.as_bytes()),
        )
        .unwrap();
        assert_eq!(s.used_ids, vec!["a", "b"]);
        assert_eq!(s.excluded, vec![("c".to_string(), "hfu-like".to_string())]);
        let settings = s.settings.unwrap();
        assert_eq!(
            (
                settings["seed"].as_u64(),
                settings["samples_per_observation"].as_u64()
            ),
            (Some(7), Some(100))
        );
    }

    #[test]
    fn a_side_that_is_neither_folder_nor_revision_is_explained() {
        let e = Snapshot::read("no/such/folder").unwrap_err().to_string();
        assert_eq!(
            e,
            "no/such/folder is not a results folder; give a folder (results/default) or a git revision and folder (HEAD:results/default)"
        );
    }
}
