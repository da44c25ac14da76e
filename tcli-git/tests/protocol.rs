//! The git helper's side of docs/helpers.md, run as tcli runs it: `tcli_git team <words>`
//! parses the words as `tcli team` does; anything else is refused. (The team verbs themselves
//! are tested through `tcli` in tests/e2e/team.rs.)

use std::process::Command;

fn helper(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tcli_git"));
    c.env_clear()
        .env("HOME", dir)
        .env("TCLI_CONFIG_DIR", dir.join("config"))
        .env("TCLI_CACHE_DIR", dir.join("cache"))
        .env("TCLI_DATA_DIR", dir.join("data"))
        .env("TCLI_NO_DOCKER", "1");
    c
}

#[test]
fn tcli_git_team_status_with_no_teams_hints_at_team_add() {
    let dir = tempfile::tempdir().unwrap();
    let out = helper(dir.path())
        .args(["team", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hint: no team repos yet; add one with 'tcli team add <url>'\n"
    );
}

#[test]
fn tcli_git_run_by_hand_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = helper(dir.path()).args(["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: tcli_git is tcli's git helper"),
        "{err}"
    );
}
