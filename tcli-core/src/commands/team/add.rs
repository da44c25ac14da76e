//! `tcli team add <url|path> [--name N] [--json]`: clone a team repo and put its `bin/` on the
//! search path, after the teams already added.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Clone a team repository (a URL or a local path) into the data dir
#[derive(clap::Args)]
pub struct TeamAddArgs {
    /// The repository: a URL git understands, or a local path
    pub url: String,
    /// The team's name (default: the URL's last component without .git)
    #[arg(long)]
    pub name: Option<String>,
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    pub json: bool,
}
