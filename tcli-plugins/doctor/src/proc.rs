//! Running one program for a check (bounded by `tcli_proc`: its own process group, killed
//! with the group at its timeout, at most [`KEEP`] bytes of each output kept), and Ctrl-C: a
//! check's own process group is out of the terminal's reach, so doctor passes an interrupt on
//! to the checks itself.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
pub(crate) use tcli_proc::{parallel_map, Ran};

/// How much of stdout and of stderr is kept (for `expect`, versions and excerpts).
const KEEP: usize = 1024 * 1024;

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
pub(crate) fn run(cmd: Command, timeout: Duration) -> Ran {
    if interrupted() {
        return Ran {
            spawn_error: Some(std::io::ErrorKind::Interrupted.into()),
            ..Ran::default()
        };
    }
    // The exit status is what a check is about: a child that left the group and holds the
    // pipes gets a moment, not the rest of the timeout.
    let limits = tcli_proc::Limits {
        timeout,
        keep: KEEP,
        drain: tcli_proc::Drain::Moment,
    };
    tcli_proc::run(cmd, &limits, &interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcli_proc::in_child;

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
}
