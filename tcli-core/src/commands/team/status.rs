//! `tcli team status [--json]`: each checkout's branch, upstream as last fetched, ahead/behind,
//! local changes and last fetch time. Local data only: it never touches the network.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Show where each team checkout stands (local data only, no fetch)
#[derive(clap::Args)]
pub struct TeamStatusArgs {
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    pub json: bool,
}
