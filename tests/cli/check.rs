//! `mfucal check` through the real binary: the seed analysis' contradiction on the shipped
//! data, the exit statuses, and the probabilities against hand-derived values.

use crate::common;

use std::path::Path;

use common::{mfucal_in, stderr, stdout, Fixture};

fn shipped(args: &[&str]) -> std::process::Output {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    mfucal_in(Path::new(env!("CARGO_MANIFEST_DIR")), &all)
}

/// `(probability, id)` of each table line.
fn table(out: &str) -> Vec<(f64, String)> {
    out.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let p: f64 = f.next()?.parse().ok()?;
            Some((p, f.next()?.to_string()))
        })
        .collect()
}

/// The seed analysis: at 1 FLOP per MAC, 2.5 pJ on a 700 W, 989.4 TFLOPS H100 sustains at
/// most 700 / 2.5 = 280 TFLOPS, a 28.3 % limit (less with a power fraction below 1). Every
/// H100 run at 40 % MFU and above beats that whatever the inputs: Pr = 1.
#[test]
fn seed_case_two_and_a_half_pj_per_flop_is_contradicted_by_h100_runs_above_40_percent() {
    let out = shipped(&["--pj-per-mac", "2.5", "--flops-per-mac", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let rows = table(&text);
    let at_or_above_40 = [
        "llama3-405b-h100-8k",
        "llama3-405b-h100-16k",
        "megatron-gpt-weak-scaling-h100",
        "megatron-gpt3-175b-strong-scaling-h100",
        "mpt-70b-h100-bf16",
        "mpt-30b-h100-bf16",
        "mpt-7b-h100-bf16",
    ];
    for id in at_or_above_40 {
        let (p, _) = rows
            .iter()
            .find(|(_, i)| i == id)
            .unwrap_or_else(|| panic!("{id} missing:\n{text}"));
        assert_eq!(*p, 1.0, "{id}\n{text}");
    }
    // GPT-OSS MoE at 15.5 % MFU: bound 1.415 u / 0.155 >= 3.9 pJ > 2.5, never contradicted.
    assert_eq!(
        rows.iter()
            .find(|(_, i)| i == "bridge-gpt-oss-120b-h100-bf16"),
        Some(&(0.0, "bridge-gpt-oss-120b-h100-bf16".to_string()))
    );
    // Sorted by probability, most contradicted first.
    assert!(rows.windows(2).all(|w| w[0].0 >= w[1].0), "{text}");
    assert!(
        text.contains("verdict: contradicted: 20 of 22 observations rule out 2.5 pJ/MAC at 4nm bf16 with probability above 0.95"),
        "{text}"
    );
    assert!(text.contains("\"The Llama 3 Herd of Models\" (arXiv 2407.21783), Table 4"));
}

/// Per MAC (2 FLOPs), 2.5 pJ allows a 2 * 700 / 2.5 = 560 TFLOPS, 56.6 % limit: above every
/// H100 training run up to 48 % (the highest needs u < 0.85 to reach it, outside the power
/// fraction's range). The matmul ceilings rule it out: H100's 794.5 of 989.4 TFLOPS at 700 W is
/// at most 1.76 pJ/MAC, B200's 1745 of 2250 at 1000 W at most 1.15, GB200's 1.32, GH200's 2.17.
#[test]
fn per_mac_the_same_figure_is_ruled_out_by_the_matmul_ceilings_not_the_runs() {
    let out = shipped(&["--pj-per-mac", "2.5"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let rows = table(&text);
    let ruled_out: Vec<&str> = rows
        .iter()
        .filter(|(p, _)| *p > 0.95)
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(
        ruled_out,
        [
            "mamf-b200-bf16",
            "mamf-gb200-bf16",
            "mamf-h100-sxm-bf16",
            "mamf-gh200-bf16"
        ],
        "{text}"
    );
    for id in [
        "llama3-405b-h100-8k",
        "megatron-gpt-weak-scaling-h100",
        "mpt-7b-h100-bf16",
    ] {
        assert!(rows.contains(&(0.0, id.to_string())), "{id}\n{text}");
    }
    assert!(
        text.contains(
            "verdict: contradicted: 4 of 22 observations rule out 2.5 pJ/MAC at 4nm bf16"
        ),
        "{text}"
    );
}

/// Below every ceiling (the tightest, B200's, is at least 1000 * 0.95 * 2 / 1745 = 1.09
/// pJ/MAC) nothing rules a figure out.
#[test]
fn per_mac_one_pj_is_consistent_with_every_observation() {
    let out = shipped(&["--pj-per-mac", "1.0"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(table(&text).iter().all(|(p, _)| *p == 0.0), "{text}");
    assert!(
        text.contains("verdict: consistent: none of the 22 observations rules out 1 pJ/MAC at 4nm bf16 (largest probability 0.000)"),
        "{text}"
    );
}

#[test]
fn fail_if_contradicted_exits_3_only_above_the_threshold() {
    let contradicted = shipped(&[
        "--pj-per-mac",
        "2.5",
        "--flops-per-mac",
        "1",
        "--fail-if-contradicted",
        "0.5",
    ]);
    assert_eq!(contradicted.status.code(), Some(3));
    assert!(stdout(&contradicted).contains("verdict: contradicted"));
    let fine = shipped(&["--pj-per-mac", "1.0", "--fail-if-contradicted", "0.5"]);
    assert_eq!(fine.status.code(), Some(0));
}

/// One H100 run at MFU 0.43, power fraction uniform on [0.85, 1]: e = u * 700 * 2 /
/// (0.43 * 989.4) pJ = 3.2909 u, so Pr(e < E) = (E / 3.2909 - 0.85) / 0.15 inside the range.
#[test]
fn probability_is_the_bound_cdf_at_the_claim() {
    let f = Fixture::new();
    let e0 = 700.0 * 2.0 / (0.43 * 989.4);
    for claim in [3.0, 3.1, 3.2] {
        let out = f.mfucal(&[
            "check",
            "--config",
            "configs/test.toml",
            "--pj-per-mac",
            &claim.to_string(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let rows = table(&stdout(&out));
        assert_eq!(rows.len(), 1, "{}", stdout(&out));
        let want = (claim / e0 - 0.85) / 0.15;
        // 1e5 samples (the fixture's count): binomial error about 0.0016.
        assert!(
            (rows[0].0 - want).abs() < 0.006,
            "claim {claim}: {} vs {want}",
            rows[0].0
        );
    }
}

#[test]
fn a_node_without_observations_is_an_error_naming_the_nodes_that_have_some() {
    let f = Fixture::new();
    let out = f.mfucal(&[
        "check",
        "--config",
        "configs/test.toml",
        "--pj-per-mac",
        "2",
        "--node",
        "3nm",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no bf16 observation at 3nm; bf16 observations are at 4nm, 7nm\n"
    );
    let out = f.mfucal(&[
        "check",
        "--config",
        "configs/test.toml",
        "--pj-per-mac",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: --pj-per-mac 0 must be a positive number from 1e-6 to 1e6 pJ/MAC\n"
    );
}
