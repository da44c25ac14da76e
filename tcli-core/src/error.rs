//! The error that reaches the user: what failed, why, the fix, and the exit code. Commands
//! return `anyhow::Result`; anything that needs a code other than 1 or a hint wraps itself in
//! [`CliError`]. Printing is `ui`'s job.

use crate::exit::Exit;
use std::fmt;

/// An error with an exit code and an optional hint.
#[derive(Debug)]
pub struct CliError {
    /// The exit code tcli ends with.
    pub exit: Exit,
    /// One line: what failed, naming the thing.
    pub message: String,
    /// One line: how to fix it.
    pub hint: Option<String>,
}

impl CliError {
    /// A new error with the given code and message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds the fix.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// A helper that cannot be started: exit 1, with the helper's fix.
impl From<tcli_helper::HelperError> for CliError {
    fn from(e: tcli_helper::HelperError) -> Self {
        let hint = e.hint();
        let err = CliError::new(Exit::Failure, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

/// The exit code for any error: a [`CliError`] anywhere in the chain decides, else 1.
pub fn exit_of(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .map_or(Exit::Failure, |e| e.exit)
}

/// The hint of the first [`CliError`] in the chain that has one.
pub fn hint_of(err: &anyhow::Error) -> Option<&str> {
    err.chain()
        .filter_map(|e| e.downcast_ref::<CliError>())
        .find_map(|e| e.hint.as_deref())
}
