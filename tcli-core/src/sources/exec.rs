//! The exec source: `tcli-<name>` executables in each team repo's `bin/`, then on `PATH`, first
//! hit wins (docs/exec-modules.md). Descriptions come from a `tcli-summary:` line in the first 4 KiB
//! of the file, else from the module's own `--help`, probed once per identity; verbs come from
//! `tcli-verbs:` lines there (docs/exec-modules.md).

use super::{Lookup, Source};
use crate::context::Context;
use crate::model::{verbs, HelpFailure, Identity, Kind, ModuleInfo, Problem, SourceCache, Stamp};
use crate::prim::probe;
use crate::prim::text::{sanitize_line, DESCRIPTION_MAX};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The file name prefix of exec modules.
pub const PREFIX: &str = crate::names::EXEC_PREFIX;

/// The exec source.
pub struct ExecSource;

impl Source for ExecSource {
    fn kind(&self) -> Kind {
        Kind::Exec
    }

    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool {
        super::files_unchanged(&watched(cx), cached)
    }

    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache {
        let mut fresh = super::rescan_files(
            &super::search_dirs(cx),
            cached,
            16,
            is_candidate,
            super::claims::was_marked,
            describe,
        );
        super::claims::Claims::load(cx).mark(&mut fresh.modules);
        fresh.stamps = Stamp::all(&watched(cx));
        fresh
    }

    fn direct_lookup(&self, cx: &Context, name: &str) -> Lookup {
        match lookup(cx, name) {
            Some(path) => Lookup::Found(Box::new(ModuleInfo::new(
                name.to_string(),
                Kind::Exec,
                path.to_string_lossy().into_owned(),
                Identity::Unverified,
            ))),
            None => Lookup::Absent,
        }
    }
}

/// A `tcli-*` regular, executable file.
fn is_candidate(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| is_exec_module_file(n.as_bytes()))
        && is_executable_file(path).is_some()
}

/// A `tcli-*` file name that is not a source plugin's (`tcli-source-*`, docs/source-plugins.md).
fn is_exec_module_file(file_name: &[u8]) -> bool {
    file_name.starts_with(PREFIX.as_bytes())
        && !file_name.starts_with(super::plugin::PREFIX.as_bytes())
}

/// Some(()) for a regular file (after symlinks) with an execute bit.
fn is_executable_file(path: &Path) -> Option<()> {
    let md = std::fs::metadata(path).ok()?;
    (md.is_file() && md.permissions().mode() & 0o111 != 0).then_some(())
}

/// Builds the index entry for one file: name check, then summary line or `--help` probe.
fn describe(path: &Path, identity: Identity) -> ModuleInfo {
    let file_name = path.file_name().unwrap_or_default().as_bytes();
    let name = String::from_utf8_lossy(
        file_name
            .strip_prefix(PREFIX.as_bytes())
            .unwrap_or(file_name),
    )
    .into_owned();
    let mut m = ModuleInfo::new(
        name.clone(),
        Kind::Exec,
        path.to_string_lossy().into_owned(),
        identity,
    );
    if let Err(why) = crate::names::validate(&name) {
        m.problems.push(Problem::InvalidName {
            name: name.clone(),
            from: None,
            why,
        });
        m.runnable = false;
        return m;
    }
    let header = Header::read(path);
    m.verbs = verbs::parse(&header.verbs.join(","), VERBS_KEY, &mut m.problems);
    if let Some(summary) = header.summary {
        m.description = Some(summary);
        return m;
    }
    let outcome = probe::run(path, &["--help"], &name, probe::TIMEOUT);
    match HelpFailure::of(&outcome, probe::TIMEOUT.as_secs(), false) {
        Some(f) => m.problems.push(Problem::Help(f)),
        None => m.description = outcome.description(),
    }
    m
}

const SUMMARY_KEY: &str = "tcli-summary";
const VERBS_KEY: &str = "tcli-verbs";

/// What an exec module declares about itself in its first 4 KiB, in any comment syntax: one
/// `tcli-summary:` line and any number of `tcli-verbs:` lines. Reading them costs no process.
#[derive(Debug, Default)]
pub struct Header {
    /// The first non-empty `tcli-summary:`, sanitized.
    pub summary: Option<String>,
    /// The raw text of each `tcli-verbs:` line, in order.
    pub verbs: Vec<String>,
}

/// How much of a file the header is read from.
pub const HEADER_MAX: u64 = 4096;

impl Header {
    fn read(path: &Path) -> Header {
        use std::io::Read;
        let mut head = Vec::with_capacity(HEADER_MAX as usize);
        let read =
            std::fs::File::open(path).and_then(|f| f.take(HEADER_MAX).read_to_end(&mut head));
        if read.is_err() {
            return Header::default();
        }
        Header::parse(&head)
    }

    /// The header in the first bytes of a file.
    pub fn parse(head: &[u8]) -> Header {
        let mut h = Header::default();
        for line in head.split(|b| *b == b'\n') {
            if let Some(text) = value_after(line, SUMMARY_KEY) {
                let s = sanitize_line(&text, DESCRIPTION_MAX);
                if h.summary.is_none() && !s.is_empty() {
                    h.summary = Some(s);
                }
            } else if let Some(text) = value_after(line, VERBS_KEY) {
                h.verbs.push(text);
            }
        }
        h
    }
}

/// The text after `<key>:` on `line`, with a trailing block-comment closer dropped.
fn value_after(line: &[u8], key: &str) -> Option<String> {
    let key = format!("{key}:");
    let at = line.windows(key.len()).position(|w| w == key.as_bytes())?;
    let text = String::from_utf8_lossy(&line[at + key.len()..]);
    Some(
        text.trim()
            .trim_end_matches("*/")
            .trim_end_matches("-->")
            .trim()
            .to_string(),
    )
}

/// Dispatch-time lookup, as a shell does: the first `tcli-<name>` on the search path that is an
/// executable file. Costs one stat per search dir, whatever the number of modules.
pub fn lookup(cx: &Context, name: &str) -> Option<PathBuf> {
    let file = format!("{PREFIX}{name}");
    if !is_exec_module_file(file.as_bytes()) {
        return None;
    }
    let teams = crate::team_dirs::teams(cx);
    let bins: Vec<PathBuf> = teams
        .iter()
        .map(|t| crate::team_dirs::checkout_dir(cx, &t.name).join("bin"))
        .collect();
    let found = super::search_dirs_after(cx, bins.clone())
        .into_iter()
        .map(|d| d.join(OsStr::new(&file)))
        .find(|p| is_executable_file(p).is_some())?;
    // A team's module may not have the name (`claims`): the index says why and what runs.
    let from_team = found.parent().is_some_and(|d| bins.iter().any(|b| b == d));
    if from_team {
        let claims = super::claims::Claims::load(cx);
        let team = claims.team_of_file(&found)?;
        if claims.refusal(team, name).is_some() {
            return None;
        }
    }
    Some(found)
}

/// What the exec source's freshness rests on: the search dirs, and `pins.json`, since a
/// team's pin can take a name from a later team's `bin/` (`claims`).
fn watched(cx: &Context) -> Vec<PathBuf> {
    let mut paths = super::search_dirs(cx);
    paths.push(super::pinned::pins_path(cx));
    paths
}
