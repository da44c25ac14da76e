//! `tcli team ...`: team repos (BRIEF section 6). Verbs arrive with the team issue.

use crate::context::Context;
use crate::error::CliError;
use std::ffi::OsString;

/// Runs `tcli team <verb> ...`.
pub fn cmd_team(_cx: &Context, _args: Vec<OsString>) -> anyhow::Result<u8> {
    Err(CliError::usage("'tcli team' has no verbs in this build").into())
}
