//! `tcli team list [--json]`: the configured team repos in search-path order (registry only,
//! no git).

use crate::context::Context;
use crate::team_dirs;
use crate::ui;

/// List the team repositories in the order their modules and settings apply
#[derive(clap::Args)]
pub struct TeamListArgs {
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    json: bool,
}

/// Runs `tcli team list`.
pub fn cmd_team_list(cx: &Context, args: &TeamListArgs) -> anyhow::Result<u8> {
    let teams = team_dirs::teams_strict(cx)?;
    let rows: Vec<serde_json::Value> = teams
        .iter()
        .map(|t| {
            let dir = team_dirs::checkout_dir(cx, &t.name);
            serde_json::json!({
                "name": t.name,
                "url": t.url,
                "path": dir.display().to_string(),
                "present": dir.is_dir(),
            })
        })
        .collect();
    if args.json {
        ui::json(&serde_json::json!({ "teams": rows }));
        return Ok(0);
    }
    if teams.is_empty() {
        ui::hint("no team repos yet; add one with 'tcli team add <url>'");
        return Ok(0);
    }
    let table: Vec<(String, String)> = teams
        .iter()
        .zip(&rows)
        .map(|(t, r)| {
            let missing = if r["present"] == true {
                ""
            } else {
                "  (checkout missing)"
            };
            (t.name.clone(), format!("{}{missing}", t.url))
        })
        .collect();
    ui::out(&ui::aligned(&table, 0));
    Ok(0)
}
