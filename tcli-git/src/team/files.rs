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

impl At<'_> {
    fn refuse(&self, path: &str, e: &TreeEntry, want: &'static str) -> anyhow::Error {
        TeamError::NotRegular {
            team: self.team.to_string(),
            commit: super::git::short(self.commit),
            path: path.to_string(),
            mode: format!("{:06o}", e.filemode()),
            kind: kind(e.filemode()),
            want,
            untouched: self.untouched,
        }
        .into()
    }
}

/// Refuses a commit whose `tcli.toml` is not a regular file, whose `bin` is not a directory,
/// or whose `bin/tcli-*` are not executable files.
pub(crate) fn check_tree(repo: &Repository, at: &At) -> anyhow::Result<()> {
    let tree = repo.find_commit(at.commit)?.tree()?;
    if let Ok(e) = tree.get_path(Path::new("tcli.toml")) {
        if e.filemode() != FILE && e.filemode() != EXECUTABLE {
            return Err(at.refuse("tcli.toml", &e, "a regular file"));
        }
    }
    let Ok(bin) = tree.get_path(Path::new("bin")) else {
        return Ok(());
    };
    if bin.filemode() != TREE {
        return Err(at.refuse("bin", &bin, "a directory"));
    }
    for e in repo.find_tree(bin.id())?.iter() {
        let name = String::from_utf8_lossy(e.name_bytes());
        if name.starts_with(tcli_core::sources::exec::PREFIX) && e.filemode() != EXECUTABLE {
            return Err(at.refuse(
                &format!("bin/{name}"),
                &e,
                "an executable file (mode 100755)",
            ));
        }
    }
    Ok(())
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
                return Err(at.refuse(path, &e, "a regular file"));
            }
        }
    }
    Ok(())
}
