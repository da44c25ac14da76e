//! The bundled `secrets` native module (docs/secrets.md): a team's secrets kept in its repo as
//! `secrets/<name>.age`, age-encrypted to every SSH key of the team's roster, with a
//! `.recipients` file beside each. This file holds the clap tree and hands each verb to its
//! file under `verbs/`; the format, keys, crypto and repos live in the modules below.

mod crypt;
mod identity;
mod problem;
mod roster;
mod store;
mod teams;
mod verbs;

use std::ffi::OsString;
use std::path::PathBuf;
use tcli_plugin_sdk::clap::{self, Subcommand};
use tcli_plugin_sdk::{Error, Host};

/// The command line: a verb (about and version are the package's, set by the SDK).
type Cli = tcli_plugin_sdk::Verbs<Verb>;

#[derive(Subcommand)]
enum Verb {
    /// List the secrets of every team: recipients, readable with your key, stale (no key needed)
    List {
        /// Only this team's secrets
        #[arg(long)]
        team: Option<String>,
        /// Print JSON: an array of {name, team, path, recipients, readable, stale, state}
        #[arg(long)]
        json: bool,
    },
    /// Print a secret's value (a terminal gets a newline after it; a pipe gets the exact bytes)
    Get {
        /// The secret's name
        name: String,
        /// The team to read it from (needed when more than one team has it)
        #[arg(long)]
        team: Option<String>,
    },
    /// Run a command with the named secrets added to its environment (db-password → DB_PASSWORD)
    Exec {
        /// The secrets to pass, comma-separated; no other secret is passed
        #[arg(long, value_delimiter = ',', required = true, value_name = "A[,B]")]
        only: Vec<String>,
        /// The team to read them from (needed when more than one team has one of them)
        #[arg(long)]
        team: Option<String>,
        /// The command and its arguments, after --
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<OsString>,
    },
    /// Encrypt a value (from stdin, or typed at a hidden prompt) into a working clone of the team repo
    Set {
        /// The secret's name
        name: String,
        /// Encrypt also to this key of the clone's roster, not (yet) in the team's roster as tcli has it
        #[arg(long = "allow-new-key", value_name = "SHA256:...")]
        allow_new_key: Vec<String>,
        /// The clone to write into (default: the current dir, when it is a clone of a configured team)
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// Remove a secret from a working clone of the team repo
    Rm {
        /// The secret's name
        name: String,
        /// The clone to remove it from (default: the current dir, when it is a clone of a configured team)
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// Re-encrypt every secret not encrypted to exactly the current roster (all or nothing)
    Rekey {
        /// Re-encrypt every secret, current or not, each with a fresh file key
        #[arg(long)]
        all: bool,
        /// Encrypt also to this key of the clone's roster, not (yet) in the team's roster as tcli has it
        #[arg(long = "allow-new-key", value_name = "SHA256:...")]
        allow_new_key: Vec<String>,
        /// The clone to rekey (default: the current dir, when it is a clone of a configured team)
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// Exit 1 listing secrets not encrypted to exactly the current roster (no key needed)
    Check {
        /// Only this team
        #[arg(long, conflicts_with = "repo")]
        team: Option<String>,
        /// Check a working clone instead of the configured teams
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    match cli.verb {
        Verb::List { team, json } => verbs::list::run(host, team.as_deref(), json),
        Verb::Get { name, team } => verbs::get::run(host, &name, team.as_deref()),
        Verb::Exec {
            only,
            team,
            command,
        } => verbs::exec::run(host, &only, team.as_deref(), &command),
        Verb::Set {
            name,
            repo,
            allow_new_key,
        } => verbs::set::run(host, &name, repo.as_deref(), &allow_new_key),
        Verb::Rm { name, repo } => verbs::rm::run(host, &name, repo.as_deref()),
        Verb::Rekey {
            repo,
            all,
            allow_new_key,
        } => verbs::rekey::run(host, repo.as_deref(), all, &allow_new_key),
        Verb::Check { team, repo } => verbs::check::run(host, team.as_deref(), repo.as_deref()),
    }
}

tcli_plugin_sdk::export_plugin! {
    name: "secrets",
    cli: Cli,
    run: run,
}

/// For `fuzz/` only, not part of the module's contract: the parsers a secret's two files from
/// a team repo meet before any plaintext exists (the `.recipients` lines; tcli's own header
/// reading of the `.age` file, then the age crate's header parsing and decryption with a key
/// the file was not made for), with their invariants: listed keys are SHA256 fingerprints of
/// valid person ids, each once, or one clean problem line; a header that reads has an end;
/// nothing decrypts for a stranger's key.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    static STRANGER: std::sync::OnceLock<age::x25519::Identity> = std::sync::OnceLock::new();
    match store::parse_sidecar(std::path::Path::new("fuzz.recipients"), data.to_vec()) {
        Ok(entries) => {
            let mut seen = std::collections::HashSet::new();
            for e in &entries {
                assert!(store::tag_of(&e.fingerprint).is_some(), "{e:?}");
                assert!(tcli_roster::valid_id(&e.person), "{e:?}");
                assert!(seen.insert(&e.fingerprint), "{e:?} twice");
            }
        }
        Err(p) => {
            let line = p.to_string();
            assert!(
                !line.chars().any(tcli_plugin_sdk::output::is_unsafe),
                "{line:?}"
            );
        }
    }
    if let Ok(h) = store::header(std::path::Path::new("fuzz.age"), data) {
        assert!(
            data.windows(4).any(|w| w == b"\n---"),
            "a header without its end"
        );
        let _ = h.ssh_tags.len() + h.others;
    }
    let Ok(decryptor) = age::Decryptor::new_buffered(data) else {
        return;
    };
    // A key made for this run is in no file the fuzzer can write: nothing decrypts for it.
    let stranger = STRANGER.get_or_init(age::x25519::Identity::generate);
    assert!(
        decryptor
            .decrypt(std::iter::once(stranger as &dyn age::Identity))
            .is_err(),
        "a file decrypted for a stranger's key"
    );
}
