//! What docs/architecture.md ("Hardening") promises about the executables tcli installs: each is
//! PIE with full RELRO, the `tcli` that dispatches modules carries no network-parsing code, and
//! the helpers that do are found from tcli's own path (docs/helpers.md).

use crate::support::{helper_bin, tcli_bin, Run, TestEnv};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every executable tcli installs, as cargo builds them for the tests (with the workspace's
/// link flags, as for `install.sh`; a release build into a temp PREFIX costs minutes).
fn installed_executables() -> Vec<PathBuf> {
    vec![
        tcli_bin(),
        helper_bin("tcli_git"),
        helper_bin("tcli_docker"),
        helper_bin("tcli_http"),
    ]
}

/// `readelf -hld` of `exe`, as text.
fn readelf(exe: &Path) -> String {
    let out = Command::new("readelf")
        .args(["-h", "-l", "-d", "-W"])
        .arg(exe)
        .output()
        .expect("readelf (binutils) must be installed for the hardening tests");
    assert!(
        out.status.success(),
        "readelf {}: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hardening_every_executable_is_pie_with_full_relro() {
    for exe in installed_executables() {
        let elf = readelf(&exe);
        let name = exe.display();
        let elf_type = elf
            .lines()
            .find(|l| l.trim_start().starts_with("Type:"))
            .unwrap_or("");
        assert!(elf_type.contains("DYN"), "{name} is not PIE: {elf_type}");
        assert!(elf.contains("GNU_RELRO"), "{name} has no GNU_RELRO segment");
        let bind_now = elf.lines().any(|l| {
            (l.contains("(FLAGS)") && l.contains("BIND_NOW"))
                || (l.contains("(FLAGS_1)") && l.split_whitespace().any(|w| w == "NOW"))
        });
        assert!(bind_now, "{name} is not linked with BIND_NOW (-z now)");
        assert!(
            !elf.contains("TEXTREL"),
            "{name} has text relocations, which undo RELRO"
        );
    }
}

#[test]
fn hardening_tcli_carries_no_network_parsing_code() {
    let bytes = std::fs::read(tcli_bin()).unwrap();
    for needle in [
        "git_libgit2_init",
        "OPENSSL_init_ssl",
        "bollard",
        "hyper",
        "tokio",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "tcli contains '{needle}': that code belongs in a helper (docs/helpers.md)"
        );
    }
    // The helpers do carry it: the check above would pass for the wrong reason otherwise.
    let git = std::fs::read(helper_bin("tcli_git")).unwrap();
    assert!(git
        .windows("git_libgit2_init".len())
        .any(|w| w == b"git_libgit2_init"));
}

#[test]
fn hardening_missing_helper_is_one_error_line_with_the_fix() {
    let mut env = TestEnv::new();
    let empty = env.path("no-helpers");
    std::fs::create_dir_all(&empty).unwrap();
    env.var("TCLI_EXEC_PATH", empty.display().to_string());
    let run = env.run(["team", "status"]);
    run.code(1);
    assert_eq!(
        run.stderr,
        format!(
            "error: tcli's helper {}/tcli_git is missing\nhint: reinstall tcli (./install.sh)\n",
            empty.display()
        )
    );
    assert_eq!(run.stdout, "");
    // What needs no helper still works.
    env.run(["team", "list"]).success();
    env.run(["team", "status", "--help"])
        .success()
        .stdout_has("Usage: tcli team status");
}

#[test]
fn hardening_helpers_are_found_in_the_installed_layout() {
    let env = TestEnv::new();
    let prefix = env.path("prefix");
    let libexec = prefix.join("libexec/tcli");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::fs::create_dir_all(&libexec).unwrap();
    // A copy, as install.sh makes: tcli finds its helpers from the path of the file it runs.
    let tcli = prefix.join("bin/tcli");
    std::fs::copy(tcli_bin(), &tcli).unwrap();
    std::os::unix::fs::symlink(helper_bin("tcli_git"), libexec.join("tcli_git")).unwrap();
    // Without TCLI_EXEC_PATH, which the other tests set to where they build the helpers.
    let installed = || {
        let mut c = env.command(&tcli);
        c.env_remove("TCLI_EXEC_PATH").args(["team", "status"]);
        Run::from(c.output().unwrap())
    };
    let run = installed();
    run.success();
    assert_eq!(
        run.stderr,
        "hint: no team repos yet; add one with 'tcli team add <url>'\n"
    );
    // Without the helper there, the error names where an installed tcli looks.
    std::fs::remove_file(libexec.join("tcli_git")).unwrap();
    let run = installed();
    run.code(1).stderr_has(&format!(
        "error: tcli's helper {}/libexec/tcli/tcli_git is missing",
        prefix.display()
    ));
}
