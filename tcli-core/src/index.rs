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
        let mut lines = BufReader::new(file).lines();
        let header: Header = serde_json::from_str(&lines.next()?.ok()?).ok()?;
        if header.format != MAGIC
            || header.version != FORMAT_VERSION
            || header.tcli != Context::version()
        {
            return None;
        }
        let mut index = Index::default();
        for line in lines {
            if let Some(w) = want {
                if w.iter().all(|k| index.sources.contains_key(k)) {
                    break;
                }
            }
            let line: Line = serde_json::from_str(&line.ok()?).ok()?;
            index.sources.insert(line.kind, line.cache);
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
        for kind in [Kind::Native, Kind::Docker, Kind::Exec, Kind::Builtin] {
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
    f.lock().ok()?;
    Some(f)
}
