//! Everything a `tcli team` verb can refuse or fail at, as one typed enum, and the one place
//! that turns it into what a user sees: the `error:` line (its `Display`), the `hint:` line
//! ([`TeamError::hint`]) and the exit status ([`TeamError::code`]); [`report`] prints them.
//! Code branches on variants, never on message text. Errors of tcli itself (the registry, a
//! lock, a file that cannot be written) stay `tcli_core`'s and are printed the same way.

use std::path::PathBuf;
use tcli_core::team::sh;
use tcli_plugin_sdk::exit;

/// The hint of a verb that found no team to work on.
pub(crate) const NO_TEAMS: &str = "no team repos yet; add one with 'tcli team add <url>'";

/// The hint of `team verify` when no team has anything to verify.
pub(crate) const NO_TRUST_ROOTS: &str =
    "no team has a trust root; 'tcli team add <url>' records one for a repo with a roster";

/// What was left alone when a verb stopped: the tail of an `error:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Untouched {
    /// `team update`: neither the checkout nor the store moved.
    Nothing,
    /// `team verify`: the checkout is as it was.
    Checkout,
}

impl std::fmt::Display for Untouched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Untouched::Nothing => "nothing was changed",
            Untouched::Checkout => "the checkout was not changed",
        })
    }
}

/// A commit a signed team refuses, named by its author and summary (already made inert).
#[derive(Debug)]
pub(crate) struct RefusedCommit {
    /// The commit, shortened.
    pub commit: String,
    /// `Name <email>`.
    pub author: String,
    /// Its summary line.
    pub summary: String,
    /// Why it is refused.
    pub reason: String,
}

impl std::fmt::Display for RefusedCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "commit {} by {} (\"{}\") is refused: {}",
            self.commit, self.author, self.summary, self.reason
        )
    }
}

/// Why a pinned image could not be pulled.
#[derive(Debug)]
pub(crate) enum PullProblem {
    /// The docker helper could not be started.
    Helper(String),
    /// The engine could not be used.
    Engine { host: String, why: String },
    /// The registry refused or does not have the digest.
    Registry { registry: String, why: String },
    /// What was pulled does not carry the pinned digest.
    Mismatch(String),
}

/// Why a pinned library could not be taken.
#[derive(Debug)]
pub(crate) enum LibraryProblem {
    /// Its descriptor names another module.
    WrongName(String),
    /// The download failed; `fix` is the one for its kind of failure.
    Download { why: String, fix: DownloadFix },
    /// git could not read the file from the commit.
    Blob(String),
    /// The pinned path is not a file of the commit.
    NotInCommit { path: String, commit: String },
    /// The bytes in the commit are not the pinned ones.
    Digest { got: String, want: String },
    /// tcli cannot load it.
    Probe(String),
}

/// The fix for a failed download, by what failed.
#[derive(Debug)]
pub(crate) enum DownloadFix {
    /// The bytes differ from the pin.
    Digest,
    /// The server answered with an error status.
    Status(String),
    /// Over the size limit.
    TooLarge,
    /// The URL, or a redirect it sent, breaks the URL rule.
    Url,
    /// Anything else: the server could not be reached or the transfer broke.
    Reach(String),
}

/// A failure of a `tcli team` verb.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum TeamError {
    #[error("{helper} is tcli's git helper, not a command (protocol: docs/helpers.md)")]
    NotACommand { helper: &'static str },
    #[error("a team named '{team}' already exists ({existing})")]
    NameTaken { team: String, existing: String },
    #[error("--expect-key '{0}' is not a key fingerprint")]
    BadFingerprint(String),
    #[error("cannot clone team '{team}' from {url}: {why}; nothing was added")]
    Clone {
        team: String,
        url: String,
        why: String,
    },
    #[error("team '{team}' at {url} has no commits yet; nothing was added")]
    EmptyRepo { team: String, url: String },
    #[error("team '{team}' at {url} is not on a branch, so it has no commit to take as its trust root; nothing was added")]
    NoBranchForRoot { team: String, url: String },
    #[error("cannot read tcli.toml of team '{team}': {why}")]
    AddSettings { team: String, why: String },
    #[error("team '{team}' at {url}: cannot read commit {commit}: {why}; nothing was added")]
    AddUnreadable {
        team: String,
        url: String,
        commit: String,
        why: String,
    },
    #[error("team '{team}' at {url}: {problem}; nothing was added")]
    AddBadRoster {
        team: String,
        url: String,
        problem: String,
    },
    #[error("team '{team}' at {url}: --require-signed was given but the repo has no roster ([people.<id>] in tcli.toml) to check signatures against; nothing was added")]
    RequireSignedNoRoster { team: String, url: String },
    #[error("team '{team}' at {url}: its roster does not list the expected key {key}; nothing was added")]
    ExpectedKeyMissing {
        team: String,
        url: String,
        key: String,
        listed: String,
    },
    #[error("team '{team}' at {url}: --expect-key was given but its tcli.toml at {commit} does not ask for signed commits ([trust] require-signed = true); nothing was added")]
    ExpectKeyUnsigned {
        team: String,
        url: String,
        commit: String,
    },
    #[error("team '{team}' at {url}: its commit {commit} is signed by people.{person}'s key {key}, not by an expected key ({expected}); nothing was added")]
    WrongRootSigner {
        team: String,
        url: String,
        commit: String,
        person: String,
        key: String,
        expected: String,
    },
    #[error("team '{team}': {commit}; nothing was added")]
    AddRefused {
        team: String,
        commit: RefusedCommit,
        listed: String,
    },
    #[error("team '{team}' has {work} in {}; nothing was removed", dir.display())]
    LocalWork {
        team: String,
        work: String,
        dir: PathBuf,
    },
    #[error("cannot tell whether {} holds unpushed work: {why}; nothing was removed", dir.display())]
    CannotTell { dir: PathBuf, why: String },
    #[error("the checkout of team '{team}' at {} is not a git repository: {why}", dir.display())]
    NotARepo {
        team: String,
        url: String,
        dir: PathBuf,
        why: String,
        /// The team has a trust record: it is added again against a published key.
        signed: bool,
    },
    #[error("git failed on team '{team}' in {}: {why}", dir.display())]
    Git {
        team: String,
        dir: PathBuf,
        why: String,
    },
    #[error("team '{team}' is not on a branch (HEAD is detached at {commit}) in {}; nothing was updated", dir.display())]
    Detached {
        team: String,
        commit: String,
        dir: PathBuf,
    },
    #[error("team '{team}' has no commits yet in {}", dir.display())]
    Unborn {
        team: String,
        dir: PathBuf,
        /// The team's URL when it has a trust record: what a pull brings is not verified.
        signed: Option<String>,
    },
    #[error("branch '{branch}' of team '{team}' has no upstream in {}; nothing was updated", dir.display())]
    NoUpstream {
        team: String,
        branch: String,
        dir: PathBuf,
    },
    #[error("team '{team}' has uncommitted changes ({first}{more}) in {}; nothing was updated", dir.display())]
    Uncommitted {
        team: String,
        first: String,
        more: String,
        dir: PathBuf,
        /// A team with a trust record: its checkout takes only verified files, so the hint
        /// never puts the changes back.
        signed: bool,
    },
    #[error("cannot fetch team '{team}' from {url}: {why}; nothing was changed")]
    Fetch {
        team: String,
        url: String,
        why: String,
        dir: PathBuf,
    },
    #[error("team '{team}': the upstream {upstream} of branch '{branch}' does not exist on {url}")]
    UpstreamGone {
        team: String,
        upstream: String,
        branch: String,
        url: String,
        dir: PathBuf,
    },
    #[error("the history of team '{team}' was rewritten upstream ({upstream} was force-pushed); nothing was changed")]
    RewrittenSigned {
        team: String,
        upstream: String,
        url: String,
    },
    #[error("the history of team '{team}' was rewritten upstream ({upstream} was force-pushed); nothing was changed")]
    RewrittenNoOwn {
        team: String,
        upstream: String,
        dir: PathBuf,
    },
    #[error("the history of team '{team}' was rewritten upstream ({upstream} was force-pushed) and you have {own} of your own on it; nothing was changed")]
    RewrittenWithOwn {
        team: String,
        upstream: String,
        own: String,
        dir: PathBuf,
    },
    #[error("team '{team}' has diverged from {upstream}: {ahead} of yours not pushed, {behind} new upstream; nothing was changed")]
    Diverged {
        team: String,
        upstream: String,
        ahead: String,
        behind: String,
        dir: PathBuf,
    },
    #[error("team '{team}' has diverged from {upstream}: {ahead} of yours not pushed, {behind} new upstream; nothing was changed")]
    DivergedSigned {
        team: String,
        upstream: String,
        ahead: String,
        behind: String,
        dir: PathBuf,
        /// The last commit both sides share.
        base: String,
    },
    #[error("the new tcli.toml of team '{team}' ({commit}) has a syntax error{line}: {why}; nothing was changed")]
    NewSettingsSyntax {
        team: String,
        commit: String,
        line: String,
        why: String,
        url: String,
        head: String,
    },
    #[error("team '{team}': its {what}; nothing was changed")]
    SettingsTooLarge { team: String, what: String },
    #[error("team '{team}' ({commit}): bin/tcli-{module} takes the name of a module tcli ships, which no team can take; nothing was changed")]
    ShippedName {
        team: String,
        commit: String,
        module: String,
    },
    #[error("cannot fast-forward team '{team}' in {}: {why}; nothing was changed", dir.display())]
    FastForward {
        team: String,
        dir: PathBuf,
        why: String,
        /// The commit that could not be checked out, shortened.
        commit: String,
        url: String,
    },
    #[error("cannot fast-forward team '{team}' in {}: {why}; putting the checkout back failed too ({restore})", dir.display())]
    FastForwardLeft {
        team: String,
        dir: PathBuf,
        why: String,
        restore: String,
    },
    #[error("git failed verifying team '{team}': {why}")]
    GitChecking { team: String, why: String },
    #[error("team '{team}': {what}; {untouched}")]
    NotRegular {
        team: String,
        /// The file and what it is, as `team::files` describes it.
        what: String,
        /// Its path in the tree.
        path: String,
        /// What it must be.
        want: &'static str,
        untouched: &'static str,
    },
    #[error("team '{team}': the new commit {commit} is refused: {problem}; nothing was changed")]
    NewRosterRefused {
        team: String,
        commit: String,
        problem: String,
        url: String,
        head: String,
    },
    #[error("team '{team}': {what} {commit} does not contain the last verified commit {verified}; the history was rewritten; nothing was changed")]
    LeftVerified {
        team: String,
        what: &'static str,
        commit: String,
        verified: String,
        url: String,
    },
    #[error("team '{team}': the roster every new commit is checked against, tcli.toml at commit {commit}, is unusable: {problem}; {untouched}")]
    BadBase {
        team: String,
        commit: String,
        problem: String,
        untouched: Untouched,
        url: String,
    },
    #[error("team '{team}': the checkout was moved outside tcli from the last verified commit {verified} to {head}, and {why}; nothing was changed")]
    MovedByHand {
        team: String,
        head: String,
        verified: String,
        why: String,
        dir: PathBuf,
    },
    #[error("team '{team}': {commit}; nothing was changed")]
    UpdateRefused {
        team: String,
        commit: RefusedCommit,
        url: String,
        head: String,
    },
    #[error("team '{team}' has no trust root: its repo had no roster when it was added")]
    NoTrustRoot { team: String, url: String },
    #[error("git failed verifying team '{team}' in {}: {why}", dir.display())]
    GitVerifying {
        team: String,
        dir: PathBuf,
        why: String,
    },
    #[error("team '{team}': HEAD {head} does not descend from the trust root {root}; the history was rewritten")]
    OffRoot {
        team: String,
        head: String,
        root: String,
        url: String,
    },
    #[error("team '{team}': {commit}; the checkout was not changed")]
    VerifyRefused {
        team: String,
        commit: RefusedCommit,
        url: String,
        /// The checkout and its last verified commit, when HEAD descends from it.
        back: Option<(PathBuf, String)>,
    },
    #[error("team '{team}': the roster in {} is invalid: {why}", path.display())]
    PeopleRoster {
        team: String,
        path: PathBuf,
        why: String,
    },
    #[error("the record of pinned modules: {why}; nothing was changed")]
    PinsRecord { why: String, path: PathBuf },
    #[error("team '{team}' ({commit}): tcli.toml [{key}]: {why}{}", if *.last { "; nothing was changed" } else { "" })]
    BadPin {
        team: String,
        commit: String,
        key: String,
        why: String,
        fix: String,
        /// The last bad entry, the one returned; the others are printed before it.
        last: bool,
    },
    #[error("interrupted while fetching the pinned modules of team '{team}'; nothing was changed")]
    Interrupted { team: String, signal: i32 },
    #[error("interrupted while fetching team '{team}' from {url}; nothing was changed")]
    TransferInterrupted {
        team: String,
        url: String,
        signal: i32,
    },
    #[error("team '{team}': cannot pull module '{module}' ({reference}): {}; nothing was changed", problem.why())]
    Pull {
        team: String,
        module: String,
        reference: String,
        problem: PullProblem,
    },
    #[error("team '{team}': module '{module}', library {from}: {}; nothing was changed", problem.why(module))]
    Library {
        team: String,
        module: String,
        from: String,
        problem: LibraryProblem,
    },
}

impl TeamError {
    /// The exit status: 2 for a usage error, 128+n when a signal stopped the verb, else 1.
    pub(crate) fn code(&self) -> u8 {
        match self {
            TeamError::NotACommand { .. }
            | TeamError::NameTaken { .. }
            | TeamError::BadFingerprint(_) => exit::USAGE,
            TeamError::Interrupted { signal, .. }
            | TeamError::TransferInterrupted { signal, .. } => exit::signal(*signal),
            _ => exit::FAILURE,
        }
    }

    /// The fix, for the `hint:` line.
    pub(crate) fn hint(&self) -> Option<String> {
        use TeamError as E;
        Some(match self {
            E::NotACommand { .. } => "run 'tcli team' instead".into(),
            E::NameTaken { team, .. } => format!(
                "choose another name with --name, or remove it first: tcli team remove {team}"
            ),
            E::BadFingerprint(_) => "fingerprints look like SHA256:Q8z0zdRlLAvgfOlurHHN0vV/C+MWEdaCOPfZt3Wthis (ssh-keygen -lf key.pub prints them)".into(),
            E::Clone { url, .. } => format!(
                "check the URL and that git reaches it with your ssh config and credentials: git ls-remote -- {}",
                sh(std::path::Path::new(url))
            ),
            E::EmptyRepo { url, .. } => format!(
                "push a first commit (a bin/tcli-<module> or a tcli.toml), then run 'tcli team add -- {}' again",
                sh(std::path::Path::new(url))
            ),
            E::NoBranchForRoot { .. } => {
                "ask the team to set the default branch of the repository".into()
            }
            E::AddSettings { .. } => "check the repository with git fsck; nothing was added".into(),
            E::AddUnreadable { .. } => "check the repository with git fsck".into(),
            E::AddBadRoster { url, .. } => format!("ask the team to fix tcli.toml in {url}"),
            E::RequireSignedNoRoster { .. } => "ask the team to add a roster and sign their commits (docs/team-repos.md, \"Signed teams\"), or add the team without --require-signed".into(),
            E::ExpectedKeyMissing { listed, .. } => format!(
                "compare with the fingerprints your team publishes; {listed}"
            ),
            E::ExpectKeyUnsigned { .. } => "ask the team to require signatures (docs/team-repos.md, \"Signed teams\"); a repo that does not sign its commits cannot show that the expected key vouches for it".into(),
            E::WrongRootSigner { .. } => "the commit you start from must be signed by a key you expect: compare with the fingerprints your team publishes, or ask its owner to sign the tip".into(),
            E::AddRefused { listed, .. } => format!(
                "the commit a signed team is added at must be signed by a key of its own roster; {listed}"
            ),
            E::NoTrustRoot { team, url } => format!(
                "to check signatures from now on: tcli team remove {team} && tcli team add {url} --name {team} --require-signed"
            ),
            E::OffRoot { team, url, .. } => format!(
                "if the team rewrote its history on purpose, take a new trust root: {}",
                new_root(team, url)
            ),
            E::VerifyRefused {
                back: Some((dir, verified)),
                ..
            } => format!(
                "this commit did not come through 'tcli team update'; go back to the last verified commit, which takes no unverified history: git -C {} reset --keep {verified}",
                sh(dir)
            ),
            E::VerifyRefused { team, url, .. } => format!(
                "this commit did not come through 'tcli team update'; 'tcli team update {team}' will not build on it; take a new trust root: {}",
                new_root(team, url)
            ),
            E::PeopleRoster { .. } => {
                "ask the team to fix tcli.toml; 'tcli team update' refuses such a file".into()
            }
            E::PinsRecord { path, .. } => {
                let path = path.display();
                format!("move it aside (mv {path} {path}.bad), then run tcli team update: each pin is checked again")
            }
            E::BadPin { fix, .. } => fix.clone(),
            E::NotRegular { path, want, .. } => format!(
                "ask the team to commit {path} as {want}: tcli reads only regular files from a team's repo, never what a symlink points to (docs/team-repos.md, \"Layout\")"
            ),
            E::Interrupted { .. } | E::TransferInterrupted { .. } => return None,
            E::Pull { problem, .. } => problem.fix(),
            E::Library { problem, .. } => problem.fix(),
            _ => return self.checkout_hint(),
        })
    }

    /// The fix for a checkout `team update` or `team remove` refuses: the git command that
    /// gets it unstuck.
    fn checkout_hint(&self) -> Option<String> {
        use TeamError as E;
        Some(match self {
            E::LocalWork { team, dir, .. } => format!(
                "push or save that work first (git -C {} status), or remove it anyway, losing it: tcli team remove {team} --force",
                sh(dir)
            ),
            E::CannotTell { .. } => {
                "look at it yourself, then remove it anyway with --force".into()
            }
            E::NotARepo {
                team,
                url,
                dir,
                signed,
                ..
            } => format!(
                "move it aside and clone again: mv {0} {0}.bak && tcli team remove {team} && tcli team add {url} --name {team}{1}",
                sh(dir),
                if *signed { EXPECT_KEY } else { "" }
            ),
            E::Git { dir, .. } | E::GitVerifying { dir, .. } => {
                format!("see its state: git -C {} status", sh(dir))
            }
            E::Detached { dir, .. } => format!(
                "switch back to its branch: git -C {} switch <branch> (git -C {0} branch lists them)",
                sh(dir)
            ),
            E::Unborn {
                team,
                signed: Some(url),
                ..
            } => format!(
                "tcli takes only verified history into a signed team's checkout; take a new trust root: {}",
                new_root(team, url)
            ),
            E::Unborn { dir, .. } => format!(
                "push a first commit to its remote, then get it: git -C {} pull",
                sh(dir)
            ),
            E::NoUpstream { branch, dir, .. } => format!(
                "say which remote branch it follows: git -C {} branch --set-upstream-to origin/{branch}",
                sh(dir)
            ),
            E::Uncommitted {
                team,
                dir,
                signed: true,
                ..
            } => format!(
                "a signed team's checkout holds only verified files: put them back (this drops your changes there; copy what you need first): git -C {0} reset -q --hard && git -C {0} clean -fdq && tcli team update {team}",
                sh(dir)
            ),
            E::Uncommitted { team, dir, .. } => format!(
                "commit them, or set them aside around the update: git -C {0} stash -u && tcli team update {team} && git -C {0} stash pop",
                sh(dir)
            ),
            E::Fetch { team, dir, .. } => format!(
                "check that git reaches the remote with your ssh config and credentials (git -C {} ls-remote), then run 'tcli team update {team}' again",
                sh(dir)
            ),
            E::UpstreamGone { dir, .. } => format!(
                "track a branch that exists: git -C {} branch -r lists them; then git -C {0} branch --set-upstream-to <remote>/<branch>",
                sh(dir)
            ),
            _ => return self.history_hint(),
        })
    }

    /// The fix for an update refused by what the remote's history holds (a rewrite, a
    /// divergence, a commit that cannot be taken or written).
    fn history_hint(&self) -> Option<String> {
        use TeamError as E;
        Some(match self {
            E::RewrittenSigned { team, url, .. }
            | E::LeftVerified { team, url, .. }
            | E::BadBase { team, url, .. } => retrust(team, url),
            E::RewrittenNoOwn { upstream, dir, .. } => format!(
                "your checkout has no commits of its own; to take the new history: git -C {} reset --keep {upstream}",
                sh(dir)
            ),
            E::RewrittenWithOwn { dir, .. } => format!(
                "move your commits onto the new history: git -C {} pull --rebase",
                sh(dir)
            ),
            E::Diverged { dir, .. } => format!(
                "put your commits on top and push them: git -C {0} pull --rebase && git -C {0} push",
                sh(dir)
            ),
            // Never a pull: what the remote serves is not verified until `team update` takes it.
            E::DivergedSigned { team, dir, base, .. } => format!(
                "tcli brings only verified history into a signed team's checkout, so it does not merge or rebase there; push your commits from a clone of your own, then drop them here (git's reflog keeps them) and update: git -C {} reset --keep {base} && tcli team update {team}",
                sh(dir)
            ),
            E::NewSettingsSyntax { url, head, .. } | E::NewRosterRefused { url, head, .. } => {
                format!("ask the team to fix tcli.toml in {url}; your checkout stays at {head} until then")
            }
            E::ShippedName { module, .. } => format!(
                "ask the team to rename bin/tcli-{module}: 'tcli {module}' runs the module tcli ships (docs/team-repos.md, \"Module names\")"
            ),
            E::SettingsTooLarge { .. } => {
                "ask the team to keep data out of tcli.toml; it holds settings only".into()
            }
            E::FastForward { dir, commit, url, .. } => format!(
                "see whether a file of yours is in the way (git -C {} status --ignored), or ask the team about commit {commit} in {url}",
                sh(dir)
            ),
            // The checkout was clean before (update refuses otherwise): what is untracked now
            // is what the failed checkout wrote.
            E::FastForwardLeft { dir, .. } => format!(
                "put it back as it was: git -C {0} reset -q --hard HEAD && git -C {0} clean -fdq",
                sh(dir)
            ),
            E::MovedByHand { verified, dir, .. } => format!(
                "go back to the last verified commit, which takes no unverified history: git -C {} reset --keep {verified}",
                sh(dir)
            ),
            E::GitChecking { .. } => "see the repository's state with git status".into(),
            E::UpdateRefused { commit, url, head, .. } => format!(
                "this team accepts only commits signed by a key that every roster it answers to lists (docs/team-repos.md, \"Signed teams\"); ask the team about {} in {url}; your checkout stays at {head}",
                commit.commit
            ),
            _ => return None,
        })
    }
}

/// The way back for a signed team whose checkout left its verified history: check it, or take
/// a new trust root against fingerprints the team publishes. Never a `git reset` to what the
/// remote serves: that would take the very history that was refused.
pub(crate) fn retrust(team: &str, url: &str) -> String {
    format!(
        "keep the history you have; check the checkout with 'tcli team verify {team}', or if the team rewrote its history on purpose take a new trust root: {}",
        new_root(team, url)
    )
}

/// What a signed team is added again with: a key compared with what the team publishes.
const EXPECT_KEY: &str = " --expect-key <a fingerprint your team publishes>";

/// A new trust root. `--force`: the checkout holds the history being given up (commits the
/// rewritten remote no longer has), which `team remove` alone refuses to delete.
fn new_root(team: &str, url: &str) -> String {
    format!("tcli team remove {team} --force && tcli team add {url} --name {team}{EXPECT_KEY}")
}

impl PullProblem {
    fn why(&self) -> String {
        match self {
            PullProblem::Helper(why) | PullProblem::Mismatch(why) => why.clone(),
            PullProblem::Engine { host, why } => format!("the Docker engine at {host}: {why}"),
            PullProblem::Registry { registry, why } => format!("registry {registry}: {why}"),
        }
    }

    fn fix(&self) -> String {
        match self {
            PullProblem::Helper(_) => "reinstall tcli (./install.sh)".into(),
            PullProblem::Engine { .. } => {
                "start the Docker engine (or fix DOCKER_HOST), then run the command again".into()
            }
            PullProblem::Registry { registry, .. } => format!(
                "check that {registry} is reachable and has that digest, and log in if it is private (docker login {registry}); then run the command again"
            ),
            PullProblem::Mismatch(_) => "ask the team to check the digest in tcli.toml (docker buildx imagetools inspect <ref>)".into(),
        }
    }
}

impl LibraryProblem {
    fn why(&self, module: &str) -> String {
        match self {
            LibraryProblem::WrongName(named) => {
                format!("its descriptor names module '{named}', not '{module}'")
            }
            LibraryProblem::Download { why, .. }
            | LibraryProblem::Blob(why)
            | LibraryProblem::Probe(why) => why.clone(),
            LibraryProblem::NotInCommit { path, commit } => {
                format!("{path} is not a file in commit {commit}")
            }
            LibraryProblem::Digest { got, want } => {
                format!("its sha256 is {got}, the pin says {want}")
            }
        }
    }

    fn fix(&self) -> String {
        match self {
            LibraryProblem::WrongName(_) => {
                "ask the team to pin it under its own name in tcli.toml".into()
            }
            LibraryProblem::Download { fix, .. } => match fix {
                DownloadFix::Digest => "the file differs from the pin: ask the team to check sha256 in tcli.toml (sha256sum <file>)".into(),
                DownloadFix::Status(url) => format!("check that {url} exists (curl -I {url})"),
                DownloadFix::TooLarge => "ask the team to ship a smaller library".into(),
                DownloadFix::Url => "ask the team to pin the URL the library is served from, over https (a redirect is followed only to https, or to http on loopback: docs/helpers.md)".into(),
                DownloadFix::Reach(url) => {
                    format!("check that {url} is reachable, then run the command again")
                }
            },
            LibraryProblem::Blob(_) => "see the repo: git log".into(),
            LibraryProblem::NotInCommit { .. } => {
                "ask the team to commit the file, or fix path in tcli.toml".into()
            }
            LibraryProblem::Digest { .. } => {
                "ask the team to check sha256 in tcli.toml (sha256sum <file>)".into()
            }
            LibraryProblem::Probe(_) => "ask the team to build it against this tcli's plugin SDK (tcli modules check shows the ABI)".into(),
        }
    }
}

/// The `TeamError` anywhere in `err`'s chain.
fn team_error(err: &anyhow::Error) -> Option<&TeamError> {
    err.chain().find_map(|e| e.downcast_ref::<TeamError>())
}

/// The one place tcli_git prints an error: `error:` (and `caused by:`) lines, then the hint of
/// a [`TeamError`] or of tcli's own error.
pub(crate) fn report(err: &anyhow::Error) {
    tcli_core::ui::error_lines(err);
    // One hint: the team error's, else core's (a chain can hold both).
    if let Some(h) = hint(err) {
        tcli_core::ui::hint(&h);
    }
}

/// The exit status for `err`.
pub(crate) fn code(err: &anyhow::Error) -> u8 {
    team_error(err).map_or_else(|| tcli_core::error::exit_of(err).code(), TeamError::code)
}

/// The hint for `err`, as `--json` shows it.
pub(crate) fn hint(err: &anyhow::Error) -> Option<String> {
    team_error(err)
        .and_then(TeamError::hint)
        .or_else(|| tcli_core::error::hint_of(err))
}

/// Whether a signal stopped the verb: the caller stops too, once it has said what it did.
pub(crate) fn interrupted(err: &anyhow::Error) -> bool {
    matches!(
        team_error(err),
        Some(TeamError::Interrupted { .. } | TeamError::TransferInterrupted { .. })
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_usage_signal_or_failure() {
        assert_eq!(TeamError::BadFingerprint("x".into()).code(), 2);
        let ctrl_c = TeamError::Interrupted {
            team: "acme".into(),
            signal: 2,
        };
        assert_eq!(ctrl_c.code(), 130);
        assert_eq!(ctrl_c.hint(), None);
        let in_git = TeamError::TransferInterrupted {
            team: "acme".into(),
            url: "teamgit:acme.git".into(),
            signal: 15,
        };
        assert_eq!(in_git.code(), 143);
        assert_eq!(in_git.hint(), None);
        assert!(interrupted(&in_git.into()));
        let clone = TeamError::Clone {
            team: "acme".into(),
            url: "ext::sh -c x".into(),
            why: "x".into(),
        };
        assert_eq!(
            clone.hint().unwrap(),
            "check the URL and that git reaches it with your ssh config and credentials: git ls-remote -- 'ext::sh -c x'"
        );
        let detached = TeamError::Detached {
            team: "acme".into(),
            commit: "abc1234".into(),
            dir: "/t/my acme".into(),
        };
        assert_eq!(detached.code(), 1);
    }

    #[test]
    fn messages_and_hints_name_the_team_and_quote_the_dir() {
        let e = TeamError::Uncommitted {
            team: "acme".into(),
            first: "bin/tcli-x".into(),
            more: crate::team::and_more(3),
            dir: "/t/my acme".into(),
            signed: false,
        };
        assert_eq!(
            e.to_string(),
            "team 'acme' has uncommitted changes (bin/tcli-x and 2 more) in /t/my acme; nothing was updated"
        );
        assert_eq!(
            e.hint().unwrap(),
            "commit them, or set them aside around the update: git -C '/t/my acme' stash -u && tcli team update acme && git -C '/t/my acme' stash pop"
        );
    }

    #[test]
    fn the_one_place_finds_a_team_error_behind_context() {
        let err = anyhow::Error::from(TeamError::NoTrustRoot {
            team: "acme".into(),
            url: "/srv/acme.git".into(),
        })
        .context("while verifying");
        assert_eq!(code(&err), 1);
        assert!(hint(&err)
            .unwrap()
            .ends_with("--name acme --require-signed"));
        assert!(!interrupted(&err));
    }
}
