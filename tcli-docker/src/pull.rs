//! Pins (docs/team-repos.md, "Pinning"): pulling an image by digest with the credentials
//! `docker pull` would use, checking what arrived carries the digest, tagging it
//! `tcli-pinned/...` so a prune by the user shows; which images are present; removing the tag
//! of an image no team pins any more. What to pull and when is the git helper's.

use crate::classify::FromBollard;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptions, RemoveImageOptions, TagImageOptions};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use tcli_helper::docker::{EngineError, PullError, PullRequest, Pulled, UntagRequest};

/// Pulls `req`'s digest unless the engine has it, then checks and tags it.
pub(crate) async fn pull(
    docker: &Docker,
    host: &str,
    req: &PullRequest,
) -> Result<Pulled, PullError> {
    let reference = format!("{}@{}", req.repository, req.digest);
    if let Some(found) = inspect(docker, &reference).await {
        // The engine had it (pulled by the user, or by tcli for another pin): not tcli's to
        // tag or remove, unless it already carries a tcli tag.
        let ours = req.ours
            || found
                .repo_tags
                .iter()
                .flatten()
                .any(|t| t.starts_with(tcli_core::sources::pinned::IMAGE_REPOSITORY));
        let pulled = pulled_of(found, &req.digest, &reference)?;
        if ours {
            tag(docker, host, &pulled.id, &req.tag).await?;
        }
        return Ok(Pulled {
            fetched: ours,
            downloaded: false,
            ..pulled
        });
    }
    let options = CreateImageOptions {
        from_image: Some(req.repository.clone()),
        tag: Some(req.digest.clone()),
        ..Default::default()
    };
    let credentials = credentials(&req.registry);
    let mut stream = docker.create_image(Some(options), None, credentials);
    let mut bar = Progress::new(&req.label);
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(e) = info.error_detail.and_then(|d| d.message) {
                    return Err(PullError::Registry(e));
                }
                bar.update(info.id.as_deref(), info.progress_detail.as_ref());
            }
            Err(bollard::errors::Error::DockerStreamError { error }) => {
                return Err(PullError::Registry(error))
            }
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                return Err(PullError::Registry(message.trim().to_string()))
            }
            Err(e) => return Err(PullError::Engine(EngineError::from_bollard(host, &e))),
        }
    }
    bar.finish();
    let Some(found) = inspect(docker, &reference).await else {
        return Err(PullError::Mismatch(format!(
            "the engine reports the pull of {reference} done, but has no such image"
        )));
    };
    let pulled = pulled_of(found, &req.digest, &reference)?;
    tag(docker, host, &pulled.id, &req.tag).await?;
    Ok(Pulled {
        fetched: true,
        downloaded: true,
        ..pulled
    })
}

async fn inspect(docker: &Docker, reference: &str) -> Option<bollard::models::ImageInspect> {
    docker.inspect_image(reference).await.ok()
}

/// The pulled image, checked: one of its repo digests must be the pinned one.
fn pulled_of(
    found: bollard::models::ImageInspect,
    digest: &str,
    reference: &str,
) -> Result<Pulled, PullError> {
    let has = found
        .repo_digests
        .iter()
        .flatten()
        .any(|d| d.ends_with(&format!("@{digest}")));
    if !has {
        return Err(PullError::Mismatch(format!(
            "the image the engine has for {reference} does not carry that digest"
        )));
    }
    Ok(Pulled {
        id: found.id.unwrap_or_default(),
        labels: tcli_helper::docker::bounded_labels(
            found.config.and_then(|c| c.labels).unwrap_or_default(),
        ),
        fetched: true,
        downloaded: false,
    })
}

async fn tag(docker: &Docker, host: &str, id: &str, tag: &str) -> Result<(), PullError> {
    let (repo, tag) = tag.rsplit_once(':').unwrap_or((tag, "latest"));
    let options = TagImageOptions {
        repo: Some(repo.to_string()),
        tag: Some(tag.to_string()),
    };
    docker
        .tag_image(id, Some(options))
        .await
        .map_err(|e| PullError::Engine(EngineError::from_bollard(host, &e)))
}

/// The IDs and tags of `ids` the engine has: one inspect each, all at once (a team pins a few
/// images; listing every image of a busy engine costs more).
pub(crate) async fn present(
    docker: &Docker,
    host: &str,
    ids: &[String],
) -> Result<Vec<String>, EngineError> {
    let checks = ids.iter().map(|id| async move {
        match docker.inspect_image(id).await {
            Ok(_) => Ok(Some(id.clone())),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(EngineError::from_bollard(host, &e)),
        }
    });
    let mut have = Vec::new();
    for found in futures_util::future::join_all(checks).await {
        have.extend(found?);
    }
    Ok(have)
}

/// Removes tcli's tag when it still names `req.id`; the engine deletes the image with its last
/// name, and never one a container uses (no force).
pub(crate) async fn untag(
    docker: &Docker,
    host: &str,
    req: &UntagRequest,
) -> Result<(), EngineError> {
    match docker.inspect_image(&req.tag).await {
        Ok(found) if found.id.as_deref() == Some(req.id.as_str()) => {}
        // Gone already, or moved by the user to another image: nothing of tcli's is there.
        Ok(_)
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => return Ok(()),
        Err(e) => return Err(EngineError::from_bollard(host, &e)),
    }
    docker
        .remove_image(&req.tag, Some(RemoveImageOptions::default()), None)
        .await
        .map_err(|e| EngineError::from_bollard(host, &e))?;
    // A pulled image keeps its `repo@digest` name after its last tag goes. Only the name tcli
    // pulled is removed (which deletes the image), and only when it is the image's last name:
    // a tag or another `repo@digest` (the user pulled it under another name) keeps it. The
    // engine still refuses while a container uses it.
    let Some(pulled) = &req.pulled else {
        return Ok(());
    };
    if let Ok(left) = docker.inspect_image(&req.id).await {
        let tagged = left.repo_tags.as_ref().is_some_and(|t| !t.is_empty());
        let names = left.repo_digests.unwrap_or_default();
        let only_ours = !names.is_empty() && names.iter().all(|n| same_name(n, pulled));
        if !tagged && only_ours {
            let _ = docker
                .remove_image(pulled, Some(RemoveImageOptions::default()), None)
                .await;
        }
    }
    Ok(())
}

/// True when two `repository@digest` names are the same once Docker Hub's implied
/// `docker.io/` and `library/` are dropped (the engine reports the short form).
fn same_name(a: &str, b: &str) -> bool {
    fn short(n: &str) -> &str {
        let n = n.strip_prefix("docker.io/").unwrap_or(n);
        n.strip_prefix("library/").unwrap_or(n)
    }
    short(a) == short(b)
}

/// Registry credentials as `docker pull` finds them: `$DOCKER_CONFIG/config.json` (default
/// `~/.docker`), its `credHelpers` for this registry, its `credsStore`, then its `auths`.
fn credentials(registry: &str) -> Option<DockerCredentials> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| dirs_home().map(|h| h.join(".docker")))?;
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).ok()?).ok()?;
    // Docker Hub's credentials are stored under its v1 index URL.
    let key = if registry == "docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    let helper = config["credHelpers"][key]
        .as_str()
        .or_else(|| config["credsStore"].as_str());
    if let Some(helper) = helper {
        if let Some(c) = from_helper(helper, key) {
            return Some(c);
        }
    }
    let auths = config["auths"].as_object()?;
    let entry = auths.get(key).or_else(|| {
        auths.iter().find_map(|(k, v)| {
            let bare = k
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/');
            (bare == key).then_some(v)
        })
    })?;
    if let Some(token) = entry["identitytoken"].as_str() {
        return Some(DockerCredentials {
            identitytoken: Some(token.to_string()),
            serveraddress: Some(key.to_string()),
            ..Default::default()
        });
    }
    use base64::Engine as _;
    let auth = entry["auth"].as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth)
        .ok()?;
    let (user, pass) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some(DockerCredentials {
        username: Some(user.to_string()),
        password: Some(pass.to_string()),
        serveraddress: Some(key.to_string()),
        ..Default::default()
    })
}

fn dirs_home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// `docker-credential-<helper> get`, as the docker CLI runs it.
fn from_helper(helper: &str, server: &str) -> Option<DockerCredentials> {
    use std::io::Write;
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let user = v["Username"].as_str()?;
    let secret = v["Secret"].as_str()?.to_string();
    Some(if user == "<token>" {
        DockerCredentials {
            identitytoken: Some(secret),
            serveraddress: Some(server.to_string()),
            ..Default::default()
        }
    } else {
        DockerCredentials {
            username: Some(user.to_string()),
            password: Some(secret),
            serveraddress: Some(server.to_string()),
            ..Default::default()
        }
    })
}

/// A progress bar over all layers (bytes, rate) on a terminal; nothing otherwise (the git
/// helper prints one line per module then).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    layers: HashMap<String, (u64, u64)>,
}

impl Progress {
    fn new(label: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_prefix(format!("pulling {label}"));
            bar
        });
        Progress {
            bar,
            layers: HashMap::new(),
        }
    }

    fn update(&mut self, layer: Option<&str>, detail: Option<&bollard::models::ProgressDetail>) {
        let (Some(bar), Some(layer), Some(d)) = (&self.bar, layer, detail) else {
            return;
        };
        let (Some(cur), Some(total)) = (d.current, d.total) else {
            return;
        };
        let entry = self.layers.entry(layer.to_string()).or_default();
        *entry = (
            u64::try_from(cur).unwrap_or(0).max(entry.0),
            u64::try_from(total).unwrap_or(0).max(entry.1),
        );
        bar.set_length(self.layers.values().map(|l| l.1).sum());
        bar.set_position(self.layers.values().map(|l| l.0).sum());
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
