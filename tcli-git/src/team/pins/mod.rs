//! Pinned modules for `team add` and `team update` (docs/team-repos.md, "Pinning"): checking a
//! commit's `[modules]` and applying them: every artifact it pins is fetched into the store
//! before the checkout moves (`fetch`), then what is pinned is recorded and what no team pins
//! any more removed (`store`). All of it under one store lock, so two updates sharing an
//! artifact never see the store half-written or prune what the other is about to record.

mod fetch;
mod store;

pub(crate) use store::{missing, prune, record};

use super::git;
use crate::errors::TeamError;
use git2::{Oid, Repository};
use serde::Serialize;
use std::fs::File;
use tcli_core::context::Context;
use tcli_core::model::pin::{self, Artifact, Pin, Pinned, TeamPins};
use tcli_core::sources::pinned;

/// What happened to one artifact, for the report and `--json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArtifactReport {
    /// The module.
    pub module: String,
    /// The image reference or the library's source.
    pub artifact: String,
    /// `fetched`, `reused` or `removed`.
    pub action: Action,
}

/// See [`ArtifactReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Action {
    /// Pulled, downloaded or read from the repo now.
    Fetched,
    /// Already in the engine or the store.
    Reused,
    /// No team pins it any more; tcli removed what it had fetched.
    Removed,
}

/// The lock every change to the store is made under.
pub(crate) fn lock(cx: &Context) -> anyhow::Result<File> {
    super::lock_file(cx, "store.lock", "the pinned-module store")
}

/// The pins of `text` (a commit's `tcli.toml`), or the error naming each bad entry: all but the
/// last are printed here, the last is returned (one `error:` line per bad entry).
pub(crate) fn validate(team: &str, at: &str, text: Option<&str>) -> anyhow::Result<Vec<Pin>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        // A syntax error is reported by the caller with its line.
        return Ok(Vec::new());
    };
    let (pins, errors) = pin::parse(&table);
    let count = errors.len();
    let mut bad = errors
        .into_iter()
        .enumerate()
        .map(|(i, e)| TeamError::BadPin {
            team: team.to_string(),
            commit: at.to_string(),
            key: e.key,
            why: e.why,
            fix: e.fix,
            last: i + 1 == count,
        });
    let Some(last) = bad.next_back() else {
        return Ok(pins);
    };
    for e in bad {
        crate::errors::report(&anyhow::Error::from(e));
    }
    Err(last.into())
}

/// The team's record and what of it is missing, checked on a thread while git fetches: the
/// engine's answer then costs a no-change `team update` no time of its own.
pub(crate) struct Ahead(std::thread::JoinHandle<Option<(TeamPins, Vec<String>)>>);

/// Starts [`Ahead`] for `team`.
pub(crate) fn check_ahead(cx: &Context, team: &str) -> Ahead {
    let cx = cx.clone();
    let team = team.to_string();
    Ahead(std::thread::spawn(move || {
        let rec = pinned::read(&cx).teams.get(&team)?.clone();
        let gone = missing(&cx, &rec);
        Some((rec, gone))
    }))
}

/// True when the team's record is for `commit` and every artifact in it is present: the
/// no-change `team update` asks the engine one question and touches no network. `ahead` is
/// used when the record is still the one it checked (read again here, under the store lock).
fn intact(cx: &Context, team: &str, commit: Oid, pins: &[Pin], ahead: Option<Ahead>) -> bool {
    let file = pinned::read(cx);
    let Some(rec) = file.teams.get(team) else {
        return pins.is_empty();
    };
    // Image entries carried across while Docker is off are not counted: they are not checked.
    let recorded = rec
        .modules
        .values()
        .filter(|p| !(cx.no_docker && matches!(p, Pinned::Image { .. })))
        .count();
    if rec.commit != commit.to_string() || recorded != pins.iter().filter(|p| wanted(cx, p)).count()
    {
        return false;
    }
    match ahead.and_then(|a| a.0.join().ok().flatten()) {
        Some((checked, gone)) if checked == *rec => gone.is_empty(),
        _ => missing(cx, rec).is_empty(),
    }
}

/// False for an image pin while docker modules are off (`TCLI_NO_DOCKER`): it would never be
/// listed, and a machine without Docker can still take the team's other modules.
fn wanted(cx: &Context, p: &Pin) -> bool {
    !(cx.no_docker && matches!(p.artifact, Artifact::Image(_)))
}

/// Brings the store in line with the pins of `commit` (`text`: its `tcli.toml`) for `team`:
/// checks them, fetches what is missing, then runs `move_checkout` (the step that makes
/// `commit` the team's; a failure there takes back what was fetched), records the pins and
/// removes what no team pins any more. Nothing is fetched when the record is for `commit` and
/// every artifact is present. A `tcli.toml` that does not parse leaves the record alone (the
/// caller refuses a new commit whose file does not parse).
pub(crate) fn apply(
    cx: &Context,
    team: &str,
    repo: &Repository,
    commit: Oid,
    text: Option<&str>,
    ahead: Option<Ahead>,
    move_checkout: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<Vec<ArtifactReport>> {
    if text.is_some_and(|t| t.parse::<toml::Table>().is_err()) {
        move_checkout()?;
        return Ok(Vec::new());
    }
    let pins = validate(team, &git::short(commit), text)?;
    let at = super::files::At {
        team,
        commit,
        untouched: "nothing was changed",
    };
    super::files::check_pinned(repo, &at, &pins)?;
    let _store = lock(cx)?;
    // Dropped before the lock: the library dir is read-only again before another update runs.
    let _writable = store::Writable::open(cx)?;
    store::read_record(cx)?;
    if intact(cx, team, commit, &pins, ahead) {
        move_checkout()?;
        let mut report: Vec<ArtifactReport> = pinned::read(cx)
            .teams
            .get(team)
            .into_iter()
            .flat_map(|t| &t.modules)
            .filter_map(|(name, p)| {
                let artifact = match p {
                    Pinned::Image { pin, .. } => pin.reference.clone(),
                    Pinned::Native { from, .. } => from.to_string(),
                    Pinned::NoBuild { .. } => return None,
                };
                Some(ArtifactReport {
                    module: name.clone(),
                    artifact,
                    action: Action::Reused,
                })
            })
            .collect();
        report.extend(prune(cx)?);
        return Ok(report);
    }
    let fetched = fetch::fetch(cx, team, repo, commit, &pins)?;
    if let Err(e) = move_checkout() {
        fetched.undo(cx);
        return Err(e);
    }
    record(cx, team, Some(fetched.pins))?;
    let mut report = fetched.report;
    report.extend(prune(cx)?);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn context(root: &std::path::Path, no_docker: bool) -> Context {
        Context {
            config_dir: root.join("config"),
            cache_dir: root.join("cache"),
            data_dir: root.join("data"),
            path_var: None,
            plugin_path_var: None,
            no_docker,
            exe: None,
        }
    }

    const SHA: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn validate_without_a_file_pins_nothing() {
        assert!(validate("acme", "abc1234", None).unwrap().is_empty());
        // A syntax error is the caller's to report, with its line.
        assert!(validate("acme", "abc1234", Some("[modules"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn validate_takes_a_good_native_pin() {
        let text = format!(
            "[modules.hello.native.x86_64-unknown-linux-gnu]\npath = \"native/libhello.so\"\nsha256 = \"{SHA}\"\n"
        );
        let pins = validate("acme", "abc1234", Some(&text)).unwrap();
        assert_eq!(pins.len(), 1);
        assert_eq!(pins[0].name, "hello");
        assert!(matches!(pins[0].artifact, Artifact::Native(_)));
    }

    #[test]
    fn validate_refuses_a_tag_naming_the_key_and_the_fix() {
        let err = validate(
            "acme",
            "abc1234",
            Some("[modules.lint]\nimage = \"acme/lint:1.4\"\n"),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("team 'acme' (abc1234): tcli.toml [modules.lint.image]: "),
            "{msg}"
        );
        assert!(msg.ends_with("; nothing was changed"), "{msg}");
        assert_eq!(crate::errors::code(&err), 1);
        assert!(crate::errors::hint(&err).is_some());
    }

    #[test]
    fn image_pins_are_not_wanted_while_docker_is_off() {
        let dir = tempfile::tempdir().unwrap();
        let image = Pin {
            name: "lint".into(),
            artifact: Artifact::Image(
                pin::parse_image(&format!("reg.example.com/lint@sha256:{SHA}")).unwrap(),
            ),
        };
        let native = Pin {
            name: "hello".into(),
            artifact: Artifact::Native(Default::default()),
        };
        let off = context(dir.path(), true);
        let on = context(dir.path(), false);
        assert!(!wanted(&off, &image));
        assert!(wanted(&off, &native));
        assert!(wanted(&on, &image));
    }

    #[test]
    fn nothing_recorded_and_nothing_pinned_is_intact() {
        let dir = tempfile::tempdir().unwrap();
        let cx = context(dir.path(), true);
        assert!(intact(&cx, "acme", Oid::zero(), &[], None));
        let hello = Pin {
            name: "hello".into(),
            artifact: Artifact::Native(Default::default()),
        };
        assert!(!intact(&cx, "acme", Oid::zero(), &[hello], None));
    }
}
