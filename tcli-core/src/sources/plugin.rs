//! The source of source plugins (docs/source-plugins.md): every `tcli-source-<name>`
//! executable on the exec search path offers modules through its `list`. This file finds them,
//! decides which must list again (stats and ttl only: the warm path runs none), runs those in
//! parallel with the probe timeout, and turns their listings into modules of kind
//! [`Kind::Source`]. What `list` printed is parsed by `model::source_listing`; running one of
//! the modules is the exec runner's job, checking it the conformance layer's.

use super::Source;
use crate::context::Context;
use crate::model::source_listing::{self, BadEntry, EntryFault, Listing};
use crate::model::{
    Detail, Identity, Kind, ModuleInfo, Problem, RunFailure, SourceCache, SourceDetail, Stamp,
};
use crate::prim::probe;
use crate::prim::text::sanitize_line;
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The file name prefix of source plugins; the exec source leaves these files alone.
pub const PREFIX: &str = "tcli-source-";

/// Where in `SourceCache::state` the per-source records live.
const RECORDS: &str = "sources";

/// How many sources list at once.
const THREADS: usize = 8;

/// Every source plugin on the search path, as one source.
pub struct PluginSource;

/// What the index remembers about one `tcli-source-<name>` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    path: String,
    /// The executable's identity when `list` last ran.
    identity: Identity,
    /// The watched paths as they were then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    watch: Vec<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<u64>,
    /// When `list` last ran, milliseconds since the epoch.
    listed_at_ms: u64,
    /// Why the source contributes nothing, when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
    /// Entries skipped that have no name to list them under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unnamed: Vec<BadEntry>,
}

/// Why a source contributes no module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "kebab-case")]
pub enum Failure {
    /// `tcli-source-<name>` with an invalid `<name>`: never run.
    InvalidName {
        /// The name after the prefix (sanitized).
        name: String,
        /// The rule it breaks.
        why: String,
    },
    /// A source of the same name comes earlier on the search path: this one is never run.
    Shadowed {
        /// The path of the one used.
        by: String,
    },
    /// `list` did not exit 0 in time.
    Run(RunFailure),
    /// It printed something that is not the protocol.
    Output {
        /// What is wrong with it.
        why: source_listing::Failure,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::InvalidName { name, why } => {
                write!(f, "invalid source name {name:?}: {why}")
            }
            Failure::Shadowed { by } => write!(
                f,
                "shadowed by {}, earlier on the search path; not run",
                by.escape_debug()
            ),
            Failure::Run(run) => f.write_str(&run.line("list")),
            Failure::Output { why } => why.fmt(f),
        }
    }
}

impl Failure {
    /// How to recover the source at `path` from this failure: the `hint:` under its warning.
    fn hint(&self, path: &str) -> String {
        let shown = crate::prim::text::sh_word(path);
        match self {
            Failure::InvalidName { .. } => format!(
                "rename {shown} to {PREFIX}<name>, with <name> a valid module name"
            ),
            Failure::Shadowed { by } => format!(
                "remove or rename {shown}: only the first {PREFIX}<name> of a name on the search path ({}) runs",
                crate::prim::text::sh_word(by)
            ),
            Failure::Run(_) | Failure::Output { .. } => format!(
                "fix {shown}, then 'touch {shown}': a failed source runs 'list' again only when its file changes"
            ),
        }
    }
}

impl Source for PluginSource {
    fn kind(&self) -> Kind {
        Kind::Source
    }

    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool {
        let now = now_ms();
        Stamp::all(&super::search_dirs(cx)) == cached.stamps
            && records(cached).iter().all(|r| unchanged(r, now))
    }

    fn notes(&self, cached: &SourceCache) -> Vec<(String, Option<String>)> {
        records(cached)
            .iter()
            .flat_map(|r| {
                let failed = r
                    .failure
                    .iter()
                    .map(|f| (f.to_string(), Some(f.hint(&r.path))));
                let unnamed = r.unnamed.iter().map(|u| (u.to_string(), None));
                failed
                    .chain(unnamed)
                    .map(|(why, hint)| (note_line(&r.path, &why), hint))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache {
        let dirs = super::search_dirs(cx);
        let previous = records(cached);
        let now = now_ms();
        let found = candidates(&dirs);
        // Only the sources that changed list again, all at once.
        let listed = probe::parallel_map(&found, THREADS, |(path, identity, shadowed_by)| {
            let key = path.to_string_lossy();
            if let Some(by) = shadowed_by {
                let failure = Failure::Shadowed {
                    by: by.to_string_lossy().into_owned(),
                };
                return (Record::failed(path, identity.clone(), failure), Vec::new());
            }
            match previous.iter().find(|r| r.path == key) {
                Some(r) if r.identity == *identity && unchanged(r, now) => {
                    let kept = cached
                        .modules
                        .iter()
                        .filter(|m| source_of(m) == Some(&*key))
                        .cloned()
                        .collect();
                    (r.clone(), kept)
                }
                _ => list(path, identity.clone()),
            }
        });
        let mut out = SourceCache {
            stamps: Stamp::all(&dirs),
            scanned_at: crate::model::now(),
            ..Default::default()
        };
        let mut records = Vec::new();
        for (record, modules) in listed {
            records.push(record);
            out.modules.extend(modules);
        }
        let notes: Vec<String> = failures(&records)
            .map(|(path, why)| note_line(&path, &why))
            .collect();
        if !notes.is_empty() {
            out.note = Some(notes.join("\n"));
        }
        if let Ok(v) = serde_json::to_value(records) {
            out.state.insert(RECORDS.into(), v);
        }
        out
    }
}

/// What is wrong with the sources as a whole, in search order: (path, why) for each source that
/// contributes nothing and for each entry it skipped that had no name to list it under.
pub fn source_failures(cached: &SourceCache) -> Vec<(String, String)> {
    failures(&records(cached)).collect()
}

/// One line of the source kind's note: the source's path and what is wrong.
fn note_line(path: &str, why: &str) -> String {
    format!("{}: {why}", path.escape_debug())
}

fn failures(records: &[Record]) -> impl Iterator<Item = (String, String)> + '_ {
    records.iter().flat_map(|r| {
        r.failure
            .iter()
            .map(ToString::to_string)
            .chain(r.unnamed.iter().map(ToString::to_string))
            .map(|why| (r.path.clone(), why))
    })
}

/// The `tcli-source-<name>` file a module came from.
pub fn source_of(m: &ModuleInfo) -> Option<&str> {
    match &m.detail {
        Detail::Source(d) => Some(&d.source),
        _ => None,
    }
}

fn records(cached: &SourceCache) -> Vec<Record> {
    cached
        .state
        .get(RECORDS)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// True when nothing the record depends on changed: the executable, the watched paths, the ttl.
fn unchanged(r: &Record, now_ms: u64) -> bool {
    Identity::of_file(Path::new(&r.path)).as_ref() == Some(&r.identity)
        && r.watch.iter().all(|s| Stamp::of(Path::new(&s.path)) == *s)
        && r.ttl
            .is_none_or(|ttl| now_ms.saturating_sub(r.listed_at_ms) < ttl.saturating_mul(1000))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Every `tcli-source-*` executable file in `dirs`, each dir once (as the exec source lists
/// them), in search order; a file whose name an earlier one has comes with that one's path.
fn candidates(dirs: &[PathBuf]) -> Vec<(PathBuf, Identity, Option<PathBuf>)> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    let mut first_of: std::collections::HashMap<std::ffi::OsString, PathBuf> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    for dir in dirs {
        if !std::fs::metadata(dir).is_ok_and(|m| seen.insert((m.dev(), m.ino()))) {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut here: Vec<(PathBuf, Identity)> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_name().as_bytes().starts_with(PREFIX.as_bytes()))
            .filter_map(|e| {
                let path = e.path();
                let md = std::fs::metadata(&path).ok()?;
                if !md.is_file() || md.permissions().mode() & 0o111 == 0 {
                    return None;
                }
                let identity = Identity::of_file(&path)?;
                Some((path, identity))
            })
            .collect();
        here.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, identity) in here {
            let name = path.file_name().unwrap_or_default().to_os_string();
            let earlier = first_of.get(&name).cloned();
            first_of.entry(name).or_insert_with(|| path.clone());
            out.push((path, identity, earlier));
        }
    }
    out
}

impl Record {
    /// A source that contributes nothing, for `failure`.
    fn failed(path: &Path, identity: Identity, failure: Failure) -> Record {
        Record {
            path: path.to_string_lossy().into_owned(),
            identity,
            watch: Vec::new(),
            ttl: None,
            listed_at_ms: now_ms(),
            failure: Some(failure),
            unnamed: Vec::new(),
        }
    }
}

/// Runs `list` for one source: its record, and its modules.
fn list(path: &Path, identity: Identity) -> (Record, Vec<ModuleInfo>) {
    let location = path.to_string_lossy().into_owned();
    match run_list(path) {
        Err(f) => (Record::failed(path, identity, f), Vec::new()),
        Ok(listing) => {
            let watch = listing.watch.iter().map(|p| Stamp::of(p)).collect();
            let ttl = listing.ttl;
            let (modules, unnamed) = modules(&location, &identity, listing);
            let record = Record {
                path: location,
                identity,
                watch,
                ttl,
                listed_at_ms: now_ms(),
                failure: None,
                unnamed,
            };
            (record, modules)
        }
    }
}

fn run_list(path: &Path) -> Result<Listing, Failure> {
    let file_name = path.file_name().unwrap_or_default().as_bytes();
    let name = String::from_utf8_lossy(
        file_name
            .strip_prefix(PREFIX.as_bytes())
            .unwrap_or(file_name),
    );
    if let Err(why) = crate::names::validate(&name) {
        return Err(Failure::InvalidName {
            name: sanitize_line(&name, 64),
            why,
        });
    }
    // A listing is not a module run: no TCLI_MODULE; and `/` as cwd, so it cannot depend on
    // where the user happened to be.
    let env = probe::tcli_env();
    let outcome = probe::run_bounded(&probe::Bounded {
        program: path,
        args: vec![OsStr::new("list")],
        env,
        cwd: Some(Path::new("/")),
        timeout: probe::TIMEOUT,
        keep: source_listing::OUTPUT_MAX + 1,
    });
    if let Some(run) = RunFailure::of(&outcome, probe::TIMEOUT.as_secs(), true) {
        return Err(Failure::Run(run));
    }
    source_listing::parse(&outcome.stdout).map_err(|why| Failure::Output { why })
}

/// The modules of one listing: its entries, then an unrunnable module for each skipped entry
/// that has a name, so `modules list` and `check` show it where users look for it (a second
/// entry of one name is a problem of the first). Skipped entries without a name are returned
/// apart: they are the source's problem.
fn modules(
    source: &str,
    identity: &Identity,
    listing: Listing,
) -> (Vec<ModuleInfo>, Vec<BadEntry>) {
    let mut out: Vec<ModuleInfo> = listing
        .entries
        .into_iter()
        .map(|e| {
            let mut m = ModuleInfo::new(e.name, Kind::Source, e.run[0].clone(), identity.clone());
            m.description = e.description;
            m.verbs = e.verbs;
            m.problems = e.problems;
            m.detail = Detail::Source(SourceDetail {
                source: source.to_string(),
                run: e.run,
            });
            m
        })
        .collect();
    let mut unnamed = Vec::new();
    for bad in listing.skipped {
        let Some(name) = bad.name.clone() else {
            unnamed.push(bad);
            continue;
        };
        if bad.why == EntryFault::Duplicate {
            if let Some(first) = out.iter_mut().find(|m| m.name == name) {
                first.problems.push(Problem::SourceEntry(bad));
                continue;
            }
        }
        let mut m = ModuleInfo::new(name, Kind::Source, source.to_string(), identity.clone());
        m.runnable = false;
        m.problems.push(Problem::SourceEntry(bad));
        m.detail = Detail::Source(SourceDetail {
            source: source.to_string(),
            run: Vec::new(),
        });
        out.push(m);
    }
    (out, unnamed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_round_trip_through_the_index_state() {
        for f in [
            Failure::Run(RunFailure::Timeout { secs: 2 }),
            Failure::Run(RunFailure::Exit {
                code: 3,
                said: None,
            }),
            Failure::Shadowed { by: "/a".into() },
        ] {
            let back: Failure = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
            assert_eq!(back, f);
        }
    }
}
