//! The seed analysis' arithmetic through `mfucal limit`, with its H100 figures (700 W,
//! 990 TFLOPS) and its convention of one FLOP per MAC. Expected values by hand:
//! 700 W / 2.5 pJ = 280 TFLOPS, 280 / 990 = 28.3 %; 700 / 1.65 = 424.2 TFLOPS, 42.9 %;
//! 700 / (0.45 * 990e12) = 1.571 pJ.

use crate::common;

use common::{stderr, stdout, Fixture, CONFIG, OBSERVATIONS};

const SEED_H100: &str = "accelerator,vendor,node,year,tdp_w,precision,dense_peak_tflops,source\n\
                         h100-sxm,NVIDIA,4nm,2022,700,bf16,990,seed analysis\n\
                         a100-sxm,NVIDIA,7nm,2020,400,bf16,312,fixture\n";

fn limit(extra: &[&str]) -> String {
    let f = Fixture::with(CONFIG, SEED_H100, OBSERVATIONS);
    let mut args = vec![
        "limit",
        "--config",
        "configs/test.toml",
        "--accelerator",
        "h100-sxm",
    ];
    args.extend_from_slice(extra);
    let out = f.mfucal(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn external_estimate_implies_a_28_percent_limit() {
    let out = limit(&["--pj-per-mac", "2.5", "--flops-per-mac", "1"]);
    assert!(
        out.contains("sustains 280.0 TFLOPS: a physics limit of 28.3 % of the dense peak"),
        "{out}"
    );
}

#[test]
fn calibrated_value_implies_a_43_percent_limit() {
    let out = limit(&["--pj-per-mac", "1.65", "--flops-per-mac", "1"]);
    assert!(
        out.contains("sustains 424.2 TFLOPS: a physics limit of 42.9 % of the dense peak"),
        "{out}"
    );
}

#[test]
fn mfu_of_45_percent_bounds_energy_at_1_57_pj() {
    let out = limit(&["--mfu", "0.45", "--flops-per-mac", "1"]);
    assert!(
        out.contains("at MFU 0.45 the energy per MAC cannot exceed 1.571 pJ/MAC"),
        "{out}"
    );
}

#[test]
fn two_flops_per_mac_doubles_the_energy_bound() {
    // The config's default flops_per_mac is 2: per MAC, the bound is twice the per-FLOP one.
    let out = limit(&["--mfu", "0.45"]);
    assert!(out.contains("cannot exceed 3.143 pJ/MAC"), "{out}");
}

#[test]
fn percent_mfu_and_unknown_accelerator_are_refused() {
    let f = Fixture::with(CONFIG, SEED_H100, OBSERVATIONS);
    let out = f.mfucal(&[
        "limit",
        "--config",
        "configs/test.toml",
        "--accelerator",
        "h100-sxm",
        "--mfu",
        "45",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: --mfu 45 must be a fraction in (0, 1], at least 0.001; 45 looks like a percent, write 0.45\n"
    );
    let out = f.mfucal(&[
        "limit",
        "--config",
        "configs/test.toml",
        "--accelerator",
        "h300",
        "--mfu",
        "0.4",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown accelerator 'h300' in datasets/accelerators.csv; `mfucal list accelerators` lists them\n"
    );
}
