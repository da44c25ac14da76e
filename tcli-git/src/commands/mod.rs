//! The verbs of `tcli team` that open a repository, one file per verb; their clap args are
//! `tcli_core::commands::team`'s, so help, completion and the docs come from tcli.

pub(crate) mod add;
pub(crate) mod people;
pub(crate) mod remove;
pub(crate) mod status;
pub(crate) mod update;
pub(crate) mod verify;
