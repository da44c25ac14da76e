//! Dispatch of exec modules: exit codes, signals, byte-exact args and stdio, the module
//! environment, a terminal, unknown and unrunnable modules, the grammar's global flags.

use crate::support::TestEnv;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::Stdio;

#[test]
fn dispatch_exit_codes_pass_through_all_256() {
    let env = TestEnv::new();
    env.module("code", "exit \"$1\"");
    for code in 0..=255 {
        env.run(["code", &code.to_string()]).code(code);
    }
}

#[test]
fn dispatch_signal_death_is_128_plus_n_for_the_shell() {
    let env = TestEnv::new();
    env.module("die", "kill -\"$1\" $$");
    for (sig, want) in [("TERM", "143"), ("KILL", "137"), ("INT", "130")] {
        let sh = env
            .command_with_default_signals("/bin/sh")
            .arg("-c")
            .arg(format!("\"$TCLI\" die {sig}; echo $?"))
            .env("TCLI", crate::support::tcli_bin())
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&sh.stdout).trim(),
            want,
            "signal {sig}"
        );
    }
}

#[test]
fn dispatch_args_reach_the_module_byte_for_byte() {
    let env = TestEnv::new();
    env.module("args", "for a in \"$@\"; do printf '%s\\0' \"$a\"; done");
    let weird: Vec<std::ffi::OsString> = vec![
        "--help-me".into(),
        "".into(),
        "two words".into(),
        "-V".into(),
        std::ffi::OsStr::from_bytes(b"\xff\xfe not utf8").to_owned(),
        "--".into(),
        "ünïcødé".into(),
    ];
    let mut args: Vec<std::ffi::OsString> = vec!["args".into()];
    args.extend(weird.iter().cloned());
    let run = env.run(&args);
    run.success();
    let mut want = Vec::new();
    for a in &weird {
        want.extend_from_slice(a.as_bytes());
        want.push(0);
    }
    assert_eq!(run.raw_stdout, want);
}

#[test]
fn dispatch_stdio_round_trips_50_mb_of_binary() {
    let env = TestEnv::new();
    env.module("cat", "cat; printf 'err-bytes' >&2");
    let data: Vec<u8> = (0..50 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut child = env
        .cmd(["cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = {
        let data = data.clone();
        std::thread::spawn(move || stdin.write_all(&data).unwrap())
    };
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data, "stdout differs from stdin");
    assert_eq!(out.stderr, b"err-bytes");
}

#[test]
fn dispatch_module_gets_tcli_environment() {
    let env = TestEnv::new();
    env.module("envy", "echo \"$TCLI_MODULE|$TCLI_VERSION|$TCLI_BIN\"");
    let run = env.run(["envy"]);
    run.success();
    let want = format!(
        "envy|{}|{}\n",
        env!("CARGO_PKG_VERSION"),
        crate::support::tcli_bin().display()
    );
    assert_eq!(run.stdout, want);
}

#[test]
fn dispatch_module_on_a_terminal_sees_a_terminal() {
    let env = TestEnv::new();
    env.module(
        "tty",
        "if [ -t 0 ] && [ -t 1 ]; then echo IS-A-TTY; else echo NOT-A-TTY; fi",
    );
    let text = env.on_terminal(&["tty"], &[]);
    assert!(text.contains("IS-A-TTY"), "{text}");
}

#[test]
fn dispatch_unknown_module_exits_2_with_suggestions() {
    let env = TestEnv::new();
    env.module("deploy", "echo deployed");
    env.module("deplete", "echo x");
    insta::assert_snapshot!(env.run(["deploi"]), @r"
        ------- stderr -------
        error: no module named 'deploi'
        hint: modules with similar names exist: 'deploy', 'deplete'
        [exit status: 2]
        ");
}

#[test]
fn dispatch_invalid_name_exits_2_and_never_runs() {
    let env = TestEnv::new();
    let marker = env.path("ran");
    env.script_in(
        &env.bin(),
        "tcli-Bad",
        &format!("touch {}", marker.display()),
    );
    insta::assert_snapshot!(env.run(["Bad"]), @r"
        ------- stderr -------
        error: invalid module name 'Bad': a name cannot contain uppercase letters
        hint: module names look like 'deploy' or 'db-backup'; run 'tcli --help' to see them
        [exit status: 2]
        ");
    insta::assert_snapshot!(env.run(["../bin/x"]), @r"
        ------- stderr -------
        error: invalid module name '../bin/x': a name must start with a lowercase ASCII letter
        hint: module names look like 'deploy' or 'db-backup'; run 'tcli --help' to see them
        [exit status: 2]
        ");
    assert!(!marker.exists());
}

#[test]
fn dispatch_unstartable_module_exits_126_with_reason() {
    let env = TestEnv::new();
    env.script_in(&env.bin(), "tcli-broken", "");
    std::fs::write(
        env.bin().join("tcli-broken"),
        "#!/nonexistent/interpreter\n",
    )
    .unwrap();
    insta::assert_snapshot!(env.run(["broken"]), @r"
        ------- stderr -------
        error: module 'broken' ($ROOT/bin/tcli-broken) cannot be started: No such file or directory (os error 2)
        hint: its interpreter (the #! line) may be missing, or the file was removed
        [exit status: 126]
        ");
}

#[test]
fn dispatch_global_flags_only_before_the_module() {
    let env = TestEnv::new();
    env.module("echoargs", "echo \"$@\"");
    env.run(["--version"])
        .success()
        .stdout_has(concat!("tcli ", env!("CARGO_PKG_VERSION")));
    env.run(["-V"]).success();
    env.run(["echoargs", "--version", "-h"])
        .success()
        .stdout_has("--version -h");
    insta::assert_snapshot!(env.run(["--frobnicate", "echoargs"]), @r"
        ------- stderr -------
        error: unknown option '--frobnicate'
        hint: tcli takes only -h/--help and -V/--version before the module name; options after it belong to the module
        [exit status: 2]
        ");
}

#[test]
fn dispatch_first_on_path_wins() {
    let mut env = TestEnv::new();
    let second = env.add_path_dir("second");
    env.module("x", "echo first");
    env.script_in(&second, "tcli-x", "echo second");
    env.run(["x"]).success().stdout_has("first");
}

#[test]
fn dispatch_ignores_non_executables_dirs_and_relative_path_entries() {
    let env = TestEnv::new();
    std::fs::write(env.bin().join("tcli-plain"), "#!/bin/sh\necho no\n").unwrap();
    std::fs::create_dir(env.bin().join("tcli-dir")).unwrap();
    let rel = env.path("rel");
    std::fs::create_dir(&rel).unwrap();
    env.script_in(&rel, "tcli-rel", "echo relative");
    let run = env
        .cmd(["rel"])
        .env("PATH", format!("rel::{}", env.path_var()))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    env.run(["plain"]).code(2);
    env.run(["dir"]).code(2);
}

#[test]
fn dispatch_module_gets_default_sigpipe() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let env = TestEnv::new();
    env.module("spew", "exec yes spew");
    let mut child = env
        .cmd(["spew"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 5];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(&first, b"spew\n");
    // Killed by SIGPIPE like any Unix filter: tcli must not hand its own SIGPIPE setup down.
    assert_eq!(
        out.status.signal(),
        Some(13),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dispatch_write_error_on_stdout_is_reported() {
    let env = TestEnv::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = env.cmd(["--version"]).stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: cannot write to stdout"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
