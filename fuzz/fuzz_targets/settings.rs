//! `tcli.toml` as teams and users write it: any text parses or is refused; merging keeps the
//! merge rule, compared as the JSON modules get; the roster, notify channels, bookmarks and
//! projects in it are accepted or refused with inert errors, as the modules that read them
//! check them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use tcli_core::settings::{json_of_table, merge};
use tcli_plugin_sdk::Layer;

/// The merge rule (docs/team-repos.md, "How settings merge"): the later file wins key by key, tables merge, and
/// nothing of the earlier file is lost that the later one does not set.
fn check(base: &Map<String, Value>, over: &Map<String, Value>, merged: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => {
                let Some(Value::Object(m)) = merged.get(k) else {
                    panic!("{k} is no longer a table");
                };
                check(b, o, m);
            }
            _ => assert_eq!(merged.get(k), Some(v), "the later file wins for {k}"),
        }
    }
    for (k, v) in base {
        if !over.contains_key(k) {
            assert_eq!(merged.get(k), Some(v), "{k} of the earlier file is kept");
        }
    }
    let keys: BTreeSet<_> = base.keys().chain(over.keys()).collect();
    assert_eq!(merged.len(), keys.len(), "the merge has the keys of both");
}

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
    // Compared as the JSON modules get, where a NaN (never equal to itself) is null.
    let json = json_of_table(&merged);
    let (Some(base), Some(over), Some(both)) = (
        json_of_table(&a).as_object().cloned(),
        json_of_table(&b).as_object().cloned(),
        json.as_object().cloned(),
    ) else {
        panic!("a table's JSON is an object");
    };
    check(&base, &over, &both);
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
