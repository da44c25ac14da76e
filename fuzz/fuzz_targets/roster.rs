//! The roster and OpenSSH key lines: any settings JSON gives a roster or one error; every key in
//! a roster has a SHA256 fingerprint and belongs to exactly one person.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(k) = tcli_roster::parse_key(text) {
            assert!(k.fingerprint.starts_with("SHA256:"));
            let again = tcli_roster::parse_key(&k.line).expect("a parsed line parses again");
            assert_eq!(again.fingerprint, k.fingerprint);
        }
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(r) = tcli_roster::Roster::from_settings(&v) {
        let fps = r.fingerprints();
        let mut unique = fps.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), fps.len(), "a key listed twice was accepted");
        for p in &r.people {
            assert!(tcli_roster::valid_id(&p.id));
        }
    }
});
