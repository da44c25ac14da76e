//! Source plugins (docs/source-plugins.md): `tcli-source-<name>` executables on the search path
//! whose `list` offers modules. The example source shipped in docs/ is used as it is; the
//! failing sources are small real scripts.

use crate::support::{Run, TestEnv};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The example source of docs/examples, installed in `<root>/bin` with its scripts dir at
/// `<root>/scripts`, which is returned.
fn with_example_source(env: &mut TestEnv) -> PathBuf {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/tcli-source-scripts");
    let body = std::fs::read_to_string(&example).expect("the example source");
    let installed = env.bin().join("tcli-source-scripts");
    std::fs::write(&installed, body).unwrap();
    make_executable(&installed);
    let scripts = env.path("scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    env.var("TCLI_SCRIPTS_DIR", scripts.display().to_string());
    scripts
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A script that answers `--help` like every module must, and says `<name> ran` otherwise.
fn script(env: &TestEnv, dir: &Path, name: &str, summary: &str) -> PathBuf {
    env.script_in(
        dir,
        name,
        &format!(
            "# Summary: {summary}\n\
             case \"$*\" in *--help*) echo 'Usage: {name}'; echo '{name} help'; exit 0;; esac\n\
             echo '{name} ran'"
        ),
    )
}

/// A hand-written source `tcli-source-<name>` in `dir` printing `lines` (one JSON object each).
fn source(env: &TestEnv, dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let mut body = String::new();
    for l in lines {
        body.push_str(&format!("printf '%s\\n' '{}'\n", l.replace('\'', "'\\''")));
    }
    env.script_in(dir, &format!("tcli-source-{name}"), &body)
}

fn entry(name: &str, description: &str, run: &Path) -> String {
    serde_json::json!({"name": name, "description": description, "run": [run]}).to_string()
}

/// The line of `out` whose first word is `name`.
#[track_caller]
fn row<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no line for {name:?} in:\n{out}"))
}

/// Asserts that one line of stdout or stderr holds every one of `parts`.
#[track_caller]
fn has_line_with(run: &Run, parts: &[&str]) {
    let all = format!("{}\n{}", run.stdout, run.stderr);
    assert!(
        all.lines().any(|l| parts.iter().all(|p| l.contains(p))),
        "no line with all of {parts:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// The `modules list --json` object of `name`.
#[track_caller]
fn json_module(env: &TestEnv, name: &str) -> serde_json::Value {
    let j = env.run(["modules", "list", "--json"]).success().json();
    j["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no module {name:?} in {j:#}"))
        .clone()
}

#[test]
fn sources_help_lists_the_example_sources_modules() {
    let mut env = TestEnv::new();
    let scripts = with_example_source(&mut env);
    let deploy = script(&env, &scripts, "deploy", r#"Deploy "the" services\ now"#);
    script(&env, &scripts, "hello", "Say hello");
    std::fs::write(scripts.join("notes"), "# Summary: not executable\n").unwrap();
    script(&env, &scripts, "Bad_Name", "not a module name");
    let help = env.run(["--help"]);
    help.success();
    assert!(
        row(&help.stdout, "deploy").ends_with(r#"Deploy "the" services\ now"#),
        "{}",
        help.stdout
    );
    assert!(row(&help.stdout, "hello").ends_with("Say hello"));
    help.stdout_lacks("notes")
        .stdout_lacks("Bad_Name")
        .stdout_lacks("source-scripts");

    let list = env.run(["modules", "list"]);
    list.success();
    let line = row(&list.stdout, "deploy");
    for part in ["source", &deploy.display().to_string(), "Deploy \"the\""] {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
    // The location names the source, then what runs: a `run` of `/bin/sh <script>` alone
    // would say nothing about where the module comes from.
    let source = env.bin().join("tcli-source-scripts");
    assert!(
        line.contains(&format!("{} (runs {})", source.display(), deploy.display())),
        "{line}"
    );
    // The source names its modules' origin; it is no module of its own.
    assert!(
        !list
            .stdout
            .lines()
            .any(|l| l.split_whitespace().next() == Some("source-scripts")),
        "{}",
        list.stdout
    );
    let m = json_module(&env, "deploy");
    assert_eq!(m["kind"], "source");
    assert_eq!(m["location"], deploy.display().to_string());
    assert_eq!(m["description"], r#"Deploy "the" services\ now"#);
    assert_eq!(
        m["extra"]["source"],
        env.bin().join("tcli-source-scripts").display().to_string()
    );
    // The source itself is not an exec module.
    insta::assert_snapshot!(env.run(["source-scripts"]), @r"
        ------- stderr -------
        error: no module named 'source-scripts'
        hint: run 'tcli --help' to see the modules you have
        [exit status: 2]
        ");
}

#[test]
fn sources_dispatch_passes_the_users_words_and_exit_status() {
    let mut env = TestEnv::new();
    let scripts = with_example_source(&mut env);
    env.script_in(
        &scripts,
        "args",
        "# Summary: print arguments\n\
         for a in \"$@\"; do printf '[%s]' \"$a\"; done\n\
         printf '\\n%s|%s|%s\\n' \"$TCLI_MODULE\" \"${TCLI_VERSION:+v}\" \"$TCLI_BIN\"\n\
         exit 7",
    );
    // Cold: no listing ran before, so dispatch itself must find the source's module.
    let out = env
        .cmd([
            OsStr::new("args"),
            OsStr::new("a b"),
            OsStr::new(""),
            OsStr::new("--help-not"),
            OsStr::from_bytes(b"\xff\x01"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let mut want = b"[a b][][--help-not][\xff\x01]\nargs|v|".to_vec();
    want.extend_from_slice(crate::support::tcli_bin().as_os_str().as_bytes());
    want.push(b'\n');
    assert_eq!(out.stdout, want, "{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sources_help_shows_a_script_added_or_edited_in_the_watched_dir() {
    let mut env = TestEnv::new();
    let scripts = with_example_source(&mut env);
    script(&env, &scripts, "first", "First script");
    env.run(["--help"]).success().stdout_lacks("second");
    script(&env, &scripts, "second", "Second script");
    let help = env.run(["--help"]);
    help.success();
    assert!(row(&help.stdout, "second").ends_with("Second script"));
    // Edited in place: the dir's mtime does not change, the watched file's does.
    std::fs::write(
        scripts.join("first"),
        "#!/bin/sh\n# Summary: First script, rewritten\necho first\n",
    )
    .unwrap();
    let help = env.run(["--help"]);
    assert!(row(&help.stdout, "first").ends_with("First script, rewritten"));
    std::fs::remove_file(scripts.join("second")).unwrap();
    env.run(["--help"]).success().stdout_lacks("second");
    insta::assert_snapshot!(env.run(["second"]), @r"
        ------- stderr -------
        error: no module named 'second'
        hint: run 'tcli --help' to see the modules you have
        [exit status: 2]
        ");
}

#[test]
fn sources_which_shows_shadowing_both_ways() {
    let mut env = TestEnv::new();
    let scripts = with_example_source(&mut env);
    env.module("x", "# tcli-summary: exec x\necho 'exec x ran'");
    let source_x = script(&env, &scripts, "x", "source x");
    let source_y = script(&env, &scripts, "y", "source y");
    // A second source, later on the search path, offering y too.
    let second = env.add_path_dir("second");
    let later_y = script(&env, &second, "later-y", "later y");
    let later = source(
        &env,
        &second,
        "later",
        &[
            r#"{"protocol":1}"#.to_string(),
            entry("y", "later y", &later_y),
        ],
    );

    insta::assert_snapshot!(env.run(["modules", "which", "x"]), @r"
        x: exec $ROOT/bin/tcli-x
            shadows: source $ROOT/scripts/x
        ");
    insta::assert_snapshot!(env.run(["modules", "which", "y"]), @r"
        y: source $ROOT/scripts/y
            offered by: $ROOT/bin/tcli-source-scripts
            shadows: source $ROOT/second/later-y
        ");

    let x = json_module(&env, "x");
    assert_eq!(x["kind"], "exec");
    assert_eq!(x["shadowed"][0]["kind"], "source");
    assert_eq!(x["shadowed"][0]["location"], source_x.display().to_string());
    let y = json_module(&env, "y");
    assert_eq!(y["kind"], "source");
    assert_eq!(y["location"], source_y.display().to_string());
    assert_eq!(y["shadowed"][0]["kind"], "source");
    assert_eq!(
        y["shadowed"][0]["extra"]["source"],
        later.display().to_string()
    );
    insta::assert_snapshot!(env.run(["modules", "list"]), @r"
        NAME        KIND     LOCATION                                                      DESCRIPTION
        completion  builtin  (built in)                                                    Print a shell completion script
        help        builtin  (built in)                                                    Show help for tcli or for a module
        modules     builtin  (built in)                                                    List, locate and check modules
        team        builtin  (built in)                                                    Add, update and inspect team repositories
        x           exec     $ROOT/bin/tcli-x                               exec x
            shadows: source $ROOT/scripts/x
        y           source   $ROOT/bin/tcli-source-scripts (runs $ROOT/scripts/y)  source y
            shadows: source $ROOT/second/later-y
        ");

    // A source of the same name later on the search path is shadowed: reported, never run.
    let ran = env.path("second-scripts-ran");
    env.script_in(
        &second,
        "tcli-source-scripts",
        &format!("touch '{}'", ran.display()),
    );
    insta::assert_snapshot!(env.run(["modules", "list"]), @r"
        NAME        KIND     LOCATION                                                      DESCRIPTION
        completion  builtin  (built in)                                                    Print a shell completion script
        help        builtin  (built in)                                                    Show help for tcli or for a module
        modules     builtin  (built in)                                                    List, locate and check modules
        team        builtin  (built in)                                                    Add, update and inspect team repositories
        x           exec     $ROOT/bin/tcli-x                               exec x
            shadows: source $ROOT/scripts/x
        y           source   $ROOT/bin/tcli-source-scripts (runs $ROOT/scripts/y)  source y
            shadows: source $ROOT/second/later-y
        ------- stderr -------
        warning: source modules: $ROOT/second/tcli-source-scripts: shadowed by $ROOT/bin/tcli-source-scripts, earlier on the search path; not run
        hint: remove or rename $ROOT/second/tcli-source-scripts: only the first tcli-source-<name> of a name on the search path ($ROOT/bin/tcli-source-scripts) runs
        ");
    insta::assert_snapshot!(env.run(["modules", "check"]), @r"
        FAIL  x: shadows the source module at $ROOT/scripts/x
        FAIL  y: shadows the source module at $ROOT/second/later-y
        FAIL  source $ROOT/second/tcli-source-scripts: shadowed by $ROOT/bin/tcli-source-scripts, earlier on the search path; not run
        0 passed, 3 failed
        [exit status: 1]
        ");
    assert!(!ran.exists(), "a shadowed source was run");

    env.run(["x"]).success().stdout_has("exec x ran");
    env.run(["y"]).success().stdout_has("y ran");
    insta::assert_snapshot!(env.run(["modules", "check", "y"]), @r"
        FAIL  y: shadows the source module at $ROOT/second/later-y
        0 passed, 1 failed
        [exit status: 1]
        ");
}

#[test]
fn sources_list_reports_failing_sources_and_bad_entries_and_keeps_the_good_ones() {
    let mut env = TestEnv::new();
    let scripts = with_example_source(&mut env);
    script(&env, &scripts, "hello", "Say hello");
    let bin = env.bin();
    env.script_in(&bin, "tcli-source-hang", "sleep 30");
    env.script_in(
        &bin,
        "tcli-source-fails",
        "echo 'cannot read config' >&2\nexit 3",
    );
    let junk_file = env.path("junk.bin");
    let junk: Vec<u8> = std::iter::once(0xff)
        .chain((1..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8))
        .collect();
    std::fs::write(&junk_file, junk).unwrap();
    env.script_in(
        &bin,
        "tcli-source-junk",
        &format!("cat '{}'", junk_file.display()),
    );
    let never = env.path("invalid-source-ran");
    env.script_in(
        &bin,
        "tcli-source-Bad",
        &format!("touch '{}'", never.display()),
    );
    let fine = script(&env, &scripts, "fine-target", "Fine module");
    source(
        &env,
        &bin,
        "entries",
        &[
            r#"{"protocol":1}"#.to_string(),
            entry("Bad_Name", "bad name", &fine),
            r#"{"name":"norun","description":"no run"}"#.to_string(),
            r#"{"name":"rel","run":["bin/rel"]}"#.to_string(),
            r#"{"run":["/bin/true"]}"#.to_string(),
            entry("fine", "Fine module", &fine),
        ],
    );

    // Each failed source says how to recover it.
    insta::assert_snapshot!(env.run(["modules", "list"]), @r#"
        NAME         KIND     LOCATION                                                      DESCRIPTION
        Bad_Name     source   $ROOT/bin/tcli-source-entries                  -
            problem: line 2: invalid module name "Bad_Name": a name cannot contain uppercase letters
        completion   builtin  (built in)                                                    Print a shell completion script
        fine         source   $ROOT/bin/tcli-source-entries (runs $ROOT/scripts/fine-target)  Fine module
        fine-target  source   $ROOT/bin/tcli-source-scripts (runs $ROOT/scripts/fine-target)  Fine module
        hello        source   $ROOT/bin/tcli-source-scripts (runs $ROOT/scripts/hello)  Say hello
        help         builtin  (built in)                                                    Show help for tcli or for a module
        modules      builtin  (built in)                                                    List, locate and check modules
        norun        source   $ROOT/bin/tcli-source-entries                  -
            problem: line 3: entry 'norun' has no "run" array of strings
        rel          source   $ROOT/bin/tcli-source-entries                  -
            problem: line 4: entry 'rel': "run" must start with an absolute path, not "bin/rel"
        team         builtin  (built in)                                                    Add, update and inspect team repositories
        ------- stderr -------
        warning: source modules: $ROOT/bin/tcli-source-Bad: invalid source name "Bad": a name cannot contain uppercase letters
        hint: rename $ROOT/bin/tcli-source-Bad to tcli-source-<name>, with <name> a valid module name
        warning: source modules: $ROOT/bin/tcli-source-entries: line 5: an entry has no "name" string
        warning: source modules: $ROOT/bin/tcli-source-fails: 'list' exited with status 3: cannot read config
        hint: fix $ROOT/bin/tcli-source-fails, then 'touch $ROOT/bin/tcli-source-fails': a failed source runs 'list' again only when its file changes
        warning: source modules: $ROOT/bin/tcli-source-hang: 'list' did not finish within 2 s
        hint: fix $ROOT/bin/tcli-source-hang, then 'touch $ROOT/bin/tcli-source-hang': a failed source runs 'list' again only when its file changes
        warning: source modules: $ROOT/bin/tcli-source-junk: 'list' output line 1 is not UTF-8 text
        hint: fix $ROOT/bin/tcli-source-junk, then 'touch $ROOT/bin/tcli-source-junk': a failed source runs 'list' again only when its file changes
        "#);
    assert!(!never.exists(), "a source with an invalid name was run");

    let json = env.run(["modules", "list", "--json"]).success().json();
    let notes = json["notes"].to_string();
    assert!(notes.contains("did not finish within 2 s"), "{notes}");

    // As for any module: listed with its problem when its name is valid, left out otherwise.
    insta::assert_snapshot!(env.run(["--help"]), @r#"
        tcli: the team command line

        Usage: tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]

        Built-in:
          completion  Print a shell completion script
          help        Show help for tcli or for a module
          modules     List, locate and check modules
          team        Add, update and inspect team repositories

        Modules:
          fine         Fine module
          fine-target  Fine module
          hello        Say hello
          norun        (line 3: entry 'norun' has no "run" array of strings)
          rel          (line 4: entry 'rel': "run" must start with an absolute path, not "bin/r…)
        ------- stderr -------
        warning: 1 module with an invalid name not listed; run 'tcli modules list' to see why
        warning: source modules: $ROOT/bin/tcli-source-Bad: invalid source name "Bad": a name cannot contain uppercase letters
        hint: rename $ROOT/bin/tcli-source-Bad to tcli-source-<name>, with <name> a valid module name
        warning: source modules: $ROOT/bin/tcli-source-entries: line 5: an entry has no "name" string
        warning: source modules: $ROOT/bin/tcli-source-fails: 'list' exited with status 3: cannot read config
        hint: fix $ROOT/bin/tcli-source-fails, then 'touch $ROOT/bin/tcli-source-fails': a failed source runs 'list' again only when its file changes
        warning: source modules: $ROOT/bin/tcli-source-hang: 'list' did not finish within 2 s
        hint: fix $ROOT/bin/tcli-source-hang, then 'touch $ROOT/bin/tcli-source-hang': a failed source runs 'list' again only when its file changes
        warning: source modules: $ROOT/bin/tcli-source-junk: 'list' output line 1 is not UTF-8 text
        hint: fix $ROOT/bin/tcli-source-junk, then 'touch $ROOT/bin/tcli-source-junk': a failed source runs 'list' again only when its file changes
        "#);
    insta::assert_snapshot!(env.run(["modules", "check"]), @r#"
        FAIL  Bad_Name: invalid name: a name cannot contain uppercase letters
        ok    fine
        ok    fine-target
        ok    hello
        FAIL  norun: line 3: entry 'norun' has no "run" array of strings
        FAIL  rel: line 4: entry 'rel': "run" must start with an absolute path, not "bin/rel"
        FAIL  source $ROOT/bin/tcli-source-Bad: invalid source name "Bad": a name cannot contain uppercase letters
        FAIL  source $ROOT/bin/tcli-source-entries: line 5: an entry has no "name" string
        FAIL  source $ROOT/bin/tcli-source-fails: 'list' exited with status 3: cannot read config
        FAIL  source $ROOT/bin/tcli-source-hang: 'list' did not finish within 2 s
        FAIL  source $ROOT/bin/tcli-source-junk: 'list' output line 1 is not UTF-8 text
        3 passed, 8 failed
        [exit status: 1]
        "#);
    insta::assert_snapshot!(env.run(["norun"]), @r#"
        ------- stderr -------
        error: module 'norun' ($ROOT/bin/tcli-source-entries) cannot run: line 3: entry 'norun' has no "run" array of strings
        hint: run 'tcli modules which norun' for details
        [exit status: 126]
        "#);
}

#[test]
fn sources_warm_path_runs_no_source() {
    let env = TestEnv::new();
    let log = env.path("source-runs.log");
    let watched = env.path("watched");
    std::fs::create_dir_all(&watched).unwrap();
    let target = script(&env, &env.bin(), "logged-target", "Logged module");
    env.module("ex", "# tcli-summary: An exec module\necho 'ex ran'");
    env.script_in(
        &env.bin(),
        "tcli-source-logged",
        &format!(
            "echo run >> '{}'\nprintf '%s\\n' '{}' '{}'",
            log.display(),
            serde_json::json!({"protocol": 1, "watch": [watched], "ttl": 3600}),
            entry("logged", "Logged module", &target),
        ),
    );
    let runs = || {
        std::fs::read_to_string(&log)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    let help = env.run(["--help"]);
    help.success();
    assert!(row(&help.stdout, "logged").ends_with("Logged module"));
    assert_eq!(runs(), 1);
    env.run(["--help"]).success().stdout_has("logged");
    assert_eq!(runs(), 1, "a second 'tcli --help' ran the source");
    env.run(Vec::<&str>::new()).success().stdout_has("logged");
    assert_eq!(runs(), 1, "'tcli' ran the source");
    env.run(["ex"]).success().stdout_has("ex ran");
    assert_eq!(runs(), 1, "dispatch of an exec module ran the source");
    env.run(["logged"])
        .success()
        .stdout_has("logged-target ran");
    assert_eq!(
        runs(),
        1,
        "dispatch of a cached source module ran the source"
    );
    env.run(["__complete", "bash", "--", "log"])
        .success()
        .stdout_has("logged");
    assert_eq!(runs(), 1, "completion ran the source");
    env.run(["modules", "list"]).success();
    assert_eq!(runs(), 1, "'modules list' ran an unchanged source");
    // A watched path that changes makes the next listing run it, once.
    std::fs::write(watched.join("new"), "x").unwrap();
    env.run(["--help"]).success();
    env.run(["--help"]).success();
    assert_eq!(runs(), 2);
}

#[test]
fn sources_help_reruns_an_unchanged_source_once_its_ttl_passed() {
    let env = TestEnv::new();
    let log = env.path("source-runs.log");
    let target = script(&env, &env.bin(), "ttl-target", "TTL module");
    env.script_in(
        &env.bin(),
        "tcli-source-ttl",
        &format!(
            "echo run >> '{}'\nprintf '%s\\n' '{}' '{}'",
            log.display(),
            r#"{"protocol":1,"watch":[],"ttl":1}"#,
            entry("ttl-mod", "TTL module", &target),
        ),
    );
    let runs = || std::fs::read_to_string(&log).unwrap().lines().count();
    env.run(["--help"]).success().stdout_has("ttl-mod");
    assert_eq!(runs(), 1);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    env.run(["--help"]).success().stdout_has("ttl-mod");
    assert_eq!(runs(), 2, "the source was not run again after its ttl");
}

#[test]
fn sources_list_a_source_whose_child_leaves_its_group_does_not_hang_tcli() {
    let env = TestEnv::new();
    let target = script(&env, &env.bin(), "detached-target", "Detached module");
    // `setsid` puts the child outside the process group tcli kills, holding stdout open.
    env.script_in(
        &env.bin(),
        "tcli-source-detached",
        &format!(
            "setsid sleep 30 &\nprintf '%s\\n' '{}' '{}'",
            serde_json::json!({"protocol": 1}),
            entry("detached", "Detached module", &target),
        ),
    );
    env.module("ex", "# tcli-summary: An exec module\necho 'ex ran'");
    let started = std::time::Instant::now();
    let help = env.run(["--help"]);
    help.success();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "'tcli --help' waited for the detached child ({:?})",
        started.elapsed()
    );
    assert!(row(&help.stdout, "ex").ends_with("An exec module"));
}

#[test]
fn sources_list_gets_no_inherited_tcli_module() {
    let env = TestEnv::new();
    let target = script(&env, &env.bin(), "envcheck-target", "x");
    env.script_in(
        &env.bin(),
        "tcli-source-envcheck",
        &format!(
            "printf '%s\\n' '{}'\nprintf '{{\"name\":\"envcheck\",\"description\":\"module=%s\",\"run\":[\"{}\"]}}\\n' \"${{TCLI_MODULE-unset}}\"",
            serde_json::json!({"protocol": 1}),
            target.display(),
        ),
    );
    let help = env
        .cmd(["--help"])
        .env("TCLI_MODULE", "outer")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&help.stdout);
    assert!(row(&out, "envcheck").ends_with("module=unset"), "{out}");
}

/// A failed source in a directory whose name holds shell metacharacters: the recovery hint
/// quotes the path as one shell word, so pasting it touches that file and runs nothing else.
#[test]
fn sources_list_recovery_hint_quotes_a_hostile_path() {
    let mut env = TestEnv::new();
    let dir = env.path("my tools; touch pwned $(id)");
    std::fs::create_dir_all(&dir).unwrap();
    env.path_dirs.push(dir.clone());
    let fails = env.script_in(&dir, "tcli-source-fails", "exit 3");
    let list = env.run(["modules", "list"]);
    list.success();
    let quoted = format!("'{}'", fails.display());
    list.stderr_has(&format!("hint: fix {quoted}, then 'touch {quoted}'"));
    // Run as printed, the command touches the source and nothing else.
    let hint = list
        .stderr
        .lines()
        .find(|l| l.starts_with("hint: fix"))
        .unwrap();
    let command = &hint[hint.find("then 'touch ").unwrap() + "then '".len()..];
    let command = command.split("': ").next().unwrap();
    let before = std::fs::metadata(&fails).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let ran = std::process::Command::new("sh")
        .args(["-c", command])
        .current_dir(env.path("home"))
        .status()
        .unwrap();
    assert!(ran.success(), "{command}");
    assert!(std::fs::metadata(&fails).unwrap().modified().unwrap() > before);
    assert!(
        !env.path("home/pwned").exists(),
        "the hint ran more than touch"
    );
}
