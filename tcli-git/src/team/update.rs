//! `team update`: fetch, then fast-forward only (docs/team-repos.md). Refuses, changing nothing,
//! when the checkout has uncommitted changes, is not on a branch with an upstream, has diverged
//! from it (local commits not pushed while the remote moved, or a force-push), or when the new
//! commit's `tcli.toml` does not parse, has a bad roster, or a commit is not signed as a signed
//! team requires (`signed`). Each refusal names the team and gives the git command
//! that fixes it. Runs under the team's lock, so two updates never touch one checkout at once.

use super::git::{self, NoTracking};
use super::sh;
use crate::errors::{retrust, TeamError};
use git2::{Oid, Repository};
use serde::Serialize;
use std::path::Path;
use tcli_core::context::Context;
use tcli_core::team_dirs::TeamEntry;

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
    /// The commits it brought, and the roster and `[trust]` changes among them.
    #[serde(flatten)]
    pub brought: super::changes::Brought,
}

/// Updates one team, in the steps of docs/team-repos.md ("Update: fast-forward or refuse"):
/// a checkout on a branch with an upstream and no local changes, still on its verified
/// history, is fetched; then it stays (nothing new, or only commits of its own), is refused
/// (diverged or rewritten), or, once the new `tcli.toml`, the signatures and every pinned
/// artifact pass, moves forward. Network and git failures are errors naming the team with
/// the fix.
pub(crate) fn update(cx: &Context, entry: &TeamEntry) -> anyhow::Result<Updated> {
    let name = &entry.name;
    let (_lock, dir) = super::locked_checkout(cx, entry)?;
    let repo = git::open(&dir).map_err(|e| TeamError::NotARepo {
        team: name.clone(),
        url: entry.url.clone(),
        dir: dir.clone(),
        why: e.message().to_string(),
        signed: entry.trust.is_some(),
    })?;
    let at = Here {
        cx,
        entry,
        dir: &dir,
        repo: &repo,
    };
    let t = git::tracking(&repo).map_err(|e| not_tracking(entry, &dir, e))?;
    at.refuse_local_changes()?;
    // A signed team's checkout moved off its verified history by hand (a `reset` to a
    // force-pushed remote): nothing it holds now is trusted, up to date or not.
    super::signed::check_descends(&repo, entry, t.head, "the checkout's HEAD")?;
    // The pinned artifacts are checked while git fetches (one engine question at most).
    let checking = super::pins::check_ahead(cx, name);
    let (url, new_up) = at.fetch(&t)?;
    let mut out = Updated::staying(name, &t);
    // Whatever reached the checkout outside tcli is checked, even when nothing new arrived.
    out.signed = at.check_moved(&t, (&url, new_up), &mut out.warnings)?;
    if new_up == t.head {
        at.stay(&mut out, &t, checking)?;
        out.warnings.extend(super::names::clash_warnings(cx, name));
        return Ok(out);
    }
    let (ahead, behind) = repo
        .graph_ahead_behind(t.head, new_up)
        .map_err(|e| git_failure(name, &dir, &e))?;
    let history = at.history(&t, new_up, ahead);
    if behind == 0 {
        out.warnings
            .push(at.own_commits_warning(&t, &history, ahead));
        at.stay(&mut out, &t, checking)?;
        out.warnings.extend(super::names::clash_warnings(cx, name));
        return Ok(out);
    }
    if ahead > 0 {
        return Err(at.diverged(&t, &history, new_up, (ahead, behind))?.into());
    }
    super::files::check_tree(&repo, &at.files(new_up))?;
    let new_settings = at.check_new_settings(&t, &url, new_up)?;
    out.signed = super::signed::check_update(&repo, entry, t.head, new_up)?;
    super::names::refuse_shipped(&repo, name, new_up)?;
    let before = git::modules_at(&repo, t.head).map_err(|e| git_failure(name, &dir, &e))?;
    let after = git::modules_at(&repo, new_up).map_err(|e| git_failure(name, &dir, &e))?;
    // Every pinned artifact of the new commit is fetched and verified before the checkout
    // moves; a failure on either side leaves the old commit and the old artifacts.
    out.artifacts = super::pins::apply(
        cx,
        name,
        &repo,
        new_up,
        new_settings.as_deref(),
        Some(checking),
        || at.fast_forward(&t, new_up),
    )?;
    out.result = Outcome::Updated;
    out.to = new_up.to_string();
    // A team with a trust record records every commit it moves to, signed or not (its policy
    // may have been switched off by a signed commit): HEAD and the record then agree, and the
    // next update does not take the move for one made outside tcli.
    let unsigned = super::signed::Checked::default();
    match (&out.signed, &entry.trust) {
        (Some(checked), _) => super::signed::record(cx, name, t.head, new_up, checked)?,
        (None, Some(_)) => super::signed::record(cx, name, t.head, new_up, &unsigned)?,
        (None, None) => {}
    }
    out.compare_modules(&before, &after);
    // The update happened: a report that git cannot complete is left out, never an error.
    out.brought =
        super::changes::between(&repo, t.head, new_up, out.signed.as_ref()).unwrap_or_default();
    out.warnings
        .extend(super::sections::warnings(name, new_settings.as_deref()));
    out.warnings.extend(super::names::clash_warnings(cx, name));
    Ok(out)
}

impl Updated {
    /// The report of a team that stays where it is, until a step says otherwise.
    fn staying(name: &str, t: &git::Tracking) -> Updated {
        Updated {
            name: name.to_string(),
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
            brought: Default::default(),
        }
    }

    /// Modules added, changed and removed in `bin/`, by name, blob and mode.
    fn compare_modules(&mut self, before: &git::Modules, after: &git::Modules) {
        for (m, id) in after {
            match before.get(m) {
                None => self.added.push(m.clone()),
                Some(old) if old != id => self.changed.push(m.clone()),
                Some(_) => {}
            }
        }
        self.removed = before
            .keys()
            .filter(|m| !after.contains_key(*m))
            .cloned()
            .collect();
    }
}

/// How the upstream moved, seen from the checkout.
struct History {
    /// The upstream we had before no longer leads to the one we have now: a force-push.
    rewritten: bool,
    /// Commits of the user's own: on HEAD but not on the upstream as it was before the fetch.
    own: usize,
}

/// One team's checkout as `update` works on it.
struct Here<'a> {
    cx: &'a Context,
    entry: &'a TeamEntry,
    dir: &'a Path,
    repo: &'a Repository,
}

impl Here<'_> {
    /// Where a check of `commit`'s files refuses from.
    fn files(&self, commit: Oid) -> super::files::At<'_> {
        super::files::At {
            team: &self.entry.name,
            commit,
            untouched: "nothing was changed",
        }
    }

    /// Verifies a signed team's HEAD moved outside tcli (see `signed::check_moved`) and, when
    /// it is on the upstream's history, records it as verified; commits of the user's own stay
    /// unrecorded, so the way back from a divergence is a verified commit of the team's.
    fn check_moved(
        &self,
        t: &git::Tracking,
        (url, new_up): (&str, Oid),
        warnings: &mut Vec<String>,
    ) -> anyhow::Result<Option<super::signed::Checked>> {
        let Some(checked) = super::signed::check_moved(self.repo, self.entry, t.head, self.dir)?
        else {
            return Ok(None);
        };
        let upstream = new_up == t.head || self.repo.graph_descendant_of(new_up, t.head)?;
        if upstream {
            let name = &self.entry.name;
            // What an update checks of a commit it takes, before it is recorded as the team's.
            self.check_new_settings(t, url, t.head)?;
            super::names::refuse_shipped(self.repo, name, t.head)?;
            super::signed::record(self.cx, name, t.head, t.head, &checked)?;
            warnings.push(format!(
                "team '{name}': its checkout was moved outside tcli to {}; tcli verified {} up to it and records it as the last verified commit",
                git::short(t.head),
                git::commits(checked.commits).replace("commit", "signed commit")
            ));
        }
        Ok(Some(checked))
    }

    /// Refuses a checkout with uncommitted changes: the fast-forward would mix them in.
    fn refuse_local_changes(&self) -> anyhow::Result<()> {
        let name = &self.entry.name;
        let changes = git::changes(self.repo).map_err(|e| git_failure(name, self.dir, &e))?;
        let Some(first) = changes.first() else {
            return Ok(());
        };
        Err(TeamError::Uncommitted {
            team: name.clone(),
            first: first.clone(),
            more: super::and_more(changes.len()),
            dir: self.dir.to_path_buf(),
            signed: self.entry.trust.is_some(),
        }
        .into())
    }

    /// Fetches the team's remote; returns its URL and the upstream's commit now.
    fn fetch(&self, t: &git::Tracking) -> anyhow::Result<(String, Oid)> {
        let name = &self.entry.name;
        let url = self
            .repo
            .find_remote(&t.remote)
            .map_err(|e| git_failure(name, self.dir, &e))?
            .url()
            .unwrap_or(&self.entry.url)
            .to_string();
        super::transport::fetch(self.repo, name, t, &url, |why| TeamError::Fetch {
            team: name.clone(),
            why,
            url: url.clone(),
            dir: self.dir.to_path_buf(),
        })?;
        let upstream_ref = format!("refs/remotes/{}", t.upstream);
        let new_up =
            self.repo
                .refname_to_id(&upstream_ref)
                .map_err(|_| TeamError::UpstreamGone {
                    team: name.clone(),
                    upstream: t.upstream.clone(),
                    branch: t.branch.clone(),
                    url: url.clone(),
                    dir: self.dir.to_path_buf(),
                })?;
        Ok((url, new_up))
    }

    /// Where the checkout stays, its pins are still brought back when missing.
    fn stay(
        &self,
        out: &mut Updated,
        t: &git::Tracking,
        checking: super::pins::Ahead,
    ) -> anyhow::Result<()> {
        let name = &self.entry.name;
        let text =
            git::settings_at(self.repo, t.head).map_err(|e| settings_failure(name, self.dir, e))?;
        out.artifacts = super::pins::apply(
            self.cx,
            name,
            self.repo,
            t.head,
            text.as_deref(),
            Some(checking),
            || Ok(()),
        )?;
        Ok(())
    }

    fn history(&self, t: &git::Tracking, new_up: Oid, ahead: usize) -> History {
        let before = t.upstream_oid;
        let rewritten = before.is_some_and(|old| {
            old != new_up && !self.repo.graph_descendant_of(new_up, old).unwrap_or(false)
        });
        let own = match before {
            Some(old) => self
                .repo
                .graph_ahead_behind(t.head, old)
                .map_or(ahead, |(a, _)| a),
            None => ahead,
        };
        History { rewritten, own }
    }

    /// Nothing new upstream but commits here: say what to do with them.
    fn own_commits_warning(&self, t: &git::Tracking, h: &History, ahead: usize) -> String {
        let name = &self.entry.name;
        let dir = sh(self.dir);
        if h.rewritten && h.own == 0 && self.entry.trust.is_some() {
            format!(
                "{} of team '{name}' was rewritten to an older commit; your checkout keeps the verified history ({})",
                t.upstream,
                retrust(name, &self.entry.url)
            )
        } else if h.rewritten && h.own == 0 {
            format!(
                "{} of team '{name}' was rewritten to an older commit; your checkout still has {} the remote dropped (to follow it: git -C {dir} reset --keep {})",
                t.upstream,
                git::commits(ahead),
                t.upstream
            )
        } else {
            format!(
                "team '{name}' has {} not pushed to {} (push them: git -C {dir} push)",
                git::commits(ahead),
                t.upstream
            )
        }
    }

    /// The refusal for commits on both sides: a force-push, or work not pushed.
    fn diverged(
        &self,
        t: &git::Tracking,
        h: &History,
        new_up: Oid,
        (ahead, behind): (usize, usize),
    ) -> anyhow::Result<TeamError> {
        let team = self.entry.name.clone();
        let upstream = t.upstream.clone();
        let dir = self.dir.to_path_buf();
        Ok(match (h.rewritten, self.entry.trust.is_some(), h.own) {
            (true, true, _) => TeamError::RewrittenSigned {
                team,
                upstream,
                url: self.entry.url.clone(),
            },
            (true, false, 0) => TeamError::RewrittenNoOwn {
                team,
                upstream,
                dir,
            },
            (true, false, own) => TeamError::RewrittenWithOwn {
                team,
                upstream,
                own: git::commits(own),
                dir,
            },
            (false, true, _) => {
                // An upstream that left the verified history (rewound, then pushed on) is a
                // rewrite, whatever the order of the fetches that saw it.
                super::signed::check_descends(self.repo, self.entry, new_up, "the new commit")?;
                TeamError::DivergedSigned {
                    team,
                    upstream,
                    ahead: git::commits(ahead),
                    behind: git::commits(behind),
                    base: git::short(
                        self.repo
                            .merge_base(t.head, new_up)
                            .map_err(|e| git_failure(&self.entry.name, self.dir, &e))?,
                    ),
                    dir,
                }
            }
            (false, false, _) => TeamError::Diverged {
                team,
                upstream,
                ahead: git::commits(ahead),
                behind: git::commits(behind),
                dir,
            },
        })
    }

    /// The new commit's `tcli.toml`, refused when it does not parse.
    fn check_new_settings(
        &self,
        t: &git::Tracking,
        url: &str,
        new_up: Oid,
    ) -> anyhow::Result<Option<String>> {
        let name = &self.entry.name;
        let text =
            git::settings_at(self.repo, new_up).map_err(|e| settings_failure(name, self.dir, e))?;
        if let Some(Err(e)) = text.as_deref().map(str::parse::<toml::Table>) {
            let text = text.as_deref().unwrap_or_default();
            let line = e
                .span()
                .map(|s| {
                    format!(
                        " at line {}",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            return Err(TeamError::NewSettingsSyntax {
                team: name.clone(),
                commit: git::short(new_up),
                line,
                why: e.message().to_string(),
                url: url.to_string(),
                head: git::short(t.head),
            }
            .into());
        }
        Ok(text)
    }

    /// Moves the checkout and its branch to `new_up`, or, failing midway, puts both back
    /// (`checkout::switch`) so the refusal's "nothing was changed" holds.
    fn fast_forward(&self, t: &git::Tracking, new_up: Oid) -> anyhow::Result<()> {
        let name = &self.entry.name;
        let move_branch = || {
            self.repo.find_reference(&t.branch_ref)?.set_target(
                new_up,
                &format!("tcli team update: fast-forward to {}", git::short(new_up)),
            )?;
            Ok(())
        };
        // libgit2's message quotes the path that failed, which the pusher chose.
        let shown = |e: &git2::Error| tcli_core::prim::text::sanitize_line(e.message(), 1000);
        super::checkout::switch(self.repo, t.head, new_up, move_branch).map_err(|e| match e {
            super::checkout::Failed::Restored(why) => TeamError::FastForward {
                team: name.clone(),
                dir: self.dir.to_path_buf(),
                why: shown(&why),
                commit: git::short(new_up),
                url: self.entry.url.clone(),
            },
            super::checkout::Failed::Left { why, restore } => TeamError::FastForwardLeft {
                team: name.clone(),
                dir: self.dir.to_path_buf(),
                why: shown(&why),
                restore: shown(&restore),
            },
        })?;
        Ok(())
    }
}

fn settings_failure(name: &str, dir: &Path, e: git::SettingsAt) -> anyhow::Error {
    match e {
        git::SettingsAt::Git(e) => git_failure(name, dir, &e),
        too_large @ git::SettingsAt::TooLarge(_) => TeamError::SettingsTooLarge {
            team: name.to_string(),
            what: too_large.to_string(),
        }
        .into(),
    }
}

fn git_failure(name: &str, dir: &Path, e: &git2::Error) -> anyhow::Error {
    TeamError::Git {
        team: name.to_string(),
        dir: dir.to_path_buf(),
        why: e.message().to_string(),
    }
    .into()
}

fn not_tracking(entry: &TeamEntry, dir: &Path, e: NoTracking) -> anyhow::Error {
    let name = &entry.name;
    let (team, dir) = (name.to_string(), dir.to_path_buf());
    match e {
        NoTracking::Detached(oid) => TeamError::Detached {
            team,
            commit: git::short(oid),
            dir,
        },
        NoTracking::Unborn => TeamError::Unborn {
            team,
            dir,
            signed: entry.trust.as_ref().map(|_| entry.url.clone()),
        },
        NoTracking::NoUpstream(branch) => TeamError::NoUpstream { team, branch, dir },
        NoTracking::Git(e) => return git_failure(name, &dir, &e),
    }
    .into()
}
