//! Installing and removing native libraries (`tcli modules install|remove`): mutations of the
//! installed-plugins dir, above the catalog they consult. A library is checked in a child tcli
//! (ABI, name) before it is copied in atomically; removal touches only what tcli installed.

use crate::catalog;
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
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
    let fail = |msg: String| CliError::new(Exit::Failure, msg);
    let md = std::fs::metadata(file).map_err(|e| {
        fail(format!("cannot read {}: {e}", file.display()))
            .hint("give the path of a library built with tcli-plugin-sdk, such as target/release/libtcli_plugin_hello.so")
    })?;
    if !md.is_file() || !native::is_library_name(file) {
        return Err(fail(format!(
            "{} is not a shared library file (*.so, *.dylib or *.dll)",
            file.display()
        ))
        .hint("build the module crate (crate-type = [\"cdylib\"]) and give the library cargo wrote under target/")
        .into());
    }
    let abs = std::fs::canonicalize(file)
        .with_context(|| format!("cannot resolve {}", file.display()))?;
    let d = native::probe_file(cx, &abs).map_err(|p| {
        fail(format!("cannot install {}: {p}", file.display()))
            .hint("build it with tcli-plugin-sdk's export_plugin! macro (docs/native-abi.md)")
    })?;
    if let Err(why) = crate::names::validate(&d.name) {
        return Err(fail(format!(
            "cannot install {}: it declares the invalid module name {:?}: {why}",
            file.display(),
            d.name
        ))
        .hint("change the name given to export_plugin! and rebuild")
        .into());
    }
    if crate::names::is_builtin(&d.name) {
        return Err(fail(format!(
            "cannot install {}: '{}' is the name of a built-in module",
            file.display(),
            d.name
        ))
        .hint("change the name given to export_plugin! and rebuild")
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
        return Err(CliError::usage(format!("no module named '{name}'"))
            .hint("run 'tcli modules list' to see the modules and where they live")
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
        let hint = match (m.pinned_by(), m.kind) {
            (Some(team), _) => format!(
                "team '{team}' pins it: remove [modules.{name}] from its tcli.toml, then run 'tcli team update {team}'"
            ),
            (None, kind) => match kind {
            Kind::Builtin => "built-in modules are part of tcli and cannot be removed".to_string(),
            Kind::Native => format!(
                "it was not installed by tcli; delete the file yourself: rm {}",
                m.location
            ),
            Kind::Exec => format!("delete the executable yourself: rm {}", m.location),
            Kind::Docker => format!("remove the image yourself: docker rmi {}", m.location),
            Kind::Source => match crate::sources::plugin::source_of(m) {
                Some(source) => format!("it is offered by the source plugin {source}"),
                None => "it is offered by a source plugin".to_string(),
            },
            },
        };
        return Err(CliError::new(
            Exit::Failure,
            format!(
                "module '{name}' is not an installed native module: it is the {} module at {}",
                m.kind.as_str(),
                m.location
            ),
        )
        .hint(hint)
        .into());
    }
    for p in &ours {
        std::fs::remove_file(p).with_context(|| format!("cannot remove {}", p.display()))?;
    }
    Ok(ours)
}
