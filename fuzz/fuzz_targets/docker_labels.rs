//! Docker image labels as the engine reports them: every image becomes a module or a reported
//! problem; names are valid, descriptions clean, run settings parse or block running.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::docker::Image;
use tcli_core::sources::docker::{modules_from, run_settings, Trust};

fuzz_target!(|data: &[u8]| {
    let Ok(images) = serde_json::from_slice::<Vec<Image>>(data) else {
        return;
    };
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
