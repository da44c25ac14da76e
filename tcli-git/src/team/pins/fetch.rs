//! Fetching the artifacts a commit pins (docs/team-repos.md, "What happens when"): images
//! pulled by digest through the docker helper, libraries downloaded through the HTTP helper or
//! read from the commit, each verified and each library's descriptor read in a child tcli.
//! What one run put in the store or the engine is remembered, so a refusal takes it back.

use super::store::{self, Fetched};
use super::{wanted, Action, ArtifactReport};
use crate::errors::{DownloadFix, LibraryProblem, PullProblem, TeamError};
use crate::team::git;
use anyhow::Context as _;
use git2::{Oid, Repository};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tcli_core::context::Context;
use tcli_core::model::descriptor::Descriptor;
use tcli_core::model::pin::{self, Artifact, BuildFrom, Pin, Pinned, PinsFile, TeamPins};
use tcli_core::sources::pinned;
use tcli_core::ui;
use tcli_helper::docker::{self, Engine, PullError, PullRequest, UntagRequest};
use tcli_helper::http::{self, DownloadRequest, HttpErrorKind};
use tcli_plugin_sdk::signals::Deferred;

/// The largest library tcli downloads for a pin.
const MAX_LIBRARY_BYTES: u64 = 512 * 1024 * 1024;
/// How long one library download may take.
const DOWNLOAD_TIMEOUT_MS: u64 = 10 * 60 * 1000;

/// What fetching one team's pins produced: its record, the report, and what this run newly
/// put in the store or the engine (taken back if the update is refused after all).
pub(crate) struct Fetch {
    pub(super) pins: TeamPins,
    pub(super) report: Vec<ArtifactReport>,
    new_files: Vec<PathBuf>,
    new_images: Vec<UntagRequest>,
}

impl Fetch {
    fn new(commit: Oid) -> Fetch {
        Fetch {
            pins: TeamPins {
                commit: commit.to_string(),
                modules: BTreeMap::new(),
            },
            report: Vec::new(),
            new_files: Vec::new(),
            new_images: Vec::new(),
        }
    }

    /// Records module `name` as pinned to `pinned`, with its report line.
    fn took(&mut self, name: &str, artifact: String, action: Action, pinned: Pinned) {
        self.report.push(ArtifactReport {
            module: name.to_string(),
            artifact,
            action,
        });
        self.pins.modules.insert(name.to_string(), pinned);
    }

    /// Takes back what this run added: the update did not happen.
    pub(crate) fn undo(self, cx: &Context) {
        for f in &self.new_files {
            let _ = std::fs::remove_file(f);
        }
        if !self.new_images.is_empty() {
            if let Ok(engine) = Engine::at(&docker::host()) {
                for i in &self.new_images {
                    let _ = engine.untag(i);
                }
            }
            let mut fetched: Fetched = store::read_json(&store::fetched_path(cx));
            fetched
                .images
                .retain(|i| !self.new_images.iter().any(|n| n.tag == i.tag));
            let _ = store::write_json(&store::fetched_path(cx), &fetched);
        }
    }
}

/// Fetches every artifact `pins` name for team `team` at `commit` of `repo` into the store and
/// the engine. The first failure undoes what this run added and is returned, naming the
/// module, the artifact and the fix. Ctrl-C does the same, and the verb then ends with 130.
pub(super) fn fetch(
    cx: &Context,
    team: &str,
    repo: &Repository,
    commit: Oid,
    pins: &[Pin],
) -> anyhow::Result<Fetch> {
    // While artifacts arrive, Ctrl-C stops here (the helpers it also reaches clean up after
    // themselves) so what this run added can be taken back; outside, it acts as usual.
    let region = Deferred::enter();
    let mut out = Fetch::new(commit);
    let each = fetch_each(cx, team, (repo, commit), pins, &mut out, &region);
    let result = match region.leave() {
        Some(signal) => Err(TeamError::Interrupted {
            team: team.to_string(),
            signal,
        }
        .into()),
        None => each,
    };
    match result {
        Ok(()) => Ok(out),
        Err(e) => {
            out.undo(cx);
            Err(e)
        }
    }
}

/// The loop of [`fetch`], stopping at the first failure or signal.
fn fetch_each(
    cx: &Context,
    team: &str,
    (repo, commit): (&Repository, Oid),
    pins: &[Pin],
    out: &mut Fetch,
    region: &Deferred,
) -> anyhow::Result<()> {
    let file = pinned::read(cx);
    for p in pins {
        if !wanted(cx, p) {
            keep_unpulled(team, p, &file, out);
            continue;
        }
        if region.pending().is_some() {
            return Ok(());
        }
        match &p.artifact {
            Artifact::Image(r) => fetch_image(cx, team, &p.name, r, out)?,
            Artifact::Native(builds) => {
                let Some(build) = builds.get(&pin::host_triple()) else {
                    let triple = pin::host_triple();
                    let builds = builds.keys().cloned().collect();
                    out.pins
                        .modules
                        .insert(p.name.clone(), Pinned::NoBuild { triple, builds });
                    continue;
                };
                let lib = Library::new(cx, team, &p.name, build);
                lib.fetch(repo, commit, &file, out)?;
            }
        }
    }
    Ok(())
}

/// An image pin while Docker is off: keep the image the previous record holds for this same
/// pin, so a prune (here or on the next update with Docker on) does not take it for unpinned.
fn keep_unpulled(team: &str, p: &Pin, file: &PinsFile, out: &mut Fetch) {
    if let (Artifact::Image(r), Some(prev)) = (
        &p.artifact,
        file.teams.get(team).and_then(|t| t.modules.get(&p.name)),
    ) {
        if matches!(prev, Pinned::Image { pin, .. } if pin == r) {
            out.pins.modules.insert(p.name.clone(), prev.clone());
        }
    }
    ui::warn(&format!(
        "team '{team}' pins the docker module '{}'; not pulled while {} is set",
        p.name,
        tcli_core::env_vars::TCLI_NO_DOCKER
    ));
}

fn fetch_image(
    cx: &Context,
    team: &str,
    name: &str,
    r: &pin::ImageRef,
    out: &mut Fetch,
) -> anyhow::Result<()> {
    let fail = |problem: PullProblem| TeamError::Pull {
        team: team.to_string(),
        module: name.to_string(),
        reference: r.reference.clone(),
        problem,
    };
    let engine =
        Engine::at(&docker::host()).map_err(|e| fail(PullProblem::Helper(e.to_string())))?;
    let tag = pinned::image_tag(name, &r.digest, &pinned::engine_user(cx));
    let shared = pinned::shared_image_tag(name, &r.digest);
    let known: Fetched = store::read_json(&store::fetched_path(cx));
    let ours = known.images.iter().any(|i| i.tag == tag || i.tag == shared);
    let pulled = engine
        .pull(&PullRequest {
            repository: r.repository.clone(),
            digest: r.digest.clone(),
            registry: r.registry().to_string(),
            tag: tag.clone(),
            label: name.to_string(),
            ours,
        })
        .map_err(|e| {
            fail(match e {
                PullError::Engine(e) => PullProblem::Engine {
                    host: engine.host().to_string(),
                    why: e.to_string(),
                },
                PullError::Registry(why) => PullProblem::Registry {
                    registry: r.registry().to_string(),
                    why,
                },
                PullError::Mismatch(why) => PullProblem::Mismatch(why),
            })
        })?;
    // Said once it is known: the engine may have had the image (a terminal saw the helper's
    // bar only for a real pull).
    if pulled.downloaded && !ui::interactive() {
        ui::status(&format!("{team}: pulled {name} ({})", r.pull_ref()));
    }
    let recorded = known
        .images
        .iter()
        .any(|i| i.tag == tag && i.id == pulled.id);
    let action = if pulled.fetched && !recorded {
        let entry = UntagRequest {
            tag,
            id: pulled.id.clone(),
            pulled: Some(format!("{}@{}", r.repository, r.digest)),
        };
        let mut known = known;
        known.images.push(entry.clone());
        store::write_json(&store::fetched_path(cx), &known)?;
        out.new_images.push(entry);
        // Tagging an image the engine had (another user's pull) fetches nothing.
        if pulled.downloaded {
            Action::Fetched
        } else {
            Action::Reused
        }
    } else {
        Action::Reused
    };
    let image = Pinned::Image {
        pin: r.clone(),
        image_id: pulled.id,
        labels: pulled.labels,
    };
    out.took(name, r.reference.clone(), action, image);
    Ok(())
}

/// One pinned library of this machine's build, on its way into the store.
struct Library<'a> {
    cx: &'a Context,
    team: &'a str,
    name: &'a str,
    build: &'a pin::Build,
    /// Its place in the store, named by its sha256.
    dest: PathBuf,
}

impl<'a> Library<'a> {
    fn new(cx: &'a Context, team: &'a str, name: &'a str, build: &'a pin::Build) -> Self {
        let dest = pinned::library_path(cx, &build.sha256);
        Library {
            cx,
            team,
            name,
            build,
            dest,
        }
    }

    fn fail(&self, problem: LibraryProblem) -> TeamError {
        TeamError::Library {
            team: self.team.to_string(),
            module: self.name.to_string(),
            from: self.build.from.to_string(),
            problem,
        }
    }

    /// Its descriptor must name the module it is pinned as.
    fn check_name(&self, d: &Descriptor) -> anyhow::Result<()> {
        if d.name == self.name {
            return Ok(());
        }
        Err(self.fail(LibraryProblem::WrongName(d.name.clone())).into())
    }

    /// Records it as fetched or reused, with the store file's identity as it is now.
    fn took(&self, out: &mut Fetch, d: Descriptor, file: Option<pin::FileId>, action: Action) {
        let native = Pinned::Native {
            triple: pin::host_triple(),
            sha256: self.build.sha256.clone(),
            from: self.build.from.clone(),
            descriptor: d,
            file,
        };
        out.took(self.name, self.build.from.to_string(), action, native);
    }

    /// Reuses the store's file when it is the one pinned, else fetches, verifies and stores it.
    fn fetch(
        &self,
        repo: &Repository,
        commit: Oid,
        file: &PinsFile,
        out: &mut Fetch,
    ) -> anyhow::Result<()> {
        if self.reuse(file, out)? {
            return Ok(());
        }
        let dir = pinned::native_dir(self.cx);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        if !ui::interactive() {
            ui::status(&format!(
                "{}: fetching {} ({})",
                self.team, self.name, self.build.from
            ));
        }
        let tmp = match &self.build.from {
            BuildFrom::Url(url) => self.download(url, &dir)?,
            BuildFrom::Path(path) => self.read_from(repo, commit, path, &dir)?,
        };
        let d = tcli_core::sources::native::probe_file(self.cx, &tmp)
            .map_err(|p| self.fail(LibraryProblem::Probe(p.to_string())))?;
        self.check_name(&d)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(store::FILE_MODE))
                .with_context(|| format!("cannot write in {}", dir.display()))?;
        }
        tmp.persist(&self.dest)
            .with_context(|| format!("cannot move the library into {}", self.dest.display()))?;
        let id = pinned::file_id(&self.dest);
        out.new_files.push(self.dest.clone());
        self.took(out, d, id, Action::Fetched);
        Ok(())
    }

    /// Content-addressed: a file of that name was verified when it was put there, and its
    /// descriptor and identity recorded by whichever team pinned it; a file that is no longer
    /// that one (replaced, a symlink put there) is hashed again or fetched again. A regular
    /// file in the store but not the one recorded (the record was lost, or the file was
    /// replaced) is verified and read again rather than fetched again.
    fn reuse(&self, file: &PinsFile, out: &mut Fetch) -> anyhow::Result<bool> {
        let known = file
            .teams
            .values()
            .flat_map(|t| t.modules.values())
            .find_map(|p| match p {
                Pinned::Native {
                    sha256,
                    descriptor,
                    file,
                    ..
                } if *sha256 == self.build.sha256 => Some((descriptor.clone(), *file)),
                _ => None,
            });
        if let Some((d, id)) = known.filter(|(_, id)| pinned::is_recorded(&self.dest, id.as_ref()))
        {
            self.check_name(&d)?;
            self.took(out, d, id, Action::Reused);
            return Ok(true);
        }
        let Some(id) = pinned::file_id(&self.dest) else {
            return Ok(false);
        };
        let intact = std::fs::read(&self.dest)
            .is_ok_and(|b| store::hex(&Sha256::digest(&b)) == self.build.sha256);
        let probed = intact
            .then(|| tcli_core::sources::native::probe_file(self.cx, &self.dest).ok())
            .flatten()
            .filter(|d| d.name == self.name);
        match probed {
            Some(d) => {
                self.took(out, d, Some(id), Action::Reused);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Downloads it through the HTTP helper, which checks the sha256.
    fn download(&self, url: &str, dir: &Path) -> anyhow::Result<tempfile::TempPath> {
        let got = http::download(&DownloadRequest {
            url: url.to_string(),
            dir: dir.to_path_buf(),
            sha256: self.build.sha256.clone(),
            max_bytes: MAX_LIBRARY_BYTES,
            timeout_ms: DOWNLOAD_TIMEOUT_MS,
            label: self.name.to_string(),
        })
        .map_err(|e| {
            let fix = match e.kind {
                HttpErrorKind::Digest => DownloadFix::Digest,
                HttpErrorKind::Status => DownloadFix::Status(url.to_string()),
                HttpErrorKind::TooLarge => DownloadFix::TooLarge,
                HttpErrorKind::Url => DownloadFix::Url,
                _ => DownloadFix::Reach(url.to_string()),
            };
            self.fail(LibraryProblem::Download {
                why: e.message.clone(),
                fix,
            })
        })?;
        tempfile::TempPath::try_from_path(got.path)
            .with_context(|| format!("cannot use the download in {}", dir.display()))
    }

    /// Reads it from the commit, checking its sha256.
    fn read_from(
        &self,
        repo: &Repository,
        commit: Oid,
        path: &str,
        dir: &Path,
    ) -> anyhow::Result<tempfile::TempPath> {
        let bytes = git::blob_at(repo, commit, Path::new(path), MAX_LIBRARY_BYTES)
            .map_err(|e| {
                self.fail(match e {
                    Ok(size) => LibraryProblem::Download {
                        why: format!(
                            "{path} is {size} bytes, larger than the {} MiB a library may be",
                            MAX_LIBRARY_BYTES >> 20
                        ),
                        fix: DownloadFix::TooLarge,
                    },
                    Err(e) => LibraryProblem::Blob(e.message().to_string()),
                })
            })?
            .ok_or_else(|| {
                self.fail(LibraryProblem::NotInCommit {
                    path: path.to_string(),
                    commit: git::short(commit),
                })
            })?;
        let got = store::hex(&Sha256::digest(&bytes));
        if got != self.build.sha256 {
            return Err(self
                .fail(LibraryProblem::Digest {
                    got,
                    want: self.build.sha256.clone(),
                })
                .into());
        }
        let mut f = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        std::io::Write::write_all(f.as_file_mut(), &bytes)
            .and_then(|()| f.as_file().sync_all())
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(f.into_temp_path())
    }
}
