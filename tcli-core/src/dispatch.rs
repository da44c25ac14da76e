//! From argv to a running module. The grammar of BRIEF section 1: global flags only before the
//! module name, and everything after the name goes to the module byte for byte. Lookup of one
//! name follows precedence (built-in > native > exec > docker) without building the whole
//! catalog; this file holds the only match over module kinds.

use crate::catalog;
use crate::commands;
use crate::context::Context;
use crate::discovery::{self, Kind, ModuleInfo};
use crate::error::CliError;
use crate::exit::Exit;
use crate::index::{self, Index};
use crate::names;
use crate::runner;
use crate::ui;
use std::ffi::OsString;

/// Runs tcli with `args` (without argv\[0\]) and returns the exit code.
pub fn run(cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    // Hidden: a child tcli reading one library's descriptor (discovery, `modules install`).
    if args.first().is_some_and(|a| a == runner::native::PROBE_ARG) {
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
                return Err(CliError::usage(format!("unknown option '{other}'"))
                    .hint("tcli takes only -h/--help and -V/--version before the module name; options after it belong to the module")
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
        return commands::help::for_words(cx, words);
    }
    run_module(cx, module, args)
}

/// Runs `module args...`: a built-in, or a module from a source.
pub fn run_module(cx: &Context, module: OsString, args: Vec<OsString>) -> anyhow::Result<u8> {
    let Some(name) = module.to_str() else {
        return Err(CliError::usage(format!(
            "invalid module name {module:?}: it is not valid UTF-8"
        ))
        .into());
    };
    if let Err(why) = names::validate(name) {
        return Err(CliError::usage(format!(
            "invalid module name '{}': {why}",
            name.escape_debug()
        ))
        .hint("module names look like 'deploy' or 'db-backup'; run 'tcli --help' to see them")
        .into());
    }
    if names::is_builtin(name) {
        return commands::run_builtin(cx, name, args);
    }
    let module = find(cx, name)?;
    match module.kind {
        Kind::Exec => runner::exec::run(&module, &args),
        Kind::Builtin => commands::run_builtin(cx, name, args),
        Kind::Native => runner::native::run(cx, &module, &args),
        Kind::Docker => runner::docker::run(cx, &module, &args),
    }
}

/// Finds the module that runs for `name`, in precedence order, reading only the index lines
/// needed. Unknown names get up to three suggestions.
pub fn find(cx: &Context, name: &str) -> anyhow::Result<ModuleInfo> {
    let sources = discovery::sources(cx);
    let mut index: Option<Index> = None;
    // A module that cannot run never wins over a lower-precedence one that can (as in
    // `discovery::resolve`); it is only reported when nothing else answers to the name.
    let mut broken: Option<ModuleInfo> = None;
    for source in &sources {
        if let Some(found) = source.direct_lookup(cx, name) {
            match found {
                Some(m) => return Ok(m),
                None => continue,
            }
        }
        let idx = index.get_or_insert_with(|| Index::read(cx, Some(&[Kind::Native, Kind::Docker])));
        index::ensure_fresh(cx, idx, &[source.as_ref()]);
        let mut hit = cached(idx, source.kind(), name);
        if hit.is_none() && source.can_change_unseen() {
            index::force_refresh(cx, idx, source.as_ref());
            hit = cached(idx, source.kind(), name);
        }
        match hit {
            Some(m) if m.runnable => return Ok(m),
            Some(m) => {
                broken.get_or_insert(m);
            }
            None => {}
        }
    }
    match broken {
        Some(m) => Err(CliError::new(
            Exit::CannotRun,
            format!(
                "module '{name}' ({}) cannot run: {}",
                m.location,
                m.problems.join("; ")
            ),
        )
        .hint(format!("run 'tcli modules which {name}' for details"))
        .into()),
        None => Err(unknown(cx, name)),
    }
}

fn cached(index: &Index, kind: Kind, name: &str) -> Option<ModuleInfo> {
    let cache = index.sources.get(&kind)?;
    let mut matches = cache.modules.iter().filter(|m| m.name == name);
    let first = matches.clone().next()?;
    // A runnable one of the same kind beats an earlier broken one, as in `resolve`.
    Some(matches.find(|m| m.runnable).unwrap_or(first).clone())
}

fn unknown(cx: &Context, name: &str) -> anyhow::Error {
    let catalog = catalog::load(cx);
    let suggestions = catalog.suggestions(name);
    let hint = match suggestions.as_slice() {
        [] => "run 'tcli --help' to see the modules you have".to_string(),
        [one] => format!("a module with a similar name exists: '{one}'"),
        many => format!(
            "modules with similar names exist: {}",
            many.iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    CliError::usage(format!("no module named '{name}'"))
        .hint(hint)
        .into()
}
