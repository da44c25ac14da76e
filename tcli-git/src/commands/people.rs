//! `tcli team people [TEAM] [--json]`: each team's roster, with key fingerprints and the keys
//! tcli cannot use: a team with a trust record shows the roster of its last verified commit
//! (what a pull left in the checkout is not the team's until `team update` checks it), others
//! their checkout's tcli.toml. Local only; no signature is checked here.

use crate::errors::{self, TeamError};
use crate::team;
use tcli_core::commands::team::people::TeamPeopleArgs;
use tcli_core::context::Context;
use tcli_core::exit::Exit;
use tcli_core::team_dirs;
use tcli_core::ui;

/// Runs `tcli team people`.
pub(crate) fn cmd_team_people(cx: &Context, args: &TeamPeopleArgs) -> anyhow::Result<u8> {
    let teams = match &args.name {
        Some(n) => vec![team::find(cx, n)?],
        None => team_dirs::teams_strict(cx)?,
    };
    let mut code = Exit::Success;
    let mut out = Vec::new();
    let mut text = String::new();
    for t in &teams {
        let path = team_dirs::checkout_dir(cx, &t.name).join("tcli.toml");
        let failed = |why: String| -> anyhow::Error {
            TeamError::PeopleRoster {
                team: t.name.clone(),
                path: path.clone(),
                why,
            }
            .into()
        };
        let roster = match team::signed::verified_of(t) {
            Some(v) => verified_roster(cx, &t.name, v).map_err(failed),
            None => tcli_core::settings::read_table(&path).and_then(|table| {
                let json = tcli_core::settings::json_of_table(&table.unwrap_or_default());
                tcli_roster::Roster::from_settings(&json)
                    .map(std::rc::Rc::new)
                    .map_err(|e| failed(e.to_string()))
            }),
        };
        let roster = match roster {
            Ok(r) => r,
            Err(e) => {
                errors::report(&e);
                code = Exit::Failure;
                out.push(serde_json::json!({ "name": t.name, "error": e.to_string() }));
                continue;
            }
        };
        let people = team::people::people(&roster);
        let problems = roster.problems();
        text.push_str(&format!(
            "{}{}\n",
            t.name,
            if roster.require_signed {
                " (signed commits required)"
            } else {
                ""
            }
        ));
        if people.is_empty() {
            text.push_str("  no roster ([people.<id>] in tcli.toml)\n");
        }
        let mut rows = Vec::new();
        for p in &people {
            let mut about: Vec<String> = p.name.iter().cloned().collect();
            about.extend(p.email.iter().map(|e| format!("<{e}>")));
            about.extend(p.chat.iter().cloned());
            rows.push((p.id.clone(), about.join(" ")));
            for k in &p.keys {
                let bad = if k.problem.is_some() {
                    "  (unusable)"
                } else {
                    ""
                };
                rows.push((String::new(), format!("{} {}{bad}", k.fingerprint, k.kind)));
            }
        }
        text.push_str(&ui::aligned(&rows, 2));
        for p in &problems {
            text.push_str(&format!("  problem: {p}\n"));
        }
        out.push(serde_json::json!({
            "name": t.name,
            "require_signed": roster.require_signed,
            "people": people,
            "problems": problems,
        }));
    }
    if args.json {
        ui::json(&serde_json::json!({ "teams": out }));
    } else if teams.is_empty() {
        ui::hint(crate::errors::NO_TEAMS);
    } else {
        ui::out(&text);
    }
    Ok(code.code())
}

/// The roster of team `name`'s last verified commit `v`, read from the object store (bounded,
/// as every read of fetched data).
fn verified_roster(
    cx: &Context,
    name: &str,
    v: git2::Oid,
) -> Result<std::rc::Rc<tcli_roster::Roster>, String> {
    let repo =
        team::git::open(&team_dirs::checkout_dir(cx, name)).map_err(|e| e.message().to_string())?;
    match team::signed::Rosters::default().at(&repo, v) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(bad)) => Err(bad.to_string()),
        Err(e) => Err(e.message().to_string()),
    }
}
