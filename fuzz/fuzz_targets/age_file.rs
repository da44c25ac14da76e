//! A `.age` file from a team repo: tcli's header reading and the age crate's parsing and
//! decryption attempt never panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tcli_plugin_secrets::fuzz_one(data));
