//! Inputs are regular files of bounded size, read once (issue 12, cases 6 and 10): a FIFO, a
//! device or an oversized file is refused with its location before anything is read, and the
//! manifest's checksums are those of the bytes the run parsed.
#![cfg(unix)]

use crate::common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{assert_rejected_at, read_rows, stderr, Fixture, ACCELERATORS, CONFIG, OBSERVATIONS};

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

fn with_observations_at(path: &str) -> Fixture {
    let config = CONFIG.replace("../datasets/observations.csv", path);
    Fixture::with(&config, ACCELERATORS, OBSERVATIONS)
}

#[test]
fn an_input_above_the_size_cap_is_refused_without_reading_it() {
    let f = Fixture::new();
    // Sparse: 1 GiB + 1 byte of apparent size, no disk used.
    let big = std::fs::File::create(f.path("datasets/observations.csv")).unwrap();
    big.set_len((1 << 30) + 1).unwrap();
    assert_rejected_at(
        &f,
        &[],
        &[(
            "datasets/observations.csv: ",
            "is larger than the 1 GiB an input may be",
        )],
    );
}

#[test]
fn a_fifo_or_a_device_as_an_input_is_refused_with_its_location() {
    let f = with_observations_at("/dev/zero");
    assert_rejected_at(
        &f,
        &[],
        &[(
            "/dev/zero: ",
            "is not a regular file (a pipe, device or socket)",
        )],
    );
    let f = Fixture::new();
    std::fs::remove_file(f.path("datasets/observations.csv")).unwrap();
    mkfifo(&f.path("datasets/observations.csv"));
    assert_rejected_at(
        &f,
        &[],
        &[("datasets/observations.csv: ", "is not a regular file")],
    );
    let o = f.mfucal(&["validate", "--config", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("/dev/zero: is not a regular file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_shard_state_that_is_not_a_regular_file_is_refused() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("s1")).unwrap();
    mkfifo(&f.path("s1/state.bin"));
    let o = f.mfucal(&["merge", "--out", "merged", "s1"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stderr(&o);
    assert!(
        text.starts_with("error: s1/state.bin: is not a regular file"),
        "{text}"
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_manifest_hashes_the_bytes_the_run_parsed() {
    // While runs go on, the observations file flips (atomically) between two versions with
    // different MFUs. Whichever version a run parsed, its manifest must name that one.
    let f = Fixture::new();
    let other = OBSERVATIONS.replace("0.43,0.43", "0.44,0.44");
    let versions = [OBSERVATIONS.to_string(), other];
    let digests: Vec<String> = versions.iter().map(|v| sha256_hex(v.as_bytes())).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (stop, dir) = (Arc::clone(&stop), f.dir.path().join("datasets"));
        let versions = versions.clone();
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let tmp = dir.join(".flip");
                std::fs::write(&tmp, &versions[i % 2]).unwrap();
                std::fs::rename(&tmp, dir.join("observations.csv")).unwrap();
                i += 1;
            }
        })
    };
    for run in 0..12 {
        let o = f.run(&["--samples", "2000", "--threads", "1", "--quiet"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let rows = read_rows(&f.path("out/observations.csv"));
        let llama = rows.iter().find(|r| r["id"] == "llama").unwrap();
        let parsed = if llama["mfu_low"].starts_with("0.43") {
            0
        } else {
            1
        };
        let manifest = std::fs::read_to_string(f.path("out/manifest.json")).unwrap();
        assert!(
            manifest.contains(&digests[parsed]),
            "run {run}: parsed version {parsed}, the manifest names another"
        );
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
}
