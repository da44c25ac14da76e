//! The trust root `team add` takes (docs/team-repos.md, "Signed teams"): the roster at the
//! cloned commit, the user's `--require-signed` and `--expect-key` checked against it, and
//! that commit's own signature verified (trust on first use: there is nothing older).

use super::signed::{verify_root, BadRoster, Rosters, WalkError};
use crate::errors::TeamError;
use git2::{Oid, Repository};
use std::rc::Rc;
use tcli_core::team_dirs::TrustRoot;
use tcli_roster::verify::Signer;
use tcli_roster::Roster;

/// What the user asks of a team's signatures at `team add`.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    /// `--require-signed`.
    pub require_signed: bool,
    /// `--expect-key`, each `SHA256:...`.
    pub expect_keys: Vec<String>,
}

impl Wanted {
    /// Checks the arguments before anything is cloned: a usage error (exit 2) names a value
    /// that is not a fingerprint.
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        for k in &self.expect_keys {
            // `SHA256:` and the 32-byte hash in unpadded base64, as ssh-keygen prints it.
            let well_formed = k.strip_prefix("SHA256:").is_some_and(|b| {
                b.len() == 43
                    && b.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
            });
            if !well_formed {
                return Err(TeamError::BadFingerprint(k.clone()).into());
            }
        }
        Ok(())
    }

    /// Nothing asked: a roster problem is a warning, not a refusal.
    pub(crate) fn nothing(&self) -> bool {
        !self.require_signed && self.expect_keys.is_empty()
    }
}

/// The trust root `team add` takes, and the roster it shows.
pub(crate) struct Root {
    /// What goes in the registry; `None` for a team with no roster that nobody asked to sign.
    pub entry: Option<TrustRoot>,
    /// The roster at the cloned commit.
    pub roster: Roster,
    /// Why the roster was left out, for a repo that does not ask for signatures.
    pub warning: Option<String>,
}

/// The commit `team add` cloned, as the steps of [`take_root`] see it.
struct Cloned<'a> {
    repo: &'a Repository,
    team: &'a str,
    url: &'a str,
    head: Oid,
    wanted: &'a Wanted,
}

/// Reads the roster at the commit `team add` cloned, checks `--expect-key`, and when the repo
/// or the user requires signatures, verifies that commit's own signature against it (trust on
/// first use: there is nothing older to check it against). Every refusal happens before the
/// clone is moved into place, so it leaves nothing behind.
pub(crate) fn take_root(
    repo: &Repository,
    team: &str,
    url: &str,
    head: Oid,
    wanted: &Wanted,
) -> anyhow::Result<Root> {
    let c = Cloned {
        repo,
        team,
        url,
        head,
        wanted,
    };
    let (roster, warning) = c.roster()?;
    c.check_expected(&roster)?;
    // `--expect-key` names who the user trusts; it means nothing unless that person signed
    // the root and signing goes on from there, so it implies `--require-signed`.
    let demand = !wanted.nothing();
    let required = demand || roster.require_signed;
    let signer = if required {
        Some(c.root_signer(&roster)?)
    } else {
        None
    };
    let entry = (!roster.people.is_empty() || demand).then(|| TrustRoot {
        require_signed: demand,
        root: head.to_string(),
        fingerprints: roster
            .fingerprints()
            .into_iter()
            .map(str::to_string)
            .collect(),
        verified: required.then(|| head.to_string()),
        signer: signer.as_ref().map(|s| s.person.clone()),
        signer_key: signer.map(|s| s.fingerprint),
    });
    Ok(Root {
        entry,
        roster: Rc::unwrap_or_clone(roster),
        warning,
    })
}

impl Cloned<'_> {
    fn unreadable(&self, e: &git2::Error) -> TeamError {
        TeamError::AddUnreadable {
            team: self.team.to_string(),
            url: self.url.to_string(),
            commit: super::git::short(self.head),
            why: e.message().to_string(),
        }
    }

    fn bad_roster(&self, problem: &BadRoster) -> TeamError {
        TeamError::AddBadRoster {
            team: self.team.to_string(),
            url: self.url.to_string(),
            problem: problem.to_string(),
        }
    }

    /// The roster at the commit, and the warning for one left out.
    fn roster(&self) -> anyhow::Result<(Rc<Roster>, Option<String>)> {
        let mut rosters = Rosters::default();
        let problem = match rosters
            .at(self.repo, self.head)
            .map_err(|e| self.unreadable(&e))?
        {
            Ok(r) => return Ok((r, None)),
            Err(problem) => problem,
        };
        match &*problem {
            // A syntax error is reported as a warning by `add`, unless signatures are wanted.
            BadRoster::Syntax(_) if self.wanted.nothing() => Ok((Rc::new(Roster::default()), None)),
            // So is a bad roster of a repo that does not ask for signatures: the team modules
            // name it where they read it, and nothing is checked against it.
            BadRoster::Roster(_)
                if self.wanted.nothing()
                    && !rosters.requires(self.repo, self.head).unwrap_or(true) =>
            {
                Ok((Rc::new(Roster::default()), Some(problem.to_string())))
            }
            _ => Err(self.bad_roster(&problem).into()),
        }
    }

    /// `--require-signed` needs a roster; each `--expect-key` must be in it, and it must ask
    /// for signed commits.
    fn check_expected(&self, roster: &Roster) -> anyhow::Result<()> {
        let (team, url) = (self.team.to_string(), self.url.to_string());
        let expecting = !self.wanted.expect_keys.is_empty();
        if self.wanted.require_signed && !expecting && roster.people.is_empty() {
            return Err(TeamError::RequireSignedNoRoster { team, url }.into());
        }
        if let Some(k) = self
            .wanted
            .expect_keys
            .iter()
            .find(|k| roster.key(k).is_none())
        {
            return Err(TeamError::ExpectedKeyMissing {
                team,
                url,
                key: k.clone(),
                listed: listed(roster),
            }
            .into());
        }
        if expecting && !roster.require_signed {
            return Err(TeamError::ExpectKeyUnsigned {
                team,
                url,
                commit: super::git::short(self.head),
            }
            .into());
        }
        Ok(())
    }

    /// Who signed the commit, which must be signed by a key of its own roster (and an
    /// expected one, when keys are expected).
    fn root_signer(&self, roster: &Roster) -> anyhow::Result<Signer> {
        let expected = &self.wanted.expect_keys;
        match verify_root(self.repo, roster, self.head) {
            Ok(s) if !expected.is_empty() && !expected.contains(&s.fingerprint) => {
                Err(TeamError::WrongRootSigner {
                    team: self.team.to_string(),
                    url: self.url.to_string(),
                    commit: super::git::short(self.head),
                    person: s.person,
                    key: s.fingerprint,
                    expected: expected.join(", "),
                }
                .into())
            }
            Ok(s) => Ok(s),
            Err(WalkError::Refused(r)) => Err(TeamError::AddRefused {
                team: self.team.to_string(),
                commit: r.named(),
                listed: listed(roster),
            }
            .into()),
            // verify_root reads no roster of its own.
            Err(WalkError::BadBase { problem, .. }) => Err(self.bad_roster(&problem).into()),
            Err(WalkError::Git(e)) => Err(self.unreadable(&e).into()),
        }
    }
}

/// The keys a roster lists, for a hint to compare with what the team publishes.
fn listed(r: &Roster) -> String {
    let fps = r.fingerprints();
    if fps.is_empty() {
        "the roster lists no keys".to_string()
    } else {
        format!("the roster lists: {}", fps.join(", "))
    }
}
