//! The module model every source yields, and precedence. Each source (`path`, `native`,
//! `docker`) lives in its own file and implements [`Source`]; this file knows no source's
//! details. The index (`crate::index`) stores one [`SourceCache`] per source; [`resolve`] turns
//! the union into winners and the entries they shadow.

pub mod builtin;
pub mod docker;
pub mod native;
pub mod path;

use crate::context::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Where a module comes from. The order of the variants is the precedence of BRIEF section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Compiled into tcli.
    Builtin,
    /// A shared library built against tcli-plugin-sdk.
    Native,
    /// A `tcli-<name>` executable on the search path.
    Exec,
    /// A labelled local Docker image.
    Docker,
}

impl Kind {
    /// The lowercase name used in lists and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Builtin => "builtin",
            Kind::Native => "native",
            Kind::Exec => "exec",
            Kind::Docker => "docker",
        }
    }
}

/// What identifies one version of a module on disk or in the engine: when it changes, the
/// module is probed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Identity {
    /// A file: path + size + mtime + inode.
    File {
        /// Size in bytes.
        size: u64,
        /// Modification time, nanoseconds since the epoch.
        mtime_ns: i64,
        /// Inode number.
        ino: u64,
    },
    /// A Docker image ID (`sha256:...`).
    Image {
        /// The image ID.
        id: String,
    },
    /// Compiled in.
    Builtin,
}

impl Identity {
    /// The identity of the file at `path` (following symlinks, as exec does), or `None` when
    /// it cannot be read.
    pub fn of_file(path: &Path) -> Option<Identity> {
        use std::os::unix::fs::MetadataExt;
        let md = std::fs::metadata(path).ok()?;
        Some(Identity::File {
            size: md.len(),
            mtime_ns: md
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(md.mtime_nsec()),
            ino: md.ino(),
        })
    }
}

/// One module as a source found it. Sources fill what they know; `verbs`, `problems` and
/// `extra` may be empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// The module name (as found; may be invalid, then `problems` says why).
    pub name: String,
    /// The source.
    pub kind: Kind,
    /// A path, or an image ID for docker modules.
    pub location: String,
    /// What the cache is keyed on.
    pub identity: Identity,
    /// The one-line description, already sanitized for a terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Verbs and subjects, when the module declares them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
    /// What is wrong with it: each entry one line. A module with problems is still listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// False when the module is listed but cannot be dispatched (invalid name, untrusted image,
    /// unreadable library).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub runnable: bool,
    /// Source-specific data (image tags and run settings, ABI versions). Shown by `--json`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ModuleInfo {
    /// A runnable module with nothing known yet but where it is.
    pub fn new(name: String, kind: Kind, location: String, identity: Identity) -> ModuleInfo {
        ModuleInfo {
            name,
            kind,
            location,
            identity,
            description: None,
            verbs: Vec::new(),
            problems: Vec::new(),
            runnable: true,
            extra: Default::default(),
        }
    }

    /// The words the module takes right after `tcli <name>` (`subject` None) or after
    /// `tcli <name> <subject>`: its verbs and subjects, or that subject's verbs.
    pub fn verbs_at(&self, subject: Option<&str>) -> Vec<&str> {
        let prefix = subject.map(|s| format!("{s} ")).unwrap_or_default();
        self.verbs
            .iter()
            .filter_map(|v| v.strip_prefix(prefix.as_str()))
            .filter(|v| !v.contains(' '))
            .collect()
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// A directory or file a source looked at, as it was; equal stamps mean nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The path stat'ed.
    pub path: String,
    /// `None` when it did not exist.
    pub mtime_ns: Option<i64>,
    /// Inode, 0 when it did not exist.
    pub ino: u64,
}

impl Stamp {
    /// Stats `path` now.
    pub fn of(path: &Path) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Ok(md) => Stamp {
                path: path.to_string_lossy().into_owned(),
                mtime_ns: Some(
                    md.mtime()
                        .saturating_mul(1_000_000_000)
                        .saturating_add(md.mtime_nsec()),
                ),
                ino: md.ino(),
            },
            Err(_) => Stamp {
                path: path.to_string_lossy().into_owned(),
                mtime_ns: None,
                ino: 0,
            },
        }
    }

    /// Stamps of several dirs, in order.
    pub fn all(paths: &[std::path::PathBuf]) -> Vec<Stamp> {
        paths.iter().map(|p| Stamp::of(p)).collect()
    }
}

/// The freshness rule of file-based sources: the dirs they list still have the stamps recorded
/// (a dir's mtime changes when an entry is added, removed or renamed) and every cached module's
/// file still has its identity (a file rewritten in place keeps its dir's mtime).
pub fn files_unchanged(dirs: &[std::path::PathBuf], cached: &SourceCache) -> bool {
    Stamp::all(dirs) == cached.stamps
        && cached
            .modules
            .iter()
            .all(|m| Identity::of_file(Path::new(&m.location)).as_ref() == Some(&m.identity))
}

/// Rescans a file-based source. Each of `dirs` is listed once (a dir reached twice, such as
/// `/bin -> usr/bin` on merged-/usr systems, would make its modules shadow themselves);
/// `list` gives a dir's candidate files. A file whose identity is unchanged keeps its cached
/// entry unless `stale` says otherwise; the others are described afresh, `threads` at a time.
pub fn rescan_files(
    dirs: &[std::path::PathBuf],
    cached: &SourceCache,
    threads: usize,
    list: impl Fn(&Path) -> Vec<(std::path::PathBuf, Identity)>,
    stale: impl Fn(&ModuleInfo) -> bool + Sync,
    describe: impl Fn(&Path, Identity) -> ModuleInfo + Sync,
) -> SourceCache {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    let found: Vec<(std::path::PathBuf, Identity)> = dirs
        .iter()
        .filter(|d| std::fs::metadata(d).is_ok_and(|m| seen.insert((m.dev(), m.ino()))))
        .flat_map(|d| list(d))
        .collect();
    let previous: std::collections::HashMap<&str, &ModuleInfo> = cached
        .modules
        .iter()
        .map(|m| (m.location.as_str(), m))
        .collect();
    let modules = crate::probe::parallel_map(&found, threads, |(path, identity)| {
        match previous.get(path.to_string_lossy().as_ref()) {
            Some(m) if &m.identity == identity && !stale(m) => (*m).clone(),
            _ => describe(path, identity.clone()),
        }
    });
    SourceCache {
        stamps: Stamp::all(dirs),
        scanned_at: crate::index::now(),
        modules,
        ..Default::default()
    }
}

/// What the index holds for one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceCache {
    /// What the source looked at when it last scanned.
    #[serde(default)]
    pub stamps: Vec<Stamp>,
    /// When it last scanned, seconds since the epoch.
    #[serde(default)]
    pub scanned_at: u64,
    /// Modules found, in search order.
    #[serde(default)]
    pub modules: Vec<ModuleInfo>,
    /// A source-wide note shown in lists (for example "Docker engine not reachable").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Source-specific state (for example the last failed engine contact).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub state: serde_json::Map<String, serde_json::Value>,
}

/// One discovery source. `is_fresh` runs on the warm path, so it may only stat files: no
/// process, no library load, no engine connection.
pub trait Source: Sync {
    /// The kind of module this source yields.
    fn kind(&self) -> Kind;

    /// True when `cached` can be used as it is.
    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool;

    /// Scans again, reusing cached modules whose identity did not change (no probe for them).
    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache;

    /// Dispatch-time lookup that is cheaper than the index (exec: one stat per search dir).
    /// `None` means "use the index"; `Some(None)` means "not found here".
    fn direct_lookup(&self, _cx: &Context, _name: &str) -> Option<Option<ModuleInfo>> {
        None
    }

    /// True when the source's world can change with no local file changing (an engine's
    /// image list), so an unknown name is worth one forced refresh before giving up.
    fn can_change_unseen(&self) -> bool {
        false
    }

    /// The conformance check of `tcli modules check` for one module of this source: each
    /// returned line is one failure. Runs the module (never cached).
    fn check(&self, cx: &Context, module: &ModuleInfo) -> Vec<String>;
}

/// The sources in precedence order (built-ins are not a source: they are fixed).
pub fn sources(cx: &Context) -> Vec<Box<dyn Source>> {
    let mut all: Vec<Box<dyn Source>> =
        vec![Box::new(native::NativeSource), Box::new(path::PathSource)];
    if !cx.no_docker {
        all.push(Box::new(docker::DockerSource));
    }
    all
}

/// A winner and everything of the same name it shadows.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    /// The module that runs.
    #[serde(flatten)]
    pub module: ModuleInfo,
    /// Lower-precedence modules of the same name, best first.
    pub shadowed: Vec<ModuleInfo>,
}

/// Applies precedence: built-in > native > exec > docker, then search order within a kind
/// (the order of `modules` within each kind). Modules that cannot run never win over one that
/// can; they are listed with their problems. Output is sorted by name.
pub fn resolve(modules: Vec<ModuleInfo>) -> Vec<Resolved> {
    let mut by_name: BTreeMap<String, Vec<ModuleInfo>> = BTreeMap::new();
    for m in modules {
        by_name.entry(m.name.clone()).or_default().push(m);
    }
    by_name
        .into_values()
        .map(|mut group| {
            // Stable sort keeps search order within a kind.
            group.sort_by_key(|m| (!m.runnable, m.kind));
            let module = group.remove(0);
            Resolved {
                module,
                shadowed: group,
            }
        })
        .collect()
}

/// Makes a description safe and short for one terminal line: control characters become
/// spaces, whitespace runs collapse, and it is cut at `max` characters with an ellipsis.
pub fn sanitize_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut last_space = true;
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    let trimmed = out.trim_end();
    if trimmed.chars().count() > max {
        let mut cut: String = trimmed.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        trimmed.to_string()
    }
}

/// Longest description kept in the index.
pub const DESCRIPTION_MAX: usize = 200;

/// Most verbs and subjects kept for one module: a declaration is for completion and `check`,
/// and a runaway one must not bloat the index every `tcli --help` reads.
pub const VERBS_MAX: usize = 256;

/// Parses a verb declaration (`tcli-verbs:` lines of an exec module, the `io.tcli.verbs` label
/// of an image): comma-separated entries, each `verb` or `subject verb`, every word a valid
/// name. Returns the flattened list native manifests give too: a subject appears once on its
/// own, before its first `subject verb`. Entries that are not verbs are skipped, each with a
/// problem naming `from`.
pub fn parse_verbs(decl: &str, from: &str, problems: &mut Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in decl.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let words: Vec<&str> = entry.split_whitespace().collect();
        let bad = if words.len() > 2 {
            Some("at most two words: 'verb' or 'subject verb'".to_string())
        } else {
            words.iter().find_map(|w| crate::names::validate(w).err())
        };
        if let Some(why) = bad {
            problems.push(format!(
                "{from}: {:?} is not a verb: {why}",
                sanitize_line(entry, 64)
            ));
            continue;
        }
        if out.len() + words.len() > VERBS_MAX {
            problems.push(format!(
                "{from}: more than {VERBS_MAX} verbs; {:?} and the rest are left out",
                sanitize_line(entry, 64)
            ));
            break;
        }
        let mut push = |v: String| {
            if !out.contains(&v) {
                out.push(v);
            }
        };
        if words.len() == 2 {
            push(words[0].to_string());
        }
        push(words.join(" "));
    }
    out
}

/// A `modules check` failure for one of [`help_words`]: the module's own `--help` problem as it
/// is, a verb's prefixed with the verb.
pub fn verb_problem(verb: &str, problem: String) -> String {
    if verb.is_empty() {
        problem
    } else {
        format!("verb '{verb}': {problem}")
    }
}

/// The argument lists `tcli modules check` runs with `--help` appended: none (the module's own
/// help), then each declared verb and subject.
pub fn help_words(module: &ModuleInfo) -> Vec<Vec<&str>> {
    std::iter::once(Vec::new())
        .chain(module.verbs.iter().map(|v| v.split(' ').collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, kind: Kind, loc: &str) -> ModuleInfo {
        ModuleInfo::new(name.into(), kind, loc.into(), Identity::Builtin)
    }

    #[test]
    fn resolve_applies_kind_then_search_order() {
        let r = resolve(vec![
            m("x", Kind::Docker, "img"),
            m("x", Kind::Exec, "/a/tcli-x"),
            m("x", Kind::Exec, "/b/tcli-x"),
            m("x", Kind::Native, "/p/libx.so"),
        ]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].module.location, "/p/libx.so");
        let rest: Vec<_> = r[0].shadowed.iter().map(|s| s.location.as_str()).collect();
        assert_eq!(rest, ["/a/tcli-x", "/b/tcli-x", "img"]);
    }

    #[test]
    fn parse_verbs_flattens_subjects_and_reports_bad_entries() {
        let mut problems = Vec::new();
        let v = parse_verbs(
            " list, env create,env delete , Bad, a b c,,list",
            "tcli-verbs",
            &mut problems,
        );
        assert_eq!(v, ["list", "env", "env create", "env delete"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("tcli-verbs: \"Bad\" is not a verb"));
        let many: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let mut problems = Vec::new();
        let v = parse_verbs(&many.join(","), "io.tcli.verbs", &mut problems);
        assert_eq!(v.len(), VERBS_MAX);
        assert_eq!(
            problems,
            ["io.tcli.verbs: more than 256 verbs; \"v256\" and the rest are left out"]
        );
    }

    #[test]
    fn sanitize_line_strips_controls_and_cuts() {
        assert_eq!(sanitize_line("a\x1b[31mb\tc\n", 80), "a [31mb c");
        assert_eq!(sanitize_line(&"x".repeat(300), 10).chars().count(), 10);
    }
}
