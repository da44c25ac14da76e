//! Docker image labels as the engine reports them: every image becomes a module or a reported
//! problem; names are valid, descriptions clean, run settings parse or block running.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::docker::{bounded_labels, label, Image, LABEL_MAX};
use tcli_core::sources::docker::{modules_from, run_settings, Trust};

fuzz_target!(|data: &[u8]| {
    let Ok(mut images) = serde_json::from_slice::<Vec<Image>>(data) else {
        return;
    };
    // As the helper sends them: only the labels tcli reads, each within its bound.
    for img in &mut images {
        let all = std::mem::take(&mut img.labels);
        img.labels = bounded_labels(all.clone());
        for (k, v) in &img.labels {
            assert!(
                k.starts_with(label::TCLI_PREFIX) || label::TEXT.contains(&k.as_str()),
                "{k:?} kept"
            );
            // Cut just past the bound, never more than a character past it.
            assert!(v.len() <= LABEL_MAX + 4, "{k}: {} bytes", v.len());
            assert!(all[k].starts_with(v.as_str()), "{k}: not a prefix");
        }
        for k in label::TCLI {
            assert_eq!(
                all.contains_key(*k),
                img.labels.contains_key(*k),
                "{k} dropped"
            );
        }
        let unknown = img
            .labels
            .keys()
            .filter(|k| !label::TCLI.contains(&k.as_str()));
        assert!(
            unknown
                .filter(|k| k.starts_with(label::TCLI_PREFIX))
                .count()
                <= label::UNKNOWN_MAX
        );
    }
    let trusts = [
        Trust::Everyone,
        Trust::Prefixes(vec!["registry.example.com/team/".into()]),
        Trust::Unknown("unreadable".into()),
    ];
    for trust in &trusts {
        for m in modules_from(&images, trust) {
            if m.problems.is_empty() {
                assert!(tcli_core::names::validate(&m.name).is_ok(), "{:?}", m.name);
            }
            if let Some(d) = &m.description {
                assert!(!d.chars().any(char::is_control), "{d:?}");
            }
            let _ = run_settings(&m);
        }
    }
});
