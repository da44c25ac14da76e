//! The one way the tests run git themselves (to make repos, commit, push): hermetic, so no
//! user's or system's git config reaches a test. tcli's own git runs are the binary's business
//! and get the test's environment like any child of tcli.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::env::{TestEnv, SYSTEM_PATH};

/// The global git config every `Git` of a test root reads (`<root>/gitconfig`): the only one,
/// as `GIT_CONFIG_NOSYSTEM` turns the system's off.
const CONFIG: &str =
    "[init]\n\tdefaultBranch = main\n[user]\n\tname = Teammate\n\temail = teammate@example.com\n";

/// git run with a cleared environment: HOME, PATH, `GIT_CONFIG_GLOBAL` (the test root's
/// `gitconfig`), `GIT_CONFIG_NOSYSTEM`, and an author and committer (Teammate unless told).
#[derive(Clone, Debug)]
pub struct Git {
    home: PathBuf,
    config: PathBuf,
    author: (String, String),
    committer: (String, String),
    signing_key: Option<PathBuf>,
    vars: Vec<(String, String)>,
}

impl Git {
    /// git for `env`'s root, as Teammate <teammate@example.com>.
    pub fn new(env: &TestEnv) -> Git {
        let config = env.path("gitconfig");
        if !config.exists() {
            std::fs::write(&config, CONFIG).unwrap();
        }
        let who = ("Teammate".to_string(), "teammate@example.com".to_string());
        Git {
            home: env.path("home"),
            config,
            author: who.clone(),
            committer: who,
            signing_key: None,
            vars: Vec::new(),
        }
    }

    /// The same git as `name` <`name`@example.com> (lower case), author and committer.
    pub fn as_person(&self, name: &str) -> Git {
        let who = (
            name.to_string(),
            format!("{}@example.com", name.to_lowercase()),
        );
        Git {
            author: who.clone(),
            committer: who,
            ..self.clone()
        }
    }

    /// The same git with this author and committer (name, email) each.
    pub fn with_identity(&self, author: (&str, &str), committer: (&str, &str)) -> Git {
        Git {
            author: (author.0.to_string(), author.1.to_string()),
            committer: (committer.0.to_string(), committer.1.to_string()),
            ..self.clone()
        }
    }

    /// The same git signing with this ssh key (`gpg.format=ssh`) where a command is told to
    /// sign (`commit -S`).
    pub fn signing_with(&self, key: &Path) -> Git {
        Git {
            signing_key: Some(key.to_path_buf()),
            ..self.clone()
        }
    }

    /// The same git with one more variable set (`TMPDIR`, ...).
    pub fn var(&self, k: &str, v: impl Into<String>) -> Git {
        let mut g = self.clone();
        g.vars.push((k.to_string(), v.into()));
        g
    }

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = Command::new("git");
        if let Some(k) = &self.signing_key {
            c.args(["-c", "gpg.format=ssh", "-c"])
                .arg(format!("user.signingkey={}", k.display()));
        }
        c.args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", SYSTEM_PATH)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", &self.config)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", &self.author.0)
            .env("GIT_AUTHOR_EMAIL", &self.author.1)
            .env("GIT_COMMITTER_NAME", &self.committer.0)
            .env("GIT_COMMITTER_EMAIL", &self.committer.1);
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    /// Runs `git args...` in `dir`, stdin closed; it must succeed. Returns its stdout, trimmed.
    #[track_caller]
    pub fn run(&self, dir: &Path, args: &[&str]) -> String {
        self.output(dir, args, None)
    }

    /// Runs `git args...` in `dir` with `stdin` written to it; it must succeed. Returns its
    /// stdout, trimmed.
    #[track_caller]
    pub fn run_with_stdin(&self, dir: &Path, args: &[&str], stdin: &[u8]) -> String {
        self.output(dir, args, Some(stdin))
    }

    /// Names for the commits of `dir`'s HEAD, oldest first: each full id, then its 7-digit
    /// short form, as `$C1`, `$C2`... (for `Run::naming`: commit ids change with every run).
    pub fn commit_names(&self, dir: &Path) -> Vec<(String, String)> {
        let ids = self.run(dir, &["rev-list", "--reverse", "HEAD"]);
        let mut names = Vec::new();
        for (i, id) in ids.lines().enumerate() {
            names.push((id.to_string(), format!("$C{}", i + 1)));
            names.push((id[..7].to_string(), format!("$C{}", i + 1)));
        }
        names
    }

    /// Runs `git args...` in `dir` reading stdin from `from` (another process's output: an
    /// input too large to hold in the test); it must succeed. Returns its stdout, trimmed.
    #[track_caller]
    pub fn run_with_stdin_from(&self, dir: &Path, args: &[&str], from: Stdio) -> String {
        let out = self
            .command(dir, args)
            .stdin(from)
            .stderr(Stdio::piped())
            .output()
            .expect("run git");
        checked(out, dir, args)
    }

    /// Runs `git args...` in `dir`, stdin closed, expecting it to fail (a conflicted pull).
    /// Returns its stderr.
    #[track_caller]
    pub fn fails(&self, dir: &Path, args: &[&str]) -> String {
        let out = self
            .command(dir, args)
            .stdin(Stdio::null())
            .output()
            .expect("run git");
        assert!(!out.status.success(), "git {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    #[track_caller]
    fn output(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> String {
        let mut c = self.command(dir, args);
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run git");
        if let Some(bytes) = stdin {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        checked(child.wait_with_output().expect("run git"), dir, args)
    }
}

/// The stdout of a git run that must have succeeded, trimmed.
#[track_caller]
fn checked(out: std::process::Output, dir: &Path, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl TestEnv {
    /// The test root's hermetic git, as Teammate.
    pub fn git(&self) -> Git {
        Git::new(self)
    }
}
