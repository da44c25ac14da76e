//! What a run of tcli showed (`Run`), its asserts, and its normalised form for snapshots: the
//! per-run values (the test root, the binary's and the fixtures' paths, temp names) replaced by
//! `$ROOT`, `$TCLI`, `$TARGET` and `$TMP`, as jj's testutils do, so a snapshot reads as a
//! transcript and holds on every machine.

use std::fmt;
use std::path::Path;
use std::process::Output;

use super::build::{target_dir, workspace_root};
use super::env::{tcli_bin, ROOT_BASE, ROOT_PREFIX};

/// What a run showed. A run nobody looks at asserts nothing, hence `must_use`.
#[derive(Debug)]
#[must_use = "a run asserts nothing until its exit code and output are checked"]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            raw_stdout: o.stdout,
        }
    }
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(want),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        self.code(0)
    }

    #[track_caller]
    pub fn stdout_has(&self, s: &str) -> &Self {
        assert!(
            self.stdout.contains(s),
            "stdout lacks {s:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_lacks(&self, s: &str) -> &Self {
        assert!(
            !self.stdout.contains(s),
            "stdout has {s:?}\nstdout:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, s: &str) -> &Self {
        assert!(
            self.stderr.contains(s),
            "stderr lacks {s:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Run {
    /// This run with values only the test knows (the ids of the commits it made, say) replaced
    /// by names in stdout and stderr, so that a snapshot of it holds on every run:
    /// `r.naming(&[(&bad[..7], "$BAD")])`.
    pub fn naming<V: AsRef<str>, N: AsRef<str>>(&self, names: &[(V, N)]) -> Run {
        let named = |text: &str| {
            names.iter().fold(text.to_string(), |text, (value, name)| {
                text.replace(value.as_ref(), name.as_ref())
            })
        };
        Run {
            code: self.code,
            stdout: named(&self.stdout),
            stderr: named(&self.stderr),
            raw_stdout: self.raw_stdout.clone(),
        }
    }
}

impl Run {
    /// stdout with per-run values replaced (`normalize`).
    pub fn normalized_stdout(&self) -> String {
        normalize(&self.stdout)
    }

    /// stderr with per-run values replaced (`normalize`).
    pub fn normalized_stderr(&self) -> String {
        normalize(&self.stderr)
    }
}

/// The transcript a snapshot holds: stdout, then stderr under a rule when there is any, then
/// the exit status when it is not 0, all normalised.
impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.normalized_stdout())?;
        if !self.stderr.is_empty() {
            write!(f, "------- stderr -------\n{}", self.normalized_stderr())?;
        }
        match self.code {
            Some(0) => Ok(()),
            Some(c) => writeln!(f, "[exit status: {c}]"),
            None => writeln!(f, "[killed by a signal]"),
        }
    }
}

/// `text` with the values that differ from run to run replaced: the tcli binary (`$TCLI`), the
/// fixtures' target dir (`$TARGET`), the workspace (`$WORKSPACE`), a test root (`$ROOT`),
/// other temp files and dirs (`$TMP/...`), a file's inode and mtime in JSON, the port of a
/// loopback or wildcard address (`127.0.0.1:$PORT`: test servers take a free one), and the
/// SHA-256 fingerprints of keys a test makes (`SHA256:$FP`).
pub fn normalize(text: &str) -> String {
    let mut out = text.to_string();
    for (path, name) in [
        (tcli_bin(), "$TCLI"),
        (target_dir(), "$TARGET"),
        (workspace_root(), "$WORKSPACE"),
    ] {
        out = replace_path(&out, &path, name);
    }
    let tmp = std::env::temp_dir();
    let tmp = tmp.to_string_lossy();
    let tmp = tmp.trim_end_matches('/');
    out = replace_temp_names(&out, &format!("{ROOT_BASE}/{ROOT_PREFIX}"), "$ROOT");
    out = replace_temp_names(&out, &format!("{tmp}/.tmp"), "$TMP");
    // A file module's identity in `--json` (modules list, which) is its inode and mtime.
    for key in ["ino", "mtime_ns"] {
        out = replace_numbers_after(&out, &format!("\"{key}\": "), &format!("\"[{key}]\""));
    }
    // A test server listens on whatever port was free.
    for host in ["127.0.0.1:", "0.0.0.0:", "localhost:", "[::1]:"] {
        out = replace_numbers_after(&out, host, "$PORT");
    }
    replace_fingerprints(&out)
}

/// Replaces every `SHA256:<43 base64 characters>` (an SSH key's fingerprint, as `ssh-keygen -l`
/// writes it) by `SHA256:$FP`: keys are made afresh by every run.
fn replace_fingerprints(text: &str) -> String {
    const PREFIX: &str = "SHA256:";
    const LEN: usize = 43;
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        let after = &rest[i + PREFIX.len()..];
        let n = after.chars().take_while(|&c| is_b64(c)).count();
        out.push_str(&rest[..i + PREFIX.len()]);
        if n == LEN {
            out.push_str("$FP");
            rest = &after[LEN..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Replaces the number after each `prefix` by `name`.
fn replace_numbers_after(text: &str, prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i + prefix.len()]);
        let after = &rest[i + prefix.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str(name);
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Replaces `path` and its canonical form (a temp dir may sit behind a symlink).
fn replace_path(text: &str, path: &Path, name: &str) -> String {
    let mut out = text.replace(&*path.to_string_lossy(), name);
    if let Ok(canon) = path.canonicalize() {
        out = out.replace(&*canon.to_string_lossy(), name);
    }
    out
}

/// Replaces every `<prefix><random>` (the random part: letters and digits, as `tempfile` makes
/// it) by `name`.
fn replace_temp_names(text: &str, prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i]);
        out.push_str(name);
        rest = rest[i + prefix.len()..].trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    }
    out.push_str(rest);
    out
}
