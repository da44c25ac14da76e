//! `tcli completion <shell>`: the scripts complete live module names in a real shell.

use crate::support::TestEnv;

#[test]
fn completion_bash_completes_module_names_and_builtin_verbs() {
    let env = TestEnv::new();
    env.module("hello", "# tcli-summary: Hi\n");
    env.module("helm-lint", "# tcli-summary: Lint\n");
    std::os::unix::fs::symlink(crate::support::tcli_bin(), env.bin().join("tcli")).unwrap();
    let script = env.run(["completion", "bash"]);
    script
        .success()
        .stdout_has("complete -o default -F _tcli tcli");
    std::fs::write(env.path("c.bash"), &script.stdout).unwrap();
    let complete = |words: &str, cword: u32| {
        let out = env
            .command("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _tcli; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                env.path("c.bash").display()
            ))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("tcli hel", 1), "hello\nhelm-lint\nhelp\n");
    assert_eq!(complete("tcli modules w", 2), "which\n");
}

#[test]
fn completion_without_shell_is_a_usage_error() {
    let env = TestEnv::new();
    env.run(["completion"]).code(2).stderr_has("<SHELL>");
    env.run(["completion", "tcsh"])
        .code(2)
        .stderr_has("invalid value 'tcsh'");
    env.run(["completion", "zsh"])
        .success()
        .stdout_has("compdef _tcli tcli");
    env.run(["completion", "fish"])
        .success()
        .stdout_has("complete -c tcli");
}
