//! `mfucal import-epoch` previews by default and holds back rows that look wrong: a chip the
//! dataset already has under another id (similar name, or the same TDP and peak), a node that
//! disagrees with the chip's existing rows, and the format a chip lacks from Epoch's shared
//! Tensor-FP16/BF16 column (no BF16 on a V100, no FP16 on a TPU v4).

use crate::common;

use std::path::Path;

use common::{mfucal_in, read_rows, stderr, stdout};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/epoch/ml_hardware.csv"
);

/// Our dataset with the chips of the issue: the hand-written H100 (4 nm) and V100 rows.
const OURS: &str = "\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source
h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,datasheet
v100-sxm2,NVIDIA,12nm,2017,300,fp16,125,datasheet
a100-sxm4-80gb,NVIDIA,6nm,2020,400,bf16,312,a typo'd node
";

fn import(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import-epoch", FIXTURE, "--out", "accelerators.csv"];
    args.extend_from_slice(extra);
    mfucal_in(dir, &args)
}

#[test]
fn without_write_it_previews_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accelerators.csv");
    std::fs::write(&path, OURS).unwrap();
    let out = import(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("preview: nothing is written without --write\n"),
        "{text}"
    );
    assert!(
        text.contains("would add 6 rows to accelerators.csv: tpu-v4, instinct-mi300x"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "nothing written; run again with --write to write these changes to accelerators.csv\n"
        ),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), OURS);
    // A preview of a missing dataset does not create it either.
    let fresh = tempfile::tempdir().unwrap();
    let out = import(fresh.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!fresh.path().join("accelerators.csv").exists());
}

#[test]
fn duplicates_node_conflicts_and_missing_formats_are_held_back_even_with_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accelerators.csv");
    std::fs::write(&path, OURS).unwrap();
    let out = import(dir.path(), &["--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        // The V100 under Epoch's name: similar name, and its fp16 row has the same figures.
        format!("  tesla-v100-sxm2 fp16 12nm (Epoch {FIXTURE}:2): may duplicate v100-sxm2 (accelerators.csv:3): similar name, same TDP and peak\n"),
        // The H100 at Epoch's 5 nm beside ours at 4 nm.
        format!("  h100-sxm5-80gb bf16 5nm (Epoch {FIXTURE}:5): may duplicate h100-sxm (accelerators.csv:2): similar name, same TDP and peak; node 4nm there, 5nm in Epoch\n"),
        format!("  h100-sxm5-80gb tf32 5nm (Epoch {FIXTURE}:5): may duplicate h100-sxm (accelerators.csv:2): similar name; node 4nm there, 5nm in Epoch\n"),
        // A new precision of a chip we have, at another node than its rows.
        format!("  a100-sxm4-80gb tf32 7nm (Epoch {FIXTURE}:3): node 7nm disagrees with a100-sxm4-80gb bf16 at 6nm (accelerators.csv:4)\n"),
        // The formats Epoch's shared column cannot tell apart.
        format!("  {FIXTURE}:2: NVIDIA Tesla V100 SXM2: no bf16 row: NVIDIA chips before Ampere (A100), 2020, have no BF16 matrix units (released 2017)\n"),
        format!("  {FIXTURE}:4: Google TPU v4: no fp16 row: Google's TPU matrix units take bfloat16 and publish no FP16 peak\n"),
        "left out 2 precisions the chips do not have:\n".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected}not in:\n{text}");
    }
    let rows = read_rows(&path);
    let written: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["accelerator"].as_str(), r["precision"].as_str()))
        .collect();
    assert_eq!(
        written,
        [
            ("h100-sxm", "bf16"),
            ("v100-sxm2", "fp16"),
            ("a100-sxm4-80gb", "bf16"),
            ("tpu-v4", "bf16"),
            ("tpu-v4", "int8"),
            ("instinct-mi300x", "tf32"),
            ("instinct-mi300x", "bf16"),
            ("instinct-mi300x", "fp16"),
            ("instinct-mi300x", "int8"),
        ]
    );
    assert!(!rows.iter().any(|r| r["accelerator"] == "tesla-v100-sxm2"));
}

#[test]
fn an_existing_row_tied_by_epoch_name_is_matched_not_held_back() {
    // Putting Epoch's name in our row's epoch_name column is how a user says "same chip".
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accelerators.csv");
    std::fs::write(
        &path,
        "accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source,epoch_name\n\
         v100-sxm2,NVIDIA,12nm,2017,300,fp16,125,datasheet,NVIDIA Tesla V100 SXM2\n",
    )
    .unwrap();
    let out = import(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("v100-sxm2 fp16 12nm"), "{text}");
    assert!(
        text.contains("unchanged: 1 rows already in accelerators.csv agree"),
        "{text}"
    );
}
