//! The discovery layer: one file per source, each yielding [`ModuleInfo`]s and knowing only the
//! model (`crate::model`), the primitives (`crate::prim`) and the read-only team and settings
//! files. A source neither runs, installs nor checks modules; the index (`crate::index`)
//! caches what it found and the catalog (`crate::catalog`) applies precedence.

pub mod builtin;
pub mod claims;
pub mod docker;
pub mod exec;
pub mod native;
pub mod pinned;
pub mod plugin;

use crate::context::Context;
use crate::model::{Identity, Kind, ModuleInfo, SourceCache, Stamp};
use std::path::{Path, PathBuf};

/// What a dispatch-time lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// The source has no cheaper way than its index entry.
    UseIndex,
    /// Found, and it runs.
    Found(Box<ModuleInfo>),
    /// Not offered by this source.
    Absent,
}

/// One discovery source. `is_fresh` runs on the warm path, so it may only stat files: no
/// process, no library load, no engine connection.
pub trait Source: Sync {
    /// The kind of module this source yields; also its line in the index. The source
    /// [`source_of`] gives for that kind.
    fn kind(&self) -> Kind;

    /// True when `cached` can be used as it is.
    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool;

    /// Scans again, reusing cached modules whose identity did not change (no probe for them).
    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache;

    /// Dispatch-time lookup that is cheaper than the index (exec: one stat per search dir).
    fn direct_lookup(&self, _cx: &Context, _name: &str) -> Lookup {
        Lookup::UseIndex
    }

    /// The lines of the cached part's note, each with how to recover from what it reports
    /// when there is a way (source plugins: how to make a failed source list again), so the
    /// `hint:` stands under its own `warning:`.
    fn notes(&self, cached: &SourceCache) -> Vec<(String, Option<String>)> {
        cached
            .note
            .iter()
            .flat_map(|n| n.lines())
            .map(|l| (l.to_string(), None))
            .collect()
    }

    /// True when the source's world can change with no local file changing (an engine's
    /// image list), so an unknown name is worth one forced refresh before giving up.
    fn can_change_unseen(&self) -> bool {
        false
    }
}

/// The one source of each kind (built-ins are not a source: they are fixed). A kind's source is
/// stated here once, so a new kind does not compile without one and no two sources share a
/// kind's line in the index.
pub fn source_of(kind: Kind) -> Option<Box<dyn Source>> {
    match kind {
        Kind::Builtin => None,
        Kind::Native => Some(Box::new(native::NativeSource)),
        Kind::Exec => Some(Box::new(exec::ExecSource)),
        Kind::Source => Some(Box::new(plugin::PluginSource)),
        Kind::Docker => Some(Box::new(docker::DockerSource)),
    }
}

/// The sources in precedence order, without those the context turns off (`TCLI_NO_DOCKER`).
pub fn sources(cx: &Context) -> Vec<Box<dyn Source>> {
    Kind::ALL
        .into_iter()
        .filter(|k| !(cx.no_docker && *k == Kind::Docker))
        .filter_map(source_of)
        .collect()
}

/// The search path of executables, exec modules' and source plugins' alike: each team repo's
/// `bin/` in team order, then `PATH`.
pub fn search_dirs(cx: &Context) -> Vec<PathBuf> {
    search_dirs_after(cx, crate::team_dirs::bin_dirs(cx))
}

/// The search path with the teams' `bin/` dirs already read (`dirs`).
pub fn search_dirs_after(cx: &Context, mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    for p in Context::split_abs(cx.path_var.as_ref()) {
        if !dirs.contains(&p) {
            dirs.push(p);
        }
    }
    dirs
}

/// The freshness rule of file-based sources: the dirs they list still have the stamps recorded
/// (a dir's mtime changes when an entry is added, removed or renamed) and every cached module's
/// file still has its identity (a file rewritten in place keeps its dir's mtime). A pinned
/// module with no artifact here has no file (`pinned::is_placeholder`): its stamps say enough.
pub fn files_unchanged(dirs: &[PathBuf], cached: &SourceCache) -> bool {
    Stamp::all(dirs) == cached.stamps
        && cached.modules.iter().all(|m| {
            pinned::is_placeholder(m)
                || Identity::of_file(Path::new(&m.location)).as_ref() == Some(&m.identity)
        })
}

/// The files of `dir` that `keep` picks, with their identities, sorted by path so listing is
/// stable.
fn files_in(dir: &Path, keep: &impl Fn(&Path) -> bool) -> Vec<(PathBuf, Identity)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Identity)> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| keep(p))
        .filter_map(|p| Identity::of_file(&p).map(|id| (p, id)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Rescans a file-based source. Each of `dirs` is listed once (a dir reached twice, such as
/// `/bin -> usr/bin` on merged-/usr systems, would make its modules shadow themselves);
/// `keep` picks a dir's candidate files (by path: name, then type). A file whose identity is unchanged keeps its cached
/// entry unless `stale` says otherwise; the others are described afresh, `threads` at a time.
pub fn rescan_files(
    dirs: &[PathBuf],
    cached: &SourceCache,
    threads: usize,
    keep: impl Fn(&Path) -> bool,
    stale: impl Fn(&ModuleInfo) -> bool + Sync,
    describe: impl Fn(&Path, Identity) -> ModuleInfo + Sync,
) -> SourceCache {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    let found: Vec<(PathBuf, Identity)> = dirs
        .iter()
        .filter(|d| std::fs::metadata(d).is_ok_and(|m| seen.insert((m.dev(), m.ino()))))
        .flat_map(|d| files_in(d, &keep))
        .collect();
    let previous: std::collections::HashMap<&str, &ModuleInfo> = cached
        .modules
        .iter()
        .map(|m| (m.location.as_str(), m))
        .collect();
    let modules = crate::prim::probe::parallel_map(&found, threads, |(path, identity)| {
        match previous.get(path.to_string_lossy().as_ref()) {
            Some(m) if &m.identity == identity && !stale(m) => (*m).clone(),
            _ => describe(path, identity.clone()),
        }
    });
    SourceCache {
        stamps: Stamp::all(dirs),
        scanned_at: crate::model::now(),
        modules,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_s_source_yields_that_kind() {
        for kind in Kind::ALL {
            if let Some(s) = source_of(kind) {
                assert_eq!(s.kind(), kind);
            }
        }
    }
}
