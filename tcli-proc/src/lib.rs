//! Running one program bounded: stdin closed, in its own process group, killed with the whole
//! group at its timeout (so `sh -c "sleep 60 & wait"` leaves nothing behind), at most a set
//! number of bytes of each output kept while the rest is drained. And the bounded parallel map
//! many such runs go through. Shared by tcli's probes (`tcli_core::prim::probe`) and the
//! doctor module's checks, which differ only in the limits they pass. And the user's `git`
//! run for a network step (`git`), shared by the team verbs and the project module.

pub mod git;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the output readers are waited for once the program has ended: a child that left
/// the process group (`setsid`) may hold the pipes open for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drain {
    /// Until the deadline, and a moment more: output is what the caller is after (a probe
    /// of `--help`), so a slow writer still gets its time.
    UntilDeadline,
    /// A moment: the exit status is what matters (a check).
    Moment,
}

/// The bounds of one run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long it may take before it is killed with its group.
    pub timeout: Duration,
    /// How many bytes of stdout and of stderr are kept.
    pub keep: usize,
    /// How long its output is waited for once it ended.
    pub drain: Drain,
}

/// What a run printed and how it ended.
#[derive(Debug, Default)]
pub struct Ran {
    /// The first [`Limits::keep`] bytes of stdout.
    pub stdout: Vec<u8>,
    /// The first [`Limits::keep`] bytes of stderr.
    pub stderr: Vec<u8>,
    /// The exit code; `None` when killed by a signal or at the timeout.
    pub code: Option<i32>,
    /// It overran its timeout, or `stop` said so, and was killed.
    pub timed_out: bool,
    /// It could not be started.
    pub spawn_error: Option<std::io::Error>,
    /// Waiting for it failed (it was killed with its group; how it ended is unknown).
    pub wait_error: Option<std::io::Error>,
}

/// Runs `cmd` within `limits`; `stop` is asked while it runs and ends it early when true (an
/// interrupt). The caller's stdin, stdout, stderr and process-group settings are replaced.
pub fn run(mut cmd: Command, limits: &Limits, stop: &dyn Fn() -> bool) -> Ran {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Ran {
                spawn_error: Some(e),
                ..Ran::default()
            }
        }
    };
    let pid = child.id();
    let out = child.stdout.take().map(|s| Reader::start(s, limits.keep));
    let err = child.stderr.take().map(|s| Reader::start(s, limits.keep));
    let deadline = Instant::now() + limits.timeout;
    let mut ran = Ran::default();
    // Polling with a growing step: a program that ends at once is seen within 0.2 ms, a slow
    // one costs at most 50 wake-ups a second.
    let mut step = Duration::from_micros(200);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                ran.code = status.code();
                break;
            }
            Ok(None) if Instant::now() < deadline && !stop() => {
                std::thread::sleep(step.min(deadline.saturating_duration_since(Instant::now())));
                step = (step * 2).min(Duration::from_millis(20));
            }
            Ok(None) => {
                ran.timed_out = true;
                kill_group(pid);
                let _ = child.wait();
                break;
            }
            Err(e) => {
                ran.wait_error = Some(e);
                kill_group(pid);
                break;
            }
        }
    }
    // What the program forked into its group goes with it, even when the program itself ended
    // in time. A child that left the group may hold the pipes open: the readers get what
    // `drain` says, then we keep what they have and stop waiting.
    kill_group(pid);
    let grace = Duration::from_millis(100);
    let until = match limits.drain {
        Drain::UntilDeadline => deadline.max(Instant::now()) + grace,
        Drain::Moment => Instant::now() + grace,
    };
    ran.stdout = out.map(|r| r.finish(until)).unwrap_or_default();
    ran.stderr = err.map(|r| r.finish(until)).unwrap_or_default();
    ran
}

/// Kills the process group `process_group(0)` made for the child: the program and whatever it
/// forked. Already gone is fine.
fn kill_group(pid: u32) {
    signal(pid, true, rustix::process::Signal::KILL);
}

/// Sends `sig` to `pid`, or to the process group it leads when `group`. Already gone is fine.
fn signal(pid: u32, group: bool, sig: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = if group {
            rustix::process::kill_process_group(pid, sig)
        } else {
            rustix::process::kill_process(pid, sig)
        };
    }
}

/// One pipe read on its own thread into a shared buffer, so the caller can stop waiting for
/// its end without losing what was read.
struct Reader {
    kept: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Reader {
    fn start(mut r: impl Read + Send + 'static, keep: usize) -> Reader {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
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

/// Runs `f` over `items` on at most `max_threads` threads; results keep the items' order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    max_threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..max_threads.clamp(1, items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    // Every slot is filled: a panic in `f` would have ended the scope above with it.
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

#[doc(hidden)]
/// Runs the ignored test `name` of the running test binary in a child process, so it may take
/// signals or reap children without disturbing the other tests. For the tests of this crate and
/// of those that run programs through it.
///
/// # Panics
///
/// When the test binary cannot be found or started: a test cannot go on without it.
pub fn in_child(name: &str) -> std::process::Output {
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .expect("the test binary runs")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(timeout: Duration, drain: Drain) -> Limits {
        Limits {
            timeout,
            keep: 8,
            drain,
        }
    }

    #[test]
    fn a_timed_out_group_is_killed() {
        let mut c = Command::new("sh");
        c.args(["-c", "sleep 30 & echo started; wait"]);
        let t = Instant::now();
        let ran = run(
            c,
            &limits(Duration::from_millis(300), Drain::Moment),
            &|| false,
        );
        assert!(ran.timed_out);
        assert!(t.elapsed() < Duration::from_secs(5));
        assert_eq!(ran.stdout, b"started\n");
    }

    #[test]
    fn stop_ends_the_run_early() {
        let mut c = Command::new("sleep");
        c.arg("30");
        let t = Instant::now();
        let ran = run(c, &limits(Duration::from_secs(30), Drain::Moment), &|| {
            t.elapsed() > Duration::from_millis(100)
        });
        assert!(ran.timed_out && ran.code.is_none());
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn exit_code_and_bounded_output_are_kept() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo out; echo a-long-error-line >&2; exit 3"]);
        let ran = run(c, &limits(Duration::from_secs(5), Drain::Moment), &|| false);
        assert_eq!(ran.code, Some(3));
        assert_eq!(ran.stdout, b"out\n");
        assert_eq!(ran.stderr, b"a-long-e");
    }

    #[test]
    fn a_program_that_cannot_start_says_why() {
        let c = Command::new("/nonexistent/program");
        let ran = run(c, &limits(Duration::from_secs(5), Drain::Moment), &|| false);
        assert_eq!(
            ran.spawn_error.map(|e| e.kind()),
            Some(std::io::ErrorKind::NotFound)
        );
    }

    /// A child that left the group keeps the pipe open: `UntilDeadline` waits for its output
    /// until the deadline, `Moment` does not.
    #[test]
    fn drain_bounds_the_wait_for_output() {
        let script = "setsid sh -c 'sleep 0.5; echo late' & sleep 0.2; echo early";
        for (drain, want) in [
            (Drain::UntilDeadline, &b"early\nlate\n"[..]),
            (Drain::Moment, &b"early\n"[..]),
        ] {
            let mut c = Command::new("sh");
            c.args(["-c", script]);
            let l = Limits {
                timeout: Duration::from_secs(2),
                keep: 64,
                drain,
            };
            let t = Instant::now();
            let ran = run(c, &l, &|| false);
            assert_eq!(ran.stdout, want, "{drain:?}");
            assert!(t.elapsed() < Duration::from_secs(3), "{drain:?}");
        }
    }

    #[test]
    #[ignore = "run by a_failed_wait_is_not_a_timeout, in a child"]
    fn child_loses_its_program_to_another_waiter() {
        // Another waiter, blocked in wait(2), reaps the program before the polling `try_wait`
        // sees it end, so that fails (ECHILD). It usually wins the race; a few tries make sure.
        std::thread::spawn(|| loop {
            if rustix::process::wait(rustix::process::WaitOptions::empty()).is_err() {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let mut failed_waits = 0;
        for _ in 0..10 {
            let mut c = Command::new("sh");
            c.args(["-c", "sleep 0.2"]);
            let ran = run(c, &limits(Duration::from_secs(20), Drain::Moment), &|| {
                false
            });
            assert!(!ran.timed_out, "{ran:?}");
            failed_waits += usize::from(ran.wait_error.is_some());
        }
        assert!(failed_waits > 0, "try_wait never failed");
    }

    #[test]
    fn a_failed_wait_is_not_a_timeout() {
        let out = in_child("tests::child_loses_its_program_to_another_waiter");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn parallel_map_runs_at_most_max_threads_at_once() {
        let live = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let v: Vec<usize> = (0..100).collect();
        parallel_map(&v, 32, |_| {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(30));
            live.fetch_sub(1, Ordering::SeqCst);
        });
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 32, "{most} calls at once");
        assert!(most > 16, "only {most} calls at once");
    }

    #[test]
    fn parallel_map_keeps_order() {
        let v: Vec<usize> = (0..20).collect();
        assert_eq!(
            parallel_map(&v, 4, |x| x * 2),
            (0..20).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(parallel_map(&v, 0, |x| *x).len(), 20);
    }
}
