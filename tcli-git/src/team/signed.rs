//! Signed teams (docs/team-repos.md, "Signed teams"): which commits must be signed, by whom,
//! and the walk that checks them, for `team update` and `team verify` (the trust root `team
//! add` takes is `root`'s; the roster as shown is `people`'s). A commit answers to the rosters
//! of all its parents, so a new key needs an existing member's signature, nobody switches
//! signing off alone, and a removed key signs nothing that descends from its removal. The cryptography is `tcli_roster::verify`'s; this file reads commits and
//! rosters with git2 and names a refused commit by its author and the reason.

use crate::errors::{RefusedCommit, TeamError, Untouched};
use git2::{Oid, Repository, Sort};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use tcli_core::team_dirs::{TeamEntry, TrustRoot};
use tcli_roster::verify::{Signer, VerifyError};
use tcli_roster::{Roster, RosterError};

/// The largest `tcli.toml` read from history, as for settings files on disk: a hostile commit
/// must not make every update parse a huge file.
const MAX_FILE: usize = tcli_core::settings::SETTINGS_MAX as usize;

/// Why a `tcli.toml` in history gives no roster.
#[derive(Debug)]
pub(crate) enum BadRoster {
    /// Larger than [`MAX_FILE`].
    TooLarge(usize),
    /// The file is not TOML.
    Syntax(String),
    /// The `[people]` or `[trust]` tables are wrong.
    Roster(RosterError),
}

impl std::fmt::Display for BadRoster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadRoster::TooLarge(n) => write!(
                f,
                "tcli.toml is {n} bytes, larger than {} MiB",
                MAX_FILE >> 20
            ),
            BadRoster::Syntax(e) => write!(f, "tcli.toml does not parse ({e})"),
            BadRoster::Roster(e) => write!(f, "the roster in tcli.toml is invalid: {e}"),
        }
    }
}

/// Parses the roster of a `tcli.toml` text.
pub(crate) fn roster_of(text: &str) -> Result<Roster, BadRoster> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| BadRoster::Syntax(e.message().to_string()))?;
    Roster::from_settings(&tcli_core::settings::json_of_table(&table)).map_err(BadRoster::Roster)
}

/// Rosters by the blob id of `tcli.toml` (`None`: no file), parsed once: a roster changes in few
/// commits, and every commit of a walk looks one up.
#[derive(Default)]
pub(crate) struct Rosters {
    by_blob: HashMap<Option<Oid>, Result<Rc<Roster>, Rc<BadRoster>>>,
    /// `[trust] require-signed` by blob, for walks that need no roster until one asks for
    /// signatures: an unsigned team's update parses no keys.
    requires: HashMap<Option<Oid>, bool>,
}

/// The blob id of `commit`'s `tcli.toml`, `None` when it has none.
fn settings_blob(repo: &Repository, commit: Oid) -> Result<Option<Oid>, git2::Error> {
    let tree = repo.find_commit(commit)?.tree()?;
    Ok(tree.get_path(Path::new("tcli.toml")).ok().map(|e| e.id()))
}

impl Rosters {
    /// Whether `commit`'s `tcli.toml` says `[trust] require-signed = true`, reading only that
    /// (a file that cannot be read says no here; `at` reports what is wrong with it).
    pub(crate) fn requires(&mut self, repo: &Repository, commit: Oid) -> Result<bool, git2::Error> {
        let blob = settings_blob(repo, commit)?;
        if let Some(r) = self.requires.get(&blob) {
            return Ok(*r);
        }
        let r = match blob {
            None => false,
            Some(id) => match super::git::bounded_blob(repo, id, MAX_FILE as u64)? {
                Ok(b) => String::from_utf8_lossy(b.content())
                    .parse::<toml::Table>()
                    .ok()
                    .and_then(|t| t.get("trust")?.get("require-signed")?.as_bool())
                    .unwrap_or(false),
                Err(_) => false,
            },
        };
        self.requires.insert(blob, r);
        Ok(r)
    }

    /// The roster of `commit`.
    pub(crate) fn at(
        &mut self,
        repo: &Repository,
        commit: Oid,
    ) -> Result<Result<Rc<Roster>, Rc<BadRoster>>, git2::Error> {
        let blob = settings_blob(repo, commit)?;
        if let Some(r) = self.by_blob.get(&blob) {
            return Ok(r.clone());
        }
        let parsed = match blob {
            None => Ok(Rc::new(Roster::default())),
            Some(id) => match super::git::bounded_blob(repo, id, MAX_FILE as u64)? {
                Err(size) => Err(Rc::new(BadRoster::TooLarge(size))),
                Ok(b) => roster_of(&String::from_utf8_lossy(b.content()))
                    .map(Rc::new)
                    .map_err(Rc::new),
            },
        };
        self.by_blob.insert(blob, parsed.clone());
        Ok(parsed)
    }
}

/// Why one commit was refused.
#[derive(Debug)]
pub(crate) enum Reason {
    /// Its signature (or the lack of one).
    Signature(VerifyError),
    /// The roster it answers to cannot be read.
    Roster { at: Oid, problem: Rc<BadRoster> },
    /// Signed by a key one roster it answers to lists and another does not (a merge whose
    /// parents disagree: one of them removed the key).
    NotInEvery {
        person: String,
        fingerprint: String,
        at: Oid,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Signature(e) => e.fmt(f),
            Reason::Roster { at, problem } => write!(
                f,
                "the roster it answers to, in commit {}, is unusable: {problem}",
                super::git::short(*at)
            ),
            Reason::NotInEvery {
                person,
                fingerprint,
                at,
            } => write!(
                f,
                "it is signed by people.{person}'s key {fingerprint}, which the roster of commit {}, one it also answers to, does not list (a merge answers to the keys every parent's roster lists)",
                super::git::short(*at)
            ),
        }
    }
}

/// The longest piece of a commit (author, summary) a refusal quotes.
const SHOWN_MAX: usize = 200;

/// Text from a commit as a refusal shows it: whoever wrote the commit wrote it, so control
/// characters (terminal escapes, newlines that would fake an `error:` line) become spaces and
/// it is cut to [`SHOWN_MAX`] characters.
fn shown(s: &str) -> String {
    tcli_core::prim::text::sanitize_line(s, SHOWN_MAX)
}

/// A commit refused, with what names it.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// The commit.
    pub commit: Oid,
    /// `Name <email>` of its author.
    pub author: String,
    /// Its summary line.
    pub summary: String,
    /// Why.
    pub reason: Reason,
}

impl Refusal {
    /// A refusal of `commit`, naming it by its author and summary.
    fn of(commit: &git2::Commit, author: git2::Signature, reason: Reason) -> Refusal {
        Refusal {
            commit: commit.id(),
            author: shown(&format!(
                "{} <{}>",
                String::from_utf8_lossy(author.name_bytes()),
                String::from_utf8_lossy(author.email_bytes())
            )),
            summary: shown(&String::from_utf8_lossy(
                commit.summary_bytes().unwrap_or_default(),
            )),
            reason,
        }
    }

    /// The commit as an error names it.
    pub(crate) fn named(&self) -> RefusedCommit {
        RefusedCommit {
            commit: super::git::short(self.commit),
            author: self.author.clone(),
            summary: self.summary.clone(),
            reason: self.reason.to_string(),
        }
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Whether any commit had to be signed.
    pub required: bool,
    /// Commits whose signature was verified.
    pub verified: usize,
    /// Who signed the tip, when it had to be signed.
    pub tip_signer: Option<Signer>,
    /// Who signed each commit whose signature was verified (what `team update` reports).
    pub signers: HashMap<Oid, Signer>,
}

/// A walk that could not finish.
#[derive(Debug)]
pub(crate) enum WalkError {
    /// A commit is refused.
    Refused(Box<Refusal>),
    /// The roster at the base, which every check starts from, is unusable.
    BadBase {
        /// The base commit.
        at: Oid,
        /// What is wrong with its `tcli.toml`.
        problem: Rc<BadRoster>,
    },
    /// git itself failed.
    Git(git2::Error),
}

impl WalkError {
    /// The error for a walk that could not start: the base's roster is unusable.
    pub(crate) fn bad_base(
        entry: &TeamEntry,
        at: Oid,
        problem: &BadRoster,
        untouched: Untouched,
    ) -> anyhow::Error {
        TeamError::BadBase {
            team: entry.name.clone(),
            commit: super::git::short(at),
            problem: problem.to_string(),
            untouched,
            url: entry.url.clone(),
        }
        .into()
    }
}

impl From<git2::Error> for WalkError {
    fn from(e: git2::Error) -> Self {
        WalkError::Git(e)
    }
}

/// Checks every commit of `base..tip` (merges and both sides of them included), parents
/// first. A commit must be signed when the user demands it (`demand`, from `--require-signed`),
/// when `base` says `require-signed`, or when a roster it answers to does; it must then carry
/// a good signature in namespace `git` by a key that every roster it answers to lists. For a
/// team with a trust record (`trusted`), an unusable roster is a refusal, never a reason to
/// check nothing.
///
/// A commit answers to the roster of each of its parents: that parent's own when it is `base`
/// or a commit accepted earlier in this walk, `base`'s otherwise (and `base`'s for a commit
/// with no parent). Roster changes therefore take effect only along accepted history, and a
/// removal binds every commit that descends from it whichever parent it sits on: a revoked
/// key cannot sign a commit on an old parent whose roster still lists it, nor a merge of such
/// a commit with the history that removed it.
pub(crate) fn walk(
    repo: &Repository,
    rosters: &mut Rosters,
    base: Oid,
    tip: Oid,
    demand: bool,
    trusted: bool,
) -> Result<Walked, WalkError> {
    let base_roster = rosters.at(repo, base)?;
    let careful = demand || trusted;
    if let (Err(problem), true) = (&base_roster, careful) {
        return Err(WalkError::BadBase {
            at: base,
            problem: problem.clone(),
        });
    }
    let strict = demand || base_roster.as_ref().is_ok_and(|r| r.require_signed);
    let mut w = Walk {
        repo,
        rosters,
        base,
        base_roster,
        strict,
        careful,
        accepted: HashSet::new(),
        out: Walked {
            required: strict,
            ..Walked::default()
        },
    };
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    revwalk.push(tip)?;
    revwalk.hide(base)?;
    for oid in revwalk {
        let oid = oid?;
        if let Some(signer) = w.check(oid)? {
            w.out.verified += 1;
            if oid == tip {
                w.out.tip_signer = Some(signer.clone());
            }
            w.out.signers.insert(oid, signer);
        }
        w.accepted.insert(oid);
    }
    Ok(w.out)
}

/// The state of one [`walk`].
struct Walk<'a> {
    repo: &'a Repository,
    rosters: &'a mut Rosters,
    base: Oid,
    base_roster: Result<Rc<Roster>, Rc<BadRoster>>,
    strict: bool,
    careful: bool,
    accepted: HashSet<Oid>,
    out: Walked,
}

impl Walk<'_> {
    /// The commits whose rosters `commit` answers to, one per parent (see [`walk`]).
    fn answers_to(&self, commit: &git2::Commit) -> Vec<Oid> {
        let mut ats: Vec<Oid> = commit
            .parent_ids()
            .map(|p| {
                if p == self.base || self.accepted.contains(&p) {
                    p
                } else {
                    self.base
                }
            })
            .collect();
        if ats.is_empty() {
            ats.push(self.base);
        }
        ats.dedup();
        ats
    }

    /// Checks one commit: `Ok(Some(signer))` when its signature was verified, `Ok(None)` when
    /// it needed none.
    fn check(&mut self, oid: Oid) -> Result<Option<Signer>, WalkError> {
        let repo = self.repo;
        let commit = repo.find_commit(oid)?;
        let refuse = |reason: Reason| {
            let a = commit.author();
            WalkError::Refused(Box::new(Refusal::of(&commit, a, reason)))
        };
        let ats = self.answers_to(&commit);
        // A team nobody asked to sign: parse a roster only where one asks for signatures.
        if !(self.strict || self.careful) {
            let mut asks = false;
            for at in &ats {
                asks |= self.rosters.requires(repo, *at)?;
            }
            if !asks {
                return Ok(None);
            }
        }
        let mut rosters = Vec::with_capacity(ats.len());
        for &at in &ats {
            let roster = if at == self.base {
                self.base_roster.clone()
            } else {
                self.rosters.at(repo, at)?
            };
            // Signatures may be needed here, so an unreadable roster is a refusal.
            match roster {
                Ok(r) => rosters.push(r),
                Err(problem) => return Err(refuse(Reason::Roster { at, problem })),
            }
        }
        if !self.strict && !rosters.iter().any(|r| r.require_signed) {
            return Ok(None);
        }
        self.out.required = true;
        let (sig, payload) = match signature_of(repo, oid)? {
            Ok(s) => s,
            Err(e) => return Err(refuse(Reason::Signature(e))),
        };
        // The signer is found in whichever roster lists the key, then must be in all of them.
        let mut verified = rosters[0].verify(&payload, &sig);
        for r in &rosters[1..] {
            if !matches!(verified, Err(VerifyError::UnknownKey { .. })) {
                break;
            }
            verified = r.verify(&payload, &sig);
        }
        match verified {
            Ok(s) => match ats
                .iter()
                .zip(&rosters)
                .find(|(_, r)| r.key(&s.fingerprint).is_none())
            {
                Some((&at, _)) => Err(refuse(Reason::NotInEvery {
                    person: s.person,
                    fingerprint: s.fingerprint,
                    at,
                })),
                None => Ok(Some(s)),
            },
            Err(VerifyError::UnknownKey { fingerprint }) => {
                let reason = self.unknown_key(&commit, fingerprint)?;
                Err(refuse(Reason::Signature(reason)))
            }
            Err(e) => Err(refuse(Reason::Signature(e))),
        }
    }

    /// Names the self-vouching case of a key no roster lists: the key is one this very commit
    /// adds (lists when its own first parent did not).
    fn unknown_key(
        &mut self,
        commit: &git2::Commit,
        fingerprint: String,
    ) -> Result<VerifyError, git2::Error> {
        let own = self.rosters.at(self.repo, commit.id())?.ok();
        let inherited = match commit.parent_id(0) {
            Ok(p) => self
                .rosters
                .at(self.repo, p)?
                .is_ok_and(|r| r.key(&fingerprint).is_some()),
            Err(_) => false,
        };
        let added = own.as_deref().and_then(|r| r.key(&fingerprint));
        Ok(match added.filter(|_| !inherited) {
            Some((p, _)) => VerifyError::SelfAdded {
                person: p.id.clone(),
                fingerprint,
            },
            None => VerifyError::UnknownKey { fingerprint },
        })
    }
}

/// `commit`'s signature and the bytes it covers, read from the raw object as git reads them:
/// the header block ends at the first empty line; it must hold exactly one `gpgsig` header
/// (with its continuation lines) and no other `gpgsig*` header; what is signed is the object
/// without exactly that header. libgit2's `extract_signature` is not used: it scans into the
/// message, mangles a `gpgsigparent` header and leaves a `gpgsig-sha256` header in the
/// signed bytes, so what it verifies is not what git shows.
fn signature_of(
    repo: &Repository,
    commit: Oid,
) -> Result<Result<Signed, VerifyError>, git2::Error> {
    let odb = repo.odb()?;
    let object = odb.read(commit)?;
    Ok(split_signature(object.data()))
}

/// A commit's armored signature and the bytes it covers.
type Signed = (Vec<u8>, Vec<u8>);

/// Splits a raw commit into its `gpgsig` text and the rest (see [`signature_of`]).
pub(crate) fn split_signature(raw: &[u8]) -> Result<Signed, VerifyError> {
    let end = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(raw.len(), |i| i + 1);
    let (headers, message) = raw.split_at(end);
    let mut payload = Vec::with_capacity(raw.len());
    let mut sig: Option<Vec<u8>> = None;
    let mut inside = false;
    let malformed = |reason: String| VerifyError::Malformed { reason };
    for line in headers.split_inclusive(|b| *b == b'\n') {
        if let Some(more) = line.strip_prefix(b" ") {
            match (&mut sig, inside) {
                (Some(s), true) => s.extend_from_slice(more),
                _ => payload.extend_from_slice(line),
            }
            continue;
        }
        inside = false;
        let key = line
            .split(|b| *b == b' ' || *b == b'\n')
            .next()
            .unwrap_or_default();
        if !key.starts_with(b"gpgsig") {
            payload.extend_from_slice(line);
            continue;
        }
        if key != b"gpgsig" {
            return Err(malformed(format!(
                "the commit has a '{}' header; tcli accepts exactly one 'gpgsig' header",
                tcli_core::prim::text::sanitize_line(&String::from_utf8_lossy(key), 40)
            )));
        }
        if sig.is_some() {
            return Err(malformed(
                "the commit has more than one 'gpgsig' header".to_string(),
            ));
        }
        sig = Some(line.get(7..).unwrap_or_default().to_vec());
        inside = true;
    }
    payload.extend_from_slice(message);
    sig.map(|s| (s, payload)).ok_or(VerifyError::Unsigned)
}

/// Verifies `commit`'s own signature against its own roster: the trust root `team add` takes
/// on first use, having nothing older to check it against.
pub(crate) fn verify_root(
    repo: &Repository,
    roster: &Roster,
    commit: Oid,
) -> Result<Signer, WalkError> {
    let c = repo.find_commit(commit)?;
    let refusal = |e: VerifyError| {
        WalkError::Refused(Box::new(Refusal::of(&c, c.author(), Reason::Signature(e))))
    };
    let (sig, payload) = signature_of(repo, commit)?.map_err(refusal)?;
    roster.verify(&payload, &sig).map_err(refusal)
}

/// Refuses a signed team whose `commit` (HEAD, or the new upstream tip) does not contain the
/// last verified commit: the history was rewritten, and checking it from HEAD would take
/// whatever the rewrite says as a new base.
pub(crate) fn check_descends(
    repo: &Repository,
    entry: &TeamEntry,
    commit: Oid,
    what: &'static str,
) -> anyhow::Result<()> {
    let Some(v) = verified_of(entry) else {
        return Ok(());
    };
    if commit == v || repo.graph_descendant_of(commit, v).unwrap_or(false) {
        return Ok(());
    }
    Err(TeamError::LeftVerified {
        team: entry.name.clone(),
        what,
        commit: super::git::short(commit),
        verified: super::git::short(v),
        url: entry.url.clone(),
    }
    .into())
}

/// What `team update` verified, for its report.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Checked {
    /// Commits whose signature was verified.
    pub commits: usize,
    /// The roster id of who signed the new tip.
    pub signer: Option<String>,
    /// That key's fingerprint.
    pub key: Option<String>,
    /// Who signed each verified commit, for the list of commits the update brought.
    #[serde(skip)]
    pub signers: HashMap<Oid, Signer>,
}

impl Checked {
    /// What a walk verified, for the report.
    fn of(w: Walked) -> Checked {
        Checked {
            commits: w.verified,
            signer: w.tip_signer.as_ref().map(|s| s.person.clone()),
            key: w.tip_signer.map(|s| s.fingerprint),
            signers: w.signers,
        }
    }
}

/// The checks `team update` makes before it moves anything: the incoming roster is valid, and
/// every commit it brings in (from the last verified commit, or the checkout's HEAD) is signed
/// as the rules say. `Ok(None)` when nothing had to be signed.
pub(crate) fn check_update(
    repo: &Repository,
    entry: &TeamEntry,
    head: Oid,
    tip: Oid,
) -> anyhow::Result<Option<Checked>> {
    let name = &entry.name;
    let git_failure = |e: git2::Error| -> anyhow::Error {
        TeamError::GitChecking {
            team: name.clone(),
            why: e.message().to_string(),
        }
        .into()
    };
    let mut rosters = Rosters::default();
    if let Err(problem) = rosters.at(repo, tip).map_err(git_failure)? {
        if let BadRoster::Roster(_) | BadRoster::TooLarge(_) = &*problem {
            return Err(TeamError::NewRosterRefused {
                team: name.clone(),
                commit: super::git::short(tip),
                problem: problem.to_string(),
                url: entry.url.clone(),
                head: super::git::short(head),
            }
            .into());
        }
    }
    let trust = entry.trust.as_ref();
    check_descends(repo, entry, tip, "the new commit")?;
    // Commits pulled in by hand since the last verification are checked too.
    let base = verified_of(entry).unwrap_or(head);
    let demand = trust.is_some_and(|t| t.require_signed);
    match walk(repo, &mut rosters, base, tip, demand, trust.is_some()) {
        Ok(w) if !w.required => Ok(None),
        Ok(w) => Ok(Some(Checked::of(w))),
        Err(WalkError::BadBase { at, problem }) => {
            Err(WalkError::bad_base(entry, at, &problem, Untouched::Nothing))
        }
        Err(WalkError::Git(e)) => Err(git_failure(e)),
        Err(WalkError::Refused(r)) => Err(TeamError::UpdateRefused {
            team: name.clone(),
            commit: r.named(),
            url: entry.url.clone(),
            head: super::git::short(head),
        }
        .into()),
    }
}

/// The last verified commit of a team with a trust record.
pub(crate) fn verified_of(entry: &TeamEntry) -> Option<Oid> {
    entry
        .trust
        .as_ref()
        .and_then(|t| t.verified.as_deref())
        .and_then(|v| Oid::from_str(v).ok())
}

/// Verifies what reached the checkout outside tcli (a `git pull` by hand): every commit from
/// the last verified commit to HEAD, with the rules of an update, and HEAD's own files and
/// roster. `Ok(None)` when HEAD is the last verified commit (or the team has none): one
/// comparison. A refusal names the commit and leads back to the verified commit.
pub(crate) fn check_moved(
    repo: &Repository,
    entry: &TeamEntry,
    head: Oid,
    dir: &Path,
) -> anyhow::Result<Option<Checked>> {
    let Some(v) = verified_of(entry).filter(|v| *v != head) else {
        return Ok(None);
    };
    let fail = |why: String| -> anyhow::Error {
        TeamError::MovedByHand {
            team: entry.name.clone(),
            head: super::git::short(head),
            verified: super::git::short(v),
            why,
            dir: dir.to_path_buf(),
        }
        .into()
    };
    let git_failure = |e: git2::Error| -> anyhow::Error {
        TeamError::GitChecking {
            team: entry.name.clone(),
            why: e.message().to_string(),
        }
        .into()
    };
    if let Some(file) = super::files::irregular(repo, head).map_err(git_failure)? {
        return Err(fail(file.to_string()));
    }
    let mut rosters = Rosters::default();
    if let Err(problem) = rosters.at(repo, head).map_err(git_failure)? {
        return Err(fail(format!(
            "its commit {} is refused: {problem}",
            super::git::short(head)
        )));
    }
    let demand = entry.trust.as_ref().is_some_and(|t| t.require_signed);
    match walk(repo, &mut rosters, v, head, demand, true) {
        Ok(w) => Ok(Some(Checked::of(w))),
        Err(WalkError::BadBase { at, problem }) => {
            Err(WalkError::bad_base(entry, at, &problem, Untouched::Nothing))
        }
        Err(WalkError::Git(e)) => Err(git_failure(e)),
        Err(WalkError::Refused(r)) => Err(fail(r.named().to_string())),
    }
}

/// Records in the registry how far verification has come: the commit and who signed it.
pub(crate) fn record(
    cx: &tcli_core::context::Context,
    name: &str,
    root: Oid,
    verified: Oid,
    checked: &Checked,
) -> anyhow::Result<()> {
    super::registry::modify(cx, |teams| {
        if let Some(t) = teams.iter_mut().find(|t| t.name == name) {
            // A team whose repo asked for signatures after it was added gets its root now.
            let trust = t.trust.get_or_insert_with(|| TrustRoot {
                root: root.to_string(),
                ..Default::default()
            });
            // Re-verifying the same commit checks no new signature: keep who signed it.
            if trust.verified.as_deref() != Some(verified.to_string().as_str()) {
                trust.signer = checked.signer.clone();
                trust.signer_key = checked.key.clone();
            }
            trust.verified = Some(verified.to_string());
        }
        Ok(())
    })
}
