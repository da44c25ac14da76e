//! `tcli doctor` end to end: the bundled doctor module built by cargo from the workspace, real
//! team repos (a local bare remote, pushed to with the `git` CLI, added with `tcli team add`),
//! the user's own `tcli.toml`, real tools and commands. What a user sees is asserted: stdout,
//! stderr, exit status, the JUnit file (parsed as XML), and the processes left behind.

use crate::support::{Run, TestEnv};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// A test env with doctor in its plugin dir (`TCLI_PLUGIN_PATH`).
fn env() -> TestEnv {
    TestEnv::with_bundled("doctor")
}

/// A team remote (bare) whose first commit holds `tcli_toml`, added with `tcli team add`.
/// Returns the commit.
fn team(env: &TestEnv, name: &str, tcli_toml: &str) -> String {
    let git = env.git();
    let bare = env.path(&format!("remotes/{name}.git"));
    let work = env.path(&format!("teammate/{name}"));
    std::fs::create_dir_all(&bare).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    git.run(&bare, &["init", "-q", "--bare", "-b", "main"]);
    git.run(&work, &["init", "-q", "-b", "main"]);
    std::fs::write(work.join("tcli.toml"), tcli_toml).unwrap();
    git.run(&work, &["add", "-A"]);
    git.run(&work, &["commit", "-q", "-m", "checks"]);
    git.run(&work, &["push", "-q", bare.to_str().unwrap(), "main"]);
    env.run(["team", "add", bare.to_str().unwrap(), "--name", name])
        .success();
    git.run(&bare, &["rev-parse", "main"])
}

fn user_toml(env: &TestEnv, text: &str) -> PathBuf {
    let p = env.config_dir().join("tcli.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// The table row of check `name` (a line starting with the status, then the name).
#[track_caller]
fn row<'a>(r: &'a Run, name: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| {
            panic!(
                "no row for {name}\nstdout:\n{}\nstderr:\n{}",
                r.stdout, r.stderr
            )
        })
}

#[track_caller]
fn assert_row(r: &Run, name: &str, status: &str, parts: &[&str]) {
    let line = row(r, name);
    assert!(line.starts_with(status), "status {status}: {line}");
    for p in parts {
        assert!(line.contains(p), "{p:?} in row: {line}");
    }
}

fn result<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no result {name} in {v:#}"))
}

#[test]
fn doctor_team_and_user_checks_run_together_and_shadowing_is_reported() {
    let env = env();
    let acme = team(
        &env,
        "acme",
        "[checks.git]\ntool = \"git\"\nrequire = \">=2.0\"\nhint = \"apt install git\"\n\
         [checks.shared]\nrun = \"exit 1\"\n\
         [checks.team-only]\nrun = \"echo hi\"\nexpect = \"^hi$\"\n",
    );
    let beta = team(&env, "beta", "[checks.git]\nrun = \"exit 7\"\n");
    let user = user_toml(
        &env,
        "[checks.shared]\nrun = \"true\"\n[checks.mine]\nfile = \"~/.profile\"\n",
    );
    std::fs::write(env.path("home/.profile"), "").unwrap();

    let r = env.run(["doctor"]);
    r.success();
    assert_row(&r, "git", "ok", &["acme", "git 2."]);
    assert_row(&r, "team-only", "ok", &["acme"]);
    assert_row(&r, "shared", "ok", &["(yours)"]);
    assert_row(&r, "mine", "ok", &["(yours)", ".profile exists"]);
    assert_row(&r, "tcli.team.acme", "ok", &["on main at", &acme[..12]]);
    assert_row(&r, "tcli.team.beta", "ok", &["on main"]);
    // The user's checks come first (their file wins), then each team's in `team list` order.
    let order: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|n| !n.starts_with("tcli."))
        .collect();
    assert_eq!(order, ["shared", "mine", "git", "team-only"]);
    r.stderr_has(&format!(
        "note: check 'git' of team 'beta' ({}) is shadowed by team 'acme'",
        env.data_dir().join("teams/beta/tcli.toml").display()
    ))
    .stderr_has("note: check 'shared' of team 'acme' (")
    .stderr_has(") is shadowed by your settings");

    let v = env.run(["doctor", "--json"]).success().json();
    assert_eq!(v["format"], "tcli-doctor");
    assert_eq!(v["exit"], 0);
    assert_eq!(v["os"], std::env::consts::OS);
    assert!(v["tcli"].as_str().unwrap().contains('.'));
    assert_eq!(v["teams"][0]["name"], "acme");
    assert_eq!(v["teams"][0]["commit"], acme);
    assert_eq!(v["teams"][0]["branch"], "main");
    assert_eq!(v["teams"][1]["commit"], beta);
    let git_result = result(&v, "git");
    assert_eq!(git_result["team"], "acme");
    assert_eq!(git_result["kind"], "tool");
    assert_eq!(git_result["shadowed"][0]["team"], "beta");
    let shared = result(&v, "shared");
    assert_eq!(shared["team"], serde_json::Value::Null);
    assert_eq!(shared["origin"], "your settings");
    assert_eq!(shared["file"], user.to_str().unwrap());
    assert_eq!(shared["shadowed"][0]["team"], "acme");
}

#[test]
fn doctor_each_failing_kind_shows_its_hint_and_exits_1() {
    let env = env();
    team(
        &env,
        "acme",
        "[checks.old-git]\ntool = \"git\"\nrequire = \">=99\"\nhint = \"upgrade git\"\n\
         [checks.no-tool]\ntool = \"tcli-no-such-tool\"\nhint = \"install the tool\"\n\
         [checks.token]\nenv = \"DOCTOR_TEST_TOKEN\"\nhint = \"export DOCTOR_TEST_TOKEN\"\n\
         [checks.cmd]\nrun = \"echo broken >&2; exit 3\"\nhint = \"fix the command\"\n\
         [checks.cfg]\nfile = \"~/.config/none.toml\"\nhint = \"create the file\"\n\
         [checks.key]\nfile = \"~/key\"\nmode = \"600\"\nhint = \"chmod 600 ~/key\"\n",
    );
    let key = env.path("home/key");
    std::fs::write(&key, "k").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();

    let r = env.run(["doctor"]);
    r.code(1);
    assert_row(
        &r,
        "old-git",
        "FAIL",
        &["does not meet >=99", "upgrade git"],
    );
    assert_row(
        &r,
        "no-tool",
        "FAIL",
        &["not found on PATH", "install the tool"],
    );
    assert_row(
        &r,
        "token",
        "FAIL",
        &["DOCTOR_TEST_TOKEN is not set", "export DOCTOR_TEST_TOKEN"],
    );
    assert_row(
        &r,
        "cmd",
        "FAIL",
        &["exit status 3", "broken", "fix the command"],
    );
    assert_row(
        &r,
        "cfg",
        "FAIL",
        &["none.toml does not exist", "create the file"],
    );
    assert_row(&r, "key", "FAIL", &["mode 644, not 600", "chmod 600 ~/key"]);
    r.stderr_has("checks: ");
    for name in ["old-git", "no-tool", "token", "cmd", "cfg", "key"] {
        let one = env.run(["doctor", name]);
        one.code(1);
        assert_eq!(
            one.stdout.lines().count(),
            2,
            "header and {name}:\n{}",
            one.stdout
        );
    }
}

/// The state of process `pid` (`/proc/<pid>/stat`'s third field), `None` when it is gone.
fn proc_state(pid: &str) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn doctor_timed_out_command_is_killed_and_leaves_no_process() {
    let env = env();
    let pid_file = env.path("sleeper.pid");
    user_toml(
        &env,
        &format!(
            "[checks.hang]\nrun = \"sleep 60 & echo $! > '{}'; wait\"\ntimeout = \"500ms\"\nhint = \"is the VPN up?\"\n",
            pid_file.display()
        ),
    );
    let start = Instant::now();
    let r = env.run(["doctor", "hang"]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    r.code(1);
    assert_row(
        &r,
        "hang",
        "FAIL",
        &[
            "did not finish within 500ms and was killed",
            "is the VPN up?",
        ],
    );
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(3);
    // Gone, or a zombie waiting for a parent that does not reap: either way not running.
    while matches!(proc_state(&pid), Some(s) if s != 'Z') {
        assert!(Instant::now() < deadline, "sleep {pid} still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn doctor_warning_alone_exits_0_and_1_with_strict() {
    let env = env();
    user_toml(
        &env,
        "[checks.engine]\nrun = \"exit 1\"\nseverity = \"warn\"\nhint = \"start the engine\"\n\
         [checks.fine]\nrun = \"true\"\n",
    );
    let r = env.run(["doctor"]);
    r.success();
    assert_row(&r, "engine", "warn", &["start the engine"]);
    assert_row(&r, "fine", "ok", &[]);
    env.run(["doctor", "--strict"]).code(1);
    let v = env.run(["doctor", "--strict", "--json"]).code(1).json();
    assert_eq!(v["exit"], 1);
    assert_eq!(result(&v, "engine")["status"], "warn");
    assert_eq!(result(&v, "engine")["severity"], "warn");
}

#[test]
fn doctor_env_value_never_appears_in_any_output() {
    let mut env = env();
    let secret = "s3cr3t-VALUE-4f9a";
    env.var("DOCTOR_SECRET", secret);
    env.var("DOCTOR_OTHER", secret);
    team(
        &env,
        "acme",
        "[checks.token-shape]\nenv = \"DOCTOR_SECRET\"\nmatches = \"^ghp_\"\nhint = \"use a GitHub token\"\n\
         [checks.token-set]\nenv = \"DOCTOR_OTHER\"\n\
         [checks.echoes]\nrun = 'echo \"token=$DOCTOR_SECRET\"; exit 1'\n",
    );
    // A module that puts the value in its detail.
    env.module(
        "leaky",
        r#"# tcli-verbs: doctor
case "$1" in --help) echo 'Leaky'; exit 0;; esac
printf '{"checks":[{"name":"t","status":"fail","detail":"got %s"}]}' "$DOCTOR_SECRET""#,
    );
    let xml = env.path("report.xml");
    let table = env.run(["doctor"]);
    table.code(1);
    assert_row(
        &table,
        "token-shape",
        "FAIL",
        &["DOCTOR_SECRET does not match /^ghp_/"],
    );
    assert_row(&table, "token-set", "ok", &["DOCTOR_OTHER is set"]);
    assert_row(&table, "echoes", "FAIL", &["token=***"]);
    assert_row(&table, "leaky.t", "FAIL", &["got ***"]);
    let json = env.run(["doctor", "--json", "--junit", xml.to_str().unwrap()]);
    json.code(1);
    let junit = std::fs::read_to_string(&xml).unwrap();
    for (what, text) in [
        ("table stdout", &table.stdout),
        ("table stderr", &table.stderr),
        ("json stdout", &json.stdout),
        ("json stderr", &json.stderr),
        ("junit", &junit),
    ] {
        assert!(
            !text.contains(secret),
            "the value leaked into the {what}:\n{text}"
        );
        assert!(
            !text.contains("s3cr3t"),
            "part of the value leaked into the {what}"
        );
    }
}

#[test]
fn doctor_broken_definitions_exit_2_and_valid_checks_still_run() {
    let env = env();
    team(
        &env,
        "acme",
        "[checks.unknown-kind]\nhttp = \"https://example.com\"\n\
         [checks.bad-semver]\ntool = \"git\"\nrequire = \">=two\"\n\
         [checks.bad-regex]\nrun = \"true\"\nexpect = \"(unclosed\"\n\
         [checks.bad-timeout]\nrun = \"true\"\ntimeout = \"soon\"\n\
         [checks.two-kinds]\ntool = \"git\"\nrun = \"git --version\"\n\
         [checks.valid]\nrun = \"true\"\n\
         [checks.failing]\nrun = \"false\"\n",
    );
    let r = env.run(["doctor"]);
    r.code(2);
    assert_row(&r, "valid", "ok", &["acme"]);
    assert_row(&r, "failing", "FAIL", &[]);
    for (name, problem) in [
        ("unknown-kind", "unknown kind 'http'"),
        ("bad-semver", "not a semver requirement"),
        ("bad-regex", "not a valid regular expression"),
        ("bad-timeout", "not a duration"),
        ("two-kinds", "two kinds in one check (tool and run)"),
    ] {
        assert_row(&r, name, "INVALID", &[problem]);
    }
    insta::assert_snapshot!(r.normalized_stderr(), @r#"
        error: check 'unknown-kind' in $ROOT/data/teams/acme/tcli.toml (team 'acme'): unknown kind 'http'
        hint: give it exactly one of tool, run, env or file (docs/doctor.md)
        error: check 'bad-semver' in $ROOT/data/teams/acme/tcli.toml (team 'acme'): require = ">=two" is not a semver requirement: unexpected character 't' while parsing major version number
        hint: write a requirement like ">=2.30" or "^1.22"
        error: check 'bad-regex' in $ROOT/data/teams/acme/tcli.toml (team 'acme'): expect = "(unclosed" is not a valid regular expression (error: unclosed group)
        hint: fix the pattern (Rust regex syntax; in TOML, '...' strings need no escaped backslashes)
        error: check 'bad-timeout' in $ROOT/data/teams/acme/tcli.toml (team 'acme'): timeout = "soon" is not a duration from 1ms to 60m
        hint: write it like "5s", "500ms" or "2m"
        error: check 'two-kinds' in $ROOT/data/teams/acme/tcli.toml (team 'acme'): two kinds in one check (tool and run)
        hint: split it into two checks, each with one of tool, run, env or file
        10 checks: 4 ok, 1 failed, 0 warnings, 0 skipped, 5 invalid
        "#);
    let v = env.run(["doctor", "--json"]).code(2).json();
    assert_eq!(result(&v, "two-kinds")["status"], "invalid");
    assert_eq!(v["summary"]["invalid"], 5);
}

#[test]
fn doctor_settings_syntax_error_names_the_file_and_other_checks_run() {
    let env = env();
    team(&env, "acme", "[checks.team-check]\nrun = \"true\"\n");
    user_toml(&env, "[checks.mine\nrun = \"true\"\n");
    let r = env.run(["doctor"]);
    r.code(2);
    assert_row(&r, "team-check", "ok", &["acme"]);
    assert_row(&r, "tcli.settings", "INVALID", &["does not parse"]);
    insta::assert_snapshot!(r.normalized_stderr(), @r"
        error: $ROOT/config/tcli.toml does not parse: line 1: unclosed table, expected `]`
        hint: fix the file (it is TOML): $ROOT/config/tcli.toml
        5 checks: 4 ok, 0 failed, 0 warnings, 0 skipped, 1 invalid
        ");
}

/// Parses a JUnit file: (tests attribute, failure count, error count, testcase names).
fn junit(path: &Path) -> (usize, usize, usize, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root
        .children()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    let cases: Vec<roxmltree::Node> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let count = |tag: &str| {
        cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
            .count()
    };
    let tests: usize = suite.attribute("tests").unwrap().parse().unwrap();
    assert_eq!(tests, cases.len());
    assert_eq!(
        suite
            .attribute("failures")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        count("failure")
    );
    (
        tests,
        count("failure"),
        count("error"),
        cases
            .iter()
            .map(|c| c.attribute("name").unwrap().to_string())
            .collect(),
    )
}

#[test]
fn doctor_ci_without_terminal_has_no_colour_and_json_and_junit_validate() {
    let mut env = env();
    env.var("CI", "true");
    user_toml(
        &env,
        "[checks.ok]\nrun = \"true\"\n[checks.bad]\nrun = \"false\"\nhint = \"a <fix> & more\"\n\
         [checks.mac]\nrun = \"true\"\nos = \"macos\"\n[checks.linux]\nrun = \"true\"\nos = [\"linux\"]\n\
         [checks.odd]\nrun = 'printf \"x \\357\\277\\276 \\302\\205 \\357\\277\\277 y\\n\"; exit 1'\n\
         hint = \"odd \\uFFFF \\u0085 \\u001b hint\"\n",
    );
    let r = env.run(["doctor"]);
    r.code(1);
    assert!(
        !r.stdout.contains('\x1b'),
        "colour without a terminal:\n{}",
        r.stdout
    );
    assert!(!r.stderr.contains('\x1b'));
    if std::env::consts::OS == "linux" {
        assert_row(&r, "mac", "skip", &["only on macos"]);
        assert_row(&r, "linux", "ok", &[]);
    }

    let xml = env.path("out/report.xml");
    std::fs::create_dir_all(xml.parent().unwrap()).unwrap();
    let v = env
        .run(["doctor", "--json", "--junit", xml.to_str().unwrap()])
        .code(1)
        .json();
    assert_eq!(v["summary"]["failed"], 2);
    // U+FFFE, U+FFFF and C1 controls in a command's output and a hint: not XML, so dropped.
    let (tests, failures, errors, names) = junit(&xml);
    assert_eq!(tests, v["summary"]["total"].as_u64().unwrap() as usize);
    assert_eq!((failures, errors), (2, 0));
    assert!(names.contains(&"odd".to_string()), "{names:?}");
    assert!(names.contains(&"bad".to_string()), "{names:?}");
    let text = std::fs::read_to_string(&xml).unwrap();
    assert!(text.contains("hint: a &lt;fix&gt; &amp; more"), "{text}");

    // On a terminal the status is coloured; NO_COLOR turns it off.
    let tty = env.on_terminal(&["doctor"], &[]);
    assert!(
        tty.contains("\x1b[32mok"),
        "no colour on a terminal:\n{tty}"
    );
    let plain = env.on_terminal(&["doctor"], &[("NO_COLOR", "1")]);
    assert!(!plain.contains("\x1b[32m"), "{plain}");
}

#[test]
fn doctor_junit_counts_invalid_as_errors_and_strict_warnings_as_failures() {
    let env = env();
    user_toml(
        &env,
        "[checks.w]\nrun = \"false\"\nseverity = \"warn\"\n[checks.x]\nrun = 1\n",
    );
    let xml = env.path("r.xml");
    env.run(["doctor", "--strict", "--junit", xml.to_str().unwrap()])
        .code(2);
    let (_, failures, errors, _) = junit(&xml);
    assert_eq!((failures, errors), (1, 1));
}

#[test]
fn doctor_team_checkout_problems_are_reported() {
    let env = env();
    team(&env, "acme", "min-tcli-version = \"99.0.0\"\n");
    team(&env, "old", "stale-after-days = 3\n");
    team(&env, "gone", "");
    let when = SystemTime::now() - Duration::from_secs(10 * 86_400);
    for f in ["tcli-fetched", "FETCH_HEAD"] {
        let p = env.data_dir().join("teams/old/.git").join(f);
        if p.exists() {
            std::fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    }
    std::fs::remove_dir_all(env.data_dir().join("teams/gone")).unwrap();
    team(&env, "loose", "");
    env.git().run(
        &env.data_dir().join("teams/loose"),
        &["checkout", "-q", "--detach"],
    );
    let r = env.run(["doctor"]);
    r.code(1);
    assert_row(
        &r,
        "tcli.team.loose",
        "warn",
        &["not on a branch", "switch <branch>"],
    );
    assert_row(
        &r,
        "tcli.team.acme",
        "FAIL",
        &["needs tcli 99.0.0 or newer", "update tcli"],
    );
    assert_row(
        &r,
        "tcli.team.old",
        "warn",
        &["last updated 10 days ago", "tcli team update old"],
    );
    assert_row(
        &r,
        "tcli.team.gone",
        "FAIL",
        &["is missing", "tcli team remove gone"],
    );
    // Only the stale team: a warning alone passes.
    env.run(["doctor", "--team", "old"]).success();
}

#[test]
fn doctor_team_tcli_toml_that_does_not_parse_is_invalid_and_the_rest_runs() {
    let env = env();
    team(&env, "acme", "[checks.team-check]\nrun = \"true\"\n");
    team(&env, "beta", "[checks.beta-check]\nrun = \"true\"\n");
    user_toml(&env, "[checks.mine]\nrun = \"true\"\n");
    let file = env.data_dir().join("teams/acme/tcli.toml");
    std::fs::write(&file, "[checks.team-check\n").unwrap();
    let r = env.run(["doctor"]);
    r.code(2);
    assert_row(
        &r,
        "tcli.team.acme",
        "INVALID",
        &["tcli.toml does not parse: line 1"],
    );
    assert_row(&r, "beta-check", "ok", &["beta"]);
    assert_row(&r, "mine", "ok", &["(yours)"]);
    insta::assert_snapshot!(r.normalized_stderr(), @r"
        error: team 'acme': $ROOT/data/teams/acme/tcli.toml does not parse: line 1: unclosed table, expected `]`
        hint: ask the team to fix its tcli.toml
        6 checks: 5 ok, 0 failed, 0 warnings, 0 skipped, 1 invalid
        ");
}

#[test]
fn doctor_team_filter_and_unknown_names_are_usage_errors() {
    let env = env();
    team(&env, "acme", "[checks.a]\nrun = \"true\"\n");
    user_toml(&env, "[checks.mine]\nrun = \"false\"\n");
    let r = env.run(["doctor", "--team", "acme"]);
    r.success();
    row(&r, "a");
    row(&r, "tcli.team.acme");
    r.stdout_lacks("mine").stdout_lacks("tcli.modules");
    insta::assert_snapshot!(env.run(["doctor", "--team", "nope"]), @r"
        ------- stderr -------
        error: no team named 'nope'
        hint: the teams are: acme (tcli team list)
        [exit status: 2]
        ");
    insta::assert_snapshot!(env.run(["doctor", "nope"]), @r"
        ------- stderr -------
        error: no check named 'nope'
        hint: run 'tcli doctor' to see every check and its name
        [exit status: 2]
        ");
    // Defined, but not by the team asked for: nothing would run.
    insta::assert_snapshot!(env.run(["doctor", "mine", "--team", "acme"]), @r"
        ------- stderr -------
        error: no check named 'mine' in team 'acme'
        hint: run 'tcli doctor --team acme' to see the checks team 'acme' brings
        [exit status: 2]
        ");
}

#[test]
fn doctor_modules_contribute_checks_through_their_doctor_verb() {
    let env = env();
    env.module(
        "deploy",
        "# tcli-verbs: doctor, ship\n\
         case \"$1\" in\n\
         --help) echo 'Deploy things'; exit 0;;\n\
         doctor) echo '{\"checks\":[{\"name\":\"kubeconfig\",\"status\":\"pass\",\"detail\":\"context prod\"},\
         {\"name\":\"vpn\",\"status\":\"fail\",\"severity\":\"warn\",\"detail\":\"tun0 is down\",\"hint\":\"run vpn up\"}]}';;\n\
         esac",
    );
    env.module(
        "broken",
        "# tcli-verbs: doctor\ncase \"$1\" in --help) echo 'Broken'; exit 0;; esac\necho 'oops' >&2; exit 4",
    );
    env.module(
        "oddname",
        r#"# tcli-verbs: doctor
case "$1" in --help) echo 'Odd'; exit 0;; esac
echo '{"checks":[{"name":"Not Valid","status":"pass"}]}'"#,
    );
    let r = env.run(["doctor"]);
    r.code(1);
    assert_row(
        &r,
        "oddname.doctor",
        "FAIL",
        &["reported a check named 'Not Valid', not a valid check name"],
    );
    assert_row(&r, "deploy.kubeconfig", "ok", &["(module)", "context prod"]);
    assert_row(&r, "deploy.vpn", "warn", &["tun0 is down", "run vpn up"]);
    assert_row(
        &r,
        "broken.doctor",
        "FAIL",
        &["ended with status 4", "oops"],
    );
    let r = env.run(["doctor", "deploy"]);
    r.success();
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    env.run(["doctor", "deploy.vpn", "--strict"]).code(1);
    // A check the module does not report is a usage error naming the ones it does.
    insta::assert_snapshot!(env.run(["doctor", "deploy.typo"]), @r"
        ------- stderr -------
        error: no check named 'deploy.typo'
        hint: module 'deploy' has: deploy.kubeconfig, deploy.vpn
        [exit status: 2]
        ");
    // A module that gives no report is shown whatever was asked of it.
    let r = env.run(["doctor", "broken.x"]);
    r.code(1);
    assert_row(&r, "broken.doctor", "FAIL", &["ended with status 4"]);
}

#[test]
fn doctor_strings_from_settings_reach_the_terminal_on_one_line_without_escapes() {
    let env = env();
    user_toml(
        &env,
        "[checks.multi]\nrun = \"false\"\nhint = \"line one\\nline two \\u001b[31mred\"\n\
         [checks.pattern]\nrun = \"echo out\"\nexpect = \"\\u001b\\\\[2Jnope\"\n\
         [checks.broken]\nrun = \"true\"\nexpect = \"(\\n\\u001b[2J\"\n",
    );
    let r = env.run(["doctor"]);
    r.code(2);
    assert_row(&r, "multi", "FAIL", &["line one line two [31mred"]);
    assert_row(&r, "pattern", "FAIL", &["does not match"]);
    assert_row(&r, "broken", "INVALID", &["not a valid regular expression"]);
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
    // Header and one row per check, each row starting with its status.
    for line in r.stdout.lines().skip(1) {
        assert!(
            ["ok ", "FAIL ", "INVALID ", "warn ", "skip "]
                .iter()
                .any(|s| line.starts_with(s)),
            "a split row: {line:?}\n{}",
            r.stdout
        );
    }
    for line in r.stderr.lines() {
        assert!(
            ["error: ", "hint: ", "note: "]
                .iter()
                .any(|s| line.starts_with(s))
                || line.contains(" check"),
            "a split message: {line:?}\n{}",
            r.stderr
        );
    }
}

#[test]
fn doctor_checks_run_in_parallel() {
    let env = env();
    let dir = env.path("arrived");
    std::fs::create_dir_all(&dir).unwrap();
    // Each check arrives, then waits (up to 20 s) for all eight to have arrived: run one
    // after the other, the first would wait alone until its timeout.
    let mut toml = String::new();
    for i in 0..8 {
        toml.push_str(&format!(
            "[checks.c{i}]\nrun = \"touch '{d}/{i}'; n=0; while [ $(ls '{d}' | wc -l) -lt 8 ]; do n=$((n+1)); [ $n -lt 400 ] || exit 1; sleep 0.05; done\"\ntimeout = \"30s\"\n",
            d = dir.display()
        ));
    }
    user_toml(&env, &toml);
    let r = env.run(["doctor"]);
    r.success();
    for i in 0..8 {
        assert_row(&r, &format!("c{i}"), "ok", &[]);
    }
}

#[test]
fn doctor_interrupt_kills_running_checks_and_ends_by_the_signal() {
    let env = env();
    let pid_file = env.path("sleeper.pid");
    user_toml(
        &env,
        &format!(
            "[checks.hang]\nrun = \"sleep 60 & echo $! > '{}'; wait\"\ntimeout = \"60s\"\n",
            pid_file.display()
        ),
    );
    let child = env
        .cmd(["doctor"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tcli");
    let deadline = Instant::now() + Duration::from_secs(20);
    let pid = loop {
        match std::fs::read_to_string(&pid_file) {
            Ok(p) if p.ends_with('\n') => break p.trim().to_string(),
            _ => {
                assert!(Instant::now() < deadline, "the check never started");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(2), "{:?}", out.status);
    assert!(out.stdout.is_empty(), "no report after an interrupt");
    let deadline = Instant::now() + Duration::from_secs(3);
    while matches!(proc_state(&pid), Some(s) if s != 'Z') {
        assert!(Instant::now() < deadline, "sleep {pid} still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn doctor_native_module_contributes_checks_with_the_sdk_report() {
    let env = env();
    std::fs::copy(
        crate::support::fixture("hello"),
        env.path("plugins/libfixture_hello.so"),
    )
    .unwrap();
    let r = env.run(["doctor", "hello"]);
    r.success();
    assert_row(&r, "hello.data-dir", "ok", &["(module)", "exists"]);
    assert_row(&r, "hello.mac-only", "skip", &["not on this system"]);
    std::fs::remove_dir_all(env.data_dir()).unwrap();
    let r = env.run(["doctor", "hello"]);
    r.code(1);
    assert_row(&r, "hello.data-dir", "FAIL", &["is missing", "mkdir -p"]);
}

#[test]
fn doctor_without_checks_says_where_to_define_them() {
    let env = env();
    insta::assert_snapshot!(env.run(["doctor"]), @r"
        STATUS  CHECK         TEAM    DETAIL                         HINT
        ok      tcli.modules  (tcli)  5 modules, none with problems
        ------- stderr -------
        hint: no checks are defined yet; add [checks.<name>] to a team's tcli.toml or to $ROOT/config/tcli.toml (docs/doctor.md)
        1 check: 1 ok, 0 failed, 0 warnings, 0 skipped, 0 invalid
        ");
}

#[test]
fn doctor_unreadable_team_registry_exits_3() {
    let env = env();
    user_toml(&env, "[checks.mine]\nrun = \"true\"\n");
    std::fs::write(env.data_dir().join("teams.json"), "not json").unwrap();
    insta::assert_snapshot!(env.run(["doctor"]), @r"
        ------- stderr -------
        error: cannot list the teams: 'tcli team list --json' failed: the team registry $ROOT/data/teams.json is corrupt: expected ident at line 1 column 2
        hint: run 'tcli team list' to see what is wrong
        [exit status: 3]
        ");
    // CI gets a report saying why, not a missing file.
    let xml = env.path("r.xml");
    env.run(["doctor", "--junit", xml.to_str().unwrap()])
        .code(3);
    let (tests, failures, errors, names) = junit(&xml);
    assert_eq!((tests, failures, errors), (1, 0, 1));
    assert_eq!(names, ["tcli.doctor"]);
    let text = std::fs::read_to_string(&xml).unwrap();
    assert!(text.contains("cannot list the teams"), "{text}");
}

#[test]
fn doctor_unwritable_junit_file_exits_3_and_the_json_says_so() {
    let env = env();
    user_toml(&env, "[checks.mine]\nrun = \"true\"\n");
    let xml = env.path("no-such-dir/r.xml");
    let r = env.run(["doctor", "--json", "--junit", xml.to_str().unwrap()]);
    assert_eq!(r.json()["exit"], 3);
    insta::assert_snapshot!(r.normalized_stderr(), @r"
        error: cannot write the JUnit report $ROOT/no-such-dir/r.xml: No such file or directory (os error 2)
        hint: give --junit a path in a directory you can write to
        ");
    r.code(3);
}

#[test]
fn doctor_docker_module_contributes_checks_and_the_engine_is_checked() {
    if !crate::docker::engine_available() {
        return;
    }
    let mut d = crate::docker::DockerEnv::new();
    let plugins = d.env.path("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        crate::support::bundled("doctor"),
        plugins.join("libtcli_plugin_doctor.so"),
    )
    .unwrap();
    d.env.var("TCLI_PLUGIN_PATH", plugins.display().to_string());
    let answer = r#"{"checks":[{"name":"inside","status":"pass","detail":"from a container"}]}"#;
    let _image = crate::docker::TestImage::import(
        &format!("{}/doc:1", d.prefix),
        &[
            crate::docker::BUSYBOX,
            "sh",
            "-c",
            &format!("echo '{answer}'"),
            "sh",
        ],
        &[("io.tcli.module", "doc"), ("io.tcli.verbs", "doctor")],
    );
    let r = d.run(&["doctor"]);
    r.success();
    assert_row(&r, "tcli.docker", "ok", &["engine reachable ("]);
    assert_row(&r, "doc.inside", "ok", &["(module)", "from a container"]);
}

const ONCALL_TEAM: &str = r#"[people.ana]
name = "Ana"

[people.bo]
name = "Bo"

[oncall.primary]
people = ["ana", "bo"]
start = 2026-03-02T09:00:00+01:00
every = "1w"

[[oncall.primary.override]]
person = "bo"
from = 2026-03-04T12:00:00+01:00
to = 2026-03-05T12:00:00+01:00
"#;

#[test]
fn doctor_names_a_rotation_still_naming_a_removed_person() {
    let env = env();
    env.put_plugin(
        &crate::support::bundled("oncall"),
        "libtcli_plugin_oncall.so",
    );
    let old = team(&env, "acme", ONCALL_TEAM);
    assert_row(
        &env.run(["doctor"]),
        "oncall.primary",
        "ok",
        &["2 people, from team 'acme'"],
    );
    // bo leaves the roster; the rotation still names him.
    let work = env.path("teammate/acme");
    let without_bo = ONCALL_TEAM.replace("[people.bo]\nname = \"Bo\"\n\n", "");
    std::fs::write(work.join("tcli.toml"), without_bo).unwrap();
    env.git().run(&work, &["commit", "-q", "-am", "bo leaves"]);
    env.git().run(
        &work,
        &[
            "push",
            "-q",
            env.path("remotes/acme.git").to_str().unwrap(),
            "main",
        ],
    );
    let new = env.git().run(&work, &["rev-parse", "HEAD"]);
    let names = [(&old[..7], "$OLD"), (&new[..7], "$NEW")];
    insta::assert_snapshot!(env.run(["team", "update"]).naming(&names), @r"
        acme: updated $OLD..$NEW (main)
          1 commit:
            $NEW  Teammate  bo leaves
          roster: person bo removed (no keys)
        ------- stderr -------
        warning: team 'acme': oncall.primary.people names 'bo', who is not in the roster; 'tcli oncall' refuses the rotation until [oncall.primary] or [people.bo] is fixed
        warning: team 'acme': oncall.primary.override[0].person names 'bo', who is not in the roster; 'tcli oncall' refuses the rotation until [oncall.primary] or [people.bo] is fixed
        ");
    insta::assert_snapshot!(env.run(["doctor", "oncall"]), @r"
    STATUS  CHECK           TEAM      DETAIL                                                                                                                                              HINT
    FAIL    oncall.primary  (module)  rotation 'primary' in team 'acme' ($ROOT/data/teams/acme/tcli.toml): oncall.primary.people: 'bo' is not in the roster ([people.bo])  fix [oncall.primary] in $ROOT/data/teams/acme/tcli.toml (docs/oncall.md)
    ------- stderr -------
    1 check: 0 ok, 1 failed, 0 warnings, 0 skipped, 0 invalid
    [exit status: 1]
    ");
}

#[test]
fn doctor_names_broken_notify_projects_and_pins_sections() {
    let env = env();
    for m in ["notify", "project"] {
        env.put_plugin(
            &crate::support::bundled(m),
            &format!("libtcli_plugin_{m}.so"),
        );
    }
    team(
        &env,
        "acme",
        r#"[notify.build]
url = "http://192.0.2.1/hook"

[notify.deploys]
url = "https://hooks.example.com/T0/B0/secret-part"
format = "slack"

[projects.api]
description = "no url"

[projects.web]
url = "https://git.example.com/web.git"
"#,
    );
    // A pin edited into the checkout by hand: `team update` refuses a commit holding it.
    let file = env.data_dir().join("teams/acme/tcli.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n[modules.lint]\nimage = \"lint:latest\"\n");
    std::fs::write(&file, text).unwrap();
    insta::assert_snapshot!(env.run(["doctor", "tcli.team.acme", "notify", "project"]), @r#"
    STATUS  CHECK           TEAM      DETAIL                                                                                                                                                                                                                      HINT
    FAIL    tcli.team.acme  acme      pin modules.lint.image: 'lint:latest' is a tag without a digest: tags move, pins must not (pin the digest: image = "registry.example.com/team/tool:1.4@sha256:<64 hex>" (docker buildx imagetools inspect <ref> shows it))  fix [modules] in the team repo's tcli.toml (docs/team-repos.md, "Pinning"), then tcli team update acme
    FAIL    notify.build    (module)  channel 'build' in team 'acme' ($ROOT/data/teams/acme/tcli.toml): 'http://192.0.2.1/hook' uses plain http to a host that is not loopback (use https://, or http only to localhost, 127.0.0.1 or [::1])       fix [notify.build] in $ROOT/data/teams/acme/tcli.toml (docs/notify.md)
    ok      notify.deploys  (module)  posts slack to a url, from $ROOT/data/teams/acme/tcli.toml
    FAIL    project.api     (module)  projects.api: it needs url = "..."                                                                                                                                                                                          fix [projects.api] in the tcli.toml that defines it
    ok      project.web     (module)  clones to $ROOT/data/projects/web
    ------- stderr -------
    5 checks: 2 ok, 3 failed, 0 warnings, 0 skipped, 0 invalid
    [exit status: 1]
    "#);
}
