//! Running one program for a check: stdin closed, in its own process group, killed with the
//! whole group when it overruns its timeout (so `sh -c "sleep 60 & wait"` leaves nothing
//! behind), and at most [`KEEP`] bytes of each output kept. Also the bounded parallel map the
//! checks run on, and Ctrl-C: a check's own process group is out of the terminal's reach, so
//! doctor passes an interrupt on to the checks itself.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How much of stdout and of stderr is kept (for `expect`, versions and excerpts).
const KEEP: usize = 1024 * 1024;

/// What a run printed and how it ended.
#[derive(Debug, Default)]
pub(crate) struct Ran {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    /// The exit code; `None` when killed by a signal or the timeout.
    pub(crate) code: Option<i32>,
    pub(crate) timed_out: bool,
    /// It could not be started.
    pub(crate) spawn_error: Option<std::io::Error>,
    /// Waiting for it failed (it was killed with its group; how it ended is unknown).
    pub(crate) wait_error: Option<std::io::Error>,
}

/// The signal (SIGINT, SIGTERM, SIGHUP) that interrupted doctor; 0 while none has.
fn interrupt() -> &'static Arc<AtomicUsize> {
    static GOT: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    GOT.get_or_init(|| Arc::new(AtomicUsize::new(0)))
}

/// Whether doctor was interrupted: nothing is left to report.
pub(crate) fn interrupted() -> bool {
    interrupt().load(Ordering::SeqCst) != 0
}

/// Set while no checks run: then SIGINT, SIGTERM and SIGHUP take their default action, as if
/// doctor had never caught them.
fn not_catching() -> &'static Arc<AtomicBool> {
    static OFF: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    OFF.get_or_init(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let off = Arc::new(AtomicBool::new(true));
        // Installed once per process; signal-hook cannot put SIG_DFL back (unregistering leaves
        // its handler in place, which ignores the signal), so the default action is emulated
        // on receipt while `off` is set. The default runs first: while it ends the process,
        // the flag is never seen.
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            let n = usize::try_from(sig).unwrap_or(usize::MAX);
            let _ = signal_hook::flag::register_conditional_default(sig, Arc::clone(&off));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(interrupt()), n);
        }
        off
    })
}

/// Runs `f` (the checks) with SIGINT, SIGTERM and SIGHUP caught: on one, the running checks
/// are killed with their groups and no other starts; once `f` returns, the signal ends tcli as
/// it would have (so a shell sees an interrupted command, not a result). Outside `f` the
/// signals act as they did before. Returns `None` when interrupted.
pub(crate) fn catching_interrupts<T>(f: impl FnOnce() -> T) -> Option<T> {
    let off = not_catching();
    off.store(false, Ordering::SeqCst);
    let out = f();
    off.store(true, Ordering::SeqCst);
    match i32::try_from(interrupt().load(Ordering::SeqCst)) {
        Ok(0) => Some(out),
        Ok(sig) => {
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            None
        }
        Err(_) => None,
    }
}

/// Runs `cmd` under `timeout` (sooner ended by an interrupt, see [`catching_interrupts`]).
pub(crate) fn run(mut cmd: Command, timeout: Duration) -> Ran {
    if interrupted() {
        return Ran {
            spawn_error: Some(std::io::ErrorKind::Interrupted.into()),
            ..Ran::default()
        };
    }
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
    let out = child.stdout.take().map(Reader::start);
    let err = child.stderr.take().map(Reader::start);
    let deadline = Instant::now() + timeout;
    let mut ran = Ran::default();
    // Polling with a growing step: a check that ends at once is seen within 0.2 ms, a slow one
    // costs at most 50 wake-ups a second.
    let mut step = Duration::from_micros(200);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                ran.code = status.code();
                break;
            }
            Ok(None) if Instant::now() < deadline && !interrupted() => {
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
    // in time (`sleep 60 &` in a check is not the team's intent). A child that left the group
    // (`setsid`) may hold the pipes open: the readers get a moment, then we stop waiting (such
    // a reader ends with tcli, which exits when the module returns).
    kill_group(pid);
    let until = Instant::now() + Duration::from_millis(100);
    ran.stdout = out.map(|r| r.finish(until)).unwrap_or_default();
    ran.stderr = err.map(|r| r.finish(until)).unwrap_or_default();
    ran
}

/// Kills the process group `process_group(0)` made. Already gone is fine.
fn kill_group(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// One pipe drained on its own thread, so the caller can stop waiting for its end.
struct Reader {
    kept: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Reader {
    fn start(mut r: impl Read + Send + 'static) -> Reader {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let sink = kept.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            // Past KEEP it keeps draining, so a chatty program never blocks on a full pipe.
            while let Ok(n @ 1..) = r.read(&mut buf) {
                if let Ok(mut k) = sink.lock() {
                    let room = KEEP.saturating_sub(k.len());
                    k.extend_from_slice(&buf[..n.min(room)]);
                }
            }
            let _ = tx.send(());
        });
        Reader { kept, done }
    }

    fn finish(self, until: Instant) -> Vec<u8> {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        self.kept.lock().map(|k| k.clone()).unwrap_or_default()
    }
}

/// Runs `f` over `items` on at most `max_threads` threads; results keep the items' order.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    max_threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..max_threads.min(items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_group_is_killed() {
        let mut c = Command::new("sh");
        c.args(["-c", "sleep 30 & echo started; wait"]);
        let t = Instant::now();
        let ran = run(c, Duration::from_millis(300));
        assert!(ran.timed_out);
        assert!(t.elapsed() < Duration::from_secs(5));
        assert_eq!(ran.stdout, b"started\n");
    }

    #[test]
    fn exit_code_and_output_are_kept() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo out; echo err >&2; exit 3"]);
        let ran = run(c, Duration::from_secs(5));
        assert_eq!(ran.code, Some(3));
        assert_eq!(ran.stdout, b"out\n");
        assert_eq!(ran.stderr, b"err\n");
    }

    /// Runs the ignored test `name` of this binary in a child process, so it may take signals
    /// or reap children without disturbing the other tests.
    fn in_child(name: &str) -> std::process::Output {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                name,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .output()
            .unwrap()
    }

    #[test]
    #[ignore = "run by signals_act_by_default_after_the_checks, in a child"]
    fn child_takes_sigterm_after_the_checks() {
        assert_eq!(catching_interrupts(|| 7), Some(7));
        let _ = signal_hook::low_level::raise(signal_hook::consts::SIGTERM);
        std::thread::sleep(Duration::from_millis(500));
    }

    #[test]
    fn signals_act_by_default_after_the_checks() {
        use std::os::unix::process::ExitStatusExt;
        let out = in_child("proc::tests::child_takes_sigterm_after_the_checks");
        assert_eq!(
            out.status.signal(),
            Some(signal_hook::consts::SIGTERM),
            "{:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }

    #[test]
    #[ignore = "run by a_failed_wait_is_not_a_timeout, in a child"]
    fn child_loses_its_check_to_another_waiter() {
        // Another waiter, blocked in wait(2), reaps the check before the polling `try_wait`
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
            let ran = run(c, Duration::from_secs(20));
            assert!(!ran.timed_out, "{ran:?}");
            failed_waits += usize::from(ran.wait_error.is_some());
        }
        assert!(failed_waits > 0, "try_wait never failed");
    }

    #[test]
    fn a_failed_wait_is_not_a_timeout() {
        let out = in_child("proc::tests::child_loses_its_check_to_another_waiter");
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
    }
}
