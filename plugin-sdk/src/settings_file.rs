//! Reading one `tcli.toml` from disk within tcli's bound, for tcli and for modules that read
//! team files themselves (doctor): the one place the bound and its checks are stated.

use std::io::Read;
use std::path::Path;

/// The largest settings file read (docs/team-repos.md): a page of text; anything larger is a
/// mistake or an attack, not settings.
pub const SETTINGS_MAX: u64 = 4 << 20;

/// Why a settings file could not be read; shown after "cannot read <path>: ".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Larger than [`SETTINGS_MAX`], or grown past it while read.
    #[error("larger than {} MiB, too large for a settings file", SETTINGS_MAX >> 20)]
    TooLarge,
    /// A directory, a device or a pipe where a file belongs; a team repo can hold a symlink
    /// to any of them.
    #[error("not a regular file")]
    NotAFile,
    /// Not UTF-8 text.
    #[error("not UTF-8 text")]
    NotText,
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The text of the settings file at `path` (symlinks followed), `None` when it does not exist.
/// What is read is bounded whatever the file claims its size is, and only a regular file is
/// opened, so a `tcli.toml` linked to `/dev/zero` or a FIFO is refused, never read without end
/// or waited on.
pub fn read(path: &Path) -> Result<Option<String>, ReadError> {
    // Judged before opening: opening a FIFO or a terminal device can wait for ever.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(ReadError::NotAFile),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    // And again on what was opened, in case the path changed in between.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > SETTINGS_MAX {
        return Err(ReadError::TooLarge);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(SETTINGS_MAX + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > SETTINGS_MAX {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ReadError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_a_fifo_a_directory_and_a_missing_file() {
        assert!(matches!(
            read(Path::new("/dev/zero")),
            Err(ReadError::NotAFile)
        ));
        assert!(matches!(read(Path::new("/")), Err(ReadError::NotAFile)));
        assert!(matches!(
            read(Path::new("/nonexistent/tcli.toml")),
            Ok(None)
        ));
        let dir = std::env::temp_dir().join(format!("tcli-sdk-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("tcli.toml");
        let _ = std::fs::remove_file(&fifo);
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        // No writer ever comes: reading must not wait for one.
        assert!(matches!(read(&fifo), Err(ReadError::NotAFile)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
