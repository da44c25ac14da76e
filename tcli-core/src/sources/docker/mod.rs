//! The docker source: local images that opt in with the `io.tcli.module` label
//! (docs/docker-modules.md), found with one filtered image listing and cached in the index by
//! image ID. This file owns the source (staleness, the engine's contact, pinned images first)
//! and which of two images claiming one name wins; the label rules are `labels.rs`'s, the
//! team's trust rule `trust.rs`'s. Talking to the engine is `tcli_helper::docker`'s job and running a
//! container is `runner::docker`'s.
//!
//! Staleness (docs/docker-modules.md): the engine's image list can change with no local file
//! changing, so the cache is trusted for [`OK_TTL`] after a successful look, for
//! [`FAILED_TTL`] after an engine that could not be reached, and for [`HANG_BACKOFF`] after one
//! that accepted but never answered. `is_fresh` only compares times, `DOCKER_HOST` and stamps of
//! the settings files; it never connects.

mod labels;
mod trust;

use labels::describe;
pub use labels::pinned_module;
pub use trust::{under_prefix, Trust, ALLOWED_PREFIXES_KEY};

use super::Source;
use crate::context::Context;
use crate::model::pin::Pinned;
use crate::model::{
    Detail, DockerDetail, Kind, ModuleInfo, Problem, RunSettings, SourceCache, Stamp,
};
use crate::prim::text::sanitize_line;
use serde::{Deserialize, Serialize};
use tcli_helper::docker::{self, Engine, EngineError, ErrorKind, Image};

/// How long a listing from an engine that answered is used before asking again.
pub const OK_TTL: u64 = 30;
/// How long tcli waits before asking again an engine that was not there (no socket, refused,
/// permission denied): asking is cheap, but not free on every `tcli --help`.
pub const FAILED_TTL: u64 = 10;
/// How long tcli leaves alone an engine that accepted a connection and never answered: each
/// try costs [`docker::CONNECT_TIMEOUT`].
pub const HANG_BACKOFF: u64 = 60;

/// How `module` asked to be run (the defaults when its detail says nothing).
pub fn run_settings(module: &ModuleInfo) -> RunSettings {
    match &module.detail {
        Detail::Docker(DockerDetail { run: Some(run), .. }) => run.clone(),
        _ => RunSettings::default(),
    }
}

/// The docker source.
pub struct DockerSource;

/// What the cache remembers about the last contact with the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Contact {
    /// The engine address the cache is about.
    host: String,
    /// When the engine was last asked, seconds since the epoch.
    checked_at: u64,
    /// How that contact failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Failure {
    Unreachable,
    Timeout,
}

impl Contact {
    fn of(cache: &SourceCache) -> Contact {
        serde_json::from_value(serde_json::Value::Object(cache.state.clone())).unwrap_or_default()
    }

    fn into_state(self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// Seconds this contact's result may be used for.
    fn ttl(&self) -> u64 {
        match self.failure {
            None => OK_TTL,
            Some(Failure::Unreachable) => FAILED_TTL,
            Some(Failure::Timeout) => HANG_BACKOFF,
        }
    }

    /// True while `now` is within the TTL (a clock that went backwards ends it).
    fn current(&self, now: u64, ttl: u64) -> bool {
        now >= self.checked_at && now - self.checked_at < ttl
    }
}

/// The files whose change can change trust: the team registry, each team's `tcli.toml` and
/// the user's; and the pinned record (`sources::pinned`). Stats only.
fn settings_stamps(cx: &Context) -> Vec<Stamp> {
    let mut files = vec![crate::team_dirs::registry_path(cx)];
    files.extend(crate::settings::files(cx));
    files.extend(super::pinned::watched(cx));
    Stamp::all(&files)
}

/// The pinned images first (`sources::pinned`), then the engine's labelled images that are not
/// one of them: a pinned image carrying `io.tcli.module` is its pin's module, listed once.
fn with_pinned(cx: &Context, live: Vec<ModuleInfo>) -> Vec<ModuleInfo> {
    let mut modules = pinned_modules(cx);
    super::claims::Claims::load(cx).mark(&mut modules);
    let pinned: std::collections::HashSet<String> =
        modules.iter().map(|m| m.image_id().to_string()).collect();
    modules.extend(live.into_iter().filter(|m| !pinned.contains(m.image_id())));
    modules
}

impl Source for DockerSource {
    fn kind(&self) -> Kind {
        Kind::Docker
    }

    fn is_fresh(&self, cx: &Context, cached: &SourceCache) -> bool {
        let contact = Contact::of(cached);
        contact.host == docker::host()
            && contact.current(crate::model::now(), contact.ttl())
            && cached.stamps == settings_stamps(cx)
    }

    fn refresh(&self, cx: &Context, cached: &SourceCache) -> SourceCache {
        let now = crate::model::now();
        let host = docker::host();
        let stamps = settings_stamps(cx);
        let previous = Contact::of(cached);
        let same_engine = previous.host == host;
        // A hung engine costs the full timeout each time: an unknown name or changed settings
        // must not make tcli wait for it again before the back-off is over.
        if same_engine
            && previous.failure == Some(Failure::Timeout)
            && previous.current(now, HANG_BACKOFF)
        {
            // Pinned modules are read again: a team withheld since must not keep its pins.
            let live = cached
                .modules
                .iter()
                .filter(|m| m.pinned_by().is_none())
                .cloned()
                .collect();
            return SourceCache {
                stamps,
                modules: with_pinned(cx, live),
                ..cached.clone()
            };
        }
        // `images` connects itself: no separate ping, one helper process per look.
        let looked = Engine::at(&host).and_then(|engine| live_modules(cx, &engine));
        match looked {
            Ok(modules) => SourceCache {
                stamps,
                scanned_at: now,
                modules: with_pinned(cx, modules),
                note: None,
                state: Contact {
                    host,
                    checked_at: now,
                    failure: None,
                }
                .into_state(),
                withheld: Vec::new(),
            },
            Err(e) => {
                let live = if same_engine {
                    cached
                        .modules
                        .iter()
                        .filter(|m| m.pinned_by().is_none())
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                let modules = unavailable(&with_pinned(cx, live), &e);
                // No socket at all and nothing cached: this machine has no Docker, and saying
                // so on every `tcli --help` would be noise.
                let note = (!modules.is_empty() || e.kind != ErrorKind::Absent).then(|| {
                    if modules.is_empty() {
                        format!(
                            "Docker engine not reachable: {e} ({}=1 turns docker modules off)",
                            crate::env_vars::TCLI_NO_DOCKER
                        )
                    } else {
                        format!(
                            "Docker engine not reachable: {e} (modules listed from the last look, unavailable)"
                        )
                    }
                });
                SourceCache {
                    stamps,
                    scanned_at: cached.scanned_at,
                    modules,
                    note,
                    state: Contact {
                        host,
                        checked_at: now,
                        failure: Some(if e.kind == ErrorKind::Timeout {
                            Failure::Timeout
                        } else {
                            Failure::Unreachable
                        }),
                    }
                    .into_state(),
                    withheld: Vec::new(),
                }
            }
        }
    }

    fn can_change_unseen(&self) -> bool {
        true
    }
}

/// Cached modules marked unavailable with the engine's reason; still runnable, so that an
/// engine that comes back is used at once by the runner, which asks it anyway.
fn unavailable(cached: &[ModuleInfo], e: &EngineError) -> Vec<ModuleInfo> {
    cached
        .iter()
        .cloned()
        .map(|mut m| {
            m.problems
                .retain(|p| !matches!(p, Problem::EngineUnavailable { .. }));
            m.problems.insert(
                0,
                Problem::EngineUnavailable {
                    reason: e.to_string(),
                },
            );
            m
        })
        .collect()
}

/// Asks the engine and builds the modules, winners first within each name.
pub fn live_modules(cx: &Context, engine: &Engine) -> Result<Vec<ModuleInfo>, EngineError> {
    let images = engine.module_images()?;
    Ok(modules_from(&images, &Trust::load(cx)))
}

/// The modules `images` make, sorted by name with the winner of each name first; losers and
/// broken images carry their problems.
pub fn modules_from(images: &[Image], trust: &Trust) -> Vec<ModuleInfo> {
    let mut found: Vec<(ModuleInfo, i64, bool)> = images
        .iter()
        .filter_map(|img| {
            let trusted_by_prefix = matches!(trust.check(&refs(img)), Ok(Some(_)));
            describe(img, trust).map(|m| (m, img.created, trusted_by_prefix))
        })
        .collect();
    // Per name: runnable first, then under an allowed prefix, then newest; the ID breaks ties
    // so the order never depends on the engine's.
    found.sort_by(|(a, a_created, a_pre), (b, b_created, b_pre)| {
        a.name
            .cmp(&b.name)
            .then(b.runnable.cmp(&a.runnable))
            .then(b_pre.cmp(a_pre))
            .then(b_created.cmp(a_created))
            .then(a.location.cmp(&b.location))
    });
    let mut out: Vec<ModuleInfo> = Vec::with_capacity(found.len());
    let mut winner: Option<(String, String, bool)> = None;
    for (mut m, _, by_prefix) in found {
        match &winner {
            Some((name, location, w_prefix)) if *name == m.name => {
                let why = if *w_prefix && !by_prefix {
                    "it is under an allowed prefix"
                } else {
                    "it is newer"
                };
                m.problems.push(Problem::ImageShadowed {
                    winner: location.clone(),
                    name: shown(&m.name),
                    because: why.to_string(),
                });
            }
            _ => winner = Some((m.name.clone(), m.location.clone(), by_prefix)),
        }
        out.push(m);
    }
    out
}

pub(crate) fn refs(img: &Image) -> Vec<String> {
    img.tags.iter().chain(&img.digests).cloned().collect()
}

/// A label value as it may appear inside a problem line: one line, at most 60 characters.
pub(crate) fn shown(value: &str) -> String {
    sanitize_line(value, 60)
}

/// The 12-hex short form of an image ID, as `docker images` shows it.
pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.get(..12).unwrap_or(hex)
}

/// The pinned docker modules, in team order, built from the labels recorded at the pull.
fn pinned_modules(cx: &Context) -> Vec<ModuleInfo> {
    let user = super::pinned::engine_user(cx);
    super::pinned::entries(cx)
        .into_iter()
        .filter_map(|e| match e.pinned {
            Pinned::Image {
                pin,
                image_id,
                labels,
            } => Some(pinned_module(
                &user, &e.name, &e.team, &pin, &image_id, &labels,
            )),
            Pinned::Native { .. } | Pinned::NoBuild { .. } => None,
        })
        .collect()
}

#[cfg(test)]
/// An image as the engine lists it, for the tests of this source, its labels and trust.
fn test_image(id: &str, created: i64, tags: &[&str], labels: &[(&str, &str)]) -> Image {
    Image {
        id: format!("sha256:{id:0<64}"),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        digests: vec![],
        created,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::test_image as img;
    use super::*;
    use crate::model::Identity;
    use tcli_helper::docker::label::*;

    #[test]
    fn names_and_descriptions_follow_the_documented_order() {
        let ms = modules_from(
            &[
                img(
                    "a",
                    1,
                    &["a:1"],
                    &[
                        ("io.tcli.module", "true"),
                        (LS_NAME, "hello"),
                        (LS_DESCRIPTION, "Says hello"),
                    ],
                ),
                img(
                    "b",
                    1,
                    &["b:1"],
                    &[
                        ("io.tcli.module", "true"),
                        (OCI_TITLE, "oci"),
                        (LS_NAME, "ignored"),
                        (OCI_DESCRIPTION, "From OCI"),
                        (LS_DESCRIPTION, "ignored"),
                    ],
                ),
                img(
                    "c",
                    1,
                    &["c:1"],
                    &[
                        ("io.tcli.module", "own"),
                        (OCI_TITLE, "ignored"),
                        (DESCRIPTION, "Own words"),
                        (OCI_DESCRIPTION, "ignored"),
                    ],
                ),
                img(
                    "d",
                    1,
                    &["d:1"],
                    &[("io.tcli.module", "false"), (LS_NAME, "nope")],
                ),
            ],
            &Trust::Everyone,
        );
        let got: Vec<(&str, Option<&str>)> = ms
            .iter()
            .map(|m| (m.name.as_str(), m.description.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("hello", Some("Says hello")),
                ("oci", Some("From OCI")),
                ("own", Some("Own words"))
            ]
        );
        assert!(
            ms.iter().all(|m| m.runnable && m.problems.is_empty()),
            "{ms:#?}"
        );
    }

    /// A run setting the helper cut (longer than tcli reads) blocks running; a cut
    /// description is only shown shorter.
    #[test]
    fn two_images_one_name_prefer_allowed_prefix_then_newest() {
        let newer_elsewhere = img("a", 20, &["other/tool:1"], &[("io.tcli.module", "tool")]);
        let older_allowed = img("b", 10, &["team/tool:1"], &[("io.tcli.module", "tool")]);
        let older_allowed_2 = img("c", 5, &["team/tool:0"], &[("io.tcli.module", "tool")]);
        let all = [
            newer_elsewhere.clone(),
            older_allowed.clone(),
            older_allowed_2,
        ];

        let ms = modules_from(&all, &Trust::Everyone);
        assert_eq!(
            ms[0].identity,
            Identity::Image {
                id: newer_elsewhere.id.clone()
            }
        );
        assert!(
            ms[1].problems[0].to_string().contains("wins (it is newer)"),
            "{:?}",
            ms[1].problems
        );

        let ms = modules_from(&all, &Trust::Prefixes(vec!["team/".into()]));
        assert_eq!(
            ms[0].identity,
            Identity::Image {
                id: older_allowed.id
            }
        );
        assert!(ms[0].runnable && ms[1].runnable && !ms[2].runnable);
        assert!(
            ms[1].problems[0].to_string().contains("(it is newer)"),
            "{:?}",
            ms[1].problems
        );
        assert!(
            ms[2]
                .problems
                .iter()
                .any(|p| p.to_string().contains("(it is under an allowed prefix)")),
            "{:?}",
            ms[2].problems
        );
    }

    #[test]
    fn unnamed_images_are_reported_not_dropped() {
        let ms = modules_from(
            &[img("a", 1, &[], &[("io.tcli.module", "true")])],
            &Trust::Everyone,
        );
        assert!(!ms[0].runnable);
        assert!(ms[0].name.starts_with("<unnamed "));
        assert!(ms[0].location.ends_with("(untagged)"));
    }

    #[test]
    fn freshness_follows_the_contact_ttl() {
        let ok = Contact {
            host: "h".into(),
            checked_at: 100,
            failure: None,
        };
        assert!(ok.current(100 + OK_TTL - 1, ok.ttl()));
        assert!(!ok.current(100 + OK_TTL, ok.ttl()));
        assert!(!ok.current(99, ok.ttl()), "a clock that went back ends it");
        let hung = Contact {
            failure: Some(Failure::Timeout),
            ..ok.clone()
        };
        assert_eq!(hung.ttl(), HANG_BACKOFF);
        let cache = SourceCache {
            state: hung.clone().into_state(),
            ..Default::default()
        };
        assert_eq!(Contact::of(&cache), hung);
    }
}
