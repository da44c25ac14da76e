//! Module names between teams and tcli (docs/team-repos.md, "Module names"): a team cannot
//! take the name of a module tcli ships, as an exec module or a pin, refused at `team add`
//! and `team update` before anything is fetched or loaded, and never shadowing the shipped one
//! at run time; when two teams offer one name, the team listed first has it, whatever the
//! kinds, and `team add|update` and `modules list` say so.

use crate::support::{fixture, TestEnv};
use crate::team::{checkout, Team};
use std::path::Path;
use std::process::Command;

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// `tcli.toml` text pinning `lib` (committed at `native/<file>`) as module `name`.
fn pin_in_repo(team: &Team, name: &str, lib: &Path, file: &str) -> String {
    let to = team.work.join("native").join(file);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(lib, &to).unwrap();
    format!(
        "[modules.{name}.native.{TRIPLE}]\npath = \"native/{file}\"\nsha256 = \"{}\"\n",
        sha256(lib)
    )
}

#[test]
fn team_add_refuses_a_shipped_name_and_fetches_nothing() {
    let env = TestEnv::with_bundled("secrets");
    // An exec module named as a bundled module.
    let evil = Team::new(&env, "evil");
    evil.module("secrets", "echo stolen");
    evil.push(&env, "a module named secrets");
    let at = env
        .git()
        .run(&evil.bare, &["rev-parse", "--short=7", "main"]);
    let r = env.run(["team", "add", evil.url(), "--name", "evil"]);
    insta::assert_snapshot!(r.naming(&[(&at, "$HEAD")]), @r#"
        ------- stderr -------
        error: team 'evil' ($HEAD): bin/tcli-secrets takes the name of a module tcli ships, which no team can take; nothing was changed
        hint: ask the team to rename bin/tcli-secrets: 'tcli secrets' runs the module tcli ships (docs/team-repos.md, "Module names")
        [exit status: 1]
        "#);
    assert!(!checkout(&env, "evil").exists(), "nothing was added");
    // A pinned library named as one: refused before it is read, let alone loaded.
    let pins = Team::new(&env, "pins");
    let toml = pin_in_repo(&pins, "secrets", &fixture("hello"), "libsecrets.so");
    pins.write("tcli.toml", &toml);
    pins.push(&env, "a pin named secrets");
    let at = env
        .git()
        .run(&pins.bare, &["rev-parse", "--short=7", "main"]);
    let r = env.run(["team", "add", pins.url(), "--name", "pins"]);
    insta::assert_snapshot!(r.naming(&[(&at, "$HEAD")]), @r#"
        ------- stderr -------
        error: team 'pins' ($HEAD): tcli.toml [modules.secrets]: 'secrets' is the name of a module tcli ships, which no team can take; nothing was changed
        hint: pin it under another name
        [exit status: 1]
        "#);
    assert!(
        !env.data_dir().join("store/native").exists(),
        "nothing was fetched"
    );
    // A team added before, with the module put in by hand: the shipped module still runs.
    let ok = Team::new(&env, "ok");
    env.run(["team", "add", ok.url(), "--name", "ok"]).success();
    let bin = checkout(&env, "ok").join("bin/tcli-secrets");
    std::fs::write(&bin, "#!/bin/sh\necho stolen\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.run(["secrets", "--help"])
        .success()
        .stdout_lacks("stolen");
    env.run(["modules", "list"])
        .success()
        .stdout_has("team 'ok' cannot take this name: tcli ships a module of that name");
}

#[test]
fn team_update_reports_a_module_two_teams_offer_and_the_first_wins() {
    let env = TestEnv::new();
    // Team a, added first, has `hello` as an exec module (Team::new ships one).
    let a = Team::new(&env, "a");
    env.run(["team", "add", a.url(), "--name", "a"]).success();
    // Team b pins a native `hello`: by kind alone, native would win.
    let b = Team::new(&env, "b");
    std::fs::remove_file(b.work.join("bin/tcli-hello")).unwrap();
    b.module("other", "echo other");
    let toml = pin_in_repo(&b, "hello", &fixture("hello"), "libhello.so");
    b.write("tcli.toml", &toml);
    b.push(&env, "pin hello");
    let at = env.git().run(&b.bare, &["rev-parse", "--short=7", "main"]);
    let r = env.run(["team", "add", b.url(), "--name", "b"]);
    insta::assert_snapshot!(r.naming(&[(&at, "$HEAD")]), @r#"
        added team 'b' from $ROOT/remotes/b.git (main at $HEAD)
          modules: other
          fetched  hello (native/libhello.so (in the team repo))
        ------- stderr -------
        b: fetching hello (native/libhello.so (in the team repo))
        warning: module 'hello' is offered by teams 'a' and 'b'; 'tcli hello' runs the one of team 'a', listed first (docs/team-repos.md, "Module names")
        "#);
    env.run(["hello"])
        .success()
        .stdout_has("hello from the team");
    let sha = sha256(&fixture("hello"));
    insta::assert_snapshot!(env.run(["modules", "list"]).naming(&[(&sha, "$SHA")]), @r"
        NAME        KIND     LOCATION                                          DESCRIPTION
        completion  builtin  (built in)                                        Print a shell completion script
        hello       exec     $ROOT/data/teams/a/bin/tcli-hello  hello for the team
            shadows: native $ROOT/data/store/native/$SHA.so
              problem: not used: team 'a', listed before team 'b', offers a module of this name
        help        builtin  (built in)                                        Show help for tcli or for a module
        modules     builtin  (built in)                                        List, locate and check modules
        other       exec     $ROOT/data/teams/b/bin/tcli-other  other for the team
        team        builtin  (built in)                                        Add, update and inspect team repositories
        ");
    let short = |t: &Team| env.git().run(&t.bare, &["rev-parse", "--short=7", "main"]);
    let (sa, sb) = (short(&a), short(&b));
    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r.naming(&[(&sa, "$A"), (&sb, "$B")]), @r#"
        a: already up to date ($A)
        b: already up to date ($B)
        ------- stderr -------
        warning: module 'hello' is offered by teams 'a' and 'b'; 'tcli hello' runs the one of team 'a', listed first (docs/team-repos.md, "Module names")
        "#);
}
