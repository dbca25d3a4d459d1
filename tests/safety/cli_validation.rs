//! Bad inputs through the real binary: exit status 1, every problem located as
//! `FILE:LINE: column NAME: what is wrong` (or `key NAME` in a config), nothing written.

use crate::common;

use common::{stderr, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS};

const OBS_HEADER: &str = "id,accelerator,precision,mfu_low,mfu_high,source\n";

/// Runs both `run` and `validate` on a broken fixture and checks the message and that no
/// output folder appeared.
fn assert_rejected(f: &Fixture, expected: &[&str]) {
    let run = f.run(&[]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "run should fail: {}",
        stderr(&run)
    );
    let text = stderr(&run);
    for line in expected {
        assert!(text.contains(line), "missing\n  {line}\nin\n{text}");
    }
    assert!(text.contains("nothing was written"), "{text}");
    assert!(
        !f.path("out").exists(),
        "a failed run wrote its output folder"
    );
    let validate = f.mfucal(&["validate", "--config", "configs/test.toml"]);
    assert_eq!(validate.status.code(), Some(1));
    assert_eq!(
        stderr(&validate),
        text,
        "validate and run report the same problems"
    );
}

fn observations(rows: &str) -> Fixture {
    Fixture::with(CONFIG, ACCELERATORS, &format!("{OBS_HEADER}{rows}"))
}

#[test]
fn mfu_written_as_a_percent() {
    let f = observations("llama,h100-sxm,bf16,43,43,src\n");
    assert_rejected(
        &f,
        &[
            "datasets/observations.csv:2: column mfu_low: 43 looks like a percent; MFU is a fraction in (0, 1], write 0.43",
            "datasets/observations.csv:2: column mfu_high: 43 looks like a percent",
        ],
    );
}

#[test]
fn mfu_with_a_percent_sign() {
    let f = observations("llama,h100-sxm,bf16,45%,0.5,src\n");
    assert_rejected(&f, &["datasets/observations.csv:2: column mfu_low: '45%' looks like a percent; write the fraction 0.45"]);
}

#[test]
fn mfu_zero_or_above_one() {
    let f = observations("a,h100-sxm,bf16,0,0.4,src\nb,h100-sxm,bf16,0.4,150,src\n");
    assert_rejected(
        &f,
        &[
            "datasets/observations.csv:2: column mfu_low: 0 must be above 0; MFU is a fraction in (0, 1]",
            "datasets/observations.csv:3: column mfu_high: 150 is above 1; MFU is a fraction in (0, 1]",
        ],
    );
}

#[test]
fn low_above_high() {
    let f = observations("mpt,a100-sxm,bf16,0.55,0.50,src\n");
    assert_rejected(&f, &["datasets/observations.csv:2: column mfu_high: mfu_low 0.55 is above mfu_high 0.5; swap them"]);
}

#[test]
fn unknown_accelerator_and_precision() {
    let f = observations(
        "a,h200,bf16,0.4,0.4,src\nb,h100-sxm,bf17,0.4,0.4,src\nc,h100-sxm,fp8,0.3,0.3,src\n",
    );
    assert_rejected(
        &f,
        &[
            "datasets/observations.csv:2: column accelerator: unknown accelerator 'h200'; add it to datasets/accelerators.csv or fix the id",
            "datasets/observations.csv:3: column precision: unknown precision 'bf17'; use one of tf32, bf16, fp16, fp8, int8",
            "datasets/observations.csv:4: column precision: accelerator 'h100-sxm' has no fp8 row in datasets/accelerators.csv",
        ],
    );
}

#[test]
fn duplicate_id() {
    let f = observations("llama,h100-sxm,bf16,0.4,0.4,src\nllama,a100-sxm,bf16,0.5,0.5,src\n");
    assert_rejected(&f, &["datasets/observations.csv:3: column id: duplicate id 'llama' (first on line 2); ids must be unique"]);
}

#[test]
fn missing_source() {
    let f = observations("llama,h100-sxm,bf16,0.4,0.4,\n");
    assert_rejected(
        &f,
        &["datasets/observations.csv:2: column source: is empty; fill it in"],
    );
}

#[test]
fn non_numeric_and_nan() {
    let f = observations("a,h100-sxm,bf16,abc,0.4,src\nb,h100-sxm,bf16,0.4,NaN,src\n");
    assert_rejected(
        &f,
        &[
            "datasets/observations.csv:2: column mfu_low: 'abc' is not a number; write a plain decimal such as 0.45",
            "datasets/observations.csv:3: column mfu_high: 'NaN' is not a finite number; write a plain decimal",
        ],
    );
}

#[test]
fn negative_power_and_zero_peak() {
    let acc = "accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source\n\
               h100-sxm,NVIDIA,4nm,2022,-700,bf16,989.4,src\n\
               a100-sxm,NVIDIA,7nm,2020,400,bf16,0,src\n";
    let f = Fixture::with(CONFIG, acc, OBSERVATIONS);
    assert_rejected(
        &f,
        &[
            "datasets/accelerators.csv:2: column tdp_w: -700 must be above 0 (board power in watts)",
            "datasets/accelerators.csv:3: column dense_peak_tflops: 0 must be above 0 (dense peak in TFLOPS)",
        ],
    );
}

#[test]
fn node_missing_from_config() {
    let acc = ACCELERATORS.replace("7nm", "8nm");
    let f = Fixture::with(CONFIG, &acc, OBSERVATIONS);
    assert_rejected(
        &f,
        &["datasets/accelerators.csv:3: column node: node '8nm' has no entry in the config's [nodes] (configs/test.toml); add \"8nm\" = { dist = ... } there"],
    );
}

#[test]
fn missing_and_misspelt_columns() {
    let obs = OBSERVATIONS.replace("mfu_high", "mfu_hgih");
    let f = Fixture::with(CONFIG, ACCELERATORS, &obs);
    assert_rejected(
        &f,
        &["datasets/observations.csv:1: column mfu_high: is missing from the header (the header has 'mfu_hgih': a misspelling?); the required columns are id,accelerator,precision,mfu_low,mfu_high,source"],
    );
}

#[test]
fn row_with_unquoted_comma() {
    let f = observations("llama,h100-sxm,bf16,0.4,0.4,Touvron, et al.\n");
    assert_rejected(&f, &["datasets/observations.csv:2: has 7 fields but the header has 6; quote fields that contain commas"]);
}

#[test]
fn config_unknown_key() {
    let cfg = CONFIG.replace("seed = 7", "sede = 7");
    let f = Fixture::with(&cfg, ACCELERATORS, OBSERVATIONS);
    assert_rejected(&f, &["configs/test.toml:7:1: unknown field `sede`, expected one of `samples_per_observation`, `seed`, `quantiles`"]);
}

#[test]
fn config_distribution_outside_its_quantity() {
    let cfg = CONFIG.replace(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\npower_fraction = { dist = \"uniform\", low = 0.9, high = 1.1 }\nsoftware_efficiency = { dist = \"uniform\", low = 0.9, high = 0.8 }",
    );
    let f = Fixture::with(&cfg, ACCELERATORS, OBSERVATIONS);
    assert_rejected(
        &f,
        &[
            "configs/test.toml:10: key model.power_fraction: uniform(0.9, 1.1) has support [0.9, 1.1], outside the valid range of a fraction in (0, 1]",
            "configs/test.toml:11: key model.software_efficiency: low = 0.9 must be below high = 0.8",
        ],
    );
}

#[test]
fn config_quantiles_and_samples_out_of_range() {
    let cfg = CONFIG.replace(
        "samples_per_observation = 100000",
        "samples_per_observation = 0\nquantiles = [0.5, 97.5]",
    );
    let f = Fixture::with(&cfg, ACCELERATORS, OBSERVATIONS);
    assert_rejected(
        &f,
        &[
            "configs/test.toml:6: key sampling.samples_per_observation: 0 is out of range; use a whole number from 1 to 100000000000",
            "configs/test.toml:7: key sampling.quantiles: 97.5 is outside (0, 1); quantile levels are fractions, e.g. 0.975 not 97.5",
        ],
    );
}

#[test]
fn data_path_that_does_not_exist() {
    let cfg = CONFIG.replace("../datasets/observations.csv", "../datasets/nope.csv");
    let f = Fixture::with(&cfg, ACCELERATORS, OBSERVATIONS);
    assert_rejected(&f, &["datasets/nope.csv: cannot be read ("]);
}

#[test]
fn a_failed_run_leaves_previous_results_untouched() {
    let f = Fixture::new();
    assert!(f.run(&[]).status.success());
    let before = std::fs::read(f.path("out/quantiles.csv")).unwrap();
    f.write(
        "datasets/observations.csv",
        format!("{OBS_HEADER}llama,h100-sxm,bf16,43,43,src\n").as_bytes(),
    );
    assert_eq!(f.run(&[]).status.code(), Some(1));
    assert_eq!(std::fs::read(f.path("out/quantiles.csv")).unwrap(), before);
}

/// Header with the optional columns of datasets v2 (`kind`, measured power).
const OBS_HEADER_V2: &str =
    "id,accelerator,precision,mfu_low,mfu_high,source,kind,power_w_measured,power_measured_covers\n";

fn observations_v2(rows: &str) -> Fixture {
    Fixture::with(CONFIG, ACCELERATORS, &format!("{OBS_HEADER_V2}{rows}"))
}

#[test]
fn unknown_kind() {
    let f = observations_v2(
        "a,h100-sxm,bf16,0.4,0.4,src,training,,\nb,h100-sxm,bf16,0.8,0.8,src,gemm,,\n",
    );
    assert_rejected(
        &f,
        &["datasets/observations.csv:3: column kind: unknown kind 'gemm'; use training (the default when empty) or matmul_benchmark"],
    );
}

#[test]
fn measured_power_negative_non_numeric_zero_or_nan() {
    let f = observations_v2(
        "a,h100-sxm,bf16,0.4,0.4,src,,-330,chip\n\
         b,h100-sxm,bf16,0.4,0.4,src,,330W,chip\n\
         c,h100-sxm,bf16,0.4,0.4,src,,0,chip\n\
         d,h100-sxm,bf16,0.4,0.4,src,,NaN,chip_and_host\n",
    );
    assert_rejected(
        &f,
        &[
            "datasets/observations.csv:2: column power_w_measured: -330 must be above 0 (measured mean power per chip in watts)",
            "datasets/observations.csv:3: column power_w_measured: '330W' is not a number; write a plain decimal such as 0.45",
            "datasets/observations.csv:4: column power_w_measured: 0 must be above 0 (measured mean power per chip in watts)",
            "datasets/observations.csv:5: column power_w_measured: 'NaN' is not a finite number; write a plain decimal",
        ],
    );
}

#[test]
fn measured_power_needs_its_coverage() {
    let f = observations_v2(
        "a,h100-sxm,bf16,0.4,0.4,src,,330,\n\
         b,h100-sxm,bf16,0.4,0.4,src,,,chip\n\
         c,h100-sxm,bf16,0.4,0.4,src,,330,board\n",
    );
    assert_rejected(
        &f,
        &[
            "datasets/observations.csv:2: column power_measured_covers: is empty but power_w_measured is given; write chip or chip_and_host",
            "datasets/observations.csv:3: column power_measured_covers: 'chip' is given without power_w_measured",
            "datasets/observations.csv:4: column power_measured_covers: unknown coverage 'board'; use chip or chip_and_host",
        ],
    );
}

#[test]
fn measured_power_far_above_tdp_is_a_warning_not_an_error() {
    // 900 W on a 700 W board: 1.29 x TDP, above the 1.2 x threshold.
    let f = observations_v2(
        "a,h100-sxm,bf16,0.4,0.4,src,,900,chip_and_host\nb,h100-sxm,bf16,0.8,0.8,src,matmul_benchmark,,\n",
    );
    let out = f.mfucal(&["validate", "--config", "configs/test.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = format!("{}{}", stderr(&out), common::stdout(&out));
    assert!(
        text.contains("datasets/observations.csv:2: column power_w_measured: a measured 900 W per chip, 1.29x its board TDP 700 W"),
        "{text}"
    );
    // A benchmark at 0.8 of peak is not a suspicious training MFU.
    assert!(!text.contains("column mfu_high: b has MFU"), "{text}");
}

#[test]
fn config_kind_and_measured_power_distributions_are_checked() {
    let cfg = CONFIG.replace(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nmeasured_power_factor = { dist = \"uniform\", low = -0.1, high = 1.05 }\n\
         [model.kinds.matmul_benchmark]\npower_fraction = { dist = \"uniform\", low = 0.95, high = 1.2 }\nspeed = 1",
    );
    let f = Fixture::with(&cfg, ACCELERATORS, OBSERVATIONS);
    let run = f.run(&[]);
    assert_eq!(run.status.code(), Some(1));
    // An unknown key under the kind is refused before any value is checked.
    assert!(
        stderr(&run).contains("configs/test.toml:13:"),
        "{}",
        stderr(&run)
    );
    assert!(
        stderr(&run).contains("unknown field `speed`"),
        "{}",
        stderr(&run)
    );
    let cfg = cfg.replace("\nspeed = 1", "");
    let f = Fixture::with(&cfg, ACCELERATORS, OBSERVATIONS);
    assert_rejected(
        &f,
        &[
            "configs/test.toml:10: key model.measured_power_factor: uniform(-0.1, 1.05) has support [-0.1, 1.05], outside the valid range of a positive factor, in (0, inf)",
            "configs/test.toml:12: key model.kinds.matmul_benchmark.power_fraction: uniform(0.95, 1.2) has support [0.95, 1.2], outside the valid range of a fraction in (0, 1]",
        ],
    );
}
