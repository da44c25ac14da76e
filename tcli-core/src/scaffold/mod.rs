//! Module skeletons for `tcli modules new`: which names may be taken, the files of each kind
//! (templates beside this file, filled in by plain substitution), the few commands that take a
//! skeleton to `tcli --help`, and writing it all or nothing. It does not print: the verb file
//! (`commands/modules/new.rs`) reports.
//!
//! All or nothing: the skeleton is written into a temp dir beside the destination, then moved
//! into place with a rename that refuses to replace anything, so an existing file or dir is
//! never touched and a failure leaves neither the destination nor the temp dir behind; SIGINT,
//! SIGTERM and SIGHUP wait until the write is whole or undone.

use crate::context::Context;
use crate::error::Failure;
use crate::prim::text::sh_word;
use anyhow::Context as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The kind of module to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A POSIX sh script, tcli-<name>, for PATH or a team repo's bin/
    Exec,
    /// A Rust crate on tcli-plugin-sdk: a shared library for 'tcli modules install'
    Native,
    /// A Dockerfile for an image that opts in with io.tcli.* labels
    Docker,
    /// A source plugin, tcli-source-<name>, offering its scripts dir's scripts as modules
    Source,
}

impl Kind {
    /// The lowercase name, as `--kind` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Exec => "exec",
            Kind::Native => "native",
            Kind::Docker => "docker",
            Kind::Source => "source",
        }
    }

    /// The one-line description the skeleton declares (what its two verbs do).
    pub fn summary(self) -> &'static str {
        match self {
            Kind::Exec => "Say hello and show what tcli passes to a module",
            Kind::Native => "Say hello and show the directories tcli gives a module",
            Kind::Docker => "Say hello from a container",
            Kind::Source => "Say hello from a script a source plugin offers",
        }
    }
}

/// One file of a skeleton, relative to its dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path inside the skeleton dir.
    pub path: String,
    /// The contents.
    pub contents: String,
    /// True for the module's own executable (mode 0755).
    pub executable: bool,
}

/// What `tcli modules new` was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// The module name.
    pub name: String,
    /// The kind of module.
    pub kind: Kind,
    /// The directory to create, as the user gave it (default `tcli-<name>`).
    pub dir: PathBuf,
}

/// A skeleton that now exists.
#[derive(Debug, Clone)]
pub struct Created {
    /// The files written, relative to the dir.
    pub files: Vec<String>,
    /// The commands from here to `tcli --help`, run from the current directory.
    pub steps: Vec<String>,
    /// The SDK the native crate depends on.
    pub sdk: Option<PathBuf>,
}

/// The default `--dir`: `tcli-<name>` in the current directory (`tcli-source-<name>` for a
/// source plugin, named like the file it holds).
pub fn default_dir(kind: Kind, name: &str) -> PathBuf {
    let prefix = match kind {
        Kind::Source => crate::sources::plugin::PREFIX,
        Kind::Exec | Kind::Native | Kind::Docker => crate::sources::exec::PREFIX,
    };
    PathBuf::from(format!("{prefix}{name}"))
}

/// Checks the request, then writes the skeleton. Every refusal is a [`Failure`] with a hint:
/// exit 2 for the name and the dir, 1 when no SDK can be found.
pub fn create(cx: &Context, req: &Request) -> anyhow::Result<Created> {
    check_name_grammar(&req.name)?;
    let parent = check_dir(&req.dir)?;
    check_name_free(cx, &req.name)?;
    if req.kind == Kind::Native && req.name == "sdk" {
        // The package would be `tcli-plugin-sdk`, the name of the crate it depends on.
        return Err(Failure::SdkName.into());
    }
    let sdk = match req.kind {
        Kind::Native => Some(find_sdk(cx.exe.as_deref()).ok_or_else(no_sdk)?),
        Kind::Exec | Kind::Docker | Kind::Source => None,
    };
    // The README's commands name the dir: a name they cannot spell would send users nowhere.
    let Some(shown) = req.dir.to_str() else {
        return Err(Failure::DirNotUtf8 {
            dir: req.dir.clone(),
        }
        .into());
    };
    if matches!(req.kind, Kind::Exec | Kind::Source) && shown.contains(':') {
        // The README puts the dir on PATH, where ':' separates entries.
        return Err(Failure::DirHasColon {
            dir: shown.to_string(),
        }
        .into());
    }
    let steps = steps(req.kind, &req.name, shown);
    let files = files(req.kind, &req.name, shown, &steps, sdk.as_deref())?;
    // A Ctrl-C while the skeleton is written would skip the temp dir's cleanup.
    tcli_plugin_sdk::signals::Deferred::around(|| write(&parent, &req.dir, &files))?;
    Ok(Created {
        files: files.into_iter().map(|f| f.path).collect(),
        steps,
        sdk,
    })
}

fn check_name_grammar(name: &str) -> anyhow::Result<()> {
    crate::names::validate(name).map_err(|why| {
        Failure::InvalidNewName {
            name: name.to_string(),
            why,
        }
        .into()
    })
}

/// Built-ins and every module any source offers, runnable or not: a new module of that name
/// would shadow or be shadowed by it.
fn check_name_free(cx: &Context, name: &str) -> anyhow::Result<()> {
    if crate::names::is_builtin(name) {
        return Err(Failure::NameIsBuiltin {
            name: name.to_string(),
            reserved: crate::names::Builtin::ALL.map(|b| b.name()).to_vec(),
        }
        .into());
    }
    let catalog = crate::catalog::load(cx);
    if let Some(r) = catalog.get(name) {
        return Err(Failure::NameTaken {
            name: name.to_string(),
            kind: r.module.kind.as_str(),
            location: r.module.location.clone(),
        }
        .into());
    }
    Ok(())
}

/// The destination must not exist (not even as a dangling symlink) and its parent must be a
/// directory; returns the parent.
fn check_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if let Ok(md) = std::fs::symlink_metadata(dir) {
        let what = if md.is_dir() {
            "a directory"
        } else if md.file_type().is_symlink() {
            "a symlink"
        } else {
            "a file"
        };
        return Err(Failure::DirExists {
            dir: dir.to_path_buf(),
            what,
        }
        .into());
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        // `tcli-x` has the parent "", and `/` has none (it exists, so it never gets here).
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Failure::ParentNotDir {
            dir: dir.to_path_buf(),
            in_the_way: std::fs::symlink_metadata(&parent).is_ok(),
            parent,
        }
        .into());
    }
    Ok(parent)
}

/// The installed SDK's place relative to the binary: `<prefix>/bin/tcli` finds
/// `<prefix>/share/tcli/plugin-sdk`, where install.sh puts a standalone copy.
pub const INSTALLED_SDK: &str = "share/tcli/plugin-sdk";

/// Where the SDK a new native crate depends on is: the copy installed beside the running tcli,
/// else the source tree this tcli was built from (a `cargo run` or test build), absolute.
pub fn find_sdk(exe: Option<&Path>) -> Option<PathBuf> {
    let installed = exe
        .and_then(|e| e.parent()?.parent())
        .map(|prefix| prefix.join(INSTALLED_SDK));
    let source = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../plugin-sdk")).to_path_buf();
    installed
        .into_iter()
        .chain([source])
        .filter(|d| d.join("Cargo.toml").is_file())
        .find_map(|d| d.canonicalize().ok())
}

fn no_sdk() -> Failure {
    Failure::NoSdk {
        installed: INSTALLED_SDK,
    }
}

/// The line of the source skeleton's steps that says why its variable comes first; a shell
/// comment, so the README's block still runs as it is.
pub const SCRIPTS_DIR_FIRST: &str =
    "# set TCLI_SCRIPTS_DIR before the first 'tcli --help' (tcli notices changed files, not a changed variable)";

/// The commands from the current directory to seeing the module in `tcli --help`, for a
/// skeleton in `dir` (as the user gave it). At most three commands, and for a source one
/// comment line.
pub fn steps(kind: Kind, name: &str, dir: &str) -> Vec<String> {
    let under = |rest: &str| sh_word(&format!("{}/{rest}", dir.trim_end_matches('/')));
    // `path` made absolute from where the user stands, as one shell word, then `tail` (which
    // holds a variable: inside the double quotes of a plain path, or quoted apart).
    let absolute = |path: &str, tail: &str| {
        let word = sh_word(path);
        let quoted_tail = if tail.is_empty() {
            String::new()
        } else {
            format!("{}\"{}\"", &tail[..1], &tail[1..])
        };
        match (path.starts_with('/'), word == path) {
            (true, true) => format!("\"{path}{tail}\""),
            (false, true) => format!("\"$PWD/{path}{tail}\""),
            (true, false) => format!("{word}{quoted_tail}"),
            (false, false) => format!("\"$PWD\"/{word}{quoted_tail}"),
        }
    };
    let on_path = || format!("export PATH={}", absolute(dir, ":$PATH"));
    match kind {
        Kind::Exec => vec![on_path(), "tcli --help".into()],
        Kind::Source => vec![
            on_path(),
            format!(
                "export TCLI_SCRIPTS_DIR={}",
                absolute(&format!("{}/scripts", dir.trim_end_matches('/')), "")
            ),
            // tcli lists a source again when its files change, never when a variable does: a
            // first `tcli --help` without the variable caches the default dir's scripts.
            SCRIPTS_DIR_FIRST.into(),
            "tcli --help".into(),
        ],
        Kind::Native => vec![
            format!(
                "cargo build --release --manifest-path {}",
                under("Cargo.toml")
            ),
            format!(
                "tcli modules install {}",
                under(&format!("target/release/{}", library_file(name)))
            ),
            "tcli --help".into(),
        ],
        Kind::Docker => vec![
            format!("docker build -t {name} {}", sh_word(dir)),
            "tcli --help".into(),
        ],
    }
}

/// The library cargo builds for package `tcli-plugin-<name>` on this platform.
pub fn library_file(name: &str) -> String {
    format!(
        "{}tcli_plugin_{}{}",
        std::env::consts::DLL_PREFIX,
        name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    )
}

/// The files of a skeleton: the templates with `{{name}}`, `{{summary}}`, `{{dir}}` (a shell
/// word), `{{steps}}` and, for native, `{{sdk_path}}` (a TOML string) filled in.
pub fn files(
    kind: Kind,
    name: &str,
    dir: &str,
    steps: &[String],
    sdk: Option<&Path>,
) -> anyhow::Result<Vec<File>> {
    let sdk_path = match sdk {
        Some(p) => {
            let s = p.to_str().with_context(|| {
                format!(
                    "the SDK path {} is not UTF-8, which Cargo.toml cannot hold",
                    p.display()
                )
            })?;
            toml::Value::String(s.to_string()).to_string()
        }
        None => String::new(),
    };
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{summary}}", kind.summary())
            .replace("{{dir}}", &sh_word(dir))
            .replace("{{steps}}", &steps.join("\n"))
            .replace("{{sdk_path}}", &sdk_path)
    };
    let file = |path: &str, template: &str, executable| File {
        path: path.to_string(),
        contents: fill(template),
        executable,
    };
    Ok(match kind {
        Kind::Exec => vec![
            // An exec module's file name is its name: `tcli-<name>`.
            file(
                &format!("{}{name}", crate::sources::exec::PREFIX),
                include_str!("exec/tcli-module"),
                true,
            ),
            file("README.md", include_str!("exec/README.md"), false),
        ],
        // Cargo.toml.in: a real `Cargo.toml` under src/ would read as a nested package to cargo.
        Kind::Native => vec![
            file("Cargo.toml", include_str!("native/Cargo.toml.in"), false),
            file("src/lib.rs", include_str!("native/lib.rs"), false),
            file("README.md", include_str!("native/README.md"), false),
            file(".gitignore", include_str!("native/gitignore"), false),
        ],
        Kind::Docker => vec![
            file("Dockerfile", include_str!("docker/Dockerfile"), false),
            file("entrypoint", include_str!("docker/entrypoint"), true),
            file("README.md", include_str!("docker/README.md"), false),
        ],
        // The source is the example docs/ ships, named for this skeleton; its first script is
        // the module the name asks for.
        Kind::Source => vec![
            File {
                path: format!("{}{name}", crate::sources::plugin::PREFIX),
                contents: include_str!("../../../docs/examples/tcli-source-scripts")
                    .replace("tcli-source-scripts", &format!("tcli-source-{name}")),
                executable: true,
            },
            file(
                &format!("scripts/{name}"),
                include_str!("source/script"),
                true,
            ),
            file("README.md", include_str!("source/README.md"), false),
        ],
    })
}

/// Writes `files` into a new directory `dest` (in `parent`), all or nothing.
pub fn write(parent: &Path, dest: &Path, files: &[File]) -> anyhow::Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix(".tcli-new-")
        // The umask decides, as for mkdir; tempfile's default 0700 would stay on the result.
        .permissions(std::fs::Permissions::from_mode(0o777))
        .tempdir_in(parent)
        .map_err(|e| Failure::CannotWriteIn {
            parent: parent.to_path_buf(),
            kind: e.kind(),
        })?;
    for f in files {
        let path = tmp.path().join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, &f.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if f.executable {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", path.display()))?;
        }
    }
    let moved = rustix::fs::renameat_with(
        rustix::fs::CWD,
        tmp.path(),
        rustix::fs::CWD,
        dest,
        rustix::fs::RenameFlags::NOREPLACE,
    );
    match moved {
        Ok(()) => {
            // Moved away: nothing is left at the temp path for the guard to remove.
            let _ = tmp.keep();
            Ok(())
        }
        // Created since `check_dir` looked: still never replaced.
        Err(rustix::io::Errno::EXIST) => Err(Failure::DirAppeared {
            dir: dest.to_path_buf(),
        }
        .into()),
        Err(e) => Err(std::io::Error::from(e))
            .with_context(|| format!("cannot move the new module into {}", dest.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [Kind; 4] = [Kind::Exec, Kind::Native, Kind::Docker, Kind::Source];

    fn rendered(kind: Kind) -> Vec<File> {
        let steps = steps(kind, "my-tool", "tcli-my-tool");
        files(
            kind,
            "my-tool",
            "tcli-my-tool",
            &steps,
            Some(Path::new("/sdk")),
        )
        .unwrap()
    }

    #[test]
    fn scaffold_fills_every_placeholder() {
        for kind in KINDS {
            for f in rendered(kind) {
                assert!(!f.contents.contains("{{"), "{kind:?} {}", f.path);
                assert!(f.contents.ends_with('\n'), "{kind:?} {}", f.path);
            }
        }
    }

    #[test]
    fn scaffold_readme_holds_at_most_three_steps_to_help() {
        for kind in KINDS {
            let steps = steps(kind, "my-tool", "tcli-my-tool");
            let commands = steps.iter().filter(|s| !s.starts_with('#')).count();
            assert!(commands <= 3, "{kind:?}: {steps:?}");
            assert_eq!(steps.last().unwrap(), "tcli --help");
            let readme = rendered(kind)
                .into_iter()
                .find(|f| f.path == "README.md")
                .unwrap();
            assert!(
                readme.contents.contains(&steps.join("\n")),
                "{kind:?}:\n{}",
                readme.contents
            );
        }
    }

    #[test]
    fn scaffold_steps_quote_odd_dirs() {
        assert_eq!(
            steps(Kind::Source, "x", "my dir")[..2],
            [
                r#"export PATH="$PWD"/'my dir':"$PATH""#,
                r#"export TCLI_SCRIPTS_DIR="$PWD"/'my dir/scripts'"#
            ]
        );
        assert_eq!(
            steps(Kind::Source, "x", "tcli-source-x/")[1],
            r#"export TCLI_SCRIPTS_DIR="$PWD/tcli-source-x/scripts""#
        );
        assert_eq!(
            steps(Kind::Exec, "x", "my dir")[0],
            r#"export PATH="$PWD"/'my dir':"$PATH""#
        );
        assert_eq!(
            steps(Kind::Exec, "x", "/abs/d")[0],
            r#"export PATH="/abs/d:$PATH""#
        );
        assert_eq!(
            steps(Kind::Exec, "x", "tcli-x")[0],
            r#"export PATH="$PWD/tcli-x:$PATH""#
        );
        assert_eq!(
            steps(Kind::Native, "my-x", "it's")[1],
            format!(
                r"tcli modules install 'it'\''s/target/release/{}'",
                library_file("my-x")
            )
        );
    }

    #[test]
    fn scaffold_native_depends_on_the_sdk_by_absolute_path() {
        let manifest = rendered(Kind::Native)
            .into_iter()
            .find(|f| f.path == "Cargo.toml")
            .unwrap();
        assert!(manifest
            .contents
            .contains(r#"tcli-plugin-sdk = { path = "/sdk" }"#));
        assert!(manifest.contents.contains("name = \"tcli-plugin-my-tool\""));
    }

    #[test]
    fn scaffold_write_never_replaces_and_leaves_no_temp_dir() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("taken");
        std::fs::create_dir(&dest).unwrap();
        std::fs::write(dest.join("keep"), "mine").unwrap();
        let err = write(root.path(), &dest, &rendered(Kind::Exec)).unwrap_err();
        assert_eq!(crate::error::exit_of(&err), crate::exit::Exit::Usage);
        assert_eq!(std::fs::read_to_string(dest.join("keep")).unwrap(), "mine");
        let left: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "temp dir left behind");
    }

    #[test]
    fn scaffold_write_creates_the_files_with_their_modes() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("new");
        write(root.path(), &dest, &rendered(Kind::Docker)).unwrap();
        let mode = |p: &str| {
            std::fs::metadata(dest.join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("entrypoint"), 0o755);
        assert!(std::fs::read_to_string(dest.join("Dockerfile"))
            .unwrap()
            .contains(r#"io.tcli.module="my-tool""#));
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
