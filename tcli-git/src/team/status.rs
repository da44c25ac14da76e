//! `team status`: where each checkout stands, from local data only (no network): its branch and
//! commit, the upstream as last fetched, ahead/behind, uncommitted changes, last fetch time, and
//! for signed teams the trust root and the last verified commit (from the registry).

use super::git::{self, NoTracking};
use git2::Repository;
use serde::Serialize;
use std::path::Path;
use tcli_core::context::Context;
use tcli_core::team_dirs::{self, TeamEntry};

/// The state of one checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum State {
    /// On a branch with an upstream.
    Ok,
    /// The checkout directory is gone.
    Missing,
    /// The directory is not a git repository.
    NotARepo,
    /// HEAD is not on a branch.
    Detached,
    /// The branch has no upstream.
    NoUpstream,
    /// No commit yet.
    Empty,
}

/// One team's status (the shape of `team status --json`, documented in docs/team-repos.md).
#[derive(Debug, Serialize)]
pub(crate) struct TeamStatus {
    /// The team name.
    pub name: String,
    /// Where it was added from.
    pub url: String,
    /// The checkout.
    pub path: String,
    /// See [`State`].
    pub state: State,
    /// The checked-out branch.
    pub branch: Option<String>,
    /// The checked-out commit.
    pub head: Option<String>,
    /// The upstream (`origin/main`).
    pub upstream: Option<String>,
    /// The upstream's commit as last fetched.
    pub upstream_head: Option<String>,
    /// Local commits not on the upstream.
    pub ahead: Option<usize>,
    /// Upstream commits not checked out.
    pub behind: Option<usize>,
    /// Uncommitted changes exist.
    pub dirty: Option<bool>,
    /// Paths with uncommitted changes.
    pub changes: Vec<String>,
    /// Last fetch, seconds since the epoch.
    pub last_fetch: Option<u64>,
    /// What is wrong, when the state is not `ok`.
    pub problem: Option<String>,
    /// Signatures: the policy, the trust root and how far verification has come.
    pub trust: Trust,
    /// Pinned artifacts that went missing (`<module>: image <ref>`, `<module>: library
    /// <path>`); `tcli team update` restores them.
    pub missing: Vec<String>,
}

/// The signing side of a team's status (docs/team-repos.md, "Signed teams").
#[derive(Debug, Serialize)]
pub(crate) struct Trust {
    /// `signed` (commits must be signed) or `unsigned`.
    pub policy: &'static str,
    /// The user demanded signatures at `team add` (`--require-signed`).
    pub demanded: bool,
    /// The trust root commit.
    pub root: Option<String>,
    /// The last verified commit.
    pub verified: Option<String>,
    /// Who signed the current HEAD (its roster id), when HEAD is the last verified commit.
    pub signer: Option<String>,
    /// The fingerprint of that key.
    pub signer_key: Option<String>,
}

/// The status of one team: what the registry and the store say, then, when the checkout is
/// there and a repository, its changes, its signing policy and where its branch stands.
pub(crate) fn status(cx: &Context, entry: &TeamEntry) -> TeamStatus {
    let dir = team_dirs::checkout_dir(cx, &entry.name);
    let mut s = TeamStatus::recorded(cx, entry, &dir);
    if !dir.exists() {
        s.state = State::Missing;
        s.problem = Some(format!(
            "the checkout is missing; clone it again: tcli team remove {0} && tcli team add {1} --name {0}",
            entry.name, entry.url
        ));
        return s;
    }
    let repo = match git::open(&dir) {
        Ok(r) => r,
        Err(e) => {
            s.state = State::NotARepo;
            s.problem = Some(format!("not a git repository: {}", e.message()));
            return s;
        }
    };
    match git::changes(&repo) {
        Ok(c) => {
            s.dirty = Some(!c.is_empty());
            s.changes = c;
        }
        Err(e) => s.problem = Some(e.message().to_string()),
    }
    s.read_trust(&repo, entry);
    s.read_position(&repo);
    s
}

impl TeamStatus {
    /// What is known without opening the checkout: the registry's entry, the last fetch and
    /// the pinned artifacts that are missing.
    fn recorded(cx: &Context, entry: &TeamEntry, dir: &Path) -> TeamStatus {
        let demanded = entry.trust.as_ref().is_some_and(|t| t.require_signed);
        TeamStatus {
            name: entry.name.clone(),
            url: entry.url.clone(),
            path: dir.display().to_string(),
            state: State::Ok,
            branch: None,
            head: None,
            upstream: None,
            upstream_head: None,
            ahead: None,
            behind: None,
            dirty: None,
            changes: Vec::new(),
            last_fetch: team_dirs::last_fetch(dir)
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
            problem: None,
            trust: Trust {
                policy: if demanded { "signed" } else { "unsigned" },
                demanded,
                root: entry.trust.as_ref().map(|t| t.root.clone()),
                verified: entry.trust.as_ref().and_then(|t| t.verified.clone()),
                signer: None,
                signer_key: None,
            },
            missing: tcli_core::sources::pinned::read(cx)
                .teams
                .get(&entry.name)
                .map(|rec| super::pins::missing(cx, rec))
                .unwrap_or_default(),
        }
    }

    /// Whether HEAD's roster asks for signatures, and who signed HEAD when it is the commit
    /// verified last.
    fn read_trust(&mut self, repo: &Repository, entry: &TeamEntry) {
        let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
            return;
        };
        // Reading the roster is parsing only: no signature is checked here.
        let asks = git::settings_at(repo, head)
            .ok()
            .flatten()
            .and_then(|text| super::signed::roster_of(&text).ok())
            .is_some_and(|r| r.require_signed);
        if asks {
            self.trust.policy = "signed";
        }
        if self.trust.verified.as_deref() == Some(head.to_string().as_str()) {
            if let Some(t) = &entry.trust {
                self.trust.signer = t.signer.clone();
                self.trust.signer_key = t.signer_key.clone();
            }
        }
    }

    /// The branch, its upstream as last fetched and ahead/behind, or why there are none.
    fn read_position(&mut self, repo: &Repository) {
        match git::tracking(repo) {
            Ok(t) => {
                self.branch = Some(t.branch);
                self.head = Some(t.head.to_string());
                self.upstream = Some(t.upstream);
                self.upstream_head = t.upstream_oid.map(|o| o.to_string());
                if let Some(up) = t.upstream_oid {
                    if let Ok((a, b)) = repo.graph_ahead_behind(t.head, up) {
                        self.ahead = Some(a);
                        self.behind = Some(b);
                    }
                }
            }
            Err(NoTracking::Detached(oid)) => {
                self.state = State::Detached;
                self.head = Some(oid.to_string());
                self.problem = Some("HEAD is not on a branch".into());
            }
            Err(NoTracking::Unborn) => {
                self.state = State::Empty;
                self.problem = Some("no commits yet".into());
            }
            Err(NoTracking::NoUpstream(b)) => {
                self.state = State::NoUpstream;
                self.problem = Some(format!("branch '{b}' has no upstream"));
                self.branch = Some(b);
                self.head = repo
                    .head()
                    .ok()
                    .and_then(|h| h.target())
                    .map(|o| o.to_string());
            }
            Err(NoTracking::Git(e)) => self.problem = Some(e.message().to_string()),
        }
    }
}
