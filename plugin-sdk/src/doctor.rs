//! Checks a module contributes to `tcli doctor` (docs/doctor.md, "Checks from modules"): a
//! module that declares the verb `doctor` is asked `tcli <module> doctor --json` and answers
//! with a [`Report`] on stdout. Exec and docker modules print the same JSON by hand; these
//! types are that shape, for native modules and for the doctor that reads the answers.
//!
//! ```
//! use tcli_plugin_sdk::doctor::Report;
//!
//! let mut report = Report::new();
//! report.pass("kubeconfig", "~/.kube/config has context 'prod'");
//! report
//!     .fail("vpn", "the VPN interface tun0 is down")
//!     .hint("run 'vpn up'")
//!     .warn_only();
//! let mut out = Vec::new();
//! report.print(&mut out).unwrap();
//! let back = Report::parse(&out).unwrap();
//! assert_eq!(back.checks.len(), 2);
//! ```

use crate::Error;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Whether `name` is a valid check name: `[a-z][a-z0-9]*(-[a-z0-9]+)*`, at most 64 bytes (the
/// module-name rule). `tcli doctor` refuses a report holding another name.
pub fn valid_check_name(name: &str) -> bool {
    crate::is_valid_name(name)
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Status {
    /// What the team expects is there.
    Pass,
    /// It is not; the check's [`Severity`] says whether that fails `tcli doctor`.
    Fail,
    /// The check does not apply here (another OS, a feature not in use).
    Skip,
}

/// What a failed check means for `tcli doctor`'s exit status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// A failure fails `tcli doctor` (exit 1).
    #[default]
    Error,
    /// A failure is shown as a warning; it fails only `tcli doctor --strict`.
    Warn,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Check {
    /// The check's name, `[a-z][a-z0-9]*(-[a-z0-9]+)*`; doctor shows it as `<module>.<name>`.
    pub name: String,
    /// How it came out.
    pub status: Status,
    /// What a failure means.
    #[serde(default)]
    pub severity: Severity,
    /// One line saying what was found. Never put a secret here: the report is sent around.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One line with the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    /// Adds the fix shown as the hint.
    pub fn hint(&mut self, fix: impl Into<String>) -> &mut Check {
        self.hint = Some(fix.into());
        self
    }

    /// Makes a failure a warning ([`Severity::Warn`]).
    pub fn warn_only(&mut self) -> &mut Check {
        self.severity = Severity::Warn;
        self
    }
}

/// What `tcli <module> doctor --json` prints: `{"checks": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The checks, in the order they are shown.
    pub checks: Vec<Check>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report::default()
    }

    /// `name` must pass [`valid_check_name`]; [`Report::print`] refuses the report otherwise.
    fn push(&mut self, name: &str, status: Status, detail: String) -> &mut Check {
        self.checks.push(Check {
            name: name.to_string(),
            status,
            severity: Severity::Error,
            detail: (!detail.is_empty()).then_some(detail),
            hint: None,
        });
        let last = self.checks.len() - 1;
        &mut self.checks[last]
    }

    /// Records a check that passed.
    pub fn pass(&mut self, name: &str, detail: impl Into<String>) -> &mut Check {
        self.push(name, Status::Pass, detail.into())
    }

    /// Records a check that failed (an error unless [`Check::warn_only`]).
    pub fn fail(&mut self, name: &str, detail: impl Into<String>) -> &mut Check {
        self.push(name, Status::Fail, detail.into())
    }

    /// Records a check that does not apply here.
    pub fn skip(&mut self, name: &str, detail: impl Into<String>) -> &mut Check {
        self.push(name, Status::Skip, detail.into())
    }

    /// Writes the report as JSON (what `doctor --json` prints). A check whose name breaks
    /// [`valid_check_name`] is refused here, naming it, and nothing is written: `push` cannot
    /// fail without changing every caller, and tcli doctor would refuse the whole report.
    pub fn print(&self, out: &mut impl Write) -> Result<(), Error> {
        if let Some(c) = self.checks.iter().find(|c| !valid_check_name(&c.name)) {
            return Err(Error::failed(format!(
                "doctor check name '{}' is not valid",
                c.name.escape_debug()
            ))
            .with_hint(
                "name checks like modules: lowercase letters and digits, single '-' between them",
            ));
        }
        let value = serde_json::to_value(self).map_err(Error::other)?;
        crate::output::json(out, &value)
    }

    /// Writes the report for a person who ran `tcli <module> doctor` without `--json`: one
    /// line per check (`ok`, `FAIL`, `warn` or `skip`, the name, the detail), and its hint
    /// indented under a failure. `tcli doctor` is where checks are normally read.
    pub fn print_text(&self, out: &mut impl Write) -> Result<(), Error> {
        for c in &self.checks {
            let status = match (c.status, c.severity) {
                (Status::Pass, _) => "ok",
                (Status::Fail, Severity::Warn) => "warn",
                (Status::Fail, _) => "FAIL",
                (Status::Skip, _) => "skip",
            };
            let detail = c.detail.as_deref().unwrap_or_default();
            writeln!(out, "{status:<4}  {}  {detail}", c.name).map_err(Error::other)?;
            if let (Status::Fail, Some(h)) = (c.status, &c.hint) {
                writeln!(out, "      hint: {h}").map_err(Error::other)?;
            }
        }
        Ok(())
    }

    /// Reads a report a module printed.
    pub fn parse(bytes: &[u8]) -> Result<Report, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_shape_is_the_documented_one() {
        let mut r = Report::new();
        r.pass("a", "");
        r.fail("b", "down").hint("up").warn_only();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"checks": [
                {"name": "a", "status": "pass", "severity": "error"},
                {"name": "b", "status": "fail", "severity": "warn", "detail": "down", "hint": "up"}
            ]})
        );
    }

    #[test]
    fn invalid_check_names_are_refused_when_printed() {
        assert!(valid_check_name("data-dir"));
        assert!(!valid_check_name("Data Dir"));
        assert!(!valid_check_name("a.b"));
        let mut r = Report::new();
        r.pass("ok", "");
        r.fail("not valid", "x");
        let mut out = Vec::new();
        let e = r.print(&mut out).unwrap_err();
        assert!(e.to_string().contains("'not valid'"), "{e}");
        assert!(out.is_empty());
    }

    #[test]
    fn severity_defaults_to_error_and_unknown_status_is_refused() {
        let r = Report::parse(br#"{"checks":[{"name":"x","status":"fail"}]}"#).unwrap();
        assert_eq!(r.checks[0].severity, Severity::Error);
        assert!(Report::parse(br#"{"checks":[{"name":"x","status":"maybe"}]}"#).is_err());
    }
}
