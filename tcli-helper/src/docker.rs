//! The synchronous facade over the Docker engine. The engine client itself (bollard, tokio,
//! hyper) lives in the docker helper `tcli_docker` (crate `tcli-docker`), so no code that parses
//! what the engine sends runs in the process that dispatches a module; an [`Engine`] asks the
//! helper one question per process over the private protocol of docs/helpers.md, and a module
//! run replaces tcli with the helper ([`Engine::exec_run`]). This module owns the protocol's
//! types; what tcli does with images and containers (labels, trust, exit codes) lives in
//! tcli-core's `sources::docker` and `runner::docker`.

use crate::{env, HelperError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// The address used when `DOCKER_HOST` is unset, as the docker CLI does.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The label an image must carry to be a module (docs/docker-modules.md).
pub const MODULE_LABEL: &str = "io.tcli.module";
/// The labels tcli defines (docs/docker-modules.md), [`MODULE_LABEL`] first.
pub mod label {
    /// The one-line description.
    pub const DESCRIPTION: &str = "io.tcli.description";
    /// The host variables passed in.
    pub const ENV: &str = "io.tcli.env";
    /// The network.
    pub const NETWORK: &str = "io.tcli.network";
    /// Whose uid the container runs as.
    pub const USER: &str = "io.tcli.user";
    /// Whether the current directory is mounted.
    pub const MOUNT_CWD: &str = "io.tcli.mount-cwd";
    /// The verbs and subjects.
    pub const VERBS: &str = "io.tcli.verbs";
    /// Every label tcli defines.
    pub const TCLI: &[&str] = &[
        super::MODULE_LABEL,
        DESCRIPTION,
        ENV,
        NETWORK,
        USER,
        MOUNT_CWD,
        VERBS,
    ];
    /// The prefix of every label tcli defines; an unknown one is a problem of the module.
    pub const TCLI_PREFIX: &str = "io.tcli.";
    /// The common labels tcli reads a title or description from when the image has no
    /// `io.tcli.*` one.
    pub const OCI_TITLE: &str = "org.opencontainers.image.title";
    /// See [`OCI_TITLE`].
    pub const OCI_DESCRIPTION: &str = "org.opencontainers.image.description";
    /// See [`OCI_TITLE`].
    pub const LS_NAME: &str = "org.label-schema.name";
    /// See [`OCI_TITLE`].
    pub const LS_DESCRIPTION: &str = "org.label-schema.description";
    /// The labels a name or description may come from (the rest change how a module runs).
    pub const TEXT: &[&str] = &[
        DESCRIPTION,
        OCI_TITLE,
        OCI_DESCRIPTION,
        LS_NAME,
        LS_DESCRIPTION,
    ];
    /// The most unknown `io.tcli.*` labels read of one image (reported, never used).
    pub const UNKNOWN_MAX: usize = 16;
}
/// The most bytes of one label tcli reads; a longer one is cut ([`bounded_labels`]) and
/// reported as a problem of the module.
pub const LABEL_MAX: usize = 64 * 1024;

/// The labels of an image as tcli reads them, whatever the image carries: every label tcli
/// defines, the first [`label::UNKNOWN_MAX`] other `io.tcli.*` ones (by name) and the common
/// title and description labels. A value longer than [`LABEL_MAX`] bytes is cut just past it
/// (at the first character boundary after `LABEL_MAX` bytes), so it stays longer than
/// `LABEL_MAX` and tcli knows it was cut. Every other label is dropped, so a hostile image
/// cannot grow the helper's answer, the index or `pins.json` past a bound.
pub fn bounded_labels(all: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    let read: BTreeMap<String, String> = all
        .into_iter()
        .filter(|(k, _)| k.starts_with(label::TCLI_PREFIX) || label::TEXT.contains(&k.as_str()))
        .collect();
    let mut unknown = 0;
    let mut out = BTreeMap::new();
    for (k, mut v) in read {
        if k.starts_with(label::TCLI_PREFIX) && !label::TCLI.contains(&k.as_str()) {
            if unknown == label::UNKNOWN_MAX {
                continue;
            }
            unknown += 1;
        }
        if v.len() > LABEL_MAX {
            let mut end = LABEL_MAX + 1;
            while !v.is_char_boundary(end) {
                end += 1;
            }
            v.truncate(end);
        }
        out.insert(k, v);
    }
    out
}

/// How long a connected engine may take to answer its first request. A local engine answers
/// `/_ping` in well under a millisecond; this only bounds an engine that accepts and hangs.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The helper's operations (docs/helpers.md): check that the engine answers.
pub const OP_PING: &str = "ping";
/// List the module images.
pub const OP_IMAGES: &str = "images";
/// Run one container with its output captured, and answer how it ended.
pub const OP_CAPTURE: &str = "capture";
/// Run one module on tcli's own stdio: the helper replaces tcli and ends as the container did.
pub const OP_RUN: &str = "run";
pub use crate::{Answer, ANSWER_ERROR_STATUS};
/// Pull an image by digest for a pin and tag it locally (docs/helpers.md).
pub const OP_PULL: &str = "pull";
/// Which of a list of image IDs and tags the engine has.
pub const OP_PRESENT: &str = "present";
/// Remove the local tag tcli gave a pinned image (and the image with it when that was its
/// last name).
pub const OP_UNTAG: &str = "untag";

/// The engine address tcli talks to: `DOCKER_HOST`, else the default socket.
pub fn host() -> String {
    env::get_os(env::DOCKER_HOST)
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// Why the engine could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// No socket at the address: most likely no Docker on this machine.
    Absent,
    /// Something is there but we may not talk to it: connection refused, an unsupported
    /// address. Found out in microseconds, like [`ErrorKind::Absent`].
    Unreachable,
    /// The socket is there and this user may not open it (not in the `docker` group).
    Denied,
    /// Connected, but no answer within the timeout.
    Timeout,
    /// The engine answered with an HTTP error; the status code.
    Api(u16),
    /// Anything else on the wire (a broken connection, a malformed answer), or a helper that
    /// could not be asked.
    Other,
}

/// An engine failure, with a message that names the address or the object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// One line for the user.
    pub message: String,
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EngineError {}

impl EngineError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EngineError {
            kind,
            message: message.into(),
        }
    }
}

/// One image as the engine lists it, with the fields tcli uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The content-addressed ID, `sha256:...`.
    pub id: String,
    /// `repo:tag` references, without the engine's `<none>:<none>` placeholder.
    pub tags: Vec<String>,
    /// `repo@sha256:...` references (pulled or pushed images only).
    pub digests: Vec<String>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// The image's labels (its own and inherited ones).
    pub labels: BTreeMap<String, String>,
}

/// What to run and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSpec {
    /// The image ID (`sha256:...`): never a tag, which could move between listing and running.
    pub image: String,
    /// Arguments after the image's ENTRYPOINT; empty keeps the image's CMD.
    pub args: Vec<String>,
    /// `NAME=value` pairs, and nothing else, for the container's environment.
    pub env: Vec<String>,
    /// `uid:gid`, or `None` for the image's own user.
    pub user: Option<String>,
    /// A host directory bind-mounted at the same path and used as the working dir.
    pub mount_cwd: Option<String>,
    /// The network (`none` or a name); `None` for the engine's default.
    pub network: Option<String>,
    /// Where the container's stdio goes.
    pub io: Io,
}

/// Where the container's stdin, stdout and stderr are connected.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Io {
    /// tcli's own stdio; with `tty` the container gets a terminal (stderr then merges into
    /// stdout, as with `docker run -t`) and follows the host terminal's size.
    Inherit {
        /// Allocate a terminal.
        tty: bool,
    },
    /// No stdin; up to `keep` bytes of stdout and stderr kept; SIGKILL after `timeout`.
    Capture {
        /// Bytes kept of each stream.
        keep: usize,
        /// Wall-clock limit from start.
        timeout: Duration,
    },
}

/// How a container that started ended.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// The container's exit code; 128+N when tcli had to kill it after forwarding signal N.
    pub code: u8,
    /// Captured stdout (`Io::Capture` only).
    pub stdout: Vec<u8>,
    /// Captured stderr (`Io::Capture` only).
    pub stderr: Vec<u8>,
    /// `Io::Capture` hit its time limit.
    pub timed_out: bool,
    /// Set when the container could not be removed afterwards: the engine's reason.
    pub left_behind: Option<String>,
}

/// Why a container did not run to its end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunError {
    /// The image is not in the engine (removed since it was listed); the engine's words.
    ImageGone(String),
    /// The container was created but its process could not start (a missing or
    /// non-executable entrypoint); the engine's words.
    CannotStart(String),
    /// The engine failed before the module started, or lost the container.
    Engine(EngineError),
    /// Signal N arrived before the container started; nothing ran.
    Interrupted(i32),
}

/// The request of [`OP_RUN`]: the module as the index knows it (opaque here; the helper asks
/// the engine for its current image through `runner::docker`) and the user's words.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunRequest<M> {
    /// The module.
    pub module: M,
    /// Its arguments.
    pub args: Vec<String>,
}

/// The request of [`OP_PULL`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullRequest {
    /// The repository (`127.0.0.1:5000/acme/lint`).
    pub repository: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// The registry, as `docker login` and the docker config name it.
    pub registry: String,
    /// The local tag to give the image when the engine did not have it (`tcli-pinned/...`).
    pub tag: String,
    /// What the progress bar calls it (the module name).
    pub label: String,
    /// tcli pulled this image before: when the engine still has it, give it the tag again
    /// (the user removed only the tag).
    pub ours: bool,
}

/// What [`OP_PULL`] did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pulled {
    /// The image ID (`sha256:...`).
    pub id: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// True when tcli pulled and tagged it; false when the engine had it already (the user's:
    /// tcli gives it no tag and never removes it).
    pub fetched: bool,
    /// True when the engine downloaded it now; false when it had the image already.
    #[serde(default)]
    pub downloaded: bool,
}

/// Why a pull failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PullError {
    /// The engine itself could not be used.
    Engine(EngineError),
    /// The registry could not be reached, refused the credentials or does not have the
    /// digest; the engine's words.
    Registry(String),
    /// What the engine pulled does not carry the pinned digest.
    Mismatch(String),
}

/// The request of [`OP_UNTAG`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UntagRequest {
    /// The local tag tcli gave the image.
    pub tag: String,
    /// The image ID the tag must still point to (a tag the user moved is left alone).
    pub id: String,
    /// The `repository@digest` tcli pulled, removed with the tag only when the image has no
    /// other name (a record from before this field removes the tag alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulled: Option<String>,
}

/// The engine at one address, reached through the docker helper.
pub struct Engine {
    helper: PathBuf,
    host: String,
}

impl Engine {
    /// Connects to [`host()`] and checks that the engine answers within [`CONNECT_TIMEOUT`].
    pub fn connect() -> Result<Engine, EngineError> {
        let engine = Self::at(&host())?;
        engine.ask::<(), EngineError>(OP_PING, None)??;
        Ok(engine)
    }

    /// The engine at `host` (a `DOCKER_HOST`-style address), not asked anything yet: the first
    /// operation connects, and fails with the same errors `connect` would. One helper process
    /// fewer where that first operation is all the caller wants.
    pub fn at(host: &str) -> Result<Engine, EngineError> {
        let helper = crate::require(crate::DOCKER)
            .map_err(|missing| EngineError::new(ErrorKind::Other, missing.to_string()))?;
        Ok(Engine {
            helper,
            host: host.to_string(),
        })
    }

    /// The address this engine was reached at.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Every tagged image that carries [`MODULE_LABEL`], in one request.
    pub fn module_images(&self) -> Result<Vec<Image>, EngineError> {
        self.ask(OP_IMAGES, None)?
    }

    /// Pulls a pinned image by digest (credentials as `docker pull` finds them) and tags it.
    /// A progress bar goes to the terminal; stderr is the user's for this one operation.
    pub fn pull(&self, request: &PullRequest) -> Result<Pulled, PullError> {
        let request = serde_json::to_string(request)
            .map_err(|e| PullError::Engine(EngineError::new(ErrorKind::Other, e.to_string())))?;
        self.ask_with(OP_PULL, Some(request.into()), Stdio::inherit())
            .map_err(PullError::Engine)?
    }

    /// Which of `ids` (image IDs or `repo:tag` names) the engine has.
    pub fn present(&self, ids: &[String]) -> Result<Vec<String>, EngineError> {
        let request = serde_json::to_string(ids)
            .map_err(|e| EngineError::new(ErrorKind::Other, e.to_string()))?;
        self.ask(OP_PRESENT, Some(request.into()))?
    }

    /// Removes tcli's tag of a pinned image no team pins any more (the image goes with it
    /// when nothing else names it; one a container uses stays).
    pub fn untag(&self, request: &UntagRequest) -> Result<(), EngineError> {
        let request = serde_json::to_string(request)
            .map_err(|e| EngineError::new(ErrorKind::Other, e.to_string()))?;
        self.ask(OP_UNTAG, Some(request.into()))?
    }

    /// Runs one container with its output captured (`Io::Capture`) to completion; the
    /// container is removed whatever happens. A run on tcli's own terminal is
    /// [`Engine::exec_run`], since the helper must own the terminal and the signals.
    pub fn run(&self, spec: &RunSpec) -> Result<Outcome, RunError> {
        if let Io::Inherit { .. } = spec.io {
            return Err(RunError::Engine(EngineError::new(
                ErrorKind::Other,
                "a run on tcli's own terminal replaces tcli with the docker helper (exec_run)",
            )));
        }
        let request = serde_json::to_string(spec)
            .map_err(|e| RunError::Engine(EngineError::new(ErrorKind::Other, e.to_string())))?;
        self.ask(OP_CAPTURE, Some(request.into()))
            .map_err(RunError::Engine)?
    }

    /// Replaces this process with the helper, which asks the engine for `module`'s current
    /// image and runs it with `args` on tcli's stdio: one process from dispatch to container.
    /// Returns only when the helper cannot be run.
    pub fn exec_run<M: Serialize>(module: &M, args: Vec<String>) -> HelperError {
        let helper = crate::locate(crate::DOCKER);
        let request = RunRequest { module, args };
        let request = match serde_json::to_string(&request) {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        crate::exec_command(helper, |c| {
            c.args([OP_RUN, &host()])
                .env(env::TCLI_HELPER_REQUEST, &request)
        })
    }

    /// Runs one operation of the helper and reads its answer. The outer error is a helper that
    /// could not be asked or did not answer in the protocol.
    fn ask<T, E>(&self, op: &str, request: Option<OsString>) -> Result<Result<T, E>, EngineError>
    where
        T: serde::de::DeserializeOwned,
        E: serde::de::DeserializeOwned,
    {
        self.ask_with(op, request, Stdio::piped())
    }

    /// [`Engine::ask`] with the helper's stderr where `stderr` says (inherited for a pull's
    /// progress bar: its failures come back in the answer, not on stderr).
    fn ask_with<T, E>(
        &self,
        op: &str,
        request: Option<OsString>,
        stderr: Stdio,
    ) -> Result<Result<T, E>, EngineError>
    where
        T: serde::de::DeserializeOwned,
        E: serde::de::DeserializeOwned,
    {
        let mut cmd = crate::command(&self.helper);
        cmd.arg(op).arg(&self.host);
        // Never on argv: a spec carries the values of the variables the container gets.
        if let Some(request) = request {
            cmd.env(env::TCLI_HELPER_REQUEST, request);
        }
        let out = cmd
            .stdin(Stdio::null())
            .stderr(stderr)
            .output()
            .map_err(|e| {
                EngineError::new(
                    ErrorKind::Other,
                    format!("cannot run tcli's helper {}: {e}", self.helper.display()),
                )
            })?;
        match serde_json::from_slice::<Answer<T, E>>(&out.stdout) {
            Ok(Answer::Ok(t)) if out.status.success() => Ok(Ok(t)),
            Ok(Answer::Error(e)) if out.status.code() == Some(i32::from(ANSWER_ERROR_STATUS)) => {
                Ok(Err(e))
            }
            _ => {
                let said = String::from_utf8_lossy(&out.stderr);
                let said = said.lines().map(str::trim).find(|l| !l.is_empty());
                Err(EngineError::new(
                    ErrorKind::Other,
                    format!(
                        "tcli's helper {} failed ({}){}",
                        self.helper.display(),
                        out.status,
                        said.map(|s| format!(": {s}")).unwrap_or_default()
                    ),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_labels_keeps_what_tcli_reads_within_bounds() {
        // Unknown io.tcli.* labels sort before and after the known ones: whatever their
        // number and the order they come in, every known label is kept.
        let mut all: Vec<(String, String)> = (0..100)
            .flat_map(|i| {
                [
                    (format!("io.tcli.a{i:03}"), String::new()),
                    (format!("io.tcli.z{i:03}"), String::new()),
                ]
            })
            .collect();
        all.extend([
            (label::VERBS.into(), "x".repeat(3 * LABEL_MAX)),
            (MODULE_LABEL.into(), "deploy".into()),
            (label::ENV.into(), "HOME".into()),
            (label::OCI_DESCRIPTION.into(), "é".repeat(LABEL_MAX)),
            ("com.example.huge".into(), "x".repeat(10 * LABEL_MAX)),
        ]);
        all.reverse();
        let kept = bounded_labels(all);
        for k in label::TCLI.iter().filter(|k| **k != label::DESCRIPTION) {
            let want = [MODULE_LABEL, label::ENV, label::VERBS].contains(k);
            assert_eq!(kept.contains_key(*k), want, "{k}");
        }
        assert_eq!(kept[MODULE_LABEL], "deploy");
        let unknown: Vec<&String> = kept
            .keys()
            .filter(|k| !label::TCLI.contains(&k.as_str()) && k.starts_with(label::TCLI_PREFIX))
            .collect();
        assert_eq!(unknown.len(), label::UNKNOWN_MAX);
        assert_eq!(unknown[0], "io.tcli.a000", "the first by name");
        assert!(!kept.contains_key("com.example.huge"));
        // Cut just past the bound, so tcli can tell it was cut; a value at the bound is whole.
        assert_eq!(kept[label::VERBS].len(), LABEL_MAX + 1);
        // Two-byte characters: the first boundary past the bound.
        assert_eq!(kept[label::OCI_DESCRIPTION].len(), LABEL_MAX + 2);
        let exact = bounded_labels([(label::ENV.to_string(), "x".repeat(LABEL_MAX))]);
        assert_eq!(exact[label::ENV].len(), LABEL_MAX);
        let wide = bounded_labels([(label::ENV.to_string(), "éa".repeat(LABEL_MAX))]);
        assert_eq!(wide[label::ENV].len(), LABEL_MAX + 1);
    }
}
