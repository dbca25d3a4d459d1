//! `mfucal diff` and the comparison at the end of a run's summary, through the binary.

use crate::common;

use std::path::Path;

use common::{group_row, num, read_rows, stderr, stdout, Fixture, OBSERVATIONS};

const NEW_ROW: &str = "new-run,h100-sxm,bf16,0.60,0.60,fixture\n";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A fixture run, a copy of its results in `old`, then a new observation and a second run.
fn two_runs() -> (Fixture, String) {
    let f = Fixture::new();
    let first = f.run(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        !stdout(&first).contains("Changes from"),
        "a first run has nothing to compare with"
    );
    copy_dir(&f.path("out"), &f.path("old"));
    f.write(
        "datasets/observations.csv",
        format!("{OBSERVATIONS}{NEW_ROW}").as_bytes(),
    );
    let second = f.run(&[]);
    assert!(second.status.success(), "{}", stderr(&second));
    (f, stdout(&second))
}

#[test]
fn a_run_ends_with_what_moved_since_the_previous_results() {
    let (_f, summary) = two_runs();
    let tail = &summary[summary.find("Changes from").expect("a comparison")..];
    assert!(tail.starts_with(
        "Changes from out (before this run) to out (this run): q0.5 [q0.05, q0.95], pJ/MAC.\n"
    ));
    // 0.60 MFU on the H100 tightens the 4nm bound: that row and the pooled one move.
    assert!(
        tail.contains("| * | bound | 4nm | bf16 | observed | 1 → 2 |"),
        "{tail}"
    );
    assert!(
        tail.contains("| * | bound | 4nm | bf16 | pooled | 2 → 3 |"),
        "{tail}"
    );
    // The 7nm row has the same observation and samples: it did not move.
    assert!(
        !tail.contains("| bound | 7nm | bf16 | observed |"),
        "{tail}"
    );
    assert!(tail.contains("Observations: 1 added, 0 removed, 0 changed.\n- added: new-run (h100-sxm bf16, 4nm, MFU 0.6)\n"), "{tail}");
    assert!(
        tail.contains("Inputs changed: datasets/observations.csv."),
        "{tail}"
    );
}

#[test]
fn diff_csv_reports_relative_changes_of_the_tables() {
    let (f, _) = two_runs();
    let out = f.mfucal(&["diff", "old", "out", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(f.path("diff.csv"), &out.stdout).unwrap();
    let rows = read_rows(&f.path("diff.csv"));
    let old = read_rows(&f.path("old/quantiles.csv"));
    let new = read_rows(&f.path("out/quantiles.csv"));
    let row = rows
        .iter()
        .find(|r| r["method"] == "bound" && r["node"] == "4nm" && r["basis"] == "observed")
        .unwrap();
    let (o, n) = (
        group_row(&old, "bound", "4nm", "observed"),
        group_row(&new, "bound", "4nm", "observed"),
    );
    for q in ["q0.05", "q0.5", "q0.95"] {
        let want = (num(n, q) - num(o, q)) / num(o, q);
        let got = num(row, &format!("change_{q}"));
        assert!(
            (got - want).abs() < 1e-6 * want.abs().max(1e-3),
            "{q}: {got} vs {want}"
        );
        assert_eq!(row[&format!("old_{q}")], o[q]);
    }
    assert_eq!(row["marked"], "true");
    assert_eq!((row["old_n"].as_str(), row["new_n"].as_str()), ("1", "2"));
    let same = rows
        .iter()
        .find(|r| r["method"] == "bound" && r["node"] == "7nm" && r["basis"] == "observed")
        .unwrap();
    assert_eq!(same["change_q0.5"], "0");
    assert_eq!(same["marked"], "false");
}

#[test]
fn diff_json_threshold_and_git_revisions() {
    let (f, _) = two_runs();
    let json = f.mfucal(&["diff", "old", "out", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["observations"]["added"][0]["id"], "new-run");
    assert_eq!(v["threshold"], 0.05);
    assert_eq!(v["columns"]["centre"], "q0.5");

    let loose = f.mfucal(&["diff", "old", "out", "--threshold", "1000"]);
    assert!(
        stdout(&loose).contains("No row moved more than 1000 %"),
        "{}",
        stdout(&loose)
    );

    // The same comparison with the old side read from git.
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(f.dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    };
    git(&["init", "-q"]);
    copy_dir(&f.path("out"), &f.path("new"));
    std::fs::remove_dir_all(f.path("out")).unwrap();
    copy_dir(&f.path("old"), &f.path("out"));
    git(&["add", "out"]);
    git(&["commit", "-q", "-m", "old results"]);
    std::fs::remove_dir_all(f.path("out")).unwrap();
    copy_dir(&f.path("new"), &f.path("out"));
    let from_git = f.mfucal(&["diff", "HEAD:out", "out"]);
    let from_folder = f.mfucal(&["diff", "old", "out"]);
    assert!(from_git.status.success(), "{}", stderr(&from_git));
    assert_eq!(
        stdout(&from_git).replacen("HEAD:out", "old", 1),
        stdout(&from_folder)
    );
    let missing = f.mfucal(&["diff", "HEAD:nowhere", "out"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).starts_with("error: git show HEAD:nowhere/quantiles.csv failed: "));
}

#[test]
fn run_format_prints_the_table_and_quiet_prints_nothing() {
    let f = Fixture::new();
    let csv = f.run(&["--format", "csv"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert_eq!(
        csv.stdout,
        std::fs::read(f.path("out/quantiles.csv")).unwrap()
    );
    assert!(
        stderr(&csv).contains("samples in"),
        "the summary goes to stderr"
    );

    let json = f.run(&["--format", "json", "--quiet"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let table = read_rows(&f.path("out/quantiles.csv"));
    assert_eq!(rows.len(), table.len());
    let first = &table[0];
    assert_eq!(rows[0]["method"], first["method"].as_str());
    // JSON carries full precision; the CSV 7 significant digits.
    let median = rows[0]["quantiles"]["q0.5"].as_f64().unwrap();
    assert!((median / num(first, "q0.5") - 1.0).abs() < 1e-6);
    assert_eq!(stderr(&json), "", "--quiet: no summary");

    let md = f.run(&["--format", "markdown", "--quiet"]);
    let text = stdout(&md);
    assert!(text.starts_with("| method | node | precision | basis | n | mean | q0.025 | q0.05 | q0.25 | q0.5 | q0.75 | q0.95 | q0.975 | status |\n"));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("| bound ")).count(),
        table.iter().filter(|r| r["method"] == "bound").count()
    );
    // Markdown is for people: 4 significant digits.
    let first_row = text.lines().nth(2).unwrap();
    for cell in first_row.split('|').map(str::trim).skip(6).take(8) {
        let digits = cell.trim_start_matches(['0', '.']).replace('.', "");
        assert_eq!(digits.len(), 4, "{cell} in {first_row}");
    }

    // stderr is a pipe here, not a terminal: no progress bar, and --quiet leaves nothing.
    let quiet = f.run(&["--quiet"]);
    assert!(quiet.status.success());
    assert_eq!((stdout(&quiet).as_str(), stderr(&quiet).as_str()), ("", ""));
    let plain = f.run(&[]);
    assert_eq!(stderr(&plain), "");
}

#[test]
fn diff_exit_code_is_one_when_a_row_moved_past_the_threshold() {
    let (f, _) = two_runs();
    let diff = |args: &[&str]| {
        let mut all = vec!["diff"];
        all.extend_from_slice(args);
        f.mfucal(&all)
    };
    // The new observation moves the 4 nm rows by more than 5 %.
    let moved = diff(&["old", "out", "--exit-code"]);
    assert_eq!(moved.status.code(), Some(1), "{}", stderr(&moved));
    assert_eq!(stderr(&moved), "");
    assert!(!stdout(&moved).is_empty(), "the report is still printed");
    // Without the flag, or when nothing moved (a folder against itself, or a threshold above
    // every change), the status is 0.
    assert_eq!(diff(&["old", "out"]).status.code(), Some(0));
    assert_eq!(diff(&["out", "out", "--exit-code"]).status.code(), Some(0));
    let huge = diff(&["old", "out", "--exit-code", "--threshold", "1000000"]);
    assert_eq!(huge.status.code(), Some(0), "{}", stdout(&huge));
}
