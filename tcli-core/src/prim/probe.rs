//! Running a program once and reading what it said: bounded in time and size (64 KiB kept), in
//! its own process group so a program that forks cannot keep us waiting, many at once when many
//! changed. The exec source probes `--help` with it, the native source a library's descriptor,
//! and `modules check` every kind's `--help`. What counts as a good `--help` is the model's
//! (`model::HelpFailure::of`).

use crate::env_vars;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let (timeout, keep) = (b.timeout, b.keep);
    let mut cmd = Command::new(b.program);
    cmd.args(&b.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(env_vars::TCLI_PROBE, "1")
        // Set again from `env` when the run is a module's; a source's `list` must not inherit
        // the name of a module that ran this tcli.
        .env_remove(env_vars::TCLI_MODULE)
        .process_group(0);
    if let Some(dir) = b.cwd {
        cmd.current_dir(dir);
    }
    for (k, v) in &b.env {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                spawn_error: Some(e.to_string()),
                ..Default::default()
            }
        }
    };
    let pid = child.id();
    let out = child.stdout.take().map(|s| Reader::start(s, keep));
    let err = child.stderr.take().map(|s| Reader::start(s, keep));
    let deadline = Instant::now() + timeout;
    let mut outcome = Outcome::default();
    let mut step = Duration::from_micros(200);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                outcome.code = status.code();
                break;
            }
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(step);
                step = (step * 2).min(Duration::from_millis(20));
            }
            _ => {
                outcome.timed_out = true;
                kill_group(pid);
                let _ = child.wait();
                break;
            }
        }
    }
    // The program is gone; anything it forked still holding the pipes goes with its group. A
    // child that left the group (`setsid`) may hold them open for good: the readers get until
    // the deadline (and a moment more), then we keep what they have and stop waiting.
    kill_group(pid);
    let until = deadline.max(Instant::now()) + Duration::from_millis(100);
    outcome.stdout = out.map(|r| r.finish(until)).unwrap_or_default();
    outcome.stderr = err.map(|r| r.finish(until)).unwrap_or_default();
    outcome
}

/// One pipe read on its own thread into a shared buffer, so the caller can stop waiting for
/// its end without losing what was read.
struct Reader {
    kept: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Reader {
    fn start(mut r: impl Read + Send + 'static, keep: usize) -> Reader {
        let kept = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, done) = std::sync::mpsc::channel();
        let sink = kept.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            // Past `keep` it keeps draining, so a chatty program is not blocked on a full pipe.
            while let Ok(n @ 1..) = r.read(&mut buf) {
                if let Ok(mut k) = sink.lock() {
                    let room = keep.saturating_sub(k.len());
                    k.extend_from_slice(&buf[..n.min(room)]);
                }
            }
            let _ = tx.send(());
        });
        Reader { kept, done }
    }

    /// What was read, once the pipe ended or `until` passed.
    fn finish(self, until: Instant) -> Vec<u8> {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        self.kept.lock().map(|k| k.clone()).unwrap_or_default()
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

/// Kills the process group `process_group(0)` made for the child: the module and whatever it
/// forked. Already gone is fine.
fn kill_group(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Runs `f` over `items` on up to `max_threads` threads, keeping order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    max_threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..max_threads.min(items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

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
