//! Built-in modules: one folder per module, one file per verb. Verb files parse their clap
//! args and call into the logic modules; they hold no logic of their own.

pub mod completion;
pub mod help;
pub mod modules;
pub mod team;

use crate::context::Context;
use crate::error::CliError;
use std::ffi::OsString;

/// Runs the built-in `name` with the words after it.
pub fn run_builtin(cx: &Context, name: &str, args: Vec<OsString>) -> anyhow::Result<u8> {
    match name {
        "completion" => completion::cmd_completion(cx, args),
        "help" => help::cmd_help(cx, args),
        "modules" => modules::cmd_modules(cx, args),
        "team" => team::cmd_team(cx, args),
        other => Err(CliError::usage(format!(
            "the built-in '{other}' is not available in this build"
        ))
        .into()),
    }
}

/// Parses `args` as `tcli <module> ...` with clap; help and usage errors are printed and
/// become the exit code.
pub fn parse<P: clap::Parser>(module: &str, args: Vec<OsString>) -> Result<P, u8> {
    let argv = std::iter::once(OsString::from(format!("tcli {module}"))).chain(args);
    P::try_parse_from(argv).map_err(|e| crate::ui::clap_error(&e))
}
