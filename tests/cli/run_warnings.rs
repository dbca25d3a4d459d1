//! `run` shows the input warnings `validate` prints, on stderr, also under `--quiet`; `--strict`
//! turns them into an error before anything is sampled or written.

use crate::common;

use common::{stderr, stdout, top_level, Fixture, CONFIG, OBSERVATIONS};

/// The A100's TDP typed in kW: 1.0 instead of 400.
fn kilowatt_typo() -> Fixture {
    let accelerators = common::ACCELERATORS.replace("2020,400,bf16", "2020,1.0,bf16");
    Fixture::with(CONFIG, &accelerators, OBSERVATIONS)
}

fn warning_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("warning: "))
        .collect()
}

#[test]
fn run_warns_about_a_tdp_in_kilowatts_as_validate_does() {
    let f = kilowatt_typo();
    let validate = f.mfucal(&["validate", "--config", "configs/test.toml"]);
    assert!(validate.status.success());
    let expected = stdout(&validate);
    let expected = warning_lines(&expected);
    assert_eq!(expected.len(), 1, "{expected:?}");
    assert!(expected[0].contains("a100-sxm bf16") && expected[0].contains("tdp_w"));

    let run = f.run(&[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.contains(expected[0]),
        "run's stderr lacks the warning:\n{err}"
    );
    // Data on stdout, warnings on stderr.
    assert!(!stdout(&run).contains("warning:"), "{}", stdout(&run));

    let quiet = f.run(&["--quiet"]);
    assert!(quiet.status.success());
    assert_eq!(stdout(&quiet), "");
    assert!(stderr(&quiet).contains(expected[0]), "{}", stderr(&quiet));
}

#[test]
fn strict_makes_a_warning_an_error_and_writes_nothing() {
    let f = kilowatt_typo();
    let run = f.run(&["--strict"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("error: --strict: 1 input warning above")
            && last.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(warning_lines(&err).len(), 1, "{err}");
    assert_eq!(top_level(&f), ["configs", "datasets"]);
    assert_eq!(stdout(&run), "");
}

#[test]
fn strict_passes_clean_inputs() {
    let f = Fixture::new();
    let run = f.run(&["--strict", "--quiet"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!((stdout(&run).as_str(), stderr(&run).as_str()), ("", ""));
    assert!(f.path("out/summary.md").is_file());
}

#[test]
fn a_shard_run_warns_and_obeys_strict_too() {
    let f = kilowatt_typo();
    let strict = f.run(&["--shard", "1/2", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).contains("warning: ") && stderr(&strict).contains("error: --strict"));
    assert_eq!(top_level(&f), ["configs", "datasets"]);
    let shard = f.run(&["--shard", "1/2", "--quiet"]);
    assert!(shard.status.success(), "{}", stderr(&shard));
    assert!(
        stderr(&shard).contains("a100-sxm bf16"),
        "{}",
        stderr(&shard)
    );
}
