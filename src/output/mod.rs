//! Writing a results folder atomically: a run either replaces the whole folder or leaves the
//! previous one untouched.
//!
//! Files are written and synced into a hidden sibling `.NAME.tmp-PID`, which then takes the
//! place of `NAME`. On Linux the two folders are exchanged in one atomic `renameat2`
//! (`RENAME_EXCHANGE`), and the previous results, now under the hidden name, are removed.
//! Elsewhere (or on a file system without the exchange) the previous results are first
//! renamed aside to `.NAME.old-PID`, then the new folder renamed into place. Leftovers of
//! killed runs (hidden `.NAME.tmp-*` / `.NAME.old-*` siblings) are never read as results and
//! are removed by the next run; if a kill landed between the two renames of the fallback,
//! the next run restores the `.old` folder first.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, IoContext, Result};

pub mod folder;
use crate::stop::{Cancelled, Stop};

/// Whether this process has published a results folder (swapped it into place), behind the
/// lock that every swap holds: see [`exit_unless_published`].
static PUBLISHED: Mutex<bool> = Mutex::new(false);

/// Calls `exit` (which should end the process) unless a results folder has already been
/// published, holding the publishing lock meanwhile: no swap can start or be half-reported
/// around it. The binary's Ctrl-C watchdog uses it to end a run that has not answered in time
/// without ever claiming "nothing was written" after a swap.
pub fn exit_unless_published(exit: impl FnOnce()) {
    let published = PUBLISHED.lock().unwrap_or_else(PoisonError::into_inner);
    if !*published {
        exit();
    }
}

/// Replaces `dir` by a folder holding exactly `files` (name, bytes). Until the final swap a
/// requested `stop` abandons the write, leaving `dir` untouched, with the error [`Cancelled`].
///
/// A symlink `dir` is followed: its target is replaced, the link stays. A regular file is
/// never replaced. The write holds `dir`'s lock ([`folder::lock`]), taking it (and waiting
/// for it) unless this process already does, so leftovers of killed runs can be removed
/// without touching a live run's temporary folder. On any error the temporary folder is
/// removed: a full disk is not kept full.
pub fn write_folder(dir: &Path, files: &[(&str, Vec<u8>)], stop: Stop) -> Result<()> {
    let dir = &folder::resolve(dir)?;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Refused(format!(
            "{} is a file, not a results folder; mfucal never replaces a file; choose another --out",
            dir.display()
        )));
    }
    let name = dir
        .file_name()
        .ok_or_else(|| Error::Refused(format!("output folder {} has no name", dir.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .io_context(&parent, || format!("cannot create {}", parent.display()))?;
    let _lock = match folder::holds(dir) {
        true => None,
        false => Some(folder::lock(dir, true, stop)?),
    };
    recover_and_clean(&parent, &name, dir)?;

    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    fs::create_dir(&tmp).io_context(&tmp, || format!("cannot create {}", tmp.display()))?;
    let written = (|| -> Result<()> {
        for (file, bytes) in files {
            let path = tmp.join(file);
            let mut f = fs::File::create(&path)
                .io_context(&path, || format!("cannot create {}", path.display()))?;
            f.write_all(bytes)
                .io_context(&path, || format!("cannot write {}", path.display()))?;
            f.sync_all()
                .io_context(&path, || format!("cannot sync {}", path.display()))?;
            if stop.requested() {
                break;
            }
        }
        Ok(())
    })();
    if let Err(e) = written {
        // Disk full, quota, permissions: the partial folder must not stay (and keep it full).
        let _ = fs::remove_dir_all(&tmp);
        return Err(e.context(format!(
            "nothing was written; {} is unchanged",
            dir.display()
        )));
    }
    let mut published = PUBLISHED.lock().unwrap_or_else(PoisonError::into_inner);
    if stop.requested() {
        // The last moment to give up: past the swap the new results are in place.
        fs::remove_dir_all(&tmp).io_context(&tmp, || format!("cannot remove {}", tmp.display()))?;
        return Err(Cancelled.into());
    }

    if dir.exists() && exchange(&tmp, dir) {
        *published = true;
        drop(published);
        // The previous results are now in `tmp`: a kill from here on leaves the new results
        // in place and a hidden leftover the next run removes.
        fs::remove_dir_all(&tmp).io_context(&tmp, || format!("cannot remove {}", tmp.display()))?;
    } else {
        let swapped = swap_by_renames(&tmp, dir, &parent.join(format!(".{name}.old-{pid}")));
        *published = swapped.is_ok();
        drop(published);
        swapped?;
    }
    if let Ok(d) = fs::File::open(&parent) {
        let _ = d.sync_all(); // make the renames durable where the platform allows
    }
    Ok(())
}

/// Swaps two folders in one step where the platform can (Linux `renameat2` with
/// `RENAME_EXCHANGE`): at no instant is `dir` missing or partial. False when unsupported
/// (other systems, file systems without it), and nothing was changed.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    rc == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// The portable swap: a folder cannot be renamed over a non-empty one, so the previous
/// results go aside to `old` first and are removed after; if the second rename fails they are
/// renamed back. A kill between the two renames leaves `old`, which the next run restores.
fn swap_by_renames(tmp: &Path, dir: &Path, old: &Path) -> Result<()> {
    let had_previous = dir.exists();
    if had_previous {
        fs::rename(dir, old).io_context(dir, || {
            format!("cannot move the previous {} aside", dir.display())
        })?;
    }
    if let Err(e) = fs::rename(tmp, dir) {
        if had_previous {
            let _ = fs::rename(old, dir);
        }
        let _ = fs::remove_dir_all(tmp);
        return Err(e).io_context(dir, || {
            format!("cannot move the new results into {}", dir.display())
        });
    }
    if had_previous {
        fs::remove_dir_all(old).io_context(old, || format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// Replaces the file `path` by `bytes` atomically: written and synced to a hidden sibling
/// `.NAME.tmp-PID`, then renamed over it, so a reader sees the old file or the new one.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Argument(format!("{} has no file name", path.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .io_context(&parent, || format!("cannot create {}", parent.display()))?;
    // Under the file's lock every `.NAME.tmp-*` sibling is a killed writer's leftover.
    let _lock = match folder::holds(path) {
        true => None,
        false => Some(folder::lock(path, true, Stop::NEVER)?),
    };
    remove_leftover_files(path);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        // Marked published with the rename, so the Ctrl-C watchdog never claims "nothing
        // was written" after it.
        let mut published = PUBLISHED.lock().unwrap_or_else(PoisonError::into_inner);
        fs::rename(&tmp, path)?;
        *published = true;
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e).io_context(path, || format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Removes the `.NAME.tmp-*` files killed [`write_file`]s of `path` left. Only safe under
/// `path`'s lock ([`folder::lock`]), which every writer holds while its file exists.
pub fn remove_leftover_files(path: &Path) {
    let (Some(name), Some(parent)) = (path.file_name(), path.parent()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.tmp-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Restores previous results a kill left aside, and removes leftovers of killed runs.
fn recover_and_clean(parent: &Path, name: &str, dir: &Path) -> Result<()> {
    let tmp_prefix = format!(".{name}.tmp-");
    let old_prefix = format!(".{name}.old-");
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if file_name.starts_with(&old_prefix) && !dir.exists() {
            fs::rename(&path, dir)
                .io_context(&path, || format!("cannot restore {}", path.display()))?;
        } else if file_name.starts_with(&tmp_prefix) || file_name.starts_with(&old_prefix) {
            fs::remove_dir_all(&path)
                .io_context(&path, || format!("cannot remove stale {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_previous_results_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("results").join("default");
        write_folder(
            &dir,
            &[("a.csv", b"1".to_vec()), ("b.csv", b"2".to_vec())],
            Stop::NEVER,
        )
        .unwrap();
        write_folder(&dir, &[("a.csv", b"3".to_vec())], Stop::NEVER).unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"3");
        assert!(!dir.join("b.csv").exists());
        let names: Vec<_> = fs::read_dir(root.path().join("results"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("default")]);
    }

    #[test]
    fn portable_swap_replaces_previous_results() {
        let root = tempfile::tempdir().unwrap();
        let (tmp, dir, old) = (
            root.path().join(".d.tmp-1"),
            root.path().join("d"),
            root.path().join(".d.old-1"),
        );
        for (folder, text) in [(&tmp, "new"), (&dir, "old")] {
            fs::create_dir(folder).unwrap();
            fs::write(folder.join("a.csv"), text).unwrap();
        }
        swap_by_renames(&tmp, &dir, &old).unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"new");
        assert!(!tmp.exists() && !old.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_folders() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        for (folder, text) in [(&a, "a"), (&b, "b")] {
            fs::create_dir(folder).unwrap();
            fs::write(folder.join("f"), text).unwrap();
        }
        if exchange(&a, &b) {
            assert_eq!(fs::read(a.join("f")).unwrap(), b"b");
            assert_eq!(fs::read(b.join("f")).unwrap(), b"a");
        } else {
            // A file system without RENAME_EXCHANGE: nothing may have moved.
            assert_eq!(fs::read(a.join("f")).unwrap(), b"a");
        }
    }

    #[test]
    fn restores_results_left_aside_by_a_kill() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("default");
        let aside = root.path().join(".default.old-1");
        fs::create_dir(&aside).unwrap();
        fs::write(aside.join("a.csv"), b"old").unwrap();
        fs::create_dir(root.path().join(".default.tmp-2")).unwrap();
        recover_and_clean(root.path(), "default", &dir).unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"old");
        assert!(!root.path().join(".default.tmp-2").exists());
    }
}
