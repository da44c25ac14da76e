//! Changes to the team registry `<data dir>/teams.json` (reading it is `crate::team_dirs`'s):
//! read-modify-write under a lock, replaced atomically (temp file + rename), so a crash or a
//! concurrent `tcli team add` never leaves a half-written or lost entry.

use crate::context::Context;
use crate::team_dirs::{self, TeamEntry};
use anyhow::Context as _;

/// Applies `change` to the registry under its lock and saves the result.
pub fn modify<T>(
    cx: &Context,
    change: impl FnOnce(&mut Vec<TeamEntry>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let _lock = super::lock_file(cx, "teams.json.lock", "the team registry")?;
    let mut teams = team_dirs::teams_strict(cx)?;
    let out = change(&mut teams)?;
    save(cx, &teams)?;
    Ok(out)
}

fn save(cx: &Context, teams: &[TeamEntry]) -> anyhow::Result<()> {
    let path = team_dirs::registry_path(cx);
    let dir = &cx.data_dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
    let mut text = serde_json::to_string_pretty(teams)?;
    text.push('\n');
    crate::prim::fs::write_bytes_atomic(&path, text.as_bytes())
        .with_context(|| format!("cannot write the team registry {}", path.display()))?;
    Ok(())
}
