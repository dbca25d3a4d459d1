//! The vectorised sampler gives the same bits on every dispatch path (scalar, AVX2, AVX-512,
//! whichever this CPU has) and every thread count: histograms compared byte for byte chunk by
//! chunk, and whole runs' tables compared byte for byte with the path forced through
//! `MFUCAL_SIMD`.

use crate::common;

use std::path::Path as FsPath;
use std::process::Command;

use common::{stderr, Fixture};
use mfucal::sampler::{Accumulators, ObservationModel, ObservationSamples, Path, CHUNK_SAMPLES};

const TABLES: [&str; 5] = [
    "quantiles.csv",
    "observations.csv",
    "accelerators.csv",
    "sensitivity.csv",
    "ppc.csv",
];

/// Every count, offset and the exact bits of every minimum and maximum.
fn bytes(s: &ObservationSamples) -> Vec<u8> {
    let mut out = Vec::new();
    for h in s.histograms() {
        let (offset, counts, min, max) = h.parts();
        out.extend((offset as u64).to_le_bytes());
        out.extend(min.to_bits().to_le_bytes());
        out.extend(max.to_bits().to_le_bytes());
        counts.iter().for_each(|c| out.extend(c.to_le_bytes()));
    }
    out
}

#[test]
fn every_dispatch_path_gives_identical_histograms_on_the_shipped_data() {
    let (plan, dataset) = common::shipped(None);
    let paths = Path::available_paths();
    eprintln!("paths on this CPU: {paths:?}");
    assert_eq!(paths[0], Path::Scalar);
    let mut acc = Accumulators::default();
    for obs in &dataset.observations {
        let model = ObservationModel::new(&plan, obs);
        // A full chunk and a short one (a partial last block).
        for (chunk, len) in [(0, CHUNK_SAMPLES), (5, 1_000 + 17)] {
            let per_path: Vec<Vec<u8>> = paths
                .iter()
                .map(|&p| {
                    model.sample_chunk_on(p, &mut acc, plan.seed, chunk, len);
                    let s = acc.take(&model);
                    assert_eq!(s.bound.total(), len);
                    bytes(&s)
                })
                .collect();
            for (p, b) in paths.iter().zip(&per_path) {
                assert!(
                    *b == per_path[0],
                    "{}: chunk {chunk} differs between {:?} and {p:?}",
                    obs.id,
                    paths[0]
                );
            }
        }
    }
}

/// The fixture with a third node and every kind of sampler the config can give a factor:
/// beta, triangular (drawn through the scalar fallback), log-uniform, lognormal, uniform, and
/// a node scale without a closed-form reciprocal (divided).
const MIXED_CONFIG: &str = r#"
[data]
accelerators = "../datasets/accelerators.csv"
observations = "../datasets/observations.csv"
[sampling]
samples_per_observation = 150000
seed = 11
[model]
reference_node = "4nm"
power_fraction = { dist = "beta", alpha = 40.0, beta = 4.0 }
peak_factor = { dist = "log_uniform", low = 0.9, high = 1.0 }
software_efficiency = { dist = "triangular", low = 0.8, mode = 0.9, high = 0.95 }
[nodes]
"4nm" = { dist = "fixed", value = 1.0 }
"5nm" = { dist = "log_uniform", low = 1.0, high = 1.3 }
"7nm" = { dist = "triangular", low = 1.2, mode = 1.4, high = 1.7 }
"#;

const MIXED_ACCELERATORS: &str = "\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source
h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,fixture
a100-sxm,NVIDIA,7nm,2020,400,bf16,312,fixture
x5,Vendor,5nm,2021,350,bf16,400,fixture
";

const MIXED_OBSERVATIONS: &str = "\
id,accelerator,precision,mfu_low,mfu_high,source
llama,h100-sxm,bf16,0.43,0.43,fixture
mpt,a100-sxm,bf16,0.50,0.55,fixture
x5run,x5,bf16,0.30,0.40,fixture
";

/// Runs `mfucal run` on `dir` with the path forced, and reads the tables back.
fn run_tables(dir: &FsPath, args: &[&str], path: Path, threads: &str) -> Vec<Vec<u8>> {
    let out_dir = dir.join(format!("out-{}-{threads}", path.name()));
    let out = Command::new(env!("CARGO_BIN_EXE_mfucal"))
        .arg("run")
        .args(args)
        .args([
            "--out",
            out_dir.to_str().unwrap(),
            "--threads",
            threads,
            "-q",
        ])
        .env("MFUCAL_SIMD", path.name())
        .current_dir(dir)
        .output()
        .expect("mfucal starts");
    assert!(out.status.success(), "{}", stderr(&out));
    TABLES
        .iter()
        .map(|t| std::fs::read(out_dir.join(t)).unwrap())
        .collect()
}

fn assert_same_everywhere(dir: &FsPath, args: &[&str]) {
    let mut first: Option<(String, Vec<Vec<u8>>)> = None;
    for path in Path::available_paths() {
        for threads in ["1", "2"] {
            let tables = run_tables(dir, args, path, threads);
            let label = format!("{} with {threads} threads", path.name());
            match &first {
                None => first = Some((label, tables)),
                Some((l0, t0)) => {
                    for (i, t) in TABLES.iter().enumerate() {
                        assert!(t0[i] == tables[i], "{t} differs between {l0} and {label}");
                    }
                }
            }
        }
    }
}

#[test]
fn whole_runs_are_byte_identical_across_paths_and_threads_for_every_sampler_kind() {
    let f = Fixture::with(MIXED_CONFIG, MIXED_ACCELERATORS, MIXED_OBSERVATIONS);
    assert_same_everywhere(f.dir.path(), &["--config", "configs/test.toml"]);
}

#[test]
fn shipped_runs_are_byte_identical_across_paths_and_threads() {
    let root = FsPath::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let config = root.join("configs/default.toml");
    // Outputs go to the temporary folder; 150,000 samples = two full chunks and a partial one.
    let run_in = tmp.path();
    assert_same_everywhere(
        run_in,
        &["--config", config.to_str().unwrap(), "--samples", "150000"],
    );
}
