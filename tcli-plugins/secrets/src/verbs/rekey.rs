//! `tcli secrets rekey [--repo DIR]`: re-encrypts every secret of a working clone that is not
//! encrypted to exactly its roster, all or nothing: each is decrypted and re-encrypted into a
//! temp file first, and only when every one succeeded are they renamed into place. Secrets
//! already current are left as they are, so a rekey with nothing to do changes nothing in git;
//! `--all` re-encrypts every one with a fresh file key (after a writer of the repo could have
//! planted a stanza `check` cannot see, docs/secrets.md).

use crate::crypt;
use crate::identity::Me;
use crate::problem::Problem;
use crate::roster;
use crate::store::{self, Staged};
use crate::teams;
use std::path::Path;
use tcli_plugin_sdk::{Error, Host};

/// Re-encrypts the clone's stale secrets (all of them with `every`) to its vetted roster: each
/// must be readable with the user's key, all are staged, then all renamed into place.
pub(crate) fn run(
    host: &Host,
    repo: Option<&Path>,
    every: bool,
    allowed: &[String],
) -> Result<(), Error> {
    let clone = teams::working_clone(host, repo, false)?;
    let keys = clone.vetted_keys(host, allowed)?;
    let parsed = roster::from_repo(&clone.dir)?;
    let fps = roster::fingerprints(&parsed);
    let all = store::secrets_in(&clone.dir)?;
    let stale: Vec<Stale> = all
        .iter()
        .map(|s| (s, store::inspect(s, &fps)))
        .filter(|(_, seen)| every || !seen.status.current())
        .collect();
    if stale.is_empty() {
        tcli_plugin_sdk::output::status(&format!(
            "all {} secrets in {} are encrypted to exactly its roster ({} keys); nothing to do",
            all.len(),
            clone.display(),
            keys.len()
        ));
        return Ok(());
    }
    crypt::no_core_dumps();
    let mut me = Me::load()?;
    let team = clone.team.as_deref().unwrap_or("(this clone)");
    // Before the passphrase: a secret the header says is not for this key fails the rekey.
    all_for_me(
        &me,
        stale
            .iter()
            .filter(|(s, _)| matches!(crypt::for_me(s, team, &me), Err(Problem::NotForMe { .. })))
            .map(|(s, _)| s.name.clone())
            .collect(),
    )?;
    me.unlock()?;
    let paths = stage(&stale, reencrypt_all(&stale, team, &me, &keys), &me, &keys)?;
    tcli_plugin_sdk::output::status(&format!(
        "rekeyed {} of {} secrets in {} to {} keys",
        stale.len(),
        all.len(),
        clone.display(),
        keys.len()
    ));
    warn_exposed(&stale);
    clone.print_git_commands(&paths, "secrets: rekey to the roster")
}

/// A secret to rekey, with what its files say.
type Stale<'a> = (&'a store::Secret, store::Inspected);

/// Refuses the rekey when the user's key cannot read the secrets `unreadable` names.
fn all_for_me(me: &Me, unreadable: Vec<String>) -> Result<(), Problem> {
    if unreadable.is_empty() {
        return Ok(());
    }
    Err(Problem::CannotRekey {
        fingerprint: me.fingerprint.clone(),
        names: unreadable.join(", "),
    })
}

/// Writes every re-encrypted secret and its recipients into place, or none when one failed;
/// the repo paths written.
fn stage(
    stale: &[Stale],
    outcomes: Vec<Result<Vec<u8>, Problem>>,
    me: &Me,
    keys: &[roster::RosterKey],
) -> Result<Vec<String>, Error> {
    let mut unreadable = Vec::new();
    let mut staged = Staged::default();
    let mut paths = Vec::new();
    for ((secret, _), outcome) in stale.iter().zip(outcomes) {
        match outcome {
            Ok(ciphertext) => {
                staged.add(&secret.age, &ciphertext)?;
                staged.add(
                    &secret.sidecar,
                    store::sidecar_text(&secret.name, keys).as_bytes(),
                )?;
                paths.extend(secret.repo_paths());
            }
            Err(Problem::NotForMe { .. }) => unreadable.push(secret.name.clone()),
            Err(p) => return Err(p.into()),
        }
    }
    all_for_me(me, unreadable)?;
    staged.commit()?;
    Ok(paths)
}

/// Warns of the secrets that keys since removed from the roster could read: rekeying does not
/// take that back.
fn warn_exposed(stale: &[Stale]) {
    let mut removed: Vec<String> = Vec::new();
    let mut exposed: Vec<&str> = Vec::new();
    for (secret, seen) in stale {
        if !seen.status.removed.is_empty() {
            exposed.push(&secret.name);
            for e in &seen.status.removed {
                if !removed.contains(&e.person) {
                    removed.push(e.person.clone());
                }
            }
        }
    }
    if !exposed.is_empty() {
        tcli_plugin_sdk::output::warn(&format!(
            "{} could be read by keys no longer in the roster ({}), and git history keeps the \
             old files: rotate them (change each where it is issued, then 'tcli secrets set \
             NAME')",
            exposed.join(", "),
            removed.join(", ")
        ));
    }
}

/// Each secret decrypted and encrypted again to `keys`, in order, on as many threads as there
/// are cores (the work is all crypto); joined before returning. Only ciphertext comes back.
fn reencrypt_all(
    stale: &[Stale],
    team: &str,
    me: &Me,
    keys: &[roster::RosterKey],
) -> Vec<Result<Vec<u8>, Problem>> {
    let one = |secret: &store::Secret| {
        let value = crypt::decrypt(secret, team, me)?;
        crypt::encrypt(&secret.name, &value, keys)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = stale.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = stale
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|(s, _)| one(s)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
