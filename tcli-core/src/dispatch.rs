//! From argv to a running module. The grammar (docs/cli.md): global flags only before the
//! module name, and everything after the name goes to the module byte for byte. Lookup of one
//! name is the catalog's (`catalog::find`); this file holds the one match that hands a module
//! to the runner of its kind.

use crate::catalog;
use crate::commands;
use crate::commands::Outcome;
use crate::context::Context;
use crate::error::Failure;
use crate::exit::Exit;
use crate::model::descriptor::PROBE_ARG;
use crate::model::Kind;
use crate::names::{self, Builtin};
use crate::runner;
use crate::ui;
use std::ffi::OsString;

/// Runs tcli with `args` (without argv\[0\]) and returns the exit code.
pub fn run(cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    // Hidden: a child tcli reading one library's descriptor (discovery, `modules install`).
    if args.first().is_some_and(|a| a == PROBE_ARG) {
        return runner::native::probe_child(args.get(1));
    }
    // Hidden: the completion scripts' question (`tcli completion <shell>`).
    if args
        .first()
        .is_some_and(|a| a == commands::completion::COMPLETE_ARG)
    {
        return commands::completion::cmd_complete(cx, args.into_iter().skip(1).collect());
    }
    let mut help = false;
    let mut rest = args.into_iter().peekable();
    while let Some(flag) = rest
        .peek()
        .and_then(|a| a.to_str())
        .filter(|a| a.starts_with('-'))
    {
        match flag {
            "-h" | "--help" => help = true,
            "-V" | "--version" => {
                ui::out(&format!("tcli {}\n", Context::version()));
                return Ok(Exit::Success.code());
            }
            "--" => {
                rest.next();
                break;
            }
            other => {
                return Err(Failure::UnknownOption {
                    option: other.to_string(),
                }
                .into());
            }
        }
        rest.next();
    }
    let Some(module) = rest.next() else {
        return commands::help::top_level(cx);
    };
    let args: Vec<OsString> = rest.collect();
    if help {
        // `tcli --help deploy x` is `tcli help deploy x`.
        let mut words = vec![module];
        words.extend(args);
        return forward(cx, commands::help::for_words(cx, words)?);
    }
    run_module(cx, module, args)
}

/// Runs `module args...`: a built-in, or a module from a source.
pub fn run_module(cx: &Context, module: OsString, args: Vec<OsString>) -> anyhow::Result<u8> {
    let Some(name) = module.to_str() else {
        return Err(Failure::NameNotUtf8 { name: module }.into());
    };
    if let Err(why) = names::validate(name) {
        return Err(Failure::InvalidName {
            name: name.to_string(),
            why,
        }
        .into());
    }
    if let Some(b) = Builtin::named(name) {
        return forward(cx, commands::run(cx, b, args)?);
    }
    let module = catalog::find(cx, name)?;
    match module.kind {
        Kind::Source => runner::exec::run_source(&module, &args),
        Kind::Exec => runner::exec::run(&module, &args),
        // The catalog lists built-ins under their own names only, each a `Builtin::named`.
        Kind::Builtin => unreachable!("every built-in is dispatched by name above"),
        Kind::Native => runner::native::run(cx, &module, &args),
        Kind::Docker => runner::docker::run(&module, &args),
    }
}

/// Finishes what a built-in left to do: `tcli help <module>` runs the module's own `--help`.
fn forward(cx: &Context, outcome: Outcome) -> anyhow::Result<u8> {
    match outcome {
        Outcome::Exit(code) => Ok(code),
        Outcome::Forward(module, words) => run_module(cx, module, words),
    }
}
