//! `tcli team update [NAME...] [--json]`: fetch each team repo (all by default) and
//! fast-forward it, then say which modules were added, removed or changed. One team failing
//! does not stop the others; the exit code is 1 when any failed.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Fetch team repositories and fast-forward them (refuses local changes and diverged history)
#[derive(clap::Args)]
pub struct TeamUpdateArgs {
    /// Teams to update (default: all, in team order)
    #[arg(value_name = "TEAM")]
    pub names: Vec<String>,
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    pub json: bool,
}
