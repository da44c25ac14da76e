//! Every module from every source, fresh, with precedence applied: what help, lists, `which`,
//! `check` and did-you-mean read. Dispatch does not use this (it looks up one name).

use crate::context::Context;
use crate::discovery::{self, Kind, Resolved};
use crate::index::{self, Index};

/// All modules, resolved.
pub struct Catalog {
    /// One entry per name, sorted by name; built-ins included.
    pub resolved: Vec<Resolved>,
    /// Source-wide notes (for example an unreachable engine), by kind.
    pub notes: Vec<(Kind, String)>,
}

/// Reads the index, refreshes what changed, and resolves.
pub fn load(cx: &Context) -> Catalog {
    build(cx, true)
}

/// The index as it is, resolved: no stat, no probe, no engine, no write. What completion
/// reads, which must answer within a keystroke whatever changed since the last refresh.
pub fn cached(cx: &Context) -> Catalog {
    build(cx, false)
}

fn build(cx: &Context, refresh: bool) -> Catalog {
    let sources = discovery::sources(cx);
    let refs: Vec<&dyn discovery::Source> = sources.iter().map(|s| s.as_ref()).collect();
    let mut index = Index::read(cx, None);
    if refresh {
        index::ensure_fresh(cx, &mut index, &refs);
    }
    let mut all = discovery::builtin::modules();
    let mut notes = Vec::new();
    for s in &refs {
        if let Some(cache) = index.sources.get(&s.kind()) {
            all.extend(cache.modules.iter().cloned());
            if let Some(n) = &cache.note {
                notes.push((s.kind(), n.clone()));
            }
        }
    }
    Catalog {
        resolved: discovery::resolve(all),
        notes,
    }
}

impl Catalog {
    /// The entry for `name`.
    pub fn get(&self, name: &str) -> Option<&Resolved> {
        self.resolved.iter().find(|r| r.module.name == name)
    }

    /// Up to three valid, runnable names close to `name`, best first.
    pub fn suggestions(&self, name: &str) -> Vec<String> {
        let runnable = self
            .resolved
            .iter()
            .filter(|r| r.module.runnable)
            .map(|r| r.module.name.as_str());
        crate::names::similar(name, runnable)
            .into_iter()
            .take(3)
            .map(str::to_string)
            .collect()
    }
}
