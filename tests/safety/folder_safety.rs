//! mfucal never deletes what it did not write (issue 12, cases 1, 5, 9, 12, 14): `--out` is
//! replaced only when it is new, empty or an mfucal results folder; a user's folder needs
//! `--force`; a file or the folder of the inputs is never replaced; a symlink is followed;
//! a failed write leaves no temporary folder.
#![cfg(unix)]

use crate::common;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use common::{assert_rejected_at, stderr, top_level, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS};

const SMALL: [&str; 2] = ["--samples", "20000"];

/// `mfucal run --config configs/test.toml --out OUT EXTRA...`.
fn run_to(f: &Fixture, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--config", "configs/test.toml", "--out", out];
    args.extend_from_slice(extra);
    f.mfucal(&args)
}

/// Every file under a folder, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            for (k, v) in tree(&e.path()) {
                files.insert(format!("{name}/{k}"), v);
            }
        } else {
            files.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    files
}

/// A refusal: status 1, one line on stderr naming `what`, and the hint `hint`.
fn assert_refused(o: &std::process::Output, what: &str, hint: &str) {
    let text = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(text.starts_with("error: --out "), "{text}");
    assert!(text.contains(what) && text.contains(hint), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
}

#[test]
fn out_datasets_is_refused_even_with_force_and_the_inputs_survive() {
    let f = Fixture::new();
    let before = tree(f.dir.path());
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["run", "--config", "configs/test.toml", "--out", "datasets"];
        args.extend_from_slice(extra);
        assert_refused(&f.mfucal(&args), "holds the input", "another --out");
        for out in [".", "configs"] {
            let mut args = vec!["run", "--config", "configs/test.toml", "--out", out];
            args.extend_from_slice(extra);
            assert_refused(&f.mfucal(&args), "holds the input", "another --out");
        }
    }
    assert_eq!(tree(f.dir.path()), before, "something changed");
}

#[test]
fn a_folder_mfucal_did_not_write_needs_force() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("mine")).unwrap();
    f.write("mine/notes.txt", b"my notes");
    let mut args = vec!["run", "--config", "configs/test.toml", "--out", "mine"];
    args.extend_from_slice(&SMALL);
    let o = f.mfucal(&args);
    assert_refused(&o, "mine is not an mfucal results folder", "--force");
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(f.path("mine/notes.txt")).unwrap(),
        b"my notes"
    );

    // A folder with a foreign manifest is not ours either.
    std::fs::create_dir(f.path("other")).unwrap();
    f.write("other/manifest.json", b"{\"tool\": \"something else\"}");
    let o = run_to(&f, "other", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    args.push("--force");
    let o = f.mfucal(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(f.path("mine/quantiles.csv").is_file());
    assert!(!f.path("mine/notes.txt").exists());
}

#[test]
fn an_empty_folder_and_earlier_results_are_replaced_without_force() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("out")).unwrap();
    for seed in ["1", "2"] {
        let o = f.run(&["--samples", "20000", "--seed", seed]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(top_level(&f), ["configs", "datasets", "out"]);
}

#[test]
fn merge_out_is_guarded_like_run() {
    let f = Fixture::new();
    for (k, dir) in [("1/2", "s1"), ("2/2", "s2")] {
        let o = run_to(&f, dir, &["--samples", "20000", "--shard", k]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    std::fs::create_dir(f.path("mine")).unwrap();
    f.write("mine/notes.txt", b"my notes");
    let before = tree(f.dir.path());
    let merge = |out: &str| f.mfucal(&["merge", "--out", out, "s1", "s2"]);
    assert_refused(&merge("datasets"), "holds the input", "another --out");
    assert_refused(&merge("s1"), "holds the input s1", "another --out");
    assert_refused(&merge("mine"), "not an mfucal results folder", "--force");
    assert_eq!(tree(f.dir.path()), before, "something changed");
    let o = merge("merged");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn out_naming_a_regular_file_is_refused_and_the_file_kept() {
    let f = Fixture::new();
    f.write("out", b"my file");
    for _ in 0..2 {
        for extra in [&[][..], &["--force"][..]] {
            assert_refused(&f.run(extra), "out is a file", "another --out");
            assert_eq!(std::fs::read(f.path("out")).unwrap(), b"my file");
            // Never moved aside to a hidden name, and nothing else left behind.
            assert_eq!(top_level(&f), ["configs", "datasets", "out"]);
        }
    }
}

#[test]
fn out_naming_a_symlink_writes_through_it() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("real")).unwrap();
    std::os::unix::fs::symlink("real", f.path("link")).unwrap();
    for seed in ["1", "2"] {
        let o = run_to(&f, "link", &["--samples", "20000", "--seed", seed]);
        assert!(o.status.success(), "{}", stderr(&o));
        let meta = std::fs::symlink_metadata(f.path("link")).unwrap();
        assert!(meta.file_type().is_symlink(), "the link was replaced");
        assert!(f.path("real/quantiles.csv").is_file());
    }
    assert_eq!(top_level(&f), ["configs", "datasets", "link", "real"]);

    // A link to a file is refused like the file.
    f.write("file", b"my file");
    std::os::unix::fs::symlink("file", f.path("filelink")).unwrap();
    assert_refused(&run_to(&f, "filelink", &[]), "is a file", "another --out");
    assert_eq!(std::fs::read(f.path("file")).unwrap(), b"my file");
}

#[test]
fn a_failed_write_leaves_no_temporary_folder_and_the_previous_results() {
    let f = Fixture::new();
    assert!(f.run(&SMALL).status.success());
    let before = tree(&f.path("out"));
    // A file-size limit makes the writes fail as a full disk does (EFBIG instead of ENOSPC),
    // through the same error path, without filling a real disk.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfucal"));
    cmd.args(["run", "--config", "configs/test.toml", "--out", "out"])
        .args(["--samples", "20000", "--seed", "3"])
        .current_dir(f.dir.path());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4096,
                rlim_max: 4096,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    assert_eq!(top_level(&f), ["configs", "datasets", "out"], "leftovers");
    assert_eq!(tree(&f.path("out")), before);
}

#[test]
fn name_dot_and_dot_dot_are_refused_by_validation() {
    for name in [".", ".."] {
        let config = format!("name = \"{name}\"{CONFIG}");
        let f = Fixture::with(&config, ACCELERATORS, OBSERVATIONS);
        assert_rejected_at(
            &f,
            &[],
            &[("configs/test.toml:1: key name: ", "is not a folder name")],
        );
        // Without --out the name picks the folder: refused before sampling, nothing left.
        let o = f.mfucal(&["run", "--config", "configs/test.toml"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(top_level(&f), ["configs", "datasets"]);
    }
}
