//! Check definitions: `[checks.<name>]` in each settings file (docs/doctor.md), validated into
//! [`Def`]s or [`Invalid`]s that name the check, the file and the fix. Files come in precedence
//! order (the user's, then each team's), so the first definition of a name wins and the later
//! ones are recorded as shadowed, as modules are. Running a check is `kinds.rs`'s.

use regex::Regex;
use semver::VersionReq;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tcli_plugin_sdk::doctor::Severity;
use tcli_plugin_sdk::serde_json::{Map, Value};

/// How long a check may run unless it says otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout a check may ask for.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Where a definition was read: a team's `tcli.toml` or the user's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) team: Option<String>,
    pub(crate) file: PathBuf,
}

impl Origin {
    pub(crate) fn describe(&self) -> String {
        match &self.team {
            Some(t) => format!("team '{t}'"),
            None => "your settings".to_string(),
        }
    }
}

/// What a check looks at.
#[derive(Debug)]
pub(crate) enum Kind {
    /// `<tool> --version` (or `version-arg`), its first `x.y[.z]` against `require`.
    Tool {
        tool: String,
        require: Option<VersionReq>,
        version_args: Vec<String>,
    },
    /// `sh -c <command>`: exit 0, and stdout matching `expect` when given.
    Run {
        command: String,
        expect: Option<Regex>,
    },
    /// A variable set and non-empty, or matching `matches`. Its value is never kept.
    Env { var: String, matches: Option<Regex> },
    /// A file that exists (`~` expanded), with exactly `mode` when given.
    File { path: String, mode: Option<u32> },
}

impl Kind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Kind::Tool { .. } => "tool",
            Kind::Run { .. } => "run",
            Kind::Env { .. } => "env",
            Kind::File { .. } => "file",
        }
    }
}

/// A valid check definition.
#[derive(Debug)]
pub(crate) struct Def {
    pub(crate) name: String,
    pub(crate) origin: Origin,
    pub(crate) kind: Kind,
    pub(crate) severity: Severity,
    pub(crate) hint: Option<String>,
    pub(crate) timeout: Duration,
    /// The systems it applies to (`linux`, `macos`); empty for all.
    pub(crate) os: Vec<String>,
    pub(crate) description: Option<String>,
}

/// A definition that cannot run: what is wrong and how to fix it.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub(crate) name: String,
    pub(crate) origin: Origin,
    pub(crate) problem: String,
    pub(crate) fix: String,
}

/// One entry of the definition list, valid or not; either holds its name for later files.
#[derive(Debug)]
pub(crate) enum Entry {
    Def(Def),
    Invalid(Invalid),
}

impl Entry {
    pub(crate) fn name(&self) -> &str {
        match self {
            Entry::Def(d) => &d.name,
            Entry::Invalid(i) => &i.name,
        }
    }
}

/// The definitions of every file, with the origins each one shadows.
#[derive(Debug, Default)]
pub(crate) struct Defs {
    pub(crate) entries: Vec<(Entry, Vec<Origin>)>,
}

impl Defs {
    /// Reads `[checks]` of each file, highest precedence first.
    pub(crate) fn read<'a>(files: impl IntoIterator<Item = (Origin, &'a Value)>) -> Defs {
        let mut defs = Defs::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (origin, settings) in files {
            for entry in file_entries(&origin, settings) {
                match seen.get(entry.name()) {
                    Some(&i) => defs.entries[i].1.push(origin.clone()),
                    None => {
                        seen.insert(entry.name().to_string(), defs.entries.len());
                        defs.entries.push((entry, Vec::new()));
                    }
                }
            }
        }
        defs
    }
}

/// The entries of one file, in the order of their `[checks.<name>]` headers.
fn file_entries(origin: &Origin, settings: &Value) -> Vec<Entry> {
    // One line each, whatever a file put in a key or value they quote (found by fuzzing: a
    // field name holding a newline).
    let invalid = |name: &str, problem: String, fix: String| {
        Entry::Invalid(Invalid {
            name: name.to_string(),
            origin: origin.clone(),
            problem: crate::clean::one_line(&problem, 500),
            fix: crate::clean::one_line(&fix, 500),
        })
    };
    let checks = match settings.get("checks") {
        None => return Vec::new(),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return vec![invalid(
                "checks",
                "'checks' is not a table".into(),
                "define each check as a table: [checks.<name>]".into(),
            )]
        }
    };
    let order = header_order(&origin.file);
    let mut names: Vec<&String> = checks.keys().collect();
    names.sort_by_key(|n| (order.iter().position(|o| o == *n).unwrap_or(usize::MAX), *n));
    names
        .into_iter()
        .map(|name| match parse(name, &checks[name]) {
            Ok(mut d) => {
                d.origin = origin.clone();
                Entry::Def(d)
            }
            Err((problem, fix)) => invalid(name, problem, fix),
        })
        .collect()
}

/// The check names in the order their `[checks.<name>]` headers appear in the file. The
/// settings reach the module as a JSON object, which keeps no order; the file does.
fn header_order(file: &Path) -> Vec<String> {
    let Ok(Some(text)) = tcli_plugin_sdk::settings_file::read(file) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let inner = l.trim().strip_prefix('[')?.split(']').next()?;
            let rest = inner.trim().strip_prefix("checks")?.trim_start();
            let name = rest.strip_prefix('.')?.split('.').next()?.trim();
            Some(name.trim_matches(|c| c == '"' || c == '\'').to_string())
        })
        .collect()
}

/// A problem and its fix.
type Refusal = (String, String);

const KINDS: [&str; 4] = ["tool", "run", "env", "file"];
const COMMON: [&str; 5] = ["severity", "hint", "timeout", "os", "description"];

/// The fields a kind takes besides its own.
fn kind_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "tool" => &["require", "version-arg"],
        "run" => &["expect"],
        "env" => &["matches"],
        "file" => &["mode"],
        _ => &[],
    }
}

/// `[a-z][a-z0-9]*(-[a-z0-9]+)*`, at most 64 bytes: the module-name rule, shared with the
/// checks modules report.
pub(crate) fn valid_name(name: &str) -> bool {
    tcli_plugin_sdk::doctor::valid_check_name(name)
}

/// One `[checks.<name>]` table: a valid name, a table, exactly one kind, only the fields that
/// kind and every check take, then each field's value.
fn parse(name: &str, value: &Value) -> Result<Def, Refusal> {
    let t = check_table(name, value)?;
    let kind = kind_key(t)?;
    only_known_fields(t, kind)?;
    Ok(Def {
        name: name.to_string(),
        origin: Origin {
            team: None,
            file: PathBuf::new(),
        },
        kind: kind_of(kind, t)?,
        severity: severity(t)?,
        hint: optional(t, "hint", |s| Ok(s.to_string()))?,
        timeout: optional(t, "timeout", parse_timeout)?.unwrap_or(DEFAULT_TIMEOUT),
        os: os(t)?,
        description: optional(t, "description", |s| Ok(s.to_string()))?,
    })
}

/// The definition's table, under a valid check name.
fn check_table<'v>(name: &str, value: &'v Value) -> Result<&'v Map<String, Value>, Refusal> {
    if !valid_name(name) {
        return Err((
            format!("'{name}' is not a valid check name"),
            "name checks like modules: lowercase letters and digits, single '-' between them (e.g. [checks.go-version])".into(),
        ));
    }
    let Value::Object(t) = value else {
        return Err((
            "it is not a table".into(),
            format!("write it as a table: [checks.{name}] with one of tool, run, env or file"),
        ));
    };
    Ok(t)
}

/// The one kind key (`tool`, `run`, `env`, `file`) the table holds.
fn kind_key(t: &Map<String, Value>) -> Result<&'static str, Refusal> {
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| t.contains_key(*k))
        .collect();
    match kinds.as_slice() {
        [k] => Ok(*k),
        [] => {
            let unknown: Vec<&String> =
                t.keys().filter(|k| !COMMON.contains(&k.as_str())).collect();
            let problem = match unknown.first() {
                Some(k) => format!("unknown kind '{k}'"),
                None => "it has no kind".into(),
            };
            Err((
                problem,
                "give it exactly one of tool, run, env or file (docs/doctor.md)".into(),
            ))
        }
        [a, b, ..] => Err((
            format!("two kinds in one check ({a} and {b})"),
            "split it into two checks, each with one of tool, run, env or file".into(),
        )),
    }
}

fn only_known_fields(t: &Map<String, Value>, kind: &str) -> Result<(), Refusal> {
    let allowed = kind_fields(kind);
    match t.keys().find(|k| {
        k.as_str() != kind && !COMMON.contains(&k.as_str()) && !allowed.contains(&k.as_str())
    }) {
        None => Ok(()),
        Some(k) => {
            let mut fields: Vec<&str> = allowed.to_vec();
            fields.extend(COMMON);
            Err((
                format!("unknown field '{k}' for a {kind} check"),
                format!("use only {kind} and {}", fields.join(", ")),
            ))
        }
    }
}

/// The kind `kind` with its own fields read.
fn kind_of(kind: &str, t: &Map<String, Value>) -> Result<Kind, Refusal> {
    Ok(match kind {
        "tool" => Kind::Tool {
            tool: string(t, "tool", "the program to run, e.g. tool = \"git\"")?,
            require: optional(t, "require", |s| {
                VersionReq::parse(s).map_err(|e| {
                    (
                        format!("require = \"{s}\" is not a semver requirement: {e}"),
                        "write a requirement like \">=2.30\" or \"^1.22\"".into(),
                    )
                })
            })?,
            version_args: version_args(t)?,
        },
        "run" => Kind::Run {
            command: string(
                t,
                "run",
                "a command line for sh, e.g. run = \"docker info\"",
            )?,
            expect: optional(t, "expect", regex("expect", true))?,
        },
        "env" => {
            let var = string(t, "env", "a variable name, e.g. env = \"VPN_TOKEN\"")?;
            if var.contains(['=', '\0']) {
                return Err((
                    format!("env = \"{var}\" is not a variable name"),
                    "give the variable's name only, e.g. env = \"VPN_TOKEN\"".into(),
                ));
            }
            Kind::Env {
                var,
                matches: optional(t, "matches", regex("matches", false))?,
            }
        }
        _ => Kind::File {
            path: string(t, "file", "a path, e.g. file = \"~/.ssh/config\"")?,
            mode: mode(t)?,
        },
    })
}

fn string(t: &Map<String, Value>, key: &str, what: &str) -> Result<String, Refusal> {
    match t.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err((
            format!("'{key}' must be a non-empty string"),
            format!("give {what}"),
        )),
    }
}

fn optional<T>(
    t: &Map<String, Value>,
    key: &str,
    f: impl Fn(&str) -> Result<T, Refusal>,
) -> Result<Option<T>, Refusal> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => f(s).map(Some),
        Some(other) => Err((
            format!("'{key}' must be a string, not {other}"),
            format!("quote it: {key} = \"...\""),
        )),
    }
}

/// A pattern; `lines` makes `^` and `$` match at each line (a command's output ends in one).
fn regex(key: &'static str, lines: bool) -> impl Fn(&str) -> Result<Regex, Refusal> {
    move |s| {
        regex::RegexBuilder::new(s).multi_line(lines).build().map_err(|e| {
            let first = e.to_string();
            let why = first.lines().last().unwrap_or("").trim().to_string();
            (
                format!("{key} = \"{s}\" is not a valid regular expression ({why})"),
                "fix the pattern (Rust regex syntax; in TOML, '...' strings need no escaped backslashes)".into(),
            )
        })
    }
}

fn version_args(t: &Map<String, Value>) -> Result<Vec<String>, Refusal> {
    let bad = || {
        (
            "'version-arg' must be a string or a list of strings".into(),
            "e.g. version-arg = \"version\" or version-arg = [\"version\", \"--client\"]".into(),
        )
    };
    match t.get("version-arg") {
        None => Ok(vec!["--version".into()]),
        Some(Value::String(s)) => Ok(s.split_whitespace().map(str::to_string).collect()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn severity(t: &Map<String, Value>) -> Result<Severity, Refusal> {
    Ok(optional(t, "severity", |s| match s {
        "error" => Ok(Severity::Error),
        "warn" => Ok(Severity::Warn),
        other => Err((
            format!("severity = \"{other}\" is not a severity"),
            "use severity = \"error\" (the default) or \"warn\"".into(),
        )),
    })?
    .unwrap_or_default())
}

fn os(t: &Map<String, Value>) -> Result<Vec<String>, Refusal> {
    let list: Vec<&Value> = match t.get("os") {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    list.into_iter()
        .map(|v| match v.as_str() {
            Some(s @ ("linux" | "macos")) => Ok(s.to_string()),
            _ => Err((
                format!("os = {v} is not a system tcli knows"),
                "use os = \"linux\", os = \"macos\" or os = [\"linux\", \"macos\"]".into(),
            )),
        })
        .collect()
}

fn mode(t: &Map<String, Value>) -> Result<Option<u32>, Refusal> {
    let bad = |shown: String| {
        (
            format!("mode = {shown} is not a file mode"),
            "give the octal permission bits as a string, e.g. mode = \"600\"".into(),
        )
    };
    match t.get("mode") {
        None => Ok(None),
        Some(Value::String(s))
            if (3..=4).contains(&s.len()) && s.bytes().all(|b| (b'0'..=b'7').contains(&b)) =>
        {
            u32::from_str_radix(s, 8)
                .map(Some)
                .map_err(|_| bad(format!("\"{s}\"")))
        }
        Some(v) => Err(bad(v.to_string())),
    }
}

/// `"10s"`, `"500ms"`, `"2m"`, more than zero and at most an hour.
fn parse_timeout(s: &str) -> Result<Duration, Refusal> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let d = num.parse::<u64>().ok().and_then(|n| match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => n.checked_mul(60).map(Duration::from_secs),
        _ => None,
    });
    match d {
        Some(d) if !d.is_zero() && d <= MAX_TIMEOUT => Ok(d),
        _ => Err((
            format!("timeout = \"{s}\" is not a duration from 1ms to 60m"),
            "write it like \"5s\", \"500ms\" or \"2m\"".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcli_plugin_sdk::serde_json::json;

    fn origin(team: Option<&str>) -> Origin {
        Origin {
            team: team.map(str::to_string),
            file: PathBuf::from("/nonexistent/tcli.toml"),
        }
    }

    fn problem(v: Value) -> String {
        match parse("x", &v) {
            Err((p, _)) => p,
            Ok(d) => panic!("accepted {d:?}"),
        }
    }

    #[test]
    fn refusals_are_one_line_whatever_the_file_quotes() {
        // Found by fuzzing (fuzz/seeds/doctor/newline-in-field-name).
        let v = json!({"checks": {"bad": {"tool": "x", "ru\n": "y"}}});
        let defs = Defs::read([(origin(Some("t")), &v)]);
        let Entry::Invalid(i) = &defs.entries[0].0 else {
            panic!("accepted")
        };
        assert!(!i.problem.contains('\n'), "{:?}", i.problem);
        assert!(i.problem.contains("unknown field 'ru "), "{:?}", i.problem);
    }

    #[test]
    fn broken_definitions_are_named() {
        assert!(problem(json!({"http": "x"})).contains("unknown kind 'http'"));
        assert!(problem(json!({"tool": "go", "run": "go"})).contains("two kinds"));
        assert!(problem(json!({"tool": "go", "require": ">=x"})).contains("semver"));
        assert!(problem(json!({"run": "true", "expect": "("})).contains("regular expression"));
        assert!(problem(json!({"run": "true", "timeout": "soon"})).contains("duration"));
        assert!(problem(json!({"run": "true", "timeout": "0s"})).contains("duration"));
        assert!(problem(json!({"run": "true", "require": "1"})).contains("unknown field"));
        assert!(problem(json!({"file": "a", "mode": "999"})).contains("file mode"));
        assert!(problem(json!({"env": "A", "severity": "fatal"})).contains("severity"));
        assert!(problem(json!({"env": "A", "os": "plan9"})).contains("system"));
    }

    #[test]
    fn fields_are_read() {
        let d = parse(
            "x",
            &json!({"tool": "go", "require": ">=1.22", "version-arg": "version",
                    "timeout": "500ms", "severity": "warn", "os": ["linux"]}),
        )
        .unwrap();
        assert_eq!(d.timeout, Duration::from_millis(500));
        assert_eq!(d.severity, Severity::Warn);
        assert_eq!(d.os, ["linux"]);
        let Kind::Tool { version_args, .. } = d.kind else {
            panic!()
        };
        assert_eq!(version_args, ["version"]);
        let f = parse("x", &json!({"file": "~/a", "mode": "0600"})).unwrap();
        assert!(matches!(
            f.kind,
            Kind::File {
                mode: Some(0o600),
                ..
            }
        ));
    }

    #[test]
    fn earlier_files_shadow_later_ones() {
        let user = json!({"checks": {"git": {"tool": "git"}}});
        let team = json!({"checks": {"git": {"tool": "git"}, "go": {"tool": "go"}}});
        let defs = Defs::read([(origin(None), &user), (origin(Some("acme")), &team)]);
        let names: Vec<&str> = defs.entries.iter().map(|(e, _)| e.name()).collect();
        assert_eq!(names, ["git", "go"]);
        let Entry::Def(git) = &defs.entries[0].0 else {
            panic!("git is valid")
        };
        assert_eq!(git.origin.team, None);
        assert_eq!(defs.entries[0].1, [origin(Some("acme"))]);
    }

    #[test]
    fn names_follow_the_module_rule() {
        assert!(valid_name("go-version"));
        assert!(!valid_name("Go"));
        assert!(!valid_name("a--b"));
        assert!(!valid_name("a.b"));
    }
}
