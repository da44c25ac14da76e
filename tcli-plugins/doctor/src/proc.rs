//! Running one program for a check: stdin closed, in its own process group, killed with the
//! whole group when it overruns its timeout (so `sh -c "sleep 60 & wait"` leaves nothing
//! behind), and at most [`KEEP`] bytes of each output kept. Also the bounded parallel map the
//! checks run on, and Ctrl-C: a check's own process group is out of the terminal's reach, so
//! doctor passes an interrupt on to the checks itself.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Runs `f` with SIGINT, SIGTERM and SIGHUP caught: on one, the running checks are killed with
/// their groups and no other starts; once `f` returns, the signal ends tcli as it would have
/// (so a shell sees an interrupted command, not a result). Returns `None` when interrupted.
pub(crate) fn catching_interrupts<T>(f: impl FnOnce() -> T) -> Option<T> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let ids: Vec<_> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter_map(|sig| {
            let n = usize::try_from(sig).unwrap_or(usize::MAX);
            signal_hook::flag::register_usize(sig, Arc::clone(interrupt()), n).ok()
        })
        .collect();
    let out = f();
    for id in ids {
        signal_hook::low_level::unregister(id);
    }
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
            _ => {
                ran.timed_out = true;
                kill_group(pid);
                let _ = child.wait();
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

    #[test]
    fn parallel_map_keeps_order() {
        let v: Vec<usize> = (0..20).collect();
        assert_eq!(
            parallel_map(&v, 4, |x| x * 2),
            (0..20).map(|x| x * 2).collect::<Vec<_>>()
        );
    }
}
