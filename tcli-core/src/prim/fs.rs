//! Files that are never seen half-written and locks that serialise writers: the one
//! temp-file-and-rename and the one lock-file routine every writer in tcli uses (the index,
//! the team registry, installed libraries).

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Writes `dest` as a temp file in its own directory, synced, then renamed over it: a reader
/// sees the old file or the new one, never part of either. `fill` writes the content; `mode`
/// sets the permissions before the rename.
pub fn write_atomic(
    dest: &Path,
    mode: Option<u32>,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    fill(tmp.as_file_mut())?;
    if let Some(mode) = mode {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

/// [`write_atomic`] of a byte string.
pub fn write_bytes_atomic(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic(dest, None, |f| f.write_all(bytes))
}

/// How to wait for a lock another process holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Block until it is free.
    Block,
    /// Give up at once (`Ok(None)`).
    Never,
}

/// An exclusive lock on `path` (created, with its directory), held until the returned file is
/// dropped. `on_wait` runs once, before blocking, when another process holds it.
pub fn lock(path: &Path, wait: Wait, on_wait: impl FnOnce()) -> io::Result<Option<File>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) if wait == Wait::Never => Ok(None),
        Err(std::fs::TryLockError::WouldBlock) => {
            on_wait();
            f.lock()?;
            Ok(Some(f))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}
