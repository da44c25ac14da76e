//! The exit codes tcli and its bundled modules choose, as named constants: the one statement
//! of the numbers in the docs' exit-code tables (docs/cli.md and each module's page), which
//! `tests/e2e/docs.rs` checks against these. A module's own status passed through (an exec
//! module's, a container's, `secrets exec`'s command) is not chosen here.

/// Success, `--help`, `--version`, or a closed stdout pipe.
pub const SUCCESS: u8 = 0;
/// The command failed: tcli itself (config, index, git, an engine that answered but refused),
/// or what a module checked or asked for.
pub const FAILURE: u8 = 1;
/// A usage error: a bad flag or value, an unknown module or name.
pub const USAGE: u8 = 2;
/// `tcli doctor`: the checks could not run at all (docs/doctor.md).
pub const NOT_CHECKED: u8 = 3;
/// A helper's typed failure: an `{"error": ...}` answer on its stdout (docs/helpers.md).
pub const HELPER_ANSWERED_ERROR: u8 = 3;
/// A native module panicked.
pub const PANIC: u8 = 101;
/// The Docker engine could not be reached or failed before the module started.
pub const ENGINE: u8 = 125;
/// The module (or the command a module runs) was found but cannot start.
pub const CANNOT_RUN: u8 = 126;
/// The command a module runs was not found (`secrets exec`), as a shell says it.
pub const NOT_FOUND: u8 = 127;
/// Added to a signal's number for a process it ended: the shell's convention.
pub const SIGNAL_BASE: u8 = 128;

/// The status of a process ended by signal `n` (`128 + n`): 130 for SIGINT.
pub const fn signal(n: i32) -> u8 {
    (SIGNAL_BASE as i32 + n) as u8
}

#[cfg(test)]
mod tests {
    #[test]
    fn signals_follow_the_shell() {
        assert_eq!(super::signal(2), 130);
        assert_eq!(super::signal(9), 137);
    }
}
