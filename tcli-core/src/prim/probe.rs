//! Running a program once and reading what it said: bounded in time and size (64 KiB kept), in
//! its own process group so a program that forks cannot keep us waiting, many at once when many
//! changed. The exec source probes `--help` with it, the native source a library's descriptor,
//! and `modules check` every kind's `--help`. What counts as a good `--help` is the model's
//! (`model::HelpFailure::of`).

use crate::env_vars;
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// How long a module's `--help` may take.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// How much of its output is kept.
const KEEP: usize = 64 * 1024;

/// What one run of a command printed and how it ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The first 64 KiB of stdout.
    pub stdout: Vec<u8>,
    /// The first 64 KiB of stderr.
    pub stderr: Vec<u8>,
    /// The exit code, or `None` when killed by a signal or by the timeout.
    pub code: Option<i32>,
    /// It did not finish in time and was killed.
    pub timed_out: bool,
    /// It could not be started; the OS error.
    pub spawn_error: Option<String>,
}

impl Outcome {
    /// The description a `--help` text gives: its first non-blank line that is not a usage
    /// line, made safe for a terminal.
    pub fn description(&self) -> Option<String> {
        if !self.is_text() {
            return None;
        }
        let text = String::from_utf8_lossy(&self.stdout);
        // Sanitized before judged: a line of control characters then "Usage:" is a usage line.
        text.lines()
            .map(|l| super::text::sanitize_line(l, super::text::DESCRIPTION_MAX))
            .find(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("usage"))
    }
}

impl Outcome {
    /// UTF-8 without NUL bytes; the kept prefix may end inside a character, which is fine.
    pub fn is_text(&self) -> bool {
        let valid = match std::str::from_utf8(&self.stdout) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none() && self.stdout.len() >= KEEP,
        };
        valid && !self.stdout.contains(&0)
    }
}

/// Runs `program args...` with stdin closed, the module environment set, and the timeout.
pub fn run(program: &Path, args: &[&str], module: &str, timeout: Duration) -> Outcome {
    run_bounded(&Bounded {
        program,
        args: args.iter().map(OsStr::new).collect(),
        env: module_env(module),
        cwd: None,
        timeout,
        keep: KEEP,
    })
}

/// Like [`run`], for a program that takes fixed arguments before `args` (a source plugin's
/// module runs its `run` array, then the words).
pub fn run_after(
    program: &Path,
    fixed: &[String],
    args: &[&str],
    module: &str,
    timeout: Duration,
) -> Outcome {
    run_bounded(&Bounded {
        program,
        args: fixed
            .iter()
            .map(OsStr::new)
            .chain(args.iter().map(OsStr::new))
            .collect(),
        env: module_env(module),
        cwd: None,
        timeout,
        keep: KEEP,
    })
}

/// One bounded run of a program that is not a module's `--help` (a source plugin's `list`):
/// stdin closed, `TCLI_PROBE=1` and `env` set, at most `keep` bytes of each output kept,
/// killed with its process group at `timeout`.
pub struct Bounded<'a> {
    /// What to run.
    pub program: &'a Path,
    /// Its arguments.
    pub args: Vec<&'a OsStr>,
    /// Variables set on top of tcli's environment.
    pub env: Vec<(&'static str, OsString)>,
    /// Its working directory; `None` keeps tcli's.
    pub cwd: Option<&'a Path>,
    /// How long it may take.
    pub timeout: Duration,
    /// How many bytes of stdout and of stderr are kept.
    pub keep: usize,
}

/// Runs `b` (see [`Bounded`]).
pub fn run_bounded(b: &Bounded<'_>) -> Outcome {
    let mut cmd = Command::new(b.program);
    cmd.args(&b.args)
        .env(env_vars::TCLI_PROBE, "1")
        // Set again from `env` when the run is a module's; a source's `list` must not inherit
        // the name of a module that ran this tcli.
        .env_remove(env_vars::TCLI_MODULE);
    if let Some(dir) = b.cwd {
        cmd.current_dir(dir);
    }
    for (k, v) in &b.env {
        cmd.env(k, v);
    }
    // Output is what a probe is after: a slow writer gets until the deadline.
    let limits = tcli_proc::Limits {
        timeout: b.timeout,
        keep: b.keep,
        drain: tcli_proc::Drain::UntilDeadline,
    };
    let ran = tcli_proc::run(cmd, &limits, &|| false);
    Outcome {
        stdout: ran.stdout,
        stderr: ran.stderr,
        code: ran.code,
        // A failed wait killed the program too: to a probe, it did not answer.
        timed_out: ran.timed_out || ran.wait_error.is_some(),
        spawn_error: ran.spawn_error.map(|e| e.to_string()),
    }
}

/// The variables every module gets (docs/exec-modules.md).
pub fn module_env(module: &str) -> Vec<(&'static str, OsString)> {
    let mut env = tcli_env();
    env.push((env_vars::TCLI_MODULE, OsString::from(module)));
    env
}

/// What tcli tells any program it runs about itself: its version and its path.
pub fn tcli_env() -> Vec<(&'static str, OsString)> {
    let mut env = vec![(
        env_vars::TCLI_VERSION,
        OsString::from(crate::context::Context::version()),
    )];
    if let Some(exe) = crate::context::current_exe() {
        env.push((env_vars::TCLI_BIN, exe.as_os_str().to_owned()));
    }
    env
}

/// Runs `f` over `items` on up to `max_threads` threads, keeping order.
pub use tcli_proc::parallel_map;

#[cfg(test)]
mod tests {
    use super::Outcome;

    fn description(stdout: &[u8]) -> Option<String> {
        Outcome {
            stdout: stdout.to_vec(),
            ..Outcome::default()
        }
        .description()
    }

    #[test]
    fn the_description_is_the_first_clean_line_that_is_not_usage() {
        assert_eq!(
            description(b"Usage: x\n\n  Deploy it\n").as_deref(),
            Some("Deploy it")
        );
        // Found by fuzzing (fuzz/seeds/help_text/usage-after-control): a control character
        // before "Usage" hid the usage line from the check, and sanitizing then revealed it.
        assert_eq!(
            description(b"Usage: x\n\n\x17Usagex\n\n:  #").as_deref(),
            Some(": #")
        );
    }
}
