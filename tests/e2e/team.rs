//! `tcli team ...` end to end: real git repositories (a local bare repo as the team's remote, a
//! teammate's clone pushing to it with the `git` CLI) and the real `tcli` binary. What a user
//! sees is asserted: stdout, stderr, exit status, and the files left behind.

use crate::support::{Run, TestEnv};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

/// A team's remote (a bare repo) and a teammate's clone of it (also the transport tests').
pub(crate) struct Team {
    pub(crate) name: String,
    pub(crate) bare: PathBuf,
    pub(crate) work: PathBuf,
}

impl Team {
    /// A remote whose first commit ships `bin/tcli-hello` and a `tcli.toml`.
    pub(crate) fn new(env: &TestEnv, name: &str) -> Team {
        let bare = env.path(&format!("remotes/{name}.git"));
        let work = env.path(&format!("teammate/{name}"));
        std::fs::create_dir_all(&bare).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        env.git()
            .run(&bare, &["init", "-q", "--bare", "-b", "main"]);
        env.git().run(&work, &["init", "-q", "-b", "main"]);
        env.git()
            .run(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
        let t = Team {
            name: name.to_string(),
            bare,
            work,
        };
        t.module("hello", "echo hello from the team");
        t.write(
            "tcli.toml",
            "[bookmarks]\nwiki = \"https://wiki.example.com\"\n",
        );
        t.push(env, "first commit");
        t
    }

    /// Writes `bin/tcli-<name>` (executable) in the teammate's clone.
    pub(crate) fn module(&self, name: &str, body: &str) {
        let p = self.work.join("bin").join(format!("tcli-{name}"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            &p,
            format!("#!/bin/sh\n# tcli-summary: {name} for the team\n{body}\n"),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.work.join(rel), text).unwrap();
    }

    /// Commits everything in the teammate's clone and pushes it.
    pub(crate) fn push(&self, env: &TestEnv, msg: &str) {
        env.git().run(&self.work, &["add", "-A"]);
        env.git().run(&self.work, &["commit", "-q", "-m", msg]);
        env.git().run(&self.work, &["push", "-q", "origin", "main"]);
    }

    pub(crate) fn url(&self) -> &str {
        self.bare.to_str().unwrap()
    }

    pub(crate) fn head(&self, env: &TestEnv) -> String {
        env.git().run(&self.bare, &["rev-parse", "main"])
    }
}

/// The local checkout tcli made for `team`.
pub(crate) fn checkout(env: &TestEnv, team: &str) -> PathBuf {
    env.data_dir().join("teams").join(team)
}

fn add(env: &TestEnv, team: &Team) {
    env.run(["team", "add", team.url(), "--name", &team.name])
        .success();
}

/// A commit made in the user's own checkout.
fn local_commit(env: &TestEnv, dir: &Path, file: &str, text: &str) -> String {
    let git = env.git();
    std::fs::write(dir.join(file), text).unwrap();
    git.run(dir, &["add", "-A"]);
    git.run(dir, &["commit", "-q", "-m", "my own work"]);
    git.run(dir, &["rev-parse", "HEAD"])
}

/// Asserts a one-line error naming the team, with a hint, and exit 1.
#[track_caller]
fn refused(r: &Run, team: &str, hint: &str) {
    r.code(1);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line\n{}", r.stderr);
    assert!(
        errors[0].contains(&format!("team '{team}'")),
        "names the team\n{}",
        r.stderr
    );
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("hint:") && l.contains(hint)),
        "hint with {hint:?}\n{}",
        r.stderr
    );
}

/// A file in the team's bin/ may be named with any byte git allows: its name reaches the
/// terminal inert, in `team add` and in `team update`.
#[test]
fn team_add_and_update_show_hostile_file_names_inert() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    team.module("x\u{1b}]0;owned\u{7}", "true");
    team.push(&env, "a hostile name");
    let added = env.run(["team", "add", team.url(), "--name", "acme"]);
    added
        .success()
        .stdout_has("modules: hello, x\\u{1b}]0;owned\\u{7}");
    team.module("y\r\u{1b}[2K", "true");
    team.push(&env, "another");
    let updated = env.run(["team", "update"]);
    updated.success().stdout_has("added    y\\r\\u{1b}[2K");
    for r in [&added, &updated] {
        assert!(
            !r.raw_stdout
                .iter()
                .any(|b| matches!(b, 0x1b | 0x07 | b'\r')),
            "{:?}",
            r.stdout
        );
    }
}

#[test]
fn team_update_reports_an_added_module_that_then_runs() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    team.module("deploy", "echo deploying \"$@\"");
    team.push(&env, "add deploy");

    let r = env.run(["team", "update"]);
    r.success()
        .stdout_has("acme: updated")
        .stdout_has("added    deploy");
    env.run(["deploy", "--help"])
        .success()
        .stdout_has("deploying --help");
    env.run(["--help"])
        .success()
        .stdout_has("deploy for the team");
    let again = env.run(["team", "update", "acme"]);
    again.success().stdout_has("acme: already up to date");
}

#[test]
fn team_update_reports_removed_and_changed_modules() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    team.module("lint", "echo lint v1");
    team.push(&env, "add lint");
    add(&env, &team);
    env.run(["--help"]).success().stdout_has("hello");
    std::fs::remove_file(team.work.join("bin/tcli-hello")).unwrap();
    team.module("lint", "echo lint v2");
    team.push(&env, "drop hello, change lint");

    let r = env.run(["team", "update"]);
    r.success()
        .stdout_has("removed  hello")
        .stdout_has("changed  lint");
    env.run(["--help"]).success().stdout_lacks("hello");
    env.run(["lint"]).success().stdout_has("lint v2");
    env.run(["hello"])
        .code(2)
        .stderr_has("no module named 'hello'");
}

#[test]
fn team_update_json_lists_changes() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    team.module("deploy", "true");
    team.push(&env, "add deploy");
    let v = env.run(["team", "update", "--json"]).success().json();
    assert_eq!(v["ok"], true);
    let t = &v["teams"][0];
    assert_eq!(t["name"], "acme");
    assert_eq!(t["result"], "updated");
    assert_eq!(t["added"], serde_json::json!(["deploy"]));
    assert_eq!(t["removed"], serde_json::json!([]));
    assert_eq!(t["to"], team.head(&env));
}

#[test]
fn team_update_remote_unreachable_changes_nothing() {
    let env = TestEnv::new();
    let git = env.git();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let before = git.run(&dir, &["rev-parse", "HEAD"]);
    std::fs::rename(&team.bare, env.path("remotes/moved.git")).unwrap();

    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: cannot fetch team 'acme' from $ROOT/remotes/acme.git: '$ROOT/remotes/acme.git' does not appear to be a git repository; nothing was changed
        hint: check that git reaches the remote with your ssh config and credentials (git -C $ROOT/data/teams/acme ls-remote), then run 'tcli team update acme' again
        [exit status: 1]
        ");
    assert_eq!(git.run(&dir, &["rev-parse", "HEAD"]), before);
    env.run(["hello"])
        .success()
        .stdout_has("hello from the team");
}

#[test]
fn team_update_force_pushed_remote_is_refused() {
    let env = TestEnv::new();
    let git = env.git();
    let team = Team::new(&env, "acme");
    team.module("deploy", "echo v1");
    team.push(&env, "add deploy");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let before = git.run(&dir, &["rev-parse", "HEAD"]);
    team.module("deploy", "echo rewritten");
    git.run(&team.work, &["add", "-A"]);
    git.run(&team.work, &["commit", "-q", "--amend", "-m", "rewritten"]);
    git.run(&team.work, &["push", "-q", "--force", "origin", "main"]);

    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: the history of team 'acme' was rewritten upstream (origin/main was force-pushed); nothing was changed
        hint: your checkout has no commits of its own; to take the new history: git -C $ROOT/data/teams/acme reset --keep origin/main
        [exit status: 1]
        ");
    assert_eq!(git.run(&dir, &["rev-parse", "HEAD"]), before);
    env.run(["deploy"]).success().stdout_has("v1");
}

#[test]
fn team_update_local_uncommitted_change_survives() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let edited = "#!/bin/sh\necho my local fix\n";
    std::fs::write(dir.join("bin/tcli-hello"), edited).unwrap();
    team.module("deploy", "true");
    team.push(&env, "add deploy");

    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: team 'acme' has uncommitted changes (bin/tcli-hello) in $ROOT/data/teams/acme; nothing was updated
        hint: commit them, or set them aside around the update: git -C $ROOT/data/teams/acme stash -u && tcli team update acme && git -C $ROOT/data/teams/acme stash pop
        [exit status: 1]
        ");
    assert_eq!(
        std::fs::read_to_string(dir.join("bin/tcli-hello")).unwrap(),
        edited
    );
    assert!(!dir.join("bin/tcli-deploy").exists());
}

#[test]
fn team_update_local_commit_not_pushed_is_refused_when_remote_moved() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let mine = local_commit(&env, &dir, "notes.txt", "mine\n");
    team.module("deploy", "true");
    team.push(&env, "add deploy");

    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: team 'acme' has diverged from origin/main: 1 commit of yours not pushed, 1 commit new upstream; nothing was changed
        hint: put your commits on top and push them: git -C $ROOT/data/teams/acme pull --rebase && git -C $ROOT/data/teams/acme push
        [exit status: 1]
        ");
    assert_eq!(env.git().run(&dir, &["rev-parse", "HEAD"]), mine);
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn team_update_local_commit_not_pushed_warns_when_remote_did_not_move() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let mine = local_commit(&env, &dir, "notes.txt", "mine\n");

    let r = env.run(["team", "update"]);
    r.success()
        .stdout_has("acme: already up to date")
        .stderr_has("warning: team 'acme' has 1 commit not pushed");
    assert_eq!(env.git().run(&dir, &["rev-parse", "HEAD"]), mine);
}

#[test]
fn team_update_checkout_deleted_by_hand() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    std::fs::remove_dir_all(checkout(&env, "acme")).unwrap();

    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: the checkout of team 'acme' is missing: $ROOT/data/teams/acme
        hint: clone it again: tcli team remove acme && tcli team add $ROOT/remotes/acme.git --name acme
        [exit status: 1]
        ");
    env.run(["--help"]).success().stdout_lacks("hello");
    env.run(["team", "list"])
        .success()
        .stdout_has("acme")
        .stdout_has("(checkout missing)");
    let v = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(v["teams"][0]["state"], "missing");
    env.run(["team", "remove", "acme"]).success();
    let v = env.run(["team", "list", "--json"]).success().json();
    assert_eq!(v["teams"], serde_json::json!([]));
}

#[test]
fn team_update_broken_tcli_toml_is_refused() {
    let env = TestEnv::new();
    let git = env.git();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let before = git.run(&dir, &["rev-parse", "HEAD"]);
    let good = std::fs::read_to_string(dir.join("tcli.toml")).unwrap();
    team.write("tcli.toml", "[bookmarks]\nwiki = \"unterminated\n");
    team.module("deploy", "true");
    team.push(&env, "broken settings");

    let r = env.run(["team", "update"]);
    refused(&r, "acme", "fix tcli.toml");
    r.stderr_has("syntax error at line 2");
    assert_eq!(git.run(&dir, &["rev-parse", "HEAD"]), before);
    assert_eq!(
        std::fs::read_to_string(dir.join("tcli.toml")).unwrap(),
        good
    );
}

#[test]
fn team_update_concurrent_runs_do_not_corrupt() {
    let env = TestEnv::new();
    let git = env.git();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    for i in 0..5 {
        team.module(&format!("tool{i}"), "echo tool");
    }
    team.push(&env, "five tools");

    let children: Vec<_> = (0..4)
        .map(|_| {
            env.cmd(["team", "update", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| Run::from(c.wait_with_output().unwrap()))
        .collect();
    let mut updated = 0;
    for r in &runs {
        let v = r.success().json();
        if v["teams"][0]["result"] == "updated" {
            updated += 1;
            assert_eq!(v["teams"][0]["added"].as_array().unwrap().len(), 5);
        } else {
            assert_eq!(v["teams"][0]["result"], "up-to-date");
        }
    }
    assert_eq!(updated, 1, "exactly one run moved the checkout");
    let dir = checkout(&env, "acme");
    assert_eq!(git.run(&dir, &["rev-parse", "HEAD"]), team.head(&env));
    assert_eq!(git.run(&dir, &["status", "--porcelain"]), "");
    let v = env.run(["modules", "list", "--json"]).success().json();
    let names: Vec<&str> = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    for i in 0..5 {
        assert!(names.contains(&format!("tool{i}").as_str()), "{names:?}");
    }
}

#[test]
fn team_status_json_shape_is_local_only() {
    let env = TestEnv::new();
    let git = env.git();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    team.module("deploy", "true");
    team.push(&env, "add deploy");
    std::fs::write(dir.join("scratch.txt"), "x").unwrap();

    let v = env.run(["team", "status", "--json"]).success().json();
    let t = &v["teams"][0];
    assert_eq!(t["name"], "acme");
    assert_eq!(t["url"], team.url());
    assert_eq!(t["path"], dir.to_str().unwrap());
    assert_eq!(t["state"], "ok");
    assert_eq!(t["branch"], "main");
    assert_eq!(t["upstream"], "origin/main");
    assert_eq!(t["head"], git.run(&dir, &["rev-parse", "HEAD"]));
    // Not fetched since the teammate pushed: status never touches the network.
    assert_eq!(t["behind"], 0);
    assert_eq!(t["ahead"], 0);
    assert_eq!(t["dirty"], true);
    assert_eq!(t["changes"], serde_json::json!(["scratch.txt"]));
    let fetched = t["last_fetch"].as_u64().expect("last_fetch is a number");
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now - fetched < 600, "{fetched} vs {now}");
    assert!(t["problem"].is_null());

    git.run(&dir, &["fetch", "-q"]);
    let v = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(v["teams"][0]["behind"], 1);
    assert_eq!(v["teams"][0]["upstream_head"], team.head(&env));
    env.run(["team", "status"])
        .success()
        .stdout_has("1 behind origin/main, 1 uncommitted change");
}

#[test]
fn team_add_refuses_a_taken_name() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    insta::assert_snapshot!(env.run(["team", "add", team.url()]), @r"
        ------- stderr -------
        error: a team named 'acme' already exists ($ROOT/remotes/acme.git)
        hint: choose another name with --name, or remove it first: tcli team remove acme
        [exit status: 2]
        ");
    let v = env.run(["team", "list", "--json"]).success().json();
    assert_eq!(v["teams"].as_array().unwrap().len(), 1);
}

#[test]
fn team_add_failed_clone_leaves_nothing() {
    let env = TestEnv::new();
    let r = env.run([
        "team",
        "add",
        &env.path("nowhere/acme.git").display().to_string(),
    ]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: cannot clone team 'acme' from $ROOT/nowhere/acme.git: repository '$ROOT/nowhere/acme.git' does not exist; nothing was added
        hint: check the URL and that git reaches it with your ssh config and credentials: git ls-remote -- $ROOT/nowhere/acme.git
        [exit status: 1]
        ");
    let left: Vec<_> = std::fs::read_dir(env.data_dir().join("teams"))
        .map(|rd| rd.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let v = env.run(["team", "list", "--json"]).success().json();
    assert_eq!(v["teams"], serde_json::json!([]));
}

#[test]
fn team_add_invalid_default_name_suggests_name_flag() {
    let env = TestEnv::new();
    let team = Team::new(&env, "Acme_Tools");
    insta::assert_snapshot!(env.run(["team", "add", team.url()]), @r"
        ------- stderr -------
        error: invalid team name 'Acme_Tools': a name cannot contain uppercase letters
        hint: choose a name with --name, for example --name acme-tools
        [exit status: 2]
        ");
    env.run(["team", "add", team.url(), "--name", "acme"])
        .success();
    env.run(["hello"]).success();
}

#[test]
fn team_add_relative_path_and_list_order_is_search_order() {
    let env = TestEnv::new();
    let first = Team::new(&env, "first");
    let second = Team::new(&env, "second");
    first.module("same", "echo from first");
    first.push(&env, "same");
    second.module("same", "echo from second");
    second.push(&env, "same");
    env.run(["team", "add", "remotes/first.git"])
        .success()
        .stdout_has("added team 'first'");
    add(&env, &second);
    env.run(["same"]).success().stdout_has("from first");
    let v = env.run(["team", "list", "--json"]).success().json();
    assert_eq!(v["teams"][0]["name"], "first");
    assert_eq!(v["teams"][0]["url"], first.url());
    assert_eq!(v["teams"][1]["name"], "second");
    env.run(["modules", "which", "same"])
        .success()
        .stdout_has("teams/first/bin/tcli-same")
        .stdout_has("shadows: exec");
}

#[test]
fn team_remove_refuses_local_work_unless_forced() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    local_commit(&env, &dir, "notes.txt", "mine\n");
    let r = env.run(["team", "remove", "acme"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: team 'acme' has commits not pushed (on 'main') in $ROOT/data/teams/acme; nothing was removed
        hint: push or save that work first (git -C $ROOT/data/teams/acme status), or remove it anyway, losing it: tcli team remove acme --force
        [exit status: 1]
        ");
    assert!(dir.join("notes.txt").exists());
    env.git().run(&dir, &["push", "-q", "origin", "main"]);
    std::fs::write(dir.join("bin/tcli-hello"), "#!/bin/sh\necho edited\n").unwrap();
    refused(&env.run(["team", "remove", "acme"]), "acme", "--force");
    env.run(["team", "remove", "acme", "--force"])
        .success()
        .stdout_has("removed team 'acme'");
    assert!(!dir.exists());
    env.run(["hello"]).code(2);
    insta::assert_snapshot!(env.run(["team", "remove", "acme"]), @r"
        ------- stderr -------
        error: no team named 'acme'
        hint: no team repos are configured; add one with 'tcli team add <url>'
        [exit status: 2]
        ");
}

#[test]
fn team_remove_clean_checkout() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    env.run(["team", "remove", "acme"]).success();
    assert!(!checkout(&env, "acme").exists());
    env.run(["--help"]).success().stdout_lacks("hello");
    let v = env.run(["team", "list", "--json"]).success().json();
    assert_eq!(v["teams"], serde_json::json!([]));
}

#[test]
fn team_update_min_tcli_version_warns_and_fails_modules_check() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    team.write("tcli.toml", "min-tcli-version = \"99.0.0\"\n");
    team.push(&env, "needs a newer tcli");
    let r = env.run(["team", "update"]);
    r.success();
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("needs tcli 99.0.0 or newer"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(warnings[0].starts_with("warning: team 'acme'"));
    env.run(["modules", "check"])
        .code(1)
        .stdout_has("FAIL  team acme: team 'acme' needs tcli 99.0.0 or newer");
}

/// Makes every record of the team's last fetch `days` old.
fn age_fetch(env: &TestEnv, team: &str, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 86_400);
    for f in ["tcli-fetched", "FETCH_HEAD"] {
        let p = checkout(env, team).join(".git").join(f);
        if p.exists() {
            std::fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    }
}

/// Runs `tcli args...` with stderr (and stdout) on a pseudo-terminal, through `script`.
fn run_on_tty(env: &TestEnv, args: &[&str], extra: &[(&str, &str)]) -> String {
    strip_ansi(&env.on_terminal(args, extra).replace('\r', ""))
}

/// The text without colour escapes (`ESC [ ... m`), as a user reads it.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for e in chars.by_ref() {
                if e == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn team_stale_hint_on_a_terminal_at_most_once_a_day() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    age_fetch(&env, "acme", 9);
    let hint = "hint: team 'acme' was last updated 9 days ago; run 'tcli team update'";

    // Not a terminal, or CI set: never.
    let r = env.run(["hello"]);
    r.success();
    assert!(!r.stderr.contains("hint:"), "{}", r.stderr);
    let ci = run_on_tty(&env, &["hello"], &[("CI", "true")]);
    assert!(!ci.contains("hint:"), "{ci}");

    let first = run_on_tty(&env, &["hello"], &[]);
    assert!(first.contains(hint), "{first}");
    assert!(
        first.contains("hello from the team"),
        "the module still ran: {first}"
    );
    let second = run_on_tty(&env, &["--help"], &[]);
    assert!(!second.contains("hint:"), "once a day: {second}");
}

#[test]
fn team_stale_hint_not_for_a_recent_fetch_and_gone_after_update() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    age_fetch(&env, "acme", 6);
    let out = run_on_tty(&env, &["--version"], &[]);
    assert!(!out.contains("hint:"), "6 days is not stale: {out}");
    age_fetch(&env, "acme", 8);
    let on_team = run_on_tty(&env, &["team", "list"], &[]);
    assert!(!on_team.contains("hint:"), "not on 'tcli team': {on_team}");
    env.run(["team", "update"]).success();
    let after = run_on_tty(&env, &["--version"], &[]);
    assert!(!after.contains("hint:"), "fresh after update: {after}");
}

#[test]
fn team_settings_user_overrides_teams_and_earlier_team_wins() {
    let env = TestEnv::new();
    let first = Team::new(&env, "first");
    let second = Team::new(&env, "second");
    first.write("tcli.toml", "stale-after-days = 30\n");
    first.push(&env, "lenient");
    second.write("tcli.toml", "stale-after-days = 3\n");
    second.push(&env, "strict");
    add(&env, &first);
    add(&env, &second);
    age_fetch(&env, "first", 9);
    age_fetch(&env, "second", 9);
    // The first team's 30 days win over the second's 3.
    let out = run_on_tty(&env, &["--version"], &[]);
    assert!(!out.contains("hint:"), "{out}");
    // The user's own file wins over every team.
    std::fs::write(env.config_dir().join("tcli.toml"), "stale-after-days = 5\n").unwrap();
    let out = run_on_tty(&env, &["--version"], &[]);
    assert!(
        out.contains("hint: teams 'first', 'second' were last updated up to 9 days ago"),
        "{out}"
    );
}

#[test]
fn team_update_warns_when_a_new_module_is_shadowed() {
    let env = TestEnv::new();
    let first = Team::new(&env, "first");
    let second = Team::new(&env, "second");
    first.module("same", "echo from first");
    first.push(&env, "same");
    add(&env, &first);
    add(&env, &second);
    second.module("same", "echo from second");
    second.push(&env, "same too");
    let r = env.run(["team", "update", "second"]);
    r.success().stdout_has("added    same").stderr_has(&format!(
        "warning: module 'same' from {} is shadowed by the exec module at {}",
        checkout(&env, "second").join("bin").display(),
        checkout(&env, "first").join("bin/tcli-same").display()
    ));
    env.run(["same"]).success().stdout_has("from first");
}

#[test]
fn team_add_progress_only_on_a_terminal() {
    let env = TestEnv::new();
    let quiet = Team::new(&env, "quiet");
    let loud = Team::new(&env, "loud");
    let r = env.run(["team", "add", quiet.url()]);
    r.success().stdout_has("added team 'quiet'");
    assert_eq!(r.stderr, "", "quiet without a terminal");
    let out = run_on_tty(&env, &["team", "add", loud.url()], &[]);
    assert!(
        out.contains(&format!("cloning team 'loud' from {}...", loud.url())),
        "{out}"
    );
    assert!(out.contains("added team 'loud'"), "{out}");
}

#[test]
fn team_add_empty_repository_is_refused() {
    let env = TestEnv::new();
    let bare = env.path("remotes/empty.git");
    std::fs::create_dir_all(&bare).unwrap();
    env.git()
        .run(&bare, &["init", "-q", "--bare", "-b", "main"]);
    let r = env.run(["team", "add", bare.to_str().unwrap()]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: team 'empty' at $ROOT/remotes/empty.git has no commits yet; nothing was added
        hint: push a first commit (a bin/tcli-<module> or a tcli.toml), then run 'tcli team add -- $ROOT/remotes/empty.git' again
        [exit status: 1]
        ");
    let left: Vec<_> = std::fs::read_dir(env.data_dir().join("teams"))
        .map(|rd| rd.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    let v = env.run(["team", "list", "--json"]).success().json();
    assert_eq!(v["teams"], serde_json::json!([]));
}

#[test]
fn team_update_one_failing_team_does_not_stop_the_others() {
    let env = TestEnv::new();
    let gone = Team::new(&env, "gone");
    let fine = Team::new(&env, "fine");
    add(&env, &gone);
    add(&env, &fine);
    std::fs::remove_dir_all(checkout(&env, "gone")).unwrap();
    fine.module("deploy", "true");
    fine.push(&env, "add deploy");
    let r = env.run(["team", "update"]);
    r.code(1)
        .stderr_has("error: the checkout of team 'gone' is missing")
        .stdout_has("fine: updated")
        .stdout_has("added    deploy");
    add(&env, &Team::new(&env, "third"));
    let v = env.run(["team", "update", "--json"]).code(1).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["teams"][0]["name"], "gone");
    assert_eq!(v["teams"][0]["result"], "failed");
    assert!(v["teams"][0]["hint"]
        .as_str()
        .unwrap()
        .contains("tcli team remove gone"));
    assert_eq!(v["teams"][1]["name"], "fine");
    assert_eq!(v["teams"][1]["result"], "up-to-date");
    assert_eq!(v["teams"][2]["name"], "third");
}

/// Pushes, as a commit on top of the teammate's HEAD, a tree git accepts but the checkout
/// cannot write midway: it deletes `bin/tcli-old`, adds `.gitmodules` (written first), then a
/// file whose name is longer than the file system allows (refused only when written). Built
/// with plumbing, as an attacker would.
fn push_unwritable_tree(env: &TestEnv, team: &Team) -> String {
    let git = env.git();
    let w = &team.work;
    let blob =
        |text: &str| git.run_with_stdin(w, &["hash-object", "-w", "--stdin"], text.as_bytes());
    let mktree = |lines: String| git.run_with_stdin(w, &["mktree"], lines.as_bytes());
    let modules = blob("[submodule \"x\"]\n\tpath = x\n\turl = ./x\n");
    let evil = blob("evil\n");
    let hello = git.run(w, &["rev-parse", "HEAD:bin/tcli-hello"]);
    let bin = mktree(format!("100755 blob {hello}\ttcli-hello\n"));
    let toml = git.run(w, &["rev-parse", "HEAD:tcli.toml"]);
    let long = "z".repeat(300);
    let tree = mktree(format!(
        "100644 blob {modules}\t.gitmodules\n040000 tree {bin}\tbin\n100644 blob {toml}\ttcli.toml\n100644 blob {evil}\t{long}\n"
    ));
    let commit = git.run(w, &["commit-tree", &tree, "-p", "HEAD", "-m", "unwritable"]);
    git.run(
        w,
        &["push", "-q", "origin", &format!("{commit}:refs/heads/main")],
    );
    commit[..7].to_string()
}

/// A checkout that fails midway (after deleting one file and writing another) leaves the
/// working tree, index and HEAD exactly as they were, says so, and the next update works.
#[test]
fn team_update_checkout_failing_midway_changes_nothing() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    team.module("old", "echo old module");
    team.push(&env, "add old");
    add(&env, &team);
    let dir = checkout(&env, "acme");
    let head = env.git().run(&dir, &["rev-parse", "HEAD"]);
    let old = std::fs::read(dir.join("bin/tcli-old")).unwrap();
    let bad = push_unwritable_tree(&env, &team);

    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r.naming(&[(&"z".repeat(300), "$LONG"), (&bad, "$BAD")]), @r"
        ------- stderr -------
        error: cannot fast-forward team 'acme' in $ROOT/data/teams/acme: could not open '$ROOT/data/teams/acme/$LONG' for writing: File name too long; nothing was changed
        hint: see whether a file of yours is in the way (git -C $ROOT/data/teams/acme status --ignored), or ask the team about commit $BAD in $ROOT/remotes/acme.git
        [exit status: 1]
        ");
    assert_eq!(
        env.git().run(&dir, &["status", "--porcelain", "--ignored"]),
        ""
    );
    assert_eq!(env.git().run(&dir, &["rev-parse", "HEAD"]), head);
    assert_eq!(std::fs::read(dir.join("bin/tcli-old")).unwrap(), old);
    assert!(!dir.join(".gitmodules").exists());
    assert!(!dir.join("sub").exists());
    env.run(["old"]).success().stdout_has("old module");

    // The team fixes it: the next update goes through.
    team.module("deploy", "true");
    env.git().run(&team.work, &["add", "-A"]);
    env.git()
        .run(&team.work, &["commit", "-q", "-m", "add deploy"]);
    env.git()
        .run(&team.work, &["push", "-q", "-f", "origin", "main"]);
    env.run(["team", "update"])
        .success()
        .stdout_has("added    deploy");
}

/// An unsigned team's update names each commit by its author, with its subject made inert;
/// a long list ends in "and N more"; a `[trust]` change is said in words; `--json` carries
/// the same.
#[test]
fn team_update_lists_commits_by_author_and_trust_changes() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    add(&env, &team);
    for i in 1..=21 {
        team.write("notes.txt", &format!("{i}\n"));
        team.push(&env, &format!("note {i}"));
    }
    team.write("notes.txt", "evil\n");
    team.push(&env, "evil \u{1b}]0;owned\u{7} subject\rerror: fake");
    let r = env.run(["team", "update"]);
    let names = env.git().commit_names(&checkout(&env, "acme"));
    assert!(!r
        .raw_stdout
        .iter()
        .any(|b| matches!(b, 0x1b | 0x07 | b'\r')));
    insta::assert_snapshot!(r.naming(&names), @r"
        acme: updated $C1..$C23 (main)
          22 commits:
            $C23  Teammate  evil ]0;owned subject error: fake
            $C22  Teammate  note 21
            $C21  Teammate  note 20
            $C20  Teammate  note 19
            $C19  Teammate  note 18
            $C18  Teammate  note 17
            $C17  Teammate  note 16
            $C16  Teammate  note 15
            $C15  Teammate  note 14
            $C14  Teammate  note 13
            and 12 more
        ");

    team.write(
        "tcli.toml",
        "[bookmarks]\nwiki = \"https://wiki.example.com\"\n[trust]\nrequire-signed = false\n",
    );
    team.push(&env, "say signing is off");
    let r = env.run(["team", "update", "--json"]);
    let names = env.git().commit_names(&checkout(&env, "acme"));
    insta::assert_snapshot!(r.naming(&names), @r#"
        {
          "ok": true,
          "teams": [
            {
              "added": [],
              "artifacts": [],
              "branch": "main",
              "changed": [],
              "commits": [
                {
                  "by": "Teammate",
                  "commit": "$C24",
                  "key": null,
                  "subject": "say signing is off"
                }
              ],
              "from": "$C23",
              "more_commits": 0,
              "name": "acme",
              "removed": [],
              "result": "updated",
              "roster": [],
              "to": "$C24",
              "trust": [
                {
                  "from": null,
                  "key": "require-signed",
                  "to": false
                }
              ],
              "upstream": "origin/main",
              "warnings": []
            }
          ]
        }
        "#);

    // Turned on by a commit its parent did not ask to sign: said in words.
    team.write(
        "tcli.toml",
        "[bookmarks]\nwiki = \"https://wiki.example.com\"\n[trust]\nrequire-signed = true\n",
    );
    team.push(&env, "say signing is on");
    let r = env.run(["team", "update"]);
    let names = env.git().commit_names(&checkout(&env, "acme"));
    insta::assert_snapshot!(r.naming(&names), @r"
        acme: updated $C24..$C25 (main)
          1 commit:
            $C25  Teammate  say signing is on
          trust: require-signed changed from false to true
        ");
}

/// A URL that git would read as an option: tcli passes it after `--`, and its hint quotes it
/// after `--` too, so pasting the hint runs no `--upload-pack` command.
#[test]
fn team_add_url_that_looks_like_an_option_runs_nothing_and_its_hint_neither() {
    let env = TestEnv::new();
    let mark = env.path("pwned");
    let url = format!("--upload-pack=touch {}", mark.display());
    let r = env.run(["team", "add", "--name", "evil", "--", &url]);
    r.code(1);
    assert!(!mark.exists(), "git ran the URL as an option\n{}", r.stderr);
    let hint = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("hint: "))
        .expect("a hint");
    let command = &hint[hint.rfind(": ").unwrap() + 2..];
    assert!(command.starts_with("git ls-remote -- '"), "{command}");
    let _ = env.command("sh").args(["-c", command]).output().unwrap();
    assert!(
        !mark.exists(),
        "the hint ran the URL as an option: {command}"
    );
}
