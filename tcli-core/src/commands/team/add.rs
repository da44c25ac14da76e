//! `tcli team add <url|path> [--name N] [--expect-key FP]... [--require-signed] [--json]`:
//! clone a team repo, take its trust root, and put its `bin/` on the search path, after the
//! teams already added.
//! The arguments only: the verb runs in the git helper (`tcli-git`, docs/helpers.md).

/// Clone a team repository (a URL or a local path) into the data dir
#[derive(clap::Args)]
pub struct TeamAddArgs {
    /// The repository: a URL git understands, or a local path
    pub url: String,
    /// The team's name (default: the URL's last component without .git)
    #[arg(long)]
    pub name: Option<String>,
    /// Refuse the team unless its roster lists this key and its HEAD is signed by one of the
    /// expected keys (SHA256:..., repeatable; implies --require-signed): the fingerprint your
    /// team publishes
    #[arg(long = "expect-key", value_name = "FINGERPRINT")]
    pub expect_keys: Vec<String>,
    /// Demand signed commits even if the repo does not ask for them (remembered)
    #[arg(long)]
    pub require_signed: bool,
    /// Print JSON (shape documented in docs/team-repos.md)
    #[arg(long)]
    pub json: bool,
}
