//! Snapshots of every file a small fixed calibration writes, byte for byte: the exporters'
//! output (tables, summary, pictures, manifest) must not change unless someone means it to.
//!
//! The snapshots in `tests/snapshots/run/` are what the code wrote when they were last
//! updated, not values derived by hand: this test guards against unintended changes, not
//! against wrong numbers (the closed-form, SBC, rejection and coverage tests do that). When a
//! change of the output is intended, rewrite them and review the diff before committing:
//!
//! ```text
//! MFUCAL_UPDATE_SNAPSHOTS=1 cargo test --release --test cli snapshots
//! git diff tests/snapshots
//! ```
//!
//! The calibration is `tests/fixtures/snapshot/` (3 chips on 2 nodes; 7 observations with a
//! range, a matmul benchmark, a measured power and an excluded row; every method; 3,000
//! samples per observation, a fixed seed), run on 1 and on 3 worker threads, which must write
//! the same bytes. `manifest.json` is compared as written; in `timing.json` the values that
//! legitimately differ between runs of the same calibration ([`VARYING`]: the thread count,
//! checked against `--threads`, the wall time and the speed) are replaced by `"<varies>"`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{self, stderr, Fixture};

/// Set to `1` to rewrite the snapshots from what the code writes now.
const UPDATE: &str = "MFUCAL_UPDATE_SNAPSHOTS";

/// Top-level keys of `timing.json` whose values differ between runs of one calibration.
const VARYING: [&str; 3] = ["threads", "wall_seconds", "samples_per_second"];

/// The worker thread counts; every one must write the snapshots' bytes.
const THREADS: [&str; 2] = ["1", "3"];

fn snapshot_dir() -> PathBuf {
    common::repo().join("tests/snapshots/run")
}

/// `tests/fixtures/snapshot/` copied into a temporary project folder.
fn fixture() -> Fixture {
    let root = common::repo().join("tests/fixtures/snapshot");
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel))
            .unwrap_or_else(|e| panic!("{}: {e}", root.join(rel).display()))
    };
    Fixture::with(
        &read("configs/test.toml"),
        &read("datasets/accelerators.csv"),
        &read("datasets/observations.csv"),
    )
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// `timing.json` with the value of each [`VARYING`] key replaced by `"<varies>"`, after
/// checking that each occurs once and that `threads` is the count the run was given.
fn masked_timing(bytes: &[u8], threads: &str) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("timing.json is UTF-8");
    let mut seen = Vec::new();
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let key = VARYING
            .iter()
            .find(|key| line.starts_with(&format!("  \"{key}\": ")));
        let Some(key) = key else {
            out.push_str(line);
            continue;
        };
        let (head, value) = line.split_once(": ").unwrap();
        let value = value.trim_end_matches('\n');
        let (value, comma) = match value.strip_suffix(',') {
            Some(v) => (v, ","),
            None => (value, ""),
        };
        if *key == "threads" {
            assert_eq!(value, threads, "timing.json: threads");
        }
        seen.push(*key);
        out.push_str(&format!("{head}: \"<varies>\"{comma}\n"));
    }
    seen.sort_unstable();
    let mut expected = VARYING.to_vec();
    expected.sort_unstable();
    assert_eq!(
        seen, expected,
        "timing.json: the keys masked as varying, once each (a renamed key? update VARYING)"
    );
    out.into_bytes()
}

/// Where two files first differ, by line (lines shown with their ending, long ones cut).
fn first_difference(snapshot: &[u8], written: &[u8]) -> String {
    let show = |line: Option<&str>| match line {
        None => "(end of file)".to_string(),
        Some(l) if l.chars().count() > 200 => {
            format!("{:?}...", l.chars().take(200).collect::<String>())
        }
        Some(l) => format!("{l:?}"),
    };
    let (a, b) = (
        String::from_utf8_lossy(snapshot),
        String::from_utf8_lossy(written),
    );
    let (mut a, mut b) = (a.split_inclusive('\n'), b.split_inclusive('\n'));
    let mut n = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (None, None) => return "the same text, different bytes (invalid UTF-8)".to_string(),
            (x, y) => {
                return format!(
                    "first difference at line {n}:\n    snapshot: {}\n    written:  {}",
                    show(x),
                    show(y)
                )
            }
        }
    }
}

/// What a run on `threads` threads writes, `timing.json` masked.
fn run(threads: &str) -> BTreeMap<String, Vec<u8>> {
    let f = fixture();
    let out = f.run(&["--threads", threads, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut written = files(&f.path("out"));
    let timing = written
        .get_mut("timing.json")
        .expect("the run wrote timing.json");
    *timing = masked_timing(timing, threads);
    written
}

fn rewrite(written: &BTreeMap<String, Vec<u8>>) {
    let dir = snapshot_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in written {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    eprintln!(
        "{UPDATE}: rewrote {} ({} files); review `git diff tests/snapshots`",
        dir.display(),
        written.len()
    );
}

#[test]
fn every_file_of_a_small_run_matches_its_snapshot_on_1_and_3_threads() {
    let update = std::env::var(UPDATE).is_ok_and(|v| v == "1");
    for (i, threads) in THREADS.into_iter().enumerate() {
        let written = run(threads);
        if update && i == 0 {
            rewrite(&written);
        }
        let snapshots = files(&snapshot_dir());
        let mut problems = Vec::new();
        for name in snapshots.keys().filter(|n| !written.contains_key(*n)) {
            problems.push(format!(
                "tests/snapshots/run/{name}: the run no longer writes it"
            ));
        }
        for (name, bytes) in &written {
            match snapshots.get(name) {
                None => problems.push(format!(
                    "tests/snapshots/run/{name}: the run writes it, no snapshot has it"
                )),
                Some(snapshot) if snapshot != bytes => problems.push(format!(
                    "tests/snapshots/run/{name} differs from what the run wrote; {}",
                    first_difference(snapshot, bytes)
                )),
                Some(_) => {}
            }
        }
        assert!(
            problems.is_empty(),
            "`mfucal run --threads {threads}` on tests/fixtures/snapshot/ does not write the \
             committed snapshots:\n  {}\nIf the change is intended, rewrite them with\n  \
             {UPDATE}=1 cargo test --release --test cli snapshots\nand review `git diff \
             tests/snapshots` before committing.",
            problems.join("\n  ")
        );
    }
}
