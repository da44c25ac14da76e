//! `tcli.toml` as teams and users write it: any text parses or is refused; merging a table over
//! another keeps every key of the top one, and the JSON modules get has the same keys; the
//! roster, notify channels, bookmarks and projects in it are accepted or refused with inert
//! errors, as the modules that read them check them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcli_core::settings::{json_of_table, merge};
use tcli_plugin_sdk::Layer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Two files from one input: split at the first NUL-free form feed, or use it twice.
    let (a, b) = text.split_once('\u{c}').unwrap_or((text, text));
    let (Ok(a), Ok(b)) = (a.parse::<toml::Table>(), b.parse::<toml::Table>()) else {
        return;
    };
    let mut merged = a.clone();
    merge(&mut merged, b.clone());
    for (k, v) in &b {
        if !v.is_table() {
            assert_eq!(merged.get(k), Some(v), "the later file wins for {k}");
        }
    }
    let json = json_of_table(&merged);
    assert_eq!(json.as_object().map(|o| o.len()), Some(merged.len()));
    let _ = tcli_roster::Roster::from_settings(&json);
    // The sections modules read file by file: [notify] channels and the roster, as the
    // notify module checks them (its own invariants: tcli-plugins/notify/src/lib.rs).
    let layers = [
        Layer::new(None, "/u/tcli.toml".into(), json_of_table(&b)),
        Layer::new(Some("t".into()), "/t/tcli.toml".into(), json_of_table(&a)),
    ];
    tcli_plugin_notify::fuzz_one(&layers);
    // [bookmarks] and [projects], read from the merged settings by web and project.
    let merged = json.to_string();
    tcli_plugin_web::fuzz_one(&merged);
    tcli_plugin_project::fuzz_one(&merged);
});
