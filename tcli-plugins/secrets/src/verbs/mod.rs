//! One file per verb of `tcli secrets`, each a thin `run` over the modules of the crate, plus
//! finding a secret by name across the configured teams (shared by `get` and `exec`).

pub(crate) mod check;
pub(crate) mod exec;
pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod rekey;
pub(crate) mod rm;
pub(crate) mod set;

use crate::problem::Problem;
use crate::store::{self, Secret};
use crate::teams::Team;

/// The one of `teams` with a secret `name`, and that secret. A name more than one team has is
/// refused without `--team`: age does not authenticate who wrote a file, so a team listed
/// first could plant a value under another team's name (docs/secrets.md).
pub(crate) fn find<'t>(teams: &'t [Team], name: &str) -> Result<(&'t Team, Secret), Problem> {
    store::check_name(name)?;
    let mut found = teams
        .iter()
        .map(|team| (team, Secret::new(&team.dir, name)))
        .filter(|(_, secret)| secret.age.exists());
    if let Some(first) = found.next() {
        let others: Vec<String> = found.map(|(t, _)| t.name.clone()).collect();
        if others.is_empty() {
            return Ok(first);
        }
        let mut names = vec![first.0.name.clone()];
        names.extend(others);
        return Err(Problem::Ambiguous {
            name: name.to_string(),
            teams: names,
        });
    }
    let where_ = match teams {
        [one] => format!("team '{}'", one.name),
        _ => {
            let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
            format!("any team ({})", names.join(", "))
        }
    };
    Err(Problem::NoSuchSecret {
        name: name.to_string(),
        where_,
    })
}
