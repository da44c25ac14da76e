//! Everything that can go wrong in `tcli secrets`, as one typed enum, and the one place that
//! turns it into what a user sees: the `error:` line, the `hint:` line and the exit status
//! (docs/secrets.md, "Exit codes"). Code branches on variants, never on message text.

use std::path::PathBuf;
use tcli_plugin_sdk::{exit, Error};

/// A failure of a `tcli secrets` verb.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Problem {
    #[error("'{name}' is not a secret name: names are lowercase letters, digits and single dashes, starting with a letter (no '/', '.' or '..')")]
    BadName { name: String },
    #[error("no secret named '{name}' in {where_}")]
    NoSuchSecret { name: String, where_: String },
    #[error("teams {} all have a secret named '{name}'", .teams.join(", "))]
    Ambiguous { name: String, teams: Vec<String> },
    #[error("no team is configured, so there are no secrets")]
    NoTeams,
    #[error("no team named '{0}' has secrets here")]
    NoSuchTeam(String),
    #[error("{dir} is not a working clone of a configured team{teams}")]
    NotAClone { dir: PathBuf, teams: String },
    #[error("{dir} is tcli's own checkout of team '{team}', which 'tcli team update' resets")]
    OwnCheckout {
        dir: PathBuf,
        team: String,
        url: String,
    },
    /// A signed team whose checkout is not at the commit tcli verified: its roster there is
    /// whatever was pulled, so it gives none (docs/secrets.md, "Whose keys").
    #[error("no roster for team '{}': its checkout is not at the commit tcli last verified, so secrets are not encrypted to anyone it names", .withheld.team)]
    Withheld {
        withheld: tcli_plugin_sdk::team_checkout::Withheld,
        checkout: PathBuf,
    },
    #[error("{file} has no roster: no [people.<id>] lists any key")]
    NoRoster { file: PathBuf },
    #[error("the roster in {file} is invalid: {source}")]
    Roster {
        file: PathBuf,
        source: tcli_roster::RosterError,
    },
    #[error("people.{person}.keys[{index}] in {file} cannot receive secrets: {why}")]
    UnsupportedKey {
        file: PathBuf,
        person: String,
        index: usize,
        why: String,
    },
    #[error("the roster in {file} adds {keys}, not in the roster of {team} as tcli has it (from 'tcli team update'); secrets are not encrypted to a key nobody verified")]
    NewKeys {
        file: PathBuf,
        team: String,
        keys: String,
        flags: String,
    },
    #[error("{what} is larger than {limit}")]
    TooLarge { what: String, limit: String },
    #[error("the value of secret '{0}' is empty")]
    Empty(String),
    #[error(
        "the value of secret '{0}' contains a NUL byte, which an environment variable cannot hold"
    )]
    NulInValue(String),
    #[error("secret '{name}' is too long for an environment variable: {var}=<value> is {len} bytes, over the kernel's limit of 131072 bytes for one")]
    TooLongForEnv {
        name: String,
        var: String,
        len: usize,
    },
    #[error("{0} is a symbolic link; secrets are read and written only as plain files and dirs")]
    Symlink(PathBuf),
    #[error("{path} is damaged: {why}")]
    Damaged { path: PathBuf, why: String },
    #[error("secret '{name}' of team '{team}' is not encrypted to your key {fingerprint} ({identity}); it can be read with the keys of: {readers}")]
    NotForMe {
        name: String,
        team: String,
        fingerprint: String,
        identity: PathBuf,
        readers: String,
    },
    #[error("cannot encrypt secret '{name}': {why}")]
    Encrypt { name: String, why: String },
    #[error("cannot rekey: your key {fingerprint} cannot read {names}; nothing was written")]
    CannotRekey { fingerprint: String, names: String },
    #[error("no SSH key to decrypt with: none of {tried} exists")]
    NoIdentity { tried: String },
    #[error("TCLI_IDENTITY names {0}, which does not exist")]
    IdentityMissing(PathBuf),
    #[error("{path} cannot decrypt secrets: {why}")]
    BadIdentity { path: PathBuf, why: String },
    #[error("{0} is protected by a passphrase, and there is no terminal to ask for it on")]
    NeedPassphrase(PathBuf),
    #[error("wrong passphrase for {0}")]
    WrongPassphrase(PathBuf),
    #[error("cannot read the value from the terminal: {0}")]
    Terminal(std::io::Error),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run '{command}': {source}")]
    Exec {
        command: String,
        source: std::io::Error,
    },
    #[error("cannot run git in {dir}: {why}")]
    Git { dir: PathBuf, why: String },
    /// `check` found secrets off the roster; `rotate` when some still name a removed key.
    #[error("{bad} of {total} secrets are not encrypted to exactly the current roster")]
    NotCurrent {
        bad: usize,
        total: usize,
        rotate: bool,
    },
}

impl Problem {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Problem::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The exit status (docs/secrets.md, "Exit codes").
    pub(crate) fn code(&self) -> u8 {
        match self {
            Problem::BadName { .. }
            | Problem::NoSuchSecret { .. }
            | Problem::NoSuchTeam(_)
            | Problem::Ambiguous { .. } => exit::USAGE,
            Problem::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                exit::NOT_FOUND
            }
            Problem::Exec { .. } => exit::CANNOT_RUN,
            _ => exit::FAILURE,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            Problem::BadName { .. } => "use a name such as 'db-password'".into(),
            Problem::NoSuchSecret { .. } => "run 'tcli secrets list' to see the secrets".into(),
            Problem::Ambiguous { teams, .. } => format!(
                "say which team to read it from: --team {}",
                teams.join(" or --team ")
            ),
            Problem::NoTeams => "add your team's repo: tcli team add URL".into(),
            Problem::NoSuchTeam(_) => "run 'tcli secrets list' to see the teams and their secrets".into(),
            Problem::NotAClone { .. } => {
                "run it in your clone of the team repo, or pass --repo DIR".into()
            }
            Problem::OwnCheckout { url, .. } => {
                format!("clone the team repo and run it there: git clone {url}")
            }
            Problem::Withheld { withheld, checkout } => withheld.hint(checkout),
            Problem::NoRoster { .. } => "add [people.<id>] keys = [\"ssh-ed25519 ...\"] for each member (and CI) to the team's tcli.toml".into(),
            Problem::Roster { .. } => "fix the [people] tables of that tcli.toml".into(),
            Problem::UnsupportedKey { person, .. } => format!(
                "add an ssh-ed25519 key (ssh-keygen -t ed25519) for {person} and remove this one from keys"
            ),
            Problem::NewKeys { flags, .. } => format!(
                "once the roster change is pushed, run 'tcli team update' (which verifies it); or, having checked each key with its owner, pass {flags}"
            ),
            Problem::TooLarge { .. } => {
                "secrets are tokens, passwords and keys; keep big files out of the team repo".into()
            }
            Problem::Empty(_) => "give the value on stdin: tcli secrets set NAME < file".into(),
            Problem::NulInValue(name) => format!(
                "read it from a pipe instead: tcli secrets get {name} | CMD"
            ),
            Problem::TooLongForEnv { name, .. } => format!(
                "pass it through a pipe or a file descriptor instead: tcli secrets get {name} | CMD"
            ),
            Problem::Symlink(path) => format!(
                "replace it with what it points to, or restore it from git (git checkout -- {})",
                path.display()
            ),
            Problem::Damaged { path, .. } => format!(
                "restore it from git (git checkout -- {}), or set the secret again",
                path.display()
            ),
            Problem::NotForMe { .. } => "ask one of them to add your public key to your [people.<id>] in the team's tcli.toml, then run 'tcli secrets rekey' and push".into(),
            Problem::CannotRekey { .. } => "ask a teammate who can read them to run 'tcli secrets rekey', or set them again".into(),
            Problem::NoIdentity { .. } => "create one (ssh-keygen -t ed25519) and add its .pub line to the roster, or set TCLI_IDENTITY to your private key".into(),
            Problem::IdentityMissing(_) => "set TCLI_IDENTITY to the path of your SSH private key".into(),
            Problem::BadIdentity { .. } => {
                "use an ssh-ed25519 or ssh-rsa key (TCLI_IDENTITY=PATH); ssh-agent cannot decrypt".into()
            }
            Problem::NeedPassphrase(_) => "run it on a terminal, or give automation (CI) its own key without a passphrase in the roster".into(),
            Problem::WrongPassphrase(_) => "try again; 'ssh-keygen -y -f KEY' checks the passphrase".into(),
            Problem::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "check the command's name and PATH".into()
            }
            Problem::Git { .. } => "is git installed and is the dir a git repository?".into(),
            Problem::NotCurrent { rotate: true, .. } => "in a clone of the team repo run 'tcli secrets rekey', commit and push; then rotate each secret marked 'rotate': change it where it is issued and 'tcli secrets set' the new value".into(),
            Problem::NotCurrent { rotate: false, .. } => "in a clone of the team repo run 'tcli secrets rekey', then commit and push".into(),
            _ => return None,
        })
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        let code = p.code();
        let hint = p.hint();
        let e = Error::Failed {
            message: p.to_string(),
            hint: None,
            code,
        };
        match hint {
            Some(h) => e.with_hint(h),
            None => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_docs() {
        assert_eq!(Problem::BadName { name: "a/b".into() }.code(), 2);
        assert_eq!(Problem::NoTeams.code(), 1);
        let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
        let exec = Problem::Exec {
            command: "nope".into(),
            source: gone,
        };
        assert_eq!(exec.code(), 127);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let exec = Problem::Exec {
            command: "x".into(),
            source: denied,
        };
        assert_eq!(exec.code(), 126);
    }
}
