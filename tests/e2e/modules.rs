//! `tcli modules list|which|check`: shadowing, invalid names, JSON shapes, conformance.

use crate::support::TestEnv;

#[test]
fn modules_which_shows_winner_and_shadowed() {
    let mut env = TestEnv::new();
    let second = env.add_path_dir("second");
    let first = env.module("x", "# tcli-summary: first x\n");
    let shadowed = env.script_in(&second, "tcli-x", "# tcli-summary: second x\n");
    insta::assert_snapshot!(env.run(["modules", "which", "x"]), @r"
        x: exec $ROOT/bin/tcli-x
            shadows: exec $ROOT/second/tcli-x
        ");
    let j = env.run(["modules", "which", "x", "--json"]).json();
    assert_eq!(j["name"], "x");
    assert_eq!(j["kind"], "exec");
    assert_eq!(j["location"], first.display().to_string());
    assert_eq!(j["shadowed"][0]["location"], shadowed.display().to_string());
    insta::assert_snapshot!(env.run(["modules", "which", "nope"]), @r"
        ------- stderr -------
        error: no module named 'nope'
        [exit status: 2]
        ");
}

#[test]
fn modules_list_reports_a_builtin_override_attempt() {
    let env = TestEnv::new();
    let fake = env.module("modules", "echo HIJACKED");
    insta::assert_snapshot!(env.run(["modules", "list"]), @r"
        NAME        KIND     LOCATION    DESCRIPTION
        completion  builtin  (built in)  Print a shell completion script
        help        builtin  (built in)  Show help for tcli or for a module
        modules     builtin  (built in)  List, locate and check modules
            shadows: exec $ROOT/bin/tcli-modules (built-in names cannot be taken)
        team        builtin  (built in)  Add, update and inspect team repositories
        ");
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
    insta::assert_snapshot!(env.run(["modules", "list", "--json"]), @r#"
        {
          "modules": [
            {
              "description": "Print a shell completion script",
              "identity": {
                "type": "builtin"
              },
              "kind": "builtin",
              "location": "(built in)",
              "name": "completion",
              "shadowed": []
            },
            {
              "description": "Say hello",
              "identity": {
                "ino": "[ino]",
                "mtime_ns": "[mtime_ns]",
                "size": 37,
                "type": "file"
              },
              "kind": "exec",
              "location": "$ROOT/bin/tcli-hello",
              "name": "hello",
              "shadowed": []
            },
            {
              "description": "Show help for tcli or for a module",
              "identity": {
                "type": "builtin"
              },
              "kind": "builtin",
              "location": "(built in)",
              "name": "help",
              "shadowed": []
            },
            {
              "description": "List, locate and check modules",
              "identity": {
                "type": "builtin"
              },
              "kind": "builtin",
              "location": "(built in)",
              "name": "modules",
              "shadowed": []
            },
            {
              "description": "Add, update and inspect team repositories",
              "identity": {
                "type": "builtin"
              },
              "kind": "builtin",
              "location": "(built in)",
              "name": "team",
              "shadowed": []
            }
          ],
          "notes": []
        }
        "#);
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
    insta::assert_snapshot!(env.run(["modules", "list"]), @r#"
        NAME                          KIND     LOCATION                                                      DESCRIPTION
                                      exec     $ROOT/bin/tcli-                                -
            problem: invalid module name "": the name is empty
        ..                            exec     $ROOT/bin/tcli-..                              -
            problem: invalid module name "..": a name must start with a lowercase ASCII letter
        Upper                         exec     $ROOT/bin/tcli-Upper                           -
            problem: invalid module name "Upper": a name cannot contain uppercase letters
        aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  exec     $ROOT/bin/tcli-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  -
            problem: invalid module name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": the name is 200 bytes long; at most 64 are allowed
        completion                    builtin  (built in)                                                    Print a shell completion script
        help                          builtin  (built in)                                                    Show help for tcli or for a module
        modules                       builtin  (built in)                                                    List, locate and check modules
        team                          builtin  (built in)                                                    Add, update and inspect team repositories
        with space                    exec     $ROOT/bin/tcli-with space                      -
            problem: invalid module name "with space": a name cannot contain ' '; use a-z, 0-9 and '-'
        ünï                           exec     $ROOT/bin/tcli-ünï                             -
            problem: invalid module name "ünï": a name must start with a lowercase ASCII letter
        "#);
    insta::assert_snapshot!(env.run(["--help"]), @r"
        tcli: the team command line

        Usage: tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]

        Built-in:
          completion  Print a shell completion script
          help        Show help for tcli or for a module
          modules     List, locate and check modules
          team        Add, update and inspect team repositories

        Modules:
          (none yet: put an executable named tcli-<name> on your PATH)
        ------- stderr -------
        warning: 6 modules with an invalid name not listed; run 'tcli modules list' to see why
        ");
}

#[test]
fn modules_check_passes_good_and_fails_bad_modules() {
    let env = TestEnv::new();
    env.module("good", "echo 'Usage: tcli good'; echo 'A good module'");
    env.module("bad", "exit 4");
    env.script_in(&env.bin(), "tcli-Nope", "exit 0");
    insta::assert_snapshot!(env.run(["modules", "check"]), @r"
        FAIL  Nope: invalid name: a name cannot contain uppercase letters
        FAIL  bad: '--help' exited with status 4
        ok    good
        1 passed, 2 failed
        [exit status: 1]
        ");
    insta::assert_snapshot!(env.run(["modules", "check", "good"]), @r"
        ok    good
        1 passed, 0 failed
        ");
    let j = env.run(["modules", "check", "bad", "--json"]).json();
    assert_eq!(j["failed"], 1);
    assert_eq!(j["modules"][0]["ok"], false);
    insta::assert_snapshot!(env.run(["modules", "check", "missing"]), @r"
        FAIL  missing: no such module
        0 passed, 1 failed
        [exit status: 1]
        ");
}

#[test]
fn modules_check_fails_on_shadowing() {
    let mut env = TestEnv::new();
    let second = env.add_path_dir("second");
    env.module("dup", "echo 'Dup module'");
    env.script_in(&second, "tcli-dup", "echo 'Dup module too'");
    insta::assert_snapshot!(env.run(["modules", "check", "dup"]), @r"
        FAIL  dup: shadows the exec module at $ROOT/second/tcli-dup
        0 passed, 1 failed
        [exit status: 1]
        ");
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
    insta::assert_snapshot!(env.run(["modules", "check"]), @r"
        FAIL  team: exec module at $ROOT/bin/tcli-team is shadowed by the built-in 'team' and never runs
        0 passed, 1 failed
        [exit status: 1]
        ");
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
    insta::assert_snapshot!(env.run(["modules", "which", "deploy"]), @r#"
        deploy: exec $ROOT/bin/tcli-deploy
            verbs: status, db, db migrate
            problem: tcli-verbs: "Bad" is not a verb: a name cannot contain uppercase letters
            problem: tcli-verbs: "a b c" is not a verb: at most two words: 'verb' or 'subject verb'
        "#);
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
    insta::assert_snapshot!(env.run(["modules", "check", "deploy"]), @r#"
        FAIL  deploy: tcli-verbs: "Bad" is not a verb: a name cannot contain uppercase letters
        FAIL  deploy: tcli-verbs: "a b c" is not a verb: at most two words: 'verb' or 'subject verb'
        FAIL  deploy: verb 'db migrate': '--help' exited with status 3
        0 passed, 1 failed
        [exit status: 1]
        "#);
    insta::assert_snapshot!(env.run(["modules", "list", "--verbs", "deploy"]), @r"
        status
        db
        db migrate
        ");
}
