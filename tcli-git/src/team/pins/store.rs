//! The pinned-module store's records (docs/team-repos.md, "Upkeep"): `store/pins.json`, what
//! each team pins, and `store/fetched.json`, the images tcli pulled; what of a record is
//! missing; and the prune that removes what no team pins any more, but only what tcli fetched.

use super::{Action, ArtifactReport};
use crate::errors::TeamError;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tcli_core::context::Context;
use tcli_core::model::pin::{self, Pinned, PinsFile, TeamPins};
use tcli_core::sources::pinned;
use tcli_core::ui;
use tcli_helper::docker::{self, Engine, UntagRequest};

/// The library dir (`store/native`) made writable for as long as the store lock is held, and
/// read-only (0555) again when this is dropped; its files are written 0444. That catches
/// accidents (an editor, a script, a stray `rm`) and nothing more: a process running as the
/// user can change the modes back, and docs/team-repos.md puts such an attacker outside the
/// model.
pub(crate) struct Writable {
    dir: PathBuf,
}

/// The mode of the library dir between updates.
pub(crate) const DIR_MODE: u32 = 0o555;
/// The mode of a library in the store.
pub(crate) const FILE_MODE: u32 = 0o444;

impl Writable {
    /// Opens the library dir for writing when it exists (a fetch creates it when it does not).
    pub(crate) fn open(cx: &Context) -> anyhow::Result<Writable> {
        use std::os::unix::fs::PermissionsExt;
        let dir = pinned::native_dir(cx);
        if dir.is_dir() {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} writable", dir.display()))?;
        }
        Ok(Writable { dir })
    }
}

impl Drop for Writable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.dir.is_dir() {
            // Failing only leaves the dir writable, as it was before tcli made it read-only.
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(DIR_MODE));
        }
    }
}

/// The images tcli tagged, so it removes only those (`store/fetched.json`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Fetched {
    #[serde(default)]
    pub(super) images: Vec<UntagRequest>,
}

pub(super) fn fetched_path(cx: &Context) -> PathBuf {
    pinned::store_dir(cx).join("fetched.json")
}

pub(super) fn read_json<T: Default + serde::de::DeserializeOwned>(path: &Path) -> T {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub(super) fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    tcli_core::prim::fs::write_bytes_atomic(path, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The record, to change it: one that cannot be read is refused (never taken for empty, which
/// would prune every artifact) until the user moves it aside.
pub(super) fn read_record(cx: &Context) -> anyhow::Result<PinsFile> {
    pinned::try_read(cx).map_err(|e| {
        TeamError::PinsRecord {
            why: e.to_string(),
            path: e.path.clone(),
        }
        .into()
    })
}

/// The artifacts of `rec` that are gone: a store file deleted, an image removed from the
/// engine. Asks the engine only when an image is pinned.
pub(crate) fn missing(cx: &Context, rec: &TeamPins) -> Vec<String> {
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for (name, p) in &rec.modules {
        match p {
            Pinned::Native { sha256, file, .. } => {
                let path = pinned::library_path(cx, sha256);
                if !pinned::is_recorded(&path, file.as_ref()) {
                    out.push(format!("{name}: {}", pinned::missing_library(&path)));
                }
            }
            // Docker off: images are neither listed nor checked, and the engine is not asked.
            Pinned::Image { .. } if cx.no_docker => {}
            Pinned::Image { pin, image_id, .. } => ids.push((name, pin, image_id.clone())),
            Pinned::NoBuild { .. } => {}
        }
    }
    if !ids.is_empty() {
        // An image tcli pulled is missing when its tcli tag is gone too (a prune that only
        // untagged it); one the user had is missing only when the engine lost it.
        let fetched: Fetched = read_json(&fetched_path(cx));
        let user = pinned::engine_user(cx);
        let tagged = |name: &str, pin: &pin::ImageRef, id: &str| {
            let tag = pinned::image_tag(name, &pin.digest, &user);
            fetched
                .images
                .iter()
                .any(|i| i.tag == tag && i.id == id)
                .then_some(tag)
        };
        let mut all: Vec<String> = Vec::new();
        for (name, pin, id) in &ids {
            all.push(id.clone());
            all.extend(tagged(name, pin, id));
        }
        let have = match Engine::at(&docker::host()).and_then(|e| e.present(&all)) {
            Ok(have) => have,
            Err(e) => {
                // Cannot tell: say so rather than call them missing; an update then tries the
                // pull, which names the engine and the fix.
                for (name, pin, _) in ids {
                    out.push(format!(
                        "{name}: image {} (cannot check: Docker engine not reachable: {e})",
                        pin.reference
                    ));
                }
                return out;
            }
        };
        for (name, pin, id) in ids {
            let tag_gone = tagged(name, pin, &id).is_some_and(|t| !have.contains(&t));
            if !have.contains(&id) || tag_gone {
                out.push(format!("{name}: image {}", pin.reference));
            }
        }
    }
    out
}

/// Records `pins` as team `team`'s (or forgets the team with `None`).
pub(crate) fn record(cx: &Context, team: &str, pins: Option<TeamPins>) -> anyhow::Result<()> {
    let mut file = read_record(cx)?;
    let before = file.teams.get(team).cloned();
    match pins {
        Some(p) if p.modules.is_empty() => {
            file.teams.remove(team);
        }
        Some(p) => {
            // A store file fetched or hashed again has a new identity for every team pinning it.
            for (_, t) in file.teams.iter_mut().filter(|(n, _)| *n != team) {
                for m in t.modules.values_mut() {
                    if let Pinned::Native { sha256, file, .. } = m {
                        if let Some(new) = p.modules.values().find_map(|n| match n {
                            Pinned::Native {
                                sha256: s, file: f, ..
                            } if s == sha256 => Some(*f),
                            _ => None,
                        }) {
                            *file = new;
                        }
                    }
                }
            }
            file.teams.insert(team.to_string(), p);
        }
        None => {
            file.teams.remove(team);
        }
    }
    if file.teams.get(team) == before.as_ref() {
        return Ok(());
    }
    write_json(&pinned::pins_path(cx), &file)
}

/// Removes what no team pins any more: store files, and images tcli pulled (by this user's tcli
/// tag; the engine keeps an image that has another name, such as another user's tag, or a
/// container). Teams no longer registered count as pinning nothing.
pub(crate) fn prune(cx: &Context) -> anyhow::Result<Vec<ArtifactReport>> {
    let mut file = read_record(cx)?;
    let registered: BTreeSet<String> = tcli_core::team_dirs::registered(cx)
        .into_iter()
        .map(|t| t.name)
        .collect();
    let before = file.teams.len();
    file.teams.retain(|t, _| registered.contains(t));
    if file.teams.len() != before {
        let _ = write_json(&pinned::pins_path(cx), &file);
    }
    let mut libs = BTreeSet::new();
    let mut images = BTreeSet::new();
    let user = pinned::engine_user(cx);
    for (name, p) in file.teams.values().flat_map(|t| &t.modules) {
        match p {
            Pinned::Native { sha256, .. } => {
                libs.insert(pinned::library_path(cx, sha256));
            }
            Pinned::Image { pin, image_id, .. } => {
                images.insert((
                    pinned::image_tag(name, &pin.digest, &user),
                    image_id.clone(),
                ));
            }
            Pinned::NoBuild { .. } => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(pinned::native_dir(cx)) {
        for e in rd.flatten() {
            let p = e.path();
            let temp = p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            // A temp file belongs to a download in progress elsewhere, never to prune here.
            if temp || libs.contains(&p) {
                continue;
            }
            if std::fs::remove_file(&p).is_ok() {
                out.push(ArtifactReport {
                    module: "-".into(),
                    artifact: p.display().to_string(),
                    action: Action::Removed,
                });
            }
        }
    }
    if cx.no_docker {
        // Docker is off: the engine is not touched, and what tcli pulled stays recorded.
        return Ok(out);
    }
    let mut fetched: Fetched = read_json(&fetched_path(cx));
    let (keep, drop): (Vec<_>, Vec<_>) = fetched
        .images
        .drain(..)
        .partition(|i| images.contains(&(i.tag.clone(), i.id.clone())));
    fetched.images = keep;
    // A tag in the shared form of an older tcli may be another user's only hold on the image:
    // forgotten, never removed.
    let (shared, drop): (Vec<_>, Vec<_>) = drop
        .into_iter()
        .partition(|i| pinned::is_shared_image_tag(&i.tag));
    if !shared.is_empty() && drop.is_empty() {
        let _ = write_json(&fetched_path(cx), &fetched);
    }
    if !drop.is_empty() {
        let engine = Engine::at(&docker::host());
        for i in drop {
            let removed = engine
                .as_ref()
                .map_err(|e| e.clone())
                .and_then(|e| e.untag(&i));
            match removed {
                Ok(()) => out.push(ArtifactReport {
                    module: i
                        .tag
                        .split_once('/')
                        .and_then(|(_, r)| r.split_once(':'))
                        .map_or("-", |(m, _)| m)
                        .to_string(),
                    artifact: i.tag.clone(),
                    action: Action::Removed,
                }),
                Err(e) => {
                    ui::warn(&format!(
                        "cannot remove the image {} tcli pulled and no team pins: {e}",
                        i.tag
                    ));
                    fetched.images.push(i);
                }
            }
        }
        let _ = write_json(&fetched_path(cx), &fetched);
    }
    Ok(out)
}

/// Lowercase hex, as sha256 pins are written.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::context;
    use super::*;
    use std::collections::BTreeMap;

    fn no_build() -> TeamPins {
        let mut modules = BTreeMap::new();
        modules.insert(
            "hello".to_string(),
            Pinned::NoBuild {
                triple: "x86_64-unknown-linux-gnu".into(),
                builds: vec!["aarch64-apple-darwin".into()],
            },
        );
        TeamPins {
            commit: "abc".into(),
            modules,
        }
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x0a, 0xff, 0x00]), "0aff00");
    }

    #[test]
    fn record_writes_a_team_and_forgets_it() {
        let dir = tempfile::tempdir().unwrap();
        let cx = context(dir.path(), true);
        record(&cx, "acme", Some(no_build())).unwrap();
        assert_eq!(pinned::read(&cx).teams.get("acme"), Some(&no_build()));
        record(&cx, "acme", None).unwrap();
        assert!(pinned::read(&cx).teams.is_empty());
    }

    #[test]
    fn a_team_pinning_nothing_is_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let cx = context(dir.path(), true);
        record(&cx, "acme", Some(no_build())).unwrap();
        let empty = TeamPins {
            commit: "def".into(),
            modules: BTreeMap::new(),
        };
        record(&cx, "acme", Some(empty)).unwrap();
        assert!(!pinned::read(&cx).teams.contains_key("acme"));
    }

    #[test]
    fn an_unreadable_record_is_refused_never_taken_for_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cx = context(dir.path(), true);
        let path = pinned::pins_path(&cx);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{ not json").unwrap();
        let err = record(&cx, "acme", None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("the record of pinned modules: cannot read "));
        let hint = crate::errors::hint(&err).unwrap();
        assert!(hint.starts_with(&format!("move it aside (mv {}", path.display())));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ not json");
    }

    #[test]
    fn a_library_gone_from_the_store_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let cx = context(dir.path(), true);
        let sha = "1".repeat(64);
        let mut pins = no_build();
        pins.modules.insert(
            "greet".into(),
            Pinned::Native {
                triple: pin::host_triple(),
                sha256: sha,
                from: pin::BuildFrom::Path("native/libgreet.so".into()),
                descriptor: tcli_core::model::descriptor::Descriptor {
                    name: "greet".into(),
                    description: String::new(),
                    plugin_version: "1".into(),
                    sdk_version: "1".into(),
                    abi_version: 1,
                    manifest: serde_json::Value::Null,
                },
                file: None,
            },
        );
        let gone = missing(&cx, &pins);
        assert_eq!(gone.len(), 1, "{gone:?}");
        assert!(gone[0].starts_with("greet: "), "{gone:?}");
    }

    #[test]
    fn prune_removes_unpinned_libraries_but_not_downloads_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let cx = context(dir.path(), true);
        let native = pinned::native_dir(&cx);
        std::fs::create_dir_all(&native).unwrap();
        std::fs::write(native.join(format!("{}.so", "2".repeat(64))), b"old").unwrap();
        std::fs::write(native.join(".tcli-download-x"), b"partial").unwrap();
        let removed = prune(&cx).unwrap();
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].action, Action::Removed);
        assert!(native.join(".tcli-download-x").exists());
        assert!(!native.join(format!("{}.so", "2".repeat(64))).exists());
    }
}
