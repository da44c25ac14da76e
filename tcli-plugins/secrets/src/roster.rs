//! The keys a secret is encrypted to: every key of every person of a team's roster (the
//! `[people.<id>]` tables, parsed by tcli-roster), as age SSH recipients. Also reads a
//! roster from a working clone's `tcli.toml`, the roster a `set` or `rekey` commits beside,
//! and vets it against the team's roster as tcli has it: the clone's file is whatever was
//! pulled into it, unverified, while the team's checkout is what `tcli team update` accepted.

use crate::problem::Problem;
use std::path::Path;
use tcli_plugin_sdk::serde_json;
use tcli_roster::Roster;

/// One key of the roster, ready to encrypt to.
pub(crate) struct RosterKey {
    pub(crate) person: String,
    pub(crate) fingerprint: String,
    pub(crate) kind: String,
    pub(crate) recipient: age::ssh::Recipient,
}

/// Every key of `roster` as a recipient; a key age cannot encrypt to is an error naming it,
/// since a secret that silently skips a member is worse than none (docs/secrets.md).
pub(crate) fn recipients(roster: &Roster, file: &Path) -> Result<Vec<RosterKey>, Problem> {
    let mut out = Vec::new();
    for person in &roster.people {
        for (index, key) in person.keys.iter().enumerate() {
            let unsupported = |why: String| Problem::UnsupportedKey {
                file: file.to_path_buf(),
                person: person.id.clone(),
                index,
                why,
            };
            // A key tcli cannot use (a forgeable RSA exponent, a point off its curve) is no
            // recipient even where age would take it.
            if let Some(why) = key.unsupported() {
                return Err(unsupported(why));
            }
            let kind = key.algorithm();
            // Only the type and the key: age's parser wants no comment.
            let bare: String = key
                .line
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            let recipient = bare.parse::<age::ssh::Recipient>().map_err(|e| {
                use age::ssh::ParseRecipientKeyError as E;
                unsupported(match e {
                    E::RsaModulusTooSmall => "RSA keys under 2048 bits are refused".into(),
                    E::RsaModulusTooLarge => "the RSA key is larger than age supports".into(),
                    _ => format!(
                        "key type {kind} cannot be encrypted to (age takes ssh-ed25519 and ssh-rsa)"
                    ),
                })
            })?;
            out.push(RosterKey {
                person: person.id.clone(),
                fingerprint: key.fingerprint.clone(),
                kind,
                recipient,
            });
        }
    }
    if out.is_empty() {
        return Err(Problem::NoRoster {
            file: file.to_path_buf(),
        });
    }
    Ok(out)
}

/// Every key's fingerprint with its person, in roster order.
pub(crate) fn fingerprints(roster: &Roster) -> Vec<(String, String)> {
    roster
        .people
        .iter()
        .flat_map(|p| p.keys.iter().map(|k| (k.fingerprint.clone(), p.id.clone())))
        .collect()
}

/// The roster of the `tcli.toml` at the root of `repo`.
pub(crate) fn from_repo(repo: &Path) -> Result<Roster, Problem> {
    let file = repo.join("tcli.toml");
    // Through tcli's bounded reader: a clone's tcli.toml may link to a device.
    let text = match tcli_plugin_sdk::settings_file::read(&file) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err(Problem::io(
                "read",
                &file,
                std::io::ErrorKind::NotFound.into(),
            ))
        }
        Err(tcli_plugin_sdk::settings_file::ReadError::Io(e)) => {
            return Err(Problem::io("read", &file, e))
        }
        Err(e) => {
            return Err(Problem::Damaged {
                path: file.clone(),
                why: e.to_string(),
            })
        }
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| Problem::Damaged {
        path: file.clone(),
        why: e.message().to_string(),
    })?;
    let value = serde_json::to_value(table).map_err(|e| Problem::Damaged {
        path: file.clone(),
        why: e.to_string(),
    })?;
    Roster::from_settings(&value).map_err(|source| Problem::Roster { file, source })
}

/// Refuses keys of the clone's roster (`keys`, read from `file`) that are not in `team`'s
/// roster as tcli has it (`known`, `None` when the clone is of no configured team), unless
/// `allowed` names each by fingerprint. The keys added are always printed on stderr.
pub(crate) fn vet(
    keys: &[RosterKey],
    file: &Path,
    team: &str,
    known: Option<&Roster>,
    allowed: &[String],
) -> Result<(), Problem> {
    let new: Vec<&RosterKey> = keys
        .iter()
        .filter(|k| known.is_none_or(|r| r.key(&k.fingerprint).is_none()))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    for k in &new {
        tcli_plugin_sdk::output::status(&format!(
            "note: encrypting also to {} {} of {}, not in the roster of {team} as tcli has it",
            k.kind, k.fingerprint, k.person
        ));
    }
    let refused: Vec<&&RosterKey> = new
        .iter()
        .filter(|k| !allowed.contains(&k.fingerprint))
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = refused
        .iter()
        .map(|k| format!("{} ({})", k.person, k.fingerprint))
        .collect();
    let flags: Vec<String> = refused
        .iter()
        .map(|k| format!("--allow-new-key {}", k.fingerprint))
        .collect();
    Err(Problem::NewKeys {
        file: file.to_path_buf(),
        team: team.to_string(),
        keys: keys.join(", "),
        flags: flags.join(" "),
    })
}
