//! The index file: damaged, foreign or future indexes are rebuilt, never trusted; concurrent
//! rebuilds leave a valid index and correct output.

use crate::support::TestEnv;

fn index_path(env: &TestEnv) -> std::path::PathBuf {
    env.cache_dir().join("index.jsonl")
}

fn env_with_modules() -> TestEnv {
    let env = TestEnv::new();
    env.module("alpha", "# tcli-summary: Alpha module\n");
    env.module("beta", "# tcli-summary: Beta module\n");
    env.run(["--help"]).success();
    env
}

#[test]
fn index_truncated_is_rebuilt() {
    let env = env_with_modules();
    let bytes = std::fs::read(index_path(&env)).unwrap();
    std::fs::write(index_path(&env), &bytes[..bytes.len() / 2]).unwrap();
    env.run(["--help"])
        .success()
        .stdout_has("alpha  Alpha module")
        .stdout_has("beta   Beta module");
    env.run(["alpha"]).success();
    assert!(std::fs::read(index_path(&env)).unwrap().len() >= bytes.len() - 64);
}

#[test]
fn index_corrupted_or_foreign_is_rebuilt() {
    let env = env_with_modules();
    for junk in [
        &b"\x00\xff garbage \x01"[..],
        b"{}",
        b"[1,2,3]\n",
        b"not json\n{\"kind\":\"exec\"}\n",
        b"",
    ] {
        std::fs::write(index_path(&env), junk).unwrap();
        env.run(["--help"])
            .success()
            .stdout_has("alpha  Alpha module");
        env.run(["modules", "list", "--json"]).success().json();
    }
}

#[test]
fn index_from_a_future_version_is_rebuilt() {
    let env = env_with_modules();
    let text = std::fs::read_to_string(index_path(&env)).unwrap();
    let current = format!("\"version\":{}", tcli_core::index::FORMAT_VERSION);
    let future = text.replacen(&current, "\"version\":999", 1);
    assert_ne!(future, text);
    // A future index that lists a module which does not exist must not be trusted.
    let future = future.replace("Alpha module", "Poisoned");
    std::fs::write(index_path(&env), future).unwrap();
    env.run(["--help"])
        .success()
        .stdout_has("alpha  Alpha module")
        .stdout_lacks("Poisoned");
}

#[test]
fn index_unwritable_cache_still_works() {
    let mut env = TestEnv::new();
    env.module("alpha", "# tcli-summary: Alpha module\n");
    let blocker = env.path("blocked");
    std::fs::write(&blocker, "a file, not a dir").unwrap();
    env.var(
        "TCLI_CACHE_DIR",
        blocker.join("cache").display().to_string(),
    );
    env.run(["--help"])
        .success()
        .stdout_has("alpha  Alpha module");
    env.run(["alpha"]).success();
}

#[test]
fn index_twenty_concurrent_rebuilds() {
    let env = TestEnv::new();
    let log = env.path("probes.log");
    for i in 0..30 {
        env.module(
            &format!("mod{i}"),
            &format!("echo x >> {}\necho 'Module {i}'", log.display()),
        );
    }
    let children: Vec<_> = (0..20)
        .map(|_| {
            env.cmd(["--help"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("mod29  Module 29"), "{stdout}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The lock makes the others wait for one rebuild instead of probing everything again.
    let probes = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(probes, 30, "modules probed more than once");
    env.run(["modules", "list", "--json"]).success().json();
}
