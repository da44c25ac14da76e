//! The cheap, read-only view of team repos the warm path needs: their names and `bin/` dirs, in
//! `team list` order, from one small file in the data dir. No git repository is opened here;
//! `team` owns cloning, updating and writing that file.

use crate::context::Context;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One configured team repo, as recorded in `<data dir>/teams.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TeamEntry {
    /// The team name (directory under `<data dir>/teams`).
    pub name: String,
    /// The remote URL or path it was added from.
    pub url: String,
}

/// The registry file.
pub fn registry_path(cx: &Context) -> PathBuf {
    cx.data_dir.join("teams.json")
}

/// The configured teams in order; a missing or unreadable file means none.
pub fn teams(cx: &Context) -> Vec<TeamEntry> {
    std::fs::read(registry_path(cx))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The checkout of a team.
pub fn checkout_dir(cx: &Context, name: &str) -> PathBuf {
    cx.teams_dir().join(name)
}

/// Each team's `bin/`, in team order.
pub fn bin_dirs(cx: &Context) -> Vec<PathBuf> {
    teams(cx)
        .iter()
        .map(|t| checkout_dir(cx, &t.name).join("bin"))
        .collect()
}
