//! Finding, starting and asking tcli's helper executables, the programs that hold the code
//! which parses what comes over a network (libgit2 and TLS in `tcli_git`, the Docker engine
//! client in `tcli_docker`, the HTTP client in `tcli_http`), so that code never runs in the
//! process that dispatches a module. How they are found and what they are asked is
//! docs/helpers.md; the facades over the docker and HTTP helpers and their protocols' types are
//! [`docker`] and [`http`]; what the helpers do is their crates'. A crate of its own so that a
//! module needing one facade (notify: [`http`]) does not link the rest of tcli-core.

pub mod docker;
pub mod env;
pub mod http;

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
pub const ANSWER_ERROR_STATUS: u8 = tcli_plugin_sdk::exit::HELPER_ANSWERED_ERROR;

/// The git helper: `tcli team add|update|status|remove`.
pub const GIT: &str = "tcli_git";
/// The Docker engine helper: image lists and container runs.
pub const DOCKER: &str = "tcli_docker";
/// The HTTP helper: posts and verified downloads.
pub const HTTP: &str = "tcli_http";

/// A helper that cannot be started. The caller shows it as `error:` with [`HelperError::hint`],
/// and ends with exit 1.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HelperError {
    /// The helper is not installed where tcli looks ([`locate`]).
    #[error("tcli's helper {} is missing", .0.display())]
    Missing(PathBuf),
    /// The helper is there but could not be started.
    #[error("cannot run tcli's helper {}: {why}", path.display())]
    CannotRun {
        /// The helper.
        path: PathBuf,
        /// What exec said.
        why: std::io::Error,
    },
    /// The request could not be written as JSON.
    #[error(transparent)]
    Request(#[from] serde_json::Error),
}

impl HelperError {
    /// The fix shown as `hint:`.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            HelperError::Missing(_) | HelperError::CannotRun { .. } => {
                Some("reinstall tcli (./install.sh)")
            }
            HelperError::Request(_) => None,
        }
    }
}

static EXE: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// The running binary, resolved once per process (it is a readlink of /proc/self/exe).
pub fn current_exe() -> Option<&'static Path> {
    EXE.get_or_init(|| std::env::current_exe().ok()).as_deref()
}

/// Makes [`current_exe`] answer `tcli` instead of the running file: a helper works for the tcli
/// that started it ([`act_for_caller`]). No effect once `current_exe` was read.
pub fn set_current_exe(tcli: PathBuf) {
    let _ = EXE.set(Some(tcli));
}

/// Where helper `name` is: `$TCLI_EXEC_PATH/<name>` when that is set; else
/// `<prefix>/libexec/tcli/<name>` for a tcli at `<prefix>/bin/tcli` when it is there; else
/// beside the running binary (the build dir, where cargo puts them all); `/usr/libexec/tcli`
/// when the running binary's path cannot be read. The first candidate of the rule is returned
/// when none exists, for the error to name.
pub fn locate(name: &str) -> PathBuf {
    if let Some(dir) = env::get_os(env::TCLI_EXEC_PATH) {
        return Path::new(&dir).join(name);
    }
    let Some(bin_dir) = current_exe().and_then(Path::parent) else {
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

/// [`locate`], or [`HelperError::Missing`] when the helper is not there.
pub fn require(name: &str) -> Result<PathBuf, HelperError> {
    let path = locate(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(HelperError::Missing(path))
    }
}

/// A command for helper `path` that knows which tcli it works for (`TCLI_BIN`, as modules
/// get it): the helper passes it on to the modules it probes and finds the bundled plugins
/// from it.
pub fn command(path: &Path) -> Command {
    let mut c = Command::new(path);
    if let Some(exe) = current_exe() {
        c.env(env::TCLI_BIN, exe);
    }
    c
}

/// Replaces this process with helper `name` run with `args`: its exit status, signals and
/// terminal are then the caller's, as with an exec module. Returns only on failure.
pub fn exec<I, S>(name: &str, args: I) -> HelperError
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let path = match require(name) {
        Ok(p) => p,
        Err(e) => return e,
    };
    exec_command(path, |c| c.args(args))
}

/// Replaces this process with helper `path`, its command set up by `setup`; the error when
/// that fails.
fn exec_command(path: PathBuf, setup: impl FnOnce(&mut Command) -> &mut Command) -> HelperError {
    let why = setup(&mut command(&path)).exec();
    HelperError::CannotRun { path, why }
}

/// For a helper's `main`: makes the running binary, as modules and the plugin dirs see it, the
/// `tcli` that started this helper (its `TCLI_BIN`), not the helper itself.
pub fn act_for_caller() {
    if let Some(tcli) = env::get_os(env::TCLI_BIN) {
        set_current_exe(PathBuf::from(tcli));
    }
}
