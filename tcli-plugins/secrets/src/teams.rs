//! Where secrets are read and written. Read: each configured team's checkout (its settings
//! layer: the team, its `tcli.toml`, and the dir holding it), in `team list` order. Written:
//! a working clone of a team repo, never tcli's own checkout (`team update` would reset it):
//! `--repo DIR`, else the git work tree of the current dir when one of its remotes is the URL
//! of a configured team (the registry, `<data dir>/teams.json`).

use crate::problem::Problem;
use std::path::{Path, PathBuf};
use tcli_plugin_sdk::output::sh_word as quote;
use tcli_plugin_sdk::serde_json::{self, Value};
use tcli_plugin_sdk::{Error, Host};
use tcli_roster::Roster;

/// A configured team that has a `tcli.toml`.
pub(crate) struct Team {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) file: PathBuf,
    pub(crate) roster: Result<Roster, Problem>,
}

/// The configured teams, in `team list` order.
pub(crate) fn configured(host: &Host) -> Result<Vec<Team>, Error> {
    Ok(host
        .layers()?
        .iter()
        .filter_map(|layer| {
            let name = layer.team.clone()?;
            let dir = layer.repo_dir()?.to_path_buf();
            let roster = Roster::from_settings(&layer.settings).map_err(|source| Problem::Roster {
                file: layer.path.clone(),
                source,
            });
            Some(Team {
                name,
                dir,
                file: layer.path.clone(),
                roster,
            })
        })
        .collect())
}

/// Why `team` gives no roster, when it is a signed team whose checkout tcli withholds (the
/// SDK's rule, which keeps its layer out of `Host::layers` too); `None` for any other team.
pub(crate) fn withheld(host: &Host, team: &str) -> Option<Problem> {
    let w = tcli_plugin_sdk::team_checkout::withheld(host.data_dir())
        .into_iter()
        .find(|w| w.team == team)?;
    Some(Problem::Withheld {
        checkout: host.data_dir().join("teams").join(team),
        withheld: w,
    })
}

/// The teams to look in: all, or the one `--team` names. A withheld team is left out of all,
/// and refused by name.
pub(crate) fn selected(host: &Host, team: Option<&str>) -> Result<Vec<Team>, Error> {
    if let Some(p) = team.and_then(|t| withheld(host, t)) {
        return Err(p.into());
    }
    let all = configured(host)?;
    if all.is_empty() {
        return Err(
            match tcli_plugin_sdk::team_checkout::withheld(host.data_dir()).first() {
                Some(w) => withheld(host, &w.team).unwrap_or(Problem::NoTeams),
                None => Problem::NoTeams,
            }
            .into(),
        );
    }
    match team {
        None => Ok(all),
        Some(t) => {
            let one: Vec<Team> = all.into_iter().filter(|x| x.name == t).collect();
            if one.is_empty() {
                return Err(Problem::NoSuchTeam(t.to_string()).into());
            }
            Ok(one)
        }
    }
}

/// A working clone to write secrets into.
pub(crate) struct WorkingClone {
    pub(crate) dir: PathBuf,
    /// The configured team it is a clone of, when known.
    pub(crate) team: Option<String>,
    /// Whether the user named it (`--repo`): the git commands printed then say `-C DIR`.
    pub(crate) named: bool,
}

/// The registry: `(name, url)` of each team.
fn registry(host: &Host) -> Vec<(String, String)> {
    let file = host.data_dir().join("teams.json");
    let Ok(bytes) = std::fs::read(&file) else {
        return Vec::new();
    };
    let Ok(Value::Array(rows)) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|r| {
            Some((
                r.get("name")?.as_str()?.to_string(),
                r.get("url")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// A URL as compared: a local path by its real path, anything else without a trailing `/`
/// or `.git`, so `git clone` spellings of one repo agree.
fn normal(url: &str) -> String {
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.starts_with('/') {
        if let Ok(real) = std::fs::canonicalize(path) {
            return real.display().to_string();
        }
    }
    let trimmed = url.trim_end_matches('/');
    trimmed.strip_suffix(".git").unwrap_or(trimmed).to_string()
}

fn git(dir: &Path, args: &[&str]) -> Result<String, Problem> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Problem::Git {
            dir: dir.to_path_buf(),
            why: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(Problem::Git {
            dir: dir.to_path_buf(),
            why: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The URLs of a work tree's remotes.
fn remote_urls(dir: &Path) -> Vec<String> {
    git(dir, &["config", "--get-regexp", r"^remote\..*\.url$"])
        .map(|text| {
            text.lines()
                .filter_map(|l| l.split_once(' ').map(|(_, url)| url.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The clone `set`, `rm` and `rekey` write into, or `check --repo` reads (`read_only`: then
/// tcli's own checkout of a team is allowed too). `--repo` may name any dir of the work tree.
pub(crate) fn working_clone(
    host: &Host,
    repo: Option<&Path>,
    read_only: bool,
) -> Result<WorkingClone, Problem> {
    let teams = registry(host);
    let (dir, named) = match repo {
        Some(r) => {
            let real = std::fs::canonicalize(r).map_err(|e| Problem::io("open", r, e))?;
            // The top of the work tree, as git would use it; a dir outside git stays as is
            // and fails later when it has no tcli.toml.
            let top = git(&real, &["rev-parse", "--show-toplevel"])
                .ok()
                .filter(|t| !t.is_empty())
                .and_then(|t| std::fs::canonicalize(t).ok())
                .unwrap_or(real);
            (top, true)
        }
        None => {
            let cwd = std::env::current_dir().map_err(|e| Problem::io("open", ".", e))?;
            let listed = if teams.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = teams.iter().map(|(n, u)| format!("{n} ({u})")).collect();
                format!(" ({})", names.join(", "))
            };
            let not_a_clone = || Problem::NotAClone {
                dir: cwd.clone(),
                teams: listed.clone(),
            };
            let top = git(&cwd, &["rev-parse", "--show-toplevel"]).map_err(|_| not_a_clone())?;
            (PathBuf::from(top), false)
        }
    };
    let checkouts = host.data_dir().join("teams");
    for (name, url) in &teams {
        if read_only {
            break;
        }
        if std::fs::canonicalize(checkouts.join(name)).is_ok_and(|c| c == dir) {
            return Err(Problem::OwnCheckout {
                dir,
                team: name.clone(),
                url: url.clone(),
            });
        }
    }
    let remotes: Vec<String> = remote_urls(&dir).iter().map(|u| normal(u)).collect();
    let team = teams
        .iter()
        .find(|(_, url)| remotes.contains(&normal(url)))
        .map(|(n, _)| n.clone());
    if team.is_none() && !named {
        let names: Vec<String> = teams.iter().map(|(n, u)| format!("{n} ({u})")).collect();
        return Err(Problem::NotAClone {
            dir,
            teams: if names.is_empty() {
                String::new()
            } else {
                format!(" ({})", names.join(", "))
            },
        });
    }
    Ok(WorkingClone { dir, team, named })
}

impl WorkingClone {
    /// The clone's roster keys, refused when one is not in the team's roster as tcli has it
    /// (its checkout at the commit `tcli team update` verified; a checkout elsewhere gives
    /// none, and is refused) and `allowed` does not name it.
    pub(crate) fn vetted_keys(
        &self,
        host: &Host,
        allowed: &[String],
    ) -> Result<Vec<crate::roster::RosterKey>, Error> {
        if let Some(p) = self.team.as_deref().and_then(|t| withheld(host, t)) {
            return Err(p.into());
        }
        let file = self.dir.join("tcli.toml");
        let keys = crate::roster::recipients(&crate::roster::from_repo(&self.dir)?, &file)?;
        let known = match &self.team {
            Some(name) => configured(host)?
                .into_iter()
                .find(|t| &t.name == name)
                .and_then(|t| t.roster.ok()),
            None => None,
        };
        let team = match &self.team {
            Some(t) => format!("team '{t}'"),
            None => "any configured team".to_string(),
        };
        crate::roster::vet(&keys, &file, &team, known.as_ref(), allowed)?;
        Ok(keys)
    }

    /// How messages name it: `team 'acme' (/home/ana/acme)`.
    pub(crate) fn display(&self) -> String {
        match &self.team {
            Some(t) => format!("team '{t}' ({})", self.dir.display()),
            None => self.dir.display().to_string(),
        }
    }

    /// Prints on stdout the git commands that share a change of `paths`: what a verb that
    /// wrote to the clone ends with.
    pub(crate) fn print_git_commands(&self, paths: &[String], message: &str) -> Result<(), Error> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        write!(out, "{}", self.git_commands(paths, message))?;
        Ok(())
    }

    /// The git commands that share a change of `paths` (relative to the clone).
    pub(crate) fn git_commands(&self, paths: &[String], message: &str) -> String {
        let git = if self.named {
            format!("git -C {}", quote(&self.dir.display().to_string()))
        } else {
            "git".to_string()
        };
        let paths: Vec<String> = paths.iter().map(|p| quote(p)).collect();
        format!(
            "to share it, commit and push:\n  {git} add {}\n  {git} commit -m {}\n  {git} push\n",
            paths.join(" "),
            quote(message)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_compare_without_decoration() {
        assert_eq!(
            normal("https://example.com/acme/team.git/"),
            normal("https://example.com/acme/team")
        );
        let tmp = std::env::temp_dir();
        assert_eq!(
            normal(&format!("file://{}", tmp.display())),
            normal(&format!("{}/", tmp.display()))
        );
    }

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(quote("secrets/a.age"), "secrets/a.age");
        assert_eq!(quote("it's here"), "'it'\\''s here'");
    }
}
