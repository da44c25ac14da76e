//! `tcli team add <url|path> [--name N] [--json]`: clone a team repo and put its `bin/` on the
//! search path, after the teams already added.

use crate::team;
use tcli_core::commands::team::add::TeamAddArgs;
use tcli_core::context::Context;
use tcli_core::prim::text::inert;
use tcli_core::ui;

/// Runs `tcli team add`.
pub(crate) fn cmd_team_add(cx: &Context, args: &TeamAddArgs) -> anyhow::Result<u8> {
    let wanted = team::root::Wanted {
        require_signed: args.require_signed,
        expect_keys: args.expect_keys.clone(),
    };
    let added = team::add::add(cx, &args.url, args.name.as_deref(), &wanted)?;
    team::refresh_index(cx);
    for w in &added.warnings {
        ui::warn(w);
    }
    if args.json {
        ui::json(&added);
        return Ok(0);
    }
    let at = match (&added.branch, &added.commit) {
        (Some(b), Some(c)) => format!(" ({b} at {})", &c[..7]),
        _ => " (not on a branch)".to_string(),
    };
    let modules = if added.modules.is_empty() {
        "no modules in bin/".to_string()
    } else {
        // Names of files in the team's bin/, which git lets hold any byte but NUL and '/'.
        let names: Vec<_> = added.modules.iter().map(|m| inert(m)).collect();
        format!("modules: {}", names.join(", "))
    };
    ui::out(&format!(
        "added team '{}' from {}{at}\n  {modules}\n{}{}",
        added.name,
        added.url,
        super::update::artifact_lines(&added.artifacts, true),
        roster(&added)
    ));
    Ok(0)
}

/// The roster and trust root, for the user to compare with the fingerprints the team publishes.
fn roster(added: &team::add::Added) -> String {
    if added.people.is_empty() {
        return match &added.trust {
            Some(_) => "  roster: none\n".to_string(),
            None => String::new(),
        };
    }
    let mut s = String::from("  roster:\n");
    let rows: Vec<(String, String)> = added
        .people
        .iter()
        .flat_map(|p| {
            let who = match &p.name {
                Some(n) => format!("{} ({n})", p.id),
                None => p.id.clone(),
            };
            let keys: Vec<String> = if p.keys.is_empty() {
                vec!["(no keys)".to_string()]
            } else {
                p.keys
                    .iter()
                    .map(|k| format!("{} {}", k.fingerprint, k.kind))
                    .collect()
            };
            keys.into_iter()
                .enumerate()
                .map(move |(i, k)| (if i == 0 { who.clone() } else { String::new() }, k))
        })
        .collect();
    s.push_str(&ui::aligned(&rows, 4));
    if let Some(t) = &added.trust {
        let signed = match (&t.signer, &t.signer_key) {
            (Some(p), Some(k)) => format!("signed by {p} with {k}"),
            _ => "not signed".to_string(),
        };
        let policy = if t.verified.is_some() {
            "signed commits required"
        } else {
            "signatures not required"
        };
        s.push_str(&format!(
            "  trust root: {} ({signed}); {policy}\n  compare these fingerprints with the ones your team publishes\n",
            &t.root[..7]
        ));
    }
    s
}
