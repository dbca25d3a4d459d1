//! Every count flag takes scientific notation when it is a whole number (`--samples 3e7`, as
//! the README writes `1e6`); anything else is refused before anything is written.

use crate::common;

use common::{stderr, tables, top_level, Fixture};

#[test]
fn scientific_notation_counts_equal_their_digits() {
    let f = Fixture::new();
    let sci = f.run(&["--samples", "2e5", "--seed", "1.1e1", "--threads", "2E0"]);
    assert!(sci.status.success(), "{}", stderr(&sci));
    let manifest = std::fs::read_to_string(f.path("out/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"samples_per_observation\": 200000"),
        "{manifest}"
    );
    let a = tables(&f, "out");
    let plain = f.run(&["--samples", "200000", "--seed", "11", "--threads", "2"]);
    assert!(plain.status.success());
    assert_eq!(a, tables(&f, "out"));
}

#[test]
fn fractions_and_overflows_are_refused() {
    for (value, message) in [
        ("1.5", "'1.5' is not a whole number"),
        ("2.5e-1", "'2.5e-1' is not a whole number"),
        (
            "1e30",
            "'1e30' is out of range; use a whole number from 0 to 18446744073709551615",
        ),
        ("lots", "'lots' is not a whole number"),
    ] {
        for flag in ["--samples", "--seed", "--threads"] {
            let f = Fixture::new();
            let out = f.run(&[flag, value]);
            assert_eq!(out.status.code(), Some(1), "{flag} {value}");
            let err = stderr(&out);
            assert!(
                err.starts_with(&format!("error: invalid value '{value}' for '{flag} "))
                    && err.contains(message),
                "{flag} {value}: {err}"
            );
            assert_eq!(top_level(&f), ["configs", "datasets"]);
        }
    }
    // A whole number past the cap gets the cap's message, whatever its notation.
    let f = Fixture::new();
    let out = f.run(&["--samples", "1e12"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "--samples: 1000000000000 is out of range; use a whole number from 1 to 100000000000"
        ),
        "{}",
        stderr(&out)
    );
}
