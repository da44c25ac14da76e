//! The roster as `team add` and `team people` show it: each person and their keys, with the
//! keys tcli cannot use named. Output only; nothing here checks a signature.

use tcli_roster::Roster;

/// One person of the roster as `team add` and `team people` show them.
#[derive(Debug, serde::Serialize)]
pub(crate) struct PersonOut {
    pub id: String,
    pub name: Option<String>,
    pub email: Vec<String>,
    pub chat: Option<String>,
    pub keys: Vec<KeyOut>,
}

/// One key of a person.
#[derive(Debug, serde::Serialize)]
pub(crate) struct KeyOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub fingerprint: String,
    pub comment: String,
    /// Why tcli cannot use it, when it cannot.
    pub problem: Option<String>,
}

/// The roster's people, for output.
pub(crate) fn people(roster: &Roster) -> Vec<PersonOut> {
    roster
        .people
        .iter()
        .map(|p| PersonOut {
            id: p.id.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            chat: p.chat.clone(),
            keys: p
                .keys
                .iter()
                .map(|k| KeyOut {
                    kind: k.algorithm(),
                    fingerprint: k.fingerprint.clone(),
                    comment: k.public.comment().to_string(),
                    problem: k.unsupported(),
                })
                .collect(),
        })
        .collect()
}
