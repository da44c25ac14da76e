//! The CLI reference and the man pages, generated from the clap definitions and checked in:
//! docs/cli.md carries the `--help` of every command in the built-ins' clap tree between two
//! markers, and docs/man holds one roff page per command. These tests regenerate both and fail
//! when the committed files differ; `TCLI_UPDATE_DOCS=1 cargo test -p tcli-core --test e2e
//! docs` rewrites them. The exit-code table of each page is checked against the SDK's
//! constants (`tcli_core::exit::codes`), which the code uses.

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

/// The numbers in the first column of the first exit-code table of `page` (a table whose
/// header starts with `code` or `exit`), and whether it has the `128+N` row. Rows naming a
/// status passed through (`module's own`, `CMD's`, `anything else`) are not numbers.
fn exit_table(page: &str) -> (std::collections::BTreeSet<u8>, bool) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let first_cell = |line: &str| {
        line.split('|')
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let mut lines = text.lines().skip_while(|l| {
        !(l.starts_with('|') && ["code", "exit"].contains(&first_cell(l).as_str()))
    });
    assert!(lines.next().is_some(), "docs/{page} has no exit-code table");
    let (mut codes, mut signals) = (std::collections::BTreeSet::new(), false);
    for row in lines.skip(1).take_while(|l| l.starts_with('|')) {
        for word in first_cell(row).split(',').map(str::trim) {
            match word.parse::<u8>() {
                Ok(n) => assert!(codes.insert(n), "docs/{page} lists {n} twice"),
                Err(_) => signals |= word == "128+N",
            }
        }
    }
    (codes, signals)
}

#[test]
fn docs_exit_code_tables_match_the_constants() {
    use tcli_core::exit::codes::*;
    // Each page, the codes its program chooses, and whether it reports death by a signal.
    let pages: [(&str, &[u8], bool); 7] = [
        (
            "cli.md",
            &[SUCCESS, FAILURE, USAGE, PANIC, ENGINE, CANNOT_RUN],
            true,
        ),
        ("docker-modules.md", &[USAGE, ENGINE, CANNOT_RUN], true),
        ("doctor.md", &[SUCCESS, FAILURE, USAGE, NOT_CHECKED], false),
        ("helpers.md", &[SUCCESS, HELPER_ANSWERED_ERROR], false),
        ("notify.md", &[SUCCESS, FAILURE, USAGE], false),
        ("oncall.md", &[SUCCESS, FAILURE, USAGE], false),
        (
            "secrets.md",
            &[SUCCESS, FAILURE, USAGE, CANNOT_RUN, NOT_FOUND],
            false,
        ),
    ];
    for (page, constants, signals) in pages {
        let (codes, signal_row) = exit_table(page);
        let want: std::collections::BTreeSet<u8> = constants.iter().copied().collect();
        assert_eq!(
            codes, want,
            "docs/{page}: its exit-code table against the constants"
        );
        assert_eq!(
            signal_row, signals,
            "docs/{page}: the 128+N row (tcli_core::exit::codes::SIGNAL_BASE)"
        );
    }
    assert_eq!(signal(2), SIGNAL_BASE + 2);
}
