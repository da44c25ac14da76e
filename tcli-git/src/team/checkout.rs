//! Moving a team checkout's working tree and index from one commit to another, all or nothing
//! (docs/team-repos.md, "Update: fast-forward or refuse"): a checkout that fails midway (a path
//! the file system will not take, a disk that fills) is put back exactly as it was, so "nothing
//! was changed" stays true and the next update does not find the leftovers as local changes.

use git2::build::CheckoutBuilder;
use git2::{Delta, DiffOptions, Oid, Repository, Tree};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Why a switch did not happen.
#[derive(Debug)]
pub(crate) enum Failed {
    /// It failed, and the working tree, index and HEAD are as they were.
    Restored(git2::Error),
    /// It failed, and putting the old commit back failed too.
    Left {
        /// Why the switch failed.
        why: git2::Error,
        /// Why the restore failed.
        restore: git2::Error,
    },
}

impl From<git2::Error> for Failed {
    fn from(e: git2::Error) -> Self {
        Failed::Restored(e)
    }
}

/// Checks out `to` over a clean checkout of `from`, then runs `then` (which moves the branch);
/// if either fails, restores `from`. Safe mode checks every path for conflicts before writing,
/// and an ignored file in the way is a conflict too (it could not be put back).
pub(crate) fn switch(
    repo: &Repository,
    from: Oid,
    to: Oid,
    then: impl FnOnce() -> Result<(), git2::Error>,
) -> Result<(), Failed> {
    let old = repo.find_commit(from)?.tree()?;
    let new = repo.find_commit(to)?.tree()?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| git2::Error::from_str("the repository has no working tree"))?;
    let made = not_there_yet(repo, workdir, &old, &new)?;
    let moved = repo
        .checkout_tree(
            new.as_object(),
            Some(CheckoutBuilder::new().safe().overwrite_ignored(false)),
        )
        .and_then(|()| then());
    let Err(why) = moved else {
        return Ok(());
    };
    match restore(repo, workdir, &old, &made) {
        Ok(()) => Err(Failed::Restored(why)),
        Err(restore) => Err(Failed::Left { why, restore }),
    }
}

/// The paths `new` adds over `old` that do not exist in the working tree yet, with each of
/// their directories that does not exist either: all of it is the checkout's to take back.
fn not_there_yet(
    repo: &Repository,
    workdir: &Path,
    old: &Tree,
    new: &Tree,
) -> Result<BTreeSet<PathBuf>, git2::Error> {
    let diff = repo.diff_tree_to_tree(Some(old), Some(new), Some(&mut DiffOptions::new()))?;
    let mut made = BTreeSet::new();
    for d in diff.deltas() {
        if !matches!(d.status(), Delta::Added | Delta::Typechange) {
            continue;
        }
        let Some(rel) = d.new_file().path() else {
            continue;
        };
        for p in rel.ancestors().filter(|p| !p.as_os_str().is_empty()) {
            if workdir.join(p).symlink_metadata().is_err() {
                made.insert(p.to_path_buf());
            }
        }
    }
    Ok(made)
}

/// Puts `old` back: removes what the failed checkout created (shallowest first, a directory
/// with all it holds, since it did not exist before), then checks `old` out forced over the
/// rest, which also writes the index back. The in-memory index is read again from disk first:
/// the failed checkout may have changed it without writing it.
fn restore(
    repo: &Repository,
    workdir: &Path,
    old: &Tree,
    made: &BTreeSet<PathBuf>,
) -> Result<(), git2::Error> {
    for rel in made {
        let path = workdir.join(rel);
        let gone = match path.symlink_metadata() {
            Err(_) => Ok(()),
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
        };
        gone.map_err(|e| git2::Error::from_str(&format!("cannot remove {}: {e}", path.display())))?;
    }
    repo.index()?.read(true)?;
    repo.checkout_tree(old.as_object(), Some(CheckoutBuilder::new().force()))
}
