//! `tcli team <verb>`: team repos (docs/team-repos.md). One file per verb. `list` reads the
//! registry here; the verbs that open a repository (`add`, `update`, `status`, `remove`,
//! `verify`, `people`) are parsed here, so help and usage errors come from tcli, then run in
//! the git helper, which this process becomes (docs/helpers.md): libgit2 and signature checks
//! never run in the dispatching process.

pub mod add;
pub mod list;
pub mod people;
pub mod remove;
pub mod status;
pub mod update;
pub mod verify;

use crate::context::Context;
use crate::names::Builtin;
use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// Add, update and inspect team repositories
#[derive(Parser)]
#[command(disable_version_flag = true, arg_required_else_help = true)]
pub struct TeamCli {
    /// The verb.
    #[command(subcommand)]
    pub command: TeamCommand,
}

/// The verbs of `tcli team`. (No doc comments on the variants: clap would show them instead of
/// each verb's own about.)
#[derive(Subcommand)]
pub enum TeamCommand {
    Add(add::TeamAddArgs),
    List(list::TeamListArgs),
    Remove(remove::TeamRemoveArgs),
    Update(update::TeamUpdateArgs),
    Status(status::TeamStatusArgs),
    Verify(verify::TeamVerifyArgs),
    People(people::TeamPeopleArgs),
}

/// Runs `tcli team ...`.
pub fn cmd_team(cx: &Context, args: Vec<OsString>) -> anyhow::Result<u8> {
    super::parse_then(Builtin::Team, args.clone(), |cli: TeamCli| {
        match cli.command {
            TeamCommand::List(a) => list::cmd_team_list(cx, &a),
            TeamCommand::Add(_)
            | TeamCommand::Remove(_)
            | TeamCommand::Update(_)
            | TeamCommand::Status(_)
            | TeamCommand::Verify(_)
            | TeamCommand::People(_) => Err(tcli_helper::exec(
                tcli_helper::GIT,
                std::iter::once(OsString::from(HELPER_ARG)).chain(args),
            )
            .into()),
        }
    })
}

/// The first word of the git helper's command line for `tcli team ...` (docs/helpers.md).
pub const HELPER_ARG: &str = "team";
