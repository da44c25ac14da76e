//! Team repos with libgit2: cloning, updating, inspecting and removing checkouts. What needs no
//! git (the registry, names, locks, shared errors and hints) is `tcli_core::team`'s, re-exported
//! here so these files read as they did when they lived beside it.

pub(crate) mod add;
pub(crate) mod git;
pub(crate) mod pins;
pub(crate) mod remove;
pub(crate) mod signed;
pub(crate) mod status;
pub(crate) mod update;
pub(crate) mod verify;

pub(crate) use tcli_core::team::*;
