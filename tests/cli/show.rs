//! `mfucal show`: the stored results without re-running, filtered, in four formats, agreeing
//! with `quantiles.csv` and `summary.md`.

use crate::common;

use common::{read_rows, stderr, stdout, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS};

fn ran() -> Fixture {
    let config = CONFIG.replace(
        "\"7nm\" =",
        "\"5nm\" = { dist = \"lognormal\", mu = 0.1, sigma = 0.05 }\n\"7nm\" =",
    );
    let f = Fixture::with(&config, ACCELERATORS, OBSERVATIONS);
    let out = f.run(&["--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    f
}

fn show(f: &Fixture, args: &[&str]) -> String {
    let mut all = vec!["show", "out"];
    all.extend_from_slice(args);
    let out = f.mfucal(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn show_prints_the_quotable_figures_per_node() {
    let f = ran();
    let quantiles = read_rows(&f.path("out/quantiles.csv"));
    let csv = show(&f, &["--format", "csv"]);
    let rows = read_rows_from(&csv);
    // Every observed and scaled frontier row, quotable figures first, with the file's digits.
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(csv.starts_with("node,precision,basis,n,method,median,q0.05,q0.95,ceiling,"));
    for r in &rows {
        let q = common::group_row(&quantiles, "frontier", &r["node"], &r["basis"]);
        assert_eq!(
            (&r["median"], &r["q0.05"], &r["q0.95"]),
            (&q["q0.5"], &q["q0.05"], &q["q0.95"])
        );
        let b = common::group_row(&quantiles, "bound", &r["node"], &r["basis"]);
        assert_eq!(r["ceiling"], b["q0.95"]);
    }
    let scaled = rows.iter().find(|r| r["node"] == "5nm").unwrap();
    assert_eq!(scaled["n"], "0");
    assert!(scaled["flags"].contains("extrapolated from pooled 4nm bf16 (2 obs)"));

    // The terminal table, one node: the numbers of summary.md, to 4 significant digits.
    let table = show(&f, &["--node", "7nm"]);
    let line = table.lines().nth(1).unwrap();
    assert!(
        line.starts_with("7nm ") && line.contains("rests on one observation"),
        "{table}"
    );
    assert_eq!(table.lines().filter(|l| l.starts_with("7nm")).count(), 1);
    let summary = std::fs::read_to_string(f.path("out/summary.md")).unwrap();
    let md_line = summary.lines().find(|l| l.starts_with("| 7nm |")).unwrap();
    let md_numbers: Vec<&str> = md_line.split('|').map(str::trim).skip(5).take(4).collect();
    for n in &md_numbers {
        assert!(line.contains(n), "{n} of summary.md not in\n{line}");
    }
    let markdown = show(&f, &["--node", "7nm", "--format", "markdown"]);
    assert!(
        markdown.contains(&format!("| {} |", md_numbers.join(" | "))),
        "{markdown}"
    );
}

#[test]
fn show_one_accelerator_as_json() {
    let f = ran();
    let json: serde_json::Value = serde_json::from_str(&show(
        &f,
        &["--accelerator", "h100-sxm", "--format", "json"],
    ))
    .unwrap();
    let answers = json["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["node"], "4nm");
    assert_eq!(answers[0]["n"], 1);
    let own: Vec<&str> = json["accelerator"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["quantity"].as_str().unwrap())
        .collect();
    assert_eq!(own, ["pj_per_mac", "physics_limit", "sustainable_tflops"]);
}

#[test]
fn show_refuses_unknown_ids_and_folders() {
    let f = ran();
    for (args, message) in [
        (
            vec!["show", "out", "--accelerator", "h100"],
            "error: unknown accelerator 'h100' in out/accelerators.csv; did you mean h100-sxm?\n",
        ),
        (
            vec!["show", "out", "--node", "7mn"],
            "error: --node 7mn: not in out/quantiles.csv; did you mean 7nm?\n",
        ),
    ] {
        let out = f.mfucal(&args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), message);
    }
    let missing = f.mfucal(&["show", "nowhere"]);
    assert_eq!(missing.status.code(), Some(1));
    let err = stderr(&missing);
    assert!(
        err.starts_with("error: cannot read nowhere/quantiles.csv") && err.lines().count() == 1,
        "{err}"
    );
}

fn read_rows_from(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, csv).unwrap();
    read_rows(&path)
}
