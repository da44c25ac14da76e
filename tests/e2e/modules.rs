//! `tcli modules list|which|check`: shadowing, invalid names, JSON shapes, conformance.

use crate::support::TestEnv;

#[test]
fn modules_which_shows_winner_and_shadowed() {
    let mut env = TestEnv::new();
    let second = env.add_path_dir("second");
    let first = env.module("x", "# tcli-summary: first x\n");
    let shadowed = env.script_in(&second, "tcli-x", "# tcli-summary: second x\n");
    insta::assert_snapshot!(env.run(["modules", "which", "x"]), @"");
    let j = env.run(["modules", "which", "x", "--json"]).json();
    assert_eq!(j["name"], "x");
    assert_eq!(j["kind"], "exec");
    assert_eq!(j["location"], first.display().to_string());
    assert_eq!(j["shadowed"][0]["location"], shadowed.display().to_string());
    insta::assert_snapshot!(env.run(["modules", "which", "nope"]), @"");
}

#[test]
fn modules_list_reports_a_builtin_override_attempt() {
    let env = TestEnv::new();
    let fake = env.module("modules", "echo HIJACKED");
    insta::assert_snapshot!(env.run(["modules", "list"]), @"");
    let j = env.run(["modules", "list", "--json"]).json();
    let m = j["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "modules")
        .unwrap();
    assert_eq!(m["kind"], "builtin");
    assert_eq!(m["shadowed"][0]["location"], fake.display().to_string());
}

#[test]
fn modules_list_json_shape() {
    let env = TestEnv::new();
    env.module("hello", "# tcli-summary: Say hello\n");
    insta::assert_snapshot!(env.run(["modules", "list", "--json"]), @"");
}

#[test]
fn modules_list_reports_hostile_names() {
    let env = TestEnv::new();
    let long = "a".repeat(200);
    for file in [
        "tcli-with space",
        "tcli-Upper",
        "tcli-..",
        "tcli-ünï",
        "tcli-",
        &format!("tcli-{long}"),
    ] {
        env.script_in(&env.bin(), file, "exit 0");
    }
    insta::assert_snapshot!(env.run(["modules", "list"]), @"");
    let help = env.run(["--help"]);
    help.success()
        .stderr_has("6 modules with an invalid name not listed");
    help.stdout_lacks("Upper");
}

#[test]
fn modules_check_passes_good_and_fails_bad_modules() {
    let env = TestEnv::new();
    env.module("good", "echo 'Usage: tcli good'; echo 'A good module'");
    env.module("bad", "exit 4");
    env.script_in(&env.bin(), "tcli-Nope", "exit 0");
    insta::assert_snapshot!(env.run(["modules", "check"]), @"");
    insta::assert_snapshot!(env.run(["modules", "check", "good"]), @"");
    let j = env.run(["modules", "check", "bad", "--json"]).json();
    assert_eq!(j["failed"], 1);
    assert_eq!(j["modules"][0]["ok"], false);
    insta::assert_snapshot!(env.run(["modules", "check", "missing"]), @"");
}

#[test]
fn modules_check_fails_on_shadowing() {
    let mut env = TestEnv::new();
    let second = env.add_path_dir("second");
    env.module("dup", "echo 'Dup module'");
    env.script_in(&second, "tcli-dup", "echo 'Dup module too'");
    insta::assert_snapshot!(env.run(["modules", "check", "dup"]), @"");
}

#[test]
fn modules_list_closed_pipe_exits_0() {
    use std::io::Read;
    let env = TestEnv::new();
    for i in 0..800 {
        env.module(
            &format!("m{i}"),
            "# tcli-summary: a module with a long enough description line\n",
        );
    }
    // Far more than a pipe buffer (64 KiB), so tcli is still writing when the reader goes.
    let full = env.run(["modules", "list", "--json"]);
    assert!(
        full.stdout.len() > 256 * 1024,
        "{} bytes",
        full.stdout.len()
    );
    let mut child = env
        .cmd(["modules", "list", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn modules_list_same_dir_twice_through_a_symlink_is_one_module() {
    let mut env = TestEnv::new();
    env.module("x", "# tcli-summary: only one\necho 'Usage: tcli x'");
    let alias = env.path("alias");
    std::os::unix::fs::symlink(env.bin(), &alias).unwrap();
    env.path_dirs.push(alias);
    env.run(["modules", "list"])
        .success()
        .stdout_lacks("shadows");
    env.run(["modules", "check", "x"])
        .success()
        .stdout_has("1 passed, 0 failed");
}

#[test]
fn modules_check_without_names_reports_a_module_a_builtin_hides() {
    let env = TestEnv::new();
    env.module("team", "echo 'Usage: tcli team'");
    insta::assert_snapshot!(env.run(["modules", "check"]), @"");
}

#[test]
fn modules_list_escapes_control_characters_in_paths() {
    let env = TestEnv::new();
    env.script_in(&env.bin(), "tcli-x\u{1b}[31m", "exit 0");
    for args in [
        vec!["modules", "list"],
        vec!["modules", "check"],
        vec!["--help"],
    ] {
        let run = env.run(&args);
        assert!(
            !run.stdout.contains('\u{1b}'),
            "{args:?} printed an escape: {:?}",
            run.stdout
        );
        assert!(
            !run.stderr.contains('\u{1b}'),
            "{args:?} printed an escape: {:?}",
            run.stderr
        );
    }
    env.run(["modules", "list"]).stdout_has("tcli-x\\u{1b}[31m");
}

#[test]
fn modules_check_runs_help_for_each_declared_verb() {
    let env = TestEnv::new();
    env.module(
        "deploy",
        "# tcli-summary: Deploy services\n\
         # tcli-verbs: status, db migrate\n\
         # tcli-verbs: Bad, a b c\n\
         case \"$1 $2\" in\n\
         'db migrate') echo 'migrate is broken' >&2; exit 3 ;;\n\
         esac\n\
         echo \"Usage: tcli deploy $*\"",
    );
    insta::assert_snapshot!(env.run(["modules", "which", "deploy"]), @"");
    let j = env.run(["modules", "list", "--json"]).json();
    let deploy = j["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "deploy")
        .unwrap();
    assert_eq!(
        deploy["verbs"],
        serde_json::json!(["status", "db", "db migrate"])
    );
    insta::assert_snapshot!(env.run(["modules", "check", "deploy"]), @"");
    insta::assert_snapshot!(env.run(["modules", "list", "--verbs", "deploy"]), @"");
}
