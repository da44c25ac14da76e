//! A source plugin's `list` output (JSON Lines): any bytes give a listing or one failure;
//! listed modules have valid names and clean descriptions.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(listing) = tcli_core::model::source_listing::parse(data) {
        for m in &listing.entries {
            assert!(tcli_core::names::validate(&m.name).is_ok(), "{:?}", m.name);
            assert!(!m.run.is_empty(), "an entry runs something");
            if let Some(d) = &m.description {
                assert!(!d.chars().any(tcli_core::prim::text::is_unsafe), "{d:?}");
            }
        }
    }
});
