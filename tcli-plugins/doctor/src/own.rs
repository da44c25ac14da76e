//! tcli's own checks, all offline: each team checkout (present, for a signed team at the
//! commit tcli verified, on a branch, not stale, its `tcli.toml` parses, its
//! `min-tcli-version` met), modules with problems, and the Docker
//! engine when docker modules exist. Facts come from the running tcli (`team list --json`,
//! `modules list --json`) and from the checkouts' files; no git library, no network.

use crate::outcome::{Outcome, Status};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tcli_plugin_sdk::doctor::Severity;
use tcli_plugin_sdk::serde_json::Value;
use tcli_plugin_sdk::team_checkout::Withheld;

/// Days after the last fetch before a checkout counts as stale (docs/team-repos.md).
const DEFAULT_STALE_DAYS: u64 = 7;

/// A team as `tcli team list --json` gives it, plus what its checkout says.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) present: bool,
    pub(crate) branch: Option<String>,
    pub(crate) commit: Option<String>,
    /// Bad `[modules.<name>]` pins of its `tcli.toml`, as tcli names them.
    pub(crate) pin_problems: Vec<String>,
}

impl Team {
    /// The teams of `tcli team list --json`, with their HEADs read.
    pub(crate) fn from_list(list: &Value) -> Vec<Team> {
        list["teams"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let path = PathBuf::from(t["path"].as_str()?);
                let (branch, commit) = head(&path);
                Some(Team {
                    name: t["name"].as_str()?.to_string(),
                    present: t["present"].as_bool().unwrap_or(false),
                    path,
                    branch,
                    commit,
                    pin_problems: t["pin_problems"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect(),
                })
            })
            .collect()
    }
}

/// The branch HEAD is on (none when detached) and the commit, from `.git/HEAD`, the loose
/// ref or `packed-refs`.
fn head(checkout: &Path) -> (Option<String>, Option<String>) {
    let git = checkout.join(".git");
    let Ok(text) = std::fs::read_to_string(git.join("HEAD")) else {
        return (None, None);
    };
    let text = text.trim();
    let Some(r) = text.strip_prefix("ref:").map(str::trim) else {
        return (None, Some(text.to_string()));
    };
    let branch = r.strip_prefix("refs/heads/").map(str::to_string);
    let commit = std::fs::read_to_string(git.join(r))
        .ok()
        .map(|s| s.trim().to_string())
        .or_else(|| {
            let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
            packed.lines().find_map(|l| {
                let (id, name) = l.split_once(' ')?;
                (name == r).then(|| id.to_string())
            })
        });
    (branch, commit)
}

/// What a settings file turned out to be.
#[derive(Debug, Clone)]
pub(crate) enum FileState {
    Missing,
    Parsed(Value),
    /// It does not parse; tcli's message.
    Broken(String),
}

/// One problem found in a team checkout.
struct Problem {
    severity: Severity,
    text: String,
    hint: String,
}

/// The check of team `t`: one row, failing with the worst of its problems.
pub(crate) fn team_check(
    t: &Team,
    withheld: Option<&Withheld>,
    file: &FileState,
    user: Option<&Value>,
    tcli_version: &str,
) -> Outcome {
    let mut out = Outcome::tcli(format!("tcli.team.{}", t.name), Some(t.name.clone()));
    out.description = Some(format!("the checkout of team '{}'", t.name));
    let mut problems = Vec::new();
    let error = |text: String, hint: String| Problem {
        severity: Severity::Error,
        text,
        hint,
    };
    if !t.present {
        problems.push(error(
            format!("the checkout {} is missing", t.path.display()),
            format!(
                "tcli team remove {0} && tcli team add <url> --name {0}",
                t.name
            ),
        ));
    } else {
        // tcli gives nothing of this team (docs/team-repos.md): the first thing to fix.
        if let Some(w) = withheld {
            problems.push(error(w.to_string(), w.hint(&t.path)));
        }
        if t.branch.is_none() {
            problems.push(Problem {
                severity: Severity::Warn,
                text: "not on a branch".into(),
                hint: format!("git -C {} switch <branch>", t.path.display()),
            });
        }
        let settings = match file {
            FileState::Broken(e) => {
                out.status = Status::Invalid;
                problems.push(error(
                    format!("{} does not parse: {e}", t.path.join("tcli.toml").display()),
                    "ask the team to fix its tcli.toml".into(),
                ));
                None
            }
            FileState::Parsed(v) => Some(v),
            FileState::Missing => None,
        };
        let setting = |key: &str| {
            user.and_then(|u| u.get(key))
                .or_else(|| settings.and_then(|s| s.get(key)))
                .cloned()
        };
        if let Some(p) = stale(t, setting("stale-after-days")) {
            problems.push(p);
        }
        problems.extend(t.pin_problems.iter().map(|p| {
            error(
                format!("pin {p}"),
                format!("fix [modules] in the team repo's tcli.toml (docs/team-repos.md, \"Pinning\"), then tcli team update {}", t.name),
            )
        }));
        if let Some(min) = settings.and_then(|s| s.get("min-tcli-version")) {
            if let Some(p) = min_version(min, tcli_version) {
                problems.push(p);
            }
        }
    }
    if problems.is_empty() {
        out.detail = match (&t.branch, &t.commit) {
            (Some(b), Some(c)) => format!("on {b} at {}", &c[..c.len().min(12)]),
            (Some(b), None) => format!("on {b}"),
            _ => "present".into(),
        };
        if let Some(age) = last_fetch(&t.path).and_then(|f| f.elapsed().ok()) {
            out.detail.push_str(&format!(", updated {}", ago(age)));
        }
        return out;
    }
    if out.status != Status::Invalid {
        let worst = problems
            .iter()
            .map(|p| p.severity)
            .find(|s| *s == Severity::Error)
            .unwrap_or(Severity::Warn);
        out.severity = worst;
        out.status = Status::of(false, worst);
    }
    problems.sort_by_key(|p| p.severity != Severity::Error);
    out.hint = Some(problems[0].hint.clone());
    out.detail = problems
        .into_iter()
        .map(|p| p.text)
        .collect::<Vec<_>>()
        .join("; ");
    out
}

/// When the checkout last heard from its remote: tcli's marker or `FETCH_HEAD`, the newer.
fn last_fetch(checkout: &Path) -> Option<SystemTime> {
    let git = checkout.join(".git");
    [git.join("tcli-fetched"), git.join("FETCH_HEAD")]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
}

fn stale(t: &Team, days: Option<Value>) -> Option<Problem> {
    let days = days.and_then(|d| d.as_u64()).unwrap_or(DEFAULT_STALE_DAYS);
    let age = last_fetch(&t.path)?.elapsed().ok()?;
    (days > 0 && age > Duration::from_secs(days * 86_400)).then(|| Problem {
        severity: Severity::Warn,
        text: format!("last updated {} (stale-after-days = {days})", ago(age)),
        hint: format!("tcli team update {}", t.name),
    })
}

fn ago(age: Duration) -> String {
    match age.as_secs() / 86_400 {
        0 => "today".into(),
        1 => "1 day ago".into(),
        n => format!("{n} days ago"),
    }
}

fn min_version(min: &Value, running: &str) -> Option<Problem> {
    let running = semver::Version::parse(running).ok()?;
    let Some(wanted) = min
        .as_str()
        .and_then(|s| semver::Version::parse(s.trim().trim_start_matches('v')).ok())
    else {
        return Some(Problem {
            severity: Severity::Error,
            text: format!("min-tcli-version = {min} is not a version like \"1.2.3\""),
            hint: "ask the team to fix min-tcli-version in its tcli.toml".into(),
        });
    };
    (running < wanted).then(|| Problem {
        severity: Severity::Error,
        text: format!("needs tcli {wanted} or newer (min-tcli-version); this is tcli {running}"),
        hint: "update tcli (./install.sh from a newer checkout)".into(),
    })
}

/// The user's own settings file, when it does not parse.
pub(crate) fn user_settings_check(file: &Path, error: &str) -> Outcome {
    let mut out = Outcome::tcli("tcli.settings".into(), None);
    out.status = Status::Invalid;
    out.detail = format!("{} does not parse: {error}", file.display());
    out.hint = Some(format!("fix the file (it is TOML): {}", file.display()));
    out
}

/// A module as `tcli modules list --json` gives it.
#[derive(Debug, Clone)]
pub(crate) struct Module {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) location: String,
    pub(crate) runnable: bool,
    pub(crate) verbs: Vec<String>,
    pub(crate) problems: Vec<String>,
}

impl Module {
    fn from_json(m: &Value) -> Option<Module> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        Some(Module {
            name: m["name"].as_str()?.to_string(),
            kind: m["kind"].as_str().unwrap_or_default().to_string(),
            location: m["location"].as_str().unwrap_or_default().to_string(),
            runnable: m["runnable"].as_bool().unwrap_or(true),
            verbs: strings(&m["verbs"]),
            problems: strings(&m["problems"]),
        })
    }
}

/// The modules that win their name (with the ones they shadow) and the sources' notes.
#[derive(Debug, Default)]
pub(crate) struct Modules {
    pub(crate) winners: Vec<Module>,
    pub(crate) shadowed: Vec<Module>,
    pub(crate) notes: Vec<(String, String)>,
}

impl Modules {
    pub(crate) fn from_list(list: &Value) -> Modules {
        let mut out = Modules::default();
        for m in list["modules"].as_array().into_iter().flatten() {
            out.winners.extend(Module::from_json(m));
            for s in m["shadowed"].as_array().into_iter().flatten() {
                out.shadowed.extend(Module::from_json(s));
            }
        }
        for n in list["notes"].as_array().into_iter().flatten() {
            if let (Some(k), Some(t)) = (n["kind"].as_str(), n["note"].as_str()) {
                out.notes.push((k.to_string(), t.to_string()));
            }
        }
        out
    }

    /// The runnable modules that declare the verb `doctor` (docs/doctor.md).
    pub(crate) fn contributors(&self) -> impl Iterator<Item = &Module> {
        self.winners
            .iter()
            .filter(|m| m.runnable && m.name != "doctor" && m.verbs.iter().any(|v| v == "doctor"))
    }
}

/// `tcli.modules`: a warning listing the modules that have problems.
pub(crate) fn modules_check(modules: &Modules) -> Outcome {
    let mut out = Outcome::tcli("tcli.modules".into(), None);
    out.description = Some("modules tcli found, and what is wrong with them".into());
    let bad: Vec<String> = modules
        .winners
        .iter()
        .chain(&modules.shadowed)
        .filter(|m| !m.problems.is_empty())
        .map(|m| format!("{} ({}): {}", m.name, m.kind, m.problems.join(", ")))
        .collect();
    if bad.is_empty() {
        out.detail = format!("{} modules, none with problems", modules.winners.len());
        return out;
    }
    out.severity = Severity::Warn;
    out.status = Status::Warn;
    out.detail = format!(
        "{} module{} with problems: {}",
        bad.len(),
        if bad.len() == 1 { "" } else { "s" },
        bad.join("; ")
    );
    out.hint =
        Some("see each with 'tcli modules which NAME'; 'tcli modules check' runs them".into());
    out
}

/// `tcli.docker`: when docker modules exist, or the docker source has a note (it notes only
/// an engine it could not reach, never a machine without Docker); the engine as the docker
/// source last reached it. Unreachable fails when docker modules exist and warns otherwise:
/// an engine that cannot be reached lists no modules, and the team may need them.
pub(crate) fn docker_check(modules: &Modules) -> Option<Outcome> {
    let count = modules
        .winners
        .iter()
        .chain(&modules.shadowed)
        .filter(|m| m.kind == "docker")
        .count();
    let note = modules.notes.iter().find(|(k, _)| k == "docker");
    if count == 0 && note.is_none() {
        return None;
    }
    let mut out = Outcome::tcli("tcli.docker".into(), None);
    out.description = Some("the Docker engine docker modules run on".into());
    match note {
        Some((_, note)) => {
            out.severity = if count == 0 {
                Severity::Warn
            } else {
                Severity::Error
            };
            out.status = Status::of(false, out.severity);
            out.detail = note.clone();
            out.hint = Some("start the Docker engine, or point DOCKER_HOST at one".into());
        }
        None => {
            let s = if count == 1 { "" } else { "s" };
            out.detail = format!("engine reachable ({count} docker module{s})");
        }
    }
    Some(out)
}

/// `tcli.transport`, when teams are registered: what fetches them (docs/team-repos.md,
/// "Transport"), the user's `git` and its version, or libgit2's transport where there is no
/// git on PATH (a warning: it reads neither `~/.ssh/config` nor `core.sshCommand`).
pub(crate) fn transport_check(teams: &[Team]) -> Option<Outcome> {
    use tcli_proc::git;
    if teams.is_empty() {
        return None;
    }
    let mut out = Outcome::tcli("tcli.transport".into(), None);
    out.description = Some("what team add and team update fetch with".into());
    let (min_major, min_minor) = git::MIN_VERSION;
    let install = format!("install git {min_major}.{min_minor} or newer");
    let Some(program) = git::program() else {
        out.severity = Severity::Warn;
        out.status = Status::Warn;
        out.detail =
            "no git on PATH: teams are fetched with libgit2 (no ~/.ssh/config, no core.sshCommand)"
                .into();
        out.hint = Some(install);
        return Some(out);
    };
    let version = git::version(&program);
    out.detail = format!(
        "git {} ({})",
        version.as_deref().unwrap_or("of unknown version"),
        program.display()
    );
    if !version.as_deref().is_some_and(git::recent_enough) {
        out.severity = Severity::Warn;
        out.status = Status::Warn;
        out.detail
            .push_str(&format!(", older than {min_major}.{min_minor}"));
        out.hint = Some(install);
    }
    Some(out)
}

/// The team whose checkout holds `location` (a team's `bin/`), if any.
pub(crate) fn team_of(location: &str, teams: &[Team]) -> Option<String> {
    teams
        .iter()
        .find(|t| Path::new(location).starts_with(&t.path))
        .map(|t| t.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcli_plugin_sdk::serde_json::json;

    #[test]
    fn min_version_compares_semver() {
        assert!(min_version(&json!("99.0.0"), "0.1.0").is_some());
        assert!(min_version(&json!("0.1.0"), "0.1.0").is_none());
        assert!(min_version(&json!(3), "0.1.0").is_some());
    }

    #[test]
    fn modules_with_problems_warn() {
        let list = json!({"modules": [
            {"name": "a", "kind": "exec", "verbs": ["doctor"]},
            {"name": "b", "kind": "exec", "problems": ["'--help' exited with status 3"], "runnable": false}
        ], "notes": []});
        let m = Modules::from_list(&list);
        assert_eq!(
            m.contributors()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );
        let o = modules_check(&m);
        assert_eq!(o.status, Status::Warn);
        assert!(o.detail.contains("b (exec)"));
        assert!(docker_check(&m).is_none());
    }

    #[test]
    fn an_unreachable_engine_is_reported_without_docker_modules() {
        let note = "Docker engine not reachable: connection refused (TCLI_NO_DOCKER=1 turns docker modules off)";
        let m = Modules::from_list(
            &json!({"modules": [], "notes": [{"kind": "docker", "note": note}]}),
        );
        let o = docker_check(&m).expect("a tcli.docker row");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(o.detail, note);
        let m = Modules::from_list(&json!({
            "modules": [{"name": "d", "kind": "docker"}],
            "notes": [{"kind": "docker", "note": note}]
        }));
        assert_eq!(docker_check(&m).unwrap().status, Status::Fail);
    }
}
