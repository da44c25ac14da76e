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
/// with all it holds, since it did not exist before), sets the index to `old`'s tree, then
/// checks `old` out forced over the rest.
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
    // The index is set to the old tree first: a checkout that completed wrote the new one, and
    // a forced checkout leaves an entry whose file it no longer finds (one removed above).
    let mut index = repo.index()?;
    index.read(true)?;
    index.read_tree(old)?;
    index.write()?;
    repo.checkout_tree(old.as_object(), Some(CheckoutBuilder::new().force()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Signature, StatusOptions};

    /// A commit of `files` (path, content; a path with `/` makes directories), on `parent`.
    fn commit(repo: &Repository, files: &[(&str, &str)], parent: Option<Oid>) -> Oid {
        fn tree(repo: &Repository, files: &[(&str, &str)]) -> Oid {
            let mut b = repo.treebuilder(None).unwrap();
            let mut dirs: BTreeSet<&str> = BTreeSet::new();
            for (path, text) in files {
                match path.split_once('/') {
                    Some((dir, _)) => {
                        dirs.insert(dir);
                    }
                    None => {
                        let blob = repo.blob(text.as_bytes()).unwrap();
                        b.insert(path, blob, 0o100644).unwrap();
                    }
                }
            }
            for dir in dirs {
                let inner: Vec<(&str, &str)> = files
                    .iter()
                    .filter_map(|(p, t)| Some((p.strip_prefix(dir)?.strip_prefix('/')?, *t)))
                    .collect();
                b.insert(dir, tree(repo, &inner), 0o040000).unwrap();
            }
            b.write().unwrap()
        }
        let t = repo.find_tree(tree(repo, files)).unwrap();
        let me = Signature::now("t", "t@example.com").unwrap();
        let parents: Vec<git2::Commit> = parent
            .map(|p| repo.find_commit(p).unwrap())
            .into_iter()
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(None, &me, &me, "c", &t, &refs).unwrap()
    }

    fn dirty(repo: &Repository) -> Vec<String> {
        let mut o = StatusOptions::new();
        o.include_untracked(true).include_ignored(true);
        repo.statuses(Some(&mut o))
            .unwrap()
            .iter()
            .map(|e| e.path().unwrap_or("?").to_string())
            .collect()
    }

    /// A file that becomes a directory, a file deleted and one added, then a name no file
    /// system takes: all undone, and the checkout is clean at the old commit.
    #[test]
    fn a_switch_failing_midway_leaves_the_old_tree_whole() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let old = commit(&repo, &[("a", "file a\n"), ("gone", "bye\n")], None);
        repo.set_head_detached(old).unwrap();
        repo.checkout_head(Some(CheckoutBuilder::new().force()))
            .unwrap();
        let long = "z".repeat(300);
        let new = commit(
            &repo,
            &[
                ("a/b", "now a dir\n"),
                (".gitmodules", "[x]\n"),
                (&long, "x\n"),
            ],
            Some(old),
        );
        let moved = std::cell::Cell::new(false);
        let r = switch(&repo, old, new, || {
            moved.set(true);
            Ok(())
        });
        assert!(matches!(r, Err(Failed::Restored(_))), "{r:?}");
        assert!(
            !moved.get(),
            "the branch is not moved after a failed checkout"
        );
        assert_eq!(dirty(&repo), Vec::<String>::new());
        let w = dir.path();
        assert_eq!(std::fs::read_to_string(w.join("a")).unwrap(), "file a\n");
        assert_eq!(std::fs::read_to_string(w.join("gone")).unwrap(), "bye\n");
        assert!(!w.join(".gitmodules").exists());
    }

    /// A failure after the checkout (the branch cannot move) puts the old tree back too.
    #[test]
    fn a_switch_whose_branch_cannot_move_is_undone() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let old = commit(&repo, &[("keep", "1\n")], None);
        repo.set_head_detached(old).unwrap();
        repo.checkout_head(Some(CheckoutBuilder::new().force()))
            .unwrap();
        let new = commit(&repo, &[("keep", "2\n"), ("sub/new", "n\n")], Some(old));
        let r = switch(&repo, old, new, || Err(git2::Error::from_str("no")));
        assert!(matches!(r, Err(Failed::Restored(_))), "{r:?}");
        assert_eq!(dirty(&repo), Vec::<String>::new());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep")).unwrap(),
            "1\n"
        );
        assert!(!dir.path().join("sub").exists());
    }
}
