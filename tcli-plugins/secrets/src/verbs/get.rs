//! `tcli secrets get NAME [--team T]`: decrypts one secret to stdout. A terminal gets the
//! value and a newline; a pipe gets the exact bytes that were set, so
//! `tcli secrets get registry-token | docker login --password-stdin ...` sees just the token.

use crate::crypt;
use crate::identity::Me;
use crate::teams;
use std::io::{IsTerminal, Write};
use std::os::fd::{AsFd, BorrowedFd};
use tcli_plugin_sdk::{Error, Host};

pub(crate) fn run(host: &Host, name: &str, team: Option<&str>) -> Result<(), Error> {
    crate::store::check_name(name)?;
    let teams = teams::selected(host, team)?;
    let (team, secret) = super::find(&teams, name)?;
    crypt::no_core_dumps();
    let mut me = Me::load()?;
    crypt::for_me(&secret, &team.name, &me)?;
    me.unlock()?;
    let value = crypt::decrypt(&secret, &team.name, &me)?;
    let mut out = std::io::stdout().lock();
    out.flush()?;
    // Straight to the fd: std's stdout buffer would keep a copy of the value it never zeroizes.
    write_all(out.as_fd(), &value)?;
    if out.is_terminal() {
        write_all(out.as_fd(), b"\n")?;
    }
    Ok(())
}

fn write_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
