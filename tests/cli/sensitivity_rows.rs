//! `outputs.observation_sensitivity`: per-observation Sobol rows in `sensitivity.csv` only
//! where a reader can use them (issue 15: 100,000 observations wrote a 233 MB table).

use crate::common;

use common::{
    assert_rejected_at, read_rows, stderr, stdout, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS,
};

fn fixture(outputs: &str) -> Fixture {
    Fixture::with(&format!("{CONFIG}{outputs}"), ACCELERATORS, OBSERVATIONS)
}

/// `(observation rows, prior rows)` of `sensitivity.csv`.
fn rows(f: &Fixture) -> (usize, usize) {
    let rows = read_rows(&f.path("out/sensitivity.csv"));
    let observation = rows
        .iter()
        .filter(|r| r["analysis"] == "sobol" && !r["observation"].is_empty())
        .count();
    let prior = rows.iter().filter(|r| r["analysis"] == "prior").count();
    (observation, prior)
}

#[test]
fn auto_and_all_write_each_observations_rows_none_writes_none() {
    // 2 observations x 5 inputs x 2 statistics for the bound (the frontier has no Sobol targets).
    for (outputs, expected) in [
        ("", 20),
        ("[outputs]\nobservation_sensitivity = \"auto\"\n", 20),
        ("[outputs]\nobservation_sensitivity = \"all\"\n", 20),
        ("[outputs]\nobservation_sensitivity = \"none\"\n", 0),
    ] {
        let f = fixture(outputs);
        let out = f.run(&["--samples", "20000"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let (observation, prior) = rows(&f);
        assert_eq!(observation, expected, "{outputs:?}");
        assert!(
            prior > 0,
            "{outputs:?}: the prior sensitivity is always written"
        );
        let said = stdout(&out).contains("no per-observation Sobol rows for 2 observations");
        assert_eq!(
            said,
            expected == 0,
            "{outputs:?}: the summary says when rows are left out"
        );
    }
}

#[test]
fn an_unknown_value_is_a_located_error() {
    let f = fixture("[outputs]\nobservation_sensitivity = \"some\"\n");
    let line = CONFIG.lines().count() + 2;
    assert_rejected_at(
        &f,
        &[],
        &[(
            &format!("configs/test.toml:{line}: key outputs.observation_sensitivity: "),
            "unknown value 'some'; use \"auto\" (up to 1000 observations), \"all\" or \"none\"",
        )],
    );
}
