//! Running the user's own `git` for a network step (fetch, clone), the way the transport of
//! docs/team-repos.md ("Transport") describes it: with the user's config and credentials, but
//! no hooks, no fsmonitor, no `ext::` URLs, no pager, a prompt only on a terminal, progress
//! relayed only there, and killed with its process group when the caller is interrupted. What
//! went wrong comes back as git's own reason, one sanitised line.

use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The oldest git the transport is written for: `core.fsmonitor` as a boolean (2.36).
pub const MIN_VERSION: (u32, u32) = (2, 36);

/// How many bytes of git's stderr are kept for the reason of a failure.
const KEEP: usize = 16 * 1024;

/// How long git gets to clean up (its lock and temp files) after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// Variables that point git at another repository than the one the step names: set when tcli
/// runs inside a git hook or alias, and wrong for the checkout it fetches into.
const REPO_VARS: [&str; 13] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_CONFIG",
];

/// The `git` program on `PATH`, as a shell would find it; `None` when there is none.
pub fn program() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join("git"))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `git --version` of `program`: `2.47.3` (what follows "git version").
pub fn version(program: &Path) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.trim().strip_prefix("git version ")?;
    Some(v.to_string())
}

/// Whether `version` (`2.47.3`, `2.39.5 (Apple Git-154)`) is at least [`MIN_VERSION`].
pub fn recent_enough(version: &str) -> bool {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= MIN_VERSION
}

/// How the git process meets the user.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// git (and ssh, and a credential helper) may ask: stdin and stderr are a terminal.
    pub prompt: bool,
    /// git's progress is shown as it runs (on a terminal, outside CI).
    pub progress: bool,
}

impl Terminal {
    /// What this process's stdin and stderr allow; `progress` when the caller shows progress
    /// at all (tcli's `ui::interactive`).
    pub fn detect(progress: bool) -> Terminal {
        let prompt = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Terminal { prompt, progress }
    }
}

/// `git` with the safety settings of every network step: the user's config is read as
/// usual, but no hook runs, no fsmonitor starts, no `ext::` URL is followed (even where the
/// user's config or `GIT_ALLOW_PROTOCOL` allows it), no submodule is fetched, no pager, no
/// background gc; git's own prompt only on a terminal. `git_dir` is the repository the step
/// works in (none for a clone). The subcommand and its arguments follow.
pub fn command(program: &Path, git_dir: Option<&Path>, term: Terminal) -> Command {
    let mut c = Command::new(program);
    c.arg("--no-pager");
    for setting in [
        "core.hooksPath=/dev/null",
        "core.fsmonitor=false",
        "protocol.ext.allow=never",
        "submodule.recurse=false",
        "fetch.recurseSubmodules=false",
        "gc.auto=0",
        "maintenance.auto=false",
    ] {
        c.args(["-c", setting]);
    }
    for var in REPO_VARS {
        c.env_remove(var);
    }
    // The URL is the user's own (given to `team add`, or in their checkout): git's policy
    // for user-given URLs applies, never the stricter one of a submodule's.
    c.env_remove("GIT_PROTOCOL_FROM_USER");
    if let Some(allowed) = std::env::var_os("GIT_ALLOW_PROTOCOL") {
        c.env("GIT_ALLOW_PROTOCOL", without_ext(&allowed));
    }
    if let Some(dir) = git_dir {
        c.env("GIT_DIR", dir);
    }
    if !term.prompt {
        c.env("GIT_TERMINAL_PROMPT", "0");
    }
    c
}

/// `git clone` of `url`'s default branch into `into` (new or empty), objects and refs only:
/// no checkout, no tags, no template (so no sample hooks). The caller checks out with libgit2.
pub fn clone_command(program: &Path, url: &str, into: &Path, term: Terminal) -> Command {
    let mut cmd = command(program, None, term);
    cmd.args(["clone", "--quiet", "--no-checkout", "--single-branch"])
        .args(["--no-tags", "--template="]);
    if term.progress {
        cmd.arg("--progress");
    }
    cmd.arg("--").arg(url).arg(into);
    cmd
}

/// `GIT_ALLOW_PROTOCOL` without `ext`: it overrides every `protocol.*.allow` setting.
fn without_ext(allowed: &OsStr) -> OsString {
    let s = allowed.to_string_lossy();
    s.split(':')
        .filter(|p| *p != "ext")
        .collect::<Vec<_>>()
        .join(":")
        .into()
}

/// How a git step failed.
#[derive(Debug)]
pub enum Failure {
    /// git could not be started.
    NotRun(std::io::Error),
    /// git ended with an error: its reason, one line.
    Failed(String),
    /// `stop` said so: git was killed with its group.
    Interrupted,
}

/// Runs `cmd` (from [`command`], with its subcommand) to its end, or until `stop` says so,
/// then kills it with its process group (SIGTERM, so git removes its lock and temp files,
/// then SIGKILL). Off a terminal git runs in its own process group with stdin closed; on
/// one it stays in the terminal's foreground group so ssh and credential helpers can ask.
pub fn run(mut cmd: Command, term: Terminal, stop: &dyn Fn() -> bool) -> Result<(), Failure> {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    if term.prompt {
        cmd.stdin(Stdio::inherit());
    } else {
        cmd.stdin(Stdio::null()).process_group(0);
    }
    let mut child = cmd.spawn().map_err(Failure::NotRun)?;
    let kept = Arc::new(Mutex::new(Vec::new()));
    let (tx, done) = std::sync::mpsc::channel();
    if let Some(err) = child.stderr.take() {
        let kept = kept.clone();
        std::thread::spawn(move || {
            relay(err, term.progress, &kept);
            let _ = tx.send(());
        });
    }
    let ended = wait(&mut child, !term.prompt, stop);
    // An ssh master left running (`ControlPersist`) may hold the pipe open for good: what
    // git said is in by a moment after it ended.
    let _ = done.recv_timeout(Duration::from_millis(200));
    let stderr = kept.lock().map(|k| k.clone()).unwrap_or_default();
    match ended {
        Ended::Code(0) => Ok(()),
        Ended::Interrupted => Err(Failure::Interrupted),
        Ended::Code(_) | Ended::Signal => Err(Failure::Failed(reason(&stderr))),
    }
}

enum Ended {
    Code(i32),
    Signal,
    Interrupted,
}

/// Polls `child` until it ends or `stop` says so (then it and, `own_group`, its group are
/// killed: SIGTERM first, SIGKILL after [`GRACE`]).
fn wait(child: &mut Child, own_group: bool, stop: &dyn Fn() -> bool) -> Ended {
    let mut step = Duration::from_micros(200);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code().map_or(Ended::Signal, Ended::Code),
            Ok(None) if !stop() => {
                std::thread::sleep(step);
                step = (step * 2).min(Duration::from_millis(20));
            }
            Ok(None) | Err(_) => break,
        }
    }
    let pid = child.id();
    crate::signal(pid, own_group, rustix::process::Signal::TERM);
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    crate::signal(pid, own_group, rustix::process::Signal::KILL);
    let _ = child.wait();
    Ended::Interrupted
}

/// Reads git's stderr to its end, keeping the last [`KEEP`] bytes, and passing it on to ours
/// when progress is shown.
fn relay(mut err: impl Read, progress: bool, kept: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 8192];
    let mut out = std::io::stderr();
    while let Ok(n @ 1..) = err.read(&mut buf) {
        if progress {
            let _ = out.write_all(&buf[..n]);
        }
        if let Ok(mut k) = kept.lock() {
            k.extend_from_slice(&buf[..n]);
            let over = k.len().saturating_sub(KEEP);
            k.drain(..over);
        }
    }
}

/// The lines git ends many failures with that say nothing about this one: the reason is the
/// line before them.
const GENERIC: [&str; 7] = [
    "could not read from remote repository",
    "please make sure you have the correct access rights",
    "and the repository exists",
    "the remote end hung up unexpectedly",
    "early eof",
    "fetch-pack: invalid index-pack output",
    "index-pack failed",
];

/// git's reason for a failure, from its stderr: the last line that says something (not a
/// progress line, not one of the [`GENERIC`] closing lines), without `fatal: `/`error: `,
/// control characters made spaces and cut to 300 characters.
pub fn reason(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let meaningful = |l: &&str| {
        let lower = l.to_lowercase();
        !l.is_empty() && !l.chars().all(|c| c == '@') && !GENERIC.iter().any(|g| lower.contains(g))
    };
    let line = text
        .split(['\n', '\r'])
        .map(str::trim)
        .rfind(meaningful)
        // Nothing but closing lines: the first says most ("Could not read from remote").
        .or_else(|| {
            text.split(['\n', '\r'])
                .map(str::trim)
                .find(|l| !l.is_empty())
        })
        .unwrap_or("git failed and said nothing");
    let line = ["fatal: ", "error: "]
        .iter()
        .fold(line, |l, p| l.strip_prefix(p).unwrap_or(l));
    let clean: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    clean.trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_skips_the_generic_closing_lines() {
        let ssh = b"Host key verification failed.\r\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";
        assert_eq!(reason(ssh), "Host key verification failed");
        let http = b"remote: denied\nfatal: unable to access 'http://127.0.0.1:1/x/': The requested URL returned error: 401\n";
        assert_eq!(
            reason(http),
            "unable to access 'http://127.0.0.1:1/x/': The requested URL returned error: 401"
        );
        assert_eq!(reason(b""), "git failed and said nothing");
        assert_eq!(
            reason(b"fatal: the remote end hung up unexpectedly\n"),
            "the remote end hung up unexpectedly"
        );
        assert_eq!(reason(b"fatal: bad \x1b[31mthing\n"), "bad  [31mthing");
        let closing = b"fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";
        assert_eq!(reason(closing), "Could not read from remote repository");
    }

    #[test]
    fn versions_are_compared_by_major_and_minor() {
        assert!(recent_enough("2.47.3"));
        assert!(recent_enough("2.36.0"));
        assert!(recent_enough("2.39.5 (Apple Git-154)"));
        assert!(!recent_enough("2.35.9"));
        assert!(!recent_enough("1.99"));
    }

    #[test]
    fn ext_is_taken_out_of_an_allow_list() {
        assert_eq!(without_ext(OsStr::new("ssh:ext:https")), "ssh:https");
        assert_eq!(without_ext(OsStr::new("ext")), "");
    }

    #[test]
    fn an_interrupted_run_kills_the_group() {
        let mut c = Command::new("sh");
        c.args(["-c", "sleep 30 & wait"]);
        let t = Instant::now();
        let term = Terminal {
            prompt: false,
            progress: false,
        };
        let r = run(c, term, &|| t.elapsed() > Duration::from_millis(100));
        assert!(matches!(r, Err(Failure::Interrupted)), "{r:?}");
        assert!(t.elapsed() < Duration::from_secs(5));
    }
}
