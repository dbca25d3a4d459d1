//! A run split into shards merges back to the single-process outputs, byte for byte; merge
//! refuses shards that do not make up one run. And `--target-mcse` stops at the asked error.

use crate::common;

use common::{read_rows, stderr, Fixture};

const TABLES: [&str; 3] = ["quantiles.csv", "observations.csv", "accelerators.csv"];

fn shard(f: &Fixture, k: &str, out: &str, extra: &[&str]) {
    let mut args = vec![
        "run",
        "--config",
        "configs/test.toml",
        "--samples",
        "400000",
        "--shard",
        k,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let o = f.mfucal(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn merge(f: &Fixture, dirs: &[&str]) -> std::process::Output {
    let mut args = vec!["merge", "--out", "merged"];
    args.extend_from_slice(dirs);
    f.mfucal(&args)
}

#[test]
fn merged_shards_equal_the_single_run() {
    let f = common::sampled_fixture();
    assert!(f.run(&["--samples", "400000"]).status.success());
    for k in ["1/3", "2/3", "3/3"] {
        shard(&f, k, &format!("s{}", &k[..1]), &[]);
    }
    // Shard order on the command line does not matter.
    let o = merge(&f, &["s3", "s1", "s2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for t in TABLES {
        let single = std::fs::read(f.path("out").join(t)).unwrap();
        assert!(
            single == std::fs::read(f.path("merged").join(t)).unwrap(),
            "{t} differs after merging"
        );
    }
}

#[test]
fn merge_refuses_what_is_not_one_whole_run() {
    let f = common::sampled_fixture();
    for k in ["1/3", "2/3", "3/3"] {
        shard(&f, k, &format!("s{}", &k[..1]), &[]);
    }
    shard(&f, "3/3", "other-seed", &["--seed", "99"]);
    shard(&f, "1/2", "halves", &[]);
    let o = f.mfucal(&[
        "run",
        "--config",
        "configs/test.toml",
        "--samples",
        "500000",
        "--shard",
        "3/3",
        "--out",
        "other-size",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cases: [(&[&str], &str); 5] = [
        (&["s1", "s2"], "error: missing shard 3/3; run them with `mfucal run --shard K/N --out DIR` and merge all"),
        (&["s1", "s2", "s3", "s1"], "error: shard 1/3 is given twice: s1 and s1"),
        (&["s1", "s2", "other-seed"], "error: s1 and other-seed come from different seeds (7 and 99); merge shards of one run only"),
        (&["s1", "s2", "halves"], "error: s1 and halves come from different shard counts (3 and 2); merge shards of one run only"),
        (&["s1", "s2", "other-size"], "error: s1 and other-size come from different configs; merge shards of one run only"),
    ];
    for (dirs, message) in cases {
        let o = merge(&f, dirs);
        assert_eq!(o.status.code(), Some(1), "{dirs:?}");
        assert_eq!(stderr(&o).trim_end(), message, "{dirs:?}");
        assert!(!f.path("merged").exists());
    }
    // A flipped byte is caught by the checksum.
    let mut bytes = std::fs::read(f.path("s2/state.bin")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    f.write("s2/state.bin", &bytes);
    let o = merge(&f, &["s1", "s2", "s3"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim_end(),
        "error: s2/state.bin: is corrupt: its checksum does not match its contents (truncated or edited?)"
    );
}

#[test]
fn merge_refuses_data_changed_since_the_shards_ran() {
    let f = common::sampled_fixture();
    for k in ["1/2", "2/2"] {
        shard(&f, k, &format!("s{}", &k[..1]), &[]);
    }
    f.write("datasets/observations.csv", b"id,accelerator,precision,mfu_low,mfu_high,source\nllama,h100-sxm,bf16,0.41,0.43,fixture\nmpt,a100-sxm,bf16,0.50,0.55,fixture\n");
    let o = merge(&f, &["s1", "s2"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim_end(),
        "error: the inputs changed since the shards ran (datasets/observations.csv); re-run the shards or restore the files"
    );
}

#[test]
fn target_mcse_runs_until_every_quantile_is_that_precise() {
    let f = common::sampled_fixture();
    let o = f.run(&["--samples", "100000", "--target-mcse", "0.0001"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.path("out/manifest.json")).unwrap()).unwrap();
    assert!(manifest["rounds"].as_u64().unwrap() >= 2, "{manifest}");
    assert!(manifest["max_relative_mcse"].as_f64().unwrap() <= 0.0001);
    let rows = read_rows(&f.path("out/quantiles.csv"));
    for row in rows.iter().filter(|r| r["status"] == "ok") {
        for p in ["0.025", "0.5", "0.975"] {
            let (q, m): (f64, f64) = (
                row[&format!("q{p}")].parse().unwrap(),
                row[&format!("mcse_q{p}")].parse().unwrap(),
            );
            assert!(
                m / q <= 0.0005,
                "{} {} q{p}: mcse {m} of {q}",
                row["method"],
                row["node"]
            );
        }
    }
    // Rounds only add chunks: the result is the plain run of the final size.
    let per_obs = manifest["samples_per_observation"]
        .as_u64()
        .unwrap()
        .to_string();
    let rounds = std::fs::read(f.path("out/quantiles.csv")).unwrap();
    assert!(f.run(&["--samples", &per_obs]).status.success());
    assert!(rounds == std::fs::read(f.path("out/quantiles.csv")).unwrap());
}

/// The batch-means standard error against the spread of the estimate over independent seeds.
#[test]
fn mcse_matches_the_spread_over_seeds() {
    let f = common::sampled_fixture();
    let (mut estimates, mut mcses) = (Vec::new(), Vec::new());
    for seed in 0..24 {
        let o = f.run(&["--samples", "1048576", "--seed", &seed.to_string()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let rows = read_rows(&f.path("out/quantiles.csv"));
        let row = common::group_row(&rows, "efficiency", "7nm", "observed");
        estimates.push(common::num(row, "q0.5"));
        mcses.push(common::num(row, "mcse_q0.5"));
    }
    let n = estimates.len() as f64;
    let mean = estimates.iter().sum::<f64>() / n;
    let spread = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let typical_mcse = mcses.iter().sum::<f64>() / n;
    let ratio = typical_mcse / spread;
    // 24 seeds estimate the spread to about +-15 %, 16 batches the MCSE to about +-18 %.
    assert!(
        (0.6..1.6).contains(&ratio),
        "MCSE {typical_mcse:.3e} vs spread over seeds {spread:.3e}"
    );
}
