//! Completion words: any words typed after `tcli` give candidates that start with the word
//! under the cursor and are single clean words.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tcli_core::context::Context;

fn context() -> &'static Context {
    static CX: OnceLock<Context> = OnceLock::new();
    CX.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tcli-fuzz-completion-{}", std::process::id()));
        for d in ["config", "data", "cache"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        // The fuzzer is single-threaded: setting the variables before the first use is sound.
        std::env::set_var("TCLI_CONFIG_DIR", dir.join("config"));
        std::env::set_var("TCLI_DATA_DIR", dir.join("data"));
        std::env::set_var("TCLI_CACHE_DIR", dir.join("cache"));
        std::env::set_var("PATH", "/nonexistent");
        Context::from_env()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let words: Vec<String> = text.split('\n').take(16).map(str::to_string).collect();
    let current = words.last().cloned().unwrap_or_default();
    for c in tcli_core::commands::complete::candidates(context(), &words) {
        assert!(
            c.word.starts_with(current.as_str()),
            "{:?} for {current:?}",
            c.word
        );
        assert!(!c.description.contains('\n'));
    }
});
