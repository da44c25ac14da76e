//! `tcli_git`: tcli's git helper. It holds libgit2 and its TLS and SSH stacks, so no code that
//! parses what a git server sends runs in the process that dispatches a module. tcli parses
//! `tcli team <verb> ...` itself, then becomes `tcli_git team <verb> ...` (docs/helpers.md),
//! which parses the same words with the same clap types and runs the verb.

mod commands;
mod errors;
mod team;

use std::ffi::OsString;
use std::process::ExitCode;
use tcli_core::commands::team::{TeamCli, TeamCommand, HELPER_ARG};
use tcli_core::context::Context;
use tcli_core::ui;
use tcli_helper as helpers;

fn main() -> ExitCode {
    ui::handle_broken_pipe();
    helpers::act_for_caller();
    let cx = Context::from_env();
    let mut args = std::env::args_os().skip(1);
    let code = match run(&cx, args.next(), args.collect()) {
        Ok(code) => code,
        Err(err) => {
            errors::report(&err);
            errors::code(&err)
        }
    };
    ExitCode::from(code)
}

/// Runs `tcli team <args...>` when `first` says that is what tcli asks.
fn run(cx: &Context, first: Option<OsString>, args: Vec<OsString>) -> anyhow::Result<u8> {
    if first.as_deref() != Some(HELPER_ARG.as_ref()) {
        return Err(errors::TeamError::NotACommand {
            helper: helpers::GIT,
        }
        .into());
    }
    let cli: TeamCli = match tcli_core::commands::parse("team", args) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    match cli.command {
        TeamCommand::Add(a) => commands::add::cmd_team_add(cx, &a),
        TeamCommand::List(a) => tcli_core::commands::team::list::cmd_team_list(cx, &a),
        TeamCommand::Remove(a) => commands::remove::cmd_team_remove(cx, &a),
        TeamCommand::Update(a) => commands::update::cmd_team_update(cx, &a),
        TeamCommand::Status(a) => commands::status::cmd_team_status(cx, &a),
        TeamCommand::Verify(a) => commands::verify::cmd_team_verify(cx, &a),
        TeamCommand::People(a) => commands::people::cmd_team_people(cx, &a),
    }
}
