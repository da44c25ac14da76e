//! The module index (docs/architecture.md, "The index"): one file in the cache dir, JSON
//! lines. Line 1 is a header (format and tcli version); then one line per source in
//! `Kind::index_rank` order, small lines first, so dispatch reads the lines it needs and stops
//! before the big one.
//!
//! Freshness is each source's call (`Source::is_fresh`, stats only). A stale source is
//! refreshed under an exclusive lock on `index.lock`, re-checked after the lock is taken (a
//! concurrent tcli may have just done it), and the file is replaced atomically (temp + rename).
//! A file that is missing, truncated, corrupt or from another format version is ignored and
//! rebuilt, never trusted.

use crate::context::Context;
use crate::model::{Kind, SourceCache};
use crate::sources::Source;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};

/// Bumped whenever the shape of a line changes.
pub const FORMAT_VERSION: u32 = 3;
const MAGIC: &str = "tcli-index";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    tcli: String,
}

/// A source line as written. It is read back in two parts (`parse_line`), not through this
/// struct: a flattened field makes serde buffer the whole line before reading it, which cost
/// dispatch more than the rest of its lookup (bench/warm-profile.sh).
#[derive(Serialize)]
struct Line {
    kind: Kind,
    #[serde(flatten)]
    cache: SourceCache,
}

/// How a source line starts: `kind` is the first field `Line` serializes.
const LINE_START: &[u8] = b"{\"kind\":\"";

/// The kind of the line starting with `bytes`, judged from its first field so dispatch never
/// reads, let alone parses, a line it does not want.
fn kind_of_line(bytes: &[u8]) -> Option<Kind> {
    let rest = bytes.strip_prefix(LINE_START)?;
    let end = rest.iter().position(|b| *b == b'"')?;
    Kind::parse(std::str::from_utf8(&rest[..end]).ok()?)
}

/// A whole source line: its kind from the first field, then the rest, `{` taking the place of
/// the comma after the kind, as the source's cache.
fn parse_line(line: &mut [u8]) -> Option<(Kind, SourceCache)> {
    let kind = kind_of_line(line)?;
    let comma = line.iter().position(|b| *b == b',')?;
    let after_kind = LINE_START.len() + kind.as_str().len() + 1;
    if comma != after_kind {
        return None;
    }
    line[comma] = b'{';
    Some((kind, serde_json::from_slice(&line[comma..]).ok()?))
}

/// The caches of the sources read so far.
#[derive(Debug, Default, Clone)]
pub struct Index {
    /// One cache per source kind.
    pub sources: BTreeMap<Kind, SourceCache>,
}

impl Index {
    /// Reads the lines of `want` (all kinds when `None`), stopping once they are in. Anything
    /// unreadable yields an empty index, which every source then treats as stale.
    pub fn read(cx: &Context, want: Option<&[Kind]>) -> Index {
        Self::try_read(cx, want).unwrap_or_default()
    }

    fn try_read(cx: &Context, want: Option<&[Kind]>) -> Option<Index> {
        let file = std::fs::File::open(cx.index_path()).ok()?;
        Self::parse(BufReader::new(file), want)
    }

    /// Parses index text (the file's bytes) as [`Index::read`] does; `None` for anything it
    /// does not accept whole: a bad header, another format or tcli version, a bad line.
    pub fn parse(mut reader: impl BufRead, want: Option<&[Kind]>) -> Option<Index> {
        let mut first = String::new();
        reader.read_line(&mut first).ok()?;
        let header: Header = serde_json::from_str(&first).ok()?;
        if header.format != MAGIC
            || header.version != FORMAT_VERSION
            || header.tcli != Context::version()
        {
            return None;
        }
        // Lines come in `index_rank` order: once a line ranks after every wanted kind, nothing
        // wanted follows.
        let last_wanted = want.map(|w| w.iter().map(|k| k.index_rank()).max());
        let mut index = Index::default();
        let mut line = Vec::new();
        loop {
            line.clear();
            // Up to the line's first comma, its `kind` field: enough to judge it without reading
            // a line that is not wanted (a buffer's edge cannot cut this short).
            if reader.read_until(b',', &mut line).ok()? == 0 {
                break;
            }
            if let Some(last) = last_wanted {
                let rank_here = kind_of_line(&line).map(Kind::index_rank);
                if rank_here.is_none_or(|here| last.is_none_or(|last| here > last)) {
                    break;
                }
            }
            reader.read_until(b'\n', &mut line).ok()?;
            let (kind, cache) = parse_line(&mut line)?;
            index.sources.insert(kind, cache);
        }
        Some(index)
    }

    /// The index file's bytes for this index (what [`Index::write`] writes).
    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
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
        let mut kinds: Vec<Kind> = self.sources.keys().copied().collect();
        kinds.sort_by_key(|k| k.index_rank());
        for kind in kinds {
            serde_json::to_writer(
                &mut buf,
                &Line {
                    kind,
                    cache: self.sources[&kind].clone(),
                },
            )?;
            buf.push(b'\n');
        }
        Ok(buf)
    }

    /// Replaces the index file atomically.
    pub fn write(&self, cx: &Context) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let dir = &cx.cache_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the cache dir {}", dir.display()))?;
        let buf = self.to_bytes()?;
        crate::prim::fs::write_bytes_atomic(&cx.index_path(), &buf)
            .with_context(|| format!("cannot replace the index {}", cx.index_path().display()))
    }
}

/// Makes sure every source in `sources` has a fresh cache in `index`, refreshing stale ones
/// under the lock and saving the result. Failing to save only costs the next run a rescan.
pub fn ensure_fresh(cx: &Context, index: &mut Index, sources: &[&dyn Source]) {
    let withheld = withheld_now(cx);
    let stale: Vec<&dyn Source> = sources
        .iter()
        .copied()
        .filter(|s| {
            index
                .sources
                .get(&s.kind())
                .is_none_or(|c| !is_current(c, &withheld) || !s.is_fresh(cx, c))
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
        if on_disk.sources.contains_key(&kind)
            && is_current(&current, &withheld)
            && s.is_fresh(cx, &current)
        {
            continue;
        }
        let mut fresh = s.refresh(cx, &current);
        fresh.withheld.clone_from(&withheld);
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

/// The signed teams withheld now, by name: what each source's cache records.
pub fn withheld_now(cx: &Context) -> Vec<String> {
    crate::team_dirs::withheld(cx)
        .into_iter()
        .map(|w| w.team)
        .collect()
}

/// True when `cache` was scanned with the same teams withheld as now: a cache from before a
/// hand pull still lists what the pulled commit brings, one from before `team update` lacks
/// what it verified. Either way its files' stamps may not have changed.
pub fn is_current(cache: &SourceCache, withheld: &[String]) -> bool {
    cache.withheld == withheld
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
    let mut fresh = source.refresh(cx, &current);
    fresh.withheld = withheld_now(cx);
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
    use crate::prim::fs::{lock, Wait};
    // Inside a probe, the tcli that runs us may hold the lock until we answer: waiting would
    // deadlock until its timeout, so go on without it.
    let wait = if crate::env_vars::get_os(crate::env_vars::TCLI_PROBE).is_some() {
        Wait::Never
    } else {
        Wait::Block
    };
    lock(&cx.cache_dir.join("index.lock"), wait, || {}).ok()?
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

    /// Found by fuzzing (fuzz/seeds/index/float-state): a number in a source's state read
    /// back one unit in the last place off, so what tcli wrote was not what it had read.
    #[test]
    fn index_numbers_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let cx = cx(dir.path());
        let text = "{\"kind\":\"docker\",\"stamps\":[],\"scanned_at\":1,\"modules\":[],\"state\":{\"checked_at\":352200000000000000000000001873852032}}";
        let mut index = Index::default();
        let cache: SourceCache =
            serde_json::from_str(&text.replace("\"kind\":\"docker\",", "")).unwrap();
        index.sources.insert(Kind::Docker, cache);
        index.write(&cx).unwrap();
        let again = Index::read(&cx, None);
        assert_eq!(again.sources, index.sources);
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

    #[test]
    fn index_partial_read_finds_a_line_that_starts_at_the_read_buffers_edge() {
        let dir = tempfile::tempdir().unwrap();
        let cx = cx(dir.path());
        // Pad the native line so the docker line starts 5 bytes before the reader's 8 KiB
        // buffer ends, whatever the header's length.
        let mut index = Index::default();
        index.sources.insert(Kind::Docker, SourceCache::default());
        index.sources.insert(Kind::Native, SourceCache::default());
        index.write(&cx).unwrap();
        let before = std::fs::read(cx.index_path()).unwrap();
        let docker_at = before
            .windows(16)
            .position(|w| w == b"{\"kind\":\"docker\"")
            .unwrap();
        let pad = 8192 - 5 - docker_at - ",\"note\":\"\"".len();
        index.sources.get_mut(&Kind::Native).unwrap().note = Some("x".repeat(pad));
        index.write(&cx).unwrap();
        let after = std::fs::read(cx.index_path()).unwrap();
        assert_eq!(
            after.windows(16).position(|w| w == b"{\"kind\":\"docker\""),
            Some(8192 - 5)
        );
        let part = Index::read(&cx, Some(&[Kind::Docker]));
        assert!(
            part.sources.contains_key(&Kind::Docker),
            "{:?}",
            part.sources.keys()
        );
    }
}

#[cfg(test)]
mod props {
    //! The index write/read round trip as an equation over generated indexes (docs/fuzzing.md).
    use super::Index;
    use crate::model::{Identity, Kind, ModuleInfo, SourceCache};
    use proptest::prelude::*;

    fn kind() -> impl Strategy<Value = Kind> {
        // Every kind a source yields (built-ins have no index line).
        proptest::sample::select(
            Kind::ALL
                .into_iter()
                .filter(|k| crate::sources::source_of(*k).is_some())
                .collect::<Vec<_>>(),
        )
    }

    fn module() -> impl Strategy<Value = ModuleInfo> {
        (
            "[a-z][a-z0-9-]{0,12}",
            kind(),
            "\\PC{0,40}",
            proptest::option::of("\\PC{0,60}"),
            proptest::collection::vec("[a-z]{1,8}( [a-z]{1,8})?", 0..4),
            any::<bool>(),
        )
            .prop_map(|(name, kind, location, description, verbs, runnable)| {
                let mut m = ModuleInfo::new(name, kind, location, Identity::Unverified);
                m.description = description;
                m.verbs = verbs;
                m.runnable = runnable;
                m
            })
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back_the_same(
            caches in proptest::collection::btree_map(
                kind(),
                (proptest::collection::vec(module(), 0..5), any::<u32>(), proptest::option::of("\\PC{0,30}")),
                0..4,
            )
        ) {
            let mut index = Index::default();
            for (kind, (modules, at, note)) in caches {
                index.sources.insert(kind, SourceCache {
                    modules,
                    scanned_at: u64::from(at),
                    note,
                    ..SourceCache::default()
                });
            }
            let bytes = index.to_bytes().unwrap();
            let back = Index::parse(bytes.as_slice(), None).expect("reads back");
            prop_assert_eq!(&back.sources, &index.sources);
            // Reading one kind reads that kind's line, whatever comes after it.
            for kind in index.sources.keys() {
                let one = Index::parse(bytes.as_slice(), Some(&[*kind])).unwrap();
                prop_assert_eq!(one.sources.get(kind), index.sources.get(kind));
            }
        }
    }
}
