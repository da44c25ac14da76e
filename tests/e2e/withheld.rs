//! A signed team's checkout that is not at the commit tcli verified (docs/team-repos.md, "What
//! a signed team guarantees"), attacked as a pusher without a roster key would: a refused
//! commit taken in by a `git pull` by hand, a conflicted pull leaving its files in the tree.
//! The team's modules, pins and settings are withheld everywhere (run, help, lists,
//! completion, the settings layers bundled modules read) with one warning naming the commits,
//! until the checkout is back at a verified commit. The keys and team are signed.rs's.

use crate::signed::{add, checkout, checkout_head, keys, roster_toml, Person, Team};
use crate::support::{bundled, fixture, Run, TestEnv};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

fn sha256(path: &std::path::Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// An executable `bin/tcli-<name>` in the teammate's clone, printing `says`.
fn exec_module(team: &Team, name: &str, says: &str) {
    let rel = format!("bin/tcli-{name}");
    team.write(
        &rel,
        &format!("#!/bin/sh\n# tcli-summary: {name} of the team\necho {says} \"$@\"\n"),
    );
    std::fs::set_permissions(team.work.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A signed team whose verified commit has an exec module `hi` and a pinned library
/// `hello`, added, with the doctor and secrets modules on the plugin path.
fn team_with_modules(env: &TestEnv) -> Team {
    let k = keys();
    let team = Team::new(env);
    exec_module(&team, "hi", "hi-says");
    let lib = fixture("hello");
    std::fs::create_dir_all(team.work.join("native")).unwrap();
    std::fs::copy(&lib, team.work.join("native/libhello.so")).unwrap();
    let mut toml = roster_toml(
        &[("ana", &[&k.ana]), ("bo", &[&k.bo]), ("cy", &[&k.cy])],
        true,
    );
    toml.push_str(&format!(
        "\n[bookmarks]\nwiki = \"https://wiki.example.com\"\n\n[modules.hello.native.{TRIPLE}]\npath = \"native/libhello.so\"\nsha256 = \"{}\"\n",
        sha256(&lib)
    ));
    team.write("tcli.toml", &toml);
    team.commit(env, "ana", Some(&k.ana), "modules");
    add(env, &team);
    env.put_plugin(&bundled("doctor"), "libtcli_plugin_doctor.so");
    team
}

/// What a user sees of the team's modules: run, listed, in help and in completion.
#[track_caller]
fn modules_shown(env: &TestEnv, shown: bool) {
    let hi = env.run(["hi", "x"]);
    let hello = env.run(["hello", "greet", "x"]);
    let list = env.run(["modules", "list"]);
    let help = env.run(["--help"]);
    let complete = env.run(["__complete", "bash", "--", "h"]);
    if shown {
        hi.success().stdout_has("hi-says x");
        hello.success().stdout_has("hello, x");
        list.success().stdout_has("hi ").stdout_has("hello");
        help.success().stdout_has("hi ").stdout_has("hello");
        complete.success().stdout_has("hi\n").stdout_has("hello");
    } else {
        hi.code(2);
        hello.code(2);
        list.success().stdout_lacks("hi ").stdout_lacks("hello");
        help.success().stdout_lacks("hi ").stdout_lacks("hello");
        complete
            .success()
            .stdout_lacks("hi\n")
            .stdout_lacks("hello");
    }
}

#[test]
fn signed_run_withholds_a_commit_pulled_by_hand() {
    let env = TestEnv::with_plugin_dir();
    let team = team_with_modules(&env);
    let verified = checkout_head(&env);
    modules_shown(&env, true);
    env.run(["evil"]).code(2);
    // mal, with push access and no roster key, adds a module and a bookmark; the update is
    // refused, and the user pulls by hand in tcli's checkout.
    exec_module(&team, "evil", "evil-ran");
    let toml = std::fs::read_to_string(team.work.join("tcli.toml")).unwrap();
    team.write(
        "tcli.toml",
        &toml.replace("https://wiki.example.com", "https://evil.example.com"),
    );
    let bad = team.commit(&env, "mal", None, "a module");
    env.run(["team", "update", "acme"]).code(1);
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    assert_eq!(checkout_head(&env), bad);
    let names = [(&bad[..7], "$BAD"), (&verified[..7], "$VERIFIED")];
    insta::assert_snapshot!(env.run(["evil"]).naming(&names), @r"
        ------- stderr -------
        warning: team 'acme' is not used: its checkout is at $BAD, not at $VERIFIED, the commit tcli last verified; its modules, pins and settings are withheld
        hint: run 'tcli team update acme' to verify what was pulled
        error: no module named 'evil'
        hint: run 'tcli --help' to see the modules you have
        [exit status: 2]
        ");
    modules_shown(&env, false);
    env.run(["modules", "list", "--json"])
        .success()
        .stdout_lacks("evil");
    // The settings layers modules read leave the team out: doctor names the problem.
    let doctor = env.run(["doctor"]);
    // The transport row names this machine's git: its version and path vary.
    let git_row = doctor
        .stdout
        .lines()
        .find(|l| l.contains("tcli.transport"))
        .and_then(|l| l.split("(tcli)").nth(1))
        .map(|d| d.trim().to_string())
        .expect("a tcli.transport row");
    let names = [names[0], names[1], (git_row.as_str(), "$GIT")];
    insta::assert_snapshot!(doctor.naming(&names), @r"
        STATUS  CHECK           TEAM    DETAIL                                                                                                                                           HINT
        FAIL    tcli.team.acme  acme    team 'acme' is not used: its checkout is at $BAD, not at $VERIFIED, the commit tcli last verified; its modules, pins and settings are withheld  run 'tcli team update acme' to verify what was pulled
        ok      tcli.transport  (tcli)  $GIT
        ok      tcli.modules    (tcli)  5 modules, none with problems
        ------- stderr -------
        warning: team 'acme' is not used: its checkout is at $BAD, not at $VERIFIED, the commit tcli last verified; its modules, pins and settings are withheld
        hint: run 'tcli team update acme' to verify what was pulled
        hint: no checks are defined yet; add [checks.<name>] to a team's tcli.toml or to $ROOT/config/tcli.toml (docs/doctor.md)
        3 checks: 2 ok, 1 failed, 0 warnings, 0 skipped, 0 invalid
        [exit status: 1]
        ");
    // Back at the verified commit, everything is there again (the index notices).
    env.git()
        .run(&checkout(&env), &["reset", "-q", "--hard", &verified]);
    modules_shown(&env, true);
    env.run(["evil"]).code(2);
    env.run(["modules", "list"])
        .success()
        .stdout_lacks("warning");
}

#[test]
fn signed_run_withholds_a_conflicted_pull() {
    let env = TestEnv::with_plugin_dir();
    let team = team_with_modules(&env);
    let verified = checkout_head(&env);
    // mal rewrites the branch: the verified commit replaced by one with another tcli.toml and
    // a module. Pulled as a merge, tcli.toml conflicts and git stops with HEAD where it was
    // and the incoming module in the tree.
    env.git()
        .run(&team.work, &["reset", "-q", "--hard", "HEAD~1"]);
    exec_module(&team, "evil", "evil-ran");
    team.write(
        "tcli.toml",
        "[bookmarks]\nwiki = \"https://evil.example.com\"\n",
    );
    team.commit(&env, "mal", None, "a module");
    let dir = checkout(&env);
    env.git()
        .fails(&dir, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert!(
        dir.join("bin/tcli-evil").exists(),
        "the incoming file is in the tree"
    );
    assert_eq!(checkout_head(&env), verified);
    let names = [(&verified[..7], "$VERIFIED")];
    insta::assert_snapshot!(env.run(["evil"]).naming(&names), @r"
        ------- stderr -------
        warning: team 'acme' is not used: a merge is under way in its checkout (at $VERIFIED, the commit tcli last verified), with files tcli has not verified in the tree; its modules, pins and settings are withheld
        hint: run 'git -C $ROOT/data/teams/acme merge --abort' to put back what tcli verified
        error: no module named 'evil'
        hint: run 'tcli --help' to see the modules you have
        [exit status: 2]
        ");
    modules_shown(&env, false);
    // The hint as printed puts the checkout back at the verified commit.
    env.git().run(&dir, &["merge", "--abort"]);
    modules_shown(&env, true);
    env.run(["evil"]).code(2);
}

/// `tcli args...` with `key` as the identity secrets decrypt with, in `dir`, `stdin` given.
fn as_key(env: &TestEnv, key: &crate::signed::Key, dir: &Path, args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    let mut c = env.cmd(args);
    c.env("TCLI_IDENTITY", &key.path)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run tcli");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn secrets_rekey_refuses_a_roster_pulled_by_hand() {
    let env = TestEnv::with_plugin_dir();
    env.put_plugin(&bundled("secrets"), "libtcli_plugin_secrets.so");
    let k = keys();
    // A signed team whose roster age can encrypt to (ed25519 and RSA), with one secret.
    let team = Team::new(&env);
    let roster = |people: &[Person]| roster_toml(people, true);
    team.write(
        "tcli.toml",
        &roster(&[("ana", &[&k.ana]), ("bo", &[&k.bo])]),
    );
    team.commit(&env, "ana", Some(&k.ana), "roster: age keys only");
    add(&env, &team);
    as_key(
        &env,
        &k.ana,
        &team.work,
        &["secrets", "set", "db"],
        "pw-22-hand-pulled",
    )
    .success();
    team.commit(&env, "ana", Some(&k.ana), "secrets: set db");
    env.run(["team", "update", "acme"]).success();
    let verified = checkout_head(&env);
    // mal, with push access and no roster key, adds himself; the update refuses it, and the
    // teammate pulls it by hand into tcli's checkout (their own clone has it too).
    team.write(
        "tcli.toml",
        &roster(&[("ana", &[&k.ana]), ("bo", &[&k.bo]), ("mal", &[&k.mal])]),
    );
    let bad = team.commit(&env, "mal", None, "roster: add mal");
    env.run(["team", "update", "acme"]).code(1);
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    let sealed = || std::fs::read(team.work.join("secrets/db.age")).unwrap();
    let was = sealed();
    let names = [(&bad[..7], "$BAD"), (&verified[..7], "$VERIFIED")];
    let r = as_key(&env, &k.ana, &team.work, &["secrets", "rekey"], "");
    insta::assert_snapshot!(r.naming(&names), @r"
        ------- stderr -------
        warning: team 'acme' is not used: its checkout is at $BAD, not at $VERIFIED, the commit tcli last verified; its modules, pins and settings are withheld
        hint: run 'tcli team update acme' to verify what was pulled
        error: no roster for team 'acme': its checkout is not at the commit tcli last verified, so secrets are not encrypted to anyone it names
        hint: run 'tcli team update acme' to verify what was pulled
        [exit status: 1]
        ");
    assert_eq!(sealed(), was, "nothing was encrypted again");
    // Nor may the flag that takes a new key take one from a withheld team.
    as_key(
        &env,
        &k.ana,
        &team.work,
        &["secrets", "rekey", "--allow-new-key", &k.mal.fingerprint],
        "",
    )
    .code(1);
    assert_eq!(sealed(), was, "nothing was encrypted again");
    // What the team has, mal cannot read: tcli back at the verified commit says so.
    env.git()
        .run(&checkout(&env), &["reset", "-q", "--hard", &verified]);
    as_key(&env, &k.mal, &team.work, &["secrets", "get", "db"], "")
        .code(1)
        .stderr_has("is not encrypted to your key");
    as_key(&env, &k.ana, &team.work, &["secrets", "get", "db"], "")
        .success()
        .stdout_has("pw-22-hand-pulled");
}

/// `team people` is what users compare fingerprints with: after a hand pull that adds mal's
/// key, it still shows the roster of the last verified commit.
#[test]
fn signed_people_shows_the_verified_roster_after_a_hand_pull() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(
            &[("ana", &[&k.ana]), ("bo", &[&k.bo]), ("mal", &[&k.mal])],
            true,
        ),
    );
    team.commit(&env, "mal", None, "mal joins");
    env.run(["team", "update", "acme"]).code(1);
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    let people = env.run(["team", "people", "acme", "--json"]);
    people
        .success()
        .stdout_lacks("\"mal\"")
        .stdout_has("\"bo\"");
}
