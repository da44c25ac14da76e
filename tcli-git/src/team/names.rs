//! The module names a team's commit may use (docs/team-repos.md, "Module names"), checked by
//! `team add` and `team update` before anything is fetched, loaded or checked out: no exec
//! module in `bin/` takes the name of a module tcli ships (pins are held to the same rule by
//! `tcli_core::model::pin::parse`), and the names this team shares with another are reported.

use super::git;
use crate::errors::TeamError;
use git2::{Oid, Repository};
use tcli_core::context::Context;
use tcli_core::sources::claims::Claims;

/// Refuses `commit` when its `bin/` ships a module under a name tcli ships.
pub(crate) fn refuse_shipped(repo: &Repository, team: &str, commit: Oid) -> anyhow::Result<()> {
    let modules = git::modules_at(repo, commit).map_err(|e| TeamError::GitChecking {
        team: team.to_string(),
        why: e.message().to_string(),
    })?;
    match modules
        .keys()
        .find(|name| tcli_core::names::is_shipped(name))
    {
        Some(name) => Err(TeamError::ShippedName {
            team: team.to_string(),
            commit: git::short(commit),
            module: name.clone(),
        }
        .into()),
        None => Ok(()),
    }
}

/// One warning per module name `team` shares with another team, naming the team that has it
/// (the first in `team list` order).
pub(crate) fn clash_warnings(cx: &Context, team: &str) -> Vec<String> {
    Claims::load(cx)
        .clashes(team)
        .into_iter()
        .map(|(name, teams)| {
            let quoted: Vec<String> = teams.iter().map(|t| format!("'{t}'")).collect();
            format!(
                "module '{name}' is offered by teams {}; 'tcli {name}' runs the one of team '{}', listed first (docs/team-repos.md, \"Module names\")",
                quoted.join(" and "),
                teams[0]
            )
        })
        .collect()
}
