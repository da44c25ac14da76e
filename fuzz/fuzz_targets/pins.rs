//! `[modules.<name>]` pins of any `tcli.toml`, and image references: every entry is a pin or
//! one error naming its key; a pinned image always carries a sha256 digest of 64 hex, a native
//! build is keyed by a target triple and carries a sha256 of 64 hex and an https or
//! loopback-http URL or a path that stays in the repo.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::model::pin::{self, Artifact, BuildFrom};

fn hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = pin::parse_image(text) {
        let digest = r.digest.strip_prefix("sha256:").expect("a digest");
        assert!(hex64(digest), "{r:?}");
        let _ = r.registry();
    }
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let (pins, errors) = pin::parse(&table);
    for e in &errors {
        let line = e.to_string();
        assert!(!line.chars().any(tcli_core::prim::text::is_unsafe), "{e:?}");
    }
    for p in &pins {
        assert!(tcli_core::names::validate(&p.name).is_ok(), "{:?}", p.name);
        match &p.artifact {
            Artifact::Image(r) => assert!(hex64(r.digest.trim_start_matches("sha256:")), "{r:?}"),
            Artifact::Native(builds) => {
                for (triple, b) in builds {
                    assert!(
                        triple.split('-').count() >= 3
                            && !triple.contains('/')
                            && !triple
                                .chars()
                                .any(|c| tcli_core::prim::text::is_unsafe(c) || c.is_uppercase()),
                        "{triple:?}"
                    );
                    assert!(hex64(&b.sha256), "{b:?}");
                    match &b.from {
                        BuildFrom::Url(u) => {
                            assert!(tcli_helper::http::check_url(u).is_ok(), "{u}")
                        }
                        BuildFrom::Path(p) => {
                            assert!(
                                !p.starts_with('/') && !p.split('/').any(|c| c == ".."),
                                "{p}"
                            );
                            assert!(!p.chars().any(tcli_core::prim::text::is_unsafe), "{p:?}");
                        }
                    }
                }
            }
        }
    }
});
