//! The hermetic test environment: a temp root per test, the real `tcli` binary run with a
//! cleared environment (HOME, the three TCLI_*_DIR, PATH set on the child only). What a run
//! showed is `Run` (run.rs); git is `Git` (git.rs); cargo builds are build.rs.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::build::{bundled, cargo_build, target_dir, workspace_root};
use super::run::Run;

/// The binary under test.
pub fn tcli_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tcli"))
}

/// The dir of tcli's helper executables (docs/helpers.md), which every child gets as
/// `TCLI_EXEC_PATH`. They belong to other packages, which `cargo test -p tcli-core` does not
/// build, so they are built here once per test run, from this workspace, into the fixtures'
/// target dir (its own: building never waits on the cargo running the tests, and a helper is
/// never older than the tcli under test).
pub fn helpers_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        cargo_build(
            &workspace_root().join("Cargo.toml"),
            &["tcli-git", "tcli-docker", "tcli-http"],
        );
        target_dir().join("debug")
    })
    .clone()
}

/// One of tcli's helper executables, as the tests run it.
pub fn helper_bin(name: &str) -> PathBuf {
    helpers_dir().join(name)
}

/// What every test root's name starts with (in the system temp dir): `Run` turns such paths into
/// `$ROOT`.
pub const ROOT_PREFIX: &str = "tcli-e2e-";
/// Where test roots are made, whatever TMPDIR says: tables that hold a path (`modules list`'s
/// LOCATION column) are as wide as the root's name, so its length must not vary by machine
/// for their snapshots to hold.
pub const ROOT_BASE: &str = "/tmp";

/// One test's world.
pub struct TestEnv {
    pub root: tempfile::TempDir,
    /// Dirs put on PATH before the system dirs, in order.
    pub path_dirs: Vec<PathBuf>,
    /// Extra variables for the child.
    pub vars: Vec<(String, String)>,
}

/// The system dirs every test's PATH ends with (sh, cat, sleep, ...).
pub const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

impl TestEnv {
    pub fn new() -> TestEnv {
        let root = tempfile::Builder::new()
            .prefix(ROOT_PREFIX)
            .tempdir_in(ROOT_BASE)
            .expect("temp dir");
        for d in ["home", "config", "cache", "data", "bin"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        let bin = root.path().join("bin");
        TestEnv {
            root,
            path_dirs: vec![bin],
            vars: Vec::new(),
        }
    }

    /// A test env whose `TCLI_PLUGIN_PATH` is `<root>/plugins`, empty.
    pub fn with_plugin_dir() -> TestEnv {
        let mut env = TestEnv::new();
        let dir = env.path("plugins");
        std::fs::create_dir_all(&dir).unwrap();
        env.var("TCLI_PLUGIN_PATH", dir.display().to_string());
        env
    }

    /// A test env with the bundled module `name` (`doctor`, `oncall`, ...) in its plugin dir.
    pub fn with_bundled(name: &str) -> TestEnv {
        let env = TestEnv::with_plugin_dir();
        env.put_plugin(&bundled(name), &format!("libtcli_plugin_{name}.so"));
        env
    }

    /// Copies `lib` into the plugin dir (`<root>/plugins`) as `file`.
    pub fn put_plugin(&self, lib: &Path, file: &str) -> PathBuf {
        let dest = self.path("plugins").join(file);
        std::fs::copy(lib, &dest).unwrap();
        dest
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// The first PATH dir (`<root>/bin`).
    pub fn bin(&self) -> PathBuf {
        self.path_dirs[0].clone()
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.path("cache")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path("data")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path("config")
    }

    /// Adds a PATH dir after the ones already there and returns it.
    pub fn add_path_dir(&mut self, rel: &str) -> PathBuf {
        let d = self.path(rel);
        std::fs::create_dir_all(&d).unwrap();
        self.path_dirs.push(d.clone());
        d
    }

    pub fn var(&mut self, k: &str, v: impl Into<String>) -> &mut Self {
        self.vars.push((k.to_string(), v.into()));
        self
    }

    /// Writes an executable script `<dir>/<file>` with `body` (a `#!/bin/sh` line is added).
    pub fn script_in(&self, dir: &Path, file: &str, body: &str) -> PathBuf {
        let p = dir.join(file);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// Writes `tcli-<name>` into `<root>/bin`.
    pub fn module(&self, name: &str, body: &str) -> PathBuf {
        self.script_in(&self.bin(), &format!("tcli-{name}"), body)
    }

    pub fn path_var(&self) -> String {
        let mut parts: Vec<String> = self
            .path_dirs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        parts.push(SYSTEM_PATH.to_string());
        parts.join(":")
    }

    /// `program` with the hermetic environment (for running tcli through a shell, `script`
    /// or a copy of the binary), stdin closed, in the test's root.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("HOME", self.path("home"))
            .env("PATH", self.path_var())
            .env("TCLI_CONFIG_DIR", self.config_dir())
            .env("TCLI_CACHE_DIR", self.cache_dir())
            .env("TCLI_DATA_DIR", self.data_dir())
            .env("TCLI_NO_DOCKER", "1")
            .env("TCLI_EXEC_PATH", helpers_dir())
            .current_dir(self.root.path())
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    /// `program` as `command` makes it, with every signal's disposition reset to the default
    /// first (`env --default-signal`): a test of how a signal ends tcli or its child must not
    /// depend on what the suite inherited (a job started in the background has SIGINT ignored,
    /// and an ignored disposition survives exec).
    pub fn command_with_default_signals(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = self.command("env");
        c.arg("--default-signal").arg(program);
        c
    }

    /// A `tcli` command with the hermetic environment, stdin closed.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command(tcli_bin());
        c.args(args);
        c
    }

    /// Runs `tcli args...` on a pseudo-terminal (through `script`, with `extra` variables)
    /// and returns what the terminal showed, raw.
    pub fn on_terminal(&self, args: &[&str], extra: &[(&str, &str)]) -> String {
        let line = std::iter::once(tcli_bin().display().to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut c = self.command("script");
        c.args(["-qec", &line, "/dev/null"]);
        for (k, v) in extra {
            c.env(k, v);
        }
        String::from_utf8_lossy(&c.output().expect("run script").stdout).into_owned()
    }

    /// Runs `tcli args...` and returns what a user sees.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::from(self.cmd(args).output().expect("run tcli"))
    }
}

impl Drop for TestEnv {
    /// Makes every dir under the root writable again before the root is removed: the pin store
    /// keeps its dirs read-only (docs/team-repos.md), which stops the removal of a test's root
    /// for a user who is not root.
    fn drop(&mut self) {
        fn writable(dir: &Path) {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    writable(&e.path());
                }
            }
        }
        writable(self.root.path());
    }
}
