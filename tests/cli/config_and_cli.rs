//! Config and command line agree (issue 12, case 16): TOML type errors name their key, the
//! config's seed takes every u64 `--seed` takes, and a bad command-line value exits with
//! status 1 like every other bad input (README, Reliability: exit statuses).

use crate::common;

use common::{assert_rejected_at, stderr, tables, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS};

fn config(from: &str, to: &str) -> Fixture {
    assert!(CONFIG.contains(from), "{from}");
    Fixture::with(&CONFIG.replace(from, to), ACCELERATORS, OBSERVATIONS)
}

#[test]
fn toml_type_errors_name_their_key() {
    let f = config(
        "samples_per_observation = 100000",
        "samples_per_observation = \"many\"",
    );
    assert_rejected_at(
        &f,
        &[],
        &[(
            "configs/test.toml:6: key sampling.samples_per_observation: ",
            "invalid type: string \"many\"",
        )],
    );
    let f = config("mu = 0.33", "mu = \"0.33\"");
    assert_rejected_at(
        &f,
        &[],
        &[(
            "configs/test.toml:12: key nodes.\"7nm\": ",
            "invalid type: string \"0.33\", expected f64",
        )],
    );
}

#[test]
fn the_config_seed_takes_every_u64_like_the_command_line() {
    let f = config("seed = 7", "seed = \"18446744073709551615\"");
    let o = f.run(&["--samples", "20000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let from_config = tables(&f, "out");
    let o = f.run(&["--samples", "20000", "--seed", "18446744073709551615"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(tables(&f, "out"), from_config);

    let f = config("seed = 7", "seed = \"seven\"");
    assert_rejected_at(
        &f,
        &[],
        &[(
            "configs/test.toml:7: key sampling.seed: ",
            "'seven' is not a whole number from 0 to 18446744073709551615",
        )],
    );
}

#[test]
fn bad_command_line_values_exit_with_status_1() {
    let f = Fixture::new();
    for args in [
        &["run", "--samples", "abc"][..],
        &["run", "--threads", "-1"][..],
        &["run", "--seed", "18446744073709551616"][..],
        &["check", "--pj-per-mac", "x"][..],
        &[
            "limit",
            "--accelerator",
            "h100-sxm",
            "--mfu",
            "0.4",
            "--precision",
            "fp64",
        ][..],
        &["no-such-command"][..],
    ] {
        let o = f.mfucal(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    }
    assert_eq!(f.mfucal(&["--help"]).status.code(), Some(0));
    assert_eq!(f.mfucal(&["--version"]).status.code(), Some(0));
}
