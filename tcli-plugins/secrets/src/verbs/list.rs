//! `tcli secrets list [--team T] [--json]`: every team's secrets with their recipient count,
//! whether the user's key can read them, and whether they are stale against the team's
//! roster. Reads only the `.recipients` files and the age headers: no key, no passphrase.

use crate::identity::Me;
use crate::roster;
use crate::store;
use crate::teams;
use tcli_plugin_sdk::serde_json::{json, Value};
use tcli_plugin_sdk::{output, Error, Host};

pub(crate) fn run(host: &Host, team: Option<&str>, as_json: bool) -> Result<(), Error> {
    let teams = teams::selected(host, team)?;
    // The private key is parsed for its public half: no dumps from here on either.
    crate::crypt::no_core_dumps();
    // Without a key nothing is readable; list still works.
    let mine = Me::load().ok().map(|m| m.fingerprint);
    let mut rows = Vec::new();
    for team in &teams {
        let fps = match &team.roster {
            Ok(r) => roster::fingerprints(r),
            Err(p) => {
                tcli_plugin_sdk::output::warn(&format!(
                    "{p}; the state of team '{}' secrets is unknown",
                    team.name
                ));
                Vec::new()
            }
        };
        for secret in store::secrets_in(&team.dir)? {
            let seen = store::inspect(&secret, &fps);
            let readable = mine.as_ref().map(|fp| {
                seen.status.damaged.is_none() && seen.entries.iter().any(|e| &e.fingerprint == fp)
            });
            rows.push(json!({
                "name": secret.name,
                "team": team.name,
                "path": secret.age,
                "recipients": seen.entries.len(),
                "readable": readable,
                "stale": !seen.status.current(),
                "state": seen.status.word(),
            }));
        }
    }
    let mut out = std::io::stdout().lock();
    if as_json {
        return output::json(&mut out, &Value::Array(rows));
    }
    if rows.is_empty() {
        tcli_plugin_sdk::output::status(
            "no secrets yet; add one in a clone of the team repo: tcli secrets set NAME",
        );
        return Ok(());
    }
    let cell = |v: &Value| match v {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Null => "?".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            ["name", "team", "recipients", "readable", "state"]
                .iter()
                .map(|k| cell(&r[*k]))
                .collect()
        })
        .collect();
    output::table(
        &mut out,
        &["NAME", "TEAM", "RECIPIENTS", "READABLE", "STATE"],
        &table,
    )?;
    if mine.is_none() {
        tcli_plugin_sdk::output::status("note: no usable SSH key (TCLI_IDENTITY, ~/.ssh/id_ed25519, ~/.ssh/id_rsa), so READABLE is '?'");
    }
    Ok(())
}
