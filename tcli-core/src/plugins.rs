//! Installing and removing native libraries (`tcli modules install|remove`): mutations of the
//! installed-plugins dir, above the catalog they consult. A library is checked in a child tcli
//! (ABI, name) before it is copied in atomically; removal touches only what tcli installed.

use crate::catalog;
use crate::context::Context;
use crate::error::Failure;
use crate::model::descriptor::Descriptor;
use crate::model::Kind;
use crate::sources::native;
use std::path::{Path, PathBuf};

/// A library `modules install` put in place.
#[derive(Debug)]
pub struct Installed {
    /// Its descriptor.
    pub descriptor: Descriptor,
    /// Where it now lives.
    pub path: PathBuf,
    /// An older copy was replaced.
    pub replaced: bool,
}

/// Checks `file` in a child tcli (ABI, name), then copies it into the installed-plugins dir
/// as `<name>.<ext>`: a temp file in that dir, then a rename, so a tcli running the old copy
/// keeps its mapping and no reader ever sees half a library.
pub fn install(cx: &Context, file: &Path) -> anyhow::Result<Installed> {
    use anyhow::Context as _;
    let named = || file.to_path_buf();
    let md = std::fs::metadata(file).map_err(|error| Failure::InstallUnreadable {
        file: named(),
        error,
    })?;
    if !md.is_file() || !native::is_library_name(file) {
        return Err(Failure::InstallNotLibrary { file: named() }.into());
    }
    let abs = std::fs::canonicalize(file)
        .with_context(|| format!("cannot resolve {}", file.display()))?;
    let d = native::probe_file(cx, &abs).map_err(|p| Failure::InstallRefused {
        file: named(),
        why: p.to_string(),
    })?;
    if let Err(why) = crate::names::validate(&d.name) {
        return Err(Failure::InstallInvalidName {
            file: named(),
            name: d.name,
            why,
        }
        .into());
    }
    if crate::names::is_builtin(&d.name) {
        return Err(Failure::InstallBuiltinName {
            file: named(),
            name: d.name,
        }
        .into());
    }
    let dir = cx.installed_plugins_dir();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the plugin dir {}", dir.display()))?;
    let ext = abs.extension().and_then(|e| e.to_str()).unwrap_or("so");
    let dest = dir.join(format!("{}.{ext}", d.name));
    let replaced = dest.exists();
    let mut src =
        std::fs::File::open(&abs).with_context(|| format!("cannot read {}", abs.display()))?;
    crate::prim::fs::write_atomic(&dest, Some(0o755), |f| std::io::copy(&mut src, f).map(drop))
        .with_context(|| format!("cannot put the library in place at {}", dest.display()))?;
    Ok(Installed {
        descriptor: d,
        path: dest,
        replaced,
    })
}

/// Removes every library in the installed-plugins dir that provides `name` (other kinds and
/// other dirs are refused with the way to remove them) and returns the files removed.
pub fn remove(cx: &Context, name: &str) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context as _;
    let catalog = catalog::load(cx);
    let Some(entry) = catalog.get(name) else {
        return Err(Failure::NothingToRemove {
            name: name.to_string(),
        }
        .into());
    };
    let dir = cx.installed_plugins_dir();
    let all = std::iter::once(&entry.module).chain(&entry.shadowed);
    let ours: Vec<PathBuf> = all
        .clone()
        .filter(|m| {
            m.kind == Kind::Native && Path::new(&m.location).parent() == Some(dir.as_path())
        })
        .map(|m| PathBuf::from(&m.location))
        .collect();
    if ours.is_empty() {
        let m = &entry.module;
        return Err(Failure::NotInstalled {
            name: name.to_string(),
            kind: m.kind,
            location: m.location.clone(),
            pinned_by: m.pinned_by().map(str::to_string),
            offered_by: crate::sources::plugin::source_of(m).map(str::to_string),
        }
        .into());
    }
    for p in &ours {
        std::fs::remove_file(p).with_context(|| format!("cannot remove {}", p.display()))?;
    }
    Ok(ours)
}
