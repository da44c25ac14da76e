//! What can be wrong with a module, as a type: sources record problems, `modules check`,
//! `modules which`, `tcli --help` and dispatch branch on the variant, and `Display` is the one
//! place each becomes the line a user reads (docs/cli.md shows them).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most of one docker label's value tcli reads (docs/docker-modules.md); the docker helper
/// cuts a longer one just past it, so a value longer than this was cut.
pub use tcli_helper::docker::LABEL_MAX;

/// One problem with a module. A module with problems is still listed; `ModuleInfo::runnable`
/// says whether it can run anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Problem {
    /// The name breaks the module-name rule.
    InvalidName {
        /// The name as found (sanitized).
        name: String,
        /// Where the name came from (a label), when not the file name.
        from: Option<String>,
        /// Why it is invalid.
        why: String,
    },
    /// An image opted in without saying its name.
    Unnamed {
        /// The label that names a module.
        label: String,
        /// The fallback label.
        fallback: String,
    },
    /// An entry of a verb declaration is not a verb.
    BadVerb {
        /// The declaration (`tcli-verbs`, `io.tcli.verbs`).
        from: String,
        /// The entry (sanitized).
        entry: String,
        /// Why.
        why: String,
    },
    /// A verb declaration longer than the cap; the rest is left out.
    TooManyVerbs {
        /// The declaration.
        from: String,
        /// The first entry left out.
        entry: String,
        /// The cap.
        max: usize,
    },
    /// The module's `--help` did not answer as the standard asks.
    Help(HelpFailure),
    /// A native library could not be read; the message names the file and the cause.
    Library {
        /// One line from the loader or the probe.
        message: String,
    },
    /// A team's module named as one tcli ships (a built-in or a bundled module), which no team
    /// can take.
    Shipped {
        /// The team.
        team: String,
    },
    /// A team's module whose name a team listed earlier also offers: the earlier team's runs.
    TakenByTeam {
        /// The team whose module this is.
        team: String,
        /// The earlier team, whose module of this name runs.
        first: String,
    },
    /// A native module declares no manifest of its verbs.
    NoManifest,
    /// A label value holds control characters.
    LabelControlChars {
        /// The label.
        label: String,
    },
    /// A label value is longer than what is shown.
    LabelTooLong {
        /// The label.
        label: String,
        /// Its length in bytes.
        bytes: usize,
        /// What is shown.
        max: usize,
    },
    /// `io.tcli.env` names variables that cannot exist.
    BadEnvNames {
        /// The label.
        label: String,
        /// How many.
        count: usize,
        /// The first one (sanitized).
        first: String,
    },
    /// A run-setting label has a value tcli cannot honour.
    BadLabelValue {
        /// The label.
        label: String,
        /// The value (sanitized).
        value: String,
        /// What it should be.
        expected: String,
    },
    /// An `io.tcli.*` label tcli does not know.
    UnknownLabel {
        /// The label (sanitized).
        label: String,
        /// The labels tcli knows.
        known: String,
    },
    /// A label that says how the module runs is longer than tcli reads ([`LABEL_MAX`]): its
    /// value was cut, so it cannot be trusted and the module does not run.
    LabelCut {
        /// The label (sanitized).
        label: String,
    },
    /// The team allows image prefixes and this image is under none of them.
    Untrusted {
        /// Its tags and digests (sanitized, at most three).
        refs: Vec<String>,
        /// The allowed prefixes.
        prefixes: Vec<String>,
        /// The settings key.
        key: String,
    },
    /// The team settings cannot be read, so no image is trusted.
    TrustUnknown {
        /// Why.
        why: String,
    },
    /// Another image claims the same name and wins.
    ImageShadowed {
        /// The winner's location.
        winner: String,
        /// The name.
        name: String,
        /// Why it wins.
        because: String,
    },
    /// The engine could not be reached; the module is shown from the cache.
    EngineUnavailable {
        /// The engine's error.
        reason: String,
    },
    /// A source plugin listed this name in an entry it had to skip, or listed it twice.
    SourceEntry(super::source_listing::BadEntry),
    /// A team pins native builds of the module, none for this machine's target.
    NoBuild {
        /// This machine's Rust target triple.
        triple: String,
        /// The triples the team pins builds for.
        builds: Vec<String>,
    },
    /// A pinned artifact is not where tcli put it (an image pruned, a store file deleted).
    PinnedMissing {
        /// The artifact (`image <ref>`, `library <path>`).
        artifact: String,
        /// The team that pins it.
        team: String,
    },
}

/// How a bounded run of a program (a module's `--help`, a source's `list`) ended without a
/// clean exit: one list of ways, read from a `prim::probe::Outcome` in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "run", rename_all = "kebab-case")]
pub enum RunFailure {
    /// The program could not be started.
    Spawn {
        /// The OS error.
        error: String,
    },
    /// It did not finish in time.
    Timeout {
        /// The limit in seconds.
        secs: u64,
    },
    /// It exited with a non-zero status.
    Exit {
        /// The status.
        code: i32,
        /// The first line of its stderr, when kept (sanitized).
        said: Option<String>,
    },
    /// It was killed by a signal.
    Signal,
}

impl RunFailure {
    /// Why `outcome` is not a clean exit, or `None` when it is. `said`: keep the first line of
    /// stderr of a non-zero exit.
    pub fn of(
        outcome: &crate::prim::probe::Outcome,
        timeout_secs: u64,
        said: bool,
    ) -> Option<RunFailure> {
        if let Some(error) = &outcome.spawn_error {
            return Some(RunFailure::Spawn {
                error: error.clone(),
            });
        }
        if outcome.timed_out {
            return Some(RunFailure::Timeout { secs: timeout_secs });
        }
        match outcome.code {
            Some(0) => None,
            Some(code) => Some(RunFailure::Exit {
                code,
                said: said
                    .then(|| {
                        String::from_utf8_lossy(&outcome.stderr)
                            .lines()
                            .map(|l| crate::prim::text::sanitize_line(l, 120))
                            .find(|l| !l.is_empty())
                    })
                    .flatten(),
            }),
            None => Some(RunFailure::Signal),
        }
    }

    /// The line for a run of `what` (`--help`, `list`).
    pub fn line(&self, what: &str) -> String {
        match self {
            RunFailure::Spawn { error } => format!("'{what}' cannot be started: {error}"),
            RunFailure::Timeout { secs } => format!("'{what}' did not finish within {secs} s"),
            RunFailure::Exit { code, said: None } => format!("'{what}' exited with status {code}"),
            RunFailure::Exit {
                code,
                said: Some(said),
            } => format!("'{what}' exited with status {code}: {said}"),
            RunFailure::Signal => format!("'{what}' was killed by a signal"),
        }
    }
}

/// How a `--help` run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "kebab-case")]
pub enum HelpFailure {
    /// It did not exit 0 in time.
    Run(RunFailure),
    /// It printed nothing on stdout.
    Empty,
    /// It printed binary data.
    Binary,
}

impl HelpFailure {
    /// Why a `--help` run does not count as a working one, or `None` when it does: exit 0 and
    /// text on stdout, in time. `said`: keep the first line of stderr of a non-zero exit.
    pub fn of(
        outcome: &crate::prim::probe::Outcome,
        timeout_secs: u64,
        said: bool,
    ) -> Option<HelpFailure> {
        let printed = if outcome.stdout.iter().all(u8::is_ascii_whitespace) {
            Some(HelpFailure::Empty)
        } else {
            (!outcome.is_text()).then_some(HelpFailure::Binary)
        };
        RunFailure::of(outcome, timeout_secs, said)
            .map(HelpFailure::Run)
            .or(printed)
    }
}

impl fmt::Display for HelpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The module itself could not start: that is about the module, not its `--help`.
            HelpFailure::Run(RunFailure::Spawn { error }) => {
                write!(f, "cannot be started: {error}")
            }
            HelpFailure::Run(run) => f.write_str(&run.line("--help")),
            HelpFailure::Empty => f.write_str("'--help' printed nothing on stdout"),
            HelpFailure::Binary => f.write_str("'--help' printed binary data, not text"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::InvalidName {
                name,
                from: None,
                why,
            } => write!(f, "invalid module name {name:?}: {why}"),
            Problem::InvalidName {
                name,
                from: Some(from),
                why,
            } => write!(f, "invalid module name {name:?} (from {from}): {why}"),
            Problem::Shipped { team } => write!(
                f,
                "team '{team}' cannot take this name: tcli ships a module of that name"
            ),
            Problem::TakenByTeam { team, first } => write!(
                f,
                "not used: team '{first}', listed before team '{team}', offers a module of this name"
            ),
            Problem::Unnamed { label, fallback } => {
                write!(f, "no module name: set {label}=<name> (or {fallback})")
            }
            Problem::BadVerb { from, entry, why } => {
                write!(f, "{from}: {entry:?} is not a verb: {why}")
            }
            Problem::TooManyVerbs { from, entry, max } => write!(
                f,
                "{from}: more than {max} verbs; {entry:?} and the rest are left out"
            ),
            Problem::Help(h) => h.fmt(f),
            Problem::Library { message } => f.write_str(message),
            Problem::NoManifest => f.write_str("the module gives no manifest of its verbs"),
            Problem::LabelControlChars { .. }
            | Problem::LabelTooLong { .. }
            | Problem::BadEnvNames { .. }
            | Problem::BadLabelValue { .. }
            | Problem::UnknownLabel { .. }
            | Problem::LabelCut { .. }
            | Problem::Untrusted { .. }
            | Problem::TrustUnknown { .. }
            | Problem::ImageShadowed { .. }
            | Problem::EngineUnavailable { .. } => self.fmt_image(f),
            Problem::SourceEntry(bad) => bad.fmt(f),
            Problem::NoBuild { triple, builds } => write!(
                f,
                "no build for {triple} (the team pins builds for {})",
                builds.join(", ")
            ),
            Problem::PinnedMissing { artifact, team } => write!(
                f,
                "the pinned {artifact} is missing (restore it: tcli team update {team})"
            ),
        }
    }
}

impl Problem {
    /// The text of a docker image's problem: its labels, its trust, the engine.
    fn fmt_image(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::LabelControlChars { label } => {
                write!(f, "{label} contains control characters (shown as spaces)")
            }
            Problem::LabelTooLong { label, bytes, max } if *bytes > LABEL_MAX => write!(
                f,
                "{label} is over {LABEL_MAX} bytes long; shown cut to {max} characters"
            ),
            Problem::LabelTooLong { label, bytes, max } => write!(
                f,
                "{label} is {bytes} bytes long; shown cut to {max} characters"
            ),
            Problem::BadEnvNames {
                label,
                count,
                first,
            } => write!(
                f,
                "{label}: {count} invalid variable name{} ignored, first {first:?}",
                if *count == 1 { "" } else { "s" }
            ),
            Problem::BadLabelValue {
                label,
                value,
                expected,
            } => write!(f, "{label}={value:?}: expected {expected}"),
            Problem::UnknownLabel { label, known } => {
                write!(f, "unknown label {label} (known: {known})")
            }
            Problem::LabelCut { label } => write!(
                f,
                "{label} is over {LABEL_MAX} bytes long, so tcli did not read it whole and will not run the module"
            ),
            Problem::Untrusted {
                refs,
                prefixes,
                key,
            } => {
                let whose = if refs.is_empty() {
                    "it has no tag, so it is".to_string()
                } else {
                    format!("its tags ({}) are", refs.join(", "))
                };
                write!(
                    f,
                    "untrusted: {whose} under none of the allowed prefixes ({}) of [docker] {key}",
                    prefixes.join(", ")
                )
            }
            Problem::TrustUnknown { why } => {
                write!(f, "untrusted: the team settings cannot be read ({why})")
            }
            Problem::ImageShadowed {
                winner,
                name,
                because,
            } => write!(
                f,
                "shadowed: image {winner} also claims '{name}' and wins ({because})"
            ),
            Problem::EngineUnavailable { reason } => {
                write!(f, "unavailable: Docker engine not reachable: {reason}")
            }
            // Every other problem is written by `Display::fmt` itself.
            _ => Ok(()),
        }
    }
}
