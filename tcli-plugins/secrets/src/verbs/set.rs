//! `tcli secrets set NAME [--repo DIR]`: encrypts a value to every key of the clone's roster
//! and writes `secrets/NAME.age` and `secrets/NAME.recipients` (temp files, renamed into
//! place), then prints the git commands that share it. The roster is checked (and vetted
//! against the team's, docs/secrets.md) before the value is read, so a bad roster consumes
//! nothing.

use crate::crypt;
use crate::store::{self, Secret, Staged};
use crate::teams;
use std::path::Path;
use tcli_plugin_sdk::{Error, Host};

pub(crate) fn run(
    host: &Host,
    name: &str,
    repo: Option<&Path>,
    allowed: &[String],
) -> Result<(), Error> {
    store::check_name(name)?;
    let clone = teams::working_clone(host, repo, false)?;
    let keys = clone.vetted_keys(host, allowed)?;
    crypt::no_core_dumps();
    let value = crypt::read_value(name)?;
    let ciphertext = crypt::encrypt(name, &value, &keys)?;
    drop(value);
    let secret = Secret::new(&clone.dir, name);
    let mut staged = Staged::default();
    staged.add(&secret.age, &ciphertext)?;
    staged.add(&secret.sidecar, store::sidecar_text(name, &keys).as_bytes())?;
    staged.commit()?;
    let mut people: Vec<&str> = keys.iter().map(|k| k.person.as_str()).collect();
    people.dedup();
    tcli_plugin_sdk::output::status(&format!(
        "wrote secret '{name}' in {}, encrypted to {} keys of {} people ({})",
        clone.display(),
        keys.len(),
        people.len(),
        people.join(", ")
    ));
    clone.print_git_commands(&secret.repo_paths(), &format!("secrets: set {name}"))
}
