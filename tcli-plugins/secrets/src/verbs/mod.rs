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

/// The first of `teams` (in `team list` order) with a secret `name`, and that secret.
pub(crate) fn find<'t>(teams: &'t [Team], name: &str) -> Result<(&'t Team, Secret), Problem> {
    store::check_name(name)?;
    for team in teams {
        let secret = Secret::new(&team.dir, name);
        if secret.age.exists() {
            return Ok((team, secret));
        }
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
