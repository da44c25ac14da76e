//! Running one valid check definition of each kind (tool, run, env, file) to a verdict and a
//! one-line detail. An env check never lets the variable's value out of this file; a command's
//! output appears only as a short excerpt.

use crate::defs::{Def, Kind};
use crate::proc::{self, Ran};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The longest excerpt of a command's output a result carries.
const EXCERPT: usize = 160;

/// A check's verdict: passed or not, and what was found.
pub(crate) struct Verdict {
    pub(crate) passed: bool,
    pub(crate) detail: String,
}

fn pass(detail: impl Into<String>) -> Verdict {
    Verdict {
        passed: true,
        detail: detail.into(),
    }
}

fn fail(detail: impl Into<String>) -> Verdict {
    Verdict {
        passed: false,
        detail: detail.into(),
    }
}

/// Runs `def`; `tcli` is the running tcli, given to commands as `TCLI_BIN`.
pub(crate) fn check(def: &Def, tcli: &Path) -> Verdict {
    match &def.kind {
        Kind::Tool {
            tool,
            require,
            version_args,
        } => {
            let shown = std::iter::once(tool.as_str())
                .chain(version_args.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ");
            let mut cmd = Command::new(tool);
            cmd.args(version_args).env("TCLI_BIN", tcli);
            let ran = proc::run(cmd, def.timeout);
            if let Some(e) = &ran.spawn_error {
                return fail(match e.kind() {
                    std::io::ErrorKind::NotFound if !tool.contains('/') => {
                        format!("{tool} not found on PATH")
                    }
                    std::io::ErrorKind::NotFound => format!("{tool} does not exist"),
                    _ => format!("cannot run {tool}: {e}"),
                });
            }
            if ran.timed_out {
                return fail(timed_out(&shown, def));
            }
            let found = version_in(&ran.stdout).or_else(|| version_in(&ran.stderr));
            match (found, require) {
                (Some(v), Some(req)) if req.matches(&v) => pass(format!("{tool} {v} ({req})")),
                (Some(v), Some(req)) => fail(format!("{tool} {v} does not meet {req}")),
                (None, Some(_)) => fail(format!(
                    "no version (x.y or x.y.z) in the output of '{shown}'{}",
                    status_note(&ran)
                )),
                (Some(v), None) => pass(format!("{tool} {v}")),
                (None, None) if ran.code == Some(0) => pass(format!("{tool} runs")),
                (None, None) => fail(format!("'{shown}' failed{}", status_note(&ran))),
            }
        }
        Kind::Run { command, expect } => {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(command).env("TCLI_BIN", tcli);
            let ran = proc::run(cmd, def.timeout);
            if let Some(e) = &ran.spawn_error {
                return fail(format!("cannot run sh: {e}"));
            }
            if ran.timed_out {
                return fail(timed_out(command, def));
            }
            if ran.code != Some(0) {
                return fail(format!("failed{}", status_note(&ran)));
            }
            match expect {
                Some(re) if !re.is_match(&String::from_utf8_lossy(&ran.stdout)) => fail(format!(
                    "its output does not match /{re}/{}",
                    excerpt(&ran.stdout).map_or(String::new(), |e| format!(": {e}"))
                )),
                Some(re) => pass(format!("output matches /{re}/")),
                None => pass("exited 0"),
            }
        }
        Kind::Env { var, matches } => env(var, matches.as_ref()),
        Kind::File { path, mode } => file(path, *mode),
    }
}

/// Only the name and the pattern are ever shown, never the value.
fn env(var: &str, matches: Option<&Regex>) -> Verdict {
    let Some(value) = std::env::var_os(var) else {
        return fail(format!("{var} is not set"));
    };
    if value.is_empty() {
        return fail(format!("{var} is set but empty"));
    }
    match matches {
        None => pass(format!("{var} is set")),
        Some(re) => match value.to_str() {
            Some(v) if re.is_match(v) => pass(format!("{var} matches /{re}/")),
            Some(_) => fail(format!("{var} does not match /{re}/")),
            None => fail(format!("{var} is not UTF-8, so it cannot match /{re}/")),
        },
    }
}

fn file(written: &str, mode: Option<u32>) -> Verdict {
    let path = expand(written);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fail(format!("{} does not exist", path.display()))
        }
        Err(e) => return fail(format!("cannot read {}: {e}", path.display())),
    };
    use std::os::unix::fs::PermissionsExt;
    let actual = meta.permissions().mode() & 0o7777;
    match mode {
        Some(m) if m != actual => {
            fail(format!("{} has mode {actual:o}, not {m:o}", path.display()))
        }
        Some(m) => pass(format!("{} exists with mode {m:o}", path.display())),
        None => pass(format!("{} exists", path.display())),
    }
}

/// `~` and `~/...` from HOME; anything else as written (relative to the current directory).
fn expand(path: &str) -> PathBuf {
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
    };
    match path.strip_prefix("~/") {
        Some(rest) => home().join(rest),
        None if path == "~" => home(),
        None => PathBuf::from(path),
    }
}

fn timed_out(what: &str, def: &Def) -> String {
    format!(
        "'{}' did not finish within {} and was killed",
        one_line(what, 60),
        humantime(def.timeout)
    )
}

/// `"10s"`, `"500ms"`: how a timeout is written.
pub(crate) fn humantime(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// ` (exit status 3): <last line of stderr or stdout>`.
fn status_note(ran: &Ran) -> String {
    let status = match ran.code {
        Some(c) => format!(" (exit status {c})"),
        None => " (killed by a signal)".to_string(),
    };
    let said = excerpt_last(&ran.stderr).or_else(|| excerpt_last(&ran.stdout));
    format!(
        "{status}{}",
        said.map_or(String::new(), |s| format!(": {s}"))
    )
}

/// The first `x.y[.z]` in `out`.
pub(crate) fn version_in(out: &[u8]) -> Option<semver::Version> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(\d+)\.(\d+)(?:\.(\d+))?").expect("valid pattern"));
    let text = String::from_utf8_lossy(out);
    let c = re.captures(&text)?;
    let n = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse::<u64>().ok());
    Some(semver::Version::new(n(1)?, n(2)?, n(3)?))
}

/// The first non-blank line, cut short and made safe for a terminal.
fn excerpt(out: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(out);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| one_line(l, EXCERPT))
}

/// The last non-blank line (where errors usually are), cut short and made safe.
fn excerpt_last(out: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(out);
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(|l| one_line(l, EXCERPT))
}

/// `s` on one line, control characters replaced, at most `max` characters (with `…`).
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() <= max {
        return clean.to_string();
    }
    let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_first_match() {
        assert_eq!(
            version_in(b"git version 2.43.0\n"),
            Some(semver::Version::new(2, 43, 0))
        );
        assert_eq!(
            version_in(b"go1.22 linux"),
            Some(semver::Version::new(1, 22, 0))
        );
        assert_eq!(version_in(b"no version"), None);
    }

    #[test]
    fn one_line_cuts_and_cleans() {
        assert_eq!(one_line("a\x1b[31mb", 10), "a [31mb");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }
}
