//! Deferring SIGINT, SIGTERM and SIGHUP around a region that must not be cut in half (a
//! skeleton written into a temp dir, artifacts fetched into a store), with one policy for what
//! happens after: a signal that arrived inside the region ends the process once the region is
//! left, as the shell expects from a process killed by signal `n` (128+n, 130 for Ctrl-C).
//! Either [`Deferred`]'s drop re-raises it with its default action, or the caller takes it with
//! [`Deferred::leave`] to report what it undid first and exit with [`Deferred::exit_code`].
//! Not for signals a program handles for good (a helper's own cleanup thread).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The signals a [`Deferred`] region holds back: Ctrl-C, `kill`, and a closed terminal.
pub const DEFERRED: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// The signals this process was started with set to be ignored (`nohup` ignores SIGHUP; a
/// shell's background job, SIGINT), from Linux's `/proc/self/status`: a region must leave
/// them ignored, not turn a hangup `nohup` promised to ignore into the end of the process.
/// Read without `unsafe` (no sigaction query); where /proc cannot be read, none is taken as
/// ignored.
fn ignored_at_start() -> u64 {
    std::fs::read_to_string("/proc/self/status").map_or(0, |status| ignored_in(&status))
}

/// The `SigIgn` mask of a `/proc/<pid>/status` text: bit `n - 1` for signal `n`.
fn ignored_in(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or(0)
}

/// The handlers, registered once per process: signal-hook never restores a default action
/// once unregistered, so they stay, and `outside` says whether a signal takes its default
/// action (outside any region) or is only recorded in `got`.
struct Handlers {
    outside: Arc<AtomicBool>,
    got: Arc<AtomicUsize>,
}

fn handlers() -> &'static Handlers {
    static HANDLERS: OnceLock<Handlers> = OnceLock::new();
    HANDLERS.get_or_init(|| {
        let h = Handlers {
            outside: Arc::new(AtomicBool::new(true)),
            got: Arc::new(AtomicUsize::new(0)),
        };
        let ignored = ignored_at_start();
        for sig in DEFERRED
            .into_iter()
            .filter(|s| ignored & (1 << (s - 1)) == 0)
        {
            // Registration order is run order: outside a region the default action ends the
            // process before the signal is recorded.
            let _ = signal_hook::flag::register_conditional_default(sig, Arc::clone(&h.outside));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&h.got), sig as usize);
        }
        h
    })
}

fn got(handlers: &Handlers) -> Option<i32> {
    match handlers.got.load(Ordering::SeqCst) {
        0 => None,
        n => i32::try_from(n).ok(),
    }
}

/// A region in which [`DEFERRED`] signals are recorded instead of acted on. Regions do not
/// nest; one is entered and left on the same thread.
///
/// ```no_run
/// use tcli_plugin_sdk::signals::Deferred;
///
/// let region = Deferred::enter();
/// // ... write into a temp dir, then move it into place or remove it ...
/// if let Some(code) = region.leave().map(Deferred::exit_code) {
///     std::process::exit(i32::from(code));
/// }
/// ```
#[must_use = "the region ends when the Deferred is dropped"]
pub struct Deferred {
    handlers: &'static Handlers,
    left: bool,
}

impl Deferred {
    /// Enters the region: from now until it is left, a signal only sets [`Deferred::pending`].
    pub fn enter() -> Deferred {
        let handlers = handlers();
        handlers.got.store(0, Ordering::SeqCst);
        handlers.outside.store(false, Ordering::SeqCst);
        Deferred {
            handlers,
            left: false,
        }
    }

    /// The signal that arrived in the region so far, if any: a long region checks it between
    /// steps to stop early.
    pub fn pending(&self) -> Option<i32> {
        got(self.handlers)
    }

    /// The signal that arrived in the region open now, if any, asked from any thread: the
    /// workers of a region (doctor's checks) stop early on it while its owner waits.
    pub fn arrived() -> Option<i32> {
        got(handlers())
    }

    /// Leaves the region and hands over the signal that arrived in it, if any, for the caller
    /// to end the process with [`Deferred::exit_code`] once it has said what it undid.
    pub fn leave(mut self) -> Option<i32> {
        self.left = true;
        self.handlers.outside.store(true, Ordering::SeqCst);
        self.pending()
    }

    /// The shell's exit status for a process ended by signal `sig`: 128+`sig`.
    pub fn exit_code(sig: i32) -> u8 {
        crate::exit::signal(sig)
    }

    /// Runs `f` in a region; a signal that arrived meanwhile then ends the process as it would
    /// have without the region.
    pub fn around<T>(f: impl FnOnce() -> T) -> T {
        let _region = Deferred::enter();
        f()
    }
}

impl Drop for Deferred {
    /// Leaves the region; a signal that arrived in it and was not taken with
    /// [`Deferred::leave`] now takes its default action.
    fn drop(&mut self) {
        if self.left {
            return;
        }
        self.handlers.outside.store(true, Ordering::SeqCst);
        if let Some(sig) = self.pending() {
            let _ = signal_hook::low_level::emulate_default_handler(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_in_the_region_is_held_and_handed_over() {
        let region = Deferred::enter();
        assert_eq!(region.pending(), None);
        signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
        assert_eq!(region.pending(), Some(signal_hook::consts::SIGTERM));
        let sig = region.leave();
        assert_eq!(sig, Some(signal_hook::consts::SIGTERM));
        assert_eq!(Deferred::exit_code(sig.unwrap()), 143);
    }

    #[test]
    fn a_signal_ignored_at_start_is_read_from_the_status_mask() {
        // As `nohup` leaves it: SIGHUP (1) ignored, and SIGPIPE (13) by Rust's runtime.
        let status = "Name:\ttcli\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000001001\n";
        let ignored = ignored_in(status);
        assert_ne!(ignored & (1 << (signal_hook::consts::SIGHUP - 1)), 0);
        assert_eq!(ignored & (1 << (signal_hook::consts::SIGINT - 1)), 0);
        assert_eq!(ignored_in("Name:\ttcli\n"), 0);
    }

    #[test]
    fn ctrl_c_is_130_for_the_shell() {
        assert_eq!(Deferred::exit_code(signal_hook::consts::SIGINT), 130);
    }
}
