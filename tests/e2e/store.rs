//! The pinned-library store on disk (docs/team-repos.md, "Pinning"): after an update its
//! files are read-only (0444) and so is their dir (0555), and an update that replaces a pin
//! still removes the old file and runs the new one.

use crate::support::{fixture, TestEnv};
use crate::team::Team;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// Commits `lib` as the team's pinned `hello` and pushes it.
fn pin_hello(env: &TestEnv, team: &Team, lib: &Path) -> String {
    std::fs::create_dir_all(team.work.join("native")).unwrap();
    std::fs::copy(lib, team.work.join("native/libhello.so")).unwrap();
    let sha = sha256(lib);
    team.write(
        "tcli.toml",
        &format!(
            "[modules.hello.native.x86_64-unknown-linux-gnu]\npath = \"native/libhello.so\"\nsha256 = \"{sha}\"\n"
        ),
    );
    team.push(env, "pin hello");
    sha
}

#[test]
fn team_update_pinned_store_is_read_only_and_a_replaced_pin_still_goes() {
    let env = TestEnv::new();
    let team = Team::new(&env, "acme");
    std::fs::remove_file(team.work.join("bin/tcli-hello")).unwrap();
    let first = pin_hello(&env, &team, &fixture("hello"));
    env.run(["team", "add", team.url(), "--name", "acme"])
        .success();
    let dir = env.data_dir().join("store/native");
    let stored = |sha: &str| dir.join(format!("{sha}.so"));
    assert_eq!(mode(&dir), 0o555, "the store dir");
    assert_eq!(mode(&stored(&first)), 0o444, "the store file");
    env.run(["hello", "greet", "x"])
        .success()
        .stdout_has("hello, x");
    // Another build of the module (bytes after the ELF image change the hash, not the code).
    let other = env.path("libhello-2.so");
    let mut bytes = std::fs::read(fixture("hello")).unwrap();
    bytes.extend_from_slice(b"\0another build");
    std::fs::write(&other, bytes).unwrap();
    let second = pin_hello(&env, &team, &other);
    env.run(["team", "update"])
        .success()
        .stdout_has("fetched  hello");
    assert!(!stored(&first).exists(), "the old library was removed");
    assert_eq!(mode(&dir), 0o555, "the store dir");
    assert_eq!(mode(&stored(&second)), 0o444, "the store file");
    env.run(["hello", "greet", "y"])
        .success()
        .stdout_has("hello, y");
}
