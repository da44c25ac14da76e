//! The pinned-modules source (docs/team-repos.md, "Pinning"): the docker and native modules
//! teams pin in their `tcli.toml`, as `tcli team add|update` fetched them into the store
//! (`<data dir>/store/`) and recorded them in `store/pins.json`. It reads that one record, never
//! a team's `tcli.toml`, the network or the engine: a pin counts once it is fetched. Its modules
//! keep their kind (native, docker), so kind precedence is as usual; they come first within
//! their kind, as a team's `bin/` does for exec modules, and the native and docker sources
//! list them on their index lines. Fetching is the git helper's; this file owns the store's
//! layout, which both read.

use crate::context::Context;
use crate::model::pin::{FileId, Pinned, PinsFile};
use crate::model::{Detail, Identity, Kind, ModuleInfo, Problem};
use std::path::{Path, PathBuf};

/// `<data dir>/store`: what tcli fetched for pins, content-addressed.
pub fn store_dir(cx: &Context) -> PathBuf {
    cx.data_dir.join("store")
}

/// The record of what is pinned and fetched now.
pub fn pins_path(cx: &Context) -> PathBuf {
    store_dir(cx).join("pins.json")
}

/// Where pinned libraries live (`<sha256>.so`).
pub fn native_dir(cx: &Context) -> PathBuf {
    store_dir(cx).join("native")
}

/// The store file of the library whose sha256 is `sha256`.
pub fn library_path(cx: &Context, sha256: &str) -> PathBuf {
    native_dir(cx).join(format!("{sha256}.{}", std::env::consts::DLL_EXTENSION))
}

/// The identity of the regular file at `path` (a symlink is not one); `None` otherwise.
pub fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    m.file_type().is_file().then(|| FileId {
        size: m.len(),
        mtime_ns: m
            .mtime()
            .saturating_mul(1_000_000_000)
            .saturating_add(m.mtime_nsec()),
        inode: m.ino(),
    })
}

/// True when the store file at `path` is the one recorded as `file` when it was fetched.
pub fn is_recorded(path: &Path, file: Option<&FileId>) -> bool {
    file.is_some() && file_id(path).as_ref() == file
}

/// The local repository tcli tags the images it pulls into, so a prune by the user shows and
/// tcli knows what it may remove (docs/team-repos.md).
pub const IMAGE_REPOSITORY: &str = "tcli-pinned";

/// The local tag of a pinned image, one per user of the engine:
/// `tcli-pinned/<module>:<first 16 hex of the digest>-<engine user>` ([`engine_user`]). Several
/// users (or containers) share one engine; each removes only its own tag, and the engine
/// deletes the image with its last name, so an image anyone still pins stays
/// (docs/team-repos.md, "Upkeep").
pub fn image_tag(module: &str, digest: &str, user: &str) -> String {
    format!("{}-{user}", shared_image_tag(module, digest))
}

/// The tag tcli gave pinned images before tags were per user (`tcli-pinned/<module>:<16 hex>`),
/// shared by every user of an engine: never removed, since another user may rely on it.
pub fn shared_image_tag(module: &str, digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("{IMAGE_REPOSITORY}/{module}:{}", &hex[..hex.len().min(16)])
}

/// True for a tag in the shared form of [`shared_image_tag`].
pub fn is_shared_image_tag(tag: &str) -> bool {
    tag.rsplit_once(':').is_some_and(|(_, t)| !t.contains('-'))
}

/// Who this tcli is to a Docker engine: 12 hex of a hash of the host name, the user id and the
/// data dir, so two users, two homes of one user, or two containers on one engine (which may
/// share a uid and a path, never a host name) each tag and untag their own. Not a secret: a
/// name, stable while the three are.
pub fn engine_user(cx: &Context) -> String {
    let host = rustix::system::uname();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let uid = rustix::process::getuid().as_raw().to_string();
    let parts = [
        host.nodename().to_bytes(),
        uid.as_bytes(),
        cx.data_dir.as_os_str().as_encoded_bytes(),
    ];
    // FNV-1a: stable across Rust releases (std's hasher is not), and this names, never guards.
    for byte in parts.iter().flat_map(|p| p.iter().chain(&[0u8])) {
        h = (h ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:012x}", h >> 16)
}

/// The record; missing or unreadable means nothing is pinned (the next `team update` writes
/// it again).
pub fn read(cx: &Context) -> PinsFile {
    std::fs::read(pins_path(cx))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// `pins.json` is there but cannot be read or parsed: not the same as nothing pinned, or a
/// prune would remove every artifact (docs/team-repos.md, "Pinning").
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {why}", path.display())]
pub struct UnreadableRecord {
    /// The record's path.
    pub path: PathBuf,
    /// Why.
    pub why: String,
}

/// The record for changing it: missing is empty, unreadable is an error.
pub fn try_read(cx: &Context) -> Result<PinsFile, UnreadableRecord> {
    let path = pins_path(cx);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(PinsFile::default()),
        Err(e) => {
            return Err(UnreadableRecord {
                path,
                why: e.to_string(),
            })
        }
    };
    serde_json::from_slice(&bytes).map_err(|e| UnreadableRecord {
        path,
        why: e.to_string(),
    })
}

/// What the pinned modules' freshness rests on: the record, the library dir (a deleted store
/// file changes its mtime), and each team's `bin/`, where an earlier team's exec module can
/// take a later team's pinned name (`claims`). Two stats and one per team.
pub fn watched(cx: &Context) -> Vec<PathBuf> {
    let mut paths = vec![pins_path(cx), native_dir(cx)];
    paths.extend(crate::team_dirs::bin_dirs(cx));
    paths
}

/// One module a team pins, as fetched.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The team that pins it.
    pub team: String,
    /// The module's name.
    pub name: String,
    /// What was fetched for it.
    pub pinned: Pinned,
}

/// Each configured team's pins, in team order (teams removed since are left out): the native
/// and docker sources build their modules from them.
pub fn entries(cx: &Context) -> Vec<Entry> {
    let file = read(cx);
    crate::team_dirs::teams(cx)
        .into_iter()
        .filter_map(|t| Some((file.teams.get(&t.name)?, t.name)))
        .flat_map(|(pins, team)| {
            pins.modules.iter().map(move |(name, pinned)| Entry {
                team: team.clone(),
                name: name.clone(),
                pinned: pinned.clone(),
            })
        })
        .collect()
}

/// A pinned module listed with the problem that keeps it from running (exit 126).
pub fn cannot_run(name: String, kind: Kind, at: &Path, team: &str, problem: Problem) -> ModuleInfo {
    let mut m = ModuleInfo::new(
        name,
        kind,
        at.to_string_lossy().into_owned(),
        Identity::Unverified,
    );
    m.problems.push(problem);
    m.runnable = false;
    m.detail = Detail::Pinned {
        team: team.to_string(),
    };
    m
}

/// True for a module of this source whose identity is no file's (see [`cannot_run`]).
pub fn is_placeholder(m: &ModuleInfo) -> bool {
    matches!(m.detail, Detail::Pinned { .. })
}

/// How a pinned library that is not the file fetched is named: gone, or changed since.
pub fn missing_library(path: &Path) -> String {
    if std::fs::symlink_metadata(path).is_ok() {
        format!("library {} (changed since it was fetched)", path.display())
    } else {
        format!("library {}", path.display())
    }
}
