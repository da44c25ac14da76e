//! The Docker engine client: bollard over a current-thread tokio runtime, built per helper
//! process. The types it answers with, and the facade tcli calls, are `tcli_helper::docker`'s.

use crate::classify::FromBollard;
use bollard::query_parameters::ListImagesOptions;
use bollard::Docker;
use std::collections::HashMap;
use std::time::Duration;
use tcli_helper::docker::{
    EngineError, ErrorKind, Image, Outcome, PullError, PullRequest, Pulled, RunError, RunSpec,
    UntagRequest,
};
use tcli_helper::docker::{CONNECT_TIMEOUT, MODULE_LABEL};

/// How long listing images may take once the engine has answered.
const LIST_TIMEOUT: Duration = Duration::from_secs(20);

/// A connection to the engine, with the runtime that drives it.
pub(crate) struct Engine {
    rt: tokio::runtime::Runtime,
    docker: Docker,
    host: String,
}

impl Engine {
    /// Connects to `host` (a `DOCKER_HOST`-style address) and checks that the engine answers.
    pub(crate) fn connect_to(host: &str) -> Result<Engine, EngineError> {
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

    /// Every tagged image that carries [`MODULE_LABEL`], in one request.
    pub(crate) fn module_images(&self) -> Result<Vec<Image>, EngineError> {
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
                labels: tcli_helper::docker::bounded_labels(s.labels),
            })
            .collect())
    }

    /// Pulls a pinned image by digest and tags it (`crate::pull`).
    pub(crate) fn pull(&self, req: &PullRequest) -> Result<Pulled, PullError> {
        self.rt
            .block_on(crate::pull::pull(&self.docker, &self.host, req))
    }

    /// Which of `ids` the engine has.
    pub(crate) fn present(&self, ids: &[String]) -> Result<Vec<String>, EngineError> {
        self.rt
            .block_on(crate::pull::present(&self.docker, &self.host, ids))
    }

    /// Removes tcli's tag of a pinned image.
    pub(crate) fn untag(&self, req: &UntagRequest) -> Result<(), EngineError> {
        self.rt
            .block_on(crate::pull::untag(&self.docker, &self.host, req))
    }

    /// Runs one container to completion (see [`RunSpec`]); the container is removed whatever
    /// happens.
    pub(crate) fn run(&self, spec: &RunSpec) -> Result<Outcome, RunError> {
        self.rt
            .block_on(crate::run::run(&self.docker, &self.host, spec))
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
}
