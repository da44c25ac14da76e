//! The CLI reference and the man pages, generated from the clap definitions and checked in:
//! docs/cli.md carries the `--help` of every command in the built-ins' clap tree between two
//! markers, and docs/man holds one roff page per command. These tests regenerate both and fail
//! when the committed files differ; `TCLI_UPDATE_DOCS=1 cargo test -p tcli-core --test e2e
//! docs` rewrites them.

use crate::support::TestEnv;

const BEGIN: &str = "<!-- BEGIN GENERATED: cargo test docs -->\n";
const END: &str = "<!-- END GENERATED -->\n";

fn generated(env: &TestEnv) -> String {
    let mut out = String::new();
    for words in command_paths() {
        let mut args = words.clone();
        args.push("--help".into());
        let run = env.run(&args);
        run.success();
        let title = if words.is_empty() {
            "tcli".to_string()
        } else {
            format!("tcli {}", words.join(" "))
        };
        out.push_str(&format!("### `{title}`\n\n```text\n{}```\n\n", run.stdout));
    }
    out
}

#[test]
fn docs_cli_reference_matches_help() {
    let env = TestEnv::new();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/cli.md");
    let doc = std::fs::read_to_string(&path).expect("docs/cli.md");
    let (head, rest) = doc
        .split_once(BEGIN)
        .expect("docs/cli.md lacks the BEGIN marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("docs/cli.md lacks the END marker");
    let fresh = format!("{head}{BEGIN}{}{END}{tail}", generated(&env));
    if std::env::var_os("TCLI_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    assert!(
        fresh == doc,
        "docs/cli.md is out of date with the binary's --help; run: TCLI_UPDATE_DOCS=1 cargo test -p tcli-core --test e2e docs"
    );
}

/// Every command in the built-ins' clap tree with its words after `tcli`, parents first (the
/// `help` subcommands clap adds are left out: they repeat `--help`).
fn commands() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(cmd: &clap::Command, words: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
        out.push((words.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() || sub.get_name() == "help" && !words.is_empty() {
                continue;
            }
            let mut w = words.clone();
            w.push(sub.get_name().to_string());
            walk(sub, w, out);
        }
    }
    let mut cli = tcli_core::commands::cli();
    cli.build();
    let mut out = Vec::new();
    walk(&cli, Vec::new(), &mut out);
    out
}

fn command_paths() -> Vec<Vec<String>> {
    commands().into_iter().map(|(words, _)| words).collect()
}

/// The man pages, one per command as git has (`tcli.1`, `tcli-modules-list.1`, ...), rendered
/// from the clap tree: file name → roff.
fn man_pages() -> std::collections::BTreeMap<String, Vec<u8>> {
    commands()
        .into_iter()
        .map(|(_, cmd)| {
            let man = clap_mangen::Man::new(cmd).manual("tcli manual");
            let mut roff = Vec::new();
            man.render(&mut roff).unwrap();
            (man.get_filename(), roff)
        })
        .collect()
}

#[test]
fn docs_man_pages_match_the_clap_tree() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/man");
    let fresh = man_pages();
    assert!(fresh.contains_key("tcli.1") && fresh.contains_key("tcli-modules-list.1"));
    if std::env::var_os("TCLI_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, roff) in &fresh {
            std::fs::write(dir.join(name), roff).unwrap();
        }
        return;
    }
    let committed: std::collections::BTreeMap<String, Vec<u8>> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
        })
        .unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/man is out of date with the clap definitions; run: TCLI_UPDATE_DOCS=1 cargo test -p tcli-core --test e2e docs"
    );
}
