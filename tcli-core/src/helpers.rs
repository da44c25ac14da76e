//! Finding and starting tcli's helper executables, the programs that hold the code which parses
//! what comes over a network (libgit2 and TLS in `tcli_git`, the Docker engine client in
//! `tcli_docker`), so that code never runs in the process that dispatches a module. How they are
//! found and what they are asked is docs/helpers.md; what they do is their crates'.

use crate::env_vars;
use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The one JSON document a helper prints on stdout for an operation that answers (the docker
/// helper's `ping`, `images`, `capture`; the HTTP helper's `post`, `download`).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer<T, E> {
    /// It worked; exit status 0.
    Ok(T),
    /// A typed failure; exit status [`ANSWER_ERROR_STATUS`].
    Error(E),
}

/// A helper's exit status with an [`Answer::Error`] on stdout (an [`Answer::Ok`] exits 0).
pub const ANSWER_ERROR_STATUS: u8 = 3;

/// The git helper: `tcli team add|update|status|remove`.
pub const GIT: &str = "tcli_git";
/// The Docker engine helper: image lists and container runs.
pub const DOCKER: &str = "tcli_docker";
/// The HTTP helper: posts and verified downloads.
pub const HTTP: &str = "tcli_http";

/// Where helper `name` is: `$TCLI_EXEC_PATH/<name>` when that is set; else
/// `<prefix>/libexec/tcli/<name>` for a tcli at `<prefix>/bin/tcli` when it is there; else
/// beside the running binary (the build dir, where cargo puts them all); `/usr/libexec/tcli`
/// when the running binary's path cannot be read. The first candidate of the rule is returned
/// when none exists, for the error to name.
pub fn locate(name: &str) -> PathBuf {
    if let Some(dir) = env_vars::get_os(env_vars::TCLI_EXEC_PATH) {
        return Path::new(&dir).join(name);
    }
    let Some(bin_dir) = crate::context::current_exe().and_then(Path::parent) else {
        // No /proc to read our own path from: an absolute guess, so the file checked is the
        // file run (a bare name would be looked up on PATH by exec but not by the check).
        return Path::new("/usr/libexec/tcli").join(name);
    };
    let beside = bin_dir.join(name);
    match bin_dir.parent() {
        Some(prefix) => {
            let libexec = prefix.join("libexec").join("tcli").join(name);
            if libexec.is_file() || !beside.is_file() {
                libexec
            } else {
                beside
            }
        }
        None => beside,
    }
}

/// [`locate`], or the error a user sees when the helper is not there (exit 1).
pub fn require(name: &str) -> anyhow::Result<PathBuf> {
    let path = locate(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(missing(&path).into())
    }
}

/// What can go wrong with a helper itself. Its hint and exit code are stated in `error.rs`,
/// with every other failure's; the type stays here, beside the facades that fail with it, so
/// they need nothing above them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HelperFailure {
    /// Not installed where tcli looks.
    #[error("tcli's helper {} is missing", .0.display())]
    Missing(PathBuf),
    /// Installed, but exec(2) failed.
    #[error("cannot run tcli's helper {}: {}", .0.display(), .1)]
    CannotRun(PathBuf, std::io::Error),
}

/// The error for a helper that is not installed where tcli looks.
pub fn missing(path: &Path) -> HelperFailure {
    HelperFailure::Missing(path.to_path_buf())
}

/// A command for helper `path` that knows which tcli it works for (`TCLI_BIN`, as modules
/// get it): the helper passes it on to the modules it probes and finds the bundled plugins
/// from it.
pub fn command(path: &Path) -> Command {
    let mut c = Command::new(path);
    if let Some(exe) = crate::context::current_exe() {
        c.env(env_vars::TCLI_BIN, exe);
    }
    c
}

/// Replaces this process with helper `name` run with `args`: its exit status, signals and
/// terminal are then the caller's, as with an exec module. Returns only on failure.
pub fn exec<I, S>(name: &str, args: I) -> anyhow::Error
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let path = match require(name) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let err = command(&path).args(args).exec();
    HelperFailure::CannotRun(path, err).into()
}

/// For a helper's `main`: makes the running binary, as modules and the plugin dirs see it, the
/// `tcli` that started this helper (its `TCLI_BIN`), not the helper itself.
pub fn act_for_caller() {
    if let Some(tcli) = env_vars::get_os(env_vars::TCLI_BIN) {
        crate::context::set_current_exe(PathBuf::from(tcli));
    }
}
