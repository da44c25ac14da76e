//! `min-tcli-version`: a team's `tcli.toml` can say which tcli its modules need. Each team's own
//! file is checked (a merged value would hide all but one team's); the running version is
//! `Context::version()`. Said once by `team update` and as a failure of `modules check`.

use crate::context::Context;
use crate::team_dirs;
use std::path::Path;

/// The settings key.
pub const KEY: &str = "min-tcli-version";

/// Why team `name` (checked out at `checkout`) cannot be served by this tcli, if it cannot. A
/// missing or unreadable `tcli.toml` says nothing here: other commands report syntax errors.
pub fn unmet(name: &str, checkout: &Path) -> Option<String> {
    let file = checkout.join("tcli.toml");
    let table = crate::settings::read_table(&file).ok()??;
    let wanted = table.get(KEY)?;
    let running = semver::Version::parse(Context::version()).ok()?;
    let Some(min) = wanted
        .as_str()
        .and_then(|s| semver::Version::parse(s.trim().trim_start_matches('v')).ok())
    else {
        return Some(format!(
            "team '{name}' sets {KEY} = {wanted} in {}, which is not a version like \"1.2.3\"",
            file.display()
        ));
    };
    (running < min).then(|| {
        format!(
            "team '{name}' needs tcli {min} or newer ({KEY} in {}); this is tcli {running}",
            file.display()
        )
    })
}

/// [`unmet`] for every configured team, in team order: (team, message).
pub fn unmet_all(cx: &Context) -> Vec<(String, String)> {
    team_dirs::teams(cx)
        .iter()
        .filter_map(|t| {
            unmet(&t.name, &team_dirs::checkout_dir(cx, &t.name)).map(|m| (t.name.clone(), m))
        })
        .collect()
}
