//! Built-in modules: one folder per module, one file per verb. Verb files parse their clap
//! args and call into the logic modules; they hold no logic of their own.

pub mod complete;
pub mod completion;
pub mod help;
pub mod modules;
pub mod team;

use crate::context::Context;
use crate::names::Builtin;
use std::ffi::OsString;

/// What a built-in leaves to do: exit with a code, or run a module's own `--help` (`tcli help
/// <module> words...`), which the dispatcher does; commands never call back up into it.
pub enum Outcome {
    /// Done: exit with this code.
    Exit(u8),
    /// Run `tcli <module> <words...>` (the words end in `--help`).
    Forward(OsString, Vec<OsString>),
}

/// Runs the built-in `b` with the words after it.
pub fn run(cx: &Context, b: Builtin, args: Vec<OsString>) -> anyhow::Result<Outcome> {
    match b {
        Builtin::Completion => completion::cmd_completion(cx, args).map(Outcome::Exit),
        Builtin::Help => help::cmd_help(cx, args),
        Builtin::Modules => modules::cmd_modules(cx, args).map(Outcome::Exit),
        Builtin::Team => team::cmd_team(cx, args).map(Outcome::Exit),
    }
}

/// The clap command of the built-in `b`, named as users type it.
pub fn command(b: Builtin) -> clap::Command {
    use clap::CommandFactory;
    match b {
        Builtin::Completion => completion::CompletionArgs::command(),
        Builtin::Help => help::HelpArgs::command(),
        Builtin::Modules => modules::ModulesCli::command(),
        Builtin::Team => team::TeamCli::command(),
    }
    .name(b.name())
}

/// The whole built-in command line as one clap tree: what the CLI reference, the man pages and
/// completion read. tcli itself parses its global flags by hand (the grammar of docs/cli.md
/// gives every word after the module name to the module), so this tree only describes them.
pub fn cli() -> clap::Command {
    clap::Command::new("tcli")
        .version(crate::context::Context::version())
        .about("The team command line")
        .long_about(
            "The team command line: one entry point for a team's tools. Every tool is a module, \
             run as 'tcli <module> <verb> [args...]' or 'tcli <module> <subject> <verb> \
             [args...]'. Modules are executables named tcli-<module> on the search path (each \
             team repo's bin/, then PATH), native plugins built with tcli-plugin-sdk, and local \
             Docker images labelled io.tcli.module. 'tcli' alone lists them all.",
        )
        .override_usage(help::USAGE)
        .disable_help_subcommand(true)
        .subcommands(Builtin::ALL.map(command))
        .after_long_help(
            "Everything after <module> belongs to the module, byte for byte. Exit codes: 0 \
             success; 1 tcli failed; 2 usage error or unknown module; 101 a native module \
             panicked; 125 the Docker engine failed before the module started; 126 the module \
             cannot start; 128+N killed by signal N; anything else is the module's own.",
        )
}

/// Parses `args` as `tcli <module> ...` with clap and runs `then` on them; help and usage
/// errors are printed and become the exit code.
pub fn parse_then<P: clap::Parser>(
    b: Builtin,
    args: Vec<OsString>,
    then: impl FnOnce(P) -> anyhow::Result<u8>,
) -> anyhow::Result<u8> {
    match parse(b.name(), args) {
        Ok(parsed) => then(parsed),
        Err(code) => Ok(code),
    }
}

/// Parses `args` as `tcli <module> ...` with clap; help and usage errors are printed and
/// become the exit code. (The git helper parses `tcli team ...` with it too.)
pub fn parse<P: clap::Parser>(module: &str, args: Vec<OsString>) -> Result<P, u8> {
    let argv = std::iter::once(OsString::from(format!("tcli {module}"))).chain(args);
    P::try_parse_from(argv).map_err(|e| crate::ui::clap_error(&e))
}

/// The catalog's notes as warnings on stderr, then how to recover from them.
pub(crate) fn warn_notes(catalog: &crate::catalog::Catalog) {
    for note in &catalog.notes {
        crate::ui::warn(&format!("{} modules: {}", note.kind.as_str(), note.line));
        if let Some(hint) = &note.hint {
            crate::ui::hint(hint);
        }
    }
}
