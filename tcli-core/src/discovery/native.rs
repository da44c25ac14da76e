//! The native source: shared libraries (`*.so`, `*.dylib`, `*.dll`) in the plugin dirs of
//! BRIEF section 1, in order. A library's descriptor is read by a child tcli
//! (`runner::native::probe_child`) once per identity (path + size + mtime + inode), so a library
//! that crashes, hangs or aborts on load is listed with the problem and costs one stat after
//! that. Loading for a run is `runner::native`'s job; this file never loads a library itself.

use super::{Identity, Kind, ModuleInfo, Source, SourceCache};
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
use crate::probe;
use crate::runner::native::{Descriptor, ProbeReport, PROBE_ARG};
use std::path::{Path, PathBuf};

/// File extensions of shared libraries on the platforms tcli knows.
pub const EXTENSIONS: &[&str] = &["so", "dylib", "dll"];

/// The native source.
pub struct NativeSource;

impl Source for NativeSource {
    fn kind(&self) -> Kind {
        Kind::Native
    }

    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool {
        super::files_unchanged(&cx.plugin_dirs(), cached) && !cached.modules.iter().any(retry_due)
    }

    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache {
        super::rescan_files(
            &cx.plugin_dirs(),
            cached,
            8,
            candidates,
            retry_due,
            |path, identity| describe(cx, path, identity),
        )
    }

    fn check(&self, cx: &Context, module: &ModuleInfo) -> Vec<String> {
        let d = match probe_file(cx, Path::new(&module.location)) {
            Ok(d) => d,
            // `modules check` already reports the problems found at index time.
            Err(problem) if module.problems.contains(&problem) => return Vec::new(),
            Err(problem) => return vec![problem],
        };
        if d.name != module.name {
            return vec![format!(
                "{} now declares module '{}'",
                module.location, d.name
            )];
        }
        let Some(exe) = cx.exe.as_deref() else {
            return vec!["cannot find the running tcli to run the module with".into()];
        };
        let mut failures = Vec::new();
        for w in super::help_words(module) {
            let mut args = vec![module.name.as_str()];
            args.extend(&w);
            args.push("--help");
            let outcome = probe::run(exe, &args, &module.name, probe::TIMEOUT);
            if let Some(p) = outcome.help_problem() {
                failures.push(format!("'tcli {}': {p}", args.join(" ")));
            }
        }
        failures
    }
}

/// Every regular file with a library extension in `dir`, sorted by path.
fn candidates(dir: &Path) -> Vec<(PathBuf, Identity)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Identity)> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_library_name(p))
        .filter(|p| p.is_file())
        .filter_map(|p| Identity::of_file(&p).map(|id| (p, id)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// True when the file name ends in a shared-library extension.
pub fn is_library_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

/// The name a library is listed under when its descriptor cannot be read:
/// `libtcli_plugin_web.so` → `web`, `libdeploy.so` → `deploy`.
pub fn name_from_file(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.strip_prefix("lib").unwrap_or(&stem);
    let stem = stem
        .strip_prefix("tcli_plugin_")
        .or_else(|| stem.strip_prefix("tcli-plugin-"))
        .unwrap_or(stem);
    stem.replace('_', "-")
}

/// How long a library whose probe timed out stays listed as broken before it is probed again:
/// a timeout can be a busy machine rather than the library, but probing a library that hangs
/// on every `tcli --help` would cost the timeout each time.
const RETRY_AFTER_TIMEOUT_SECS: u64 = 3600;

/// True when a cached entry's probe timed out long enough ago to try again.
fn retry_due(m: &ModuleInfo) -> bool {
    m.extra
        .get("retry_after")
        .and_then(serde_json::Value::as_u64)
        .is_some_and(|t| t <= crate::index::now())
}

/// Reads `path`'s descriptor in a child tcli. The error is one line for a problem list.
pub fn probe_file(cx: &Context, path: &Path) -> Result<Descriptor, String> {
    probe_timed(cx, path).map_err(|(problem, _)| problem)
}

/// [`probe_file`], also telling whether a failure was the timeout.
fn probe_timed(cx: &Context, path: &Path) -> Result<Descriptor, (String, bool)> {
    let Some(exe) = cx.exe.as_deref() else {
        return Err((
            "cannot find the running tcli to read the library with".into(),
            false,
        ));
    };
    let Some(file) = path.to_str() else {
        let msg = format!("{} has a name that is not UTF-8", path.display());
        return Err((msg, false));
    };
    let outcome = probe::run(
        exe,
        &[PROBE_ARG, file],
        &name_from_file(path),
        probe::TIMEOUT,
    );
    let problem = if let Some(e) = &outcome.spawn_error {
        format!("cannot start tcli to read the library: {e}")
    } else if outcome.timed_out {
        let secs = probe::TIMEOUT.as_secs();
        return Err((
            format!("loading {} did not finish within {secs} s", path.display()),
            true,
        ));
    } else if outcome.code.is_none() {
        format!(
            "loading {} crashed the process (killed by a signal): the file is damaged, or it runs code at load time that fails",
            path.display()
        )
    } else if let Some(c) = outcome.code.filter(|c| *c != 0) {
        let err = String::from_utf8_lossy(&outcome.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let first = super::sanitize_line(first, super::DESCRIPTION_MAX);
        let sep = if first.is_empty() { "" } else { ": " };
        format!(
            "loading {} ended the process with status {c}{sep}{first}",
            path.display()
        )
    } else {
        match serde_json::from_slice::<ProbeReport>(&outcome.stdout) {
            Ok(ProbeReport::Ok(d)) => return Ok(d),
            Ok(ProbeReport::Failed { error, .. }) => error,
            Err(_) => format!(
                "loading {} printed output that hides the descriptor; the library writes at load time",
                path.display()
            ),
        }
    };
    Err((problem, false))
}

/// Verbs and subjects of a manifest: `verb`, or `subject` then `subject verb`.
fn verbs_of(manifest: &serde_json::Value) -> Vec<String> {
    fn walk(prefix: &str, list: &serde_json::Value, out: &mut Vec<String>) {
        for v in list.as_array().into_iter().flatten() {
            let Some(name) = v.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            let path = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix} {name}")
            };
            out.push(super::sanitize_line(&path, 128));
            if let Some(nested) = v.get("verbs") {
                walk(&path, nested, out);
            }
            // A visible alias is a word the module takes too (completion, `tcli help`); a
            // subject's verbs are listed once, under its name.
            for alias in v["aliases"].as_array().into_iter().flatten() {
                if let Some(alias) = alias.as_str() {
                    let path = match prefix {
                        "" => alias.to_string(),
                        p => format!("{p} {alias}"),
                    };
                    out.push(super::sanitize_line(&path, 128));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", &manifest["verbs"], &mut out);
    out
}

/// Builds the index entry for one library.
fn describe(cx: &Context, path: &Path, identity: Identity) -> ModuleInfo {
    let mut m = ModuleInfo::new(
        name_from_file(path),
        Kind::Native,
        path.to_string_lossy().into_owned(),
        identity,
    );
    let d = match probe_timed(cx, path) {
        Ok(d) => d,
        Err((problem, timed_out)) => {
            m.problems.push(problem);
            m.runnable = false;
            if timed_out {
                let at = crate::index::now() + RETRY_AFTER_TIMEOUT_SECS;
                m.extra.insert("retry_after".into(), at.into());
            }
            return m;
        }
    };
    m.name = d.name.clone();
    if let Err(why) = crate::names::validate(&d.name) {
        m.problems
            .push(format!("invalid module name {:?}: {why}", d.name));
        m.runnable = false;
    }
    let desc = super::sanitize_line(&d.description, super::DESCRIPTION_MAX);
    m.description = (!desc.is_empty()).then_some(desc);
    m.verbs = verbs_of(&d.manifest);
    if d.manifest.is_null() {
        m.problems
            .push("the module gives no manifest of its verbs".into());
    }
    m.extra.insert("abi_version".into(), d.abi_version.into());
    m.extra
        .insert("plugin_version".into(), d.plugin_version.into());
    m.extra.insert("sdk_version".into(), d.sdk_version.into());
    m
}

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
    use std::os::unix::fs::PermissionsExt;
    let fail = |msg: String| CliError::new(Exit::Failure, msg);
    let md = std::fs::metadata(file).map_err(|e| {
        fail(format!("cannot read {}: {e}", file.display()))
            .hint("give the path of a library built with tcli-plugin-sdk, such as target/release/libtcli_plugin_hello.so")
    })?;
    if !md.is_file() || !is_library_name(file) {
        return Err(fail(format!(
            "{} is not a shared library file (*.so, *.dylib or *.dll)",
            file.display()
        ))
        .hint("build the module crate (crate-type = [\"cdylib\"]) and give the library cargo wrote under target/")
        .into());
    }
    let abs = std::fs::canonicalize(file)
        .with_context(|| format!("cannot resolve {}", file.display()))?;
    let d = probe_file(cx, &abs).map_err(|p| {
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
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write in the plugin dir {}", dir.display()))?;
    let mut src =
        std::fs::File::open(&abs).with_context(|| format!("cannot read {}", abs.display()))?;
    std::io::copy(&mut src, tmp.as_file_mut())
        .with_context(|| format!("cannot copy {} into {}", abs.display(), dir.display()))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o755))
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write in the plugin dir {}", dir.display()))?;
    tmp.persist(&dest)
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
    let catalog = crate::catalog::load(cx);
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
        let hint = match m.kind {
            Kind::Builtin => "built-in modules are part of tcli and cannot be removed".to_string(),
            Kind::Native => format!(
                "it was not installed by tcli; delete the file yourself: rm {}",
                m.location
            ),
            Kind::Exec => format!("delete the executable yourself: rm {}", m.location),
            Kind::Docker => format!("remove the image yourself: docker rmi {}", m.location),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_from_file_strips_prefixes() {
        assert_eq!(name_from_file(Path::new("/p/libtcli_plugin_web.so")), "web");
        assert_eq!(name_from_file(Path::new("/p/libdb_backup.so")), "db-backup");
        assert_eq!(name_from_file(Path::new("/p/deploy.dll")), "deploy");
    }

    #[test]
    fn verbs_of_flattens_subjects() {
        let m = serde_json::json!({"verbs": [
            {"name": "list", "aliases": ["ls"]},
            {"name": "env", "verbs": [{"name": "create", "aliases": ["new"]}]}
        ]});
        assert_eq!(verbs_of(&m), ["list", "ls", "env", "env create", "env new"]);
    }
}
