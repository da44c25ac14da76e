//! Running one valid check definition of each kind (tool, run, env, file) to a verdict and a
//! one-line detail. An env check never lets the variable's value out of this file; a command's
//! output appears only as a short excerpt.

use crate::defs::{Def, Kind};
use crate::proc::{self, Ran};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tcli_plugin_sdk::output::sanitize_line;

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
            if let Some(e) = &ran.wait_error {
                return fail(format!("cannot wait for '{shown}': {e}"));
            }
            // A version printed by a program that failed is not the tool's: pyenv, asdf and
            // rbenv shims print "version 'x' is not installed" on stderr and exit 127.
            if ran.code != Some(0) {
                return fail(format!("'{shown}' failed{}", status_note(&ran)));
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
                (None, None) => pass(format!("{tool} runs")),
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
            if let Some(e) = &ran.wait_error {
                return fail(format!("cannot wait for the command: {e}"));
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
    let Some(path) = expand(written, std::env::var_os("HOME")) else {
        return fail("HOME is not set, cannot expand ~");
    };
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

/// `~` and `~/...` from `home`; anything else as written (relative to the current directory).
/// `None` when the path needs a home and `home` is unset or empty: `~/.ssh` must not quietly
/// become the relative `.ssh`.
fn expand(path: &str, home: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let home = || home.clone().filter(|h| !h.is_empty()).map(PathBuf::from);
    match path.strip_prefix("~/") {
        Some(rest) => Some(home()?.join(rest)),
        None if path == "~" => home(),
        None => Some(PathBuf::from(path)),
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

/// The first `x.y[.z]` in `out` whose numbers fit, with a pre-release tag when one follows
/// `x.y.z` (`1.2.3-rc1`: it does not meet `>=1.2.3`). ASCII digits only: `\d` would take other
/// scripts' digits, which do not parse.
pub(crate) fn version_in(out: &[u8]) -> Option<semver::Version> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"([0-9]+)\.([0-9]+)(?:\.([0-9]+)(?:-([A-Za-z][0-9A-Za-z]*(?:\.[0-9A-Za-z]+)*))?)?",
        )
        .expect("valid pattern")
    });
    let text = String::from_utf8_lossy(out);
    re.captures_iter(&text).find_map(|c| {
        let n = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse::<u64>().ok());
        let mut v = semver::Version::new(n(1)?, n(2)?, n(3)?);
        if let Some(tag) = c.get(4) {
            v.pre = semver::Prerelease::new(tag.as_str()).ok()?;
        }
        Some(v)
    })
}

/// The values [`redact`] masks: those of the variables env checks name, longest first (so a
/// value holding another is masked whole).
static SECRETS: OnceLock<Vec<String>> = OnceLock::new();

/// Sets the values to mask, once per run.
pub(crate) fn hide(values: impl IntoIterator<Item = std::ffi::OsString>) {
    let mut v: Vec<String> = values
        .into_iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v.dedup();
    let _ = SECRETS.set(v);
}

/// `s` with every value set by [`hide`] replaced by `***`.
pub(crate) fn redact(s: &str) -> String {
    redact_with(s, SECRETS.get().map_or(&[], Vec::as_slice))
}

fn redact_with(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    for v in secrets {
        if out.contains(v.as_str()) {
            out = out.replace(v.as_str(), "***");
        }
    }
    out
}

/// The first non-blank line, cut short and made safe for a terminal.
fn excerpt(out: &[u8]) -> Option<String> {
    let text = redact(&String::from_utf8_lossy(out));
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| one_line(l, EXCERPT))
}

/// The last non-blank line (where errors usually are), cut short and made safe.
fn excerpt_last(out: &[u8]) -> Option<String> {
    let text = redact(&String::from_utf8_lossy(out));
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(|l| one_line(l, EXCERPT))
}

/// `s` masked ([`redact`]) and made one clean line of at most `max` characters
/// (`tcli_plugin_sdk::output::sanitize_line`).
pub(crate) fn one_line(s: &str, max: usize) -> String {
    // Masked before cutting: a value cut in half would escape the mask.
    sanitize_line(&redact(s), max)
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
    fn versions_skip_overflowing_numbers_and_keep_pre_releases() {
        assert_eq!(
            version_in(b"build 99999999999999999999.1 tool 1.2.3"),
            Some(semver::Version::new(1, 2, 3))
        );
        // Arabic-Indic digits are not a version.
        assert_eq!(
            version_in("v \u{661}.\u{662} then 3.4".as_bytes()),
            Some(semver::Version::new(3, 4, 0))
        );
        let rc = version_in(b"tool 1.2.3-rc1").unwrap();
        assert_eq!(rc.to_string(), "1.2.3-rc1");
        assert!(!semver::VersionReq::parse(">=1.2.3").unwrap().matches(&rc));
        // A Debian revision is not a pre-release.
        assert_eq!(
            version_in(b"1.2.3-4ubuntu1"),
            Some(semver::Version::new(1, 2, 3))
        );
    }

    #[test]
    fn one_line_cuts_and_cleans() {
        assert_eq!(one_line("a\x1b[31mb", 10), "a [31mb");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(
            one_line("a\u{85}b\u{FFFE}c\u{FFFF}d\u{202E}e\nf", 20),
            "a b c d e f"
        );
    }

    #[test]
    fn secrets_are_masked_longest_first() {
        let secrets = ["abcdef".to_string(), "abc".to_string()];
        assert_eq!(redact_with("x=abcdef y=abc", &secrets), "x=*** y=***");
    }

    #[test]
    fn tilde_needs_a_home() {
        assert_eq!(
            expand("~/.ssh", Some("/h".into())),
            Some(PathBuf::from("/h/.ssh"))
        );
        assert_eq!(expand("~/.ssh", None), None);
        assert_eq!(expand("~", Some("".into())), None);
        assert_eq!(expand("rel/x", None), Some(PathBuf::from("rel/x")));
    }

    fn tool_def(tool: &Path, require: Option<&str>) -> Def {
        Def {
            name: "t".into(),
            origin: crate::defs::Origin {
                team: None,
                file: PathBuf::new(),
            },
            kind: Kind::Tool {
                tool: tool.display().to_string(),
                require: require.map(|r| semver::VersionReq::parse(r).unwrap()),
                version_args: vec!["--version".into()],
            },
            severity: Default::default(),
            hint: None,
            timeout: std::time::Duration::from_secs(10),
            os: Vec::new(),
            description: None,
        }
    }

    /// A pyenv-style shim: the version it would run on stderr, and exit 127.
    #[test]
    fn a_tool_that_exits_non_zero_fails_even_with_a_version() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("doctor-shim-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let shim = dir.join("python");
        std::fs::write(
            &shim,
            "#!/bin/sh\necho \"pyenv: version '3.12.1' is not installed\" >&2\nexit 127\n",
        )
        .unwrap();
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
        for require in [None, Some(">=3.0")] {
            let v = check(&tool_def(&shim, require), Path::new("/bin/true"));
            assert!(!v.passed, "{require:?}: {}", v.detail);
            assert!(v.detail.contains("(exit status 127)"), "{}", v.detail);
            assert!(v.detail.contains("is not installed"), "{}", v.detail);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod props {
    //! Version reading and requirement checks as equations over generated versions
    //! (docs/fuzzing.md).
    use super::version_in;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_version_in_any_banner_reads_back(
            major in 0u64..100_000, minor in 0u64..1000, patch in 0u64..1000,
            pre in proptest::option::of("[a-z][a-z0-9]{0,5}"),
            banner in "[a-zA-Z ,:()/_]{0,20}",
        ) {
            let mut want = semver::Version::new(major, minor, patch);
            let mut text = format!("{banner} {major}.{minor}.{patch}");
            if let Some(p) = &pre {
                text.push('-');
                text.push_str(p);
                want.pre = semver::Prerelease::new(p).unwrap();
            }
            text.push_str(" (built today)\n");
            prop_assert_eq!(version_in(text.as_bytes()), Some(want));
        }

        #[test]
        fn a_requirement_holds_as_semver_says(
            have in (0u64..5, 0u64..5, 0u64..5),
            need in (0u64..5, 0u64..5),
            op in prop_oneof![Just(">="), Just("<"), Just("^"), Just("~"), Just("=")],
        ) {
            let text = format!("tool {}.{}.{}", have.0, have.1, have.2);
            let v = version_in(text.as_bytes()).unwrap();
            let req = semver::VersionReq::parse(&format!("{op}{}.{}", need.0, need.1)).unwrap();
            let by_hand = match op {
                ">=" => (have.0, have.1) >= need,
                "<" => (have.0, have.1) < need,
                "^" if need.0 > 0 => have.0 == need.0 && have.1 >= need.1,
                "^" => have.0 == 0 && have.1 == need.1,
                "~" | "=" => have.0 == need.0 && have.1 == need.1,
                _ => unreachable!(),
            };
            prop_assert_eq!(req.matches(&v), by_hand, "{}{}.{} vs {}", op, need.0, need.1, text);
        }
    }
}
