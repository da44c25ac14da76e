//! What a `team update` brought, for its report (docs/team-repos.md, "What an update says"):
//! the new commits with who made each (the signer on a signed team, else the author), and the
//! people, keys and `[trust]` settings that changed. Every piece of it is the pusher's text,
//! so it is shown as the refusals show commit text: control characters made spaces, cut short.

use super::git;
use super::signed::{roster_of, Checked};
use git2::{Oid, Repository, Sort};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use tcli_roster::Roster;

/// The most commits listed one by one; the rest are counted (`and N more`).
pub(crate) const COMMITS_SHOWN: usize = 10;

/// The longest name or subject shown.
const TEXT_MAX: usize = 120;

fn shown(s: &str) -> String {
    tcli_core::prim::text::sanitize_line(s, TEXT_MAX)
}

/// One commit an update brought.
#[derive(Debug, Serialize)]
pub(crate) struct CommitLine {
    /// Its full id.
    pub commit: String,
    /// The roster id that signed it, when its signature was verified; else its author's name.
    pub by: String,
    /// The key that signed it, when its signature was verified.
    pub key: Option<String>,
    /// Its subject line.
    pub subject: String,
}

/// A change to the roster (`[people]`), by person id and key fingerprint.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub(crate) enum RosterChange {
    /// A person new in the roster, with their keys.
    PersonAdded { person: String, keys: Vec<String> },
    /// A person gone from the roster, with the keys they had.
    PersonRemoved { person: String, keys: Vec<String> },
    /// A key new for a person who was there before.
    KeyAdded { person: String, key: String },
    /// A key gone from a person who is still there.
    KeyRemoved { person: String, key: String },
}

/// A `[trust]` setting added, removed or changed (`from`/`to` are `null` when absent).
#[derive(Debug, PartialEq, Serialize)]
pub(crate) struct TrustChange {
    pub key: String,
    pub from: Value,
    pub to: Value,
}

/// What an update brought.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Brought {
    /// The commits, newest first, at most [`COMMITS_SHOWN`].
    pub commits: Vec<CommitLine>,
    /// How many more there were.
    pub more_commits: usize,
    /// Changes to the roster.
    pub roster: Vec<RosterChange>,
    /// Changes to `[trust]`.
    pub trust: Vec<TrustChange>,
}

/// What moving from `from` to `to` brings: the commits on `to` not on `from`, and the roster
/// and `[trust]` of the two commits compared. `signed` is what the signature walk verified.
pub(crate) fn between(
    repo: &Repository,
    from: Oid,
    to: Oid,
    signed: Option<&Checked>,
) -> Result<Brought, git2::Error> {
    let mut out = Brought::default();
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.push(to)?;
    walk.hide(from)?;
    for oid in walk {
        let oid = oid?;
        if out.commits.len() == COMMITS_SHOWN {
            out.more_commits += 1;
            continue;
        }
        let c = repo.find_commit(oid)?;
        let signer = signed.and_then(|s| s.signers.get(&oid));
        out.commits.push(CommitLine {
            commit: oid.to_string(),
            by: match signer {
                Some(s) => s.person.clone(),
                None => shown(&String::from_utf8_lossy(c.author().name_bytes())),
            },
            key: signer.map(|s| s.fingerprint.clone()),
            subject: shown(&String::from_utf8_lossy(
                c.summary_bytes().unwrap_or_default(),
            )),
        });
    }
    let (old, new) = (settings(repo, from), settings(repo, to));
    let table = |text: &str| text.parse::<toml::Table>().unwrap_or_default();
    let (old_table, new_table) = (table(&old), table(&new));
    out.trust = trust_changes(&old_table, &new_table);
    // Keys are parsed only when `[people]` changed. A roster that does not parse on either side
    // has no changes to name (a signed team's new roster was checked before; an unsigned
    // team's is the team modules' to report).
    if old_table.get("people") != new_table.get("people") {
        if let (Ok(a), Ok(b)) = (roster_of(&old), roster_of(&new)) {
            out.roster = roster_changes(&a, &b);
        }
    }
    Ok(out)
}

/// `commit`'s `tcli.toml`; empty when it has none or it cannot be read.
fn settings(repo: &Repository, commit: Oid) -> String {
    git::settings_at(repo, commit)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// People and keys added and removed, in the order of the old roster, then the new.
fn roster_changes(old: &Roster, new: &Roster) -> Vec<RosterChange> {
    let mut out = one_way(
        old,
        new,
        |person, keys| RosterChange::PersonRemoved { person, keys },
        |person, key| RosterChange::KeyRemoved { person, key },
    );
    out.extend(one_way(
        new,
        old,
        |person, keys| RosterChange::PersonAdded { person, keys },
        |person, key| RosterChange::KeyAdded { person, key },
    ));
    out
}

/// What `from` has that `to` lacks, in `from`'s order: whole people (`person`), else keys
/// (`key`). Called both ways, it gives what was removed and what was added.
fn one_way(
    from: &Roster,
    to: &Roster,
    person: fn(String, Vec<String>) -> RosterChange,
    key: fn(String, String) -> RosterChange,
) -> Vec<RosterChange> {
    let fps = |p: &tcli_roster::Person| -> Vec<String> {
        p.keys.iter().map(|k| k.fingerprint.clone()).collect()
    };
    let mut out = Vec::new();
    for p in &from.people {
        let Some(there) = to.person(&p.id) else {
            out.push(person(p.id.clone(), fps(p)));
            continue;
        };
        let kept = fps(there);
        for k in fps(p).into_iter().filter(|k| !kept.contains(k)) {
            out.push(key(p.id.clone(), k));
        }
    }
    out
}

/// Every `[trust]` key whose value differs between the two files, by name.
fn trust_changes(old: &toml::Table, new: &toml::Table) -> Vec<TrustChange> {
    let of = |t: &toml::Table| -> BTreeMap<String, Value> {
        t.get("trust")
            .and_then(toml::Value::as_table)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (a, b) = (of(old), of(new));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| TrustChange {
            key: shown(k),
            from: a.get(k).cloned().unwrap_or(Value::Null),
            to: b.get(k).cloned().unwrap_or(Value::Null),
        })
        .collect()
}

/// The report's lines for `b`, each indented two spaces.
pub(crate) fn lines(b: &Brought) -> String {
    let mut s = String::new();
    if !b.commits.is_empty() {
        s.push_str(&format!(
            "  {}:\n",
            git::commits(b.commits.len() + b.more_commits)
        ));
    }
    let width = b.commits.iter().map(|c| c.by.chars().count()).max();
    for c in &b.commits {
        s.push_str(&format!(
            "    {}  {:<w$}  {}\n",
            &c.commit[..7],
            c.by,
            c.subject,
            w = width.unwrap_or(0)
        ));
    }
    if b.more_commits > 0 {
        s.push_str(&format!("    and {} more\n", b.more_commits));
    }
    for r in &b.roster {
        let line = match r {
            RosterChange::PersonAdded { person, keys } => {
                format!("person {person} added{}", with_keys("with", keys))
            }
            RosterChange::PersonRemoved { person, keys } => {
                format!("person {person} removed{}", with_keys("who had", keys))
            }
            RosterChange::KeyAdded { person, key } => format!("key {key} added for {person}"),
            RosterChange::KeyRemoved { person, key } => format!("key {key} of {person} removed"),
        };
        s.push_str(&format!("  roster: {line}\n"));
    }
    for t in &b.trust {
        let line = match (&t.from, &t.to) {
            (Value::Null, to) => format!("{} set to {}", t.key, value(to)),
            (from, Value::Null) => format!("{} removed (was {})", t.key, value(from)),
            (from, to) => format!("{} changed from {} to {}", t.key, value(from), value(to)),
        };
        s.push_str(&format!("  trust: {line}\n"));
    }
    s
}

fn with_keys(verb: &str, keys: &[String]) -> String {
    match keys {
        [] => " (no keys)".to_string(),
        [k] => format!(", {verb} key {k}"),
        ks => format!(", {verb} keys {}", ks.join(", ")),
    }
}

/// A TOML value as one inert line.
fn value(v: &Value) -> String {
    shown(&v.to_string())
}
