//! The wire format of source plugins (docs/source-plugins.md): what `tcli-source-<name> list`
//! prints, parsed. Bytes in; a header, the valid entries and the entries skipped (typed) out,
//! or a [`Failure`] when the output is not the protocol. Pure: it runs nothing and stats
//! nothing; `sources::plugin` turns a [`Listing`] into modules.

use super::{verbs, Problem};
use crate::prim::text::{sanitize_line, DESCRIPTION_MAX};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::path::PathBuf;

/// The protocol version this tcli speaks.
pub const PROTOCOL: u64 = 1;
/// Most bytes `list` may print; more is a failure, not a truncated listing.
pub const OUTPUT_MAX: usize = 1024 * 1024;
/// Longest line `list` may print.
pub const LINE_MAX: usize = 64 * 1024;
/// Most paths a header may ask tcli to watch: each one is a stat on every listing.
pub const WATCH_MAX: usize = 4096;

/// A listing that parsed: what to watch, and the modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Absolute paths whose change (stat: mtime, inode) makes tcli run `list` again.
    pub watch: Vec<PathBuf>,
    /// Seconds after which `list` runs again even if nothing watched changed.
    pub ttl: Option<u64>,
    /// The entries that can run, in the order printed, one per name.
    pub entries: Vec<Entry>,
    /// The lines that are objects but not valid entries, in order.
    pub skipped: Vec<BadEntry>,
}

/// One module a source offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// A valid module name.
    pub name: String,
    /// One line, sanitized for a terminal; `None` when absent or blank.
    pub description: Option<String>,
    /// Verbs and subjects, flattened as for exec modules (`env`, `env create`).
    pub verbs: Vec<String>,
    /// What runs: an absolute argv0, then fixed arguments; the user's words follow.
    pub run: Vec<String>,
    /// Declared verbs that were left out; the entry still counts.
    pub problems: Vec<Problem>,
}

/// Why a whole listing is rejected: the source then contributes no module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "kebab-case")]
pub enum Failure {
    /// More than [`OUTPUT_MAX`] bytes.
    TooLarge,
    /// Nothing but blank lines.
    Empty,
    /// A line longer than [`LINE_MAX`] bytes.
    LineTooLong {
        /// 1-based line number.
        line: usize,
    },
    /// A line that is not UTF-8, or holds a NUL byte.
    NotText {
        /// 1-based line number.
        line: usize,
    },
    /// A line that is not one JSON object.
    NotJson {
        /// 1-based line number.
        line: usize,
    },
    /// The first line is an object but not a valid header.
    BadHeader {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        why: HeaderFault,
    },
    /// The header names a protocol this tcli does not speak.
    Protocol {
        /// The version the source printed.
        found: u64,
    },
}

/// What is wrong with a header line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", content = "value", rename_all = "kebab-case")]
pub enum HeaderFault {
    /// No `protocol`, or not a non-negative integer.
    NoProtocol,
    /// `watch` is present but not an array of strings.
    WatchNotStrings,
    /// A `watch` path that is not absolute.
    WatchRelative(String),
    /// More than [`WATCH_MAX`] paths.
    WatchTooMany(usize),
    /// `ttl` is present but not a positive integer number of seconds.
    BadTtl,
}

/// A line that is an object but not a valid entry: skipped, and the rest still counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadEntry {
    /// 1-based line number.
    pub line: usize,
    /// The entry's name, when it has a string one (valid or not; sanitized when shown).
    pub name: Option<String>,
    /// What is wrong.
    pub why: EntryFault,
}

/// What is wrong with one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", content = "value", rename_all = "kebab-case")]
pub enum EntryFault {
    /// No `name`, or not a string.
    NoName,
    /// The name breaks the module name rule; the reason comes from `names::validate`.
    InvalidName(String),
    /// A second entry with a name already listed; the first one counts.
    Duplicate,
    /// No `run`, or not an array of strings.
    NoRun,
    /// `run` is an empty array.
    EmptyRun,
    /// `run[0]` is not an absolute path.
    RelativeRun(String),
    /// A `run` string holds a NUL byte, which no argument can.
    NulInRun,
    /// A field that is present with the wrong type (`description` not a string, `verbs` not
    /// an array of strings).
    BadField(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::TooLarge => write!(f, "'list' printed more than {} MiB", OUTPUT_MAX >> 20),
            Failure::Empty => write!(f, "'list' printed nothing"),
            Failure::LineTooLong { line } => write!(
                f,
                "'list' output line {line} is longer than {} KiB",
                LINE_MAX >> 10
            ),
            Failure::NotText { line } => {
                write!(f, "'list' output line {line} is not UTF-8 text")
            }
            Failure::NotJson { line } => {
                write!(f, "'list' output line {line} is not a JSON object")
            }
            Failure::BadHeader { line, why } => {
                write!(f, "'list' output line {line} is not a valid header: {why}")
            }
            Failure::Protocol { found } => write!(
                f,
                "'list' speaks protocol {found}; this tcli speaks protocol {PROTOCOL}"
            ),
        }
    }
}

impl fmt::Display for HeaderFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderFault::NoProtocol => write!(f, "\"protocol\" must be a number"),
            HeaderFault::WatchNotStrings => {
                write!(f, "\"watch\" must be an array of strings")
            }
            HeaderFault::WatchRelative(p) => write!(
                f,
                "\"watch\" paths must be absolute, not {:?}",
                sanitize_line(p, 64)
            ),
            HeaderFault::WatchTooMany(n) => {
                write!(
                    f,
                    "\"watch\" holds {n} paths; at most {WATCH_MAX} are allowed"
                )
            }
            HeaderFault::BadTtl => {
                write!(f, "\"ttl\" must be a positive whole number of seconds")
            }
        }
    }
}

impl fmt::Display for BadEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match &self.name {
            Some(n) => format!("entry '{}'", sanitize_line(n, 64)),
            None => "an entry".to_string(),
        };
        write!(f, "line {}: ", self.line)?;
        match &self.why {
            EntryFault::NoName => write!(f, "an entry has no \"name\" string"),
            EntryFault::InvalidName(why) => write!(
                f,
                "invalid module name {:?}: {why}",
                sanitize_line(self.name.as_deref().unwrap_or_default(), 64)
            ),
            EntryFault::Duplicate => write!(f, "{who} is listed twice; the first one counts"),
            EntryFault::NoRun => write!(f, "{who} has no \"run\" array of strings"),
            EntryFault::EmptyRun => write!(f, "{who} has an empty \"run\""),
            EntryFault::RelativeRun(p) => write!(
                f,
                "{who}: \"run\" must start with an absolute path, not {:?}",
                sanitize_line(p, 64)
            ),
            EntryFault::NulInRun => write!(f, "{who}: \"run\" holds a NUL byte"),
            EntryFault::BadField(field) => write!(f, "{who}: \"{field}\" has the wrong type"),
        }
    }
}

/// Parses everything `list` printed on stdout.
pub fn parse(out: &[u8]) -> Result<Listing, Failure> {
    if out.len() > OUTPUT_MAX {
        return Err(Failure::TooLarge);
    }
    let mut objects = Vec::new();
    for (i, raw) in out.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        if raw.len() > LINE_MAX {
            return Err(Failure::LineTooLong { line });
        }
        let text = std::str::from_utf8(raw)
            .ok()
            .filter(|t| !t.contains('\0'))
            .ok_or(Failure::NotText { line })?;
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => objects.push((line, o)),
            _ => return Err(Failure::NotJson { line }),
        }
    }
    let mut objects = objects.into_iter();
    let (line, header) = objects.next().ok_or(Failure::Empty)?;
    let version = header
        .get("protocol")
        .and_then(Value::as_u64)
        .ok_or(Failure::BadHeader {
            line,
            why: HeaderFault::NoProtocol,
        })?;
    if version != PROTOCOL {
        return Err(Failure::Protocol { found: version });
    }
    let (watch, ttl) = header_fields(&header).map_err(|why| Failure::BadHeader { line, why })?;
    let mut listing = Listing {
        watch,
        ttl,
        entries: Vec::new(),
        skipped: Vec::new(),
    };
    // Every name seen, good entry or bad: the first entry of a name counts, whatever it is.
    let mut seen = std::collections::HashSet::new();
    for (line, object) in objects {
        let name = object
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let first = name.as_ref().is_none_or(|n| seen.insert(n.clone()));
        let why = match entry(&object) {
            _ if !first => EntryFault::Duplicate,
            Ok(e) => {
                listing.entries.push(e);
                continue;
            }
            Err(why) => why,
        };
        listing.skipped.push(BadEntry { line, name, why });
    }
    Ok(listing)
}

/// The header's `watch` and `ttl`; the protocol version is checked before.
fn header_fields(h: &Map<String, Value>) -> Result<(Vec<PathBuf>, Option<u64>), HeaderFault> {
    let watch = match h.get("watch") {
        None => Vec::new(),
        Some(v) => strings(v).ok_or(HeaderFault::WatchNotStrings)?,
    };
    if watch.len() > WATCH_MAX {
        return Err(HeaderFault::WatchTooMany(watch.len()));
    }
    if let Some(rel) = watch.iter().find(|p| !p.starts_with('/')) {
        return Err(HeaderFault::WatchRelative(rel.clone()));
    }
    let ttl = match h.get("ttl") {
        None => None,
        Some(v) => Some(v.as_u64().filter(|t| *t > 0).ok_or(HeaderFault::BadTtl)?),
    };
    Ok((watch.into_iter().map(PathBuf::from).collect(), ttl))
}

/// The entry a line describes, or the first reason it must be left out.
fn entry(o: &Map<String, Value>) -> Result<Entry, EntryFault> {
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .ok_or(EntryFault::NoName)?;
    crate::names::validate(name).map_err(EntryFault::InvalidName)?;
    let run = match o.get("run").and_then(strings) {
        None => return Err(EntryFault::NoRun),
        Some(run) if run.is_empty() => return Err(EntryFault::EmptyRun),
        Some(run) if !run[0].starts_with('/') => {
            return Err(EntryFault::RelativeRun(run[0].clone()))
        }
        Some(run) if run.iter().any(|a| a.contains('\0')) => return Err(EntryFault::NulInRun),
        Some(run) => run,
    };
    let description = match o.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(sanitize_line(s, DESCRIPTION_MAX)).filter(|s| !s.is_empty()),
        Some(_) => return Err(EntryFault::BadField("description".into())),
    };
    let declared = match o.get("verbs") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => strings(v).ok_or(EntryFault::BadField("verbs".into()))?,
    };
    // One verb per array element: a comma inside one is not a list separator here, so it
    // stays in the entry and is refused as a character no verb may hold.
    let decl: Vec<String> = declared
        .iter()
        .map(|v| v.replace(',', "\u{fffd}"))
        .collect();
    let mut problems = Vec::new();
    let verbs = verbs::parse(&decl.join(","), "verbs", &mut problems);
    Ok(Entry {
        name: name.to_string(),
        description,
        verbs,
        run,
        problems,
    })
}

/// The strings of a JSON array of strings.
fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<u8> {
        ls.join("\n").into_bytes()
    }

    const HEADER: &str = r#"{"protocol":1,"watch":["/srv/scripts"],"ttl":30}"#;

    #[test]
    fn parse_reads_header_and_entries() {
        let l = parse(&lines(&[
            HEADER,
            r#"{"name":"deploy","description":"Ship \"it\"\tnow\\","verbs":["status","env create"],"run":["/srv/scripts/deploy","--from-tcli"]}"#,
            "",
            r#"{"name":"backup","run":["/bin/backup"],"future":"ignored"}"#,
        ]))
        .unwrap();
        assert_eq!(l.watch, [PathBuf::from("/srv/scripts")]);
        assert_eq!(l.ttl, Some(30));
        assert!(l.skipped.is_empty(), "{:?}", l.skipped);
        assert_eq!(
            l.entries[0],
            Entry {
                name: "deploy".into(),
                description: Some("Ship \"it\" now\\".into()),
                verbs: vec!["status".into(), "env".into(), "env create".into()],
                run: vec!["/srv/scripts/deploy".into(), "--from-tcli".into()],
                problems: Vec::new(),
            }
        );
        assert_eq!(l.entries[1].name, "backup");
        assert_eq!(l.entries[1].description, None);
    }

    #[test]
    fn parse_keeps_good_entries_and_reports_bad_ones() {
        let l = parse(&lines(&[
            r#"{"protocol":1}"#,
            r#"{"name":"Bad_Name","run":["/x"]}"#,
            r#"{"name":"norun"}"#,
            r#"{"name":"rel","run":["bin/rel"]}"#,
            r#"{"name":"empty","run":[]}"#,
            r#"{"run":["/x"]}"#,
            r#"{"name":"typed","run":["/x"],"description":5}"#,
            r#"{"name":"good","run":["/good"],"verbs":["ok","Nope","a,b"]}"#,
            r#"{"name":"good","run":["/other"]}"#,
            r#"{"name":"nul","run":["/x","a\u0000b"]}"#,
        ]))
        .unwrap();
        let names: Vec<_> = l.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["good"]);
        assert_eq!(l.entries[0].verbs, ["ok"]);
        assert_eq!(
            l.entries[0].problems.len(),
            2,
            "{:?}",
            l.entries[0].problems
        );
        assert_eq!(
            l.entries[0].problems[0].to_string(),
            "verbs: \"Nope\" is not a verb: a name cannot contain uppercase letters"
        );
        let skipped: Vec<_> = l.skipped.iter().map(|p| (p.line, &p.why)).collect();
        assert_eq!(
            skipped,
            [
                (
                    2,
                    &EntryFault::InvalidName("a name cannot contain uppercase letters".into())
                ),
                (3, &EntryFault::NoRun),
                (4, &EntryFault::RelativeRun("bin/rel".into())),
                (5, &EntryFault::EmptyRun),
                (6, &EntryFault::NoName),
                (7, &EntryFault::BadField("description".into())),
                (9, &EntryFault::Duplicate),
                (10, &EntryFault::NulInRun),
            ]
        );
        let shown: Vec<String> = l.skipped.iter().map(BadEntry::to_string).collect();
        assert_eq!(
            shown[..3],
            [
                "line 2: invalid module name \"Bad_Name\": a name cannot contain uppercase letters",
                "line 3: entry 'norun' has no \"run\" array of strings",
                "line 4: entry 'rel': \"run\" must start with an absolute path, not \"bin/rel\"",
            ]
        );
        let back: Vec<BadEntry> =
            serde_json::from_str(&serde_json::to_string(&l.skipped).unwrap()).unwrap();
        assert_eq!(back, l.skipped);
    }

    #[test]
    fn parse_rejects_junk_as_a_whole() {
        assert_eq!(parse(b""), Err(Failure::Empty));
        assert_eq!(parse(b"\n  \n"), Err(Failure::Empty));
        assert_eq!(parse(b"hello\n"), Err(Failure::NotJson { line: 1 }));
        assert_eq!(parse(b"[1]\n"), Err(Failure::NotJson { line: 1 }));
        assert_eq!(parse(b"\xff\xfe junk"), Err(Failure::NotText { line: 1 }));
        let nul = format!("{HEADER}\n{{\"name\":\"a\"}}\0\n");
        assert_eq!(parse(nul.as_bytes()), Err(Failure::NotText { line: 2 }));
        let junk_later = format!("{HEADER}\nnot json\n");
        assert_eq!(
            parse(junk_later.as_bytes()),
            Err(Failure::NotJson { line: 2 })
        );
        let long = format!("{HEADER}\n{}\n", "x".repeat(LINE_MAX + 1));
        assert_eq!(
            parse(long.as_bytes()),
            Err(Failure::LineTooLong { line: 2 })
        );
        assert_eq!(parse(&vec![b'\n'; OUTPUT_MAX + 1]), Err(Failure::TooLarge));
        assert_eq!(
            Failure::NotText { line: 1 }.to_string(),
            "'list' output line 1 is not UTF-8 text"
        );
    }

    #[test]
    fn parse_first_entry_of_a_name_counts_even_when_it_is_bad() {
        let l = parse(&lines(&[
            r#"{"protocol":1}"#,
            r#"{"name":"x"}"#,
            r#"{"name":"x","run":["/x"]}"#,
        ]))
        .unwrap();
        assert!(l.entries.is_empty());
        let skipped: Vec<_> = l.skipped.iter().map(|p| (p.line, &p.why)).collect();
        assert_eq!(
            skipped,
            [(2, &EntryFault::NoRun), (3, &EntryFault::Duplicate)]
        );
    }

    #[test]
    fn parse_checks_the_header() {
        let bad = |h: &str| parse(h.as_bytes()).unwrap_err();
        assert_eq!(bad(r#"{"protocol":2}"#), Failure::Protocol { found: 2 });
        assert_eq!(
            bad(r#"{"name":"x","run":["/x"]}"#),
            Failure::BadHeader {
                line: 1,
                why: HeaderFault::NoProtocol
            }
        );
        assert_eq!(
            bad(r#"{"protocol":1,"watch":"/x"}"#),
            Failure::BadHeader {
                line: 1,
                why: HeaderFault::WatchNotStrings
            }
        );
        assert_eq!(
            bad(r#"{"protocol":1,"watch":["rel"]}"#),
            Failure::BadHeader {
                line: 1,
                why: HeaderFault::WatchRelative("rel".into())
            }
        );
        for ttl in ["0", "-1", "1.5", "\"60\""] {
            assert_eq!(
                bad(&format!(r#"{{"protocol":1,"ttl":{ttl}}}"#)),
                Failure::BadHeader {
                    line: 1,
                    why: HeaderFault::BadTtl
                },
                "{ttl}"
            );
        }
        assert_eq!(
            Failure::Protocol { found: 2 }.to_string(),
            "'list' speaks protocol 2; this tcli speaks protocol 1"
        );
        let l = parse(br#"{"protocol":1}"#).unwrap();
        assert_eq!((l.watch.len(), l.ttl, l.entries.len()), (0, None, 0));
    }
}
