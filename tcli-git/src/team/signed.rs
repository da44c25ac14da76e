//! Signed teams (docs/team-repos.md, "Signed teams"): which commits must be signed, by whom,
//! and the walk that checks them. A commit answers to the roster of its first parent, so a new
//! key needs an existing member's signature and nobody switches signing off alone. The
//! cryptography is `tcli_roster::verify`'s; this file reads commits and rosters with git2 and
//! turns a refusal into the message that names the commit, its author and the reason.

use git2::{Oid, Repository, Sort};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use tcli_core::error::CliError;
use tcli_core::exit::Exit;
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
            Some(id) => {
                let b = repo.find_blob(id)?;
                b.size() <= MAX_FILE
                    && String::from_utf8_lossy(b.content())
                        .parse::<toml::Table>()
                        .ok()
                        .and_then(|t| t.get("trust")?.get("require-signed")?.as_bool())
                        .unwrap_or(false)
            }
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
            Some(id) => {
                let b = repo.find_blob(id)?;
                if b.size() > MAX_FILE {
                    Err(Rc::new(BadRoster::TooLarge(b.size())))
                } else {
                    roster_of(&String::from_utf8_lossy(b.content()))
                        .map(Rc::new)
                        .map_err(Rc::new)
                }
            }
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

    /// The user's error; `outcome` says what was left alone ("nothing was changed").
    pub(crate) fn error(&self, team: &str, outcome: &str, hint: String) -> anyhow::Error {
        CliError::new(
            Exit::Failure,
            format!(
                "team '{team}': commit {} by {} (\"{}\") is refused: {}; {outcome}",
                super::git::short(self.commit),
                self.author,
                self.summary,
                self.reason
            ),
        )
        .hint(hint)
        .into()
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
        team: &str,
        at: Oid,
        problem: &BadRoster,
        outcome: &str,
        hint: String,
    ) -> anyhow::Error {
        super::failure(
            format!(
                "team '{team}': the roster every new commit is checked against, tcli.toml at commit {}, is unusable: {problem}; {outcome}",
                super::git::short(at)
            ),
            hint,
        )
    }
}

impl From<git2::Error> for WalkError {
    fn from(e: git2::Error) -> Self {
        WalkError::Git(e)
    }
}

/// Checks every commit of `base..tip` (merges and both sides of them included), parents
/// first. A commit must be signed when the user demands it (`demand`, from `--require-signed`),
/// when `base` says `require-signed`, or when the roster it answers to does; it must then carry
/// a good signature in namespace `git` by a key of that roster. For a team with a trust record
/// (`trusted`), an unusable roster is a refusal, never a reason to check nothing.
///
/// The roster a commit answers to is its first parent's when that parent is `base` or a commit
/// accepted earlier in this walk, and `base`'s otherwise: roster changes take effect only along
/// the accepted chain. Without this, a revoked key could sign a commit on an old parent whose
/// roster still lists it and merge that into the current history.
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
    let mut out = Walked {
        required: strict,
        ..Walked::default()
    };
    let mut accepted: HashSet<Oid> = HashSet::new();
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    revwalk.push(tip)?;
    revwalk.hide(base)?;
    for oid in revwalk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        let refuse = |reason: Reason| {
            let a = commit.author();
            WalkError::Refused(Box::new(Refusal::of(&commit, a, reason)))
        };
        let at = match commit.parent_id(0) {
            Ok(p) if p == base || accepted.contains(&p) => p,
            _ => base,
        };
        // A team nobody asked to sign: parse a roster only where one asks for signatures.
        let asks = !(strict || careful) && rosters.requires(repo, at)?;
        if !(strict || careful || asks) {
            accepted.insert(oid);
            continue;
        }
        let roster = if at == base {
            base_roster.clone()
        } else {
            rosters.at(repo, at)?
        };
        // Signatures may be needed here, so an unreadable roster is a refusal.
        let roster = match roster {
            Ok(r) => r,
            Err(problem) => return Err(refuse(Reason::Roster { at, problem })),
        };
        if !strict && !roster.require_signed {
            accepted.insert(oid);
            continue;
        }
        out.required = true;
        let (sig, payload) = match signature_of(repo, oid)? {
            Ok(s) => s,
            Err(e) => return Err(refuse(Reason::Signature(e))),
        };
        match roster.verify(&payload, &sig) {
            Ok(s) => {
                out.verified += 1;
                accepted.insert(oid);
                if oid == tip {
                    out.tip_signer = Some(s);
                }
            }
            Err(VerifyError::UnknownKey { fingerprint }) => {
                // Name the self-vouching case: the key is one this very commit adds (lists
                // when its own parent did not).
                let own = rosters.at(repo, oid)?.ok();
                let inherited = match commit.parent_id(0) {
                    Ok(p) => rosters
                        .at(repo, p)?
                        .is_ok_and(|r| r.key(&fingerprint).is_some()),
                    Err(_) => false,
                };
                let added = own.as_deref().and_then(|r| r.key(&fingerprint));
                let reason = match added.filter(|_| !inherited) {
                    Some((p, _)) => VerifyError::SelfAdded {
                        person: p.id.clone(),
                        fingerprint,
                    },
                    None => VerifyError::UnknownKey { fingerprint },
                };
                return Err(refuse(Reason::Signature(reason)));
            }
            Err(e) => return Err(refuse(Reason::Signature(e))),
        }
    }
    Ok(out)
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

/// The way back for a signed team whose checkout left its verified history: check it, or take
/// a new trust root against fingerprints the team publishes. Never a `git reset` to what the
/// remote serves: that would take the very history that was refused.
pub(crate) fn retrust_hint(entry: &tcli_core::team_dirs::TeamEntry) -> String {
    let name = &entry.name;
    format!(
        "keep the history you have; check the checkout with 'tcli team verify {name}', or if the team rewrote its history on purpose take a new trust root: tcli team remove {name} && tcli team add {} --name {name} --expect-key <a fingerprint your team publishes>",
        &entry.url
    )
}

/// Refuses a signed team whose `commit` (HEAD, or the new upstream tip) does not contain the
/// last verified commit: the history was rewritten, and checking it from HEAD would take
/// whatever the rewrite says as a new base.
pub(crate) fn check_descends(
    repo: &Repository,
    entry: &tcli_core::team_dirs::TeamEntry,
    commit: Oid,
    what: &str,
) -> anyhow::Result<()> {
    let Some(v) = entry
        .trust
        .as_ref()
        .and_then(|t| t.verified.as_deref())
        .and_then(|v| Oid::from_str(v).ok())
    else {
        return Ok(());
    };
    if commit == v || repo.graph_descendant_of(commit, v).unwrap_or(false) {
        return Ok(());
    }
    Err(super::failure(
        format!(
            "team '{}': {what} {} does not contain the last verified commit {}; the history was rewritten; nothing was changed",
            entry.name,
            super::git::short(commit),
            super::git::short(v)
        ),
        retrust_hint(entry),
    ))
}

/// What `team update` verified, for its report.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Checked {
    /// Commits whose signature was verified.
    pub commits: usize,
    /// The roster id of who signed the new tip.
    pub signer: Option<String>,
    /// That key's fingerprint.
    pub key: Option<String>,
}

/// The checks `team update` makes before it moves anything: the incoming roster is valid, and
/// every commit it brings in (from the last verified commit, or the checkout's HEAD) is signed
/// as the rules say. `Ok(None)` when nothing had to be signed.
pub(crate) fn check_update(
    repo: &Repository,
    entry: &tcli_core::team_dirs::TeamEntry,
    head: Oid,
    tip: Oid,
) -> anyhow::Result<Option<Checked>> {
    let name = &entry.name;
    let url = &entry.url;
    let git_failure = |e: git2::Error| {
        super::failure(
            format!("git failed verifying team '{name}': {}", e.message()),
            "see the repository's state with git status".to_string(),
        )
    };
    let mut rosters = Rosters::default();
    if let Err(problem) = rosters.at(repo, tip).map_err(git_failure)? {
        if let BadRoster::Roster(_) | BadRoster::TooLarge(_) = &*problem {
            return Err(super::failure(
                format!(
                    "team '{name}': the new commit {} is refused: {problem}; nothing was changed",
                    super::git::short(tip)
                ),
                format!(
                    "ask the team to fix tcli.toml in {url}; your checkout stays at {} until then",
                    super::git::short(head)
                ),
            ));
        }
    }
    let trust = entry.trust.as_ref();
    check_descends(repo, entry, tip, "the new commit")?;
    // Commits pulled in by hand since the last verification are checked too.
    let base = trust
        .and_then(|t| t.verified.as_deref())
        .and_then(|v| Oid::from_str(v).ok())
        .unwrap_or(head);
    let demand = trust.is_some_and(|t| t.require_signed);
    match walk(repo, &mut rosters, base, tip, demand, trust.is_some()) {
        Ok(w) if !w.required => Ok(None),
        Err(WalkError::BadBase { at, problem }) => Err(WalkError::bad_base(
            name,
            at,
            &problem,
            "nothing was changed",
            retrust_hint(entry),
        )),
        Ok(w) => Ok(Some(Checked {
            commits: w.verified,
            signer: w.tip_signer.as_ref().map(|s| s.person.clone()),
            key: w.tip_signer.map(|s| s.fingerprint),
        })),
        Err(WalkError::Git(e)) => Err(git_failure(e)),
        Err(WalkError::Refused(r)) => Err(r.error(
            name,
            "nothing was changed",
            format!(
                "this team accepts only commits signed by a key in the roster each answers to (docs/team-repos.md, \"Signed teams\"); ask the team about {} in {url}; your checkout stays at {}",
                super::git::short(r.commit),
                super::git::short(head)
            ),
        )),
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
            let trust = t
                .trust
                .get_or_insert_with(|| tcli_core::team_dirs::TrustRoot {
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

/// What the user asks of a team's signatures at `team add`.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    /// `--require-signed`.
    pub require_signed: bool,
    /// `--expect-key`, each `SHA256:...`.
    pub expect_keys: Vec<String>,
}

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
                return Err(CliError::usage(format!(
                    "--expect-key '{k}' is not a key fingerprint"
                ))
                .hint("fingerprints look like SHA256:Q8z0zdRlLAvgfOlurHHN0vV/C+MWEdaCOPfZt3Wthis (ssh-keygen -lf key.pub prints them)")
                .into());
            }
        }
        Ok(())
    }
}

/// The trust root `team add` takes, and the roster it shows.
pub(crate) struct Root {
    /// What goes in the registry; `None` for a team with no roster that nobody asked to sign.
    pub entry: Option<tcli_core::team_dirs::TrustRoot>,
    /// The roster at the cloned commit.
    pub roster: Roster,
    /// Why the roster was left out, for a repo that does not ask for signatures.
    pub warning: Option<String>,
}

/// Reads the roster at the commit `team add` cloned, checks `--expect-key`, and when the repo
/// or the user requires signatures, verifies that commit's own signature against it (trust on
/// first use: there is nothing older to check it against). Every refusal happens before the
/// clone is moved into place, so it leaves nothing behind.
pub(crate) fn take_root(
    repo: &Repository,
    name: &str,
    url: &str,
    head: Oid,
    wanted: &Wanted,
) -> anyhow::Result<Root> {
    let refuse = |what: String, hint: String| {
        super::failure(
            format!("team '{name}' at {url}: {what}; nothing was added"),
            hint,
        )
    };
    let mut rosters = Rosters::default();
    let mut warning = None;
    let roster = match rosters.at(repo, head).map_err(|e| {
        refuse(
            format!(
                "cannot read commit {}: {}",
                super::git::short(head),
                e.message()
            ),
            "check the repository with git fsck".to_string(),
        )
    })? {
        Ok(r) => r,
        Err(problem) => match &*problem {
            // A syntax error is reported as a warning by `add`, unless signatures are wanted.
            BadRoster::Syntax(_) if !wanted.require_signed && wanted.expect_keys.is_empty() => {
                Rc::new(Roster::default())
            }
            // So is a bad roster of a repo that does not ask for signatures: the team modules
            // name it where they read it, and nothing is checked against it.
            BadRoster::Roster(_)
                if !wanted.require_signed
                    && wanted.expect_keys.is_empty()
                    && !rosters.requires(repo, head).unwrap_or(true) =>
            {
                warning = Some(problem.to_string());
                Rc::new(Roster::default())
            }
            _ => {
                return Err(refuse(
                    problem.to_string(),
                    format!("ask the team to fix tcli.toml in {url}"),
                ))
            }
        },
    };
    let listed = |r: &Roster| {
        let fps = r.fingerprints();
        if fps.is_empty() {
            "the roster lists no keys".to_string()
        } else {
            format!("the roster lists: {}", fps.join(", "))
        }
    };
    // `--expect-key` names who the user trusts; it means nothing unless that person signed the
    // root and signing goes on from there, so it implies `--require-signed`.
    let expecting = !wanted.expect_keys.is_empty();
    let demand = wanted.require_signed || expecting;
    if wanted.require_signed && !expecting && roster.people.is_empty() {
        return Err(refuse(
            "--require-signed was given but the repo has no roster ([people.<id>] in tcli.toml) to check signatures against".to_string(),
            "ask the team to add a roster and sign their commits (docs/team-repos.md, \"Signed teams\"), or add the team without --require-signed".to_string(),
        ));
    }
    for k in &wanted.expect_keys {
        if roster.key(k).is_none() {
            return Err(refuse(
                format!("its roster does not list the expected key {k}"),
                format!(
                    "compare with the fingerprints your team publishes; {}",
                    listed(&roster)
                ),
            ));
        }
    }
    if expecting && !roster.require_signed {
        return Err(refuse(
            format!(
                "--expect-key was given but its tcli.toml at {} does not ask for signed commits ([trust] require-signed = true)",
                super::git::short(head)
            ),
            "ask the team to require signatures (docs/team-repos.md, \"Signed teams\"); a repo that does not sign its commits cannot show that the expected key vouches for it".to_string(),
        ));
    }
    let required = demand || roster.require_signed;
    let signer = if required {
        match verify_root(repo, &roster, head) {
            Ok(s) if expecting && !wanted.expect_keys.contains(&s.fingerprint) => {
                return Err(refuse(
                    format!(
                        "its commit {} is signed by people.{}'s key {}, not by an expected key ({})",
                        super::git::short(head),
                        s.person,
                        s.fingerprint,
                        wanted.expect_keys.join(", ")
                    ),
                    "the commit you start from must be signed by a key you expect: compare with the fingerprints your team publishes, or ask its owner to sign the tip".to_string(),
                ))
            }
            Ok(s) => Some(s),
            Err(WalkError::Refused(r)) => {
                return Err(r.error(
                    name,
                    "nothing was added",
                    format!(
                        "the commit a signed team is added at must be signed by a key of its own roster; {}",
                        listed(&roster)
                    ),
                ))
            }
            // verify_root reads no roster of its own.
            Err(WalkError::BadBase { problem, .. }) => {
                return Err(refuse(
                    problem.to_string(),
                    format!("ask the team to fix tcli.toml in {url}"),
                ))
            }
            Err(WalkError::Git(e)) => {
                return Err(refuse(
                    format!("cannot read commit {}: {}", super::git::short(head), e.message()),
                    "check the repository with git fsck".to_string(),
                ))
            }
        }
    } else {
        None
    };
    let entry = (!roster.people.is_empty() || demand).then(|| tcli_core::team_dirs::TrustRoot {
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
