//! What a module image's labels say (docs/docker-modules.md, "Labels"): its name, description,
//! verbs and run settings, with the problems they have, for an opted-in image and a pinned one
//! alike. Trust is `trust.rs`'s; which image wins a name is the source's (`mod.rs`).

use super::{refs, short_id, shown, Trust};
use crate::model::{verbs, Detail, DockerDetail, Identity, Kind, ModuleInfo, Problem, RunSettings};
use crate::prim::text::{sanitize_line, DESCRIPTION_MAX};
use std::collections::BTreeMap;
use tcli_helper::docker::label::{
    DESCRIPTION, ENV, LS_DESCRIPTION, LS_NAME, MOUNT_CWD, NETWORK, OCI_DESCRIPTION, OCI_TITLE,
    USER, VERBS,
};
use tcli_helper::docker::{self, label, Image, LABEL_MAX};

/// One image as a module, or `None` when it opted out (`io.tcli.module=false`).
pub(super) fn describe(img: &Image, trust: &Trust) -> Option<ModuleInfo> {
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

/// A module a team pins by digest (`sources::pinned`): named by the pin, trusted by it (allowed
/// prefixes do not apply, no `io.tcli.module` label needed), run by the image ID it was pulled
/// as; its labels still give the description, verbs and run settings.
pub fn pinned_module(
    user: &str,
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
            tags: vec![crate::sources::pinned::image_tag(name, &pin.digest, user)],
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
    let mut two_way = |key: &str, yes: &str, no: &str| match labels.get(key).map(|v| v.trim()) {
        None => true,
        Some(v) if v == yes => true,
        Some(v) if v == no => false,
        Some(other) => {
            problems.push(Problem::BadLabelValue {
                label: key.to_string(),
                value: shown(other),
                expected: format!("'{yes}' or '{no}'"),
            });
            *runnable = false;
            true
        }
    };
    // Both default to the first value when absent or unusable (the module then cannot run).
    if !two_way(USER, "host", "image") {
        run.host_user = false;
    }
    if !two_way(MOUNT_CWD, "true", "false") {
        run.mount_cwd = false;
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
    use super::super::test_image as img;
    use super::super::{modules_from, run_settings, Trust};
    use super::*;

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
}
