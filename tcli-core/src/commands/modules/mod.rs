//! `tcli modules <verb>`: listing, locating, checking, installing and creating modules.

pub mod check;
pub mod install;
pub mod list;
pub mod new;
pub mod remove;
pub mod which;

use crate::context::Context;
use crate::names::Builtin;
use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// List, locate and check modules
#[derive(Parser)]
#[command(disable_version_flag = true, arg_required_else_help = true)]
pub struct ModulesCli {
    #[command(subcommand)]
    command: ModulesCommand,
}

#[derive(Subcommand)]
enum ModulesCommand {
    List(list::ModulesListArgs),
    Which(which::ModulesWhichArgs),
    Check(check::ModulesCheckArgs),
    Install(install::ModulesInstallArgs),
    Remove(remove::ModulesRemoveArgs),
    New(new::ModulesNewArgs),
}

/// Runs `tcli modules ...`.
pub fn cmd_modules(cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    super::parse_then(Builtin::Modules, args, |cli: ModulesCli| {
        match cli.command {
            ModulesCommand::List(a) => list::cmd_modules_list(cx, &a),
            ModulesCommand::Which(a) => which::cmd_modules_which(cx, &a),
            ModulesCommand::Check(a) => check::cmd_modules_check(cx, &a),
            ModulesCommand::Install(a) => install::cmd_modules_install(cx, &a),
            ModulesCommand::Remove(a) => remove::cmd_modules_remove(cx, &a),
            ModulesCommand::New(a) => new::cmd_modules_new(cx, &a),
        }
    })
}

/// One module for humans: `kind  location`, then indented shadowed entries and problems.
pub(crate) fn detail_lines(r: &crate::catalog::Resolved) -> String {
    let mut s = String::new();
    for p in &r.module.problems {
        s.push_str(&format!("    problem: {}\n", one_line(&p.to_string())));
    }
    for sh in &r.shadowed {
        let why = if r.module.kind == crate::model::Kind::Builtin {
            " (built-in names cannot be taken)"
        } else {
            ""
        };
        s.push_str(&format!(
            "    shadows: {} {}{why}\n",
            sh.kind.as_str(),
            sh.location.escape_debug()
        ));
        for p in &sh.problems {
            s.push_str(&format!("      problem: {}\n", one_line(&p.to_string())));
        }
    }
    s
}

/// A problem names paths and labels, which may hold control characters: shown on one line,
/// with those replaced, so a listing never replays them to the terminal.
fn one_line(p: &str) -> String {
    crate::prim::text::sanitize_line(p, usize::MAX)
}
