//! Docker image labels as the engine reports them: every image becomes a module or a reported
//! problem; names are valid, descriptions clean, run settings parse or block running.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::docker::{bounded_labels, Image, LABEL_MAX};
use tcli_core::sources::docker::{modules_from, run_settings, Trust};

fuzz_target!(|data: &[u8]| {
    let Ok(mut images) = serde_json::from_slice::<Vec<Image>>(data) else {
        return;
    };
    // As the helper sends them: only the labels tcli reads, each within its bound.
    for img in &mut images {
        img.labels = bounded_labels(std::mem::take(&mut img.labels));
        assert!(img.labels.values().all(|v| v.len() <= LABEL_MAX));
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
