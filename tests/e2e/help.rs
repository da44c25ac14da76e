//! `tcli`, `tcli --help`, `tcli help ...`: the listing, forwarding to a module's own help, and
//! the warm path spawning nothing.

use crate::support::TestEnv;

#[test]
fn help_lists_builtins_and_modules_with_descriptions() {
    let env = TestEnv::new();
    env.module("hello", "# tcli-summary: Say hello to the team\necho hi");
    env.module("greet", "[ \"$1\" = --help ] && { echo 'Usage: tcli greet'; echo; echo 'Greet people warmly'; exit 0; }");
    let help = env.run(["--help"]);
    insta::assert_snapshot!(help, @r"
        tcli: the team command line

        Usage: tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]

        Built-in:
          completion  Print a shell completion script
          help        Show help for tcli or for a module
          modules     List, locate and check modules
          team        Add, update and inspect team repositories

        Modules:
          greet  Greet people warmly
          hello  Say hello to the team
        ");
    for args in [vec![], vec!["-h"], vec!["help"]] {
        let run = env.run(&args);
        run.success();
        assert_eq!(run.stdout, help.stdout, "tcli {args:?}");
    }
}

#[test]
fn help_module_runs_the_module_help() {
    let env = TestEnv::new();
    env.module("deploy", "echo \"args: $*\"");
    env.run(["help", "deploy", "staging", "up"])
        .success()
        .stdout_has("args: staging up --help");
    env.run(["--help", "deploy"])
        .success()
        .stdout_has("args: --help");
    insta::assert_snapshot!(env.run(["help", "modules"]), @r"
        List, locate and check modules

        Usage: tcli modules <COMMAND>

        Commands:
          list     List every module with its kind, location, description, shadowed entries and problems
          which    Show which module runs for a name and what it shadows
          check    Check that modules follow the tcli standard (exit 1 when any fails)
          install  Install a native module library (built with tcli-plugin-sdk) for this user
          remove   Remove a native module installed with 'tcli modules install'
          new      Create a module skeleton that passes 'tcli modules check'
          help     Print this message or the help of the given subcommand(s)

        Options:
          -h, --help  Print help
        ");
    insta::assert_snapshot!(env.run(["help", "nosuch"]), @r"
        ------- stderr -------
        error: no module named 'nosuch'
        hint: run 'tcli --help' to see the modules you have
        [exit status: 2]
        ");
}

#[test]
fn help_warm_index_spawns_no_module() {
    let env = TestEnv::new();
    let log = env.path("invocations.log");
    for i in 0..5 {
        env.module(
            &format!("logged{i}"),
            &format!("echo \"$*\" >> {}\necho 'Logged module'", log.display()),
        );
    }
    env.run(["--help"])
        .success()
        .stdout_has("logged4  Logged module");
    let cold = std::fs::read_to_string(&log).unwrap();
    assert_eq!(cold.lines().count(), 5, "each module probed once: {cold}");
    let index = env.cache_dir().join("index.jsonl");
    let mtime = std::fs::metadata(&index).unwrap().modified().unwrap();
    for _ in 0..3 {
        env.run(["--help"])
            .success()
            .stdout_has("logged0  Logged module");
    }
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        cold,
        "warm --help ran a module"
    );
    assert_eq!(
        std::fs::metadata(&index).unwrap().modified().unwrap(),
        mtime,
        "warm --help rewrote the index"
    );
}

#[test]
fn help_reprobes_only_the_changed_module() {
    let env = TestEnv::new();
    let log = env.path("log");
    env.module("a", &format!("echo a >> {}\necho 'First A'", log.display()));
    env.module("b", &format!("echo b >> {}\necho 'First B'", log.display()));
    env.run(["--help"]).success();
    // Same size, new content: only the identity (mtime/inode) tells them apart.
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.module("b", &format!("echo b >> {}\necho 'Other B'", log.display()));
    insta::assert_snapshot!(env.run(["--help"]), @r"
        tcli: the team command line

        Usage: tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]

        Built-in:
          completion  Print a shell completion script
          help        Show help for tcli or for a module
          modules     List, locate and check modules
          team        Add, update and inspect team repositories

        Modules:
          a  First A
          b  Other B
        ");
    // Probes run in parallel, so only the counts are fixed: a once, b twice.
    let mut probes: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    probes.sort();
    assert_eq!(probes, ["a", "b", "b"]);
}

#[test]
fn help_sees_a_new_module_at_once() {
    let env = TestEnv::new();
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
        ");
    env.module("fresh", "# tcli-summary: Just added\n");
    insta::assert_snapshot!(env.run(["--help"]), @r"
        tcli: the team command line

        Usage: tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]

        Built-in:
          completion  Print a shell completion script
          help        Show help for tcli or for a module
          modules     List, locate and check modules
          team        Add, update and inspect team repositories

        Modules:
          fresh  Just added
        ");
    std::fs::remove_file(env.bin().join("tcli-fresh")).unwrap();
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
        ");
}

#[test]
fn help_survives_hostile_help_output() {
    let env = TestEnv::new();
    env.module("huge", "head -c 10000000 /dev/zero | tr '\\0' 'x'");
    env.module("junk", "head -c 4096 /dev/urandom");
    env.module("hang", "sleep 60");
    env.module("fails", "echo oops >&2; exit 3");
    env.module("silent", "exit 0");
    let start = std::time::Instant::now();
    let run = env.run(["--help"]);
    assert!(
        start.elapsed().as_secs() < 10,
        "probing took {:?}",
        start.elapsed()
    );
    insta::assert_snapshot!(&run, @r"
        tcli: the team command line

        Usage: tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]

        Built-in:
          completion  Print a shell completion script
          help        Show help for tcli or for a module
          modules     List, locate and check modules
          team        Add, update and inspect team repositories

        Modules:
          fails   ('--help' exited with status 3)
          hang    ('--help' did not finish within 2 s)
          huge    xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…
          junk    ('--help' printed binary data, not text)
          silent  ('--help' printed nothing on stdout)
        ");
    for line in run.stdout.lines() {
        assert!(
            line.chars().count() <= 90,
            "line too long: {} chars",
            line.chars().count()
        );
        assert!(!line.contains('\u{1b}'), "escape sequence in help");
    }
}

#[test]
fn help_colour_only_on_a_terminal_and_never_with_no_color() {
    let mut env = TestEnv::new();
    env.module("hello", "# tcli-summary: Hi\n");
    let tty = env.on_terminal(&["--help"], &[("CI", "true"), ("TERM", "xterm")]);
    assert!(tty.contains("\u{1b}["), "no colour on a terminal: {tty:?}");
    assert!(tty.contains("Run 'tcli help <module>'"), "{tty:?}");
    let no_color = env.on_terminal(&["--help"], &[("NO_COLOR", "1"), ("TERM", "xterm")]);
    assert!(
        !no_color.contains("\u{1b}["),
        "colour despite NO_COLOR: {no_color:?}"
    );
    env.var("CI", "true");
    env.run(["--help"])
        .success()
        .stdout_has("hello  Hi")
        .stdout_lacks("\u{1b}[")
        .stdout_lacks("Run 'tcli help");
}

#[test]
fn help_alias_module_that_calls_tcli_is_described_at_once() {
    let env = TestEnv::new();
    env.module("hello", "# tcli-summary: Say hello\necho hello \"$@\"");
    // An alias: its --help runs tcli again while the first tcli is refreshing the index.
    env.module("hi", "exec \"$TCLI_BIN\" hello \"$@\"");
    let start = std::time::Instant::now();
    let run = env.run(["--help"]);
    run.success().stdout_has("  hi     hello --help\n");
    assert!(
        start.elapsed().as_millis() < 1500,
        "probe waited on the lock: {:?}",
        start.elapsed()
    );
}

#[test]
fn help_module_with_declared_verbs_refuses_an_unknown_verb() {
    let env = TestEnv::new();
    env.module(
        "deploy",
        "# tcli-summary: Deploy services\n# tcli-verbs: status, env create, env delete\necho \"help for: $*\"",
    );
    env.module("plain", "echo \"help for: $*\"");
    insta::assert_snapshot!(env.run(["help", "deploy", "stauts"]), @r"
        ------- stderr -------
        error: module 'deploy' has no verb 'stauts'
        hint: did you mean 'status'? ('deploy' takes: status, env)
        [exit status: 2]
        ");
    insta::assert_snapshot!(env.run(["help", "deploy", "env", "crate"]), @r"
        ------- stderr -------
        error: module 'deploy' has no verb 'env crate'
        hint: did you mean 'create'? ('deploy env' takes: create, delete)
        [exit status: 2]
        ");
    let ok = env.run(["help", "deploy", "env", "create"]);
    ok.success();
    assert_eq!(ok.stdout, "help for: env create --help\n");
    // `help` (every clap-built module's verb) and flags pass, and a module that declares no
    // verbs gets every word as before.
    insta::assert_snapshot!(env.run(["help", "deploy", "help"]), @r"
        help for: help --help
        ");
    insta::assert_snapshot!(env.run(["help", "deploy", "--verbose"]), @r"
        help for: --verbose --help
        ");
    insta::assert_snapshot!(env.run(["help", "plain", "anything"]), @r"
        help for: anything --help
        ");
}
