//! Everything that stops a `tcli oncall` verb, as one typed enum, and the one place that turns
//! it into the `error:` line, the `hint:` line and the exit status (docs/oncall.md). What is
//! wrong with a rotation's definition is `rotation::Problem`, carried here whole.

use crate::rotation::Invalid;
use tcli_plugin_sdk::{exit, Error};

/// For `when me`: where the email comes from.
const GIT_EMAIL_HINT: &str =
    "set it with 'git config --global user.email you@example.com', or name a person id";

/// A failure of a `tcli oncall` verb.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum OncallError {
    /// A broken `[oncall]`, rotation or roster.
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{flag} '{text}' is not a time")]
    NotATime { flag: &'static str, text: String },
    /// The window asked for runs past the last time tcli can show; `from` and `last` as shown.
    #[error("{weeks} weeks from {from} ({flag}) run past {last}, the last time tcli can show")]
    PastTheEnd {
        weeks: u16,
        from: String,
        flag: &'static str,
        last: String,
    },
    #[error("no rotation named '{name}'")]
    NoSuchRotation { name: String, names: Vec<String> },
    #[error("cannot run git to read your email: {0}")]
    NoGit(std::io::Error),
    #[error("'me' needs your email, and git config user.email is not set")]
    NoEmail,
    #[error("your git email '{0}' is not in the roster")]
    EmailNotInRoster(String),
    #[error("no person '{0}' in the roster")]
    NoSuchPerson(String),
}

impl OncallError {
    /// The exit status: 1 when git could not run, 2 for what the user or the files got wrong.
    pub(crate) fn code(&self) -> u8 {
        match self {
            OncallError::NoGit(_) => exit::FAILURE,
            _ => exit::USAGE,
        }
    }

    fn hint(&self) -> String {
        match self {
            OncallError::Invalid(e) => e.hint(),
            OncallError::NotATime { .. } => "write RFC 3339 (2026-03-02T09:00:00Z), a local time (2026-03-02 09:00) or a date (2026-03-02)".into(),
            OncallError::PastTheEnd { flag, .. } => {
                format!("give an earlier {flag} or fewer --weeks")
            }
            OncallError::NoSuchRotation { names, .. } if names.is_empty() => {
                "no rotation is defined; add [oncall.<name>] to a team's tcli.toml (docs/oncall.md)"
                    .into()
            }
            OncallError::NoSuchRotation { names, .. } => {
                format!("the rotations are: {}", names.join(", "))
            }
            OncallError::NoGit(_) | OncallError::NoEmail => GIT_EMAIL_HINT.into(),
            OncallError::EmailNotInRoster(_) => {
                "add it to your [people.<id>] email list in the team's tcli.toml".into()
            }
            OncallError::NoSuchPerson(_) => {
                "people are the [people.<id>] tables of the team's tcli.toml".into()
            }
        }
    }
}

impl From<Invalid> for OncallError {
    fn from(e: Invalid) -> OncallError {
        OncallError::Invalid(e)
    }
}

impl From<OncallError> for Error {
    fn from(e: OncallError) -> Error {
        Error::Failed {
            message: e.to_string(),
            hint: Some(e.hint()),
            code: e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_hints() {
        assert_eq!(OncallError::NoEmail.code(), 2);
        assert_eq!(
            OncallError::NoGit(std::io::ErrorKind::NotFound.into()).code(),
            1
        );
        let e = Error::from(OncallError::NoSuchRotation {
            name: "x".into(),
            names: vec!["a".into(), "b".into()],
        });
        let Error::Failed { message, hint, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(message, "no rotation named 'x'");
        assert_eq!(hint.as_deref(), Some("the rotations are: a, b"));
    }
}
