//! `tcli team update [NAME...] [--json]`: fetch each team repo (all by default) and
//! fast-forward it, then say which modules were added, removed or changed. One team failing
//! does not stop the others; the exit code is 1 when any failed (130 after a Ctrl-C, which
//! stops the teams not yet updated).

use crate::errors;
use crate::team::{self, update::Updated};
use std::path::Path;
use tcli_core::commands::team::update::TeamUpdateArgs;
use tcli_core::context::Context;
use tcli_core::prim::text::inert;
use tcli_core::team_dirs;
use tcli_core::ui;

/// Runs `tcli team update`.
pub(crate) fn cmd_team_update(cx: &Context, args: &TeamUpdateArgs) -> anyhow::Result<u8> {
    let teams = if args.names.is_empty() {
        team_dirs::teams_strict(cx)?
    } else {
        args.names
            .iter()
            .map(|n| team::find(cx, n))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    if teams.is_empty() {
        if args.json {
            ui::json(&serde_json::json!({ "ok": true, "teams": [] }));
        } else {
            ui::hint(crate::errors::NO_TEAMS);
        }
        return Ok(0);
    }
    // Failures keep their place in team order in the JSON list.
    let mut failed: Vec<(usize, serde_json::Value)> = Vec::new();
    let mut done: Vec<Updated> = Vec::new();
    let mut code = 0;
    for (i, t) in teams.iter().enumerate() {
        match team::update::update(cx, t) {
            Ok(u) => done.push(u),
            Err(e) => {
                errors::report(&e);
                code = code.max(errors::code(&e));
                failed.push((
                    i,
                    serde_json::json!({
                        "name": t.name,
                        "result": "failed",
                        "error": e.to_string(),
                        "hint": errors::hint(&e),
                    }),
                ));
                // A signal stopped it: the teams after it are left alone, and the exit status
                // is the signal's (128+n), once what was done is reported.
                if errors::interrupted(&e) {
                    break;
                }
            }
        }
    }
    if done.iter().any(|u| {
        u.result == team::update::Outcome::Updated
            || u.artifacts
                .iter()
                .any(|a| a.action != team::pins::Action::Reused)
    }) {
        team::refresh_index(cx);
    }
    for u in &mut done {
        let bin = team_dirs::checkout_dir(cx, &u.name).join("bin");
        for m in u.added.iter().chain(&u.changed) {
            if let Some(note) = shadowed(cx, m, &bin) {
                u.warnings.push(note);
            }
        }
        u.warnings.extend(team::version::unmet(
            &u.name,
            &team_dirs::checkout_dir(cx, &u.name),
        ));
    }
    if args.json {
        let mut results = done
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()?;
        for (i, f) in failed {
            results.insert(i, f);
        }
        ui::json(&serde_json::json!({ "ok": code == 0, "teams": results }));
    } else {
        ui::out(&report(&done));
    }
    // A clash between two teams is each team's warning: said once.
    let mut said = std::collections::HashSet::new();
    for w in done.iter().flat_map(|u| &u.warnings) {
        if said.insert(w) {
            ui::warn(w);
        }
    }
    Ok(code)
}

/// What a user reads: one line per team, then one per module that changed.
fn report(done: &[Updated]) -> String {
    let mut s = String::new();
    for u in done {
        match u.result {
            team::update::Outcome::UpToDate => {
                s.push_str(&format!(
                    "{}: already up to date ({})\n",
                    u.name,
                    &u.to[..7]
                ));
                s.push_str(&artifact_lines(&u.artifacts, false));
            }
            team::update::Outcome::Updated => {
                s.push_str(&format!(
                    "{}: updated {}..{} ({})\n",
                    u.name,
                    &u.from[..7],
                    &u.to[..7],
                    u.branch
                ));
                if let Some(v) = &u.signed {
                    let by = match (&v.signer, &v.key) {
                        (Some(p), Some(k)) => format!("; {} signed by {p} with {k}", &u.to[..7]),
                        _ => String::new(),
                    };
                    s.push_str(&format!(
                        "  verified {}{by}\n",
                        crate::team::git::commits(v.commits).replace("commit", "signed commit")
                    ));
                }
                s.push_str(&team::changes::lines(&u.brought));
                for (label, names) in [
                    ("added", &u.added),
                    ("removed", &u.removed),
                    ("changed", &u.changed),
                ] {
                    for n in names {
                        s.push_str(&format!("  {label:<8} {}\n", inert(n)));
                    }
                }
                s.push_str(&artifact_lines(&u.artifacts, false));
            }
        }
    }
    s
}

/// One line per pinned artifact fetched or removed (and reused, with `all`).
pub(crate) fn artifact_lines(list: &[team::pins::ArtifactReport], all: bool) -> String {
    use team::pins::Action;
    let mut s = String::new();
    for a in list {
        let label = match a.action {
            Action::Fetched => "fetched",
            Action::Removed => "removed",
            Action::Reused if all => "reused",
            Action::Reused => continue,
        };
        s.push_str(&format!("  {label:<8} {} ({})\n", a.module, a.artifact));
    }
    s
}

/// A note when `name`, shipped in the team's `bin`, is not what runs for that name.
fn shadowed(cx: &Context, name: &str, bin: &Path) -> Option<String> {
    let winner = tcli_core::catalog::find(cx, name).ok()?;
    (Path::new(&winner.location).parent() != Some(bin)).then(|| {
        format!(
            "module '{name}' from {} is shadowed by the {} module at {}",
            bin.display(),
            winner.kind.as_str(),
            winner.location
        )
    })
}
