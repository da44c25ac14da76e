//! A team's roster and trust policy, read from its `tcli.toml` (docs/team-repos.md, "The
//! roster"): `[people.<id>]` tables with `name`, `email`, `keys` (OpenSSH public key lines) and
//! `chat`, and `[trust] require-signed`. The one list of people the team modules build on:
//! signed updates (who may sign), secrets (who can read), oncall (who can be on call) and notify
//! (who sent it). Input is the file's table as JSON, so the git helper (TOML from a commit) and
//! native modules (JSON from tcli) read it the same way.

use serde_json::{Map, Value};
use ssh_key::{HashAlg, PublicKey};
use std::collections::HashMap;

mod sound;
#[cfg(feature = "verify")]
pub mod verify;

pub use sound::{MIN_RSA_BITS, MIN_RSA_EXPONENT};

/// Keys a roster may hold in all, across people: a bound on work for hostile input.
pub const MAX_KEYS: usize = 20_000;

/// The `[people]` and `[trust]` of one `tcli.toml`.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Everyone, in id order.
    pub people: Vec<Person>,
    /// `[trust] require-signed`.
    pub require_signed: bool,
    /// Fingerprint to (person, key) indexes: a roster may hold thousands of keys and every
    /// signed commit looks one up.
    by_fingerprint: HashMap<String, (usize, usize)>,
}

/// One `[people.<id>]` table.
#[derive(Debug, Clone)]
pub struct Person {
    /// The table key: a name by the module-name rule (`ana`, `ci-bot`).
    pub id: String,
    /// `name`, the display name.
    pub name: Option<String>,
    /// `email`: a string or a list.
    pub email: Vec<String>,
    /// `chat`, a handle such as `@ana`.
    pub chat: Option<String>,
    /// `keys`, in file order.
    pub keys: Vec<Key>,
}

/// One OpenSSH public key line of a person.
#[derive(Debug, Clone)]
pub struct Key {
    /// The line as written, trimmed.
    pub line: String,
    /// The parsed key.
    pub public: PublicKey,
    /// `SHA256:<base64>`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
}

impl Key {
    /// The key type as OpenSSH names it (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`).
    pub fn algorithm(&self) -> String {
        self.public.algorithm().as_str().to_string()
    }

    /// The modulus size of an RSA key; `None` for other types.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self.public.key_data() {
            ssh_key::public::KeyData::Rsa(r) => Some(sound::rsa_bits(r)),
            _ => None,
        }
    }

    /// Why tcli cannot use this key to verify signatures or encrypt to it, if it cannot: the
    /// supported types are ed25519, RSA of 2048 bits or more and ECDSA P-256, and the key
    /// must be sound (`sound.rs`: an RSA key with e = 1 is one anybody can sign for).
    pub fn unsupported(&self) -> Option<String> {
        sound::problem(self.public.key_data())
    }
}

impl Person {
    /// How messages name the person: `ana (Ana Lima)`.
    pub fn display(&self) -> String {
        match &self.name {
            Some(n) => format!("{} ({n})", self.id),
            None => self.id.clone(),
        }
    }
}

/// What is wrong with a roster; each names the person and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// `[people]` or `[trust]` or one person is not a table.
    #[error("{what} must be a table")]
    NotATable {
        /// `people`, `people.ana`, `trust`.
        what: String,
    },
    /// A person id breaks the naming rule.
    #[error("people.{id}: the id must be lowercase letters, digits and single dashes, starting with a letter")]
    BadId {
        /// The id.
        id: String,
    },
    /// A field tcli does not know.
    #[error("{table}: unknown field '{field}' (known: {known})")]
    UnknownField {
        /// `people.ana` or `trust`.
        table: String,
        /// The field.
        field: String,
        /// The fields that are allowed.
        known: &'static str,
    },
    /// A field of the wrong type.
    #[error("{table}.{field} must be {expected}")]
    WrongType {
        /// `people.ana` or `trust`.
        table: String,
        /// The field.
        field: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A key line that does not parse.
    #[error("people.{person}.keys[{index}] is not an OpenSSH public key ({reason}); paste the one line of the .pub file")]
    BadKey {
        /// The person id.
        person: String,
        /// The key's index in `keys`.
        index: usize,
        /// What the parser said.
        reason: String,
    },
    /// Two people (or one twice) list the same key.
    #[error("key {fingerprint} is listed for both people.{first} and people.{second}; a key belongs to one person")]
    DuplicateKey {
        /// The key's fingerprint.
        fingerprint: String,
        /// Where it was first seen.
        first: String,
        /// Where it was seen again.
        second: String,
    },
    /// More keys than [`MAX_KEYS`].
    #[error("the roster lists more than {MAX_KEYS} keys")]
    TooManyKeys,
}

const PERSON_FIELDS: &str = "name, email, keys, chat";
const TRUST_FIELDS: &str = "require-signed";

impl Roster {
    /// Reads `[people]` and `[trust]` from a whole `tcli.toml` table as JSON. Other sections
    /// are not looked at; a file without `[people]` has an empty roster.
    pub fn from_settings(settings: &Value) -> Result<Roster, RosterError> {
        let mut roster = Roster::default();
        if let Some(trust) = settings.get("trust") {
            let trust = table(trust, "trust")?;
            for (field, v) in trust {
                match field.as_str() {
                    "require-signed" => {
                        roster.require_signed = v
                            .as_bool()
                            .ok_or_else(|| wrong("trust", field, "true or false"))?;
                    }
                    _ => return Err(unknown("trust", field, TRUST_FIELDS)),
                }
            }
        }
        let Some(people) = settings.get("people") else {
            return Ok(roster);
        };
        let mut count = 0usize;
        for (id, p) in table(people, "people")? {
            let where_ = format!("people.{id}");
            if !valid_id(id) {
                return Err(RosterError::BadId { id: id.clone() });
            }
            let mut person = Person {
                id: id.clone(),
                name: None,
                email: Vec::new(),
                chat: None,
                keys: Vec::new(),
            };
            for (field, v) in table(p, &where_)? {
                match field.as_str() {
                    "name" => person.name = Some(string(v, &where_, field)?),
                    "chat" => person.chat = Some(string(v, &where_, field)?),
                    "email" => person.email = plain_strings(v, &where_, field)?,
                    "keys" => {
                        for (index, line) in strings(v, &where_, field)?.into_iter().enumerate() {
                            count += 1;
                            if count > MAX_KEYS {
                                return Err(RosterError::TooManyKeys);
                            }
                            let key = parse_key(&line).map_err(|reason| RosterError::BadKey {
                                person: id.clone(),
                                index,
                                reason,
                            })?;
                            let at = (roster.people.len(), person.keys.len());
                            if let Some((first, _)) =
                                roster.by_fingerprint.insert(key.fingerprint.clone(), at)
                            {
                                let first = roster
                                    .people
                                    .get(first)
                                    .map_or_else(|| id.clone(), |p| p.id.clone());
                                return Err(RosterError::DuplicateKey {
                                    fingerprint: key.fingerprint,
                                    first,
                                    second: id.clone(),
                                });
                            }
                            person.keys.push(key);
                        }
                    }
                    _ => return Err(unknown(&where_, field, PERSON_FIELDS)),
                }
            }
            roster.people.push(person);
        }
        Ok(roster)
    }

    /// The person holding the key with this fingerprint, and the key.
    pub fn key(&self, fingerprint: &str) -> Option<(&Person, &Key)> {
        let &(p, k) = self.by_fingerprint.get(fingerprint)?;
        let person = self.people.get(p)?;
        Some((person, person.keys.get(k)?))
    }

    /// Each key tcli cannot use, as `people.<id>: <why>`: problems to show, not errors, so a
    /// roster with an old DSA key still loads.
    pub fn problems(&self) -> Vec<String> {
        self.people
            .iter()
            .flat_map(|p| {
                p.keys.iter().filter_map(move |k| {
                    k.unsupported()
                        .map(|why| format!("people.{}: {} {why}", p.id, k.fingerprint))
                })
            })
            .collect()
    }

    /// The person with this id.
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// The person one of whose emails is `email` (compared without case).
    pub fn by_email(&self, email: &str) -> Option<&Person> {
        self.people
            .iter()
            .find(|p| p.email.iter().any(|e| e.eq_ignore_ascii_case(email)))
    }

    /// Every key's fingerprint, in roster order.
    pub fn fingerprints(&self) -> Vec<&str> {
        self.people
            .iter()
            .flat_map(|p| p.keys.iter().map(|k| k.fingerprint.as_str()))
            .collect()
    }
}

/// Where a team file's `[oncall]` rotations (docs/oncall.md) name a person `roster` lacks, as
/// `(rotation, field, id)`: `("primary", "people", "bo")`, `("primary", "override[0].person",
/// "bo")`. Only the references: the rest of a rotation is the oncall module's to check. Read
/// here, beside the roster, so that a commit removing a person is told what still names them.
pub fn dangling_oncall(settings: &Value, roster: &Roster) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Some(rotations) = settings.get("oncall").and_then(Value::as_object) else {
        return out;
    };
    for (name, rotation) in rotations {
        let mut check = |field: String, id: Option<&str>| {
            if let Some(id) = id.filter(|id| roster.person(id).is_none()) {
                out.push((name.clone(), field, id.to_string()));
            }
        };
        let people = rotation.get("people").and_then(Value::as_array);
        for id in people.into_iter().flatten() {
            check("people".into(), id.as_str());
        }
        let overrides = rotation.get("override").and_then(Value::as_array);
        for (i, o) in overrides.into_iter().flatten().enumerate() {
            let id = o.get("person").and_then(Value::as_str);
            check(format!("override[{i}].person"), id);
        }
    }
    out
}

/// Parses one OpenSSH public key line (`<type> <base64> [comment]`).
pub fn parse_key(line: &str) -> Result<Key, String> {
    let line = line.trim();
    // Bounded before parsing: the longest real keys (RSA 16384) are about 3 KiB.
    if line.len() > 16 * 1024 {
        return Err("the line is longer than 16 KiB".into());
    }
    let public = PublicKey::from_openssh(line).map_err(|e| e.to_string())?;
    let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
    Ok(Key {
        line: line.to_string(),
        public,
        fingerprint,
    })
}

/// The module-name rule (`tcli_plugin_sdk::is_valid_name`), which person ids follow.
pub fn valid_id(id: &str) -> bool {
    tcli_plugin_sdk::is_valid_name(id)
}

fn table<'v>(v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, RosterError> {
    v.as_object().ok_or_else(|| RosterError::NotATable {
        what: what.to_string(),
    })
}

fn unknown(table: &str, field: &str, known: &'static str) -> RosterError {
    RosterError::UnknownField {
        table: table.to_string(),
        field: field.to_string(),
        known,
    }
}

fn wrong(table: &str, field: &str, expected: &'static str) -> RosterError {
    RosterError::WrongType {
        table: table.to_string(),
        field: field.to_string(),
        expected,
    }
}

/// A roster's text is shown beside the fingerprints a user compares before trusting a team,
/// so it is one plain line: a control character (an escape, `\r`) could hide or forge them.
fn plain(s: &str) -> Option<String> {
    (!s.chars().any(tcli_plugin_sdk::output::is_unsafe)).then(|| s.to_string())
}

fn string(v: &Value, table: &str, field: &str) -> Result<String, RosterError> {
    v.as_str()
        .and_then(plain)
        .ok_or_else(|| wrong(table, field, "a string without control characters"))
}

fn strings(v: &Value, table: &str, field: &str) -> Result<Vec<String>, RosterError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| wrong(table, field, "a string or a list of strings")),
        _ => Err(wrong(table, field, "a string or a list of strings")),
    }
}

/// [`strings`] of shown text (emails): plain lines only.
fn plain_strings(v: &Value, table: &str, field: &str) -> Result<Vec<String>, RosterError> {
    let all = strings(v, table, field)?;
    if all.iter().any(|s| plain(s).is_none()) {
        return Err(wrong(
            table,
            field,
            "a string or a list of strings, without control characters",
        ));
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // `ssh-keygen -t ed25519` output; the fingerprint is what `ssh-keygen -lf` prints.
    const ANA: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzu52rstY7N83nVn2kggbe9a6ZKRUiWwh3X2IuQ9m7j ana@laptop";

    #[test]
    fn a_roster_parses_with_fingerprints() {
        let r = Roster::from_settings(&json!({
            "people": {"ana": {"name": "Ana", "email": "ana@example.com", "keys": [ANA], "chat": "@ana"}},
            "trust": {"require-signed": true},
        }))
        .unwrap();
        assert!(r.require_signed);
        let ana = r.person("ana").unwrap();
        assert_eq!(ana.email, ["ana@example.com"]);
        assert_eq!(
            ana.keys[0].fingerprint,
            "SHA256:Q8z0zdRlLAvgfOlurHHN0vV/C+MWEdaCOPfZt3Wthis"
        );
        assert_eq!(ana.keys[0].unsupported(), None);
        assert_eq!(r.by_email("ANA@example.com").unwrap().id, "ana");
        assert!(r.key(&ana.keys[0].fingerprint).is_some());
    }

    #[test]
    fn bad_rosters_name_the_problem() {
        let e = |v| Roster::from_settings(&v).unwrap_err().to_string();
        assert!(
            e(json!({"people": {"ana": {"keys": ["ssh-ed25519 nope"]}}}))
                .contains("people.ana.keys[0]")
        );
        assert!(e(json!({"people": {"ana": {"phone": "1"}}})).contains("unknown field 'phone'"));
        assert!(e(json!({"people": {"Ana": {}}})).contains("people.Ana"));
        assert!(
            e(json!({"people": {"ana": {"keys": [ANA]}, "bo": {"keys": [ANA]}}}))
                .contains("both people.ana and people.bo")
        );
        assert!(e(json!({"trust": {"require-signed": "yes"}})).contains("trust.require-signed"));
        assert!(e(json!({"trust": {"sign": true}})).contains("unknown field 'sign'"));
        // Shown beside fingerprints: a carriage return or an escape could hide them.
        assert!(e(json!({"people": {"ana": {"name": "Ana\r\u{1b}[2K"}}}))
            .contains("people.ana.name must be a string without control characters"));
        assert!(e(json!({"people": {"ana": {"email": ["a@x", "b\n@x"]}}}))
            .contains("people.ana.email must be a string or a list of strings, without control"));
        assert!(e(json!({"people": {"ana": {"chat": "@ana\u{7}"}}})).contains("people.ana.chat"));
        assert!(e(json!({"people": {"ana": {"name": "Ana \u{202E}"}}})).contains("people.ana.name"));
    }

    /// The roster of one person with `key`, which parses but cannot be used, and why.
    fn unsupported_key(key: &str) -> (Roster, String) {
        let r = Roster::from_settings(&json!({"people": {"old": {"keys": [key]}}})).unwrap();
        let why = r.people[0].keys[0].unsupported().unwrap();
        (r, why)
    }

    #[test]
    fn unsupported_key_types_parse_and_say_so() {
        let dss = "ssh-dss AAAAB3NzaC1kc3MAAACBAOfkzY0t1rdk4KzwdEooKPrOHtuqpQph++XG+3t3S18xnN2D8AB71IioUBItoYITYRFPRzQ+en2kXjbVQ6GkSQiKoRv4fTs4jzzFtC883ipjrOy10CK20otzUf16wvluuxDIpjl5MNuPW2xv8cwWv9OC77rFeJGuXtzh/WJFmfW7AAAAFQDoHDaarIv8gtffpCXsmGX773PVgQAAAIEAuf2Q3D0L9MsZU9YPq7t/t45g1d6OI2tcUAUaPK0QhSYbMAjCVh3WpnRhlOAwd2TPgZdqu8EJFH/yTi3+FtpcSEbF0DoCX68Nih1TDXIan7okYbQnznDttG0gfyISLr89QX1p0gqoPc5HoWKtHh8Q2mvtcgaU0mQp/I0OVmyd874AAACAFWYwUdyIwUAWPfypc3d9WAAN8XBHNJpq+7QkaB6mCtc+S0YwRVRPIKdJfTebnYgm35NfbFC+sPQa6XwRqfHU3CucYGwtCvotxFtFHDsG0k1WjiGODX8+6cGka4KUOhnzLWPDgRcbVrIzEAqwdt9alEbmNsoGEFp3u1DXkmQbuvI= root@vm";
        let (_, why) = unsupported_key(dss);
        assert!(why.contains("ssh-dss"), "{why}");
    }

    #[test]
    fn short_rsa_keys_are_a_problem() {
        // Made with `ssh-keygen -t rsa -b 1024`.
        let short = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDAxlV4wAsKPODkgUlRnYLcOPOhSlpIb68APBfiz3ogYbwsNLk/+of5yqG2wiO93WCorJjC4JPSKuAFyeZ/5ZrAmiXLq2Y/OQLnZif+svu7GmHf99PGKkwjNn3cfcFsEeA6PY+cGpHGBelqj2IarI1g22vjZKvlGSbvnIt0UEVfvQ== short@test";
        let (r, why) = unsupported_key(short);
        assert!(why.contains("RSA key of 1024 bits is too short"), "{why}");
        assert_eq!(r.problems().len(), 1);
    }

    #[test]
    fn oncall_references_to_people_not_in_the_roster_are_named() {
        let settings = json!({
            "people": {"ana": {"keys": [ANA]}},
            "oncall": {"primary": {
                "people": ["ana", "bo"],
                "override": [{"person": "ana"}, {"person": "cy"}],
            }},
        });
        let r = Roster::from_settings(&settings).unwrap();
        let found: Vec<(String, String, String)> = dangling_oncall(&settings, &r);
        assert_eq!(
            found,
            [
                ("primary".into(), "people".into(), "bo".into()),
                ("primary".into(), "override[1].person".into(), "cy".into())
            ]
        );
        assert!(dangling_oncall(&json!({"oncall": 3}), &r).is_empty());
    }

    #[test]
    fn ids_follow_the_module_name_rule() {
        assert!(valid_id("ana") && valid_id("ci-bot2"));
        assert!(
            !valid_id("")
                && !valid_id("-a")
                && !valid_id("a-")
                && !valid_id("a--b")
                && !valid_id("Ana")
        );
    }
}
