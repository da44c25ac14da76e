//! The git2 steps team repos are built from: opening a checkout, fetching with credentials and
//! terminal progress, reading where a branch stands against its upstream, listing local
//! changes, and reading the modules and settings of a commit without checking it out. No
//! policy here: `update`, `status` and `remove` decide what a state means.

use git2::{
    Cred, CredentialType, FetchOptions, Oid, RemoteCallbacks, Repository, Status, StatusOptions,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tcli_core::team_dirs;
use tcli_core::ui;

/// Opens the checkout at `dir` itself, never a repository above it.
pub(crate) fn open(dir: &Path) -> Result<Repository, git2::Error> {
    Repository::open(dir)
}

/// The seven-character abbreviation users know from `git log --oneline`.
pub(crate) fn short(oid: Oid) -> String {
    oid.to_string()[..7].to_string()
}

/// Remote callbacks: credentials from the ssh agent or git's credential helpers, and on a
/// terminal a progress line every few seconds (quiet otherwise, and for fast transfers).
pub(crate) fn callbacks(label: &str) -> RemoteCallbacks<'static> {
    let mut cb = RemoteCallbacks::new();
    let mut tried = CredentialType::empty();
    cb.credentials(move |url, username, allowed| {
        // libgit2 asks again after a rejected credential; trying each kind once avoids a loop.
        if allowed.contains(CredentialType::SSH_KEY) && !tried.contains(CredentialType::SSH_KEY) {
            tried |= CredentialType::SSH_KEY;
            return Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
            && !tried.contains(CredentialType::USER_PASS_PLAINTEXT)
        {
            tried |= CredentialType::USER_PASS_PLAINTEXT;
            let config = git2::Config::open_default()?;
            return Cred::credential_helper(&config, url, username);
        }
        if allowed.contains(CredentialType::DEFAULT) && !tried.contains(CredentialType::DEFAULT) {
            tried |= CredentialType::DEFAULT;
            return Cred::default();
        }
        Err(git2::Error::from_str(
            "no credentials were accepted (tried the ssh agent and git's credential helpers)",
        ))
    });
    if ui::interactive() {
        let label = label.to_string();
        let start = Instant::now();
        let mut next = start + Duration::from_secs(2);
        cb.transfer_progress(move |p| {
            let now = Instant::now();
            if now >= next && p.total_objects() > 0 {
                next = now + Duration::from_secs(2);
                ui::status(&format!(
                    "{label}: received {}/{} objects ({} KiB)",
                    p.received_objects(),
                    p.total_objects(),
                    p.received_bytes() / 1024
                ));
            }
            true
        });
    }
    cb
}

/// Fetch options with [`callbacks`].
pub(crate) fn fetch_options(label: &str) -> FetchOptions<'static> {
    let mut fo = FetchOptions::new();
    fo.remote_callbacks(callbacks(label));
    fo
}

/// Dates the checkout's last contact with its remote (see `team_dirs::last_fetch`).
pub(crate) fn mark_fetched(repo: &Repository) -> std::io::Result<()> {
    std::fs::write(repo.path().join(team_dirs::FETCH_MARKER), b"")
}

/// Where the checked-out branch stands.
pub(crate) struct Tracking {
    /// The branch name (`main`).
    pub branch: String,
    /// Its full ref (`refs/heads/main`).
    pub branch_ref: String,
    /// Its commit.
    pub head: Oid,
    /// The remote the upstream belongs to (`origin`).
    pub remote: String,
    /// The upstream's short name (`origin/main`).
    pub upstream: String,
    /// The upstream's commit as last fetched; `None` when that ref does not exist (yet).
    pub upstream_oid: Option<Oid>,
}

/// Why a checkout has no [`Tracking`].
pub(crate) enum NoTracking {
    /// HEAD is not on a branch.
    Detached(Oid),
    /// The branch has no commit yet.
    Unborn,
    /// The branch has no upstream configured.
    NoUpstream(String),
    /// git itself failed.
    Git(git2::Error),
}

impl From<git2::Error> for NoTracking {
    fn from(e: git2::Error) -> Self {
        NoTracking::Git(e)
    }
}

/// The checked-out branch and its upstream as last fetched (local data only).
pub(crate) fn tracking(repo: &Repository) -> Result<Tracking, NoTracking> {
    let head = match repo.head() {
        Ok(h) => h,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => return Err(NoTracking::Unborn),
        Err(e) => return Err(e.into()),
    };
    let head_oid = head.target().ok_or(NoTracking::Unborn)?;
    if !head.is_branch() {
        return Err(NoTracking::Detached(head_oid));
    }
    let branch_ref = head.name().unwrap_or_default().to_string();
    let branch = head.shorthand().unwrap_or_default().to_string();
    let upstream_ref = match repo.branch_upstream_name(&branch_ref) {
        Ok(b) => b.as_str().unwrap_or_default().to_string(),
        Err(_) => return Err(NoTracking::NoUpstream(branch)),
    };
    let remote = repo
        .branch_upstream_remote(&branch_ref)?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let upstream_oid = repo.refname_to_id(&upstream_ref).ok();
    let upstream = upstream_ref
        .strip_prefix("refs/remotes/")
        .unwrap_or(&upstream_ref)
        .to_string();
    Ok(Tracking {
        branch,
        branch_ref,
        head: head_oid,
        remote,
        upstream,
        upstream_oid,
    })
}

/// Paths with uncommitted changes: staged, modified, deleted or untracked (ignored files do
/// not count). Sorted, as `git status` shows them.
pub(crate) fn changes(repo: &Repository) -> Result<Vec<String>, git2::Error> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .include_ignored(false)
        .recurse_untracked_dirs(false)
        .exclude_submodules(true);
    let statuses = repo.statuses(Some(&mut opts))?;
    let mut out: Vec<String> = statuses
        .iter()
        .filter(|e| e.status() != Status::CURRENT && !e.status().contains(Status::IGNORED))
        .map(|e| e.path().unwrap_or("?").to_string())
        .collect();
    out.sort();
    Ok(out)
}

/// The exec modules of a commit's `bin/`: name to blob and mode.
pub(crate) type Modules = BTreeMap<String, (Oid, i32)>;

/// The exec modules a commit ships: executable files named `tcli-*` in `bin/`, by module
/// name, with what identifies their content (blob id and mode). `files::check_tree` refuses a
/// commit where such a name is anything else.
pub(crate) fn modules_at(repo: &Repository, commit: Oid) -> Result<Modules, git2::Error> {
    let tree = repo.find_commit(commit)?.tree()?;
    let mut out = BTreeMap::new();
    let Ok(bin) = tree.get_path(Path::new("bin")) else {
        return Ok(out);
    };
    let Ok(bin) = repo.find_tree(bin.id()) else {
        return Ok(out);
    };
    for e in bin.iter() {
        let mode = e.filemode();
        // 0o100755 is an executable file; anything else is no module.
        if mode != 0o100755 {
            continue;
        }
        if let Some(name) = e
            .name()
            .and_then(|n| n.strip_prefix(tcli_core::sources::exec::PREFIX))
        {
            out.insert(name.to_string(), (e.id(), mode));
        }
    }
    Ok(out)
}

/// Why the `tcli.toml` of a commit could not be read.
#[derive(Debug)]
pub(crate) enum SettingsAt {
    /// git could not read the commit or the file.
    Git(git2::Error),
    /// The file is larger than tcli reads (`tcli_core::settings::SETTINGS_MAX`): nothing a
    /// team's history holds makes tcli parse a huge file.
    TooLarge(usize),
}

impl From<git2::Error> for SettingsAt {
    fn from(e: git2::Error) -> Self {
        SettingsAt::Git(e)
    }
}

impl std::fmt::Display for SettingsAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsAt::Git(e) => f.write_str(e.message()),
            SettingsAt::TooLarge(n) => write!(
                f,
                "tcli.toml is {n} bytes, larger than {} MiB, too large for a settings file",
                tcli_core::settings::SETTINGS_MAX >> 20
            ),
        }
    }
}

/// The blob `id`, or its size when that is over `max` bytes. The size comes from the object's
/// header, read before anything is inflated: a blob from a commit nobody has verified yet may
/// be a gigabyte of one byte repeated, which packs small and would inflate whole.
pub(crate) fn bounded_blob(
    repo: &Repository,
    id: Oid,
    max: u64,
) -> Result<Result<git2::Blob<'_>, usize>, git2::Error> {
    let (size, kind) = repo.odb()?.read_header(id)?;
    if size as u64 > max {
        return Ok(Err(size));
    }
    if kind != git2::ObjectType::Blob {
        return Err(git2::Error::from_str(&format!(
            "object {} is a {kind}, not a file",
            short(id)
        )));
    }
    Ok(Ok(repo.find_blob(id)?))
}

/// The text of `tcli.toml` in a commit; `None` when it has none.
pub(crate) fn settings_at(repo: &Repository, commit: Oid) -> Result<Option<String>, SettingsAt> {
    let tree = repo.find_commit(commit)?.tree()?;
    let Ok(entry) = tree.get_path(Path::new("tcli.toml")) else {
        return Ok(None);
    };
    let blob = bounded_blob(repo, entry.id(), tcli_core::settings::SETTINGS_MAX)?
        .map_err(SettingsAt::TooLarge)?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// The content of the file at `path` in `commit`, without checking it out; `None` when there
/// is no such file, `Err(Ok(size))` when it is larger than `max` bytes (known before it is
/// inflated, see [`bounded_blob`]).
pub(crate) fn blob_at(
    repo: &Repository,
    commit: Oid,
    path: &Path,
    max: u64,
) -> Result<Option<Vec<u8>>, Result<usize, git2::Error>> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(Err)?;
    let Ok(entry) = tree.get_path(path) else {
        return Ok(None);
    };
    let blob = bounded_blob(repo, entry.id(), max)
        .map_err(Err)?
        .map_err(Ok)?;
    Ok(Some(blob.content().to_vec()))
}

/// A clone or fetch failure in words a user can act on. libgit2 calls a local path that does
/// not exist an "unsupported URL protocol"; say what is really wrong.
pub(crate) fn transfer_error(url: &str, e: &git2::Error) -> String {
    let local = !url.contains("://") && (url.starts_with('/') || url.starts_with('.'));
    if local && !Path::new(url).exists() {
        return format!("the path {url} does not exist");
    }
    e.message().trim_end_matches('.').to_string()
}

/// "1 commit", "3 commits".
pub(crate) fn commits(n: usize) -> String {
    format!("{n} commit{}", if n == 1 { "" } else { "s" })
}
