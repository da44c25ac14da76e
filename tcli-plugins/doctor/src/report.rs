//! The three ways results leave doctor (docs/doctor.md): the table (colour only on a
//! terminal), the `--json` report a teammate sends when asking for help, and the JUnit XML file
//! CI systems display. None of them holds an env value: results never carry one.

use crate::outcome::{Outcome, Status, Summary};
use crate::own::Team;
use std::io::Write;
use std::path::Path;
use tcli_plugin_sdk::doctor::Severity;
use tcli_plugin_sdk::serde_json::{json, Value};
use tcli_plugin_sdk::Error;

/// What the report says besides the results.
pub(crate) struct Context<'a> {
    pub(crate) tcli_version: &'a str,
    pub(crate) teams: &'a [Team],
    pub(crate) strict: bool,
    pub(crate) exit: u8,
}

/// The word in the STATUS column.
fn word(s: Status) -> &'static str {
    match s {
        Status::Pass => "ok",
        Status::Fail => "FAIL",
        Status::Warn => "warn",
        Status::Skip => "skip",
        Status::Invalid => "INVALID",
    }
}

/// ANSI colour of a status: green, red, yellow, dim.
fn colour(s: Status) -> &'static str {
    match s {
        Status::Pass => "32",
        Status::Fail | Status::Invalid => "31;1",
        Status::Warn => "33",
        Status::Skip => "2",
    }
}

/// The table: STATUS, CHECK, TEAM, DETAIL, HINT; columns padded on the plain text, so colour
/// does not shift them.
pub(crate) fn table(
    out: &mut impl Write,
    results: &[Outcome],
    colour_on: bool,
) -> Result<(), Error> {
    let header = ["STATUS", "CHECK", "TEAM", "DETAIL", "HINT"].map(str::to_string);
    // Every cell on one line and free of escapes: hints, regexes and paths come from
    // tcli.toml files a team (not the user) wrote.
    let cell = |s: &str| crate::clean::one_line(s, usize::MAX);
    let rows: Vec<(Option<Status>, [String; 5])> = std::iter::once((None, header))
        .chain(results.iter().map(|r| {
            (
                Some(r.status),
                [
                    word(r.status).to_string(),
                    cell(&r.name),
                    cell(&r.from.column()),
                    if r.detail.is_empty() {
                        "-".into()
                    } else {
                        cell(&r.detail)
                    },
                    r.hint.as_deref().map(cell).unwrap_or_default(),
                ],
            )
        }))
        .collect();
    let mut widths = [0usize; 5];
    for (_, row) in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (status, row) in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(widths[i] - cell.chars().count());
            match status {
                Some(s) if i == 0 && colour_on => {
                    line.push_str(&format!("\x1b[{}m{cell}\x1b[0m{pad}", colour(*s)))
                }
                _ => {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Warn => "warn",
        _ => "error",
    }
}

/// The `--json` report.
pub(crate) fn json(cx: &Context<'_>, results: &[Outcome]) -> Value {
    let s = Summary::of(results);
    json!({
        "format": "tcli-doctor",
        "version": 1,
        "tcli": cx.tcli_version,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "teams": cx.teams.iter().map(|t| json!({
            "name": t.name,
            "present": t.present,
            "branch": t.branch,
            "commit": t.commit,
        })).collect::<Vec<_>>(),
        "strict": cx.strict,
        "exit": cx.exit,
        "summary": {
            "total": results.len(),
            "passed": s.passed,
            "failed": s.failed,
            "warnings": s.warnings,
            "skipped": s.skipped,
            "invalid": s.invalid,
        },
        "results": results.iter().map(|r| json!({
            "name": r.name,
            "status": r.status.as_str(),
            "severity": severity(r.severity),
            "kind": r.kind,
            "team": r.from.team(),
            "origin": r.from.describe(),
            "file": r.from.file(),
            "description": r.description,
            "detail": r.detail,
            "hint": r.hint,
            "duration_ms": u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
            "shadowed": r.shadowed.iter().map(|o| json!({"team": o.team, "file": o.file})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Text safe inside XML 1.0 (attribute or element): escaped, and the characters XML cannot
/// hold or a reader must not be shown dropped (`tcli_plugin_sdk::output::is_unsafe`: C0 and C1
/// controls but tab and newlines, bidirectional overrides, noncharacters such as U+FFFE).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if tcli_plugin_sdk::output::is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML document: one testsuite, one testcase per result. A failing check (or a
/// warning under `--strict`) is a `<failure>`, an invalid definition an `<error>`, a skipped
/// check `<skipped>`; a warning otherwise passes with its detail in `<system-out>`.
pub(crate) fn junit(cx: &Context<'_>, results: &[Outcome]) -> String {
    let secs = |d: std::time::Duration| format!("{:.3}", d.as_secs_f64());
    let total: std::time::Duration = results.iter().map(|r| r.duration).sum();
    let s = Summary::of(results);
    let failures = s.failed + if cx.strict { s.warnings } else { 0 };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
        results.len(),
        s.invalid,
        s.skipped,
        secs(total)
    );
    x.push_str(&format!("<testsuites name=\"tcli doctor\" {counts}>\n"));
    x.push_str(&format!("  <testsuite name=\"tcli doctor\" {counts}>\n"));
    x.push_str("    <properties>\n");
    x.push_str(&format!(
        "      <property name=\"tcli\" value=\"{}\"/>\n",
        xml(cx.tcli_version)
    ));
    for t in cx.teams {
        x.push_str(&format!(
            "      <property name=\"team.{}\" value=\"{}\"/>\n",
            xml(&t.name),
            xml(t.commit.as_deref().unwrap_or("unknown"))
        ));
    }
    x.push_str("    </properties>\n");
    for r in results {
        let message = match &r.hint {
            Some(h) => format!("{}\nhint: {h}", r.detail),
            None => r.detail.clone(),
        };
        x.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"doctor.{}\" time=\"{}\"",
            xml(&r.name),
            xml(&r.from.column().replace(['(', ')'], "")),
            secs(r.duration)
        ));
        let body = match r.status {
            Status::Pass => None,
            Status::Fail => Some(format!(
                "<failure message=\"{}\" type=\"error\">{}</failure>",
                xml(&r.detail),
                xml(&message)
            )),
            Status::Warn if cx.strict => Some(format!(
                "<failure message=\"{}\" type=\"warn\">{}</failure>",
                xml(&r.detail),
                xml(&message)
            )),
            Status::Warn => Some(format!(
                "<system-out>warning: {}</system-out>",
                xml(&message)
            )),
            Status::Skip => Some(format!("<skipped message=\"{}\"/>", xml(&r.detail))),
            Status::Invalid => Some(format!(
                "<error message=\"{}\" type=\"invalid\">{}</error>",
                xml(&r.detail),
                xml(&message)
            )),
        };
        match body {
            None => x.push_str("/>\n"),
            Some(b) => x.push_str(&format!(">\n      {b}\n    </testcase>\n")),
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Writes `text` to `path` through a temp file beside it and a rename: a reader never sees
/// half a report, and a failure leaves any old one.
pub(crate) fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp.{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_and_drops_control_characters() {
        assert_eq!(xml("a<b & \"c\"\x1b"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(xml("a\u{FFFE}\u{FFFF}\u{85}\u{9F}b\tc"), "ab\tc");
    }

    #[test]
    fn table_is_aligned_without_colour() {
        let mut r = Outcome::tcli("tcli.modules".into(), None);
        r.detail = "fine".into();
        let mut out = Vec::new();
        table(&mut out, &[r], false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "STATUS  CHECK         TEAM    DETAIL  HINT\nok      tcli.modules  (tcli)  fine\n"
        );
    }
}
