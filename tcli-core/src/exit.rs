//! The exit-code table of docs/cli.md, in one place. Every exit tcli itself chooses comes
//! from here; a module's own status is passed through unchanged by the runners.

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
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Panic => 101,
            Exit::Engine => 125,
            Exit::CannotRun => 126,
        }
    }
}

/// The shell convention for a process killed by signal `n`.
pub const fn signal_code(n: i32) -> u8 {
    (128 + n) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_match_the_brief() {
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
