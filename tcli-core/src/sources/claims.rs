//! Which team's module a name is (docs/team-repos.md, "Module names"): no team takes a name
//! tcli ships (a built-in or a bundled module), and when two teams offer one name, whatever the
//! kinds (an exec module in `bin/`, a pinned library or image), the team listed first in
//! `tcli team list` (added first) has it. The rule is applied here once, to every module that
//! comes from a team, so kind precedence never decides between teams. Reads `pins.json` and
//! stats `bin/tcli-<name>` of the teams before; never the network or a repository.

use crate::context::Context;
use crate::model::pin::PinsFile;
use crate::model::{ModuleInfo, Problem};
use crate::team_dirs::{self, TeamEntry};
use std::path::{Path, PathBuf};

/// The registered teams, in order, with what they pin.
pub struct Claims {
    teams: Vec<(String, PathBuf)>,
    pins: PinsFile,
}

impl Claims {
    /// Reads the registry and `pins.json`. Every registered team claims its names, withheld
    /// ones too: a team withheld for a hand pull must not hand its names to the next team.
    pub fn load(cx: &Context) -> Claims {
        Claims::of(cx, &team_dirs::registered(cx))
    }

    /// The claims of `teams` (every registered team, in order).
    pub fn of(cx: &Context, teams: &[TeamEntry]) -> Claims {
        Claims {
            teams: teams
                .iter()
                .map(|t| {
                    (
                        t.name.clone(),
                        team_dirs::checkout_dir(cx, &t.name).join("bin"),
                    )
                })
                .collect(),
            pins: super::pinned::read(cx),
        }
    }

    /// Why team `team`'s module `name` is not offered; `None` when it is.
    pub fn refusal(&self, team: &str, name: &str) -> Option<Problem> {
        if crate::names::is_shipped(name) {
            return Some(Problem::Shipped {
                team: team.to_string(),
            });
        }
        let first = self.first_offering(name)?;
        (first != team).then(|| Problem::TakenByTeam {
            team: team.to_string(),
            first: first.to_string(),
        })
    }

    /// The first team, in order, that offers `name` in any form.
    pub fn first_offering(&self, name: &str) -> Option<&str> {
        self.teams
            .iter()
            .find(|(team, bin)| self.pins_name(team, name) || offers_exec(bin, name))
            .map(|(team, _)| team.as_str())
    }

    /// The teams offering `name`, in order.
    pub fn offering(&self, name: &str) -> Vec<&str> {
        self.teams
            .iter()
            .filter(|(team, bin)| self.pins_name(team, name) || offers_exec(bin, name))
            .map(|(team, _)| team.as_str())
            .collect()
    }

    /// Each module name `team` offers that another team offers too, with the teams that offer
    /// it in order (the first has it): what `team add` and `team update` report.
    pub fn clashes(&self, team: &str) -> Vec<(String, Vec<String>)> {
        let Some((_, bin)) = self.teams.iter().find(|(t, _)| t == team) else {
            return Vec::new();
        };
        let mut names: std::collections::BTreeSet<String> = self
            .pins
            .teams
            .get(team)
            .map(|p| p.modules.keys().cloned().collect())
            .unwrap_or_default();
        if let Ok(rd) = std::fs::read_dir(bin) {
            names.extend(rd.filter_map(|e| {
                let file = e.ok()?.file_name().into_string().ok()?;
                Some(file.strip_prefix(crate::names::EXEC_PREFIX)?.to_string())
            }));
        }
        names
            .into_iter()
            .filter_map(|name| {
                let teams: Vec<String> = self
                    .offering(&name)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                (teams.len() > 1).then_some((name, teams))
            })
            .collect()
    }

    fn pins_name(&self, team: &str, name: &str) -> bool {
        self.pins
            .teams
            .get(team)
            .is_some_and(|p| p.modules.contains_key(name))
    }

    /// The team whose `bin/` holds `path`.
    pub fn team_of_file(&self, path: &Path) -> Option<&str> {
        let dir = path.parent()?;
        self.teams
            .iter()
            .find(|(_, bin)| bin == dir)
            .map(|(team, _)| team.as_str())
    }

    /// Marks each module of `modules` that comes from a team and may not be offered: not
    /// runnable, with the reason, so the module allowed the name wins and lists show why. A
    /// source marks what it describes afresh; a cached module marked before is described
    /// again ([`was_marked`]), so a clash that ended leaves no mark behind.
    pub fn mark(&self, modules: &mut [ModuleInfo]) {
        for m in modules {
            if was_marked(m) {
                continue;
            }
            let team = m.pinned_by().map(str::to_string).or_else(|| {
                self.team_of_file(Path::new(&m.location))
                    .map(str::to_string)
            });
            if let Some(p) = team.and_then(|t| self.refusal(&t, &m.name)) {
                m.problems.push(p);
                m.runnable = false;
            }
        }
    }
}

/// True for a module [`Claims::mark`] marked.
pub fn was_marked(m: &ModuleInfo) -> bool {
    m.problems
        .iter()
        .any(|p| matches!(p, Problem::Shipped { .. } | Problem::TakenByTeam { .. }))
}

/// True when `bin` holds `tcli-<name>` (a stat; what the exec source would find).
fn offers_exec(bin: &Path, name: &str) -> bool {
    bin.join(format!("{}{name}", crate::names::EXEC_PREFIX))
        .exists()
}
