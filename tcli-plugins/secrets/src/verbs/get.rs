//! `tcli secrets get NAME [--team T]`: decrypts one secret to stdout. A terminal gets the
//! value and a newline; a pipe gets the exact bytes, so `$(tcli secrets get x)` and
//! `tcli secrets get key > /dev/stdin`-style uses see what was set.

use crate::crypt;
use crate::identity::Me;
use crate::teams;
use std::io::{IsTerminal, Write};
use tcli_plugin_sdk::{Error, Host};

pub(crate) fn run(host: &Host, name: &str, team: Option<&str>) -> Result<(), Error> {
    crate::store::check_name(name)?;
    let teams = teams::selected(host, team)?;
    let (team, secret) = super::find(&teams, name)?;
    crypt::no_core_dumps();
    let mut me = Me::load()?;
    me.unlock()?;
    let value = crypt::decrypt(&secret, &team.name, &me)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&value)?;
    if out.is_terminal() {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
