//! Module names and the text rules: tcli and the SDK agree on every name, a valid one survives
//! sanitizing unchanged; a sanitized line has no control characters and respects its bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::prim::text::{sanitize_line, sh_word, DESCRIPTION_MAX};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    assert_eq!(
        tcli_core::names::validate(&s).is_ok(),
        tcli_plugin_sdk::is_valid_name(&s),
        "{s:?}: tcli and the SDK disagree"
    );
    if tcli_core::names::validate(&s).is_ok() {
        assert_eq!(sanitize_line(&s, DESCRIPTION_MAX), s);
        assert_eq!(sh_word(&s), s, "a valid name needs no quoting");
    }
    let clean = sanitize_line(&s, DESCRIPTION_MAX);
    assert!(
        !clean.chars().any(tcli_core::prim::text::is_unsafe),
        "{clean:?}"
    );
    assert!(clean.chars().count() <= DESCRIPTION_MAX + 1, "{clean:?}");
    assert_eq!(
        sanitize_line(&clean, DESCRIPTION_MAX),
        clean,
        "sanitizing is idempotent"
    );
    let word = sh_word(&s);
    assert!(!word.is_empty());
});
