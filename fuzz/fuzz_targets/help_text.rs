//! The first line of a module's `--help`: the description tcli lists is a clean line or none.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::prim::probe::Outcome;

fuzz_target!(|data: &[u8]| {
    let outcome = Outcome {
        stdout: data.to_vec(),
        ..Outcome::default()
    };
    if let Some(d) = outcome.description() {
        assert!(
            !d.is_empty() && !d.chars().any(tcli_core::prim::text::is_unsafe),
            "{d:?}"
        );
        assert!(!d.to_ascii_lowercase().starts_with("usage"));
    }
});
