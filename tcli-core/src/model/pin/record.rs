//! The record of what is pinned now and fetched (`<data dir>/store/pins.json`, docs/team-repos.md
//! "Pinning"): written by the git helper, read by the pinned source (`sources::pinned`).

use super::{BuildFrom, ImageRef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The record of what is pinned now and fetched (`<data dir>/store/pins.json`): per team, the
/// commit its pins were fetched for and each module as it stands. Written by the git helper
/// (under the store lock, temp file + rename); read by the pinned source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PinsFile {
    /// By team name.
    #[serde(default)]
    pub teams: BTreeMap<String, TeamPins>,
}

/// One team's pins.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamPins {
    /// The commit whose `tcli.toml` they come from.
    pub commit: String,
    /// By module name.
    pub modules: BTreeMap<String, Pinned>,
}

/// The identity of a store file when it was fetched: a regular file of this size, mtime and
/// inode is taken to be the same file (its sha256 is not read again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    /// Its length in bytes.
    pub size: u64,
    /// Its modification time, in nanoseconds since the epoch (`i64`: serde cannot read an
    /// `i128` inside the internally tagged [`Pinned`]).
    pub mtime_ns: i64,
    /// Its inode.
    pub inode: u64,
}

/// One pinned module as fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Pinned {
    /// A pulled image.
    Image {
        /// The pin.
        #[serde(flatten)]
        pin: ImageRef,
        /// The image ID it pulled as.
        image_id: String,
        /// Its labels (description, env, network, user).
        #[serde(default)]
        labels: BTreeMap<String, String>,
    },
    /// A library in the store.
    Native {
        /// The triple of this machine's build.
        triple: String,
        /// Its sha256 (the store file is `native/<sha256>.so`).
        sha256: String,
        /// Where it came from.
        from: BuildFrom,
        /// Its descriptor, read in a child process when it was fetched.
        descriptor: crate::model::descriptor::Descriptor,
        /// The store file as it was put there: a file replaced since (or a symlink put in its
        /// place) does not match and counts as missing. `None` (an older record) never matches.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<FileId>,
    },
    /// Native builds exist, none for this machine.
    NoBuild {
        /// This machine's triple.
        triple: String,
        /// The triples there are builds for.
        builds: Vec<String>,
    },
}
