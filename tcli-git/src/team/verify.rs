//! `team verify`: re-check a signed team's checkout from its trust root to HEAD, offline, with
//! the rules `team update` applies (`signed::walk`). It catches commits that reached the
//! checkout some other way (a `git pull` by hand) and records HEAD as verified when it passes.

use super::signed::{self, Rosters, WalkError};
use super::{failure, sh};
use git2::Oid;
use serde::Serialize;
use tcli_core::context::Context;
use tcli_core::team_dirs::{self, TeamEntry};

/// What `team verify` found for one team.
#[derive(Debug, Serialize)]
pub(crate) struct Verified {
    /// The team name.
    pub name: String,
    /// The trust root.
    pub root: String,
    /// The checkout's HEAD.
    pub head: String,
    /// Whether any commit had to be signed.
    pub required: bool,
    /// Commits whose signature was verified.
    pub commits: usize,
    /// Who signed HEAD.
    pub signer: Option<String>,
    /// With which key.
    pub signer_key: Option<String>,
}

/// Verifies one team; a team with no trust root is an error naming the fix.
pub(crate) fn verify(cx: &Context, entry: &TeamEntry) -> anyhow::Result<Verified> {
    let name = &entry.name;
    let Some(trust) = &entry.trust else {
        return Err(failure(
            format!("team '{name}' has no trust root: its repo had no roster when it was added"),
            format!(
                "to check signatures from now on: tcli team remove {name} && tcli team add {} --name {name} --require-signed",
                entry.url
            ),
        ));
    };
    let dir = team_dirs::checkout_dir(cx, name);
    let _lock = super::lock(cx, name)?;
    if !dir.exists() {
        return Err(super::missing_checkout(entry, &dir));
    }
    let git_failure = |e: git2::Error| {
        failure(
            format!(
                "git failed verifying team '{name}' in {}: {}",
                dir.display(),
                e.message()
            ),
            format!("see its state: git -C {} status", sh(&dir)),
        )
    };
    let repo = super::git::open(&dir).map_err(git_failure)?;
    let head = repo
        .head()
        .map_err(git_failure)?
        .target()
        .ok_or_else(|| git_failure(git2::Error::from_str("HEAD has no commit")))?;
    let root = Oid::from_str(&trust.root).map_err(git_failure)?;
    if head != root && !repo.graph_descendant_of(head, root).unwrap_or(false) {
        return Err(failure(
            format!(
                "team '{name}': HEAD {} does not descend from the trust root {}; the history was rewritten",
                super::git::short(head),
                super::git::short(root)
            ),
            format!(
                "if the team rewrote its history on purpose, take a new trust root: tcli team remove {name} && tcli team add {} --name {name} --expect-key <a fingerprint your team publishes>",
                entry.url
            ),
        ));
    }
    let walked = match signed::walk(
        &repo,
        &mut Rosters::default(),
        root,
        head,
        trust.require_signed,
        true,
    ) {
        Ok(w) => w,
        Err(WalkError::BadBase { at, problem }) => {
            return Err(WalkError::bad_base(
                name,
                at,
                &problem,
                "the checkout was not changed",
                signed::retrust_hint(entry),
            ))
        }
        Err(WalkError::Git(e)) => return Err(git_failure(e)),
        Err(WalkError::Refused(r)) => {
            return Err(r.error(
                name,
                "the checkout was not changed",
                format!(
                    "this commit did not come through 'tcli team update'; 'tcli team update {name}' will not build on it; take a new trust root: tcli team remove {name} && tcli team add {} --name {name} --expect-key <a fingerprint your team publishes>",
                    entry.url
                ),
            ));
        }
    };
    // HEAD still the commit verified last: no new signature was checked, the record says who.
    let recorded = (trust.verified.as_deref() == Some(head.to_string().as_str()))
        .then(|| (trust.signer.clone(), trust.signer_key.clone()));
    let (signer, signer_key) = match (&walked.tip_signer, recorded) {
        (Some(s), _) => (Some(s.person.clone()), Some(s.fingerprint.clone())),
        (None, Some(r)) => r,
        (None, None) => (None, None),
    };
    let out = Verified {
        name: name.clone(),
        root: root.to_string(),
        head: head.to_string(),
        required: walked.required,
        commits: walked.verified,
        signer,
        signer_key,
    };
    if walked.required {
        let checked = signed::Checked {
            commits: out.commits,
            signer: out.signer.clone(),
            key: out.signer_key.clone(),
        };
        signed::record(cx, name, root, head, &checked)?;
    }
    Ok(out)
}
