//! `mfucal import-epoch` on a fixture in Epoch AI's exact format
//! (`tests/fixtures/epoch/ml_hardware.csv`, built from the reference's sample rows; see the
//! README beside it).

use crate::common;

use std::path::Path;

use common::{mfucal_in, read_rows, stderr, stdout};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/epoch/ml_hardware.csv"
);

/// An import that writes (`--write`; without it the import is a preview).
fn import(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "import-epoch",
        FIXTURE,
        "--out",
        "accelerators.csv",
        "--write",
    ];
    args.extend_from_slice(extra);
    mfucal_in(dir, &args)
}

#[test]
fn writes_dense_peaks_one_row_per_published_precision() {
    let dir = tempfile::tempdir().unwrap();
    let out = import(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_rows(&dir.path().join("accelerators.csv"));
    let got: Vec<(String, String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["accelerator"].clone(),
                r["precision"].clone(),
                r["node"].clone(),
                r["tdp_w"].clone(),
                r["dense_peak_tflops"].clone(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, &str, &str, &str)> = vec![
        // Epoch's single Tensor-FP16/BF16 column: fp16 only on a 2017 NVIDIA chip (BF16 came
        // with Ampere); no TF32 or INT8 published.
        ("tesla-v100-sxm2", "fp16", "12nm", "300", "125"),
        ("a100-sxm4-80gb", "tf32", "7nm", "400", "156"),
        ("a100-sxm4-80gb", "bf16", "7nm", "400", "312"),
        ("a100-sxm4-80gb", "fp16", "7nm", "400", "312"),
        ("a100-sxm4-80gb", "int8", "7nm", "400", "624"),
        // bf16 only on a TPU.
        ("tpu-v4", "bf16", "7nm", "170", "275"),
        ("tpu-v4", "int8", "7nm", "170", "275"),
        // H100: Epoch's FP8 column is blank, so there is no fp8 row (never 2 x BF16).
        ("h100-sxm5-80gb", "tf32", "5nm", "700", "494.7"),
        ("h100-sxm5-80gb", "bf16", "5nm", "700", "989.4"),
        ("h100-sxm5-80gb", "fp16", "5nm", "700", "989.4"),
        ("h100-sxm5-80gb", "int8", "5nm", "700", "1979"),
        ("instinct-mi300x", "tf32", "5nm", "750", "653.7"),
        ("instinct-mi300x", "bf16", "5nm", "750", "1307.4"),
        ("instinct-mi300x", "fp16", "5nm", "750", "1307.4"),
        ("instinct-mi300x", "int8", "5nm", "750", "2614.9"),
    ];
    let want: Vec<(String, String, String, String, String)> = want
        .into_iter()
        .map(|(a, b, c, d, e)| (a.into(), b.into(), c.into(), d.into(), e.into()))
        .collect();
    assert_eq!(got, want);
    let tpu = rows.iter().find(|r| r["accelerator"] == "tpu-v4").unwrap();
    assert_eq!(tpu["power_basis"], "chip_measured_mean");
    assert_eq!(tpu["epoch_name"], "Google TPU v4");
    assert_eq!(tpu["year"], "2021");
    assert_eq!(
        rows[0]["source"],
        "Epoch AI, \"Data on Machine Learning Hardware\" (ml_hardware.csv)"
    );
    assert_eq!(rows[0]["foundry_process"], "TSMC 12 nm (Epoch)");
    let text = stdout(&out);
    for skipped in [
        ":7: Google TPU v6e Trillium: no TDP (W); not written (add the row by hand with a sourced power figure)",
        ":8: NVIDIA B200: no Process size (nm); not written (add the row by hand with its node)",
        ":9: Amazon Trainium2: no Process size (nm); not written (add the row by hand with its node)",
    ] {
        assert!(text.contains(skipped), "{skipped} not in:\n{text}");
    }
    // Importing again finds every row and writes nothing.
    let before = std::fs::read(dir.path().join("accelerators.csv")).unwrap();
    let again = import(dir.path(), &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stdout(&again).contains("unchanged: 15 rows already in accelerators.csv agree"));
    assert!(stdout(&again).contains("nothing to write; accelerators.csv is unchanged"));
    assert_eq!(
        before,
        std::fs::read(dir.path().join("accelerators.csv")).unwrap()
    );
}

const EXISTING: &str = "\
accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source
h100-sxm5-80gb,NVIDIA,5nm,2022,700,bf16,1978.9,typed from a datasheet's sparsity column
h100-sxm5-80gb,NVIDIA,5nm,2022,700,tf32,494.7,datasheet
";

#[test]
fn a_disagreeing_row_is_reported_and_kept_unless_replace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accelerators.csv");
    std::fs::write(&path, EXISTING).unwrap();
    let out = import(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = format!(
        "  h100-sxm5-80gb bf16 (accelerators.csv:2; Epoch {FIXTURE}:5): dense_peak_tflops 1978.9 here, 989.4 in Epoch"
    );
    assert!(stdout(&out).contains(&expected), "{}", stdout(&out));
    assert!(stdout(&out).contains("kept as they are (--replace overwrites them)"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(EXISTING),
        "existing lines are kept byte for byte"
    );
    assert_eq!(
        read_rows(&path).len(),
        2 + 13,
        "the 13 other rows are added"
    );

    let replaced = import(dir.path(), &["--replace"]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert!(stdout(&replaced).contains("replaced from Epoch"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("h100-sxm5-80gb,NVIDIA,5nm,2022,700,bf16,989.4,"));
    assert_eq!(
        lines[2],
        "h100-sxm5-80gb,NVIDIA,5nm,2022,700,tf32,494.7,datasheet"
    );
    assert_eq!(lines.len(), 1 + 15);
}

#[test]
fn the_datasheet_link_goes_into_the_source() {
    let dir = tempfile::tempdir().unwrap();
    // Test-only value: the reference's sample rows do not copy Epoch's links.
    let epoch = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace("Google TPU v4,Google,", "\"Google TPU v4\",Google,");
    let mut lines: Vec<String> = epoch.lines().map(String::from).collect();
    let tpu = lines
        .iter()
        .position(|l| l.contains("Google TPU v4"))
        .unwrap();
    let mut fields: Vec<String> = lines[tpu].split(',').map(String::from).collect();
    fields[28] = "https://cloud.google.com/tpu/docs/v4".into(); // Link to datasheet
    lines[tpu] = fields.join(",");
    std::fs::write(dir.path().join("epoch.csv"), lines.join("\n") + "\n").unwrap();
    let out = mfucal_in(
        dir.path(),
        &["import-epoch", "epoch.csv", "--out", "a.csv", "--write"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_rows(&dir.path().join("a.csv"));
    let tpu = rows.iter().find(|r| r["accelerator"] == "tpu-v4").unwrap();
    assert_eq!(
        tpu["source"],
        "Epoch AI, \"Data on Machine Learning Hardware\" (ml_hardware.csv); datasheet: https://cloud.google.com/tpu/docs/v4"
    );
}

#[test]
fn a_file_without_epoch_columns_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("epoch.csv"),
        "Hardware name,Manufacturer,TDP\nX,Y,100\n",
    )
    .unwrap();
    let out = mfucal_in(
        dir.path(),
        &["import-epoch", "epoch.csv", "--out", "a.csv", "--write"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("epoch.csv:1: column TDP (W): is missing from the header; the required columns are Hardware name,Manufacturer,Release date,TDP (W),"),
        "{err}"
    );
    assert!(!dir.path().join("a.csv").exists());
}

#[test]
fn a_field_that_is_not_a_number_skips_its_accelerator_only() {
    let dir = tempfile::tempdir().unwrap();
    let epoch = std::fs::read_to_string(FIXTURE).unwrap();
    let mut lines: Vec<String> = epoch.lines().map(String::from).collect();
    let mut fields: Vec<String> = lines[2].split(',').map(String::from).collect();
    assert!(fields[0].starts_with("NVIDIA A100"), "{}", fields[0]);
    fields[19] = "n/a".into(); // TDP (W)
    lines[2] = fields.join(",");
    std::fs::write(dir.path().join("epoch.csv"), lines.join("\n") + "\n").unwrap();
    let out = mfucal_in(
        dir.path(),
        &["import-epoch", "epoch.csv", "--out", "a.csv", "--write"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(
        "  epoch.csv:3: NVIDIA A100 SXM4 80 GB: column TDP (W): 'n/a' is not a number; write a plain decimal such as 0.45; not written\n"
    ), "{}", stdout(&out));
    assert_eq!(read_rows(&dir.path().join("a.csv")).len(), 15 - 4);
}

/// An Epoch file with the fixture's header and rows given as (column, value) pairs.
fn epoch_file(dir: &Path, rows: &[&[(&str, &str)]]) -> std::path::PathBuf {
    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let header_line = fixture.lines().next().unwrap();
    let header: Vec<&str> = header_line.split(',').collect();
    let mut text = format!("{header_line}\n");
    for row in rows {
        let fields: Vec<&str> = header
            .iter()
            .map(|h| row.iter().find(|(c, _)| c == h).map_or("", |(_, v)| *v))
            .collect();
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    let path = dir.join("ml_hardware.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Issue 12, case 18: implausible rows are skipped with the reason (the checks `validate`
/// applies), and accented letters fold into readable ids instead of vanishing.
#[test]
fn implausible_rows_are_skipped_with_a_reason_and_accents_kept_in_ids() {
    let dir = tempfile::tempdir().unwrap();
    let row = |name: &'static str, peak: &'static str, process: &'static str| {
        vec![
            ("Hardware name", name),
            ("Manufacturer", "Acme"),
            ("Release date", "2023-05-01"),
            ("Tensor-FP16/BF16 performance (FLOP/s)", peak),
            ("TDP (W)", "500"),
            ("Process size (nm)", process),
        ]
    };
    let rows = [
        row("Ünïcörn Straße", "1e15", "5"),
        row("Acme Huge Peak", "1e296", "5"),
        row("Acme Huge Node", "1e15", "1e296"),
    ];
    let slices: Vec<&[(&str, &str)]> = rows.iter().map(|r| &r[..]).collect();
    let epoch = epoch_file(dir.path(), &slices);
    let out = mfucal_in(
        dir.path(),
        &[
            "import-epoch",
            epoch.to_str().unwrap(),
            "--out",
            "accelerators.csv",
            "--write",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("skipped 2 hardware rows"), "{text}");
    assert!(
        text.contains(
            "Acme Huge Peak: column Tensor-FP16/BF16 performance (FLOP/s): 1e296 at 500 W is"
        ),
        "{text}"
    );
    assert!(
        text.contains("outside 1e-4 to 1e4 (a unit slip?); not written"),
        "{text}"
    );
    assert!(
        text.contains(
            "Acme Huge Node: column Process size (nm): 1e296 is not a process node in nm"
        ),
        "{text}"
    );
    assert!(text.lines().all(|l| l.len() < 300), "{text}");
    let rows = read_rows(&dir.path().join("accelerators.csv"));
    let ids: Vec<&str> = rows.iter().map(|r| r["accelerator"].as_str()).collect();
    assert_eq!(ids, ["unicorn-strasse", "unicorn-strasse"]);
    assert!(rows.iter().all(|r| r["node"] == "5nm"));
}
