//! The cheap, read-only view of team repos the warm path needs: their names, `bin/` dirs and
//! last fetch times, in `team list` order, from one small file in the data dir and a few stats.
//! No git repository is opened here; `team` owns cloning, updating and writing that file.
//! A signed team's checkout that is not at its verified commit is withheld here, once, for
//! every reader above (docs/team-repos.md, "What a signed team guarantees").

use crate::context::Context;
use crate::error::Failure;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
pub use tcli_plugin_sdk::team_checkout::{self, Withheld};

/// One configured team repo, as recorded in `<data dir>/teams.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TeamEntry {
    /// The team name (directory under `<data dir>/teams`).
    pub name: String,
    /// The remote URL or path it was added from.
    pub url: String,
    /// The trust root recorded by `team add` (docs/team-repos.md, "Signed teams"); absent for
    /// a team whose repo has no roster and was not added with `--require-signed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustRoot>,
}

/// What `team add` trusted, and how far verification has come since.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct TrustRoot {
    /// `--require-signed`: the user demands signatures whatever the repo's `[trust]` says.
    #[serde(default)]
    pub require_signed: bool,
    /// The commit cloned by `team add`.
    pub root: String,
    /// The roster's key fingerprints at that commit.
    #[serde(default)]
    pub fingerprints: Vec<String>,
    /// The last commit verified (by `team add`, `update` or `verify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// The roster id of who signed it; `None` when it was taken unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The fingerprint of the key that signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_key: Option<String>,
}

/// The file tcli touches in a checkout's `.git/` after every successful clone or fetch. A clone
/// writes no `FETCH_HEAD`, so this is what dates a repo that was never fetched since.
pub const FETCH_MARKER: &str = "tcli-fetched";

/// The registry file.
pub fn registry_path(cx: &Context) -> PathBuf {
    cx.data_dir.join("teams.json")
}

/// Every configured team in order, in force or not; a missing or unreadable file means none.
/// For what concerns the checkouts themselves (the stale hint, the store's prune, completing
/// team names), never for what a team gives: that is [`teams`].
pub fn registered(cx: &Context) -> Vec<TeamEntry> {
    judged(cx).into_iter().map(|(t, _)| t).collect()
}

/// The configured teams in force, in order: every team but a signed one whose checkout is not
/// at the commit tcli last verified ([`withheld`]). What the warm path, settings and pins read,
/// so a commit pulled by hand gives nothing until `tcli team update` verified it.
pub fn teams(cx: &Context) -> Vec<TeamEntry> {
    judged(cx)
        .into_iter()
        .filter_map(|(t, state)| state.is_ok().then_some(t))
        .collect()
}

/// The signed teams whose checkout is withheld, in order, each with why.
pub fn withheld(cx: &Context) -> Vec<Withheld> {
    judged(cx)
        .into_iter()
        .filter_map(|(_, state)| state.err())
        .collect()
}

type Judged = Vec<(TeamEntry, Result<(), Withheld>)>;

/// The registry and each checkout's state, read once per process once [`read_once`] was
/// called; the `tcli` binary does, since it never changes the registry or a checkout itself
/// (team verbs run in the git helper, which reads them afresh each time). One dispatch asks
/// several readers (the warning, the index, the search path); they all see one answer.
static JUDGED: std::sync::OnceLock<(PathBuf, Judged)> = std::sync::OnceLock::new();
static READ_ONCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Lets this process read the registry and the checkouts' states once (see [`JUDGED`]).
pub fn read_once() {
    READ_ONCE.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn judged(cx: &Context) -> Judged {
    let read = || -> Judged {
        let entries: Vec<TeamEntry> = std::fs::read(registry_path(cx))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        entries
            .into_iter()
            .map(|t| {
                let state = state(cx, &t);
                (t, state)
            })
            .collect()
    };
    if !READ_ONCE.load(std::sync::atomic::Ordering::Relaxed) {
        return read();
    }
    match JUDGED.get_or_init(|| (cx.data_dir.clone(), read())) {
        (dir, judged) if *dir == cx.data_dir => judged.clone(),
        _ => read(),
    }
}

/// The one rule (the SDK's, which modules reading team files apply too): a reading of
/// `.git/HEAD` and its ref and a few stats, no repository opened.
pub fn state(cx: &Context, team: &TeamEntry) -> Result<(), Withheld> {
    let verified = team.trust.as_ref().and_then(|t| t.verified.as_deref());
    team_checkout::check(&team.name, &checkout_dir(cx, &team.name), verified)
}

/// The configured teams in order, for commands about to change them: a missing file means
/// none, but an unreadable or corrupt one is an error (rewriting it would lose teams).
pub fn teams_strict(cx: &Context) -> anyhow::Result<Vec<TeamEntry>> {
    let path = registry_path(cx);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(Failure::RegistryUnreadable { path, error }.into()),
    };
    serde_json::from_slice(&bytes).map_err(|error| {
        Failure::RegistryCorrupt {
            path,
            error,
            teams_dir: cx.teams_dir(),
        }
        .into()
    })
}

/// The checkout of a team.
pub fn checkout_dir(cx: &Context, name: &str) -> PathBuf {
    cx.teams_dir().join(name)
}

/// Each team's `bin/`, in team order.
pub fn bin_dirs(cx: &Context) -> Vec<PathBuf> {
    teams(cx)
        .iter()
        .map(|t| checkout_dir(cx, &t.name).join("bin"))
        .collect()
}

/// When a checkout last heard from its remote: the newer of tcli's marker and `FETCH_HEAD`
/// (so a `git pull` by hand counts too). Two stats; `None` when neither exists.
pub fn last_fetch(checkout: &Path) -> Option<SystemTime> {
    let git = checkout.join(".git");
    [git.join(FETCH_MARKER), git.join("FETCH_HEAD")]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
}
