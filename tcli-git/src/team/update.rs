//! `team update`: fetch, then fast-forward only (docs/team-repos.md). Refuses, changing nothing,
//! when the checkout has uncommitted changes, is not on a branch with an upstream, has diverged
//! from it (local commits not pushed while the remote moved, or a force-push), or when the new
//! commit's `tcli.toml` does not parse, has a bad roster, or a commit is not signed as a signed
//! team requires (`signed`). Each refusal names the team and gives the git command
//! that fixes it. Runs under the team's lock, so two updates never touch one checkout at once.

use super::git::{self, NoTracking};
use super::{failure, sh};
use anyhow::Context as _;
use git2::build::CheckoutBuilder;
use serde::Serialize;
use tcli_core::context::Context;
use tcli_core::team_dirs::{self, TeamEntry};

/// How an update ended for one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Outcome {
    /// The checkout moved forward.
    Updated,
    /// Nothing new upstream.
    UpToDate,
}

/// What `team update` did to one team.
#[derive(Debug, Serialize)]
pub(crate) struct Updated {
    /// The team name.
    pub name: String,
    /// Updated or up to date.
    pub result: Outcome,
    /// The checked-out branch.
    pub branch: String,
    /// Its upstream (`origin/main`).
    pub upstream: String,
    /// The commit before.
    pub from: String,
    /// The commit after.
    pub to: String,
    /// Exec modules new in `bin/`.
    pub added: Vec<String>,
    /// Exec modules gone from `bin/`.
    pub removed: Vec<String>,
    /// Exec modules whose file changed.
    pub changed: Vec<String>,
    /// Things worth saying that did not stop the update.
    pub warnings: Vec<String>,
    /// What was verified, for a signed team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<super::signed::Checked>,
    /// Pinned artifacts fetched, reused or removed (docs/team-repos.md, "Pinning").
    pub artifacts: Vec<super::pins::ArtifactReport>,
}

/// Updates one team. Network and git failures are errors naming the team with the fix.
pub(crate) fn update(cx: &Context, entry: &TeamEntry) -> anyhow::Result<Updated> {
    let name = &entry.name;
    let dir = team_dirs::checkout_dir(cx, name);
    let _lock = super::lock(cx, name)?;
    if !dir.exists() {
        return Err(super::missing_checkout(entry, &dir));
    }
    let repo = git::open(&dir).map_err(|e| {
        failure(
            format!(
                "the checkout of team '{name}' at {} is not a git repository: {}",
                dir.display(),
                e.message()
            ),
            format!(
                "move it aside and clone again: mv {0} {0}.bak && tcli team remove {name} && tcli team add {1} --name {name}",
                sh(&dir),
                entry.url
            ),
        )
    })?;
    let t = git::tracking(&repo).map_err(|e| not_tracking(name, &dir, e))?;
    let changes = git::changes(&repo).map_err(|e| git_failure(name, &dir, &e))?;
    if !changes.is_empty() {
        let more = match changes.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        return Err(failure(
            format!(
                "team '{name}' has uncommitted changes ({}{more}) in {}; nothing was updated",
                changes[0],
                dir.display()
            ),
            format!(
                "commit them, or set them aside around the update: git -C {0} stash -u && tcli team update {name} && git -C {0} stash pop",
                sh(&dir)
            ),
        ));
    }
    // A signed team's checkout moved off its verified history by hand (a `reset` to a
    // force-pushed remote): nothing it holds now is trusted, up to date or not.
    super::signed::check_descends(&repo, entry, t.head, "the checkout's HEAD")?;
    let before_upstream = t.upstream_oid;
    // The pinned artifacts are checked while git fetches (one engine question at most).
    let mut checking = Some(super::pins::check_ahead(cx, name));
    let mut remote = repo
        .find_remote(&t.remote)
        .map_err(|e| git_failure(name, &dir, &e))?;
    let url = remote.url().unwrap_or(&entry.url).to_string();
    remote
        .fetch(
            &[] as &[&str],
            Some(&mut git::fetch_options(&format!("team '{name}'"))),
            None,
        )
        .map_err(|e| {
            failure(
                format!(
                    "cannot fetch team '{name}' from {url}: {}; nothing was changed",
                    git::transfer_error(&url, &e)
                ),
                format!(
                    "check that the remote is reachable and its URL is right (git -C {} remote -v), then run 'tcli team update {name}' again",
                    sh(&dir)
                ),
            )
        })?;
    drop(remote);
    git::mark_fetched(&repo)
        .with_context(|| format!("cannot write in {}", repo.path().display()))?;
    let upstream_ref = format!("refs/remotes/{}", t.upstream);
    let Ok(new_up) = repo.refname_to_id(&upstream_ref) else {
        return Err(failure(
            format!(
                "team '{name}': the upstream {} of branch '{}' does not exist on {url}",
                t.upstream, t.branch
            ),
            format!(
                "track a branch that exists: git -C {} branch -r lists them; then git -C {0} branch --set-upstream-to <remote>/<branch>",
                sh(&dir)
            ),
        ));
    };
    let mut out = Updated {
        name: name.clone(),
        result: Outcome::UpToDate,
        branch: t.branch.clone(),
        upstream: t.upstream.clone(),
        from: t.head.to_string(),
        to: t.head.to_string(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        warnings: Vec::new(),
        signed: None,
        artifacts: Vec::new(),
    };
    // Where the checkout stays, its pins are still brought back when missing.
    let stay = |out: &mut Updated, ahead: Option<super::pins::Ahead>| -> anyhow::Result<()> {
        let text = git::settings_at(&repo, t.head).map_err(|e| settings_failure(name, &dir, e))?;
        out.artifacts =
            super::pins::apply(cx, name, &repo, t.head, text.as_deref(), ahead, || Ok(()))?;
        Ok(())
    };
    if new_up == t.head {
        stay(&mut out, checking.take())?;
        return Ok(out);
    }
    let (ahead, behind) = repo
        .graph_ahead_behind(t.head, new_up)
        .map_err(|e| git_failure(name, &dir, &e))?;
    // A force-push: the upstream we had before no longer leads to the one we have now.
    let rewritten = before_upstream.is_some_and(|old| {
        old != new_up && !repo.graph_descendant_of(new_up, old).unwrap_or(false)
    });
    // Commits of the user's own: on HEAD but not on the upstream as it was before the fetch.
    let own = match before_upstream {
        Some(old) => repo
            .graph_ahead_behind(t.head, old)
            .map_or(ahead, |(a, _)| a),
        None => ahead,
    };
    if behind == 0 {
        out.warnings.push(if rewritten && own == 0 && entry.trust.is_some() {
            format!(
                "{} of team '{name}' was rewritten to an older commit; your checkout keeps the verified history ({})",
                t.upstream,
                super::signed::retrust_hint(entry)
            )
        } else if rewritten && own == 0 {
            format!(
                "{} of team '{name}' was rewritten to an older commit; your checkout still has {} the remote dropped (to follow it: git -C {} reset --keep {})",
                t.upstream,
                git::commits(ahead),
                sh(&dir),
                t.upstream
            )
        } else {
            format!(
                "team '{name}' has {} not pushed to {} (push them: git -C {} push)",
                git::commits(ahead),
                t.upstream,
                sh(&dir)
            )
        });
        stay(&mut out, checking.take())?;
        return Ok(out);
    }
    if ahead > 0 {
        return Err(if rewritten && entry.trust.is_some() {
            failure(
                format!(
                    "the history of team '{name}' was rewritten upstream ({} was force-pushed); nothing was changed",
                    t.upstream
                ),
                super::signed::retrust_hint(entry),
            )
        } else if rewritten && own == 0 {
            failure(
                format!(
                    "the history of team '{name}' was rewritten upstream ({} was force-pushed); nothing was changed",
                    t.upstream
                ),
                format!(
                    "your checkout has no commits of its own; to take the new history: git -C {} reset --keep {}",
                    sh(&dir),
                    t.upstream
                ),
            )
        } else if rewritten {
            failure(
                format!(
                    "the history of team '{name}' was rewritten upstream ({} was force-pushed) and you have {} of your own on it; nothing was changed",
                    t.upstream,
                    git::commits(own)
                ),
                format!(
                    "move your commits onto the new history: git -C {} pull --rebase",
                    sh(&dir)
                ),
            )
        } else {
            failure(
                format!(
                    "team '{name}' has diverged from {}: {} of yours not pushed, {} new upstream; nothing was changed",
                    t.upstream,
                    git::commits(ahead),
                    git::commits(behind)
                ),
                format!(
                    "put your commits on top and push them: git -C {0} pull --rebase && git -C {0} push",
                    sh(&dir)
                ),
            )
        });
    }
    let new_settings =
        git::settings_at(&repo, new_up).map_err(|e| settings_failure(name, &dir, e))?;
    if let Some(text) = &new_settings {
        if let Err(e) = text.parse::<toml::Table>() {
            let line = e
                .span()
                .map(|s| {
                    format!(
                        " at line {}",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            return Err(failure(
                format!(
                    "the new tcli.toml of team '{name}' ({}) has a syntax error{line}: {}; nothing was changed",
                    git::short(new_up),
                    e.message()
                ),
                format!(
                    "ask the team to fix tcli.toml in {url}; your checkout stays at {} until then",
                    git::short(t.head)
                ),
            ));
        }
    }
    out.signed = super::signed::check_update(&repo, entry, t.head, new_up)?;
    let before = git::modules_at(&repo, t.head).map_err(|e| git_failure(name, &dir, &e))?;
    let after = git::modules_at(&repo, new_up).map_err(|e| git_failure(name, &dir, &e))?;
    // Every pinned artifact of the new commit is fetched and verified before the checkout
    // moves; a failure on either side leaves the old commit and the old artifacts.
    let checked = checking.take();
    out.artifacts = super::pins::apply(
        cx,
        name,
        &repo,
        new_up,
        new_settings.as_deref(),
        checked,
        || {
            let target = repo
                .find_object(new_up, None)
                .map_err(|e| git_failure(name, &dir, &e))?;
            // Safe checkout checks every path for conflicts before it writes any file.
            repo.checkout_tree(&target, Some(CheckoutBuilder::new().safe()))
                .map_err(|e| {
                    failure(
                        format!(
                            "cannot fast-forward team '{name}' in {}: {}; nothing was changed",
                            dir.display(),
                            e.message()
                        ),
                        format!("see what is in the way: git -C {} status", sh(&dir)),
                    )
                })?;
            repo.find_reference(&t.branch_ref)
                .and_then(|mut r| {
                    r.set_target(
                        new_up,
                        &format!("tcli team update: fast-forward to {}", git::short(new_up)),
                    )
                })
                .map_err(|e| git_failure(name, &dir, &e))?;
            Ok(())
        },
    )?;
    out.result = Outcome::Updated;
    out.to = new_up.to_string();
    if let Some(checked) = &out.signed {
        super::signed::record(cx, name, t.head, new_up, checked)?;
    }
    for (m, id) in &after {
        match before.get(m) {
            None => out.added.push(m.clone()),
            Some(old) if old != id => out.changed.push(m.clone()),
            Some(_) => {}
        }
    }
    out.removed = before
        .keys()
        .filter(|m| !after.contains_key(*m))
        .cloned()
        .collect();
    Ok(out)
}

fn settings_failure(name: &str, dir: &std::path::Path, e: git::SettingsAt) -> anyhow::Error {
    match e {
        git::SettingsAt::Git(e) => git_failure(name, dir, &e),
        too_large @ git::SettingsAt::TooLarge(_) => failure(
            format!("team '{name}': its {too_large}; nothing was changed"),
            "ask the team to keep data out of tcli.toml; it holds settings only".to_string(),
        ),
    }
}

fn git_failure(name: &str, dir: &std::path::Path, e: &git2::Error) -> anyhow::Error {
    failure(
        format!(
            "git failed on team '{name}' in {}: {}",
            dir.display(),
            e.message()
        ),
        format!("see its state: git -C {} status", sh(dir)),
    )
}

fn not_tracking(name: &str, dir: &std::path::Path, e: NoTracking) -> anyhow::Error {
    match e {
        NoTracking::Detached(oid) => failure(
            format!(
                "team '{name}' is not on a branch (HEAD is detached at {}) in {}; nothing was updated",
                git::short(oid),
                dir.display()
            ),
            format!(
                "switch back to its branch: git -C {} switch <branch> (git -C {0} branch lists them)",
                sh(dir)
            ),
        ),
        NoTracking::Unborn => failure(
            format!("team '{name}' has no commits yet in {}", dir.display()),
            format!(
                "push a first commit to its remote, then get it: git -C {} pull",
                sh(dir)
            ),
        ),
        NoTracking::NoUpstream(branch) => failure(
            format!(
                "branch '{branch}' of team '{name}' has no upstream in {}; nothing was updated",
                dir.display()
            ),
            format!(
                "say which remote branch it follows: git -C {} branch --set-upstream-to origin/{branch}",
                sh(dir)
            ),
        ),
        NoTracking::Git(e) => git_failure(name, dir, &e),
    }
}
