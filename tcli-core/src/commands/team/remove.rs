//! `tcli team remove <name> [--force]`: unregister a team and delete its checkout, refusing
//! to lose work that exists only there unless forced.

use crate::context::Context;
use crate::team;
use crate::ui;

/// Remove a team repository and its checkout
#[derive(clap::Args)]
pub struct TeamRemoveArgs {
    /// The team's name
    #[arg(value_name = "TEAM")]
    name: String,
    /// Remove even with uncommitted changes or commits not pushed (they are lost)
    #[arg(long)]
    force: bool,
}

/// Runs `tcli team remove`.
pub fn cmd_team_remove(cx: &Context, args: &TeamRemoveArgs) -> anyhow::Result<u8> {
    let path = team::remove::remove(cx, &args.name, args.force)?;
    team::refresh_index(cx);
    ui::out(&format!("removed team '{}' ({path})\n", args.name));
    Ok(0)
}
