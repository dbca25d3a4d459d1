//! `run --format json|markdown` through the binary: JSON carries every quantile's Monte Carlo
//! standard error, markdown prints 4 significant digits, and the data go to stdout with the
//! summary on stderr.

use crate::common;

use common::{read_rows, stderr, stdout};

#[test]
fn json_rows_carry_the_mcse_of_every_quantile() {
    let f = common::sampled_fixture();
    let out = f.run(&["--format", "json", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let csv = read_rows(&f.path("out/quantiles.csv"));
    assert_eq!(rows.len(), csv.len());
    for (json, csv) in rows.iter().zip(&csv) {
        let quantiles = json["quantiles"].as_object().unwrap();
        let mcse = json["mcse"].as_object().unwrap();
        assert_eq!(
            quantiles.keys().collect::<Vec<_>>(),
            mcse.keys().collect::<Vec<_>>()
        );
        if csv["status"] != "ok" {
            continue;
        }
        for (label, value) in mcse {
            let column: f64 = csv[&format!("mcse_{label}")].parse().unwrap();
            let v = value.as_f64().unwrap();
            assert!(
                (v - column).abs() <= 1e-6 * column.abs().max(1e-12),
                "{label}: json {v}, csv {column}"
            );
        }
    }
    assert!(
        rows.iter()
            .any(|r| r["mcse"]["q0.5"].as_f64().is_some_and(|m| m > 0.0)),
        "a sampled method has a positive MCSE"
    );
}

#[test]
fn markdown_prints_four_significant_digits_on_stdout_and_the_summary_on_stderr() {
    let f = common::Fixture::new();
    let out = f.run(&["--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("| method |"), "{table}");
    let mut numbers = 0;
    for cell in table.lines().skip(2).flat_map(|l| l.split('|')) {
        let cell = cell.trim();
        if cell.parse::<f64>().is_err() || !cell.contains('.') {
            continue;
        }
        numbers += 1;
        let digits = cell.trim_start_matches(['0', '.']).replace('.', "");
        assert!(
            digits.len() <= 4,
            "{cell} has more than 4 significant digits"
        );
    }
    assert!(numbers > 0, "{table}");
    assert!(
        stderr(&out).contains("pJ/MAC at 2 FLOPs per MAC"),
        "{}",
        stderr(&out)
    );
}
