//! `tcli completion <shell>`: the scripts complete built-ins, modules from the index, declared
//! verbs and subjects, then file names, in a real bash, zsh and fish. zsh and fish are skipped
//! (loudly) where they are not installed, except under CI, which installs them.

use crate::support::TestEnv;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A world with a `tcli` on PATH, an exec module declaring verbs and a subject, a module that
/// declares none and logs every run, an indexed catalog, and a file to complete.
fn world() -> TestEnv {
    let env = TestEnv::new();
    std::os::unix::fs::symlink(crate::support::tcli_bin(), env.bin().join("tcli")).unwrap();
    env.module(
        "deploy",
        "# tcli-summary: Deploy services\n# tcli-verbs: status, rollback\n# tcli-verbs: env create, env delete\necho deploy \"$@\"",
    );
    env.module(
        "lint",
        &format!(
            "# tcli-summary: Lint the repo\necho ran >> '{}'",
            env.path("lint-ran").display()
        ),
    );
    std::fs::write(env.path("notes-for-review.txt"), "x").unwrap();
    env.run(["--help"]).success().stdout_has("deploy");
    env
}

/// `tcli __complete <shell> -- words...`, as the scripts call it.
fn answer(env: &TestEnv, shell: &str, words: &[&str]) -> String {
    let mut args = vec!["__complete", shell, "--"];
    args.extend(words);
    let run = env.run(&args);
    run.success();
    run.stdout
}

#[test]
fn completion_complete_offers_modules_verbs_subjects_and_builtins() {
    let env = world();
    assert_eq!(
        answer(&env, "bash", &[""]),
        "completion\ndeploy\nhelp\nlint\nmodules\nteam\n"
    );
    assert_eq!(answer(&env, "bash", &["de"]), "deploy\n");
    assert_eq!(answer(&env, "bash", &["--"]), "--help\n--version\n");
    assert_eq!(
        answer(&env, "bash", &["deploy", ""]),
        "status\nrollback\nenv\n"
    );
    assert_eq!(
        answer(&env, "bash", &["deploy", "env", ""]),
        "create\ndelete\n"
    );
    // Past the declared verbs, and for a module that declares none: file names (no answer).
    assert_eq!(answer(&env, "bash", &["deploy", "status", ""]), "");
    assert_eq!(answer(&env, "bash", &["lint", ""]), "");
    assert_eq!(
        answer(&env, "bash", &["help", "deploy", "env", "d"]),
        "delete\n"
    );
    assert_eq!(
        answer(&env, "bash", &["modules", ""]),
        "list\nwhich\ncheck\ninstall\nremove\nnew\n"
    );
    assert_eq!(answer(&env, "bash", &["modules", "which", "l"]), "lint\n");
    assert_eq!(
        answer(&env, "bash", &["modules", "list", "--"]),
        "--json\n--names\n--verbs\n--help\n"
    );
    assert_eq!(
        answer(&env, "bash", &["completion", ""]),
        "bash\nzsh\nfish\n"
    );
    assert_eq!(answer(&env, "fish", &["dep"]), "deploy\tDeploy services\n");
    assert_eq!(answer(&env, "zsh", &["dep"]), "deploy:Deploy services\n");
    // `--opt=value`: bash splits at `=` and replaces only what follows it; zsh and fish take
    // the whole word.
    assert_eq!(
        answer(&env, "bash", &["modules", "new", "x", "--kind", "=", "na"]),
        "native\n"
    );
    assert_eq!(
        answer(&env, "bash", &["modules", "new", "x", "--kind", "="]),
        "exec\nnative\ndocker\nsource\n"
    );
    assert_eq!(
        answer(&env, "fish", &["modules", "new", "x", "--kind=d"]),
        "--kind=docker\tA Dockerfile for an image that opts in with io.tcli.* labels\n"
    );
    // bash passes words with their quotes on.
    assert_eq!(answer(&env, "bash", &["'dep"]), "deploy\n");
    assert_eq!(
        answer(&env, "bash", &["\"deploy\"", "env", ""]),
        "create\ndelete\n"
    );
    // No module ran to answer any of that.
    assert!(!env.path("lint-ran").exists());
}

#[test]
fn completion_complete_reads_only_the_index() {
    let env = world();
    let index = env.cache_dir().join("index.jsonl");
    let before = std::fs::metadata(&index).unwrap().modified().unwrap();
    // A module added since the last listing is not seen (no PATH scan) until tcli lists again.
    env.module("later", "# tcli-summary: Added later\n");
    assert_eq!(answer(&env, "bash", &["la"]), "");
    assert_eq!(
        std::fs::metadata(&index).unwrap().modified().unwrap(),
        before,
        "completion wrote the index"
    );
    env.run(["--help"]).success();
    assert_eq!(answer(&env, "bash", &["la"]), "later\n");
    // No index at all: the built-ins still complete.
    std::fs::remove_file(&index).unwrap();
    assert_eq!(answer(&env, "bash", &["mod"]), "modules\n");
    assert!(!index.exists());
}

#[test]
fn completion_bash_script_completes_through_compgen() {
    let env = world();
    let script = env.path("c.bash");
    std::fs::write(
        &script,
        env.run(["completion", "bash"]).success().stdout.as_bytes(),
    )
    .unwrap();
    let complete = |line: &str| {
        let out = env
            .command("bash")
            .arg("--norc")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
                 _tcli; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("tcli hel"), "help\n");
    assert_eq!(complete("tcli deploy env cr"), "create\n");
    assert_eq!(complete("tcli modules w"), "which\n");
    assert_eq!(complete("tcli team up"), "update\n");
}

#[test]
fn completion_without_shell_is_a_usage_error() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.run(["completion"]), @r"
        ------- stderr -------
        error: the following required arguments were not provided:
          <SHELL>

        Usage: tcli completion <SHELL>

        For more information, try '--help'.
        [exit status: 2]
        ");
    insta::assert_snapshot!(env.run(["completion", "tcsh"]), @r"
        ------- stderr -------
        error: invalid value 'tcsh' for '<SHELL>'
          [possible values: bash, zsh, fish]

          tip: a similar value exists: 'zsh'

        For more information, try '--help'.
        [exit status: 2]
        ");
    env.run(["__complete", "tcsh", "--", ""]).code(2);
}

/// An interactive shell under a tmux server of the test's own, with the hermetic environment.
struct Typing {
    socket: String,
}

impl Typing {
    fn start(env: &TestEnv, argv: &[&str], extra: &[(&str, String)]) -> Typing {
        let socket = format!(
            "tcli-e2e-{}",
            env.root.path().file_name().unwrap().to_string_lossy()
        );
        let probe = env.command("true");
        let mut cmd = vec![
            "env".to_string(),
            "-i".to_string(),
            "TERM=xterm".to_string(),
        ];
        for (k, v) in probe.get_envs() {
            if let Some(v) = v {
                cmd.push(format!("{}={}", k.to_string_lossy(), v.to_string_lossy()));
            }
        }
        cmd.extend(extra.iter().map(|(k, v)| format!("{k}={v}")));
        cmd.extend(argv.iter().map(|a| a.to_string()));
        let t = Typing { socket };
        let out = t
            .tmux(&["new-session", "-d", "-x", "120", "-y", "20", "-c"])
            .arg(env.root.path())
            .args(&cmd)
            .output()
            .expect("run tmux (apt-get install tmux)");
        assert!(out.status.success(), "{out:?}");
        t
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null());
        c
    }

    fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut c = self.tmux(&["send-keys"]);
        c.args(keys);
        assert!(c.output().unwrap().status.success());
    }

    /// Waits (up to 10 s) for the screen to show `want`.
    fn expect(&self, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if screen.contains(want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the terminal never showed {want:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `line`, presses TAB, and expects the line to become `want`; then clears it. A
    /// marker typed after TAB shows the trailing space (tmux trims it from the screen).
    fn tab(&self, line: &str, want: &str) {
        self.keys(&["-l", line]);
        self.keys(&["Tab"]);
        self.keys(&["-l", "@"]);
        self.expect(&format!("$ {want}@"));
        self.keys(&["C-u"]);
    }

    /// What every shell must complete: a module, a subject's verb, then a file name.
    fn modules_verbs_and_files(&self) {
        self.expect("$");
        self.tab("tcli dep", "tcli deploy ");
        self.tab("tcli deploy env cr", "tcli deploy env create ");
        self.tab(
            "tcli deploy status notes",
            "tcli deploy status notes-for-review.txt ",
        );
        self.tab(
            "tcli modules new x --kind=na",
            "tcli modules new x --kind=native ",
        );
        self.tab("tcli \"deploy\" env cr", "tcli \"deploy\" env create ");
    }
}

impl Drop for Typing {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).output();
    }
}

/// The path of the program `name` (a shell, or tmux), or `None` (with a loud skip) where it is
/// not installed and CI is not set; under CI a missing one fails the test.
fn shell(name: &str) -> Option<PathBuf> {
    let found = ["/usr/bin", "/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed; CI installs it (apt-get install {name})"
        );
        eprintln!("SKIPPED: {name} is not installed (apt-get install {name}); completion in {name} untested");
    }
    found
}

#[test]
fn completion_bash_interactive_completes_modules_verbs_and_files() {
    if shell("tmux").is_none() {
        return;
    }
    let env = world();
    let rc = env.path("bashrc");
    std::fs::write(&rc, "PS1='$ '\nsource <(tcli completion bash)\n").unwrap();
    let t = Typing::start(
        &env,
        &[
            "bash",
            "--noprofile",
            "--rcfile",
            &rc.display().to_string(),
            "-i",
        ],
        &[],
    );
    t.modules_verbs_and_files();
    t.tab("tcli modules ch", "tcli modules check ");
    assert!(!env.path("lint-ran").exists());
}

#[test]
fn completion_zsh_interactive_completes_modules_verbs_and_files() {
    let (Some(zsh), Some(_)) = (shell("zsh"), shell("tmux")) else {
        return;
    };
    let env = world();
    let zdotdir = env.path("zdot");
    std::fs::create_dir_all(&zdotdir).unwrap();
    std::fs::write(
        zdotdir.join(".zshrc"),
        "PS1='$ '\nautoload -U compinit && compinit -u\nsource <(tcli completion zsh)\n",
    )
    .unwrap();
    let t = Typing::start(
        &env,
        &[&zsh.display().to_string(), "-i"],
        &[("ZDOTDIR", zdotdir.display().to_string())],
    );
    t.modules_verbs_and_files();
    t.tab("tcli completion fi", "tcli completion fish ");
    assert!(!env.path("lint-ran").exists());
}

#[test]
fn completion_fish_completes_modules_verbs_and_files() {
    let Some(fish) = shell("fish") else { return };
    let env = world();
    let script = env.path("tcli.fish");
    std::fs::write(
        &script,
        env.run(["completion", "fish"]).success().stdout.as_bytes(),
    )
    .unwrap();
    let complete = |line: &str| {
        let out = env
            .command(&fish)
            .arg("--no-config")
            .arg("-c")
            .arg(format!("source {}; complete -C '{line}'", script.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("tcli dep"), "deploy\tDeploy services\n");
    assert_eq!(complete("tcli deploy env cr"), "create\n");
    assert_eq!(
        complete("tcli deploy status notes"),
        "notes-for-review.txt\n"
    );
    assert_eq!(complete("tcli help dep"), "deploy\tDeploy services\n");
    assert!(!env.path("lint-ran").exists());
}
