//! `team verify`: re-check a signed team's checkout from its trust root to HEAD, offline, with
//! the rules `team update` applies (`signed::walk`). It catches commits that reached the
//! checkout some other way (a `git pull` by hand) and records HEAD as verified when it passes.

use super::signed::{self, Rosters, WalkError, Walked};
use crate::errors::{TeamError, Untouched};
use git2::Oid;
use serde::Serialize;
use tcli_core::context::Context;
use tcli_core::team_dirs::{TeamEntry, TrustRoot};

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

/// Verifies one team, as docs/team-repos.md ("Signed teams") says: HEAD must descend from the
/// trust root, and every commit from there is walked with the rules `team update` applies;
/// a team with no trust root is an error naming the fix.
pub(crate) fn verify(cx: &Context, entry: &TeamEntry) -> anyhow::Result<Verified> {
    let name = &entry.name;
    let Some(trust) = &entry.trust else {
        return Err(TeamError::NoTrustRoot {
            team: name.clone(),
            url: entry.url.clone(),
        }
        .into());
    };
    let (_lock, dir) = super::locked_checkout(cx, entry)?;
    let git_failure = |e: git2::Error| -> anyhow::Error {
        TeamError::GitVerifying {
            team: name.clone(),
            dir: dir.clone(),
            why: e.message().to_string(),
        }
        .into()
    };
    let repo = super::git::open(&dir).map_err(git_failure)?;
    let head = repo
        .head()
        .map_err(git_failure)?
        .target()
        .ok_or_else(|| git_failure(git2::Error::from_str("HEAD has no commit")))?;
    let root = Oid::from_str(&trust.root).map_err(git_failure)?;
    if head != root && !repo.graph_descendant_of(head, root).unwrap_or(false) {
        return Err(TeamError::OffRoot {
            team: name.clone(),
            head: super::git::short(head),
            root: super::git::short(root),
            url: entry.url.clone(),
        }
        .into());
    }
    // A checkout moved off the last verified commit (a reset to a rewritten remote) is not
    // checked from the root: what the rewrite drops (a removal) would no longer bind it.
    signed::check_descends(&repo, entry, head, "the checkout's HEAD")?;
    let walked = signed::walk(
        &repo,
        &mut Rosters::default(),
        root,
        head,
        trust.require_signed,
        true,
    )
    .map_err(|e| match e {
        WalkError::BadBase { at, problem } => {
            WalkError::bad_base(entry, at, &problem, Untouched::Checkout)
        }
        WalkError::Git(e) => git_failure(e),
        WalkError::Refused(r) => TeamError::VerifyRefused {
            team: name.clone(),
            commit: r.named(),
            url: entry.url.clone(),
            back: signed::verified_of(entry)
                .filter(|v| repo.graph_descendant_of(head, *v).unwrap_or(false))
                .map(|v| (dir.clone(), super::git::short(v))),
        }
        .into(),
    })?;
    let out = Verified::of(entry, trust, root, head, &walked);
    // Recorded signed or not (a signed commit may have switched signing off), as `team update`
    // records what it moves to: HEAD and the record then agree and the team is in force.
    signed::record(cx, name, root, head, &out.checked())?;
    Ok(out)
}

impl Verified {
    fn of(entry: &TeamEntry, trust: &TrustRoot, root: Oid, head: Oid, walked: &Walked) -> Self {
        // HEAD still the commit verified last: no new signature was checked, the record says
        // who.
        let recorded = (trust.verified.as_deref() == Some(head.to_string().as_str()))
            .then(|| (trust.signer.clone(), trust.signer_key.clone()));
        let (signer, signer_key) = match (&walked.tip_signer, recorded) {
            (Some(s), _) => (Some(s.person.clone()), Some(s.fingerprint.clone())),
            (None, Some(r)) => r,
            (None, None) => (None, None),
        };
        Verified {
            name: entry.name.clone(),
            root: root.to_string(),
            head: head.to_string(),
            required: walked.required,
            commits: walked.verified,
            signer,
            signer_key,
        }
    }

    fn checked(&self) -> signed::Checked {
        signed::Checked {
            commits: self.commits,
            signer: self.signer.clone(),
            key: self.signer_key.clone(),
            signers: Default::default(),
        }
    }
}
