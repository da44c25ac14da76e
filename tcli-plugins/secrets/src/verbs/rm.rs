//! `tcli secrets rm NAME [--repo DIR]`: deletes a secret's two files from a working clone and
//! prints the git commands that share the removal. The value stays in git history: a secret
//! that must stop working is rotated where it was issued (docs/secrets.md).

use crate::problem::Problem;
use crate::store::{self, Secret};
use crate::teams;
use std::path::Path;
use tcli_plugin_sdk::{Error, Host};

pub(crate) fn run(host: &Host, name: &str, repo: Option<&Path>) -> Result<(), Error> {
    store::check_name(name)?;
    let clone = teams::working_clone(host, repo, false)?;
    let secret = Secret::new(&clone.dir, name);
    for path in [
        secret.age.parent().unwrap_or(&clone.dir),
        &secret.age,
        &secret.sidecar,
    ] {
        store::no_symlink(path)?;
    }
    if !secret.age.exists() {
        return Err(Problem::NoSuchSecret {
            name: name.to_string(),
            where_: clone.display(),
        }
        .into());
    }
    std::fs::remove_file(&secret.age).map_err(|e| Problem::io("remove", &secret.age, e))?;
    match std::fs::remove_file(&secret.sidecar) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Problem::io("remove", &secret.sidecar, e).into())
        }
        _ => {}
    }
    tcli_plugin_sdk::output::status(&format!("removed secret '{name}' from {}", clone.display()));
    clone.print_git_commands(&secret.repo_paths(), &format!("secrets: remove {name}"))
}
