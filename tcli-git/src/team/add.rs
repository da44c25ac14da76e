//! `team add`: clone a team repo into `<data dir>/teams/<name>` and register it. The clone
//! goes into a temp dir beside its final place and is renamed only once complete, so a failed
//! or interrupted clone leaves nothing behind, and the registry gains the entry last.

use super::git;
use anyhow::Context as _;
use serde::Serialize;
use std::path::Path;
use tcli_core::context::Context;
use tcli_core::error::CliError;
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
    pub people: Vec<super::signed::PersonOut>,
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

/// Clones `url` as team `name` (default: from the URL) and registers it last in team order.
pub(crate) fn add(
    cx: &Context,
    url: &str,
    name: Option<&str>,
    wanted: &super::signed::Wanted,
) -> anyhow::Result<Added> {
    wanted.check()?;
    let url = normalize_url(url);
    let name = match name {
        Some(n) => {
            super::validate_name(n, false)?;
            n.to_string()
        }
        None => {
            let n = super::name_from_url(&url);
            super::validate_name(&n, true)?;
            n
        }
    };
    let _lock = super::lock(cx, &name)?;
    let dest = team_dirs::checkout_dir(cx, &name);
    let taken = |existing: &str| {
        CliError::usage(format!("a team named '{name}' already exists ({existing})")).hint(format!(
            "choose another name with --name, or remove it first: tcli team remove {name}"
        ))
    };
    if let Some(t) = team_dirs::teams_strict(cx)?.iter().find(|t| t.name == name) {
        return Err(taken(&t.url).into());
    }
    if dest.exists() {
        return Err(taken(&dest.display().to_string()).into());
    }
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
    let repo = git2::build::RepoBuilder::new()
        .fetch_options(git::fetch_options(&format!("team '{name}'")))
        .clone(&url, tmp.path())
        .map_err(|e| {
            super::failure(
                format!(
                    "cannot clone team '{name}' from {url}: {}",
                    git::transfer_error(&url, &e)
                ),
                "check the URL or path and that you can reach it (try: git ls-remote <url>); nothing was added".to_string(),
            )
        })?;
    git::mark_fetched(&repo)
        .with_context(|| format!("cannot write in {}", repo.path().display()))?;
    let (branch, commit, modules) = match git::tracking(&repo) {
        Ok(t) => (
            Some(t.branch),
            Some(t.head.to_string()),
            git::modules_at(&repo, t.head)?.into_keys().collect(),
        ),
        // An empty repo would give a checkout with no branch to fast-forward later.
        Err(git::NoTracking::Unborn) => {
            return Err(super::failure(
                format!("team '{name}' at {url} has no commits yet; nothing was added"),
                format!(
                    "push a first commit (a bin/tcli-<module> or a tcli.toml), then run 'tcli team add {url}' again"
                ),
            ));
        }
        Err(_) => (None, None, Vec::new()),
    };
    let root = match &commit {
        Some(c) => Some(super::signed::take_root(
            &repo,
            &name,
            &url,
            git2::Oid::from_str(c)?,
            wanted,
        )?),
        None if wanted.require_signed || !wanted.expect_keys.is_empty() => {
            return Err(super::failure(
                format!("team '{name}' at {url} is not on a branch, so it has no commit to take as its trust root; nothing was added"),
                "ask the team to set the default branch of the repository".to_string(),
            ));
        }
        None => None,
    };
    let head = commit.as_deref().and_then(|c| git2::Oid::from_str(c).ok());
    let text = match head {
        Some(h) => git::settings_at(&repo, h).map_err(|e| {
            super::failure(
                format!("cannot read tcli.toml of team '{name}': {e}"),
                "check the repository with git fsck; nothing was added".to_string(),
            )
        })?,
        None => None,
    };
    let (people, trust, problems, bad_roster) = match root {
        Some(r) => (
            super::signed::people(&r.roster),
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
    let place = || -> anyhow::Result<()> {
        std::fs::rename(tmp.path(), &dest)
            .with_context(|| format!("cannot move the clone into place at {}", dest.display()))?;
        let registered = super::registry::modify(cx, |teams| {
            teams.push(entry.clone());
            Ok(())
        });
        if let Err(e) = registered {
            let _ = std::fs::remove_dir_all(&dest);
            return Err(e);
        }
        Ok(())
    };
    let artifacts = match head {
        Some(h) => super::pins::apply(cx, &name, &repo, h, text.as_deref(), None, place)?,
        None => {
            place()?;
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
    warnings.extend(
        problems
            .iter()
            .map(|p| format!("team '{name}': roster {p}")),
    );
    Ok(Added {
        name,
        url,
        path: dest.display().to_string(),
        branch,
        commit,
        modules,
        warnings,
        people,
        trust,
        artifacts,
    })
}
