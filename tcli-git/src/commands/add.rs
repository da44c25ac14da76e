//! `tcli team add <url|path> [--name N] [--json]`: clone a team repo and put its `bin/` on the
//! search path, after the teams already added.

use crate::team;
use tcli_core::commands::team::add::TeamAddArgs;
use tcli_core::context::Context;
use tcli_core::ui;

/// Runs `tcli team add`.
pub(crate) fn cmd_team_add(cx: &Context, args: &TeamAddArgs) -> anyhow::Result<u8> {
    let added = team::add::add(cx, &args.url, args.name.as_deref())?;
    team::refresh_index(cx);
    for w in &added.warnings {
        ui::warn(w);
    }
    if args.json {
        ui::json(&added);
        return Ok(0);
    }
    let at = match (&added.branch, &added.commit) {
        (Some(b), Some(c)) => format!(" ({b} at {})", &c[..7]),
        _ => " (not on a branch)".to_string(),
    };
    let modules = if added.modules.is_empty() {
        "no modules in bin/".to_string()
    } else {
        format!("modules: {}", added.modules.join(", "))
    };
    ui::out(&format!(
        "added team '{}' from {}{at}\n  {modules}\n{}",
        added.name,
        added.url,
        super::update::artifact_lines(&added.artifacts, true)
    ));
    Ok(0)
}
