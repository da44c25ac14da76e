//! A commit's SSH signature (`gpgsig`) checked against a roster: any payload and armored block
//! give a signer or a typed refusal; only the exact payload the seed signature covers can ever
//! verify, so a mutation that verifies is a forgery and fails the run.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The roster of the seeds: ana's ed25519 key, which signed `seeds/signature/ana`.
const ANA: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzu52rstY7N83nVn2kggbe9a6ZKRUiWwh3X2IuQ9m7j ana@laptop";
/// The payload that seed signs.
const SIGNED: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Ana <ana@example.com> 1700000000 +0000\ncommitter Ana <ana@example.com> 1700000000 +0000\n\nhello\n";

fn roster() -> &'static tcli_roster::Roster {
    static R: OnceLock<tcli_roster::Roster> = OnceLock::new();
    R.get_or_init(|| {
        tcli_roster::Roster::from_settings(&serde_json::json!({
            "people": {"ana": {"keys": [ANA]}},
        }))
        .expect("the seed roster")
    })
}

fuzz_target!(|data: &[u8]| {
    // payload, a NUL, the armored signature.
    let (payload, armored) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (SIGNED, data),
    };
    if let Ok(signer) = roster().verify(payload, armored) {
        assert_eq!(
            payload, SIGNED,
            "a signature verified over other bytes: {signer:?}"
        );
    }
});
