//! Completion words: any words typed after `tcli`, with exec modules declaring verbs and
//! subjects on the PATH, give candidates that are single clean words (no space, tab or control
//! character, which would break the shell protocol), each once, with one-line descriptions.
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
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for (name, header) in [
            ("deploy", "# tcli-summary: Ship it\n# tcli-verbs: status, rollback\n# tcli-verbs: env create, env delete\n"),
            ("db-backup", "# tcli-summary: Back up \u{1b}[31mthe database\n# tcli-verbs: run, list, restore\n"),
        ] {
            let path = bin.join(format!("tcli-{name}"));
            std::fs::write(&path, format!("#!/bin/sh\n{header}exit 0\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::env::set_var("PATH", &bin);
        std::env::set_var("TCLI_NO_DOCKER", "1");
        let cx = Context::from_env();
        // Completion reads the index as it is; build it once, as any earlier tcli run would.
        let _ = tcli_core::catalog::load(&cx);
        cx
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let words: Vec<String> = text.split('\n').take(16).map(str::to_string).collect();
    let current = words.last().cloned().unwrap_or_default();
    let got = tcli_core::commands::complete::candidates(context(), &words);
    let mut seen = std::collections::BTreeSet::new();
    for c in &got {
        assert!(
            c.word.starts_with(current.as_str()),
            "{:?} for {current:?}",
            c.word
        );
        assert!(
            !c.word.is_empty()
                && !c
                    .word
                    .chars()
                    .any(|ch| tcli_core::prim::text::is_unsafe(ch) || ch.is_whitespace()),
            "{:?}",
            c.word
        );
        assert!(
            !c.description.chars().any(tcli_core::prim::text::is_unsafe),
            "{:?}",
            c.description
        );
        assert!(seen.insert(c.word.as_str()), "{:?} offered twice", c.word);
    }
});
