//! A native module's probe report and manifest JSON (what a library hands tcli): any bytes
//! give a report or an error; the index entry built from a report has a clean one-line
//! description, verbs that are clean non-empty lines listed once, clean bounded versions, and
//! is runnable only under a valid name.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::model::descriptor::{ProbeReport, VERSION_MAX};
use tcli_core::model::{Detail, Identity, Kind, ModuleInfo};

fuzz_target!(|data: &[u8]| {
    if let Ok(ProbeReport::Ok(d)) = serde_json::from_slice::<ProbeReport>(data) {
        let mut m = ModuleInfo::new(
            "fuzz".into(),
            Kind::Native,
            "/fuzz/libfuzz.so".into(),
            Identity::File {
                size: 0,
                mtime_ns: 0,
                ino: 0,
            },
        );
        m.name = d.name.clone();
        tcli_core::sources::native::fill_from_descriptor(&mut m, &d);
        if let Some(desc) = &m.description {
            assert!(
                !desc.is_empty() && !desc.chars().any(tcli_core::prim::text::is_unsafe),
                "{desc:?}"
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for v in &m.verbs {
            assert!(
                !v.is_empty() && !v.chars().any(tcli_core::prim::text::is_unsafe),
                "{v:?}"
            );
            assert!(seen.insert(v), "{v:?} listed twice");
        }
        // Versions are stored in the index and shown: clean lines within their bound,
        // whatever the report said.
        if let Detail::Native(n) = &m.detail {
            for v in [&n.plugin_version, &n.sdk_version] {
                assert!(!v.chars().any(tcli_core::prim::text::is_unsafe), "{v:?}");
                assert!(v.chars().count() <= VERSION_MAX, "{v:?}");
            }
        } else {
            panic!("a native entry without its detail");
        }
        if m.runnable {
            assert!(tcli_core::names::validate(&d.name).is_ok(), "{:?}", d.name);
        }
    }
    if let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(data) {
        for v in tcli_core::sources::native::verbs_of(&manifest) {
            assert!(!v.chars().any(tcli_core::prim::text::is_unsafe), "{v:?}");
        }
    }
});
