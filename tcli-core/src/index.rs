//! The module index of BRIEF section 3: one file in the cache dir, JSON lines. Line 1 is a
//! header (format and tcli version); then one line per source, native and docker first and exec
//! last, so dispatch can read the small lines it needs and stop before the big one.
//!
//! Freshness is each source's call (`Source::is_fresh`, stats only). A stale source is
//! refreshed under an exclusive lock on `index.lock`, re-checked after the lock is taken (a
//! concurrent tcli may have just done it), and the file is replaced atomically (temp + rename).
//! A file that is missing, truncated, corrupt or from another format version is ignored and
//! rebuilt, never trusted.

use crate::context::Context;
use crate::discovery::{Kind, Source, SourceCache};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};

/// Bumped whenever the shape of a line changes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &str = "tcli-index";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    tcli: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    kind: Kind,
    #[serde(flatten)]
    cache: SourceCache,
}

/// The order of the source lines in the file: small and needed by dispatch first.
const LINE_ORDER: [Kind; 4] = [Kind::Native, Kind::Docker, Kind::Exec, Kind::Builtin];

fn order_of(kind: Kind) -> Option<usize> {
    LINE_ORDER.iter().position(|k| *k == kind)
}

/// How a source line starts: `kind` is the first field `Line` serializes.
fn line_prefix(kind: Kind) -> String {
    format!("{{\"kind\":\"{}\"", kind.as_str())
}

/// The caches of the sources read so far.
#[derive(Debug, Default, Clone)]
pub struct Index {
    /// One cache per source kind.
    pub sources: BTreeMap<Kind, SourceCache>,
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Index {
    /// Reads the lines of `want` (all kinds when `None`), stopping once they are in. Anything
    /// unreadable yields an empty index, which every source then treats as stale.
    pub fn read(cx: &Context, want: Option<&[Kind]>) -> Index {
        Self::try_read(cx, want).unwrap_or_default()
    }

    fn try_read(cx: &Context, want: Option<&[Kind]>) -> Option<Index> {
        let file = std::fs::File::open(cx.index_path()).ok()?;
        let mut reader = BufReader::new(file);
        let mut first = String::new();
        reader.read_line(&mut first).ok()?;
        let header: Header = serde_json::from_str(&first).ok()?;
        if header.format != MAGIC
            || header.version != FORMAT_VERSION
            || header.tcli != Context::version()
        {
            return None;
        }
        // Lines come in LINE_ORDER: once a line is of a kind after every wanted kind, nothing
        // wanted follows. The kind is judged from the line's first bytes, so dispatch never
        // reads, let alone parses, the exec line that grows with the number of modules.
        let last_wanted = want.map(|w| w.iter().filter_map(|k| order_of(*k)).max());
        let mut index = Index::default();
        let mut line = String::new();
        loop {
            if let Some(last) = last_wanted {
                let next = reader.fill_buf().ok()?;
                if next.is_empty() {
                    break;
                }
                let kind_here = LINE_ORDER
                    .iter()
                    .position(|k| next.starts_with(line_prefix(*k).as_bytes()));
                if kind_here.is_none_or(|here| last.is_none_or(|last| here > last)) {
                    break;
                }
            }
            line.clear();
            if reader.read_line(&mut line).ok()? == 0 {
                break;
            }
            let parsed: Line = serde_json::from_str(&line).ok()?;
            index.sources.insert(parsed.kind, parsed.cache);
        }
        Some(index)
    }

    /// Replaces the index file atomically.
    pub fn write(&self, cx: &Context) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let dir = &cx.cache_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the cache dir {}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in the cache dir {}", dir.display()))?;
        let mut buf = Vec::new();
        serde_json::to_writer(
            &mut buf,
            &Header {
                format: MAGIC.into(),
                version: FORMAT_VERSION,
                tcli: Context::version().into(),
            },
        )?;
        buf.push(b'\n');
        // Small lines first: dispatch reads native and docker and never reaches exec.
        for kind in LINE_ORDER {
            if let Some(cache) = self.sources.get(&kind) {
                serde_json::to_writer(
                    &mut buf,
                    &Line {
                        kind,
                        cache: cache.clone(),
                    },
                )?;
                buf.push(b'\n');
            }
        }
        tmp.write_all(&buf).context("cannot write the index")?;
        tmp.persist(cx.index_path())
            .with_context(|| format!("cannot replace the index {}", cx.index_path().display()))?;
        Ok(())
    }
}

/// Makes sure every source in `sources` has a fresh cache in `index`, refreshing stale ones
/// under the lock and saving the result. Failing to save only costs the next run a rescan.
pub fn ensure_fresh(cx: &Context, index: &mut Index, sources: &[&dyn Source]) {
    let stale: Vec<&dyn Source> = sources
        .iter()
        .copied()
        .filter(|s| {
            index
                .sources
                .get(&s.kind())
                .is_none_or(|c| !s.is_fresh(cx, c))
        })
        .collect();
    if stale.is_empty() {
        return;
    }
    let _lock = lock(cx);
    // Another tcli may have refreshed while we waited: start from what is on disk now.
    let mut on_disk = Index::read(cx, None);
    let mut changed = false;
    for s in stale {
        let kind = s.kind();
        let current = on_disk.sources.get(&kind).cloned().unwrap_or_default();
        if on_disk.sources.contains_key(&kind) && s.is_fresh(cx, &current) {
            continue;
        }
        let fresh = s.refresh(cx, &current);
        on_disk.sources.insert(kind, fresh);
        changed = true;
    }
    if changed {
        let _ = on_disk.write(cx);
    }
    for (k, v) in on_disk.sources {
        index.sources.insert(k, v);
    }
}

/// Forces a refresh of one source (used when a name was not found in a cache that can go stale
/// without any local file changing, such as the Docker engine's image list).
pub fn force_refresh(cx: &Context, index: &mut Index, source: &dyn Source) {
    let _lock = lock(cx);
    let mut on_disk = Index::read(cx, None);
    let current = on_disk
        .sources
        .get(&source.kind())
        .cloned()
        .unwrap_or_default();
    let fresh = source.refresh(cx, &current);
    on_disk.sources.insert(source.kind(), fresh);
    let _ = on_disk.write(cx);
    for (k, v) in on_disk.sources {
        index.sources.insert(k, v);
    }
}

/// An exclusive lock on `<cache>/index.lock`, released on drop; `None` when the cache dir is
/// not writable (then we refresh without it: correctness does not depend on the lock, only
/// the amount of duplicate probing).
fn lock(cx: &Context) -> Option<std::fs::File> {
    std::fs::create_dir_all(&cx.cache_dir).ok()?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cx.cache_dir.join("index.lock"))
        .ok()?;
    if crate::env_vars::get_os(crate::env_vars::TCLI_PROBE).is_some() {
        // Inside a probe, the tcli that runs us may hold the lock until we answer: waiting
        // would deadlock until its timeout, so go on without it.
        f.try_lock().ok()?;
    } else {
        f.lock().ok()?;
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(dir: &std::path::Path) -> Context {
        Context {
            config_dir: dir.join("config"),
            cache_dir: dir.join("cache"),
            data_dir: dir.join("data"),
            path_var: None,
            plugin_path_var: None,
            no_docker: true,
            exe: None,
        }
    }

    #[test]
    fn index_partial_read_stops_before_unwanted_lines() {
        let dir = tempfile::tempdir().unwrap();
        let cx = cx(dir.path());
        let mut index = Index::default();
        index.sources.insert(
            Kind::Native,
            SourceCache {
                scanned_at: 1,
                ..Default::default()
            },
        );
        index.sources.insert(
            Kind::Exec,
            SourceCache {
                scanned_at: 2,
                ..Default::default()
            },
        );
        index.write(&cx).unwrap();
        // Docker is wanted but absent: the reader must still stop at the exec line.
        let part = Index::read(&cx, Some(&[Kind::Native, Kind::Docker]));
        assert_eq!(
            part.sources.keys().copied().collect::<Vec<_>>(),
            [Kind::Native]
        );
        let all = Index::read(&cx, None);
        assert_eq!(all.sources.len(), 2);
        assert_eq!(all.sources[&Kind::Exec].scanned_at, 2);
    }
}
