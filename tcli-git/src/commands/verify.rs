//! `tcli team verify [TEAM] [--json]`: re-check each signed team's history from its trust root
//! to HEAD, offline. The exit code is 1 when any team fails.

use crate::errors;
use crate::team::{self, verify::Verified};
use tcli_core::commands::team::verify::TeamVerifyArgs;
use tcli_core::context::Context;
use tcli_core::team_dirs;
use tcli_core::ui;

/// Runs `tcli team verify`.
pub(crate) fn cmd_team_verify(cx: &Context, args: &TeamVerifyArgs) -> anyhow::Result<u8> {
    let teams = match &args.name {
        Some(n) => vec![team::find(cx, n)?],
        // Without a name: the teams that have something to verify.
        None => team_dirs::teams_strict(cx)?
            .into_iter()
            .filter(|t| t.trust.is_some())
            .collect(),
    };
    let mut code = 0;
    let mut results = Vec::new();
    for t in &teams {
        match team::verify::verify(cx, t) {
            Ok(v) => {
                if !args.json {
                    ui::out(&line(&v));
                }
                results.push(serde_json::json!({ "result": "verified", "team": v }));
            }
            Err(e) => {
                errors::report(&e);
                code = code.max(errors::code(&e));
                results.push(serde_json::json!({
                    "result": "failed",
                    "team": { "name": t.name },
                    "error": e.to_string(),
                    "hint": errors::hint(&e),
                }));
            }
        }
    }
    if args.json {
        ui::json(&serde_json::json!({ "ok": code == 0, "teams": results }));
    } else if teams.is_empty() {
        ui::hint(errors::NO_TRUST_ROOTS);
    }
    Ok(code)
}

fn line(v: &Verified) -> String {
    let range = format!("{}..{}", &v.root[..7], &v.head[..7]);
    if !v.required {
        return format!("{}: signatures not required ({range})\n", v.name);
    }
    let by = match (&v.signer, &v.signer_key) {
        (Some(p), Some(k)) => format!("; HEAD signed by {p} with {k}"),
        _ => String::new(),
    };
    format!(
        "{}: verified {} from the trust root ({range}){by}\n",
        v.name,
        team::git::commits(v.commits).replace("commit", "signed commit")
    )
}
