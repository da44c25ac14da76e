//! `tcli team verify [TEAM] [--json]`: re-check the signatures of each signed team's checkout,
//! from its trust root to HEAD, offline.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Re-check a signed team's history from its trust root to HEAD (offline)
#[derive(clap::Args)]
pub struct TeamVerifyArgs {
    /// The team (default: every team with a trust root)
    #[arg(value_name = "TEAM")]
    pub name: Option<String>,
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    pub json: bool,
}
