//! Cargo builds for the suite: the workspace's paths, and the shared libraries and helper
//! executables the tests load or run, each built once per test run into a target dir of the
//! suite's own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root (tcli-core's parent).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tcli-core sits in the workspace")
        .to_path_buf()
}

/// Its own target dir, so building here never waits on the cargo running the tests.
pub fn target_dir() -> PathBuf {
    workspace_root().join("target").join("fixtures-native")
}

pub fn cargo_build(manifest: &Path, packages: &[&str]) {
    // Niced: the other tests run meanwhile, and their 2 s probe timeouts must not starve.
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "19"])
        .arg(env!("CARGO"))
        .arg("build")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir());
    for p in packages {
        cmd.args(["-p", p]);
    }
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo build of {} failed:\n{}",
        manifest.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The fixture libraries, built once per test run.
pub fn fixture(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        cargo_build(
            &workspace_root().join("tests/fixtures/native/Cargo.toml"),
            &[],
        )
    });
    target_dir()
        .join("debug")
        .join(format!("libfixture_{name}.so"))
}

/// The bundled modules, each a package `tcli-plugin-<name>` of the workspace.
const BUNDLED: &[&str] = &["web", "project", "secrets", "oncall", "notify", "doctor"];

/// A bundled module's library (`web`, `doctor`, ...), built from the workspace once per test
/// run, all of them in one cargo run (one feature resolution, so no package is built twice).
pub fn bundled(name: &str) -> PathBuf {
    assert!(BUNDLED.contains(&name), "{name} is not a bundled module");
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let packages: Vec<String> = BUNDLED.iter().map(|m| format!("tcli-plugin-{m}")).collect();
        let packages: Vec<&str> = packages.iter().map(String::as_str).collect();
        cargo_build(&workspace_root().join("Cargo.toml"), &packages)
    });
    target_dir()
        .join("debug")
        .join(format!("libtcli_plugin_{name}.so"))
}
