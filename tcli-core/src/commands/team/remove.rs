//! `tcli team remove <name> [--force]`: unregister a team and delete its checkout, refusing
//! to lose work that exists only there unless forced.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Remove a team repository and its checkout
#[derive(clap::Args)]
pub struct TeamRemoveArgs {
    /// The team's name
    #[arg(value_name = "TEAM")]
    pub name: String,
    /// Remove even with uncommitted changes or commits not pushed (they are lost)
    #[arg(long)]
    pub force: bool,
}
