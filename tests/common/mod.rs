//! A throw-away project folder (config + two CSVs) and the real `mfucal` binary to run on it,
//! the configs the tests build on, and the shipped calibration loaded in-process.
#![allow(dead_code)] // each test binary uses a different part

pub mod worlds;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mfucal::config::{self, Overrides, RunPlan};
use mfucal::data::Dataset;

pub const ACCELERATORS: &str = "\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source
h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,fixture
a100-sxm,NVIDIA,7nm,2020,400,bf16,312,fixture
";

pub const OBSERVATIONS: &str = "\
id,accelerator,precision,mfu_low,mfu_high,source
llama,h100-sxm,bf16,0.43,0.43,fixture
mpt,a100-sxm,bf16,0.50,0.55,fixture
";

pub const CONFIG: &str = r#"
[data]
accelerators = "../datasets/accelerators.csv"
observations = "../datasets/observations.csv"
[sampling]
samples_per_observation = 100000
seed = 7
[model]
reference_node = "4nm"
[nodes]
"4nm" = { dist = "fixed", value = 1.0 }
"7nm" = { dist = "lognormal", mu = 0.33, sigma = 0.10 }
"#;

/// One H100 BF16 run at MFU 0.43 (the seed analysis' example), as `observations.csv`.
pub const ONE_H100: &str =
    "id,accelerator,precision,mfu_low,mfu_high,source\nllama,h100-sxm,bf16,0.43,0.43,fixture\n";

/// The node table of [`CONFIG`]: 4nm the reference (scale fixed at 1), 7nm as shipped.
pub const NODES: &str = r#""4nm" = { dist = "fixed", value = 1.0 }
"7nm" = { dist = "lognormal", mu = 0.33, sigma = 0.10 }
"#;

/// A config for [`Fixture::with`]: the fixture's two CSVs as `[data]`, then `[sampling]` with
/// the lines `sampling`, `[model]` with `reference_node = "4nm"` and the lines `model` (which
/// may end with sub-tables such as `[model.frontier]`), and `[nodes]` with the lines `nodes`
/// (usually [`NODES`]). Each test states only what its case sets.
pub fn config_toml(sampling: &str, model: &str, nodes: &str) -> String {
    format!(
        r#"
[data]
accelerators = "../datasets/accelerators.csv"
observations = "../datasets/observations.csv"
[sampling]
{sampling}
[model]
reference_node = "4nm"
{model}
[nodes]
{nodes}"#
    )
}

/// Writes a fixture with `config`, the fixture accelerators ([`ACCELERATORS`]) and
/// `observations`, and runs `mfucal run` on it (results in `out/`), which must succeed.
pub fn run_ok(config: &str, observations: &str) -> (Fixture, Output) {
    let f = Fixture::with(config, ACCELERATORS, observations);
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    (f, out)
}

/// The repository's root: the shipped configs, datasets and results.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped calibration in-process: the plan of `configs/default.toml` (with
/// `samples_per_observation` overridden if given) and the datasets it names.
pub fn shipped(samples_per_observation: Option<u64>) -> (RunPlan, Dataset) {
    let overrides = Overrides {
        samples_per_observation,
        seed: None,
    };
    let plan = config::load(&repo().join("configs/default.toml"), &overrides)
        .unwrap_or_else(|e| panic!("configs/default.toml: {e}"));
    let dataset = Dataset::load(&plan).unwrap_or_else(|e| panic!("the shipped datasets: {e}"));
    (plan, dataset)
}

/// [`CONFIG`] with the methods that build posteriors from the sampled histograms (the default
/// methods, frontier and bound, are quadratures): for tests of MCSE, Sobol indices,
/// predictive checks and the efficiency method.
pub fn config_sampled() -> String {
    CONFIG.replacen(
        "reference_node = \"4nm\"\n",
        "reference_node = \"4nm\"\nmethods = [\"bound\", \"efficiency\"]\n",
        1,
    )
}

/// [`Fixture::new`] with [`config_sampled`].
pub fn sampled_fixture() -> Fixture {
    Fixture::with(&config_sampled(), ACCELERATORS, OBSERVATIONS)
}

/// A temporary folder laid out like the repository: `configs/test.toml`, `datasets/*.csv`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with(CONFIG, ACCELERATORS, OBSERVATIONS)
    }

    pub fn with(config: &str, accelerators: &str, observations: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("configs")).unwrap();
        std::fs::create_dir(dir.path().join("datasets")).unwrap();
        let f = Fixture { dir };
        f.write("configs/test.toml", config.as_bytes());
        f.write("datasets/accelerators.csv", accelerators.as_bytes());
        f.write("datasets/observations.csv", observations.as_bytes());
        f
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.path(rel), bytes).unwrap();
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `mfucal ARGS` in the fixture folder.
    pub fn mfucal(&self, args: &[&str]) -> Output {
        mfucal_in(self.dir.path(), args)
    }

    /// Runs `mfucal run --config configs/test.toml --out out EXTRA...`.
    pub fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec!["run", "--config", "configs/test.toml", "--out", "out"];
        args.extend_from_slice(extra);
        self.mfucal(&args)
    }
}

pub fn mfucal_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfucal"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mfucal starts")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Reads a CSV written by mfucal into rows keyed by column name.
pub fn read_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The row of `quantiles.csv` for a method, node, precision and basis.
pub fn group_row<'a>(
    rows: &'a [HashMap<String, String>],
    method: &str,
    node: &str,
    basis: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["method"] == method && r["node"] == node && r["basis"] == basis)
        .unwrap_or_else(|| panic!("no {method} {node} {basis} row"))
}

pub fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

/// The problems a failed command listed on stderr, one per line, without the indent.
pub fn problem_lines(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(String::from)
        .collect()
}

/// Names in the fixture's top folder: `configs` and `datasets` until something is written.
pub fn top_level(f: &Fixture) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(f.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `run ARGS` then `validate` on a broken fixture: both exit with status 1 and list
/// exactly `expected`, each a `(location, message fragment)` where the location is the exact
/// `FILE:LINE: column NAME:` (or `key NAME:`) start of the line; nothing is written.
pub fn assert_rejected_at(f: &Fixture, args: &[&str], expected: &[(&str, &str)]) {
    let run = f.run(args);
    assert_eq!(run.status.code(), Some(1), "run: {}", stderr(&run));
    let text = stderr(&run);
    assert!(
        text.starts_with("error: ") && text.contains("nothing was written"),
        "{text}"
    );
    let lines = problem_lines(&run);
    assert_eq!(lines.len(), expected.len(), "problems listed:\n{text}");
    for (line, (location, fragment)) in lines.iter().zip(expected) {
        let rest = line
            .strip_prefix(location)
            .unwrap_or_else(|| panic!("expected location\n  {location}\nin\n  {line}"));
        assert!(
            rest.contains(fragment),
            "expected\n  {fragment}\nin\n  {line}"
        );
    }
    assert_eq!(
        top_level(f),
        ["configs", "datasets"],
        "a rejected run wrote something"
    );
    if args.is_empty() {
        let validate = f.mfucal(&["validate", "--config", "configs/test.toml"]);
        assert_eq!(validate.status.code(), Some(1));
        assert_eq!(stderr(&validate), text, "validate and run disagree");
    }
}

/// The three tables of a run in `out_rel` (the manifest holds checksums and timings, which
/// legitimately differ between equivalent inputs).
pub fn tables(f: &Fixture, out_rel: &str) -> Vec<Vec<u8>> {
    ["quantiles.csv", "observations.csv", "accelerators.csv"]
        .iter()
        .map(|t| std::fs::read(f.path(out_rel).join(t)).unwrap())
        .collect()
}
