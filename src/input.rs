//! Reading an input file whole, safely: only regular files (a FIFO would block forever,
//! `/dev/zero` would fill memory), at most [`MAX_INPUT_BYTES`], and at most that many bytes
//! even if the file grows while it is read. The bytes returned are the ones parsed and the
//! ones hashed for the manifest, so both describe one version of the file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest input accepted: far above any real dataset (the 100,000-observation synthetic
/// test set is 10 MB), far below what would exhaust memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Why an input could not be read, as the end of a one-line message after its path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// The path is a folder.
    #[error("is a folder, not a file")]
    Folder,
    /// The path is a pipe, device or socket.
    #[error(
        "is not a regular file (a pipe, device or socket); save the data to a file and pass that"
    )]
    NotRegular,
    /// The file is larger than [`MAX_INPUT_BYTES`].
    #[error("is larger than the {} GiB an input may be; is it the right file?", MAX_INPUT_BYTES >> 30)]
    TooLarge,
    /// Any other I/O error, with the system's message.
    #[error("cannot be read ({0})")]
    Io(String),
    /// Does not exist (some callers create it).
    #[error("cannot be read ({0})")]
    Missing(String),
}

/// Reads `path` whole under the rules of the module documentation.
pub fn read_input(path: &Path) -> Result<Vec<u8>, InputError> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => InputError::Missing(e.to_string()),
        _ => InputError::Io(e.to_string()),
    };
    let file = open_without_blocking(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(InputError::Folder);
    }
    if !meta.is_file() {
        return Err(InputError::NotRegular);
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge);
    }
    Ok(bytes)
}

/// Opens for reading; on Unix with `O_NONBLOCK`, so that opening a FIFO without a writer
/// returns at once (it is then refused as not a regular file). The flag has no effect on
/// reading a regular file.
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// SHA-256 of bytes, hex, for the manifest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
