//! Module names and the text rules: a valid name matches the documented grammar and survives
//! sanitizing unchanged; a sanitized line has no control characters and respects its bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::prim::text::{sanitize_line, sh_word, DESCRIPTION_MAX};

fn grammar(name: &str) -> bool {
    // [a-z][a-z0-9]*(-[a-z0-9]+)*, at most 64 bytes (docs/architecture.md, names).
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && !name.ends_with('-')
        && !name.contains("--")
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if tcli_core::names::validate(&s).is_ok() {
        assert!(grammar(&s), "{s:?} validated but breaks the grammar");
        assert_eq!(sanitize_line(&s, DESCRIPTION_MAX), s);
        assert_eq!(sh_word(&s), s, "a valid name needs no quoting");
    }
    let clean = sanitize_line(&s, DESCRIPTION_MAX);
    assert!(!clean.chars().any(char::is_control), "{clean:?}");
    assert!(clean.chars().count() <= DESCRIPTION_MAX + 1, "{clean:?}");
    assert_eq!(sanitize_line(&clean, DESCRIPTION_MAX), clean, "sanitizing is idempotent");
    let word = sh_word(&s);
    assert!(!word.is_empty());
});
