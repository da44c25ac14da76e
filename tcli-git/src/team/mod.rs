//! Team repos with libgit2: cloning, updating, inspecting and removing checkouts. What needs no
//! git (the registry, names, locks, shared errors and hints) is `tcli_core::team`'s, re-exported
//! here so these files read as they did when they lived beside it.

pub(crate) mod add;
pub(crate) mod changes;
pub(crate) mod checkout;
pub(crate) mod files;
pub(crate) mod git;
pub(crate) mod names;
pub(crate) mod people;
pub(crate) mod pins;
pub(crate) mod remove;
pub(crate) mod root;
pub(crate) mod sections;
pub(crate) mod signed;
pub(crate) mod status;
pub(crate) mod transport;
pub(crate) mod update;
pub(crate) mod verify;

use std::fs::File;
use std::path::PathBuf;
pub(crate) use tcli_core::team::*;
use tcli_core::{context::Context, team_dirs};

/// The opening of every verb that changes a registered team's checkout: its lock, held until
/// dropped, and its directory, which must exist.
pub(crate) fn locked_checkout(
    cx: &Context,
    entry: &team_dirs::TeamEntry,
) -> anyhow::Result<(File, PathBuf)> {
    let dir = team_dirs::checkout_dir(cx, &entry.name);
    let lock = lock(cx, &entry.name)?;
    if !dir.exists() {
        return Err(missing_checkout(entry, &dir));
    }
    Ok((lock, dir))
}

/// `" and 3 more"` after the first of `n` things named, nothing when there is one.
pub(crate) fn and_more(n: usize) -> String {
    match n {
        0 | 1 => String::new(),
        n => format!(" and {} more", n - 1),
    }
}
