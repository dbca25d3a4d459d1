//! `mfucal check` at an extrapolated node: a node of the config's `[nodes]` with no
//! observation of the precision. The claim is moved to each run's node by the node scales,
//! so with fixed scales it must give exactly the probabilities of the moved claims.

use crate::common;

use common::{stderr, stdout, Fixture};

/// 5nm has no observation; fixed scales make the extrapolation exact: 5nm = 4nm x 1.25,
/// 7nm = 4nm x 1.5.
fn fixture() -> Fixture {
    let config = common::CONFIG.replace(
        "\"7nm\" = { dist = \"lognormal\", mu = 0.33, sigma = 0.10 }",
        "\"7nm\" = { dist = \"fixed\", value = 1.5 }\n\"5nm\" = { dist = \"fixed\", value = 1.25 }",
    );
    Fixture::with(&config, common::ACCELERATORS, common::OBSERVATIONS)
}

/// `id -> probability` of a check's table.
fn probabilities(out: &str) -> Vec<(String, f64)> {
    let mut rows: Vec<(String, f64)> = out
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let p: f64 = f.next()?.parse().ok()?;
            Some((f.next()?.to_string(), p))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

fn check(f: &Fixture, pj: &str, node: &str) -> String {
    let out = f.mfucal(&[
        "check",
        "--config",
        "configs/test.toml",
        "--pj-per-mac",
        pj,
        "--node",
        node,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn a_claim_at_a_scaled_node_is_tested_against_every_run_moved_by_the_scales() {
    let f = fixture();
    // 2.5 pJ/MAC at 5nm is 2.5 / 1.25 = 2 at 4nm and 2 x 1.5 = 3 at 7nm.
    let scaled = check(&f, "2.5", "5nm");
    assert!(
        scaled.contains("5nm has no bf16 observation: the claim is extrapolated to each run's node by the config's node scales"),
        "{scaled}"
    );
    let at = |node: &str, pj: &str, id: &str| {
        probabilities(&check(&f, pj, node))
            .into_iter()
            .find(|r| r.0 == id)
            .unwrap()
            .1
    };
    let got = probabilities(&scaled);
    assert_eq!(got.len(), 2, "{scaled}");
    assert_eq!(got[0], ("llama".to_string(), at("4nm", "2", "llama")));
    assert_eq!(got[1], ("mpt".to_string(), at("7nm", "3", "mpt")));
    // Each row names its run's node.
    let llama = scaled.lines().find(|l| l.contains(" llama ")).unwrap();
    assert!(llama.contains(" h100-sxm     4nm "), "{llama}");
    assert!(scaled.contains("verdict: "), "{scaled}");
}

#[test]
fn a_node_outside_the_config_is_still_an_error() {
    let f = fixture();
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
}
