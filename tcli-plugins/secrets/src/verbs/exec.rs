//! `tcli secrets exec --only A[,B] -- CMD [ARGS...]`: replaces the process with CMD, its
//! environment the caller's plus exactly the named secrets, as upper snake case variables
//! (`db-password` → `DB_PASSWORD`). Values never go on argv (another user can read a
//! process's argv, not its environment), and since tcli becomes CMD, CMD's exit status (or
//! signal) is tcli's.

use crate::crypt;
use crate::identity::Me;
use crate::problem::Problem;
use crate::store;
use crate::teams;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use tcli_plugin_sdk::{Error, Host};

/// Linux's MAX_ARG_STRLEN (32 pages of 4 KiB): the longest string execve takes in argv or
/// the environment, its NUL included.
const MAX_ENV_STRING: usize = 128 * 1024;

pub(crate) fn run(
    host: &Host,
    only: &[String],
    team: Option<&str>,
    command: &[OsString],
) -> Result<(), Error> {
    for name in only {
        store::check_name(name)?;
    }
    let teams = teams::selected(host, team)?;
    let found = only
        .iter()
        .map(|name| super::find(&teams, name))
        .collect::<Result<Vec<_>, _>>()?;
    crypt::no_core_dumps();
    let mut me = Me::load()?;
    for (team, secret) in &found {
        crypt::for_me(secret, &team.name, &me)?;
    }
    me.unlock()?;
    let mut cmd = std::process::Command::new(&command[0]);
    cmd.args(&command[1..]);
    for (team, secret) in &found {
        let value = crypt::decrypt(secret, &team.name, &me)?;
        if value.contains(&0) {
            return Err(Problem::NulInValue(secret.name.clone()).into());
        }
        let var = store::env_name(&secret.name);
        // `NAME=value` and its NUL: past the kernel's cap on one string (MAX_ARG_STRLEN),
        // execve fails with E2BIG, which would read as "Argument list too long".
        let len = var.len() + 1 + value.len() + 1;
        if len > MAX_ENV_STRING {
            return Err(Problem::TooLongForEnv {
                name: secret.name.clone(),
                var,
                len,
            }
            .into());
        }
        cmd.env(var, OsStr::from_bytes(&value));
    }
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // Only returns on failure.
    let source = cmd.exec();
    Err(Problem::Exec {
        command: command[0].to_string_lossy().into_owned(),
        source,
    }
    .into())
}
