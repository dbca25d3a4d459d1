//! A run killed at any point leaves the previous results byte-identical (or, once the new
//! folder has been swapped in, the complete new results): never a partial folder, and the
//! hidden temporary folders a kill leaves are never results and are removed by the next run.
//! Ctrl-C stops a run promptly with status 130, a message, and nothing written.
#![cfg(unix)]

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

use common::{stderr, tables, top_level, Fixture};

/// Far more samples than a test could wait for: the run is surely still sampling when killed.
const ENDLESS: &str = "100000000000";

fn spawn_run(f: &Fixture, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mfucal"))
        .args(["run", "--config", "configs/test.toml", "--out", "out"])
        .args(extra)
        .current_dir(f.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mfucal starts")
}

/// Every file of a folder, by name.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Waits for the line a run prints just before sampling (the long-run warning), so a kill
/// after it lands mid-sampling. Returns that line and the rest of the stream.
fn wait_for_sampling(child: &mut Child) -> (String, BufReader<ChildStderr>) {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.starts_with("warning: "), "{line}");
    (line, err)
}

/// Names in the fixture's top folder that are not hidden leftovers of a killed run.
fn visible(f: &Fixture) -> Vec<String> {
    top_level(f)
        .into_iter()
        .filter(|n| !n.starts_with(".out."))
        .collect()
}

#[test]
fn sigkill_early_or_mid_sampling_leaves_previous_results_untouched() {
    let f = Fixture::new();
    assert!(f.run(&["--samples", "20000"]).status.success());
    let before = snapshot(&f.path("out"));

    // Early: at once, while the process starts and validates.
    for delay_ms in [0, 2, 10] {
        let mut child = spawn_run(&f, &["--samples", ENDLESS, "--seed", "99"]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_eq!(
            snapshot(&f.path("out")),
            before,
            "killed after {delay_ms} ms"
        );
        assert_eq!(visible(&f), ["configs", "datasets", "out"]);
    }
    // Mid-sampling: after the run announced it is sampling.
    for after_ms in [50, 400] {
        let mut child = spawn_run(&f, &["--samples", ENDLESS, "--seed", "99"]);
        let _ = wait_for_sampling(&mut child);
        std::thread::sleep(Duration::from_millis(after_ms));
        assert!(child.try_wait().unwrap().is_none(), "still sampling");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(snapshot(&f.path("out")), before, "killed mid-sampling");
        assert_eq!(visible(&f), ["configs", "datasets", "out"]);
    }
    // The next run replaces the results whole and leaves no hidden folder behind.
    assert!(f.run(&["--samples", "20000"]).status.success());
    assert_eq!(top_level(&f), ["configs", "datasets", "out"]);
}

#[test]
fn sigkill_while_writing_leaves_old_or_complete_new_results() {
    let f = Fixture::new();
    assert!(f.run(&["--samples", "20000"]).status.success());
    // What a complete run with the killed runs' settings writes.
    let reference = f.mfucal(&[
        "run",
        "--config",
        "configs/test.toml",
        "--out",
        "new",
        "--samples",
        "3000",
        "--seed",
        "5",
    ]);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let new_tables = tables(&f, "new");
    std::fs::remove_dir_all(f.path("new")).unwrap();

    let (mut killed_before_swap, mut killed_after_swap) = (0, 0);
    for _ in 0..60 {
        let previous = snapshot(&f.path("out"));
        let mut child = spawn_run(&f, &["--samples", "3000", "--seed", "5"]);
        // Kill the moment the hidden temporary folder appears: files are being written.
        let caught = loop {
            if top_level(&f).iter().any(|n| n.starts_with(".out.tmp-")) {
                child.kill().unwrap();
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
        };
        child.wait().unwrap();
        let now = snapshot(&f.path("out"));
        if now == previous {
            killed_before_swap += usize::from(caught);
        } else {
            // Swapped in before the kill: then the folder is the complete new results.
            assert_eq!(
                now.keys().collect::<Vec<_>>(),
                [
                    "accelerators.csv",
                    "manifest.json",
                    "observations.csv",
                    "quantiles.csv"
                ]
            );
            assert!(tables(&f, "out") == new_tables, "a partial results folder");
            killed_after_swap += usize::from(caught);
            // Put different results back so the next attempt can tell old from new.
            assert!(f.run(&["--samples", "20000"]).status.success());
        }
        assert_eq!(visible(&f), ["configs", "datasets", "out"]);
        if killed_before_swap >= 3 {
            break;
        }
    }
    assert!(
        killed_before_swap > 0,
        "no kill landed while files were written ({killed_after_swap} after the swap)"
    );
    assert!(f.run(&["--samples", "20000"]).status.success());
    assert_eq!(top_level(&f), ["configs", "datasets", "out"]);
}

#[test]
fn ctrl_c_stops_promptly_with_status_130_and_writes_nothing() {
    let f = Fixture::new();
    assert!(f.run(&["--samples", "20000"]).status.success());
    let before = snapshot(&f.path("out"));
    let mut child = spawn_run(&f, &["--samples", ENDLESS, "--threads", "2"]);
    let (warning, mut err) = wait_for_sampling(&mut child);
    assert!(
        warning.contains("2.000e11 samples (2 observations x 100000000000) will take about"),
        "{warning}"
    );
    std::thread::sleep(Duration::from_millis(200));
    // Still sampling when Ctrl-C is sent (ENDLESS samples take days): its end is the stop.
    assert!(child.try_wait().unwrap().is_none(), "still sampling");
    let pid = child.id() as libc::pid_t;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    // "Promptly" by the order of events, not by the test's clock (a loaded machine stretches
    // any wall time): the binary's watchdog ends a run that has not answered Ctrl-C within its
    // grace (`GRACE` in src/cli/signals.rs) and then prints its own message, "... the previous
    // results are unchanged". The run's message instead means the sampler saw the stop and
    // wound down before the watchdog acted.
    assert!(
        !rest.contains("the previous results are unchanged"),
        "the watchdog ended the run: it did not answer Ctrl-C within the grace\n{rest}"
    );
    assert_eq!(rest, "interrupted; nothing was written, out is unchanged\n");
    assert_eq!(snapshot(&f.path("out")), before);
    assert_eq!(top_level(&f), ["configs", "datasets", "out"]);
}
