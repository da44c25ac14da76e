//! Team repos (docs/team-repos.md): what about them needs no git. The registry, team names and
//! locks, the errors and hints team commands share, the stale hint and `min-tcli-version`.
//! Cloning, updating, inspecting and removing checkouts (libgit2) is the git helper's
//! (`tcli-git`, docs/helpers.md), which builds on this module. The warm path reads none of
//! this except [`stale`], which stats files and never opens a repository (the cheap registry
//! view is `crate::team_dirs`).

pub mod registry;
pub mod stale;
pub mod version;
pub mod withheld;

use crate::context::Context;
use crate::error::Failure;
use crate::team_dirs::{self, TeamEntry};
use anyhow::Context as _;
use std::fs::File;
use std::path::PathBuf;

/// The configured team called `name`, or a usage error listing the ones there are.
pub fn find(cx: &Context, name: &str) -> anyhow::Result<TeamEntry> {
    let teams = team_dirs::teams_strict(cx)?;
    if let Some(t) = teams.iter().find(|t| t.name == name) {
        return Ok(t.clone());
    }
    Err(Failure::NoTeam {
        name: name.to_string(),
        configured: teams.into_iter().map(|t| t.name).collect(),
    }
    .into())
}

/// The default team name for a URL or path: its last component without `.git`
/// (`git@host:org/acme.git` and `/srv/git/acme/` both give `acme`).
pub fn name_from_url(url: &str) -> String {
    let trimmed = url.trim_end_matches(['/', '\\']);
    let last = trimmed.rsplit(['/', '\\', ':']).next().unwrap_or(trimmed);
    last.strip_suffix(".git").unwrap_or(last).to_string()
}

/// Checks a team name: the module-name grammar, so it is a plain directory name everywhere.
pub fn validate_name(name: &str, from_url: bool) -> anyhow::Result<()> {
    crate::names::validate(name).map_err(|why| {
        Failure::InvalidTeamName {
            name: name.to_string(),
            why,
            from_url,
        }
        .into()
    })
}

fn locks_dir(cx: &Context) -> PathBuf {
    cx.data_dir.join("locks")
}

/// An exclusive lock on `<data dir>/locks/<file>`, held until the file is dropped. Waits for
/// another tcli holding it, saying so on a terminal.
pub fn lock_file(cx: &Context, file: &str, what: &str) -> anyhow::Result<File> {
    let path = locks_dir(cx).join(file);
    let waiting = || {
        if crate::ui::interactive() {
            crate::ui::status(&format!("waiting for another tcli working on {what}..."));
        }
    };
    crate::prim::fs::lock(&path, crate::prim::fs::Wait::Block, waiting)
        .with_context(|| format!("cannot lock {}", path.display()))?
        .ok_or_else(|| anyhow::anyhow!("cannot lock {}", path.display()))
}

/// The per-team lock every command that changes a checkout takes, so two `tcli team update`
/// never work on one checkout at once.
pub fn lock(cx: &Context, name: &str) -> anyhow::Result<File> {
    lock_file(cx, &format!("team-{name}.lock"), &format!("team '{name}'"))
}

/// The error for a registered team whose checkout is gone.
pub fn missing_checkout(entry: &TeamEntry, dir: &std::path::Path) -> anyhow::Error {
    Failure::MissingCheckout {
        name: entry.name.clone(),
        url: entry.url.clone(),
        dir: dir.to_path_buf(),
    }
    .into()
}

/// Brings the exec source's index entry up to date after a checkout changed, so the next
/// `tcli --help` is fast and a new module's `--help` is probed now. Only the exec source: an
/// update must not wait for the Docker engine.
pub fn refresh_index(cx: &Context) {
    let sources = crate::sources::sources(cx);
    let exec: Vec<&dyn crate::sources::Source> = sources
        .iter()
        .filter(|s| s.kind() == crate::model::Kind::Exec)
        .map(|s| s.as_ref())
        .collect();
    let mut index = crate::index::Index::read(cx, Some(&[crate::model::Kind::Exec]));
    crate::index::ensure_fresh(cx, &mut index, &exec);
}

/// A path as a shell word for the commands in hints, quoted only when it needs to be (the
/// macOS data dir has a space in it).
pub fn sh(path: &std::path::Path) -> String {
    crate::prim::text::sh_word(&path.display().to_string())
}

/// "3 days ago", "5 minutes ago": the coarsest unit that is at least 1.
pub fn ago(secs: u64) -> String {
    let (n, unit) = match secs {
        0..60 => return "just now".to_string(),
        60..3600 => (secs / 60, "minute"),
        3600..86400 => (secs / 3600, "hour"),
        _ => (secs / 86400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::{ago, name_from_url};

    #[test]
    fn ages_read_like_git() {
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(7200), "2 hours ago");
        assert_eq!(ago(9 * 86400 + 5), "9 days ago");
    }

    #[test]
    fn names_come_from_the_last_url_component() {
        assert_eq!(
            name_from_url("https://git.example.com/org/acme.git"),
            "acme"
        );
        assert_eq!(
            name_from_url("git@example.com:org/acme-tools.git"),
            "acme-tools"
        );
        assert_eq!(name_from_url("git@example.com:acme"), "acme");
        assert_eq!(name_from_url("/srv/git/acme/"), "acme");
        assert_eq!(name_from_url("../Acme.git"), "Acme");
    }

    #[test]
    fn hint_paths_are_quoted_only_when_needed() {
        use super::sh;
        use std::path::Path;
        assert_eq!(sh(Path::new("/data/teams/acme")), "/data/teams/acme");
        assert_eq!(
            sh(Path::new("/App Support/it's")),
            r"'/App Support/it'\''s'"
        );
    }
}
