//! How a team's objects travel (docs/team-repos.md, "Transport"): the user's own `git` clones
//! and fetches (so whatever `git ls-remote <url>` reaches, tcli reaches, with the same ssh
//! config, credentials and proxies), run safely by `tcli_proc::git`; libgit2 keeps everything
//! local, the checkout included. Where no git is on PATH, libgit2's own transport does the
//! network step, said once. Ctrl-C stops git with its process group and leaves nothing
//! behind: the clone's temp dir goes, a fetch never moved a ref.

use super::git;
use crate::errors::TeamError;
use anyhow::Context as _;
use git2::build::CheckoutBuilder;
use git2::Repository;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;
use tcli_core::ui;
use tcli_plugin_sdk::signals::Deferred;
use tcli_proc::git::{self as cli, Failure, Terminal};

/// Which transport moves the objects.
pub(crate) enum Transport {
    /// The user's `git` program.
    Cli(PathBuf),
    /// libgit2's own, where no git is on PATH.
    Builtin,
}

impl Transport {
    /// The git on PATH, else libgit2's transport (with a note, once per run).
    pub(crate) fn pick() -> Transport {
        if let Some(p) = cli::program() {
            return Transport::Cli(p);
        }
        static SAID: AtomicBool = AtomicBool::new(false);
        if !SAID.swap(true, Ordering::Relaxed) {
            ui::warn(
                "no git on PATH: tcli fetches with its built-in libgit2 transport, which reads neither ~/.ssh/config nor core.sshCommand (install git to use them)",
            );
        }
        Transport::Builtin
    }
}

fn terminal() -> Terminal {
    Terminal::detect(ui::interactive())
}

/// What a git run came to: done, or the error for team `team` that `fail` makes of git's
/// reason. A signal during the run (Ctrl-C) is [`TeamError::TransferInterrupted`].
fn run_git(
    cmd: std::process::Command,
    team: &str,
    url: &str,
    fail: impl FnOnce(String) -> TeamError,
) -> anyhow::Result<()> {
    let region = Deferred::enter();
    let ran = cli::run(cmd, terminal(), &|| region.pending().is_some());
    if let Some(signal) = region.leave() {
        return Err(TeamError::TransferInterrupted {
            team: team.to_string(),
            url: url.to_string(),
            signal,
        }
        .into());
    }
    Err(match ran {
        Ok(()) => return Ok(()),
        Err(Failure::NotRun(e)) => fail(format!("cannot run git: {e}")),
        Err(Failure::Failed(why)) => fail(why),
        // A stop always comes with a signal, handled above.
        Err(Failure::Interrupted) => fail("interrupted".into()),
    }
    .into())
}

/// Clones `url` into the empty dir `into` as team `team`: git fetches the default branch
/// (objects and refs only, no checkout, no tags), then libgit2 checks it out, as it always
/// did (no filter, hook or submodule runs).
pub(crate) fn clone(team: &str, url: &str, into: &Path) -> anyhow::Result<Repository> {
    let failed = |why: String| TeamError::Clone {
        team: team.to_string(),
        url: url.to_string(),
        why,
    };
    let repo = match Transport::pick() {
        Transport::Builtin => git2::build::RepoBuilder::new()
            .fetch_options(git::fetch_options(&format!("team '{team}'")))
            .clone(url, into)
            .map_err(|e| failed(git::transfer_error(url, &e)))?,
        Transport::Cli(program) => {
            let cmd = cli::clone_command(&program, url, into, terminal());
            run_git(cmd, team, url, failed)?;
            let repo = Repository::open(into).map_err(|e| failed(e.message().to_string()))?;
            if repo.head().is_ok() {
                // A fresh dir: nothing there to lose, everything to write.
                repo.checkout_head(Some(CheckoutBuilder::new().force()))
                    .map_err(|e| failed(e.message().to_string()))?;
            }
            repo
        }
    };
    git::mark_fetched(&repo)
        .with_context(|| format!("cannot write in {}", repo.path().display()))?;
    Ok(repo)
}

/// Fetches the one branch the checkout tracks (`t`) from its remote into its upstream ref,
/// nothing else; `url` is the remote's, for errors. Fails with the error `fail` makes of the
/// reason; a branch gone from the remote is [`TeamError::UpstreamGone`].
pub(crate) fn fetch(
    repo: &Repository,
    team: &str,
    t: &git::Tracking,
    url: &str,
    fail: impl Fn(String) -> TeamError,
) -> anyhow::Result<()> {
    match Transport::pick() {
        Transport::Builtin => {
            let mut remote = repo
                .find_remote(&t.remote)
                .map_err(|e| fail(e.message().to_string()))?;
            let mut fo = git::fetch_options(&format!("team '{team}'"));
            remote
                .fetch(&[] as &[&str], Some(&mut fo), None)
                .map_err(|e| fail(git::transfer_error(url, &e)))?;
        }
        Transport::Cli(program) => {
            let merge = repo
                .branch_upstream_merge(&t.branch_ref)
                .map_err(|e| fail(e.message().to_string()))?;
            let merge = merge.as_str().unwrap_or_default();
            let refspec = format!("+{merge}:refs/remotes/{}", t.upstream);
            let term = terminal();
            let mut cmd = cli::command(&program, Some(repo.path()), term);
            cmd.args(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules"]);
            if term.progress {
                cmd.arg("--progress");
            }
            cmd.arg("--").arg(&t.remote).arg(&refspec);
            let started = SystemTime::now();
            let ran = run_git(cmd, team, url, |why| {
                if why.contains("couldn't find remote ref") {
                    TeamError::UpstreamGone {
                        team: team.to_string(),
                        upstream: t.upstream.clone(),
                        branch: t.branch.clone(),
                        url: url.to_string(),
                        dir: repo.workdir().unwrap_or(repo.path()).to_path_buf(),
                    }
                } else {
                    fail(why)
                }
            });
            if ran.is_err() {
                sweep(repo.path(), started);
            }
            ran?;
        }
    }
    git::mark_fetched(repo).with_context(|| format!("cannot write in {}", repo.path().display()))
}

/// Removes the temp files a killed fetch left in `git_dir` (a pack half received), made since
/// `since`; git's own are older or named otherwise.
fn sweep(git_dir: &Path, since: SystemTime) {
    let pack = git_dir.join("objects/pack");
    let Ok(entries) = std::fs::read_dir(&pack) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let fresh = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|m| m >= since);
        if fresh && name.to_string_lossy().starts_with("tmp_") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
