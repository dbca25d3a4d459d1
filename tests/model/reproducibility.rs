//! Same config and seed give the same bytes, whatever the thread count; and the committed
//! calibration table is what the current code and data produce.

use crate::common;

use std::path::Path;

use common::{mfucal_in, stderr, Fixture};

const TABLES: [&str; 6] = [
    "quantiles.csv",
    "observations.csv",
    "accelerators.csv",
    "sensitivity.csv",
    "ppc.csv",
    "summary.md",
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
