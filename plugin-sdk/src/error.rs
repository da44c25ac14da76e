//! The error a module's run function returns, and how the SDK shows it: `error:` line, causes,
//! `hint:` line, exit status. A closed stdout pipe is not an error (exit 0, as tcli does).

use crate::exit;
use crate::output::inert;
use std::io::Write;

/// What went wrong in a module. Returned from the run function given to
/// [`export_plugin!`](crate::export_plugin); the SDK prints it on stderr and exits with
/// [`Error::exit_code`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure the module explains to its user, with an exit status and an optional fix.
    #[error("{message}")]
    Failed {
        /// One line naming the thing that failed.
        message: String,
        /// One line with the fix, shown as `hint:`.
        hint: Option<String>,
        /// The exit status.
        code: u8,
    },
    /// tcli could not load the settings files (a syntax error, say).
    #[error("cannot read the tcli settings: {0}")]
    Settings(String),
    /// A settings value has the wrong shape.
    #[error("setting '{key}' is invalid: {problem}")]
    InvalidSetting {
        /// The dotted key, such as `bookmarks.wiki`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The tcli running the module gave it a host struct it does not understand.
    #[error("this tcli is too old for the module: {0}")]
    HostTooOld(String),
    /// End with this exit status and no message: the module has already said why (a report
    /// whose verdict is the status, as `tcli doctor`'s exit 1).
    #[error("exit status {0}")]
    Exit(u8),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An error from a library the module uses.
    #[error(transparent)]
    Other(#[from] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl Error {
    /// A failure with exit status 1.
    pub fn failed(message: impl Into<String>) -> Error {
        Error::Failed {
            message: message.into(),
            hint: None,
            code: exit::FAILURE,
        }
    }

    /// A usage failure (exit status 2), such as a name that does not exist.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Failed {
            message: message.into(),
            hint: None,
            code: exit::USAGE,
        }
    }

    /// Wraps any library error.
    pub fn other(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Error {
        Error::Other(err.into())
    }

    /// Adds the fix shown as `hint:`. Only [`Error::Failed`] carries one; others are unchanged.
    pub fn with_hint(self, fix: impl Into<String>) -> Error {
        match self {
            Error::Failed { message, code, .. } => Error::Failed {
                message,
                hint: Some(fix.into()),
                code,
            },
            other => other,
        }
    }

    /// The exit status this error ends the module with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Failed { code, .. } | Error::Exit(code) => *code,
            Error::HostTooOld(_) => exit::CANNOT_RUN,
            Error::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::SUCCESS,
            _ => exit::FAILURE,
        }
    }

    fn hint(&self) -> Option<&str> {
        match self {
            Error::Failed { hint, .. } => hint.as_deref(),
            Error::Settings(_) | Error::InvalidSetting { .. } => {
                Some("fix the tcli.toml named above, then run the command again")
            }
            Error::HostTooOld(_) => {
                Some("upgrade tcli, or use a build of the module made for this tcli")
            }
            _ => None,
        }
    }

    /// Prints the error as tcli prints its own, unless it is a closed stdout pipe.
    pub(crate) fn report(&self) {
        if let Some(text) = self.rendered() {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }

    /// What [`report`](Error::report) prints: `error:`, causes, `hint:`, a line each. Messages
    /// often quote what a settings file or the network said, so they go through
    /// [`inert`](crate::output::inert) and cannot drive the terminal.
    #[doc(hidden)]
    pub fn rendered(&self) -> Option<String> {
        if self.exit_code() == 0 || matches!(self, Error::Exit(_)) {
            return None;
        }
        let mut text = format!("error: {}\n", inert(&self.to_string()));
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            text.push_str(&format!("  caused by: {}\n", inert(&c.to_string())));
            cause = c.source();
        }
        if let Some(h) = self.hint() {
            text.push_str(&format!("hint: {}\n", inert(h)));
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_errors_are_inert_lines() {
        let e = Error::usage("format '\u{1b}[2J\nx' is not known").with_hint("fix\u{7} it");
        assert_eq!(
            e.rendered().unwrap(),
            "error: format '\\u{1b}[2J\\nx' is not known\nhint: fix\\u{7} it\n"
        );
        assert_eq!(Error::Exit(1).rendered(), None);
        assert_eq!(Error::failed("é ok").rendered().unwrap(), "error: é ok\n");
    }
}
