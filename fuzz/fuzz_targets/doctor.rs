//! Doctor check definitions (`[checks.<name>]` of any settings file) and version extraction
//! from any `--version` output: entries are valid or one-line refusals, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tcli_plugin_doctor::fuzz_one(data));
