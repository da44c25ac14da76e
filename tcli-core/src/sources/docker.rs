//! The docker source: local images that opt in with the `io.tcli.module` label
//! (docs/docker-modules.md), found with one filtered image listing and cached in the index by image ID. This file
//! owns the label rules (name, description, run settings), the team's trust rule and which of
//! two images claiming one name wins; talking to the engine is `crate::docker`'s job and
//! running a container is `runner::docker`'s.
//!
//! Staleness (docs/docker-modules.md): the engine's image list can change with no local file
//! changing, so the cache is trusted for [`OK_TTL`] after a successful look, for
//! [`FAILED_TTL`] after an engine that could not be reached, and for [`HANG_BACKOFF`] after one
//! that accepted but never answered. `is_fresh` only compares times, `DOCKER_HOST` and stamps of
//! the settings files; it never connects.

use super::Source;
use crate::context::Context;
use crate::docker::label::{
    DESCRIPTION, ENV, LS_DESCRIPTION, LS_NAME, MOUNT_CWD, NETWORK, OCI_DESCRIPTION, OCI_TITLE,
    USER, VERBS,
};
use crate::docker::{self, label, Engine, EngineError, ErrorKind, Image, LABEL_MAX};
use crate::model::pin::Pinned;
use crate::model::{
    verbs, Detail, DockerDetail, Identity, Kind, ModuleInfo, Problem, RunSettings, SourceCache,
    Stamp,
};
use crate::prim::text::{sanitize_line, DESCRIPTION_MAX};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a listing from an engine that answered is used before asking again.
pub const OK_TTL: u64 = 30;
/// How long tcli waits before asking again an engine that was not there (no socket, refused,
/// permission denied): asking is cheap, but not free on every `tcli --help`.
pub const FAILED_TTL: u64 = 10;
/// How long tcli leaves alone an engine that accepted a connection and never answered: each
/// try costs [`docker::CONNECT_TIMEOUT`].
pub const HANG_BACKOFF: u64 = 60;

/// The team setting listing the repository prefixes whose images may run (`[docker]` table).
pub const ALLOWED_PREFIXES_KEY: &str = "allowed-prefixes";

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
    files.push(super::pinned::pins_path(cx));
    Stamp::all(&files)
}

/// The pinned images first (`sources::pinned`), then the engine's labelled images that are not
/// one of them: a pinned image carrying `io.tcli.module` is its pin's module, listed once.
fn with_pinned(cx: &Context, live: Vec<ModuleInfo>) -> Vec<ModuleInfo> {
    let mut modules = pinned_modules(cx);
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
            return SourceCache {
                stamps,
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

/// The team's trust rule, from settings.
#[derive(Debug, Clone)]
pub enum Trust {
    /// No allowed prefixes configured: every labelled image is trusted.
    Everyone,
    /// Only images with a tag or digest under one of these prefixes.
    Prefixes(Vec<String>),
    /// The settings could not be read, so nothing is trusted; the reason.
    Unknown(String),
}

impl Trust {
    /// Reads `[docker] allowed-prefixes` from the merged settings.
    pub fn load(cx: &Context) -> Trust {
        match Settings::load(cx) {
            Ok(s) => {
                let prefixes: Vec<String> = s
                    .strings("docker", ALLOWED_PREFIXES_KEY)
                    .into_iter()
                    .filter(|p| !p.trim().is_empty())
                    .collect();
                if prefixes.is_empty() {
                    Trust::Everyone
                } else {
                    Trust::Prefixes(prefixes)
                }
            }
            Err(e) => Trust::Unknown(sanitize_line(&format!("{e:#}"), DESCRIPTION_MAX)),
        }
    }

    /// The allowed prefix one of `refs` is under, or why none is.
    fn check(&self, refs: &[String]) -> Result<Option<String>, Problem> {
        match self {
            Trust::Everyone => Ok(None),
            Trust::Unknown(why) => Err(Problem::TrustUnknown { why: why.clone() }),
            Trust::Prefixes(prefixes) => prefixes
                .iter()
                .find(|p| refs.iter().any(|r| under_prefix(r, p)))
                .map(|p| Some(p.clone()))
                .ok_or_else(|| Problem::Untrusted {
                    refs: refs.iter().take(3).map(|r| shown(r)).collect(),
                    prefixes: prefixes.clone(),
                    key: ALLOWED_PREFIXES_KEY.to_string(),
                }),
        }
    }
}

/// `reference` is under `prefix` when it starts with it at a path boundary: `registry/team`
/// allows `registry/team/tool:1` and `registry/team:1` but not `registry/teamevil/tool`.
pub fn under_prefix(reference: &str, prefix: &str) -> bool {
    let Some(rest) = reference.strip_prefix(prefix) else {
        return false;
    };
    prefix.ends_with(['/', ':', '@']) || rest.is_empty() || rest.starts_with(['/', ':', '@'])
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

fn refs(img: &Image) -> Vec<String> {
    img.tags.iter().chain(&img.digests).cloned().collect()
}

/// A label value as it may appear inside a problem line: one line, at most 60 characters.
fn shown(value: &str) -> String {
    sanitize_line(value, 60)
}

/// The 12-hex short form of an image ID, as `docker images` shows it.
pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.get(..12).unwrap_or(hex)
}

/// One image as a module, or `None` when it opted out (`io.tcli.module=false`).
fn describe(img: &Image, trust: &Trust) -> Option<ModuleInfo> {
    let label = |k: &str| img.labels.get(k).map(String::as_str);
    let flag = label(docker::MODULE_LABEL).unwrap_or("").trim();
    if flag.eq_ignore_ascii_case("false") {
        return None;
    }
    let mut problems = Vec::new();
    let mut runnable = true;

    let named = if flag.eq_ignore_ascii_case("true") || flag.is_empty() {
        [OCI_TITLE, LS_NAME]
            .into_iter()
            .find_map(|k| label(k).map(|v| (v.trim(), k)))
    } else {
        Some((flag, docker::MODULE_LABEL))
    };
    let name = match named {
        Some((raw, from)) => match crate::names::validate(raw) {
            Ok(()) => raw.to_string(),
            Err(why) => {
                problems.push(Problem::InvalidName {
                    name: shown(raw),
                    from: Some(from.to_string()),
                    why,
                });
                runnable = false;
                sanitize_line(raw, crate::names::MAX_LEN)
            }
        },
        None => {
            problems.push(Problem::Unnamed {
                label: docker::MODULE_LABEL.to_string(),
                fallback: OCI_TITLE.to_string(),
            });
            runnable = false;
            format!("<unnamed {}>", short_id(&img.id))
        }
    };

    let (description, verbs, run) = from_labels(&img.labels, &mut problems, &mut runnable);

    let mut detail = DockerDetail {
        image_id: img.id.clone(),
        tags: img.tags.clone(),
        digests: img.digests.clone(),
        created: img.created,
        run: Some(run),
        trusted_by: None,
        pinned_by: None,
    };
    match trust.check(&refs(img)) {
        Ok(prefix) => detail.trusted_by = prefix,
        Err(why) => {
            problems.push(why);
            runnable = false;
        }
    }

    let tags = if img.tags.is_empty() {
        "(untagged)".to_string()
    } else {
        img.tags.join(",")
    };
    Some(ModuleInfo {
        name,
        kind: Kind::Docker,
        location: format!("{} {}", short_id(&img.id), shown(&tags)),
        identity: Identity::Image { id: img.id.clone() },
        description,
        verbs,
        problems,
        runnable,
        detail: Detail::Docker(detail),
    })
}

/// What labels say about any module image, opted in or pinned: its description, verbs and run
/// settings, with the problems they have.
fn from_labels(
    labels: &BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
    runnable: &mut bool,
) -> (Option<String>, Vec<String>, RunSettings) {
    fn label_of<'a>(labels: &'a BTreeMap<String, String>, k: &str) -> Option<&'a str> {
        labels.get(k).map(String::as_str)
    }
    // A cut description is only shown shorter (reported below); a cut run setting or verb
    // list would mean something else than the image says.
    for (k, v) in labels {
        let runs_by = label::TCLI.contains(&k.as_str()) && !label::TEXT.contains(&k.as_str());
        if v.len() > LABEL_MAX && runs_by {
            problems.push(Problem::LabelCut { label: shown(k) });
            *runnable = false;
        }
    }
    let description = [DESCRIPTION, OCI_DESCRIPTION, LS_DESCRIPTION]
        .into_iter()
        .find_map(|k| label_of(labels, k).map(|v| (v, k)))
        .and_then(|(raw, from)| {
            if raw.chars().any(char::is_control) {
                problems.push(Problem::LabelControlChars {
                    label: from.to_string(),
                });
            }
            if raw.chars().count() > DESCRIPTION_MAX {
                problems.push(Problem::LabelTooLong {
                    label: from.to_string(),
                    bytes: raw.len(),
                    max: DESCRIPTION_MAX,
                });
            }
            let s = sanitize_line(raw, DESCRIPTION_MAX);
            (!s.is_empty()).then_some(s)
        });

    let verbs = label_of(labels, VERBS)
        .map(|decl| verbs::parse(decl, VERBS, problems))
        .unwrap_or_default();
    let run = run_settings_of(labels, problems, runnable);
    for key in labels.keys() {
        if key.starts_with(label::TCLI_PREFIX) && !label::TCLI.contains(&key.as_str()) {
            problems.push(Problem::UnknownLabel {
                label: shown(key),
                known: label::TCLI.join(", "),
            });
        }
    }

    (description, verbs, run)
}

/// The pinned docker modules, in team order, built from the labels recorded at the pull.
fn pinned_modules(cx: &Context) -> Vec<ModuleInfo> {
    super::pinned::entries(cx)
        .into_iter()
        .filter_map(|e| match e.pinned {
            Pinned::Image {
                pin,
                image_id,
                labels,
            } => Some(pinned_module(&e.name, &e.team, &pin, &image_id, &labels)),
            Pinned::Native { .. } | Pinned::NoBuild { .. } => None,
        })
        .collect()
}

/// A module a team pins by digest (`sources::pinned`): named by the pin, trusted by it (allowed
/// prefixes do not apply, no `io.tcli.module` label needed), run by the image ID it was pulled
/// as; its labels still give the description, verbs and run settings.
pub fn pinned_module(
    name: &str,
    team: &str,
    pin: &crate::model::pin::ImageRef,
    image_id: &str,
    labels: &BTreeMap<String, String>,
) -> ModuleInfo {
    let mut problems = Vec::new();
    let mut runnable = true;
    let (description, verbs, run) = from_labels(labels, &mut problems, &mut runnable);
    ModuleInfo {
        name: name.to_string(),
        kind: Kind::Docker,
        location: format!("{} {}", short_id(image_id), shown(&pin.reference)),
        identity: Identity::Image {
            id: image_id.to_string(),
        },
        description,
        verbs,
        problems,
        runnable,
        detail: Detail::Docker(DockerDetail {
            image_id: image_id.to_string(),
            tags: vec![super::pinned::image_tag(name, &pin.digest)],
            digests: vec![pin.pull_ref()],
            created: 0,
            run: Some(run),
            trusted_by: None,
            pinned_by: Some(team.to_string()),
        }),
    }
}

/// Parses the run-setting labels; a value tcli cannot honour makes the module unrunnable
/// (running it some other way than its author asked would be worse than not running it).
fn run_settings_of(
    labels: &BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
    runnable: &mut bool,
) -> RunSettings {
    let mut run = RunSettings::default();
    if let Some(v) = labels.get(ENV) {
        let mut bad = Vec::new();
        for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if is_env_name(name) {
                if !run.env.iter().any(|n| n == name) {
                    run.env.push(name.to_string());
                }
            } else {
                bad.push(name);
            }
        }
        if let Some(first) = bad.first() {
            problems.push(Problem::BadEnvNames {
                label: ENV.to_string(),
                count: bad.len(),
                first: shown(first),
            });
        }
    }
    if let Some(v) = labels.get(NETWORK).map(|v| v.trim()) {
        if is_network_name(v) {
            run.network = Some(v.to_string());
        } else if !v.is_empty() {
            problems.push(Problem::BadLabelValue {
                label: NETWORK.to_string(),
                value: shown(v),
                expected: "'none' or a network name".to_string(),
            });
            *runnable = false;
        }
    }
    match labels.get(USER).map(|v| v.trim()) {
        None | Some("host") => {}
        Some("image") => run.host_user = false,
        Some(other) => {
            problems.push(Problem::BadLabelValue {
                label: USER.to_string(),
                value: shown(other),
                expected: "'host' or 'image'".to_string(),
            });
            *runnable = false;
        }
    }
    match labels.get(MOUNT_CWD).map(|v| v.trim()) {
        None | Some("true") => {}
        Some("false") => run.mount_cwd = false,
        Some(other) => {
            problems.push(Problem::BadLabelValue {
                label: MOUNT_CWD.to_string(),
                value: shown(other),
                expected: "'true' or 'false'".to_string(),
            });
            *runnable = false;
        }
    }
    run
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What Docker accepts as a network name; `container:<id>` and the like are not offered.
fn is_network_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(id: &str, created: i64, tags: &[&str], labels: &[(&str, &str)]) -> Image {
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

    #[test]
    fn names_and_descriptions_follow_the_brief_order() {
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
    fn a_cut_run_setting_blocks_running() {
        let cut = format!("HOME,{}", "X".repeat(LABEL_MAX));
        let ms = modules_from(
            &[img(
                "a",
                1,
                &["a:1"],
                &[("io.tcli.module", "tool"), (ENV, &cut)],
            )],
            &Trust::Everyone,
        );
        assert!(!ms[0].runnable);
        let problems = ms[0].problem_lines().join("\n");
        assert!(
            problems
                .contains("io.tcli.env is over 65536 bytes long, so tcli did not read it whole"),
            "{problems}"
        );
        let long = "d".repeat(LABEL_MAX + 1);
        let ms = modules_from(
            &[img(
                "b",
                1,
                &["b:1"],
                &[("io.tcli.module", "tool"), (DESCRIPTION, &long)],
            )],
            &Trust::Everyone,
        );
        assert!(ms[0].runnable, "{:?}", ms[0].problems);
        let problems = ms[0].problem_lines().join("\n");
        assert!(
            problems.contains("io.tcli.description is over 65536 bytes long; shown cut"),
            "{problems}"
        );
        // An unknown label is only reported, however long: it changes nothing about the run.
        let ms = modules_from(
            &[img(
                "c",
                1,
                &["c:1"],
                &[("io.tcli.module", "tool"), ("io.tcli.extra", &long)],
            )],
            &Trust::Everyone,
        );
        assert!(ms[0].runnable, "{:?}", ms[0].problems);
    }

    #[test]
    fn hostile_labels_are_reported_and_sanitized() {
        let long = "x".repeat(100 * 1024);
        let ms = modules_from(
            &[img(
                "a",
                1,
                &["a:1"],
                &[
                    ("io.tcli.module", "Bad\x1b[31mName"),
                    (DESCRIPTION, &long),
                    (ENV, "GOOD, 1bad, also bad"),
                    ("io.tcli.netwrk", "none"),
                ],
            )],
            &Trust::Everyone,
        );
        let m = &ms[0];
        assert!(!m.runnable);
        assert!(!m.name.chars().any(char::is_control), "{:?}", m.name);
        assert_eq!(
            m.description.as_ref().unwrap().chars().count(),
            DESCRIPTION_MAX
        );
        let problems = m.problem_lines().join("\n");
        assert!(problems.contains("invalid module name"), "{problems}");
        assert!(problems.contains("is over 65536 bytes long"), "{problems}");
        assert!(problems.contains("2 invalid variable names"), "{problems}");
        assert!(
            problems.contains("unknown label io.tcli.netwrk"),
            "{problems}"
        );
        assert!(
            !problems.chars().any(|c| c.is_control() && c != '\n'),
            "{problems}"
        );
        assert_eq!(run_settings(m).env, ["GOOD"]);
    }

    #[test]
    fn run_settings_are_parsed_and_bad_ones_block_running() {
        let ms = modules_from(
            &[
                img(
                    "a",
                    1,
                    &["a:1"],
                    &[
                        ("io.tcli.module", "a"),
                        (ENV, "HOME_DIR,TOKEN"),
                        (NETWORK, "none"),
                        (USER, "image"),
                        (MOUNT_CWD, "false"),
                    ],
                ),
                img("b", 1, &["b:1"], &[("io.tcli.module", "b"), (USER, "root")]),
                img(
                    "c",
                    1,
                    &["c:1"],
                    &[("io.tcli.module", "c"), (NETWORK, "container:x")],
                ),
            ],
            &Trust::Everyone,
        );
        let a = run_settings(&ms[0]);
        assert_eq!(
            a,
            RunSettings {
                env: vec!["HOME_DIR".into(), "TOKEN".into()],
                network: Some("none".into()),
                host_user: false,
                mount_cwd: false,
            }
        );
        assert!(ms[0].runnable);
        assert!(
            !ms[1].runnable
                && ms[1].problems[0]
                    .to_string()
                    .contains("expected 'host' or 'image'")
        );
        assert!(
            !ms[2].runnable
                && ms[2].problems[0]
                    .to_string()
                    .contains("expected 'none' or a network name")
        );
    }

    #[test]
    fn trust_needs_a_tag_under_an_allowed_prefix() {
        let trust = Trust::Prefixes(vec!["registry.example.com/team".into()]);
        let ms = modules_from(
            &[
                img(
                    "a",
                    1,
                    &["registry.example.com/team/lint:1"],
                    &[("io.tcli.module", "lint")],
                ),
                img(
                    "b",
                    1,
                    &["registry.example.com/teamevil/x:1"],
                    &[("io.tcli.module", "x")],
                ),
            ],
            &trust,
        );
        assert!(ms[0].runnable);
        assert!(
            matches!(&ms[0].detail, Detail::Docker(d) if d.trusted_by.as_deref() == Some("registry.example.com/team"))
        );
        assert!(!ms[1].runnable);
        assert!(ms[1].problems[0]
            .to_string()
            .starts_with("untrusted: its tags (registry.example.com/teamevil/x:1)"));
        assert!(under_prefix("r/team:1", "r/team"));
        assert!(under_prefix("r/team/x@sha256:1", "r/team/"));
        assert!(!under_prefix("r/teamx/y", "r/team"));
    }

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
