//! The native source: shared libraries (`*.so`, `*.dylib`, `*.dll`) in the plugin dirs
//! (docs/native-abi.md), in order. A library's descriptor is read by a child tcli
//! (`tcli __tcli-probe-native <file>`) once per identity (path + size + mtime + inode), so a
//! library that crashes, hangs or aborts on load is listed with the problem and costs one stat
//! after that. This file never loads a library itself; installing one is `crate::plugins`'s.

use super::pinned::{self, Entry};
use super::Source;
use crate::context::Context;
use crate::model::descriptor::{Descriptor, ProbeReport, PROBE_ARG, VERSION_MAX};
use crate::model::pin::Pinned;
use crate::model::{Detail, Identity, Kind, ModuleInfo, NativeDetail, Problem, SourceCache, Stamp};
use crate::prim::probe;
use crate::prim::text::{sanitize_line, DESCRIPTION_MAX};
use std::collections::HashSet;
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
        super::files_unchanged(&watched(cx), cached) && !cached.modules.iter().any(retry_due)
    }

    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache {
        // Pinned libraries (`sources::pinned`) first, as a team's `bin/` comes first for exec;
        // their descriptors were read when they were fetched, so they cost no probe here.
        let dirs = watched(cx);
        let mut fresh = super::rescan_files(
            &cx.plugin_dirs(),
            cached,
            8,
            is_candidate,
            retry_due,
            |path, identity| describe(cx, path, identity),
        );
        let mut modules = pinned_modules(cx);
        super::claims::Claims::load(cx).mark(&mut modules);
        modules.append(&mut fresh.modules);
        fresh.modules = modules;
        fresh.stamps = Stamp::all(&dirs);
        fresh
    }
}

/// The pinned native modules, in team order: a library in the store, or a module that cannot
/// run here (no build for this machine, its store file gone).
fn pinned_modules(cx: &Context) -> Vec<ModuleInfo> {
    let mut out = Vec::new();
    for Entry { team, name, pinned } in pinned::entries(cx) {
        match pinned {
            Pinned::Native {
                sha256,
                descriptor,
                file,
                ..
            } => {
                let path = pinned::library_path(cx, &sha256);
                let id =
                    Identity::of_file(&path).filter(|_| pinned::is_recorded(&path, file.as_ref()));
                out.push(match id {
                    Some(identity) => {
                        let mut m = ModuleInfo::new(
                            name,
                            Kind::Native,
                            path.to_string_lossy().into_owned(),
                            identity,
                        );
                        fill_from_descriptor(&mut m, &descriptor);
                        if let Detail::Native(d) = &mut m.detail {
                            d.pinned_by = Some(team);
                        }
                        m
                    }
                    None => pinned::cannot_run(
                        name,
                        Kind::Native,
                        &path,
                        &team,
                        Problem::PinnedMissing {
                            artifact: pinned::missing_library(&path),
                            team: team.clone(),
                        },
                    ),
                });
            }
            Pinned::NoBuild { triple, builds } => {
                let toml = crate::team_dirs::checkout_dir(cx, &team).join("tcli.toml");
                out.push(pinned::cannot_run(
                    name,
                    Kind::Native,
                    &toml,
                    &team,
                    Problem::NoBuild { triple, builds },
                ));
            }
            Pinned::Image { .. } => {}
        }
    }
    out
}

/// What the native line's freshness rests on: the plugin dirs, then the pinned record and the
/// store's library dir.
fn watched(cx: &Context) -> Vec<PathBuf> {
    let mut dirs = cx.plugin_dirs();
    dirs.extend(pinned::watched(cx));
    dirs
}

/// A regular file with a library extension.
fn is_candidate(path: &Path) -> bool {
    is_library_name(path) && path.is_file()
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
    matches!(m.detail, Detail::NativeRetry { retry_after } if retry_after <= crate::model::now())
}

/// Reads `path`'s descriptor in a child tcli; the error is the problem it has.
pub fn probe_file(cx: &Context, path: &Path) -> Result<Descriptor, Problem> {
    probe_timed(cx, path).map_err(|(message, _)| Problem::Library { message })
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
        let first = sanitize_line(first, DESCRIPTION_MAX);
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
pub fn verbs_of(manifest: &serde_json::Value) -> Vec<String> {
    /// Adds `path` once, as it is shown; blank words are no verbs.
    fn add(word: &str, path: &str, out: &mut Vec<String>, seen: &mut HashSet<String>) -> bool {
        let shown = sanitize_line(path, 128);
        // Blank once cleaned: a word of control characters is no word either.
        if sanitize_line(word, 128).is_empty() || !seen.insert(shown.clone()) {
            return false;
        }
        out.push(shown);
        true
    }
    fn walk(
        prefix: &str,
        list: &serde_json::Value,
        out: &mut Vec<String>,
        seen: &mut HashSet<String>,
    ) {
        for v in list.as_array().into_iter().flatten() {
            let Some(name) = v.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            let path = match prefix {
                "" => name.to_string(),
                p => format!("{p} {name}"),
            };
            if !add(name, &path, out, seen) {
                continue;
            }
            if let Some(nested) = v.get("verbs") {
                walk(&path, nested, out, seen);
            }
            // A visible alias is a word the module takes too (completion, `tcli help`); a
            // subject's verbs are listed once, under its name.
            for alias in v["aliases"].as_array().into_iter().flatten() {
                if let Some(alias) = alias.as_str() {
                    let path = match prefix {
                        "" => alias.to_string(),
                        p => format!("{p} {alias}"),
                    };
                    add(alias, &path, out, seen);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", &manifest["verbs"], &mut out, &mut HashSet::new());
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
        Err((message, timed_out)) => {
            m.problems.push(Problem::Library { message });
            m.runnable = false;
            if timed_out {
                m.detail = Detail::NativeRetry {
                    retry_after: crate::model::now() + RETRY_AFTER_TIMEOUT_SECS,
                };
            }
            return m;
        }
    };
    // A valid name is unchanged; an invalid one is listed as a short clean line.
    m.name = sanitize_line(&d.name, crate::names::MAX_LEN);
    fill_from_descriptor(&mut m, &d);
    m
}

/// The fields a library's descriptor gives its index entry: name checks, description, verbs,
/// versions. Also what the pinned source uses, with the descriptor read at fetch time.
pub fn fill_from_descriptor(m: &mut ModuleInfo, d: &Descriptor) {
    if let Err(why) = crate::names::validate(&d.name) {
        m.problems.push(Problem::InvalidName {
            // Shown: made a short clean line, as the docker source does with a label's name.
            name: sanitize_line(&d.name, crate::names::MAX_LEN),
            from: None,
            why,
        });
        m.runnable = false;
    }
    let desc = sanitize_line(&d.description, DESCRIPTION_MAX);
    m.description = (!desc.is_empty()).then_some(desc);
    m.verbs = verbs_of(&d.manifest);
    if d.manifest.is_null() {
        m.problems.push(Problem::NoManifest);
    }
    m.detail = Detail::Native(NativeDetail {
        abi_version: d.abi_version,
        // Clean already when the probe child loaded the library; the index keeps them so
        // whatever wrote the report.
        plugin_version: sanitize_line(&d.plugin_version, VERSION_MAX),
        sdk_version: sanitize_line(&d.sdk_version, VERSION_MAX),
        pinned_by: None,
    });
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
        // Blank names are no verbs, and a verb is listed once however often it is declared.
        let m = serde_json::json!({"verbs": [
            {"name": "list", "aliases": ["ls", " "]},
            {"name": ""},
            {"name": "\u{7}\u{1b}"},
            {"name": "list"},
            {"name": "ls"}
        ]});
        assert_eq!(verbs_of(&m), ["list", "ls"]);
    }
}
