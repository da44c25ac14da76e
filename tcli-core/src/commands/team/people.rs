//! `tcli team people [TEAM] [--json]`: the roster of each team (`[people.<id>]` in its
//! tcli.toml) with key fingerprints, and the keys tcli cannot use.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Show a team's roster: people, chat handles and key fingerprints
#[derive(clap::Args)]
pub struct TeamPeopleArgs {
    /// The team (default: every team)
    #[arg(value_name = "TEAM")]
    pub name: Option<String>,
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    pub json: bool,
}
