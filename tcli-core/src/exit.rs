//! The exit codes tcli itself chooses (docs/cli.md), as the kinds its errors carry. The
//! numbers are the SDK's constants (`tcli_plugin_sdk::exit`, re-exported here as [`codes`]),
//! shared with the bundled modules; a module's own status is passed through unchanged by the
//! runners.

/// The numbers, stated once in the SDK.
pub use tcli_plugin_sdk::exit as codes;

/// An exit code tcli chooses for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success, `--help`, `--version`, or a closed stdout pipe.
    Success,
    /// tcli itself failed: config, index, git, an engine that answered but refused.
    Failure,
    /// Usage error or unknown module.
    Usage,
    /// A native module panicked.
    Panic,
    /// The Docker engine could not be reached or failed before the module started.
    Engine,
    /// The module was found but cannot start.
    CannotRun,
}

impl Exit {
    /// The numeric code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => codes::SUCCESS,
            Exit::Failure => codes::FAILURE,
            Exit::Usage => codes::USAGE,
            Exit::Panic => codes::PANIC,
            Exit::Engine => codes::ENGINE,
            Exit::CannotRun => codes::CANNOT_RUN,
        }
    }
}

/// The shell convention for a process killed by signal `n`.
pub const fn signal_code(n: i32) -> u8 {
    codes::signal(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_kinds_are_the_documented_codes() {
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Failure.code(), 1);
        assert_eq!(Exit::Usage.code(), 2);
        assert_eq!(Exit::Panic.code(), 101);
        assert_eq!(Exit::Engine.code(), 125);
        assert_eq!(Exit::CannotRun.code(), 126);
        assert_eq!(signal_code(9), 137);
        assert_eq!(signal_code(2), 130);
    }
}
