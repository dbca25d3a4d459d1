//! One interval on every screen a person reads: the median and the 90 % interval
//! (q0.05–q0.95), whatever quantile levels the config writes to the CSV tables.

use crate::common;

use common::{read_rows, stderr, stdout, Fixture};

/// What a command printed, less the run summary's list of prior-dominated quantile columns
/// (it names the columns of sensitivity.csv, every configured level, by design).
fn printed(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    let all = format!("{}{}", stdout(o), stderr(o));
    let mut out = String::new();
    let mut in_list = false;
    for line in all.lines() {
        if line.starts_with("prior-dominated quantiles") {
            in_list = true;
            continue;
        }
        if in_list && line.starts_with("  ") {
            continue;
        }
        in_list = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn run_show_check_and_diff_print_the_90_percent_interval_only() {
    let f = Fixture::new();
    let run = f.run(&[]);
    let text = printed(&run);
    assert!(text.contains("median  [q0.05, q0.95]"), "{text}");
    // The CSV keeps every configured level.
    let rows = read_rows(&f.path("out/quantiles.csv"));
    assert!(rows[0].contains_key("q0.025") && rows[0].contains_key("q0.975"));
    // The summary's posterior rows are the q0.05 and q0.95 columns of quantiles.csv.
    let row = rows
        .iter()
        .find(|r| r["method"] == "bound" && r["node"] == "4nm" && r["basis"] == "observed")
        .unwrap();
    let q = |c: &str| row[c].parse::<f64>().unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("bound") && l.contains(" 4nm ") && l.contains("observed"))
        .unwrap();
    let expected = format!("[{:.4}, {:.4}]", q("q0.05"), q("q0.95"));
    assert!(line.contains(&expected), "{line} lacks {expected}");

    let show = printed(&f.mfucal(&["show", "out"]));
    let check = printed(&f.mfucal(&[
        "check",
        "--config",
        "configs/test.toml",
        "--pj-per-mac",
        "2",
    ]));
    assert!(check.contains("e_i 90 % (pJ/MAC)"), "{check}");
    let diff = printed(&f.mfucal(&["diff", "out", "out"]));
    for (what, text) in [
        ("run", &text),
        ("show", &show),
        ("check", &check),
        ("diff", &diff),
    ] {
        for other in ["q0.025", "q0.975", "95 %", "2.5 %"] {
            assert!(!text.contains(other), "{what} prints {other}:\n{text}");
        }
    }
}

#[test]
fn show_interval_prints_another_interval_from_the_stored_columns() {
    // `show --interval 0.95` reads q0.025 and q0.975; a level the run did not store is refused.
    let f = Fixture::new();
    printed(&f.run(&[]));
    let out = f.mfucal(&[
        "show",
        "out",
        "--node",
        "4nm",
        "--format",
        "csv",
        "--interval",
        "0.95",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    assert!(
        csv.starts_with("node,precision,basis,n,method,median,q0.025,q0.975,ceiling,"),
        "{csv}"
    );
    let row = read_rows(&f.path("out/quantiles.csv"))
        .into_iter()
        .find(|r| r["method"] == "frontier" && r["node"] == "4nm" && r["basis"] == "observed")
        .unwrap();
    assert!(
        csv.contains(&format!(",{},{},", row["q0.025"], row["q0.975"])),
        "{csv}"
    );
    let out = f.mfucal(&["show", "out", "--interval", "0.8"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.trim_end().ends_with("no q0.1 and q0.9 columns for the 80 % interval; it has q0.025, q0.05, q0.25, q0.5, q0.75, q0.95, q0.975 (set [sampling] quantiles in the config and run again)"),
        "{err}"
    );
    assert!(err.starts_with("error: "), "{err}");
    let out = f.mfucal(&["show", "out", "--interval", "95"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("interval 95: give a probability between 0 and 1, e.g. 0.9 or 0.95"),
        "{}",
        stderr(&out)
    );
}
