//! The exec source: `tcli-<name>` executables in each team repo's `bin/`, then on `PATH`, first
//! hit wins (BRIEF section 1). Descriptions come from a `tcli-summary:` line in the first 4 KiB
//! of the file, else from the module's own `--help`, probed once per identity.

use super::{Identity, Kind, ModuleInfo, Source, SourceCache};
use crate::context::Context;
use crate::probe;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The file name prefix of exec modules.
pub const PREFIX: &str = "tcli-";

/// The exec source.
pub struct PathSource;

impl Source for PathSource {
    fn kind(&self) -> Kind {
        Kind::Exec
    }

    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool {
        super::files_unchanged(&cx.exec_search_dirs(), cached)
    }

    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache {
        super::rescan_files(
            &cx.exec_search_dirs(),
            cached,
            16,
            candidates,
            |_| false,
            describe,
        )
    }

    fn check(&self, _cx: &Context, module: &ModuleInfo) -> Vec<String> {
        let outcome = probe::run(
            Path::new(&module.location),
            &["--help"],
            &module.name,
            probe::TIMEOUT,
        );
        outcome.help_problem().into_iter().collect()
    }

    fn direct_lookup(&self, cx: &Context, name: &str) -> Option<Option<ModuleInfo>> {
        Some(lookup(cx, name).map(|path| ModuleInfo {
            name: name.to_string(),
            kind: Kind::Exec,
            location: path.to_string_lossy().into_owned(),
            identity: Identity::Builtin,
            description: None,
            verbs: Vec::new(),
            problems: Vec::new(),
            runnable: true,
            extra: Default::default(),
        }))
    }
}

/// Every `tcli-*` regular, executable file in `dir`, sorted by name so listing is stable.
fn candidates(dir: &Path) -> Vec<(PathBuf, Identity)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Identity)> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_name().as_bytes().starts_with(PREFIX.as_bytes()))
        .filter_map(|e| {
            let path = e.path();
            is_executable_file(&path)?;
            let identity = Identity::of_file(&path)?;
            Some((path, identity))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
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
    let mut m = ModuleInfo {
        name: name.clone(),
        kind: Kind::Exec,
        location: path.to_string_lossy().into_owned(),
        identity,
        description: None,
        verbs: Vec::new(),
        problems: Vec::new(),
        runnable: true,
        extra: Default::default(),
    };
    if let Err(why) = crate::names::validate(&name) {
        m.problems
            .push(format!("invalid module name {name:?}: {why}"));
        m.runnable = false;
        return m;
    }
    if let Some(summary) = summary_line(path) {
        m.description = Some(summary);
        return m;
    }
    let outcome = probe::run(path, &["--help"], &name, probe::TIMEOUT);
    match outcome.help_problem() {
        Some(p) => m.problems.push(p),
        None => m.description = outcome.description(),
    }
    m
}

/// The text after `tcli-summary:` in the first 4 KiB, in any comment syntax; a trailing
/// block-comment closer is dropped.
pub fn summary_line(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    let key = b"tcli-summary:";
    let at = head.windows(key.len()).position(|w| w == key)?;
    let rest = &head[at + key.len()..];
    let line = rest.split(|b| *b == b'\n').next().unwrap_or_default();
    let text = String::from_utf8_lossy(line);
    let text = text
        .trim()
        .trim_end_matches("*/")
        .trim_end_matches("-->")
        .trim();
    let s = super::sanitize_line(text, super::DESCRIPTION_MAX);
    (!s.is_empty()).then_some(s)
}

/// Dispatch-time lookup, as a shell does: the first `tcli-<name>` on the search path that is an
/// executable file. Costs one stat per search dir, whatever the number of modules.
pub fn lookup(cx: &Context, name: &str) -> Option<PathBuf> {
    let file = format!("{PREFIX}{name}");
    cx.exec_search_dirs()
        .into_iter()
        .map(|d| d.join(OsStr::new(&file)))
        .find(|p| is_executable_file(p).is_some())
}
