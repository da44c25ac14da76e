//! docs/cli.md carries the `--help` of every built-in command between two markers; this test
//! regenerates that part from the real binary and fails when the committed file differs.
//! `TCLI_UPDATE_DOCS=1 cargo test -p tcli-core --test e2e docs` rewrites it.

use crate::support::TestEnv;

const BEGIN: &str = "<!-- BEGIN GENERATED: cargo test docs -->\n";
const END: &str = "<!-- END GENERATED -->\n";

/// The subcommands listed under `Commands:` in a clap help text, `help` excluded.
fn subcommands(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .map(|rest| {
            rest.lines()
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next())
                .filter(|c| *c != "help")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn generated(env: &TestEnv) -> String {
    let mut out = String::new();
    let mut queue: Vec<Vec<String>> = vec![
        vec![],
        vec!["modules".into()],
        vec!["team".into()],
        vec!["completion".into()],
    ];
    while !queue.is_empty() {
        let words = queue.remove(0);
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
        let mut children: Vec<Vec<String>> = subcommands(&run.stdout)
            .into_iter()
            .map(|c| {
                let mut w = words.clone();
                w.push(c);
                w
            })
            .collect();
        if !words.is_empty() {
            children.append(&mut queue);
            queue = children;
        }
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
