//! The synchronous facade over the Docker engine API (bollard): the only place in tcli where
//! tokio exists. An [`Engine`] owns a current-thread runtime that is built only when a Docker
//! operation is really needed (a stale index, a docker module being run), never on the warm
//! path. What tcli does with images and containers (labels, trust, exit codes) lives in
//! `sources::docker` and `runner::docker`; this module only talks to the engine.

mod run;
mod tty;

pub use run::{Io, Outcome, RunError, RunSpec};

use crate::env_vars;
use bollard::query_parameters::ListImagesOptions;
use bollard::Docker;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

/// The address used when `DOCKER_HOST` is unset, as the docker CLI does.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The label an image must carry to be a module (docs/docker-modules.md).
pub const MODULE_LABEL: &str = "io.tcli.module";
/// How long a connected engine may take to answer its first request. A local engine answers
/// `/_ping` in well under a millisecond; this only bounds an engine that accepts and hangs.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long listing images may take once the engine has answered.
const LIST_TIMEOUT: Duration = Duration::from_secs(20);

/// The engine address tcli talks to: `DOCKER_HOST`, else the default socket.
pub fn host() -> String {
    env_vars::get_os(env_vars::DOCKER_HOST)
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// Why the engine could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No socket at the address: most likely no Docker on this machine.
    Absent,
    /// Something is there but we may not talk to it: permission denied, connection refused,
    /// an unsupported address. Found out in microseconds, like [`ErrorKind::Absent`].
    Unreachable,
    /// Connected, but no answer within the timeout.
    Timeout,
    /// The engine answered with an HTTP error; the status code.
    Api(u16),
    /// Anything else on the wire (a broken connection, a malformed answer).
    Other,
}

/// An engine failure, with a message that names the address or the object.
#[derive(Debug, Clone)]
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
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EngineError {
            kind,
            message: message.into(),
        }
    }

    /// Classifies a bollard error; `host` names the engine in the message.
    fn from_bollard(host: &str, err: &bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        match err {
            B::SocketNotFoundError(path) => {
                Self::new(ErrorKind::Absent, format!("no Docker socket at {path}"))
            }
            B::UnsupportedURISchemeError { uri } => Self::new(
                ErrorKind::Unreachable,
                format!("unsupported DOCKER_HOST address '{uri}' (use unix:// or tcp://)"),
            ),
            B::RequestTimeoutError => Self::new(
                ErrorKind::Timeout,
                format!("no answer from the Docker engine at {host}"),
            ),
            B::DockerResponseServerError {
                status_code,
                message,
            } => Self::new(ErrorKind::Api(*status_code), message.trim().to_string()),
            other => match io_kind(other) {
                Some(std::io::ErrorKind::NotFound) => {
                    Self::new(ErrorKind::Absent, format!("no Docker socket at {host}"))
                }
                Some(std::io::ErrorKind::PermissionDenied) => Self::new(
                    ErrorKind::Unreachable,
                    format!("permission denied on {host}"),
                ),
                Some(std::io::ErrorKind::ConnectionRefused) => Self::new(
                    ErrorKind::Unreachable,
                    format!("connection refused at {host} (is dockerd running?)"),
                ),
                _ => Self::new(ErrorKind::Other, format!("{host}: {}", deepest(other))),
            },
        }
    }

    fn timeout(host: &str, after: Duration) -> Self {
        Self::new(
            ErrorKind::Timeout,
            format!(
                "no answer from the Docker engine at {host} within {} s",
                after.as_secs()
            ),
        )
    }
}

/// The first `io::Error` in an error's chain: hyper wraps the socket error several levels down.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = e.source();
    }
    None
}

/// The innermost message of an error chain: the outer hyper layers say only "client error".
fn deepest(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// One image as the engine lists it, with the fields tcli uses.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A connection to the engine, with the runtime that drives it.
pub struct Engine {
    rt: tokio::runtime::Runtime,
    docker: Docker,
    host: String,
}

impl Engine {
    /// Connects to [`host()`] and checks that the engine answers within [`CONNECT_TIMEOUT`].
    pub fn connect() -> Result<Engine, EngineError> {
        Self::connect_to(&host())
    }

    /// Connects to `host` (a `DOCKER_HOST`-style address) and checks that the engine answers.
    pub fn connect_to(host: &str) -> Result<Engine, EngineError> {
        let host = host.to_string();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                EngineError::new(
                    ErrorKind::Other,
                    format!("cannot start the I/O runtime: {e}"),
                )
            })?;
        let docker = {
            // bollard's HTTP client wants a runtime context when it is built.
            let _in_rt = rt.enter();
            Docker::connect_with_host(&host).map_err(|e| EngineError::from_bollard(&host, &e))?
        };
        rt.block_on(async {
            match tokio::time::timeout(CONNECT_TIMEOUT, docker.ping()).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(EngineError::from_bollard(&host, &e)),
                Err(_) => Err(EngineError::timeout(&host, CONNECT_TIMEOUT)),
            }
        })?;
        Ok(Engine { rt, docker, host })
    }

    /// The address this engine was reached at.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Every tagged image that carries [`MODULE_LABEL`], in one request.
    pub fn module_images(&self) -> Result<Vec<Image>, EngineError> {
        let filters = HashMap::from([
            ("label".to_string(), vec![MODULE_LABEL.to_string()]),
            // An image rebuilt under the same tag leaves the old one dangling; it is no module.
            ("dangling".to_string(), vec!["false".to_string()]),
        ]);
        let options = ListImagesOptions {
            filters: Some(filters),
            ..Default::default()
        };
        let listed = self.rt.block_on(async {
            tokio::time::timeout(LIST_TIMEOUT, self.docker.list_images(Some(options))).await
        });
        let summaries = match listed {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(EngineError::from_bollard(&self.host, &e)),
            Err(_) => return Err(EngineError::timeout(&self.host, LIST_TIMEOUT)),
        };
        Ok(summaries
            .into_iter()
            .map(|s| Image {
                id: s.id,
                tags: s
                    .repo_tags
                    .into_iter()
                    .filter(|t| t != "<none>:<none>")
                    .collect(),
                digests: s
                    .repo_digests
                    .into_iter()
                    .filter(|d| d != "<none>@<none>")
                    .collect(),
                created: s.created,
                labels: s.labels.into_iter().collect(),
            })
            .collect())
    }

    /// Runs one container to completion (see [`RunSpec`]); the container is removed whatever
    /// happens.
    pub fn run(&self, spec: &RunSpec) -> Result<Outcome, RunError> {
        self.rt.block_on(run::run(&self.docker, &self.host, spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sock_in(dir: &tempfile::TempDir) -> (std::path::PathBuf, String) {
        let path = dir.path().join("docker.sock");
        let host = format!("unix://{}", path.display());
        (path, host)
    }

    #[test]
    fn connect_to_missing_socket_fails_fast() {
        let dir = tempfile::tempdir().unwrap();
        let (_, host) = sock_in(&dir);
        let started = std::time::Instant::now();
        let err = Engine::connect_to(&host).err().expect("no engine there");
        assert_eq!(err.kind, ErrorKind::Absent, "{err}");
        assert!(err.message.starts_with("no Docker socket at "), "{err}");
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn connect_to_dead_socket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (path, host) = sock_in(&dir);
        // Binding then closing leaves the socket file with nobody listening.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let err = Engine::connect_to(&host).err().expect("nobody listens");
        assert_eq!(err.kind, ErrorKind::Unreachable, "{err}");
        assert!(err.message.contains("connection refused"), "{err}");
    }

    #[test]
    fn connect_to_silent_socket_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let (path, host) = sock_in(&dir);
        // The kernel accepts connections into the backlog; nobody ever answers.
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let started = std::time::Instant::now();
        let err = Engine::connect_to(&host).err().expect("nobody answers");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        let took = started.elapsed();
        assert!(
            took >= CONNECT_TIMEOUT && took < CONNECT_TIMEOUT * 2,
            "{took:?}"
        );
    }

    #[test]
    fn missing_socket_is_absent() {
        let err = bollard::errors::Error::SocketNotFoundError("/nowhere/docker.sock".into());
        let e = EngineError::from_bollard("unix:///nowhere/docker.sock", &err);
        assert_eq!(e.kind, ErrorKind::Absent);
        assert_eq!(e.message, "no Docker socket at /nowhere/docker.sock");
    }

    #[test]
    fn api_errors_keep_status_and_message() {
        let err = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "No such image: sha256:abc\n".into(),
        };
        let e = EngineError::from_bollard("h", &err);
        assert_eq!(e.kind, ErrorKind::Api(404));
        assert_eq!(e.message, "No such image: sha256:abc");
    }
}
