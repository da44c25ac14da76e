//! `team remove`: unregister a team and delete its checkout. Without `--force` it refuses a
//! checkout holding work that exists nowhere else: uncommitted changes, a stash, or a local
//! branch whose tip no remote-tracking ref contains (commits not pushed).

use super::git;
use crate::errors::TeamError;
use anyhow::Context as _;
use git2::{BranchType, Repository};
use tcli_core::context::Context;
use tcli_core::team_dirs;

/// Removes team `name`; returns the path its checkout had.
pub(crate) fn remove(cx: &Context, name: &str, force: bool) -> anyhow::Result<String> {
    let entry = super::find(cx, name)?;
    let _lock = super::lock(cx, name)?;
    let dir = team_dirs::checkout_dir(cx, name);
    if dir.exists() && !force {
        if let Some(work) = local_work(&dir)? {
            return Err(TeamError::LocalWork {
                team: name.to_string(),
                work,
                dir,
            }
            .into());
        }
    }
    // Move the checkout out of its name first, so a failure half-way through a large delete
    // never leaves a half-deleted team in place.
    let trash = if dir.exists() {
        let teams_dir = cx.teams_dir();
        let t = tempfile::Builder::new()
            .prefix(&format!(".remove-{name}-"))
            .tempdir_in(&teams_dir)
            .with_context(|| format!("cannot create a temp dir in {}", teams_dir.display()))?;
        std::fs::rename(&dir, t.path())
            .with_context(|| format!("cannot move {} aside to delete it", dir.display()))?;
        Some(t)
    } else {
        None
    };
    let unregistered = super::registry::modify(cx, |teams| {
        teams.retain(|t| t.name != entry.name);
        Ok(())
    });
    if let Err(e) = unregistered {
        if let Some(t) = &trash {
            let _ = std::fs::rename(t.path(), &dir);
        }
        return Err(e);
    }
    // Its pinned modules stop being listed now; their artifacts go at the next `team update`
    // (docs/team-repos.md, "Pinning").
    {
        let _store = super::pins::lock(cx)?;
        // An unreadable record is left for `team update` to refuse: the team is gone from the
        // list already, and the record keeps only registered teams' pins anyway.
        if tcli_core::sources::pinned::try_read(cx).is_ok() {
            super::pins::record(cx, name, None)?;
        }
    }
    if let Some(t) = trash {
        let p = t.path().to_path_buf();
        t.close().with_context(|| {
            format!(
                "team '{name}' was removed, but deleting {} failed",
                p.display()
            )
        })?;
    }
    Ok(dir.display().to_string())
}

/// A description of the work in `dir` that only exists there, if any.
fn local_work(dir: &std::path::Path) -> anyhow::Result<Option<String>> {
    let cannot_tell = |e: git2::Error| TeamError::CannotTell {
        dir: dir.to_path_buf(),
        why: e.message().to_string(),
    };
    let repo = git::open(dir).map_err(cannot_tell)?;
    let changes = git::changes(&repo).map_err(cannot_tell)?;
    if !changes.is_empty() {
        return Ok(Some(format!(
            "uncommitted changes ({}{})",
            changes[0],
            super::and_more(changes.len())
        )));
    }
    if repo.find_reference("refs/stash").is_ok() {
        return Ok(Some("stashed changes".to_string()));
    }
    let unpushed = unpushed_branches(&repo).map_err(cannot_tell)?;
    if !unpushed.is_empty() {
        return Ok(Some(format!(
            "commits not pushed (on {})",
            unpushed
                .iter()
                .map(|b| format!("'{b}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(None)
}

/// Local branches (and a detached HEAD) whose tip no remote-tracking ref contains.
fn unpushed_branches(repo: &Repository) -> Result<Vec<String>, git2::Error> {
    let remote_tips: Vec<git2::Oid> = repo
        .branches(Some(BranchType::Remote))?
        .filter_map(|b| b.ok()?.0.get().target())
        .collect();
    let pushed = |tip: git2::Oid| {
        remote_tips
            .iter()
            .any(|&r| r == tip || repo.graph_descendant_of(r, tip).unwrap_or(false))
    };
    let mut out = Vec::new();
    for b in repo.branches(Some(BranchType::Local))? {
        let (b, _) = b?;
        if let Some(tip) = b.get().target() {
            if !pushed(tip) {
                out.push(b.name()?.unwrap_or("?").to_string());
            }
        }
    }
    if repo.head_detached().unwrap_or(false) {
        if let Some(tip) = repo.head()?.target() {
            if !pushed(tip) {
                out.push("a detached HEAD".to_string());
            }
        }
    }
    Ok(out)
}
