//! `tcli team remove <name> [--force]`: unregister a team and delete its checkout, refusing
//! to lose work that exists only there unless forced.

use crate::team;
use tcli_core::commands::team::remove::TeamRemoveArgs;
use tcli_core::context::Context;
use tcli_core::ui;

/// Runs `tcli team remove`.
pub(crate) fn cmd_team_remove(cx: &Context, args: &TeamRemoveArgs) -> anyhow::Result<u8> {
    let path = team::remove::remove(cx, &args.name, args.force)?;
    team::refresh_index(cx);
    ui::out(&format!("removed team '{}' ({path})\n", args.name));
    Ok(0)
}
