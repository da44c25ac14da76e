//! A native module's probe report and manifest JSON (what a library hands tcli): any bytes
//! give a report, verbs that are clean lines, or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::model::descriptor::ProbeReport;

fuzz_target!(|data: &[u8]| {
    if let Ok(ProbeReport::Ok(d)) = serde_json::from_slice::<ProbeReport>(data) {
        for v in tcli_core::sources::native::verbs_of(&d.manifest) {
            assert!(!v.chars().any(char::is_control), "{v:?}");
        }
    }
    if let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = tcli_core::sources::native::verbs_of(&manifest);
    }
});
