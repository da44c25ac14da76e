//! Native modules end to end: real shared libraries built by cargo from the fixture crates in
//! tests/fixtures/native (and the bundled web and project modules), loaded by the real tcli.
//! Each library is copied into a plugin dir of the test's own under a chosen file name.

use crate::support::{bundled, fixture, workspace_root, Run, TestEnv};
use std::path::PathBuf;
use std::process::Command;

/// A test env whose `TCLI_PLUGIN_PATH` is `<root>/plugins`.
pub(crate) fn env() -> TestEnv {
    TestEnv::with_plugin_dir()
}

/// `tcli --help` still answers and lists `name` with its problem on one short line (cut to
/// fit); `tcli modules which` gives the problem in full.
#[track_caller]
fn help_lists_problem(env: &TestEnv, name: &str, problem: &str) {
    let r = env.run(["--help"]);
    r.success();
    let line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("'{name}' not listed:\n{}", r.stdout));
    assert!(line.contains(" ("), "no problem shown in {line:?}");
    assert!(line.chars().count() <= 100, "help line too long: {line:?}");
    env.run(["modules", "which", name])
        .success()
        .stdout_has(problem);
}

fn module<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no module {name} in {list:#}"))
}

#[test]
fn modules_install_author_plugin_runs() {
    let env = TestEnv::new();
    let r = env.run([
        "modules".as_ref(),
        "install".as_ref(),
        fixture("hello").as_os_str(),
    ]);
    r.success()
        .stderr_has("installed module 'hello' 0.1.0 (ABI 1)");
    let installed = env.data_dir().join("plugins/hello.so");
    assert!(installed.is_file(), "{} missing", installed.display());

    env.run(["hello", "greet", "sam"])
        .success()
        .stdout_has("hello, sam\n");

    insta::assert_snapshot!(env.run(["hello", "--help"]), @r"
        Say hello (test fixture)

        Usage: tcli hello <COMMAND>

        Commands:
          greet     Greet someone
          partial   Print a line without a trailing newline
          boom      Print, then panic
          settings  Print the merged settings as JSON
          where     Print the data dir
          fail      Fail with an exit status
          doctor    Answer `tcli doctor` (docs/doctor.md): is the data dir there?
          team      Work with the team
          help      Print this message or the help of the given subcommand(s)

        Options:
          -h, --help     Print help
          -V, --version  Print version
        ");
    insta::assert_snapshot!(env.run(["hello", "team", "--help"]), @r"
        Work with the team

        Usage: tcli hello team <COMMAND>

        Commands:
          show  Show the team
          help  Print this message or the help of the given subcommand(s)

        Options:
          -h, --help  Print help
        ");
    insta::assert_snapshot!(env.run(["help", "hello", "greet"]), @r"
        Greet someone

        Usage: tcli hello greet <NAME>

        Arguments:
          <NAME>  Who to greet

        Options:
          -h, --help  Print help
        ");

    let list = env.run(["modules", "list", "--json"]).success().json();
    let m = module(&list, "hello");
    assert_eq!(m["kind"], "native");
    assert_eq!(m["location"], installed.display().to_string());
    let verbs: Vec<&str> = m["verbs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for v in ["greet", "partial", "boom", "team", "team show"] {
        assert!(verbs.contains(&v), "{v} not in {verbs:?}");
    }
    assert_eq!(m["extra"]["abi_version"], 1);
    assert_eq!(m["extra"]["plugin_version"], "0.1.0");
    // Completion offers the manifest's verbs and a subject's verbs, from the index.
    let complete = env.run(["__complete", "bash", "--", "hello", "t"]);
    assert_eq!(complete.success().stdout, "team\n");
    let complete = env.run(["__complete", "bash", "--", "hello", "team", ""]);
    assert_eq!(complete.success().stdout, "show\n");

    env.run(["--help"])
        .success()
        .stdout_has("tcli e2e fixture: hello");
}

#[test]
fn modules_install_replaces_older_copy_atomically() {
    use std::os::unix::fs::MetadataExt;
    let env = TestEnv::new();
    let lib = fixture("hello");
    env.run(["modules".as_ref(), "install".as_ref(), lib.as_os_str()])
        .success();
    let dest = env.data_dir().join("plugins/hello.so");
    let before = std::fs::metadata(&dest).unwrap().ino();
    env.run(["modules".as_ref(), "install".as_ref(), lib.as_os_str()])
        .success()
        .stderr_has("replaced module 'hello'");
    let after = std::fs::metadata(&dest).unwrap().ino();
    assert_ne!(before, after, "the library was rewritten in place");
    let left: Vec<_> = std::fs::read_dir(env.data_dir().join("plugins"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["hello.so"], "temp files left behind");
    env.run(["hello", "greet", "again"])
        .success()
        .stdout_has("hello, again");
}

#[test]
fn modules_install_refuses_a_broken_library() {
    let env = TestEnv::new();
    let junk = env.path("libjunk.so");
    std::fs::write(&junk, "not a library\n").unwrap();
    let r = env.run(["modules".as_ref(), "install".as_ref(), junk.as_os_str()]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: cannot install $ROOT/libjunk.so: cannot load $ROOT/libjunk.so: file too short
        hint: build it with tcli-plugin-sdk's export_plugin! macro (docs/native-abi.md)
        [exit status: 1]
        ");
    let future = fixture("future");
    insta::assert_snapshot!(env.run(["modules".as_ref(), "install".as_ref(), future.as_os_str()]), @r"
        ------- stderr -------
        error: cannot install $TARGET/debug/libfixture_future.so: $TARGET/debug/libfixture_future.so was built for tcli plugin ABI 2; this tcli 0.1.0 supports ABI 1
        hint: build it with tcli-plugin-sdk's export_plugin! macro (docs/native-abi.md)
        [exit status: 1]
        ");
    let missing = env.path("nope.so");
    insta::assert_snapshot!(env.run(["modules".as_ref(), "install".as_ref(), missing.as_os_str()]), @r"
        ------- stderr -------
        error: cannot read $ROOT/nope.so: No such file or directory (os error 2)
        hint: give the path of a library built with tcli-plugin-sdk, such as target/release/libtcli_plugin_hello.so
        [exit status: 1]
        ");
    assert!(
        !env.data_dir().join("plugins").exists()
            || std::fs::read_dir(env.data_dir().join("plugins"))
                .unwrap()
                .next()
                .is_none(),
        "something was installed"
    );
}

/// A library's descriptor strings (description, versions, verb names) reach the terminal only
/// as clean single lines, however they were written (docs/native-abi.md).
#[test]
fn modules_install_descriptor_strings_with_escapes_are_printed_clean() {
    let env = TestEnv::new();
    let noisy = fixture("noisy");
    let installed = env.run(["modules".as_ref(), "install".as_ref(), noisy.as_os_str()]);
    installed
        .success()
        .stderr_has("installed module 'noisy' 1.0 [31m red (ABI 1)");
    assert!(
        !installed.stderr.contains('\x1b'),
        "an escape reached the terminal: {:?}",
        installed.stderr
    );
    for args in [
        vec!["--help"],
        vec!["modules", "list"],
        vec!["help", "noisy"],
    ] {
        let r = env.run(&args);
        r.success();
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains('\x1b') && !out.contains('\x07'),
                "{args:?}: {out:?}"
            );
        }
        if args == ["--help"] {
            r.stdout_has("makes ]0;owned noise second line");
        }
    }
    env.run(["noisy"]).success().stdout_has("noisy ran");
}

#[test]
fn modules_remove_deletes_installed_native() {
    let env = TestEnv::new();
    env.run([
        "modules".as_ref(),
        "install".as_ref(),
        fixture("hello").as_os_str(),
    ])
    .success();
    env.run(["modules", "remove", "hello"])
        .success()
        .stderr_has("removed module 'hello'");
    assert!(!env.data_dir().join("plugins/hello.so").exists());
    insta::assert_snapshot!(env.run(["hello", "greet", "x"]), @r"
        ------- stderr -------
        error: no module named 'hello'
        hint: a module with a similar name exists: 'help'
        [exit status: 2]
        ");
}

#[test]
fn modules_remove_refuses_other_modules() {
    let env = env();
    env.module("tool", "echo tool");
    let exec = env.bin().join("tcli-tool");
    insta::assert_snapshot!(env.run(["modules", "remove", "tool"]), @r"
        ------- stderr -------
        error: module 'tool' is not an installed native module: it is the exec module at $ROOT/bin/tcli-tool
        hint: delete the executable yourself: rm $ROOT/bin/tcli-tool
        [exit status: 1]
        ");
    assert!(exec.exists());
    let lib = env.put_plugin(&fixture("hello"), "libhello.so");
    insta::assert_snapshot!(env.run(["modules", "remove", "hello"]), @r"
        ------- stderr -------
        error: module 'hello' is not an installed native module: it is the native module at $ROOT/plugins/libhello.so
        hint: it was not installed by tcli; delete the file yourself: rm $ROOT/plugins/libhello.so
        [exit status: 1]
        ");
    assert!(lib.exists());
    insta::assert_snapshot!(env.run(["modules", "remove", "team"]), @r"
        ------- stderr -------
        error: module 'team' is not an installed native module: it is the builtin module at (built in)
        hint: built-in modules are part of tcli and cannot be removed
        [exit status: 1]
        ");
    insta::assert_snapshot!(env.run(["modules", "remove", "nothing"]), @r"
        ------- stderr -------
        error: no module named 'nothing'
        hint: run 'tcli modules list' to see the modules and where they live
        [exit status: 2]
        ");
}

#[test]
fn native_run_no_entry_symbol_exits_126() {
    let env = env();
    env.put_plugin(&fixture("noentry"), "libnoentry.so");
    insta::assert_snapshot!(env.run(["noentry"]), @r"
        ------- stderr -------
        error: module 'noentry' ($ROOT/plugins/libnoentry.so) cannot run: $ROOT/plugins/libnoentry.so is not a tcli module: it exports no 'tcli_plugin_v1' symbol
        hint: run 'tcli modules which noentry' for details
        [exit status: 126]
        ");
    help_lists_problem(&env, "noentry", "exports no 'tcli_plugin_v1' symbol");
}

#[test]
fn native_run_wrong_magic_exits_126() {
    let env = env();
    env.put_plugin(&fixture("badmagic"), "libbadmagic.so");
    let r = env.run(["badmagic"]);
    insta::assert_snapshot!(r, @r#"
        ------- stderr -------
        error: module 'badmagic' ($ROOT/plugins/libbadmagic.so) cannot run: $ROOT/plugins/libbadmagic.so is not a tcli module: its descriptor starts with 0x00494c4354544f4e, not the tcli magic 0x00474c50494c4354 ("TCLIPLG")
        hint: run 'tcli modules which badmagic' for details
        [exit status: 126]
        "#);
    assert!(!r.stdout.contains("badmagic ran"));
    help_lists_problem(&env, "badmagic", "not the tcli magic");
}

#[test]
fn native_run_future_abi_exits_126() {
    let env = env();
    env.put_plugin(&fixture("future"), "libfuture.so");
    let r = env.run(["future"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: module 'future' ($ROOT/plugins/libfuture.so) cannot run: $ROOT/plugins/libfuture.so was built for tcli plugin ABI 2; this tcli 0.1.0 supports ABI 1
        hint: run 'tcli modules which future' for details
        [exit status: 126]
        ");
    assert!(!r.stdout.contains("must not run"), "{}", r.stdout);
    help_lists_problem(&env, "future", "ABI 2");
}

#[test]
fn native_run_truncated_file_exits_126() {
    let env = env();
    let whole = std::fs::read(fixture("hello")).unwrap();
    let lib = env.path("plugins/libtrunc.so");
    // Headers intact, segments cut off: what an interrupted copy leaves.
    std::fs::write(&lib, &whole[..4096]).unwrap();
    insta::assert_snapshot!(env.run(["trunc"]), @r"
        ------- stderr -------
        error: module 'trunc' ($ROOT/plugins/libtrunc.so) cannot run: loading $ROOT/plugins/libtrunc.so crashed the process (killed by a signal): the file is damaged, or it runs code at load time that fails
        hint: run 'tcli modules which trunc' for details
        [exit status: 126]
        ");
    env.run(["--help"]).success().stdout_has("trunc");
}

#[test]
fn native_run_not_a_library_exits_126() {
    let env = env();
    let lib = env.path("plugins/libjunk.so");
    std::fs::write(&lib, "#!/bin/sh\necho not a library\n").unwrap();
    insta::assert_snapshot!(env.run(["junk"]), @r"
        ------- stderr -------
        error: module 'junk' ($ROOT/plugins/libjunk.so) cannot run: cannot load $ROOT/plugins/libjunk.so: file too short
        hint: run 'tcli modules which junk' for details
        [exit status: 126]
        ");
    help_lists_problem(&env, "junk", "cannot load");
    let which = env
        .run(["modules", "which", "junk", "--json"])
        .success()
        .json();
    assert_eq!(which["runnable"], false);
}

#[test]
fn native_run_panic_exits_101() {
    let env = env();
    env.put_plugin(&fixture("hello"), "libhello.so");
    let r = env.run(["hello", "boom"]);
    insta::assert_snapshot!(r, @r"
        before the panic------- stderr -------
        error: module 'hello' panicked at hello/src/lib.rs:60: boom from the fixture
        hint: this is a bug in the module; report it to its authors
        [exit status: 101]
        ");
    assert_eq!(
        r.stdout, "before the panic",
        "output before the panic was lost"
    );
}

#[test]
fn native_load_abort_is_listed_and_help_works() {
    let env = env();
    env.put_plugin(&fixture("aborts"), "libaborts.so");
    env.put_plugin(&fixture("hello"), "libhello.so");
    help_lists_problem(&env, "aborts", "crashed the process");
    env.run(["--help"])
        .success()
        .stdout_has("tcli e2e fixture: hello");
    let list = env.run(["modules", "list", "--json"]).success().json();
    let m = module(&list, "aborts");
    assert_eq!(m["runnable"], false);
    assert!(m["problems"][0]
        .as_str()
        .unwrap()
        .contains("killed by a signal"));
    insta::assert_snapshot!(env.run(["aborts"]), @r"
        ------- stderr -------
        error: module 'aborts' ($ROOT/plugins/libaborts.so) cannot run: loading $ROOT/plugins/libaborts.so crashed the process (killed by a signal): the file is damaged, or it runs code at load time that fails
        hint: run 'tcli modules which aborts' for details
        [exit status: 126]
        ");
    env.run(["hello", "greet", "still"])
        .success()
        .stdout_has("hello, still");
}

#[test]
fn native_load_hang_is_listed_after_timeout() {
    let env = env();
    env.put_plugin(&fixture("hangs"), "libhangs.so");
    let start = std::time::Instant::now();
    help_lists_problem(&env, "hangs", "did not finish within 2 s");
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    // Cached: the second listing does not wait again, and a retry is scheduled in an hour
    // (a timeout may have been a busy machine).
    let start = std::time::Instant::now();
    let list = env.run(["modules", "list", "--json"]).success().json();
    assert!(
        start.elapsed().as_millis() < 1500,
        "took {:?}",
        start.elapsed()
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let retry = module(&list, "hangs")["extra"]["retry_after"]
        .as_u64()
        .unwrap();
    assert!(
        retry > now + 3000 && retry <= now + 3600,
        "retry_after {retry}, now {now}"
    );
}

#[test]
fn native_run_output_without_newline_is_kept() {
    let env = env();
    env.put_plugin(&fixture("hello"), "libhello.so");
    let r = env.run(["hello", "partial"]);
    r.success();
    assert_eq!(r.stdout, "no newline here");
}

#[test]
fn native_run_passes_status_and_usage_errors() {
    let env = env();
    env.put_plugin(&fixture("hello"), "libhello.so");
    insta::assert_snapshot!(env.run(["hello", "fail", "7"]), @r"
        ------- stderr -------
        error: failing with 7 on purpose
        [exit status: 7]
        ");
    insta::assert_snapshot!(env.run(["hello", "nope"]), @r"
        ------- stderr -------
        error: unrecognized subcommand 'nope'

        Usage: tcli hello <COMMAND>

        For more information, try '--help'.
        [exit status: 2]
        ");
    let bytes = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9");
    let r = Run::from(
        env.cmd(["hello".as_ref(), "greet".as_ref(), bytes])
            .output()
            .unwrap(),
    );
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: invalid UTF-8 was detected in one or more arguments

        Usage: tcli hello greet <NAME>

        For more information, try '--help'.
        [exit status: 2]
        ");
}

#[test]
fn native_run_gets_settings_and_dirs() {
    let env = env();
    env.put_plugin(&fixture("hello"), "libhello.so");
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        "[bookmarks]\nwiki = \"https://wiki.example\"\n",
    )
    .unwrap();
    let r = env.run(["hello", "settings"]);
    r.success();
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["bookmarks"]["wiki"], "https://wiki.example");
    env.run(["hello", "where"])
        .success()
        .stdout_has(&env.data_dir().display().to_string());
    std::fs::write(env.config_dir().join("tcli.toml"), "[bookmarks\n").unwrap();
    insta::assert_snapshot!(env.run(["hello", "settings"]), @r"
        ------- stderr -------
        error: cannot read the tcli settings: $ROOT/config/tcli.toml has a syntax error at line 1: unclosed table, expected `]`
        hint: fix the tcli.toml named above, then run the command again
        [exit status: 1]
        ");
}

#[test]
fn native_run_shadows_exec_of_same_name() {
    let env = env();
    let lib = env.put_plugin(&fixture("hello"), "libhello.so");
    let exec = env.module("hello", "echo exec hello");
    env.run(["hello", "greet", "native"])
        .success()
        .stdout_has("hello, native")
        .stdout_lacks("exec hello");
    env.run(["modules", "which", "hello"])
        .success()
        .stdout_has(&format!("hello: native {}", lib.display()))
        .stdout_has(&format!("shadows: exec {}", exec.display()));
    let list = env.run(["modules", "list", "--json"]).success().json();
    let m = module(&list, "hello");
    assert_eq!(m["kind"], "native");
    assert_eq!(m["shadowed"][0]["kind"], "exec");
    assert_eq!(m["shadowed"][0]["location"], exec.display().to_string());
}

#[test]
fn native_check_runs_help_of_every_verb() {
    let env = env();
    env.put_plugin(&fixture("hello"), "libhello.so");
    env.put_plugin(&fixture("future"), "libfuture.so");
    let r = env.run(["modules", "check", "hello", "--json"]);
    r.success();
    assert_eq!(r.json()["modules"][0]["ok"], true, "{}", r.stdout);
    let r = env.run(["modules", "check", "future"]);
    insta::assert_snapshot!(r, @r"
        FAIL  future: $ROOT/plugins/libfuture.so was built for tcli plugin ABI 2; this tcli 0.1.0 supports ABI 1
        0 passed, 1 failed
        [exit status: 1]
        ");
    assert_eq!(r.stdout.matches("ABI 2").count(), 1, "{}", r.stdout);
}

#[test]
fn native_index_reprobes_a_replaced_library() {
    let env = env();
    let lib = env.put_plugin(&fixture("hello"), "libmod.so");
    env.run(["hello", "greet", "a"]).success();
    let tmp = env.path("plugins/.tmp-swap");
    std::fs::copy(fixture("future"), &tmp).unwrap();
    std::fs::rename(&tmp, &lib).unwrap();
    // A library that cannot be read is listed under its file's name.
    insta::assert_snapshot!(env.run(["mod"]), @r"
        ------- stderr -------
        error: module 'mod' ($ROOT/plugins/libmod.so) cannot run: $ROOT/plugins/libmod.so was built for tcli plugin ABI 2; this tcli 0.1.0 supports ABI 1
        hint: run 'tcli modules which mod' for details
        [exit status: 126]
        ");
    insta::assert_snapshot!(env.run(["hello"]), @r"
        ------- stderr -------
        error: no module named 'hello'
        hint: a module with a similar name exists: 'help'
        [exit status: 2]
        ");
}

fn web_env() -> TestEnv {
    let env = env();
    env.put_plugin(&bundled("web"), "libtcli_plugin_web.so");
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        "[bookmarks]\nwiki = \"https://wiki.example.com\"\nci = { url = \"https://ci.example.com\", description = \"Build status\" }\n",
    )
    .unwrap();
    env
}

#[test]
fn web_list_shows_bookmarks() {
    let env = web_env();
    let r = env.run(["web", "list"]);
    r.success()
        .stdout_has("ci    https://ci.example.com    Build status\n")
        .stdout_has("wiki  https://wiki.example.com  -\n");
    let v = env.run(["web", "list", "--json"]).success().json();
    assert_eq!(
        v,
        serde_json::json!([
            {"name": "ci", "url": "https://ci.example.com", "description": "Build status"},
            {"name": "wiki", "url": "https://wiki.example.com", "description": null},
        ])
    );
    env.run(["--help"])
        .success()
        .stdout_has("web")
        .stdout_has("web  Team bookmarks [native]");
}

#[test]
fn web_show_and_unknown_name() {
    let env = web_env();
    env.run(["web", "show", "ci"])
        .success()
        .stdout_has("url:         https://ci.example.com\n")
        .stdout_has("description: Build status\n");
    insta::assert_snapshot!(env.run(["web", "show", "nope"]), @r"
        ------- stderr -------
        error: no bookmark named 'nope'
        hint: run 'tcli web list' to see the bookmarks
        [exit status: 1]
        ");
}

#[test]
fn web_open_prints_url_without_display() {
    let mut env = web_env();
    env.run(["web", "open", "wiki"])
        .success()
        .stdout_has("https://wiki.example.com\n");
    env.var("DISPLAY", ":0").var("CI", "true");
    env.run(["web", "open", "wiki"])
        .success()
        .stdout_has("https://wiki.example.com\n");
}

#[test]
fn web_open_runs_the_platform_opener() {
    let mut env = web_env();
    let log = env.path("opened");
    env.script_in(
        &env.bin(),
        "xdg-open",
        &format!("printf '%s\\n' \"$1\" > '{}'", log.display()),
    );
    env.var("DISPLAY", ":0");
    let r = env.run(["web", "open", "ci"]);
    r.success();
    assert_eq!(r.stdout, "");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "https://ci.example.com\n"
    );
}

/// A bare repo `<root>/<name>.git` with one commit on main.
fn bare_repo(env: &TestEnv, name: &str) -> PathBuf {
    let bare = env.path(&format!("{name}.git"));
    let work = env.path(&format!("{name}-seed"));
    std::fs::create_dir_all(&work).unwrap();
    let git = env.git();
    git.run(
        env.root.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    git.run(&work, &["init", "-q"]);
    std::fs::write(work.join("README"), "hi\n").unwrap();
    git.run(&work, &["add", "README"]);
    git.run(&work, &["commit", "-q", "-m", "init"]);
    git.run(&work, &["push", "-q", bare.to_str().unwrap(), "main"]);
    bare
}

fn project_env() -> (TestEnv, PathBuf) {
    let env = env();
    env.put_plugin(&bundled("project"), "libtcli_plugin_project.so");
    let bare = bare_repo(&env, "api");
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        format!(
            "[projects.api]\nurl = \"{}\"\ndescription = \"The API\"\n[projects.docs]\nurl = \"{}\"\n",
            bare.display(),
            env.path("missing.git").display()
        ),
    )
    .unwrap();
    (env, bare)
}

#[test]
fn project_list_shows_cloned_state() {
    let (env, bare) = project_env();
    let v = env.run(["project", "list", "--json"]).success().json();
    assert_eq!(v[0]["name"], "api");
    assert_eq!(v[0]["cloned"], false);
    assert_eq!(v[0]["url"], bare.display().to_string());
    assert_eq!(v[0]["description"], "The API");
    assert_eq!(
        v[0]["path"],
        env.data_dir().join("projects/api").display().to_string()
    );
    env.run(["project", "clone", "api"]).success();
    let v = env.run(["project", "list", "--json"]).success().json();
    assert_eq!(v[0]["cloned"], true);
    env.run(["project", "list"])
        .success()
        .stdout_has("api   yes")
        .stdout_has("docs  no");
}

#[test]
fn project_clone_into_default_and_given_dir() {
    let (env, _) = project_env();
    env.run(["project", "clone", "api"])
        .success()
        .stderr_has("cloned project 'api'");
    assert!(env.data_dir().join("projects/api/README").is_file());
    insta::assert_snapshot!(env.run(["project", "clone", "api"]), @r"
        ------- stderr -------
        error: $ROOT/data/projects/api already exists and is not empty
        hint: it is already a clone; see it with 'tcli project status', or give another dir: tcli project clone api DIR
        [exit status: 1]
        ");
    let elsewhere = env.path("src/api");
    env.run([
        "project".as_ref(),
        "clone".as_ref(),
        "api".as_ref(),
        elsewhere.as_os_str(),
    ])
    .success();
    assert!(elsewhere.join("README").is_file());
    let r = env.run(["project", "clone", "docs"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        cloning $ROOT/missing.git into $ROOT/data/projects/docs
        error: cannot clone $ROOT/missing.git: repository '$ROOT/missing.git' does not exist
        hint: check the url in [projects.docs] and that git reaches it: git ls-remote -- $ROOT/missing.git
        [exit status: 1]
        ");
    assert!(!env.data_dir().join("projects/docs").exists());
    let leftovers: Vec<_> = std::fs::read_dir(env.data_dir().join("projects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tcli-clone"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn project_status_reports_branch_dirty_ahead() {
    let (env, _) = project_env();
    env.run(["project", "status"])
        .success()
        .stderr_has("no project is cloned yet");
    env.run(["project", "clone", "api"]).success();
    let clone = env.data_dir().join("projects/api");
    let v = env.run(["project", "status", "--json"]).success().json();
    assert_eq!(v[0]["branch"], "main");
    assert_eq!(v[0]["dirty"], false);
    assert_eq!(v[0]["upstream"], "origin/main");
    assert_eq!(v[0]["ahead"], 0);
    std::fs::write(clone.join("new.txt"), "x\n").unwrap();
    env.git().run(&clone, &["add", "new.txt"]);
    env.git().run(&clone, &["commit", "-q", "-m", "local"]);
    std::fs::write(clone.join("README"), "changed\n").unwrap();
    let v = env.run(["project", "status", "--json"]).success().json();
    assert_eq!(v[0]["dirty"], true);
    assert_eq!(v[0]["ahead"], 1);
    assert_eq!(v[0]["behind"], 0);
    env.run(["project", "status"])
        .success()
        .stdout_has("api   main    dirty    origin/main: ahead 1");
}

/// The C example of docs/native-abi.md, compiled against plugin-sdk/include/tcli_plugin.h,
/// works as documented: the header and the Rust ABI agree.
#[test]
fn native_run_c_module_from_the_docs() {
    let env = env();
    let doc = std::fs::read_to_string(workspace_root().join("docs/native-abi.md")).unwrap();
    let example = doc
        .split("```c\n")
        .find(|block| block.contains("tcli_plugin_v1(void) { return"))
        .and_then(|block| block.split("```").next())
        .expect("the C example in docs/native-abi.md");
    let src = env.path("hello.c");
    std::fs::write(&src, example).unwrap();
    let lib = env.path("plugins/libhello.so");
    let out = Command::new("cc")
        .args(["-shared", "-fPIC", "-Wall", "-Werror", "-I"])
        .arg(workspace_root().join("plugin-sdk/include"))
        .arg("-o")
        .arg(&lib)
        .arg(&src)
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.run(["hello", "greet"])
        .success()
        .stdout_has("hello from C\n");
    env.run(["modules", "check", "hello"])
        .success()
        .stdout_has("ok    hello");
    let list = env.run(["modules", "list", "--json"]).success().json();
    assert_eq!(
        module(&list, "hello")["verbs"],
        serde_json::json!(["greet"])
    );
}

/// install.sh's layout: `<prefix>/bin/tcli` finds `<prefix>/lib/tcli/plugins` from its own
/// path, with no variable pointing there.
#[test]
fn native_run_bundled_dir_beside_the_binary() {
    let env = web_env();
    let prefix = env.path("prefix");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::fs::create_dir_all(prefix.join("lib/tcli/plugins")).unwrap();
    let tcli = prefix.join("bin/tcli");
    std::fs::copy(crate::support::tcli_bin(), &tcli).unwrap();
    std::fs::rename(
        env.path("plugins/libtcli_plugin_web.so"),
        prefix.join("lib/tcli/plugins/libtcli_plugin_web.so"),
    )
    .unwrap();
    let run = |args: &[&str]| Run::from(env.command(&tcli).args(args).output().unwrap());
    run(&["web", "list"])
        .success()
        .stdout_has("wiki  https://wiki.example.com");
    let which = run(&["modules", "which", "web"]);
    which.success().stdout_has(&format!(
        "web: native {}",
        prefix
            .join("lib/tcli/plugins/libtcli_plugin_web.so")
            .display()
    ));
}

#[test]
fn native_run_broken_library_does_not_block_an_exec_module_of_the_same_name() {
    let env = env();
    std::fs::write(env.path("plugins").join("libdeploy.so"), b"not a library").unwrap();
    let exec = env.module("deploy", "echo exec deploy");
    env.run(["deploy"]).success().stdout_has("exec deploy");
    env.run(["modules", "which", "deploy"])
        .success()
        .stdout_has(&format!("deploy: exec {}", exec.display()))
        .stdout_has("shadows: native");
    std::fs::remove_file(&exec).unwrap();
    insta::assert_snapshot!(env.run(["deploy"]), @r"
        ------- stderr -------
        error: module 'deploy' ($ROOT/plugins/libdeploy.so) cannot run: cannot load $ROOT/plugins/libdeploy.so: file too short
        hint: run 'tcli modules which deploy' for details
        [exit status: 126]
        ");
}

#[test]
fn native_run_println_into_a_closed_pipe_exits_0() {
    let env = env();
    env.put_plugin(&fixture("hello"), "libhello.so");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = env
        .cmd(["hello", "greet", "x"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A C module whose descriptor sets `manifest` to NULL (docs/native-abi.md: optional) is read,
/// listed and run, with no verbs and the note that it gives none; the descriptor read does not
/// crash.
#[test]
fn native_run_c_module_with_a_null_manifest() {
    let env = env();
    let src = env.path("nomanifest.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include "tcli_plugin.h"

static int run(const TcliHostV1 *host, int argc, const char *const *argv) {
    (void)host; (void)argc; (void)argv;
    printf("ran without a manifest\n");
    fflush(stdout);
    return 0;
}

static const TcliPluginV1 descriptor = {
    TCLI_PLUGIN_MAGIC, TCLI_ABI_VERSION, sizeof(TcliPluginV1),
    "bare", "No manifest", "0.1.0", "hand-written C", NULL, run, {0},
};

const TcliPluginV1 *tcli_plugin_v1(void) { return &descriptor; }
"#,
    )
    .unwrap();
    let lib = env.path("plugins/libbare.so");
    let out = Command::new("cc")
        .args(["-shared", "-fPIC", "-Wall", "-Werror", "-I"])
        .arg(workspace_root().join("plugin-sdk/include"))
        .arg("-o")
        .arg(&lib)
        .arg(&src)
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.run(["bare"])
        .success()
        .stdout_has("ran without a manifest\n");
    let list = env.run(["modules", "list", "--json"]).success().json();
    let bare = module(&list, "bare");
    assert_eq!(bare["description"], "No manifest");
    assert!(bare.get("verbs").is_none(), "no verbs: {bare}");
    // It runs, but `modules check` holds a module to its manifest, as for a NULL return.
    insta::assert_snapshot!(env.run(["modules", "check", "bare"]), @r"
        FAIL  bare: the module gives no manifest of its verbs
        0 passed, 1 failed
        [exit status: 1]
        ");
}

/// A team file's `[projects]` is hostile input: a `path` that climbs out with `..` is refused
/// before anything is cloned, and a URL that git would read as an option runs nothing, nor does
/// the hint printed for it.
#[test]
fn project_clone_refuses_a_climbing_path_and_an_option_url() {
    let env = env();
    env.put_plugin(&bundled("project"), "libtcli_plugin_project.so");
    let bare = bare_repo(&env, "api");
    let mark = env.path("pwned");
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        format!(
            "[projects.up]\nurl = \"{}\"\npath = \"../../escaped\"\n",
            bare.display()
        ),
    )
    .unwrap();
    insta::assert_snapshot!(env.run(["project", "clone", "up"]), @r"
        ------- stderr -------
        error: setting 'projects.up' is invalid: path must not contain '..'
        hint: fix the tcli.toml named above, then run the command again
        [exit status: 1]
        ");
    assert!(!env.path("escaped").exists());
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        format!(
            "[projects.opt]\nurl = \"--upload-pack=touch {}\"\n",
            mark.display()
        ),
    )
    .unwrap();
    let r = env.run(["project", "clone", "opt"]);
    r.code(1);
    assert!(!mark.exists(), "git ran the URL as an option\n{}", r.stderr);
    let hint = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("hint: "))
        .expect("a hint");
    let command = &hint[hint.rfind(": ").unwrap() + 2..];
    let _ = env.command("sh").args(["-c", command]).output().unwrap();
    assert!(
        !mark.exists(),
        "the hint ran the URL as an option: {command}"
    );
}
