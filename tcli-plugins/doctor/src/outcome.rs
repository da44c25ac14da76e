//! One result of `tcli doctor`, whatever produced it (a definition, tcli's own checks, a
//! module's answer), and how results add up to the exit status (docs/doctor.md, exit codes).

use crate::defs::Origin;
use std::path::PathBuf;
use std::time::Duration;
use tcli_plugin_sdk::doctor::Severity;
use tcli_plugin_sdk::exit;

/// How a check came out, as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pass,
    /// Failed, severity error.
    Fail,
    /// Failed, severity warn.
    Warn,
    Skip,
    /// The definition cannot run.
    Invalid,
}

impl Status {
    /// Pass, or failed with `severity`.
    pub(crate) fn of(passed: bool, severity: Severity) -> Status {
        match (passed, severity) {
            (true, _) => Status::Pass,
            (false, Severity::Warn) => Status::Warn,
            (false, _) => Status::Fail,
        }
    }

    /// The word in `--json` and JUnit.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
            Status::Invalid => "invalid",
        }
    }
}

/// Who a result comes from, for the TEAM column and `origin` in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// tcli's own checks, about a team or not.
    Tcli { team: Option<String> },
    /// A `[checks.<name>]` definition.
    Def(Origin),
    /// A module's answer to `doctor --json`; the team whose `bin/` holds it, if any.
    Module {
        module: String,
        team: Option<String>,
    },
}

impl Source {
    pub(crate) fn team(&self) -> Option<&str> {
        match self {
            Source::Tcli { team } | Source::Module { team, .. } => team.as_deref(),
            Source::Def(o) => o.team.as_deref(),
        }
    }

    pub(crate) fn file(&self) -> Option<&PathBuf> {
        match self {
            Source::Def(o) => Some(&o.file),
            _ => None,
        }
    }

    /// What the TEAM column shows.
    pub(crate) fn column(&self) -> String {
        match (self, self.team()) {
            (_, Some(t)) => t.to_string(),
            (Source::Def(_), None) => "(yours)".into(),
            (Source::Module { .. }, None) => "(module)".into(),
            (Source::Tcli { .. }, None) => "(tcli)".into(),
        }
    }

    /// `team 'acme'`, `your settings`, `tcli`, `module 'deploy'`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Source::Tcli { .. } => "tcli".into(),
            Source::Def(o) => o.describe(),
            Source::Module { module, .. } => format!("module '{module}'"),
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) name: String,
    /// `tool`, `run`, `env`, `file`, `tcli` or `module`.
    pub(crate) kind: &'static str,
    pub(crate) from: Source,
    pub(crate) severity: Severity,
    pub(crate) status: Status,
    pub(crate) detail: String,
    pub(crate) hint: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) duration: Duration,
    pub(crate) shadowed: Vec<Origin>,
}

impl Outcome {
    /// A result of tcli's own checks.
    pub(crate) fn tcli(name: String, team: Option<String>) -> Outcome {
        Outcome {
            name,
            kind: "tcli",
            from: Source::Tcli { team },
            severity: Severity::Error,
            status: Status::Pass,
            detail: String::new(),
            hint: None,
            description: None,
            duration: Duration::ZERO,
            shadowed: Vec::new(),
        }
    }
}

/// The counts shown in the summary and the JSON report.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Summary {
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) warnings: usize,
    pub(crate) skipped: usize,
    pub(crate) invalid: usize,
}

impl Summary {
    pub(crate) fn of(results: &[Outcome]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Warn => s.warnings += 1,
                Status::Skip => s.skipped += 1,
                Status::Invalid => s.invalid += 1,
            }
        }
        s
    }

    /// 2 for an invalid definition, else 1 for a failed error-severity check (or a warning
    /// under `--strict`), else 0. Exit 3 (nothing could run) never gets this far.
    pub(crate) fn exit_code(&self, strict: bool) -> u8 {
        if self.invalid > 0 {
            exit::USAGE
        } else if self.failed > 0 || (strict && self.warnings > 0) {
            exit::FAILURE
        } else {
            exit::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(status: Status) -> Outcome {
        Outcome {
            status,
            ..Outcome::tcli("x".into(), None)
        }
    }

    #[test]
    fn exit_codes_follow_the_table() {
        let code = |s: &[Status], strict| {
            Summary::of(&s.iter().map(|&x| with(x)).collect::<Vec<_>>()).exit_code(strict)
        };
        assert_eq!(code(&[Status::Pass, Status::Skip], false), 0);
        assert_eq!(code(&[Status::Warn], false), 0);
        assert_eq!(code(&[Status::Warn], true), 1);
        assert_eq!(code(&[Status::Fail, Status::Pass], false), 1);
        assert_eq!(code(&[Status::Fail, Status::Invalid], false), 2);
    }
}
