//! The files of a team's tree that tcli reads must be what they claim (docs/team-repos.md,
//! "Layout"): `tcli.toml` a regular file, `bin` a directory whose `tcli-*` entries are
//! executable files, each pinned `path` a regular file. Checked in a commit's tree before
//! `team add` or `team update` takes the commit: a symlink would have tcli read or run a file
//! outside the repo while every check looked at the link's text.

use crate::errors::TeamError;
use git2::{Oid, Repository, TreeEntry};
use std::path::Path;
use tcli_core::model::pin::{Artifact, BuildFrom, Pin};

/// A regular file, as git records it.
const FILE: i32 = 0o100644;
/// An executable file.
const EXECUTABLE: i32 = 0o100755;
/// A directory.
const TREE: i32 = 0o040000;

/// What git's mode for a tree entry says it is, for an error naming it.
fn kind(mode: i32) -> &'static str {
    match mode {
        0o120000 => "a symlink",
        0o160000 => "a submodule",
        TREE => "a directory",
        FILE => "a file that is not executable",
        EXECUTABLE => "an executable file",
        _ => "not a file",
    }
}

/// Where a refusal comes from, for its error.
pub(crate) struct At<'a> {
    /// The team.
    pub team: &'a str,
    /// The commit checked.
    pub commit: Oid,
    /// The tail of the error: what was left alone.
    pub untouched: &'static str,
}

/// A file of the tree that is not what tcli reads.
#[derive(Debug)]
pub(crate) struct Irregular {
    /// Its path in the tree.
    pub path: String,
    /// The commit.
    pub commit: Oid,
    /// Its git mode.
    pub mode: i32,
    /// What it must be.
    pub want: &'static str,
}

impl std::fmt::Display for Irregular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in commit {} is {} (mode {:06o}), not {}",
            self.path,
            super::git::short(self.commit),
            kind(self.mode),
            self.mode,
            self.want
        )
    }
}

impl At<'_> {
    /// The error for `file`.
    fn error(&self, file: Irregular) -> anyhow::Error {
        TeamError::NotRegular {
            team: self.team.to_string(),
            what: file.to_string(),
            path: file.path,
            want: file.want,
            untouched: self.untouched,
        }
        .into()
    }
}

/// Refuses a commit whose `tcli.toml` is not a regular file, whose `bin` is not a directory,
/// or whose `bin/tcli-*` are not executable files.
pub(crate) fn check_tree(repo: &Repository, at: &At) -> anyhow::Result<()> {
    match irregular(repo, at.commit)? {
        Some(file) => Err(at.error(file)),
        None => Ok(()),
    }
}

/// The first file of `commit`'s tree that [`check_tree`] refuses.
pub(crate) fn irregular(repo: &Repository, commit: Oid) -> Result<Option<Irregular>, git2::Error> {
    let tree = repo.find_commit(commit)?.tree()?;
    let bad = |path: &str, e: &TreeEntry, want: &'static str| {
        Some(Irregular {
            path: path.to_string(),
            commit,
            mode: e.filemode(),
            want,
        })
    };
    if let Ok(e) = tree.get_path(Path::new("tcli.toml")) {
        if e.filemode() != FILE && e.filemode() != EXECUTABLE {
            return Ok(bad("tcli.toml", &e, "a regular file"));
        }
    }
    let Ok(bin) = tree.get_path(Path::new("bin")) else {
        return Ok(None);
    };
    if bin.filemode() != TREE {
        return Ok(bad("bin", &bin, "a directory"));
    }
    for e in repo.find_tree(bin.id())?.iter() {
        let name = String::from_utf8_lossy(e.name_bytes());
        if name.starts_with(tcli_core::sources::exec::PREFIX) && e.filemode() != EXECUTABLE {
            let path = format!("bin/{name}");
            return Ok(bad(&path, &e, "an executable file (mode 100755)"));
        }
    }
    Ok(None)
}

/// Refuses a commit whose pinned `path`s are not regular files.
pub(crate) fn check_pinned(repo: &Repository, at: &At, pins: &[Pin]) -> anyhow::Result<()> {
    let tree = repo.find_commit(at.commit)?.tree()?;
    let paths = pins.iter().flat_map(|p| match &p.artifact {
        Artifact::Native(builds) => builds
            .values()
            .filter_map(|b| match &b.from {
                BuildFrom::Path(path) => Some(path.as_str()),
                BuildFrom::Url(_) => None,
            })
            .collect(),
        Artifact::Image(_) => Vec::new(),
    });
    for path in paths {
        // A path that is not in the tree at all is refused where the library is read.
        if let Ok(e) = tree.get_path(Path::new(path)) {
            if e.filemode() != FILE && e.filemode() != EXECUTABLE {
                return Err(at.error(Irregular {
                    path: path.to_string(),
                    commit: at.commit,
                    mode: e.filemode(),
                    want: "a regular file",
                }));
            }
        }
    }
    Ok(())
}
