//! `tcli team <verb>`: team repos (docs/team-repos.md). One file per verb; the logic is in
//! `crate::team`.

pub mod add;
pub mod list;
pub mod remove;
pub mod status;
pub mod update;

use crate::context::Context;
use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// Add, update and inspect team repositories
#[derive(Parser)]
#[command(disable_version_flag = true, arg_required_else_help = true)]
pub struct TeamCli {
    #[command(subcommand)]
    command: TeamCommand,
}

#[derive(Subcommand)]
enum TeamCommand {
    Add(add::TeamAddArgs),
    List(list::TeamListArgs),
    Remove(remove::TeamRemoveArgs),
    Update(update::TeamUpdateArgs),
    Status(status::TeamStatusArgs),
}

/// Runs `tcli team ...`.
pub fn cmd_team(cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    let cli: TeamCli = match super::parse("team", args) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    match cli.command {
        TeamCommand::Add(a) => add::cmd_team_add(cx, &a),
        TeamCommand::List(a) => list::cmd_team_list(cx, &a),
        TeamCommand::Remove(a) => remove::cmd_team_remove(cx, &a),
        TeamCommand::Update(a) => update::cmd_team_update(cx, &a),
        TeamCommand::Status(a) => status::cmd_team_status(cx, &a),
    }
}
