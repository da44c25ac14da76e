//! How a bollard error becomes the facade's error (`tcli_helper::docker`): one classification
//! that the engine client, pulls and runs share, so none of them depends on another for it.

use std::time::Duration;
use tcli_helper::docker::{EngineError, ErrorKind};

/// Builds the facade's error from what went wrong here.
pub(crate) trait FromBollard: Sized {
    /// Classifies a bollard error; `host` names the engine in the message.
    fn from_bollard(host: &str, err: &bollard::errors::Error) -> Self;
    /// No answer from `host` within `after`.
    fn timeout(host: &str, after: Duration) -> Self;
}

impl FromBollard for EngineError {
    fn from_bollard(host: &str, err: &bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        match err {
            B::SocketNotFoundError(path) => {
                EngineError::new(ErrorKind::Absent, format!("no Docker socket at {path}"))
            }
            B::UnsupportedURISchemeError { uri } => EngineError::new(
                ErrorKind::Unreachable,
                format!("unsupported DOCKER_HOST address '{uri}' (use unix:// or tcp://)"),
            ),
            B::RequestTimeoutError => EngineError::new(
                ErrorKind::Timeout,
                format!("no answer from the Docker engine at {host}"),
            ),
            B::DockerResponseServerError {
                status_code,
                message,
            } => EngineError::new(ErrorKind::Api(*status_code), message.trim().to_string()),
            other => match io_kind(other) {
                Some(std::io::ErrorKind::NotFound) => {
                    EngineError::new(ErrorKind::Absent, format!("no Docker socket at {host}"))
                }
                Some(std::io::ErrorKind::PermissionDenied) => {
                    EngineError::new(ErrorKind::Denied, format!("permission denied on {host}"))
                }
                Some(std::io::ErrorKind::ConnectionRefused) => EngineError::new(
                    ErrorKind::Unreachable,
                    format!("connection refused at {host} (is dockerd running?)"),
                ),
                _ => EngineError::new(ErrorKind::Other, format!("{host}: {}", deepest(other))),
            },
        }
    }

    fn timeout(host: &str, after: Duration) -> Self {
        EngineError::new(
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

#[cfg(test)]
mod tests {
    use super::*;

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
