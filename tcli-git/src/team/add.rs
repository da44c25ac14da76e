//! `team add`: clone a team repo into `<data dir>/teams/<name>` and register it. The clone
//! goes into a temp dir beside its final place and is renamed only once complete, so a failed
//! or interrupted clone leaves nothing behind, and the registry gains the entry last.

use super::git;
use super::root::{take_root, Wanted};
use crate::errors::TeamError;
use anyhow::Context as _;
use git2::{Oid, Repository};
use serde::Serialize;
use std::path::Path;
use tcli_core::context::Context;
use tcli_core::team_dirs::{self, TeamEntry, TrustRoot};

/// What `team add` did.
#[derive(Debug, Serialize)]
pub(crate) struct Added {
    /// The team name.
    pub name: String,
    /// The URL or absolute path recorded for it.
    pub url: String,
    /// Its checkout.
    pub path: String,
    /// The checked-out branch.
    pub branch: Option<String>,
    /// The checked-out commit.
    pub commit: Option<String>,
    /// The exec modules its `bin/` ships.
    pub modules: Vec<String>,
    /// Problems worth telling the user about (an unreadable `tcli.toml`, say).
    pub warnings: Vec<String>,
    /// The roster at the cloned commit, for the user to compare with what the team publishes.
    pub people: Vec<super::people::PersonOut>,
    /// The trust root recorded; `null` for a team with no roster.
    pub trust: Option<TrustRoot>,
    /// Pinned artifacts fetched or reused (docs/team-repos.md, "Pinning").
    pub artifacts: Vec<super::pins::ArtifactReport>,
}

/// A local path is recorded absolute, so the remote still resolves from any directory.
pub(crate) fn normalize_url(url: &str) -> String {
    let p = Path::new(url);
    if !url.contains("://") && p.exists() {
        if let Ok(abs) = std::fs::canonicalize(p) {
            return abs.to_string_lossy().into_owned();
        }
    }
    url.to_string()
}

/// Clones `url` as team `name` (default: from the URL) and registers it last in team order,
/// in the steps of docs/team-repos.md: the name is checked and free, the repo is cloned into a
/// temp dir, its trust root taken, every pinned artifact fetched, and only then is the clone
/// moved into place and registered.
pub(crate) fn add(
    cx: &Context,
    url: &str,
    name: Option<&str>,
    wanted: &Wanted,
) -> anyhow::Result<Added> {
    wanted.check()?;
    let url = normalize_url(url);
    let name = team_name(&url, name)?;
    let _lock = super::lock(cx, &name)?;
    let dest = team_dirs::checkout_dir(cx, &name);
    check_free(cx, &name, &dest)?;
    let (tmp, repo) = clone(cx, &name, &url)?;
    let at = checked_out(&repo, &name, &url)?;
    let head = at.commit.as_deref().and_then(|c| Oid::from_str(c).ok());
    if let Some(commit) = head {
        let at = super::files::At {
            team: &name,
            commit,
            untouched: "nothing was added",
        };
        super::files::check_tree(&repo, &at)?;
    }
    let root = match head {
        Some(h) => Some(take_root(&repo, &name, &url, h, wanted)?),
        None if !wanted.nothing() => {
            return Err(TeamError::NoBranchForRoot { team: name, url }.into());
        }
        None => None,
    };
    let text = match head {
        Some(h) => git::settings_at(&repo, h).map_err(|e| TeamError::AddSettings {
            team: name.clone(),
            why: e.to_string(),
        })?,
        None => None,
    };
    let (people, trust, problems, bad_roster) = match root {
        Some(r) => (
            super::people::people(&r.roster),
            r.entry,
            r.roster.problems(),
            r.warning,
        ),
        None => (Vec::new(), None, Vec::new(), None),
    };
    let entry = TeamEntry {
        name: name.clone(),
        url: url.clone(),
        trust: trust.clone(),
    };
    // The clone becomes the team only once every pinned artifact is fetched and verified.
    let move_in = || place(cx, tmp.path(), &dest, &entry);
    if let Some(h) = head {
        super::names::refuse_shipped(&repo, &name, h)?;
    }
    let artifacts = match head {
        Some(h) => super::pins::apply(cx, &name, &repo, h, text.as_deref(), None, move_in)?,
        None => {
            move_in()?;
            Vec::new()
        }
    };
    drop(repo);
    // The temp dir is now the checkout; dropping the guard would only fail to delete it.
    let _ = tmp.keep();
    let mut warnings = Vec::new();
    if let Err(e) = tcli_core::settings::read_table(&dest.join("tcli.toml")) {
        warnings.push(format!("team '{name}': {e}"));
    }
    warnings.extend(bad_roster.map(|w| {
        format!("team '{name}': {w}; it was added without a roster (it does not ask for signed commits)")
    }));
    warnings.extend(super::version::unmet(&name, &dest));
    warnings.extend(super::names::clash_warnings(cx, &name));
    warnings.extend(
        problems
            .iter()
            .map(|p| format!("team '{name}': roster {p}")),
    );
    Ok(Added {
        name,
        url,
        path: dest.display().to_string(),
        branch: at.branch,
        commit: at.commit,
        modules: at.modules,
        warnings,
        people,
        trust,
        artifacts,
    })
}

/// The name given, or the one the URL suggests; either must be a valid team name.
fn team_name(url: &str, name: Option<&str>) -> anyhow::Result<String> {
    Ok(match name {
        Some(n) => {
            super::validate_name(n, false)?;
            n.to_string()
        }
        None => {
            let n = super::name_from_url(url);
            super::validate_name(&n, true)?;
            n
        }
    })
}

/// No team of that name is registered and nothing is at its checkout's place.
fn check_free(cx: &Context, name: &str, dest: &Path) -> anyhow::Result<()> {
    let existing = match team_dirs::teams_strict(cx)?.iter().find(|t| t.name == name) {
        Some(t) => t.url.clone(),
        None if dest.exists() => dest.display().to_string(),
        None => return Ok(()),
    };
    Err(TeamError::NameTaken {
        team: name.to_string(),
        existing,
    }
    .into())
}

/// Clones into a temp dir beside the checkouts, removed on drop unless kept.
fn clone(cx: &Context, name: &str, url: &str) -> anyhow::Result<(tempfile::TempDir, Repository)> {
    let teams_dir = cx.teams_dir();
    std::fs::create_dir_all(&teams_dir)
        .with_context(|| format!("cannot create the teams dir {}", teams_dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".clone-{name}-"))
        .tempdir_in(&teams_dir)
        .with_context(|| format!("cannot create a temp dir in {}", teams_dir.display()))?;
    if tcli_core::ui::interactive() {
        tcli_core::ui::status(&format!("cloning team '{name}' from {url}..."));
    }
    let repo = super::transport::clone(name, url, tmp.path())?;
    Ok((tmp, repo))
}

/// What the clone checked out.
struct CheckedOut {
    branch: Option<String>,
    commit: Option<String>,
    modules: Vec<String>,
}

fn checked_out(repo: &Repository, name: &str, url: &str) -> anyhow::Result<CheckedOut> {
    Ok(match git::tracking(repo) {
        Ok(t) => CheckedOut {
            branch: Some(t.branch),
            commit: Some(t.head.to_string()),
            modules: git::modules_at(repo, t.head)?.into_keys().collect(),
        },
        // An empty repo would give a checkout with no branch to fast-forward later.
        Err(git::NoTracking::Unborn) => {
            return Err(TeamError::EmptyRepo {
                team: name.to_string(),
                url: url.to_string(),
            }
            .into());
        }
        Err(_) => CheckedOut {
            branch: None,
            commit: None,
            modules: Vec::new(),
        },
    })
}

/// Moves the clone into place and registers the team; a failed registration takes the
/// checkout back out.
fn place(cx: &Context, tmp: &Path, dest: &Path, entry: &TeamEntry) -> anyhow::Result<()> {
    std::fs::rename(tmp, dest)
        .with_context(|| format!("cannot move the clone into place at {}", dest.display()))?;
    let registered = super::registry::modify(cx, |teams| {
        teams.push(entry.clone());
        Ok(())
    });
    if let Err(e) = registered {
        let _ = std::fs::remove_dir_all(dest);
        return Err(e);
    }
    Ok(())
}
