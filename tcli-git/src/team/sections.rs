//! What an update should say about the sections of the new `tcli.toml` that modules read
//! later: a rotation (`[oncall.<name>]`, docs/oncall.md) that still names a person the roster
//! no longer lists. A warning, not a refusal: the commit is signed and valid as a roster, and
//! refusing it would hold back every other change until someone fixes the rotation; `tcli
//! oncall` and `tcli doctor` name the same problem until then.

use tcli_roster::Roster;

/// One line per rotation entry naming a person the roster lacks.
pub(crate) fn warnings(team: &str, settings: Option<&str>) -> Vec<String> {
    let Some(value) = settings
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| serde_json::to_value(t).ok())
    else {
        return Vec::new();
    };
    // A roster that does not parse is refused (or warned about) where rosters are checked.
    let Ok(roster) = Roster::from_settings(&value) else {
        return Vec::new();
    };
    tcli_roster::dangling_oncall(&value, &roster)
        .into_iter()
        .map(|(rotation, field, id)| {
            format!("team '{team}': oncall.{rotation}.{field} names '{id}', who is not in the roster; 'tcli oncall' refuses the rotation until [oncall.{rotation}] or [people.{id}] is fixed")
        })
        .collect()
}
