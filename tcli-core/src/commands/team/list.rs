//! `tcli team list [--json]`: the configured team repos in search-path order (registry only,
//! no git). `--json` also names each bad `[modules.<name>]` pin of a checkout's `tcli.toml`,
//! for `tcli doctor` (which has no parser of pins of its own).

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
                "pin_problems": pin_problems(&dir),
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

/// Each bad pin of the checkout's `tcli.toml`, as `<key>: <why> (<fix>)`. `team update` refuses
/// a commit with one, so only a file changed by hand (or by a pull) can hold one; a file that
/// does not parse is doctor's to report, with its line.
fn pin_problems(checkout: &std::path::Path) -> Vec<String> {
    let file = checkout.join("tcli.toml");
    let Ok(Some(text)) = tcli_plugin_sdk::settings_file::read(&file) else {
        return Vec::new();
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    crate::model::pin::parse(&table)
        .1
        .into_iter()
        .map(|e| format!("{}: {} ({})", e.key, e.why, e.fix))
        .collect()
}
