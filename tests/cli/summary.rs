//! `summary.md`: the quotable answer per node and precision, written with every run, agreeing
//! with `quantiles.csv` and `sensitivity.csv`, and flagged where it needs a caveat.

use crate::common;

use std::collections::HashMap;

use common::{group_row, num, read_rows, stderr, stdout, Fixture, ACCELERATORS, CONFIG};

/// The fixture with a third node, 5nm, that has no observations (a scaled row).
fn fixture() -> Fixture {
    let config = CONFIG.replace(
        "\"7nm\" =",
        "\"5nm\" = { dist = \"lognormal\", mu = 0.1, sigma = 0.05 }\n\"7nm\" =",
    );
    let observations = "\
id,accelerator,precision,mfu_low,mfu_high,source
llama,h100-sxm,bf16,0.43,0.43,fixture
llama2,h100-sxm,bf16,0.40,0.45,fixture
mpt,a100-sxm,bf16,0.50,0.55,fixture
";
    Fixture::with(&config, ACCELERATORS, observations)
}

/// The rows of the Markdown table in `summary.md`, keyed by column header.
fn table(md: &str) -> Vec<HashMap<String, String>> {
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut lines = md.lines().filter(|l| l.starts_with('|'));
    let header = cells(lines.next().expect("a table"));
    lines
        .skip(1)
        .map(|l| header.iter().cloned().zip(cells(l)).collect())
        .collect()
}

fn close(md: &str, exact: f64) {
    let x: f64 = md.parse().unwrap_or_else(|_| panic!("{md:?}"));
    assert!(
        (x / exact - 1.0).abs() < 6e-4,
        "{md} is not {exact} to 4 digits"
    );
    let digits = md.trim_start_matches(['0', '.']).replace('.', "");
    assert_eq!(digits.len(), 4, "{md}: 4 significant digits");
}

#[test]
fn summary_md_quotes_the_frontier_and_flags_what_needs_a_caveat() {
    let f = fixture();
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(f.path("out/summary.md")).unwrap();
    let rows = table(&md);
    let quantiles = read_rows(&f.path("out/quantiles.csv"));
    let sensitivity = read_rows(&f.path("out/sensitivity.csv"));
    let row = |node: &str| {
        rows.iter()
            .find(|r| r["node"] == node && r["precision"] == "bf16")
            .unwrap_or_else(|| panic!("no {node} row in\n{md}"))
    };
    // One row per node: observed 4 and 7 nm, scaled 5 nm; no pooled row.
    assert_eq!(rows.len(), 3, "{md}");

    for (node, basis) in [("4nm", "observed"), ("7nm", "observed"), ("5nm", "scaled")] {
        let r = row(node);
        assert_eq!(r["basis"], basis);
        let frontier = group_row(&quantiles, "frontier", node, basis);
        close(&r["frontier median"], num(frontier, "q0.5"));
        close(&r["q0.05"], num(frontier, "q0.05"));
        close(&r["q0.95"], num(frontier, "q0.95"));
        close(
            &r["ceiling"],
            num(group_row(&quantiles, "bound", node, basis), "q0.95"),
        );
        // Moved by the prior exactly when sensitivity.csv says an alternative moves the
        // interval's ends (q0.05, q0.95) by more than 10 %; a scaled row inherits its pooled
        // row's sensitivity.
        let (s_node, s_basis) = if basis == "scaled" {
            ("4nm", "pooled")
        } else {
            (node, basis)
        };
        let moved = sensitivity.iter().any(|s| {
            s["analysis"] == "prior"
                && s["method"] == "frontier"
                && s["node"] == s_node
                && s["basis"] == s_basis
                && (s["output"] == "q0.05" || s["output"] == "q0.95")
                && s["relative_change"]
                    .parse::<f64>()
                    .is_ok_and(|c| c.abs() > 0.10)
        });
        assert_eq!(
            r["flags"].contains("moved by the prior"),
            moved,
            "{node}: {}",
            r["flags"]
        );
    }
    assert_eq!(row("4nm")["n"], "2");
    assert!(!row("4nm")["flags"].contains("one observation"));
    assert_eq!(row("4nm")["tightest observation"], "llama");
    // 7 nm rests on one run; 5 nm has none and says where its figure comes from.
    assert!(row("7nm")["flags"].contains("rests on one observation"));
    assert_eq!(row("7nm")["tightest observation"], "mpt");
    assert_eq!(row("5nm")["n"], "0");
    assert_eq!(row("5nm")["tightest observation"], "-");
    assert!(row("5nm")["flags"].contains("extrapolated from pooled 4nm bf16 (3 obs)"));

    // The terminal summary leads with the same answers and flags.
    let screen = stdout(&out);
    assert!(screen.contains("flags"), "{screen}");
    let line7 = screen.lines().find(|l| l.starts_with("7nm ")).unwrap();
    assert!(line7.contains("rests on one observation"), "{line7}");
    assert!(
        screen.contains(
            "extrapolated (no observations; the pooled row times the node's scale): 5nm bf16"
        ),
        "{screen}"
    );
}

#[test]
fn without_the_frontier_the_first_method_is_quoted() {
    let config = CONFIG.replace(
        "reference_node = \"4nm\"\n",
        "reference_node = \"4nm\"\nmethods = [\"bound\"]\n",
    );
    let f = Fixture::with(&config, ACCELERATORS, common::OBSERVATIONS);
    let out = f.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(f.path("out/summary.md")).unwrap();
    let quantiles = read_rows(&f.path("out/quantiles.csv"));
    let r = table(&md).into_iter().find(|r| r["node"] == "4nm").unwrap();
    close(
        &r["bound median"],
        num(group_row(&quantiles, "bound", "4nm", "observed"), "q0.5"),
    );
}

/// Issue 14: a scaled row counts the observations at its node (none) and names the pooled
/// count in its own column, for every method; observed and pooled rows use what they count.
#[test]
fn scaled_rows_count_no_observations_and_say_how_many_they_rest_on() {
    let f = fixture();
    let out = f.run(&["--samples", "20000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_rows(&f.path("out/quantiles.csv"));
    for method in ["frontier", "bound"] {
        let scaled = group_row(&rows, method, "5nm", "scaled");
        assert_eq!(scaled["n_observations"], "0", "{method}");
        assert_eq!(
            scaled["n_observations_used"], "3",
            "{method}: every bf16 run"
        );
        let pooled = group_row(&rows, method, "4nm", "pooled");
        assert_eq!(pooled["n_observations"], "3", "{method}");
        assert_eq!(pooled["n_observations_used"], "3", "{method}");
        let h100 = group_row(&rows, method, "4nm", "observed");
        assert_eq!(h100["n_observations"], "2", "{method}: the two H100 runs");
        assert_eq!(h100["n_observations_used"], "2", "{method}");
        // Samples are those of the observations used.
        assert_eq!(num(scaled, "samples"), 3.0 * 20000.0, "{method}");
    }
    let md = std::fs::read_to_string(f.path("out/summary.md")).unwrap();
    let row = table(&md)
        .into_iter()
        .find(|r| r.values().any(|v| v == "5nm"))
        .expect("a 5nm row");
    assert!(
        row.values()
            .any(|v| v.contains("extrapolated from pooled 4nm bf16 (3 obs)")),
        "{row:?}"
    );
}
