//! The docker helper's side of docs/helpers.md: one JSON answer on stdout, exit 0 for `ok`
//! and 3 for a typed `error` the caller turns into today's messages. (Module runs are tested
//! through `tcli` in tests/e2e/docker.rs, against a real engine.)

use std::process::Command;

fn helper(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tcli_docker"))
        .env_clear()
        .args(args)
        .output()
        .unwrap();
    let answer = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        answer,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tcli_docker_images_without_an_engine_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("docker.sock");
    let host = format!("unix://{}", sock.display());
    let (code, answer, _) = helper(&["images", &host]);
    assert_eq!(code, Some(3));
    assert_eq!(
        answer,
        serde_json::json!({"error": {
            "kind": "absent",
            "message": format!("no Docker socket at {}", sock.display()),
        }})
    );
}

#[test]
fn tcli_docker_run_by_hand_is_refused() {
    let (code, answer, err) = helper(&["list"]);
    assert_eq!(code, Some(2));
    assert_eq!(answer, serde_json::Value::Null);
    assert!(
        err.starts_with("error: tcli_docker is tcli's Docker helper"),
        "{err}"
    );
}
