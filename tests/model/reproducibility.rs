//! Same config and seed give the same bytes, whatever the thread count; and the committed
//! calibration table is what the current code and data produce.

use crate::common;

use std::path::Path;

use common::{mfucal_in, stderr, Fixture};

const TABLES: [&str; 10] = [
    "quantiles.csv",
    "observations.csv",
    "accelerators.csv",
    "sensitivity.csv",
    "ppc.csv",
    "summary.md",
    "manifest.json",
    "nodes.svg",
    "posterior.svg",
    "observations.svg",
];

#[test]
fn thread_count_does_not_change_a_byte() {
    let f = Fixture::new();
    // 300,000 samples = 5 chunks per observation, so threads really split the work.
    let runs: Vec<Vec<Vec<u8>>> = ["1", "2", "3"]
        .iter()
        .map(|threads| {
            let out = f.run(&["--threads", threads, "--samples", "300000"]);
            assert!(out.status.success(), "{}", stderr(&out));
            TABLES
                .iter()
                .map(|t| std::fs::read(f.path("out").join(t)).unwrap())
                .collect()
        })
        .collect();
    for (i, table) in TABLES.iter().enumerate() {
        assert!(
            runs[0][i] == runs[1][i] && runs[1][i] == runs[2][i],
            "{table} differs between 1, 2 and 3 threads"
        );
    }
}

#[test]
fn a_different_seed_changes_the_samples() {
    let f = Fixture::new();
    assert!(f.run(&["--seed", "1"]).status.success());
    let one = std::fs::read(f.path("out/observations.csv")).unwrap();
    assert!(f.run(&["--seed", "2"]).status.success());
    assert_ne!(one, std::fs::read(f.path("out/observations.csv")).unwrap());
}

#[test]
fn committed_results_match_the_code_and_data() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("default");
    let run = mfucal_in(repo, &["run", "--out", out_dir.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    for table in TABLES {
        let committed = std::fs::read(repo.join("results/default").join(table)).unwrap_or_default();
        let fresh = std::fs::read(out_dir.join(table)).unwrap();
        assert!(
            committed == fresh,
            "results/default/{table} differs from what the code and data produce now.\n\
             If the change is intended, regenerate the table with `cargo run --release -- run` \
             and commit results/default/; otherwise the code or data changed the calibration by \
             accident (compare the two files: {} and {}).",
            repo.join("results/default").join(table).display(),
            out_dir.join(table).display()
        );
    }
}

#[test]
fn manifest_json_is_byte_identical_between_runs_and_timing_is_apart() {
    // Run time and speed change every run: they go to timing.json (not committed), so that
    // regenerating unchanged inputs leaves the committed manifest as it was.
    let f = Fixture::new();
    let read = |name: &str| std::fs::read(f.path("out").join(name)).unwrap();
    assert!(f.run(&["--threads", "1"]).status.success());
    let (manifest, svgs) = (
        read("manifest.json"),
        ["nodes.svg", "posterior.svg", "observations.svg"].map(read),
    );
    assert!(f.run(&["--threads", "2"]).status.success());
    assert!(
        manifest == read("manifest.json"),
        "manifest.json differs between two runs"
    );
    for (i, name) in ["nodes.svg", "posterior.svg", "observations.svg"]
        .iter()
        .enumerate()
    {
        assert!(svgs[i] == read(name), "{name} differs between two runs");
    }
    let text = String::from_utf8(manifest).unwrap();
    for key in ["wall_seconds", "samples_per_second", "\"threads\""] {
        assert!(!text.contains(key), "manifest.json holds {key}");
    }
    let timing: serde_json::Value = serde_json::from_slice(&read("timing.json")).unwrap();
    assert_eq!(timing["threads"], 2);
    assert!(timing["wall_seconds"].as_f64().unwrap() > 0.0);
    assert!(timing["samples_per_second"].as_f64().unwrap() > 0.0);
}
