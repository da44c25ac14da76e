//! Every module from every source, fresh, with precedence applied (what help, lists, `which`,
//! `check` and did-you-mean read), and the lookup of one name that dispatch uses, which reads
//! only the index lines it needs. Both apply one rule: kind precedence, then search order, and
//! a module that cannot run never beats one that can (docs/architecture.md).

use crate::context::Context;
use crate::error::Failure;
use crate::index::{self, Index};
use crate::model::{Kind, ModuleInfo};
use crate::sources::{self, Lookup, Source};
use serde::Serialize;
use std::collections::BTreeMap;

/// All modules, resolved.
pub struct Catalog {
    /// One entry per name, sorted by name; built-ins included.
    pub resolved: Vec<Resolved>,
    /// Source-wide notes (for example an unreachable engine), by kind, each with how to
    /// recover from what it reports when there is a way.
    pub notes: Vec<Note>,
}

/// One line a source has to say about itself, beside the modules.
pub struct Note {
    /// The source's kind.
    pub kind: Kind,
    /// What it says.
    pub line: String,
    /// The `hint:` under it.
    pub hint: Option<String>,
}

/// A winner and everything of the same name it shadows.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The module that runs.
    pub module: ModuleInfo,
    /// Lower-precedence modules of the same name, best first.
    pub shadowed: Vec<ModuleInfo>,
}

/// A module as `--json` shows it: the index's fields in their order, each problem as its
/// one-line message (docs/cli.md), then what it shadows.
#[derive(Serialize)]
struct Shown<'a> {
    name: &'a str,
    kind: Kind,
    location: &'a str,
    identity: &'a crate::model::Identity,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    verbs: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
    #[serde(skip_serializing_if = "is_true")]
    runnable: bool,
    #[serde(
        rename = "extra",
        skip_serializing_if = "crate::model::Detail::is_none"
    )]
    detail: &'a crate::model::Detail,
    #[serde(skip_serializing_if = "Option::is_none")]
    shadowed: Option<Vec<Shown<'a>>>,
}

fn is_true(b: &bool) -> bool {
    *b
}

fn shown<'a>(m: &'a ModuleInfo, shadowed: Option<&'a [ModuleInfo]>) -> Shown<'a> {
    Shown {
        name: &m.name,
        kind: m.kind,
        location: &m.location,
        identity: &m.identity,
        description: m.description.as_deref(),
        verbs: &m.verbs,
        problems: m.problem_lines(),
        runnable: m.runnable,
        detail: &m.detail,
        shadowed: shadowed.map(|s| s.iter().map(|m| shown(m, None)).collect()),
    }
}

impl Serialize for Resolved {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        shown(&self.module, Some(&self.shadowed)).serialize(s)
    }
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
    let sources = sources::sources(cx);
    let refs: Vec<&dyn Source> = sources.iter().map(|s| s.as_ref()).collect();
    let mut index = Index::read(cx, None);
    if refresh {
        index::ensure_fresh(cx, &mut index, &refs);
    } else {
        // Completion does not refresh, but never offers what a team withheld since the scan.
        let withheld = index::withheld_now(cx);
        index
            .sources
            .retain(|_, cache| index::is_current(cache, &withheld));
    }
    let mut all = sources::builtin::modules();
    let mut notes = Vec::new();
    for s in &refs {
        if let Some(cache) = index.sources.get(&s.kind()) {
            all.extend(cache.modules.iter().cloned());
            // A source of several parts (source plugins) has a line per part. Only a source
            // with a note is read again for its lines' hints.
            if cache.note.is_some() {
                notes.extend(s.notes(cache).into_iter().map(|(line, hint)| Note {
                    kind: s.kind(),
                    line,
                    hint,
                }));
            }
        }
    }
    Catalog {
        resolved: resolve(all),
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

/// The order of two modules of one name: runnable first, then kind precedence; a stable sort
/// keeps search order within a kind.
fn rank(m: &ModuleInfo) -> (bool, u8) {
    (!m.runnable, m.kind.precedence())
}

/// Groups by name and picks each winner; the others are kept as shadowed. Sorted by name.
pub fn resolve(modules: Vec<ModuleInfo>) -> Vec<Resolved> {
    let mut by_name: BTreeMap<String, Vec<ModuleInfo>> = BTreeMap::new();
    for m in modules {
        by_name.entry(m.name.clone()).or_default().push(m);
    }
    by_name
        .into_values()
        .map(|mut group| {
            group.sort_by_key(rank);
            let module = group.remove(0);
            Resolved {
                module,
                shadowed: group,
            }
        })
        .collect()
}

/// Finds the module that runs for `name`, in precedence order, reading only the index lines
/// needed. Unknown names get up to three suggestions; a name only broken modules answer to is
/// exit 126 with their problems.
pub fn find(cx: &Context, name: &str) -> anyhow::Result<ModuleInfo> {
    let sources = sources::sources(cx);
    let mut broken: Option<ModuleInfo> = None;
    for source in &sources {
        match source.direct_lookup(cx, name) {
            Lookup::Found(m) => return Ok(*m),
            Lookup::Absent => continue,
            Lookup::UseIndex => {}
        }
        // Only this source's line: the exec line, which grows with PATH, is never read here.
        let mut idx = Index::read(cx, Some(&[source.kind()]));
        index::ensure_fresh(cx, &mut idx, &[source.as_ref()]);
        let mut hit = best_cached(&idx, source.kind(), name);
        if hit.is_none() && source.can_change_unseen() {
            index::force_refresh(cx, &mut idx, source.as_ref());
            hit = best_cached(&idx, source.kind(), name);
        }
        match hit {
            Some(m) if m.runnable => return Ok(m),
            Some(m) => {
                broken.get_or_insert(m);
            }
            None => {}
        }
    }
    match broken {
        Some(m) => Err(cannot_run(&m).into()),
        None => Err(unknown(cx, name)),
    }
}

/// The error for a module that is listed but cannot run: exit 126, its problems, the way to
/// learn more.
pub fn cannot_run(m: &ModuleInfo) -> Failure {
    Failure::CannotRun {
        name: m.name.clone(),
        location: m.location.clone(),
        problems: m.problem_lines(),
    }
}

/// Of the modules named `name` in `modules` (one source's, in search order), the one that
/// runs: the first runnable, else the first.
pub fn pick<'a>(
    modules: impl IntoIterator<Item = &'a ModuleInfo>,
    name: &str,
) -> Option<&'a ModuleInfo> {
    let same: Vec<&ModuleInfo> = modules.into_iter().filter(|m| m.name == name).collect();
    same.iter().find(|m| m.runnable).or(same.first()).copied()
}

fn best_cached(index: &Index, kind: Kind, name: &str) -> Option<ModuleInfo> {
    pick(&index.sources.get(&kind)?.modules, name).cloned()
}

/// The error for a name no source offers, with up to three suggestions.
pub fn unknown(cx: &Context, name: &str) -> anyhow::Error {
    let catalog = load(cx);
    Failure::NoModule {
        name: name.to_string(),
        similar: catalog.suggestions(name),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Identity;

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
}
