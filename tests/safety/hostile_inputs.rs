//! A corpus of hostile inputs through the real binary (issue 6), beyond the basic cases of
//! `cli_validation.rs`. Each rejected input must give exit status 1, the exact location
//! `FILE:LINE: column NAME:` (or `key NAME:`), a message saying what to fix, and write
//! nothing. Inputs a spreadsheet or editor produces from a good file (a byte-order mark,
//! CRLF line ends, quoted commas, trailing blank lines, capitalised precisions) are not
//! errors: they load and give byte-identical tables to the clean file.

use crate::common;

use common::{assert_rejected_at, stderr, tables, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS};

const OBS: &str = "datasets/observations.csv";
const ACC: &str = "datasets/accelerators.csv";
const CFG: &str = "configs/test.toml";
const OBS_HEADER: &str = "id,accelerator,precision,mfu_low,mfu_high,source\n";
const ACC_HEADER: &str = "accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source\n";

fn observations(rows: &str) -> Fixture {
    Fixture::with(CONFIG, ACCELERATORS, &format!("{OBS_HEADER}{rows}"))
}

fn accelerators(rows: &str) -> Fixture {
    Fixture::with(CONFIG, &format!("{ACC_HEADER}{rows}"), OBSERVATIONS)
}

/// The fixture config with `from` replaced by `to` (which must occur).
fn config(from: &str, to: &str) -> Fixture {
    assert!(CONFIG.contains(from), "{from}");
    Fixture::with(&CONFIG.replace(from, to), ACCELERATORS, OBSERVATIONS)
}

fn at(file: &str, line: u32, column: &str) -> String {
    format!("{file}:{line}: column {column}: ")
}

fn key(line: u32, name: &str) -> String {
    format!("{CFG}:{line}: key {name}: ")
}

// ---- CSV files as a whole ----

#[test]
fn empty_file() {
    let f = Fixture::with(CONFIG, "", OBSERVATIONS);
    assert_rejected_at(
        &f,
        &[],
        &[(
            &format!("{ACC}:1: "),
            "is empty; the first line must be the header: accelerator,vendor,node",
        )],
    );
}

#[test]
fn header_only() {
    let f = observations("");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &format!("{OBS}:1: "),
            "has a header but no rows; add at least one",
        )],
    );
}

#[test]
fn missing_column() {
    let acc = ACCELERATORS
        .replace(",tdp_w", "")
        .replace(",700", "")
        .replace(",400", "");
    let f = Fixture::with(CONFIG, &acc, OBSERVATIONS);
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 1, "tdp_w"),
            "is missing from the header; the required columns are accelerator,vendor,node,year,tdp_w,",
        )],
    );
}

#[test]
fn duplicated_column() {
    let f = Fixture::with(
        CONFIG,
        ACCELERATORS,
        "id,accelerator,precision,mfu_low,mfu_high,source,source\nllama,h100-sxm,bf16,0.43,0.43,a,b\n",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 1, "source"),
            "appears twice in the header; keep one",
        )],
    );
}

#[test]
fn capitalised_column_name() {
    let acc = ACCELERATORS.replace(",precision,", ",Precision,");
    let f = Fixture::with(CONFIG, &acc, OBSERVATIONS);
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 1, "precision"),
            "is missing from the header (the header has 'Precision': a misspelling?)",
        )],
    );
}

#[test]
fn non_utf8_bytes_name_their_column() {
    // "Universit\xe9" as a Latin-1 spreadsheet exports it.
    let mut obs = format!("{OBS_HEADER}llama,h100-sxm,bf16,0.43,0.43,ok\n").into_bytes();
    obs.extend_from_slice(b"mpt,a100-sxm,bf16,0.5,0.55,Universit\xe9\n");
    let f = Fixture::new();
    f.write(OBS, &obs);
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 3, "source"),
            "is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)",
        )],
    );
}

#[test]
fn non_utf8_config() {
    let f = Fixture::new();
    f.write(CFG, b"name = \"caf\xe9\"\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &format!("{CFG}:1: "),
            "is not valid UTF-8; save the file as UTF-8",
        )],
    );
}

#[test]
fn one_megabyte_line_gives_a_one_line_message() {
    let f = observations(&format!(
        "llama,h100-sxm,bf16,{},0.43,src\n",
        "7".repeat(1 << 20)
    ));
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 2, "mfu_low"),
            &format!("'{}... (1048576 characters)' is too large", "7".repeat(60)),
        )],
    );
    assert!(stderr(&f.run(&[])).len() < 1000);
}

#[test]
fn newline_inside_a_quoted_field_stays_on_one_line() {
    // Found by the accelerators fuzz target: a quoted field spanning lines was echoed as is.
    let f = accelerators("h100-sxm,NVIDIA,4nm,2022,700,\"bf16\nfp8\",989.4,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(&at(ACC, 2, "precision"), "unknown precision 'bf16\\nfp8'")],
    );
}

// ---- numbers ----

#[test]
fn number_too_large_for_a_double() {
    let f = accelerators("h100-sxm,NVIDIA,4nm,2022,1e400,bf16,989.4,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 2, "tdp_w"),
            "'1e400' is too large to be a finite number",
        )],
    );
}

#[test]
fn infinity() {
    let f = accelerators("h100-sxm,NVIDIA,4nm,2022,700,bf16,inf,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 2, "dense_peak_tflops"),
            "'inf' is not a finite number; write a plain decimal",
        )],
    );
}

#[test]
fn negative_zero() {
    let f = observations("llama,h100-sxm,bf16,-0,0.43,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 2, "mfu_low"),
            "0 must be above 0; MFU is a fraction in (0, 1]",
        )],
    );
}

#[test]
fn hexadecimal() {
    let f = accelerators("h100-sxm,NVIDIA,4nm,0x10,700,bf16,989.4,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 2, "year"),
            "'0x10' is not a number; write a plain decimal such as 0.45",
        )],
    );
}

#[test]
fn percent_with_a_space() {
    let f = observations("llama,h100-sxm,bf16,0.4,45 %,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 2, "mfu_high"),
            "'45 %' looks like a percent; write the fraction 0.45",
        )],
    );
}

#[test]
fn mfu_just_above_one_is_not_called_a_percent() {
    let f = observations("llama,h100-sxm,bf16,0.9,1.02,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 2, "mfu_high"),
            "1.02 is above 1; MFU is a fraction in (0, 1]",
        )],
    );
}

#[test]
fn mfu_implausibly_small() {
    let f = observations("llama,h100-sxm,bf16,1e-320,0.43,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(OBS, 2, "mfu_low"),
            "is below 0.001: no published training run",
        )],
    );
}

#[test]
fn tdp_zero() {
    let f = accelerators("h100-sxm,NVIDIA,4nm,2022,0,bf16,989.4,src\n");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 2, "tdp_w"),
            "0 must be above 0 (board power in watts)",
        )],
    );
}

#[test]
fn peak_in_flops_instead_of_tflops() {
    let f = accelerators(
        "h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4e12,src\na100-sxm,NVIDIA,7nm,2020,400,bf16,312,src\n",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 2, "dense_peak_tflops"),
            "implies 1.414999e-12 pJ/MAC at 100 % MFU, outside 0.0001 to 10000; check the units",
        )],
    );
}

// ---- ids, names and cross-file references ----

#[test]
fn unknown_precision_in_accelerators() {
    let f = accelerators(
        "h100-sxm,NVIDIA,4nm,2022,700,bf-16,989.4,src\na100-sxm,NVIDIA,7nm,2020,400,bf16,312,src\n",
    );
    // The observation on h100-sxm then names an accelerator with no usable row.
    assert_rejected_at(
        &f,
        &[],
        &[
            (
                &at(ACC, 2, "precision"),
                "unknown precision 'bf-16'; use one of tf32, bf16, fp16, fp8, int8",
            ),
            (&at(OBS, 2, "accelerator"), "unknown accelerator 'h100-sxm'"),
        ],
    );
}

#[test]
fn unknown_power_basis() {
    let f = Fixture::with(
        CONFIG,
        &format!(
            "{},power_basis\nh100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,src,measured\na100-sxm,NVIDIA,7nm,2020,400,bf16,312,src,\n",
            ACC_HEADER.trim_end()
        ),
        OBSERVATIONS,
    );
    assert_rejected_at(
        &f,
        &[],
        &[
            (
                &at(ACC, 2, "power_basis"),
                "unknown power basis 'measured'; use board_tdp or chip_measured_mean",
            ),
            (&at(OBS, 2, "accelerator"), "unknown accelerator 'h100-sxm'"),
        ],
    );
}

#[test]
fn duplicate_accelerator_and_precision() {
    let f = accelerators(
        "h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,src\na100-sxm,NVIDIA,7nm,2020,400,bf16,312,src\nh100-sxm,NVIDIA,4nm,2022,700,BF16,990,src\n",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 4, "precision"),
            "h100-sxm bf16 is already on line 2; keep one row per accelerator and precision",
        )],
    );
}

#[test]
fn one_accelerator_on_two_nodes() {
    let f = accelerators(
        "h100-sxm,NVIDIA,4nm,2022,700,bf16,989.4,src\na100-sxm,NVIDIA,7nm,2020,400,bf16,312,src\nh100-sxm,NVIDIA,7nm,2022,700,fp8,1979,src\n",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &at(ACC, 4, "node"),
            "h100-sxm has node 4nm on line 2 but 7nm here; one accelerator has one node",
        )],
    );
}

#[test]
fn reference_node_not_in_nodes() {
    let f = config("reference_node = \"4nm\"", "reference_node = \"5nm\"");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(9, "model.reference_node"),
            "'5nm' has no entry in [nodes]; add \"5nm\" = { dist = \"fixed\", value = 1.0 }",
        )],
    );
}

// ---- distributions ----

#[test]
fn distribution_with_low_equal_to_high() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nprior = { dist = \"log_uniform\", low = 1.0, high = 1.0 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(10, "model.prior"),
            "low = 1 must be below high = 1 (for a single value use dist = \"fixed\")",
        )],
    );
}

#[test]
fn lognormal_with_zero_sigma() {
    let f = config("sigma = 0.10", "sigma = 0.0");
    assert_rejected_at(
        &f,
        &[],
        &[(&key(12, "nodes.\"7nm\""), "sigma = 0 must be above 0")],
    );
}

#[test]
fn normal_with_negative_sd() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\npeak_factor = { dist = \"normal\", mean = 1.0, sd = -0.1 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(&key(10, "model.peak_factor"), "sd = -0.1 must be above 0")],
    );
}

#[test]
fn node_scale_with_negative_support() {
    let f = config(
        "{ dist = \"lognormal\", mu = 0.33, sigma = 0.10 }",
        "{ dist = \"normal\", mean = 1.4, sd = 0.1 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(12, "nodes.\"7nm\""),
            "normal(mean 1.4, sd 0.1) has support [-inf, inf], outside the valid range of a positive factor",
        )],
    );
}

#[test]
fn triangular_mode_outside_its_range() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nsoftware_efficiency = { dist = \"triangular\", low = 0.8, mode = 0.99, high = 0.95 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(10, "model.software_efficiency"),
            "triangular needs low < high and low <= mode <= high",
        )],
    );
}

#[test]
fn prior_with_negative_energies() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nprior = { dist = \"uniform\", low = -1.0, high = 10.0 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(10, "model.prior"),
            "uniform(-1, 10) has support [-1, 10], outside the valid range of an energy in pJ/MAC, which cannot be negative",
        )],
    );
}

#[test]
fn prior_outside_the_computed_range() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nprior = { dist = \"log_uniform\", low = 1e7, high = 1e9 }",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(10, "model.prior"),
            "log_uniform(10000000, 1000000000) puts 0.000 of its mass between 0.000001 and 1000000 pJ/MAC",
        )],
    );
}

#[test]
fn node_scale_too_wide_to_sample_safely() {
    let f = config("sigma = 0.10", "sigma = 5.0");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(12, "nodes.\"7nm\""),
            "a sampled factor must stay between 0.000001 and 1000000: narrow it",
        )],
    );
}

#[test]
fn unknown_distribution_and_parameter() {
    let f = config("dist = \"lognormal\"", "dist = \"gaussian\"");
    assert_rejected_at(
        &f,
        &[],
        &[(&format!("{CFG}:12:"), "unknown variant `gaussian`")],
    );
    let f = config("mu = 0.33", "m = 0.33");
    assert_rejected_at(&f, &[], &[(&format!("{CFG}:12:"), "unknown field `m`")]);
}

// ---- sampling settings ----

#[test]
fn quantile_levels_at_zero_and_one() {
    let f = config("seed = 7", "seed = 7\nquantiles = [0.0, 0.5, 1.0]");
    assert_rejected_at(
        &f,
        &[],
        &[(&key(8, "sampling.quantiles"), "0 is outside (0, 1)")],
    );
}

#[test]
fn quantile_levels_unsorted() {
    let f = config("seed = 7", "seed = 7\nquantiles = [0.5, 0.25]");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(8, "sampling.quantiles"),
            "0.25 after 0.5 : list levels in increasing order without repeats",
        )],
    );
}

#[test]
fn quantile_levels_repeated() {
    let f = config("seed = 7", "seed = 7\nquantiles = [0.05, 0.5, 0.5]");
    assert_rejected_at(&f, &[], &[(&key(8, "sampling.quantiles"), "0.5 after 0.5")]);
}

#[test]
fn no_quantile_levels() {
    let f = config("seed = 7", "seed = 7\nquantiles = []");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(8, "sampling.quantiles"),
            "is empty; list the quantile levels",
        )],
    );
}

#[test]
fn zero_samples_on_the_command_line() {
    let f = Fixture::new();
    assert_rejected_at(
        &f,
        &["--samples", "0"],
        &[(
            "--samples: ",
            "0 is out of range; use a whole number from 1 to 100000000000",
        )],
    );
}

#[test]
fn absurd_sample_count_is_refused_above_the_cap() {
    let f = config(
        "samples_per_observation = 100000",
        "samples_per_observation = 1000000000000",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(6, "sampling.samples_per_observation"),
            "1000000000000 is out of range; use a whole number from 1 to 100000000000",
        )],
    );
}

#[test]
fn negative_seed() {
    let f = config("seed = 7", "seed = -7");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(7, "sampling.seed"),
            "-7 is negative; use a whole number >= 0",
        )],
    );
}

#[test]
fn zero_flops_per_mac() {
    let f = config("[model]", "[units]\nflops_per_mac = 0\n[model]");
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(9, "units.flops_per_mac"),
            "0 must be a positive number",
        )],
    );
}

#[test]
fn unknown_method() {
    let f = config(
        "reference_node = \"4nm\"",
        "reference_node = \"4nm\"\nmethods = [\"bound\", \"bonud\"]",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            &key(10, "model.methods"),
            "unknown method 'bonud'; use \"frontier\", \"bound\" and/or \"efficiency\"",
        )],
    );
}

#[test]
fn output_name_that_is_a_path() {
    let f = config("[data]", "name = \"../elsewhere\"\n[data]");
    assert_rejected_at(
        &f,
        &[],
        &[(&key(2, "name"), "'../elsewhere' is not a folder name")],
    );
}

// ---- unknown keys and paths ----

#[test]
fn misspelt_section() {
    let f = config("[sampling]", "[sampilng]");
    assert_rejected_at(
        &f,
        &[],
        &[(&format!("{CFG}:5:2: "), "unknown field `sampilng`")],
    );
}

#[test]
fn data_path_is_a_folder() {
    let f = config("../datasets/observations.csv", "../datasets");
    assert_rejected_at(
        &f,
        &[],
        &[(
            "datasets: ",
            "is a folder, not a CSV file; point the config's [data] entry at the file",
        )],
    );
}

#[test]
fn config_that_does_not_exist_or_is_a_folder() {
    let f = Fixture::new();
    let out = f.mfucal(&["run", "--config", "configs/nope.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("\n  configs/nope.toml: cannot read the config file: "),
        "{}",
        stderr(&out)
    );
    let out = f.mfucal(&["run", "--config", "configs", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "\n  configs: is a folder, not a config file; pass the .toml file with --config"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(common::top_level(&f), ["configs", "datasets"]);
}

#[test]
fn crlf_file_errors_keep_their_line_numbers() {
    let obs =
        format!("{OBS_HEADER}llama,h100-sxm,bf16,0.43,0.43,src\nmpt,a100-sxm,bf16,55,0.55,src\n")
            .replace('\n', "\r\n");
    let f = Fixture::with(CONFIG, ACCELERATORS, &obs);
    assert_rejected_at(
        &f,
        &[],
        &[(&at(OBS, 3, "mfu_low"), "55 looks like a percent")],
    );
}

// ---- inputs that look odd but are valid ----

/// Runs the clean fixture and a variant, and requires identical tables.
fn assert_same_tables(config: &str, accelerators: &[u8], observations: &[u8]) {
    let clean = Fixture::new();
    let out = clean.run(&["--samples", "20000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let variant = Fixture::new();
    variant.write(CFG, config.as_bytes());
    variant.write(ACC, accelerators);
    variant.write(OBS, observations);
    let out = variant.run(&["--samples", "20000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        tables(&clean, "out") == tables(&variant, "out"),
        "the variant's tables differ from the clean file's"
    );
}

#[test]
fn byte_order_marks_are_accepted() {
    let bom = |s: &str| [b"\xEF\xBB\xBF".as_slice(), s.as_bytes()].concat();
    assert_same_tables(
        &String::from_utf8(bom(CONFIG)).unwrap(),
        &bom(ACCELERATORS),
        &bom(OBSERVATIONS),
    );
}

#[test]
fn crlf_line_ends_are_accepted() {
    let crlf = |s: &str| s.replace('\n', "\r\n");
    assert_same_tables(
        &crlf(CONFIG),
        crlf(ACCELERATORS).as_bytes(),
        crlf(OBSERVATIONS).as_bytes(),
    );
}

#[test]
fn quoted_commas_trailing_blank_lines_and_capitals_are_accepted() {
    let obs = OBSERVATIONS
        .replace(",fixture\n", ",\"Touvron, et al. 2023, \"\"Llama 2\"\"\"\n")
        .replace("h100-sxm,bf16", "h100-sxm,BF16")
        + "\n,,,,,\n\n";
    let acc = format!("{ACCELERATORS}\n\n");
    assert_same_tables(CONFIG, acc.as_bytes(), obs.as_bytes());
}
