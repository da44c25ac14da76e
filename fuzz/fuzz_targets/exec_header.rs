//! An exec module's `tcli-summary:` / `tcli-verbs:` header and the verb grammar: any first 4 KiB
//! of a file gives a clean summary and valid verbs, or problems, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::sources::exec::{Header, HEADER_MAX};

fuzz_target!(|data: &[u8]| {
    let head = &data[..data.len().min(HEADER_MAX as usize)];
    let h = Header::parse(head);
    if let Some(s) = &h.summary {
        assert!(
            !s.is_empty() && !s.chars().any(tcli_core::prim::text::is_unsafe),
            "{s:?}"
        );
    }
    let mut problems = Vec::new();
    let verbs = tcli_core::model::verbs::parse(&h.verbs.join(","), "tcli-verbs", &mut problems);
    for v in &verbs {
        for word in v.split(' ') {
            assert!(
                tcli_core::names::validate(word).is_ok(),
                "verb word {word:?}"
            );
        }
    }
    for p in &problems {
        let line = p.to_string();
        assert!(!line.contains('\n'), "{line:?}");
    }
});
