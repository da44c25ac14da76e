//! Oncall rotations (times, durations, overrides, rosters) from any settings files, asked about
//! any instant: answers hold the instant, schedules are ordered, calendars are CRLF text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((at, layers)) = data.split_first_chunk::<8>() else {
        return;
    };
    tcli_plugin_oncall::fuzz_one(layers, i64::from_le_bytes(*at));
});
