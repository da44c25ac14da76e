//! Running one program for a check (bounded by `tcli_proc`: its own process group, killed
//! with the group at its timeout, at most [`KEEP`] bytes of each output kept), and Ctrl-C: a
//! check's own process group is out of the terminal's reach, so doctor passes an interrupt on
//! to the checks itself.

use std::process::Command;
use std::time::Duration;
use tcli_plugin_sdk::signals::Deferred;
pub(crate) use tcli_proc::{parallel_map, Ran};

/// How much of stdout and of stderr is kept (for `expect`, versions and excerpts).
const KEEP: usize = 1024 * 1024;

/// Whether doctor was interrupted: nothing is left to report.
pub(crate) fn interrupted() -> bool {
    Deferred::arrived().is_some()
}

/// Runs `f` (the checks) in a [`Deferred`] region: on SIGINT, SIGTERM or SIGHUP the running
/// checks are killed with their groups and no other starts; once `f` returns, the signal ends
/// tcli as it would have (so a shell sees an interrupted command, not a result). Outside `f`
/// the signals act as they did before. Returns `None` when interrupted.
pub(crate) fn catching_interrupts<T>(f: impl FnOnce() -> T) -> Option<T> {
    let region = Deferred::enter();
    let out = f();
    match region.leave() {
        None => Some(out),
        Some(sig) => {
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            None
        }
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
