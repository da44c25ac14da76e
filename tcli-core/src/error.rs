//! The error that reaches the user: what failed, why, the fix, and the exit code. Everything
//! tcli itself refuses or fails at is a [`Failure`] variant, and this file is the one place
//! where each becomes its `error:` line (`Display`), its `hint:` line ([`Failure::hint`]) and
//! its exit code ([`Failure::exit`]), as jj's `command_error.rs` and the secrets module's
//! `problem.rs` do. Commands return `anyhow::Result`; `ui::error` prints whatever reaches
//! `main`, reading the code and hint with [`exit_of`] and [`hint_of`].
//!
//! [`CliError`] is the untyped carrier a helper binary turns its own typed errors into (the
//! docker helper's misuse); tcli-core itself builds none.

use crate::context::Context;
use crate::exit::Exit;
use crate::model::Kind;
use crate::prim::text::sh_word;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use tcli_helper::docker::{EngineError, ErrorKind};
use tcli_helper::HelperError;
use tcli_plugin_sdk::abi;
use tcli_plugin_sdk::settings_file::ReadError;

/// An error with an exit code and an optional hint.
#[derive(Debug)]
pub struct CliError {
    /// The exit code tcli ends with.
    pub exit: Exit,
    /// One line: what failed, naming the thing.
    pub message: String,
    /// One line: how to fix it.
    pub hint: Option<String>,
}

impl CliError {
    /// A new error with the given code and message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds the fix.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

// No field is named `source`: a failure is one line and its hint, never a "caused by:" chain.
/// Everything tcli itself refuses or fails at. The message is the `Display`; code branches on
/// the variant, never on the text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    // Dispatch and lookup.
    /// An option before the module name that tcli does not take.
    #[error("unknown option '{option}'")]
    UnknownOption { option: String },
    /// A module name that is not UTF-8.
    #[error("invalid module name {name:?}: it is not valid UTF-8")]
    NameNotUtf8 { name: OsString },
    /// A module name that breaks the name rule.
    #[error("invalid module name '{}': {why}", name.escape_debug())]
    InvalidName { name: String, why: String },
    /// A module that is listed but cannot run.
    #[error("module '{name}' ({location}) cannot run: {}", problems.join("; "))]
    CannotRun {
        name: String,
        location: String,
        problems: Vec<String>,
    },
    /// A name no source offers, with up to three similar ones.
    #[error("no module named '{name}'")]
    NoModule { name: String, similar: Vec<String> },
    /// `modules which` of a name no source offers, with the closest one.
    #[error("no module named '{name}'")]
    NothingToLocate {
        name: String,
        similar: Option<String>,
    },
    /// A verb the module does not declare.
    #[error("module '{name}' has no verb '{}'", wanted.escape_debug())]
    NoVerb {
        name: String,
        wanted: String,
        /// The module or subject whose verbs were looked in.
        owner: String,
        /// Its verbs.
        verbs: Vec<String>,
        similar: Option<String>,
    },

    // Settings and teams.
    /// A settings file that cannot be read.
    #[error("cannot read {}: {error}", path.display())]
    SettingsUnreadable { path: PathBuf, error: ReadError },
    /// A settings file that is not TOML.
    #[error("{} has a syntax error{}: {message}", path.display(), line.map_or(String::new(), |l| format!(" at line {l}")))]
    SettingsSyntax {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// The team registry cannot be read.
    #[error("cannot read the team registry {}: {error}", path.display())]
    RegistryUnreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The team registry is not what tcli writes.
    #[error("the team registry {} is corrupt: {error}", path.display())]
    RegistryCorrupt {
        path: PathBuf,
        error: serde_json::Error,
        teams_dir: PathBuf,
    },
    /// A team name that is not configured.
    #[error("no team named '{name}'")]
    NoTeam {
        name: String,
        configured: Vec<String>,
    },
    /// A team name that breaks the name rule; `from_url` when tcli took it from the URL.
    #[error("invalid team name '{}': {why}", name.escape_debug())]
    InvalidTeamName {
        name: String,
        why: String,
        from_url: bool,
    },
    /// A registered team whose checkout is gone.
    #[error("the checkout of team '{name}' is missing: {}", dir.display())]
    MissingCheckout {
        name: String,
        url: String,
        dir: PathBuf,
    },

    // Runners.
    /// An exec or source module whose file cannot be executed.
    #[error("module '{name}' ({}{}) cannot be started: {error}", program.display(), offered_by.as_ref().map_or(String::new(), |s| format!(", offered by {s}")))]
    ExecFailed {
        name: String,
        program: PathBuf,
        /// The source plugin that offers it.
        offered_by: Option<String>,
        error: std::io::Error,
    },
    /// A word for a docker module that the Docker API cannot carry.
    #[error("argument {position} for docker module '{name}' is not valid UTF-8 ({arg:?}), which the Docker API cannot carry")]
    DockerArgNotUtf8 {
        name: String,
        position: usize,
        arg: OsString,
    },
    /// A pinned image that is no longer in the engine.
    #[error("module '{name}': the image {image} pinned by team '{team}' is no longer in the Docker engine")]
    PinnedImageGone {
        name: String,
        image: String,
        team: String,
    },
    /// A labelled image that is no longer in the engine.
    #[error("module '{name}': image {image} ({location}) is no longer in the Docker engine")]
    ImageGone {
        name: String,
        image: String,
        location: String,
    },
    /// The engine could not be asked for the module's image.
    #[error("cannot run docker module '{name}': {error}")]
    EngineUnusable { name: String, error: EngineError },
    /// The engine could not execute the image's entrypoint.
    #[error("module '{name}' (image {image}) cannot start: {why}")]
    ContainerCannotStart {
        name: String,
        image: String,
        /// The engine's words, one clean line.
        why: String,
    },
    /// The engine failed while the container ran.
    #[error("the Docker engine at {host} failed running module '{name}' (image {image}): {error}")]
    EngineFailed {
        host: String,
        name: String,
        image: String,
        error: EngineError,
    },
    /// A signal came before the container started.
    #[error("module '{name}' was interrupted by signal {signal} before it started")]
    Interrupted { name: String, signal: i32 },
    /// A native library the loader refuses.
    #[error("cannot load {}: {why}", path.display())]
    LibraryUnloadable { path: PathBuf, why: String },
    /// A library without the entry symbol.
    #[error("{} is not a tcli module: it exports no '{}' symbol", path.display(), abi::ENTRY_SYMBOL)]
    NoEntrySymbol { path: PathBuf },
    /// An entry symbol that returned no descriptor.
    #[error("{} is not a tcli module: '{}' returned no descriptor", path.display(), abi::ENTRY_SYMBOL)]
    NoDescriptor { path: PathBuf },
    /// A descriptor without tcli's magic.
    #[error("{} is not a tcli module: its descriptor starts with {magic:#018x}, not the tcli magic {:#018x} (\"TCLIPLG\")", path.display(), abi::MAGIC)]
    BadMagic { path: PathBuf, magic: u64 },
    /// A library built for another plugin ABI.
    #[error("{} was built for tcli plugin ABI {abi_version}; this tcli {} supports ABI {}", path.display(), Context::version(), abi::ABI_VERSION)]
    AbiMismatch { path: PathBuf, abi_version: u32 },
    /// A descriptor smaller than the ABI's.
    #[error("{} has a bad descriptor: {size} bytes, ABI {} needs at least {}", path.display(), abi::ABI_VERSION, abi::PLUGIN_STRUCT_SIZE)]
    DescriptorTooSmall { path: PathBuf, size: u32 },
    /// A descriptor string that is missing.
    #[error("{} has a bad descriptor: its {field} is missing", path.display())]
    DescriptorFieldMissing { path: PathBuf, field: &'static str },
    /// A descriptor string that is not UTF-8.
    #[error("{} has a bad descriptor: its {field} is not UTF-8", path.display())]
    DescriptorFieldNotUtf8 { path: PathBuf, field: &'static str },
    /// A library that now declares another module than the index says.
    #[error("{location} now declares module '{now}', not '{was}'")]
    ModuleRenamed {
        location: String,
        now: String,
        was: String,
    },
    /// The hidden native probe without its file.
    #[error("{arg} needs a file")]
    ProbeNeedsFile { arg: &'static str },

    // `modules install|remove`.
    /// The file to install cannot be read.
    #[error("cannot read {}: {error}", file.display())]
    InstallUnreadable {
        file: PathBuf,
        error: std::io::Error,
    },
    /// The file to install is no shared library.
    #[error("{} is not a shared library file (*.so, *.dylib or *.dll)", file.display())]
    InstallNotLibrary { file: PathBuf },
    /// The library to install failed its probe.
    #[error("cannot install {}: {why}", file.display())]
    InstallRefused { file: PathBuf, why: String },
    /// The library to install declares an invalid name.
    #[error("cannot install {}: it declares the invalid module name {name:?}: {why}", file.display())]
    InstallInvalidName {
        file: PathBuf,
        name: String,
        why: String,
    },
    /// The library to install declares a built-in's name.
    #[error("cannot install {}: '{name}' is the name of a built-in module", file.display())]
    InstallBuiltinName { file: PathBuf, name: String },
    /// `modules remove` of a name no source offers.
    #[error("no module named '{name}'")]
    NothingToRemove { name: String },
    /// `modules remove` of a module tcli did not install.
    #[error("module '{name}' is not an installed native module: it is the {} module at {location}", kind.as_str())]
    NotInstalled {
        name: String,
        kind: Kind,
        location: String,
        /// The team that pins it.
        pinned_by: Option<String>,
        /// The source plugin that offers it (a source module).
        offered_by: Option<String>,
    },

    // `modules new`.
    /// The one name a native skeleton cannot take.
    #[error("module name 'sdk' cannot be a native module: its crate would be named tcli-plugin-sdk, like the SDK it depends on")]
    SdkName,
    /// A new module's name that breaks the name rule.
    #[error("invalid module name '{}': {why}", name.escape_debug())]
    InvalidNewName { name: String, why: String },
    /// A new module's name that a built-in has.
    #[error("module name '{name}' is taken by a built-in")]
    NameIsBuiltin {
        name: String,
        reserved: Vec<&'static str>,
    },
    /// A new module's name that a module has.
    #[error("module name '{name}' is taken by the {kind} module at {}", location.escape_debug())]
    NameTaken {
        name: String,
        kind: &'static str,
        location: String,
    },
    /// A `--dir` the README's commands cannot spell.
    #[error("--dir {} is not valid UTF-8, which the README's commands cannot spell", dir.display())]
    DirNotUtf8 { dir: PathBuf },
    /// A `--dir` that cannot be put on PATH.
    #[error("--dir {dir} contains ':', which cannot be put on PATH")]
    DirHasColon { dir: String },
    /// A `--dir` that exists; `what` it is.
    #[error("{} already exists ({what})", dir.display())]
    DirExists { dir: PathBuf, what: &'static str },
    /// A `--dir` made since it was checked.
    #[error("{} already exists", dir.display())]
    DirAppeared { dir: PathBuf },
    /// A `--dir` whose parent is no directory; `in_the_way` when something else is there.
    #[error("cannot create {}: {} is not a directory", dir.display(), parent.display())]
    ParentNotDir {
        dir: PathBuf,
        parent: PathBuf,
        in_the_way: bool,
    },
    /// A `--dir` whose parent cannot be written.
    #[error("cannot write in {}: {kind}", parent.display())]
    CannotWriteIn {
        parent: PathBuf,
        kind: std::io::ErrorKind,
    },
    /// No SDK for a native skeleton; `installed` is where one is looked for under the prefix.
    #[error("cannot find tcli-plugin-sdk (looked for <prefix>/{installed} beside this tcli, and for the source tree it was built from)")]
    NoSdk { installed: &'static str },
}

impl Failure {
    /// The exit code (docs/cli.md, "Exit codes").
    pub fn exit(&self) -> Exit {
        use Failure as F;
        match self {
            F::UnknownOption { .. }
            | F::NameNotUtf8 { .. }
            | F::InvalidName { .. }
            | F::NoModule { .. }
            | F::NothingToLocate { .. }
            | F::NoVerb { .. }
            | F::NoTeam { .. }
            | F::InvalidTeamName { .. }
            | F::DockerArgNotUtf8 { .. }
            | F::ProbeNeedsFile { .. }
            | F::NothingToRemove { .. }
            | F::SdkName
            | F::InvalidNewName { .. }
            | F::NameIsBuiltin { .. }
            | F::NameTaken { .. }
            | F::DirNotUtf8 { .. }
            | F::DirHasColon { .. }
            | F::DirExists { .. }
            | F::DirAppeared { .. }
            | F::ParentNotDir { .. } => Exit::Usage,
            F::CannotRun { .. }
            | F::ExecFailed { .. }
            | F::PinnedImageGone { .. }
            | F::ImageGone { .. }
            | F::ContainerCannotStart { .. }
            | F::LibraryUnloadable { .. }
            | F::NoEntrySymbol { .. }
            | F::NoDescriptor { .. }
            | F::BadMagic { .. }
            | F::AbiMismatch { .. }
            | F::DescriptorTooSmall { .. }
            | F::DescriptorFieldMissing { .. }
            | F::DescriptorFieldNotUtf8 { .. }
            | F::ModuleRenamed { .. } => Exit::CannotRun,
            F::EngineUnusable { .. } | F::EngineFailed { .. } => Exit::Engine,
            F::SettingsUnreadable { .. }
            | F::SettingsSyntax { .. }
            | F::RegistryUnreadable { .. }
            | F::RegistryCorrupt { .. }
            | F::MissingCheckout { .. }
            | F::Interrupted { .. }
            | F::InstallUnreadable { .. }
            | F::InstallNotLibrary { .. }
            | F::InstallRefused { .. }
            | F::InstallInvalidName { .. }
            | F::InstallBuiltinName { .. }
            | F::NotInstalled { .. }
            | F::CannotWriteIn { .. }
            | F::NoSdk { .. } => Exit::Failure,
        }
    }

    /// The fix, one line, when there is one.
    pub fn hint(&self) -> Option<String> {
        use Failure as F;
        Some(match self {
            F::UnknownOption { .. } => "tcli takes only -h/--help and -V/--version before the module name; options after it belong to the module".into(),
            F::InvalidName { .. } => "module names look like 'deploy' or 'db-backup'; run 'tcli --help' to see them".into(),
            F::CannotRun { name, .. } => format!("run 'tcli modules which {name}' for details"),
            F::NoModule { similar, .. } => similar_modules(similar),
            F::NothingToLocate { similar, .. } => {
                format!("a module with a similar name exists: '{}'", similar.as_ref()?)
            }
            F::NoVerb { owner, verbs, similar, .. } => no_verb(owner, verbs, similar.as_deref()),
            F::SettingsUnreadable { error, .. } => unreadable_settings(error).into(),
            F::SettingsSyntax { path, .. } => format!(
                "fix the file (it is TOML), then run the command again: {}",
                path.display()
            ),
            F::RegistryCorrupt { teams_dir, .. } => format!(
                "fix it by hand (a JSON list of {{\"name\", \"url\"}}) or delete it and add the teams again; the checkouts in {} are untouched",
                teams_dir.display()
            ),
            F::NoTeam { configured, .. } if configured.is_empty() => {
                "no team repos are configured; add one with 'tcli team add <url>'".into()
            }
            F::NoTeam { configured, .. } => format!("configured teams: {}", configured.join(", ")),
            F::InvalidTeamName { from_url, .. } => invalid_team_name(*from_url).into(),
            F::MissingCheckout { name, url, .. } => format!(
                "clone it again: tcli team remove {name} && tcli team add {url} --name {name}"
            ),
            F::ExecFailed { program, error, .. } => exec_failed(program, error),
            F::DockerArgNotUtf8 { .. } => {
                "pass the value through a file in the current directory instead".into()
            }
            F::PinnedImageGone { team, .. } => format!("pull it again: tcli team update {team}"),
            F::ImageGone { .. } => "rebuild or pull the image yourself (tcli never pulls), then run the command again".into(),
            F::EngineUnusable { error, .. } => engine_unusable(&error.kind).into(),
            F::ContainerCannotStart { image, .. } => format!(
                "check the image's ENTRYPOINT; 'docker run --rm {image} --help' shows the same failure"
            ),
            F::EngineFailed { .. } => {
                "check the engine with 'docker info', then run the command again".into()
            }
            F::LibraryUnloadable { .. } => "is it a shared library built for this machine? rebuild it, or remove it from the plugin dir".into(),
            F::NoEntrySymbol { .. } | F::NoDescriptor { .. } | F::BadMagic { .. } => {
                NOT_OURS.into()
            }
            F::AbiMismatch { abi_version, .. } if *abi_version > abi::ABI_VERSION => {
                "upgrade tcli, or rebuild the module with a tcli-plugin-sdk for ABI 1".into()
            }
            F::AbiMismatch { .. } => "rebuild the module with a current tcli-plugin-sdk".into(),
            F::DescriptorTooSmall { .. } => "rebuild the module with tcli-plugin-sdk".into(),
            F::ModuleRenamed { .. } => {
                "run 'tcli modules list' to see the modules as they are now".into()
            }
            F::InstallUnreadable { .. } => "give the path of a library built with tcli-plugin-sdk, such as target/release/libtcli_plugin_hello.so".into(),
            F::InstallNotLibrary { .. } => "build the module crate (crate-type = [\"cdylib\"]) and give the library cargo wrote under target/".into(),
            F::InstallRefused { .. } => {
                "build it with tcli-plugin-sdk's export_plugin! macro (docs/native-abi.md)".into()
            }
            F::InstallInvalidName { .. } | F::InstallBuiltinName { .. } => {
                "change the name given to export_plugin! and rebuild".into()
            }
            F::NothingToRemove { .. } => {
                "run 'tcli modules list' to see the modules and where they live".into()
            }
            F::NotInstalled { name, pinned_by: Some(team), .. } => format!(
                "team '{team}' pins it: remove [modules.{name}] from its tcli.toml, then run 'tcli team update {team}'"
            ),
            F::NotInstalled { kind, location, offered_by, .. } => {
                not_installed(*kind, location, offered_by.as_deref())
            }
            F::SdkName => "choose another name, for example 'sdk-tools'".into(),
            F::InvalidNewName { .. } => "a module name is lowercase letters, digits and single dashes, starting with a letter (for example 'deploy-k8s')".into(),
            F::NameIsBuiltin { reserved, .. } => {
                format!("choose another name; {} are reserved", reserved.join(", "))
            }
            F::NameTaken { name, .. } => format!(
                "choose another name ('tcli modules which {name}' shows everything of that name)"
            ),
            F::DirNotUtf8 { .. } => "pass a --dir whose name is UTF-8".into(),
            F::DirHasColon { .. } => "pass a --dir without ':'".into(),
            F::DirExists { .. } => format!("{NEVER_OVERWRITES}, or move that one away"),
            F::DirAppeared { .. } => NEVER_OVERWRITES.into(),
            F::ParentNotDir { parent, in_the_way, .. } => parent_not_dir(parent, *in_the_way),
            F::CannotWriteIn { .. } => "pass a --dir in a directory you can write to".into(),
            F::NoSdk { .. } => "install tcli with install.sh, which installs the SDK too, or run tcli from a checkout of its source".into(),
            F::NameNotUtf8 { .. }
            | F::RegistryUnreadable { .. }
            | F::Interrupted { .. }
            | F::DescriptorFieldMissing { .. }
            | F::DescriptorFieldNotUtf8 { .. }
            | F::ProbeNeedsFile { .. } => return None,
        })
    }
}

/// What `tcli modules install` says of every library not built with the SDK's macro.
const NOT_OURS: &str = "build it with tcli-plugin-sdk's export_plugin! macro (docs/native-abi.md), or remove it from the plugin dir";

/// Why `tcli modules new` refuses a `--dir` that exists.
const NEVER_OVERWRITES: &str = "tcli modules new never overwrites: pass a new path with --dir";

fn similar_modules(similar: &[String]) -> String {
    match similar {
        [] => "run 'tcli --help' to see the modules you have".into(),
        [one] => format!("a module with a similar name exists: '{one}'"),
        many => {
            let quoted: Vec<String> = many.iter().map(|s| format!("'{s}'")).collect();
            format!("modules with similar names exist: {}", quoted.join(", "))
        }
    }
}

fn no_verb(owner: &str, verbs: &[String], similar: Option<&str>) -> String {
    match similar {
        Some(v) => format!(
            "did you mean '{v}'? ('{owner}' takes: {})",
            verbs.join(", ")
        ),
        None => format!("'{owner}' takes: {}", verbs.join(", ")),
    }
}

fn invalid_team_name(from_url: bool) -> &'static str {
    if from_url {
        "choose a name with --name, for example --name acme-tools"
    } else {
        "team names look like 'acme' or 'acme-tools': a-z, 0-9 and '-'"
    }
}

fn parent_not_dir(parent: &std::path::Path, in_the_way: bool) -> String {
    // `mkdir -p` only helps where nothing (not a file, not a dangling link) is in the way.
    if in_the_way {
        "pass a --dir inside an existing directory".into()
    } else {
        format!(
            "create it first (mkdir -p {}), or pass another --dir",
            sh_word(&parent.to_string_lossy())
        )
    }
}

fn unreadable_settings(error: &ReadError) -> &'static str {
    match error {
        ReadError::TooLarge => "keep data out of tcli.toml; it holds settings only",
        ReadError::NotAFile | ReadError::NotText => {
            "a tcli.toml is a text file; fix or remove it, then run the command again"
        }
        _ => "fix what the error names, then run the command again",
    }
}

fn exec_failed(program: &std::path::Path, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!("make it executable: chmod +x {}", program.display())
        }
        std::io::ErrorKind::NotFound => {
            "its interpreter (the #! line) may be missing, or the file was removed".into()
        }
        _ => "check the file's #! line and that it was built for this machine".into(),
    }
}

fn engine_unusable(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Absent => "start the Docker engine, or set DOCKER_HOST to where it listens",
        ErrorKind::Denied => {
            "add yourself to the 'docker' group (then log in again), or set DOCKER_HOST"
        }
        ErrorKind::Unreachable => "start the Docker engine (dockerd), or fix DOCKER_HOST",
        ErrorKind::Timeout => "the engine accepted the connection but did not answer: restart it",
        ErrorKind::Api(_) | ErrorKind::Other => {
            "check the engine with 'docker info', then run the command again"
        }
    }
}

fn not_installed(kind: Kind, location: &str, offered_by: Option<&str>) -> String {
    match (kind, offered_by) {
        (Kind::Builtin, _) => "built-in modules are part of tcli and cannot be removed".into(),
        (Kind::Native, _) => {
            format!("it was not installed by tcli; delete the file yourself: rm {location}")
        }
        (Kind::Exec, _) => format!("delete the executable yourself: rm {location}"),
        (Kind::Docker, _) => format!("remove the image yourself: docker rmi {location}"),
        (Kind::Source, Some(source)) => format!("it is offered by the source plugin {source}"),
        (Kind::Source, None) => "it is offered by a source plugin".into(),
    }
}

/// The code and hint of an error in a chain that carries them: a [`Failure`], a
/// [`HelperError`] or a [`CliError`].
fn reported(e: &(dyn std::error::Error + 'static)) -> Option<(Exit, Option<String>)> {
    if let Some(f) = e.downcast_ref::<Failure>() {
        return Some((f.exit(), f.hint()));
    }
    if let Some(h) = e.downcast_ref::<HelperError>() {
        return Some((Exit::Failure, h.hint().map(str::to_string)));
    }
    e.downcast_ref::<CliError>()
        .map(|c| (c.exit, c.hint.clone()))
}

/// True for an error whose message is a headline of its own (see [`reported`]):
/// `ui::error` shows it as the `error:` line, never as a "caused by:".
pub fn is_reported(e: &(dyn std::error::Error + 'static)) -> bool {
    reported(e).is_some()
}

/// The exit code for any error: the first failure in the chain that carries one decides,
/// else 1.
pub fn exit_of(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(reported)
        .map_or(Exit::Failure, |(exit, _)| exit)
}

/// The hint of the first failure in the chain that has one (see [`reported`]).
pub fn hint_of(err: &anyhow::Error) -> Option<String> {
    err.chain().filter_map(reported).find_map(|(_, hint)| hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_failure_codes_and_hints_reach_the_chain() {
        let e: anyhow::Error = Failure::SdkName.into();
        assert_eq!(exit_of(&e), Exit::Usage);
        assert_eq!(
            hint_of(&e).as_deref(),
            Some("choose another name, for example 'sdk-tools'")
        );
        let e = anyhow::Error::from(Failure::Interrupted {
            name: "x".into(),
            signal: 2,
        })
        .context("outer");
        assert_eq!(exit_of(&e), Exit::Failure);
        assert_eq!(hint_of(&e), None);
        let e: anyhow::Error = CliError::new(Exit::CannotRun, "m").hint("h").into();
        assert_eq!(
            (exit_of(&e), hint_of(&e).as_deref()),
            (Exit::CannotRun, Some("h"))
        );
    }

    #[test]
    fn error_no_module_hint_names_the_similar_ones() {
        let hint = |similar: &[&str]| {
            Failure::NoModule {
                name: "x".into(),
                similar: similar.iter().map(|s| s.to_string()).collect(),
            }
            .hint()
            .unwrap()
        };
        assert_eq!(hint(&[]), "run 'tcli --help' to see the modules you have");
        assert_eq!(hint(&["a"]), "a module with a similar name exists: 'a'");
        assert_eq!(
            hint(&["a", "b"]),
            "modules with similar names exist: 'a', 'b'"
        );
    }
}
