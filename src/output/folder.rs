//! Which folders mfucal may replace, and one writer at a time per folder.
//!
//! [`crate::output::write_folder`] replaces a whole folder, so it may only replace what mfucal
//! wrote: a path that does not exist yet, an empty folder, or a folder whose `manifest.json`
//! names mfucal and which holds only files mfucal writes. Anything else needs `--force`; a
//! regular file, or a folder holding the run's inputs, is never replaced. A symlink is
//! followed to its target, which is what gets replaced: the link itself stays.
//!
//! Writers of one folder take turns through an advisory `flock` on a hidden sibling
//! `.NAME.lock`, held from before sampling until the folder is swapped. The kernel releases it
//! when its holder dies, so a killed run's lock is never stale, and a `.NAME.tmp-*` folder
//! that exists while one holds the lock was left by a dead run and may be removed.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::error::{Error, IoContext, Result};

use crate::schema::files;
use crate::stop::{Cancelled, Stop};

/// Every file mfucal writes into a results or shard folder ([`files::ALL`]).
pub const OWN_FILES: &[&str] = files::ALL;

/// Manifests are a few megabytes at most; a larger `manifest.json` is not ours.
const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// Follows `dir` through symlinks (at most 40, as the kernel does) to the path a write
/// replaces; `.` and `..` become the folder's real path, which has a name.
pub fn resolve(dir: &Path) -> Result<PathBuf> {
    let mut path = dir.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&path)
                    .io_context(&path, || format!("cannot read the link {}", path.display()))?;
                // A relative target is relative to the link's folder; joining an absolute
                // one replaces the base.
                path = path.parent().unwrap_or(Path::new("")).join(target);
            }
            _ if path.file_name().is_none() => {
                return fs::canonicalize(&path).io_context(dir, || {
                    format!("--out {}: cannot resolve it", dir.display())
                });
            }
            _ => return Ok(path),
        }
    }
    Err(Error::Refused(format!(
        "--out {}: too many levels of symbolic links; nothing was written",
        dir.display()
    )))
}

/// `out`, or `link (-> target)` for a symlink, for messages.
fn shown(dir: &Path, target: &Path) -> String {
    if dir == target {
        dir.display().to_string()
    } else {
        format!("{} (-> {})", dir.display(), target.display())
    }
}

/// Checks that a run may replace `dir` and returns the path it will replace (symlinks
/// followed). `inputs` are the files the run reads: a folder holding any of them is never
/// replaced. `force` allows replacing a folder mfucal did not write.
pub fn claim(dir: &Path, force: bool, inputs: &[PathBuf]) -> Result<PathBuf> {
    let target = resolve(dir)?;
    let shown = shown(dir, &target);
    let meta = match fs::metadata(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(target),
        Err(e) => {
            return Err(Error::Refused(format!(
                "--out {shown}: cannot inspect it ({e}); nothing was written"
            )))
        }
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(Error::Refused(format!(
            "--out {shown} is a file, not a results folder; mfucal never replaces a file; \
             nothing was written; choose another --out"
        )));
    }
    let folder = fs::canonicalize(&target)
        .io_context(&target, || format!("--out {shown}: cannot resolve it"))?;
    for input in inputs {
        if fs::canonicalize(input).is_ok_and(|i| i.starts_with(&folder)) {
            return Err(Error::Refused(format!(
                "--out {shown} holds the input {}; replacing it would delete it; nothing was \
                 written; choose another --out",
                input.display()
            )));
        }
    }
    if !force {
        if let Some(why) = foreign(&target) {
            return Err(Error::Refused(format!(
                "--out {shown} is not an mfucal results folder ({why}); nothing was written; \
                 choose another --out, or pass --force to replace it and everything in it"
            )));
        }
    }
    Ok(target)
}

/// Why an existing folder is not one mfucal wrote, or `None` when it is (or is empty).
fn foreign(dir: &Path) -> Option<String> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return Some(format!("cannot list it: {e}")),
    };
    let mut empty = true;
    for entry in entries {
        let Ok(entry) = entry else {
            return Some("cannot list it".into());
        };
        empty = false;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !OWN_FILES.contains(&name.as_str()) {
            return Some(format!("it holds {name}, which mfucal does not write"));
        }
    }
    if empty || is_own_manifest(&dir.join(files::MANIFEST)) {
        None
    } else {
        Some("it has no manifest.json written by mfucal".into())
    }
}

/// A run's manifest names the version at its top; a shard's, in its header.
fn is_own_manifest(path: &Path) -> bool {
    let mut bytes = Vec::new();
    let read = fs::File::open(path)
        .and_then(|f| f.take(MAX_MANIFEST_BYTES).read_to_end(&mut bytes))
        .is_ok();
    read && serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| {
        v.get("mfucal_version").is_some() || v.pointer("/header/mfucal_version").is_some()
    })
}

/// Lock files this process holds, so that a write under a held lock does not wait for itself.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The exclusive right to write one output path; released (and its file removed) on drop.
#[derive(Debug)]
pub struct OutLock {
    path: PathBuf,
    // Closing the file releases the flock.
    _file: fs::File,
}

/// The lock file of `target`: a hidden sibling that survives the folder swap.
pub fn lock_path(target: &Path) -> Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| Error::Refused(format!("output {} has no name", target.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(parent.join(format!(".{name}.lock")))
}

/// Does this process hold the lock of `target`?
pub fn holds(target: &Path) -> bool {
    let Ok(path) = lock_path(target) else {
        return false;
    };
    HELD.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&path)
}

/// Takes the lock of `target` (a path from [`resolve`] or [`claim`]). While another process
/// holds it: with `wait`, says so once on stderr and waits, giving up with [`Cancelled`] when
/// `stop` is requested; without, fails at once naming the holder's pid.
pub fn lock(target: &Path, wait: bool, stop: Stop) -> Result<OutLock> {
    let path = lock_path(target)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .io_context(parent, || format!("cannot create {}", parent.display()))?;
    }
    let mut told = false;
    loop {
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .io_context(&path, || {
                format!("cannot open the lock file {}", path.display())
            })?;
        if try_lock(&file).io_context(&path, || format!("cannot lock {}", path.display()))? {
            // The previous holder removes the file on release: a lock on a file the path no
            // longer names protects nothing, so try again on the current one.
            if !same_file(&file, &path) {
                continue;
            }
            // The pid is for the message a waiting run prints, not for the locking itself.
            let _ = file.set_len(0);
            let _ = writeln!(file, "{}", std::process::id());
            HELD.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(path.clone());
            return Ok(OutLock { path, _file: file });
        }
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = match holder.trim() {
            "" => "another mfucal process".to_string(),
            pid => format!("another mfucal process (pid {pid})"),
        };
        if !wait {
            return Err(Error::Locked(format!(
                "{holder} is writing {}; nothing was written; run again when it ends, or \
                 leave out --no-wait to wait for it",
                target.display()
            )));
        }
        if !told {
            eprintln!(
                "waiting: {holder} is writing {}; this run continues when it ends",
                target.display()
            );
            told = true;
        }
        if stop.requested() {
            return Err(Cancelled.into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        HELD.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|p| p != &self.path);
        // Removed while still locked: a waiter that opened it sees the path gone and retries.
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn try_lock(file: &fs::File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: flock on a file descriptor this function borrows for the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) => return Ok(false),
            Some(libc::EINTR) => continue,
            _ => return Err(e),
        }
    }
}

#[cfg(not(unix))]
fn try_lock(_: &fs::File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &fs::File, _: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_path_is_refused_until_the_first_is_dropped() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let first = lock(&out, false, Stop::NEVER).unwrap();
        assert!(holds(&out));
        // A second open file description conflicts even within one process.
        let file = fs::File::open(lock_path(&out).unwrap()).unwrap();
        assert!(!try_lock(&file).unwrap());
        drop(file);
        drop(first);
        assert!(!holds(&out));
        assert!(!lock_path(&out).unwrap().exists());
        drop(lock(&out, false, Stop::NEVER).unwrap());
    }

    #[test]
    fn own_folders_empty_folders_and_new_paths_may_be_replaced() {
        let root = tempfile::tempdir().unwrap();
        let own = root.path().join("own");
        fs::create_dir(&own).unwrap();
        fs::write(
            own.join("manifest.json"),
            b"{\"mfucal_version\": \"0.1.0\"}",
        )
        .unwrap();
        fs::write(own.join("quantiles.csv"), b"x").unwrap();
        assert!(claim(&own, false, &[]).is_ok());
        fs::write(own.join("notes.txt"), b"mine").unwrap();
        let e = claim(&own, false, &[]).unwrap_err().to_string();
        assert!(e.contains("notes.txt") && e.contains("--force"), "{e}");
        assert!(claim(&own, true, &[]).is_ok());
        fs::create_dir(root.path().join("empty")).unwrap();
        assert!(claim(&root.path().join("empty"), false, &[]).is_ok());
        assert!(claim(&root.path().join("new"), false, &[]).is_ok());
    }
}
