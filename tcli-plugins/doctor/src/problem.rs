//! Everything that stops `tcli doctor` before or instead of its report, as one typed enum, and
//! the one place that turns it into the `error:` line, the `hint:` line and the exit status
//! (docs/doctor.md, "Exit status"). A check that fails is a row of the report, not one of these.

use std::path::PathBuf;
use tcli_plugin_sdk::{exit, Error};

/// Why doctor cannot give the report asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Problem {
    #[error("cannot find the running tcli: {0}")]
    NoTcli(std::io::Error),
    /// `tcli team list --json` did not answer; the cause is already one line.
    #[error("cannot list the teams: {0}")]
    NoTeamList(String),
    #[error("no team named '{team}'")]
    NoSuchTeam { team: String, known: Vec<String> },
    #[error("no check named '{0}'")]
    NoSuchCheck(String),
    #[error("no check named '{name}' in team '{team}'")]
    NoSuchCheckInTeam { name: String, team: String },
    /// A `<module>.<check>` the module's report does not hold.
    #[error("no check named '{name}'")]
    NotInModule {
        name: String,
        module: String,
        given: Vec<String>,
    },
    #[error("cannot write the JUnit report {}: {source}", .file.display())]
    Junit {
        file: PathBuf,
        source: std::io::Error,
    },
}

impl Problem {
    /// The exit status: 3 when the checks could not run (or their report not be written), 2
    /// for a name or team that does not exist.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Problem::NoTcli(_) | Problem::NoTeamList(_) | Problem::Junit { .. } => {
                exit::NOT_CHECKED
            }
            Problem::NoSuchTeam { .. }
            | Problem::NoSuchCheck(_)
            | Problem::NoSuchCheckInTeam { .. }
            | Problem::NotInModule { .. } => exit::USAGE,
        }
    }

    fn hint(&self) -> String {
        match self {
            Problem::NoTcli(_) => "run doctor as 'tcli doctor' on a system with /proc".into(),
            Problem::NoTeamList(_) => "run 'tcli team list' to see what is wrong".into(),
            Problem::NoSuchTeam { known, .. } if known.is_empty() => {
                "no teams are configured; add one with 'tcli team add <url>'".into()
            }
            Problem::NoSuchTeam { known, .. } => {
                format!("the teams are: {} (tcli team list)", known.join(", "))
            }
            Problem::NoSuchCheck(_) => "run 'tcli doctor' to see every check and its name".into(),
            Problem::NoSuchCheckInTeam { team, .. } => {
                format!("run 'tcli doctor --team {team}' to see the checks team '{team}' brings")
            }
            Problem::NotInModule { module, given, .. } if given.is_empty() => {
                format!("module '{module}' reported no checks")
            }
            Problem::NotInModule { module, given, .. } => {
                format!("module '{module}' has: {}", given.join(", "))
            }
            Problem::Junit { .. } => "give --junit a path in a directory you can write to".into(),
        }
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        Error::Failed {
            message: p.to_string(),
            hint: Some(p.hint()),
            code: p.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_docs() {
        assert_eq!(Problem::NoTeamList("x".into()).code(), 3);
        assert_eq!(Problem::NoSuchCheck("x".into()).code(), 2);
        let e = Error::from(Problem::NoSuchTeam {
            team: "acme".into(),
            known: vec!["a".into(), "b".into()],
        });
        assert_eq!(e.exit_code(), 2);
        let Error::Failed { message, hint, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(message, "no team named 'acme'");
        assert_eq!(
            hint.as_deref(),
            Some("the teams are: a, b (tcli team list)")
        );
    }
}
