//! The warning for a signed team whose checkout is withheld (docs/team-repos.md, "What a
//! signed team guarantees"): one `warning:` line per team, naming its HEAD and the commit tcli
//! last verified, and one `hint:` line with the fix. Which teams are withheld is
//! `crate::team_dirs`'s call; this file only says so, on every run but the ones where it
//! would be noise or corrupt an answer.

use crate::context::Context;
use std::ffi::OsStr;

/// Prints the warning for each withheld team. `first_arg` is the module being run: `tcli team
/// ...` is where the user deals with it (and `team update` is the fix), and the hidden
/// arguments (a probe, a completion question) must print nothing but their answer.
pub fn maybe_warn(cx: &Context, first_arg: Option<&OsStr>) {
    let quiet = [
        "team",
        crate::model::descriptor::PROBE_ARG,
        crate::commands::completion::COMPLETE_ARG,
    ];
    if first_arg.is_some_and(|a| quiet.iter().any(|q| a == *q)) {
        return;
    }
    for w in crate::team_dirs::withheld(cx) {
        crate::ui::warn(&w.to_string());
        crate::ui::hint(&w.hint(&crate::team_dirs::checkout_dir(cx, &w.team)));
    }
}
