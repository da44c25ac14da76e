//! Pinned modules for `team add` and `team update` (docs/team-repos.md, "Pinning"): checking a
//! commit's `[modules]`, fetching every artifact it pins into the store before the checkout
//! moves (images pulled by digest through the docker helper, libraries downloaded through the
//! HTTP helper or read from the commit, each verified, each library's descriptor read in a
//! child tcli), recording what is pinned in `store/pins.json`, and removing what no team pins
//! any more, but only what tcli fetched. All of it under one store lock, so two updates sharing
//! an artifact never see the store half-written or prune what the other is about to record.

use super::git;
use anyhow::Context as _;
use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tcli_core::context::Context;
use tcli_core::error::CliError;
use tcli_core::exit::Exit;
use tcli_core::model::pin::{self, Artifact, BuildFrom, Pin, Pinned, PinsFile, TeamPins};
use tcli_core::sources::pinned as store;
use tcli_core::ui;
use tcli_helper::docker::{self, Engine, PullError, PullRequest, UntagRequest};
use tcli_helper::http::{self, DownloadRequest, HttpErrorKind};

/// The largest library tcli downloads for a pin.
const MAX_LIBRARY_BYTES: u64 = 512 * 1024 * 1024;
/// How long one library download may take.
const DOWNLOAD_TIMEOUT_MS: u64 = 10 * 60 * 1000;

/// What happened to one artifact, for the report and `--json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArtifactReport {
    /// The module.
    pub module: String,
    /// The image reference or the library's source.
    pub artifact: String,
    /// `fetched`, `reused` or `removed`.
    pub action: Action,
}

/// See [`ArtifactReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Action {
    /// Pulled, downloaded or read from the repo now.
    Fetched,
    /// Already in the engine or the store.
    Reused,
    /// No team pins it any more; tcli removed what it had fetched.
    Removed,
}

/// The images tcli tagged, so it removes only those (`store/fetched.json`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Fetched {
    #[serde(default)]
    images: Vec<UntagRequest>,
}

fn fetched_path(cx: &Context) -> PathBuf {
    store::store_dir(cx).join("fetched.json")
}

fn read_json<T: Default + serde::de::DeserializeOwned>(path: &Path) -> T {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    tcli_core::prim::fs::write_bytes_atomic(path, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The record, to change it: one that cannot be read is refused (never taken for empty, which
/// would prune every artifact) until the user moves it aside.
fn read_record(cx: &Context) -> anyhow::Result<PinsFile> {
    store::try_read(cx).map_err(|e| {
        let path = e.path.display().to_string();
        super::failure(
            format!("the record of pinned modules: {e}; nothing was changed"),
            format!("move it aside (mv {path} {path}.bad), then run tcli team update: each pin is checked again"),
        )
    })
}

/// The lock every change to the store is made under.
pub(crate) fn lock(cx: &Context) -> anyhow::Result<File> {
    super::lock_file(cx, "store.lock", "the pinned-module store")
}

/// The pins of `text` (a commit's `tcli.toml`), or the error naming each bad entry: all but the
/// last are printed here, the last is returned (one `error:` line per bad entry).
pub(crate) fn validate(team: &str, at: &str, text: Option<&str>) -> anyhow::Result<Vec<Pin>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        // A syntax error is reported by the caller with its line.
        return Ok(Vec::new());
    };
    let (pins, mut errors) = pin::parse(&table);
    let Some(last) = errors.pop() else {
        return Ok(pins);
    };
    let line =
        |e: &pin::PinError| format!("team '{team}' ({at}): tcli.toml [{}]: {}", e.key, e.why);
    for e in &errors {
        ui::error(&anyhow::Error::from(
            CliError::new(Exit::Failure, line(e)).hint(e.fix.clone()),
        ));
    }
    Err(CliError::new(
        Exit::Failure,
        format!("{}; nothing was changed", line(&last)),
    )
    .hint(last.fix)
    .into())
}

/// What fetching one team's pins produced: its record, the report, and what this run newly
/// put in the store or the engine (taken back if the update is refused after all).
pub(crate) struct Fetch {
    pins: TeamPins,
    report: Vec<ArtifactReport>,
    new_files: Vec<PathBuf>,
    new_images: Vec<UntagRequest>,
}

impl Fetch {
    /// Records a library of this machine's build as fetched or reused: its report line and
    /// its pin, with the store file's identity as it is now.
    fn native(
        &mut self,
        name: &str,
        triple: String,
        build: &pin::Build,
        descriptor: tcli_core::model::descriptor::Descriptor,
        file: Option<pin::FileId>,
        action: Action,
    ) {
        self.report.push(ArtifactReport {
            module: name.to_string(),
            artifact: build.from.to_string(),
            action,
        });
        self.pins.modules.insert(
            name.to_string(),
            Pinned::Native {
                triple,
                sha256: build.sha256.clone(),
                from: build.from.clone(),
                descriptor,
                file,
            },
        );
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
            let mut fetched: Fetched = read_json(&fetched_path(cx));
            fetched
                .images
                .retain(|i| !self.new_images.iter().any(|n| n.tag == i.tag));
            let _ = write_json(&fetched_path(cx), &fetched);
        }
    }
}

/// The team's record and what of it is missing, checked on a thread while git fetches: the
/// engine's answer then costs a no-change `team update` no time of its own.
pub(crate) struct Ahead(std::thread::JoinHandle<Option<(TeamPins, Vec<String>)>>);

/// Starts [`Ahead`] for `team`.
pub(crate) fn check_ahead(cx: &Context, team: &str) -> Ahead {
    let cx = cx.clone();
    let team = team.to_string();
    Ahead(std::thread::spawn(move || {
        let rec = store::read(&cx).teams.get(&team)?.clone();
        let gone = missing(&cx, &rec);
        Some((rec, gone))
    }))
}

/// True when the team's record is for `commit` and every artifact in it is present: the
/// no-change `team update` asks the engine one question and touches no network. `ahead` is
/// used when the record is still the one it checked (read again here, under the store lock).
fn intact(cx: &Context, team: &str, commit: Oid, pins: &[Pin], ahead: Option<Ahead>) -> bool {
    let file = store::read(cx);
    let Some(rec) = file.teams.get(team) else {
        return pins.is_empty();
    };
    // Image entries carried across while Docker is off are not counted: they are not checked.
    let recorded = rec
        .modules
        .values()
        .filter(|p| !(cx.no_docker && matches!(p, Pinned::Image { .. })))
        .count();
    if rec.commit != commit.to_string() || recorded != pins.iter().filter(|p| wanted(cx, p)).count()
    {
        return false;
    }
    match ahead.and_then(|a| a.0.join().ok().flatten()) {
        Some((checked, gone)) if checked == *rec => gone.is_empty(),
        _ => missing(cx, rec).is_empty(),
    }
}

/// False for an image pin while docker modules are off (`TCLI_NO_DOCKER`): it would never be
/// listed, and a machine without Docker can still take the team's other modules.
fn wanted(cx: &Context, p: &Pin) -> bool {
    !(cx.no_docker && matches!(p.artifact, Artifact::Image(_)))
}

/// The artifacts of `rec` that are gone: a store file deleted, an image removed from the
/// engine. Asks the engine only when an image is pinned.
pub(crate) fn missing(cx: &Context, rec: &TeamPins) -> Vec<String> {
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for (name, p) in &rec.modules {
        match p {
            Pinned::Native { sha256, file, .. } => {
                let path = store::library_path(cx, sha256);
                if !store::is_recorded(&path, file.as_ref()) {
                    out.push(format!("{name}: {}", store::missing_library(&path)));
                }
            }
            // Docker off: images are neither listed nor checked, and the engine is not asked.
            Pinned::Image { .. } if cx.no_docker => {}
            Pinned::Image { pin, image_id, .. } => ids.push((name, pin, image_id.clone())),
            Pinned::NoBuild { .. } => {}
        }
    }
    if !ids.is_empty() {
        // An image tcli pulled is missing when its tcli tag is gone too (a prune that only
        // untagged it); one the user had is missing only when the engine lost it.
        let fetched: Fetched = read_json(&fetched_path(cx));
        let tagged = |name: &str, pin: &pin::ImageRef, id: &str| {
            let tag = store::image_tag(name, &pin.digest);
            fetched
                .images
                .iter()
                .any(|i| i.tag == tag && i.id == id)
                .then_some(tag)
        };
        let mut all: Vec<String> = Vec::new();
        for (name, pin, id) in &ids {
            all.push(id.clone());
            all.extend(tagged(name, pin, id));
        }
        let have = match Engine::at(&docker::host()).and_then(|e| e.present(&all)) {
            Ok(have) => have,
            Err(e) => {
                // Cannot tell: say so rather than call them missing; an update then tries the
                // pull, which names the engine and the fix.
                for (name, pin, _) in ids {
                    out.push(format!(
                        "{name}: image {} (cannot check: Docker engine not reachable: {e})",
                        pin.reference
                    ));
                }
                return out;
            }
        };
        for (name, pin, id) in ids {
            let tag_gone = tagged(name, pin, &id).is_some_and(|t| !have.contains(&t));
            if !have.contains(&id) || tag_gone {
                out.push(format!("{name}: image {}", pin.reference));
            }
        }
    }
    out
}

/// Fetches every artifact `pins` name for team `team` at `commit` of `repo` into the store and
/// the engine. The first failure undoes what this run added and is returned, naming the
/// module, the artifact and the fix. Ctrl-C does the same.
fn fetch(
    cx: &Context,
    team: &str,
    repo: &Repository,
    commit: Oid,
    pins: &[Pin],
) -> anyhow::Result<Fetch> {
    // While artifacts arrive, Ctrl-C stops here (the helpers it also reaches clean up after
    // themselves) so what this run added can be taken back; outside, it acts as usual.
    let guard = Guarded::enter();
    let stop = &guard.0.stop;
    let file = store::read(cx);
    let mut out = Fetch {
        pins: TeamPins {
            commit: commit.to_string(),
            modules: BTreeMap::new(),
        },
        report: Vec::new(),
        new_files: Vec::new(),
        new_images: Vec::new(),
    };
    let mut result = Ok(());
    for p in pins {
        if !wanted(cx, p) {
            // Keep the image the previous record holds for this same pin, so a prune (here or
            // on the next update with Docker on) does not take it for unpinned.
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
            continue;
        }
        if stop.load(Ordering::SeqCst) {
            result = Err(interrupted(team));
            break;
        }
        let one = match &p.artifact {
            Artifact::Image(r) => fetch_image(cx, team, &p.name, r, &mut out),
            Artifact::Native(builds) => {
                fetch_native(cx, team, repo, commit, &p.name, builds, &file, &mut out)
            }
        };
        if let Err(e) = one {
            result = Err(if stop.load(Ordering::SeqCst) {
                interrupted(team)
            } else {
                e
            });
            break;
        }
    }
    if result.is_ok() && stop.load(Ordering::SeqCst) {
        result = Err(interrupted(team));
    }
    drop(guard);
    match result {
        Ok(()) => Ok(out),
        Err(e) => {
            out.undo(cx);
            Err(e)
        }
    }
}

/// The flags SIGINT and SIGTERM act on, registered once per process: unregistering a
/// signal-hook action does not restore the default one, so the handlers stay and `outside`
/// says whether a signal takes its default action (terminate) or only sets `stop`.
struct Signals {
    stop: Arc<AtomicBool>,
    outside: Arc<AtomicBool>,
}

/// The region where a signal sets [`Signals::stop`] instead of terminating; left on drop.
struct Guarded(&'static Signals);

impl Guarded {
    fn enter() -> Guarded {
        static SIGNALS: std::sync::OnceLock<Signals> = std::sync::OnceLock::new();
        let s = SIGNALS.get_or_init(|| {
            let s = Signals {
                stop: Arc::new(AtomicBool::new(false)),
                outside: Arc::new(AtomicBool::new(true)),
            };
            for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                // The default action runs first when outside; otherwise only the flag is set.
                let _ =
                    signal_hook::flag::register_conditional_default(sig, Arc::clone(&s.outside));
                let _ = signal_hook::flag::register(sig, Arc::clone(&s.stop));
            }
            s
        });
        s.stop.store(false, Ordering::SeqCst);
        s.outside.store(false, Ordering::SeqCst);
        Guarded(s)
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.0.outside.store(true, Ordering::SeqCst);
    }
}

fn interrupted(team: &str) -> anyhow::Error {
    CliError::new(
        Exit::Failure,
        format!(
            "interrupted while fetching the pinned modules of team '{team}'; nothing was changed"
        ),
    )
    .into()
}

fn fetch_image(
    cx: &Context,
    team: &str,
    name: &str,
    r: &pin::ImageRef,
    out: &mut Fetch,
) -> anyhow::Result<()> {
    let fail = |why: String, fix: String| {
        super::failure(
            format!(
                "team '{team}': cannot pull module '{name}' ({}): {why}; nothing was changed",
                r.reference
            ),
            fix,
        )
    };
    let engine = Engine::at(&docker::host())
        .map_err(|e| fail(e.to_string(), "reinstall tcli (./install.sh)".into()))?;
    if !ui::interactive() {
        ui::status(&format!("{team}: pulling {name} ({})", r.pull_ref()));
    }
    let tag = store::image_tag(name, &r.digest);
    let known: Fetched = read_json(&fetched_path(cx));
    let ours = known.images.iter().any(|i| i.tag == tag);
    let pulled = engine
        .pull(&PullRequest {
            repository: r.repository.clone(),
            digest: r.digest.clone(),
            registry: r.registry().to_string(),
            tag: tag.clone(),
            label: name.to_string(),
            ours,
        })
        .map_err(|e| match e {
            PullError::Engine(e) => fail(
                format!("the Docker engine at {}: {e}", engine.host()),
                "start the Docker engine (or fix DOCKER_HOST), then run the command again".into(),
            ),
            PullError::Registry(why) => fail(
                format!("registry {}: {why}", r.registry()),
                format!(
                    "check that {} is reachable and has that digest, and log in if it is private (docker login {}); then run the command again",
                    r.registry(),
                    r.registry()
                ),
            ),
            PullError::Mismatch(why) => fail(
                why,
                "ask the team to check the digest in tcli.toml (docker buildx imagetools inspect <ref>)".into(),
            ),
        })?;
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
        write_json(&fetched_path(cx), &known)?;
        out.new_images.push(entry);
        Action::Fetched
    } else {
        Action::Reused
    };
    out.report.push(ArtifactReport {
        module: name.to_string(),
        artifact: r.reference.clone(),
        action,
    });
    out.pins.modules.insert(
        name.to_string(),
        Pinned::Image {
            pin: r.clone(),
            image_id: pulled.id,
            labels: pulled.labels,
        },
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn fetch_native(
    cx: &Context,
    team: &str,
    repo: &Repository,
    commit: Oid,
    name: &str,
    builds: &BTreeMap<String, pin::Build>,
    file: &PinsFile,
    out: &mut Fetch,
) -> anyhow::Result<()> {
    let triple = pin::host_triple();
    let Some(build) = builds.get(&triple) else {
        out.pins.modules.insert(
            name.to_string(),
            Pinned::NoBuild {
                triple,
                builds: builds.keys().cloned().collect(),
            },
        );
        return Ok(());
    };
    let dest = store::library_path(cx, &build.sha256);
    let fail = |why: String, fix: String| {
        super::failure(
            format!(
                "team '{team}': module '{name}', library {}: {why}; nothing was changed",
                build.from
            ),
            fix,
        )
    };
    // Content-addressed: a file of that name was verified when it was put there, and its
    // descriptor and identity recorded by whichever team pinned it; a file that is no longer
    // that one (replaced, a symlink put there) is hashed again or fetched again.
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
            } if *sha256 == build.sha256 => Some((descriptor.clone(), *file)),
            _ => None,
        });
    if let Some((d, id)) = known
        .as_ref()
        .filter(|(_, id)| store::is_recorded(&dest, id.as_ref()))
    {
        if d.name != name {
            return Err(fail(
                format!("its descriptor names module '{}', not '{name}'", d.name),
                "ask the team to pin it under its own name in tcli.toml".into(),
            ));
        }
        out.native(name, triple, build, d.clone(), *id, Action::Reused);
        return Ok(());
    }
    // A regular file in the store but not the one recorded (the record was lost, or the file
    // was replaced): verify and read it again rather than fetch it again.
    if let Some(id) = store::file_id(&dest) {
        let intact = std::fs::read(&dest).is_ok_and(|b| hex(&Sha256::digest(&b)) == build.sha256);
        if intact {
            if let Ok(d) = tcli_core::sources::native::probe_file(cx, &dest) {
                if d.name == name {
                    out.native(name, triple, build, d, Some(id), Action::Reused);
                    return Ok(());
                }
            }
        }
    }
    let dir = store::native_dir(cx);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if !ui::interactive() {
        ui::status(&format!("{team}: fetching {name} ({})", build.from));
    }
    let tmp: tempfile::TempPath = match &build.from {
        BuildFrom::Url(url) => {
            let got = http::download(&DownloadRequest {
                url: url.clone(),
                dir: dir.clone(),
                sha256: build.sha256.clone(),
                max_bytes: MAX_LIBRARY_BYTES,
                timeout_ms: DOWNLOAD_TIMEOUT_MS,
                label: name.to_string(),
            })
            .map_err(|e| {
                let fix = match e.kind {
                    HttpErrorKind::Digest => "the file differs from the pin: ask the team to check sha256 in tcli.toml (sha256sum <file>)".to_string(),
                    HttpErrorKind::Status => format!("check that {url} exists (curl -I {url})"),
                    HttpErrorKind::TooLarge => "ask the team to ship a smaller library".to_string(),
                    _ => format!("check that {url} is reachable, then run the command again"),
                };
                fail(e.message.clone(), fix)
            })?;
            tempfile::TempPath::try_from_path(got.path)
                .with_context(|| format!("cannot use the download in {}", dir.display()))?
        }
        BuildFrom::Path(path) => {
            let bytes = git::blob_at(repo, commit, Path::new(path))
                .map_err(|e| fail(e.message().to_string(), "see the repo: git log".into()))?
                .ok_or_else(|| {
                    fail(
                        format!("{path} is not a file in commit {}", git::short(commit)),
                        "ask the team to commit the file, or fix path in tcli.toml".into(),
                    )
                })?;
            let got = hex(&Sha256::digest(&bytes));
            if got != build.sha256 {
                return Err(fail(
                    format!("its sha256 is {got}, the pin says {}", build.sha256),
                    "ask the team to check sha256 in tcli.toml (sha256sum <file>)".into(),
                ));
            }
            let mut f = tempfile::Builder::new()
                .prefix(".tmp-")
                .tempfile_in(&dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            std::io::Write::write_all(f.as_file_mut(), &bytes)
                .and_then(|()| f.as_file().sync_all())
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            f.into_temp_path()
        }
    };
    let d = tcli_core::sources::native::probe_file(cx, &tmp).map_err(|p| {
        fail(
            p.to_string(),
            "ask the team to build it against this tcli's plugin SDK (tcli modules check shows the ABI)".into(),
        )
    })?;
    if d.name != name {
        return Err(fail(
            format!("its descriptor names module '{}', not '{name}'", d.name),
            "ask the team to pin it under its own name in tcli.toml".into(),
        ));
    }
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot write in {}", dir.display()))?;
    }
    tmp.persist(&dest)
        .with_context(|| format!("cannot move the library into {}", dest.display()))?;
    let id = store::file_id(&dest);
    out.new_files.push(dest);
    out.native(name, triple, build, d, id, Action::Fetched);
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records `pins` as team `team`'s (or forgets the team with `None`).
pub(crate) fn record(cx: &Context, team: &str, pins: Option<TeamPins>) -> anyhow::Result<()> {
    let mut file = read_record(cx)?;
    let before = file.teams.get(team).cloned();
    match pins {
        Some(p) if p.modules.is_empty() => {
            file.teams.remove(team);
        }
        Some(p) => {
            // A store file fetched or hashed again has a new identity for every team pinning it.
            for (_, t) in file.teams.iter_mut().filter(|(n, _)| *n != team) {
                for m in t.modules.values_mut() {
                    if let Pinned::Native { sha256, file, .. } = m {
                        if let Some(new) = p.modules.values().find_map(|n| match n {
                            Pinned::Native {
                                sha256: s, file: f, ..
                            } if s == sha256 => Some(*f),
                            _ => None,
                        }) {
                            *file = new;
                        }
                    }
                }
            }
            file.teams.insert(team.to_string(), p);
        }
        None => {
            file.teams.remove(team);
        }
    }
    if file.teams.get(team) == before.as_ref() {
        return Ok(());
    }
    write_json(&store::pins_path(cx), &file)
}

/// Removes what no team pins any more: store files, and images tcli pulled (by their tcli
/// tag; the engine keeps an image that has another name or a container). Teams no longer
/// registered count as pinning nothing.
pub(crate) fn prune(cx: &Context) -> anyhow::Result<Vec<ArtifactReport>> {
    let mut file = read_record(cx)?;
    let registered: BTreeSet<String> = tcli_core::team_dirs::teams(cx)
        .into_iter()
        .map(|t| t.name)
        .collect();
    let before = file.teams.len();
    file.teams.retain(|t, _| registered.contains(t));
    if file.teams.len() != before {
        let _ = write_json(&store::pins_path(cx), &file);
    }
    let mut libs = BTreeSet::new();
    let mut images = BTreeSet::new();
    for (name, p) in file.teams.values().flat_map(|t| &t.modules) {
        match p {
            Pinned::Native { sha256, .. } => {
                libs.insert(store::library_path(cx, sha256));
            }
            Pinned::Image { pin, image_id, .. } => {
                images.insert((store::image_tag(name, &pin.digest), image_id.clone()));
            }
            Pinned::NoBuild { .. } => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(store::native_dir(cx)) {
        for e in rd.flatten() {
            let p = e.path();
            let temp = p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            // A temp file belongs to a download in progress elsewhere, never to prune here.
            if temp || libs.contains(&p) {
                continue;
            }
            if std::fs::remove_file(&p).is_ok() {
                out.push(ArtifactReport {
                    module: "-".into(),
                    artifact: p.display().to_string(),
                    action: Action::Removed,
                });
            }
        }
    }
    if cx.no_docker {
        // Docker is off: the engine is not touched, and what tcli pulled stays recorded.
        return Ok(out);
    }
    let mut fetched: Fetched = read_json(&fetched_path(cx));
    let (keep, drop): (Vec<_>, Vec<_>) = fetched
        .images
        .drain(..)
        .partition(|i| images.contains(&(i.tag.clone(), i.id.clone())));
    fetched.images = keep;
    if !drop.is_empty() {
        let engine = Engine::at(&docker::host());
        for i in drop {
            let removed = engine
                .as_ref()
                .map_err(|e| e.clone())
                .and_then(|e| e.untag(&i));
            match removed {
                Ok(()) => out.push(ArtifactReport {
                    module: i
                        .tag
                        .split_once('/')
                        .and_then(|(_, r)| r.split_once(':'))
                        .map_or("-", |(m, _)| m)
                        .to_string(),
                    artifact: i.tag.clone(),
                    action: Action::Removed,
                }),
                Err(e) => {
                    ui::warn(&format!(
                        "cannot remove the image {} tcli pulled and no team pins: {e}",
                        i.tag
                    ));
                    fetched.images.push(i);
                }
            }
        }
        let _ = write_json(&fetched_path(cx), &fetched);
    }
    Ok(out)
}

/// Brings the store in line with the pins of `commit` (`text`: its `tcli.toml`) for `team`:
/// checks them, fetches what is missing, then runs `move_checkout` (the step that makes
/// `commit` the team's; a failure there takes back what was fetched), records the pins and
/// removes what no team pins any more. Nothing is fetched when the record is for `commit` and
/// every artifact is present. A `tcli.toml` that does not parse leaves the record alone (the
/// caller refuses a new commit whose file does not parse).
pub(crate) fn apply(
    cx: &Context,
    team: &str,
    repo: &Repository,
    commit: Oid,
    text: Option<&str>,
    ahead: Option<Ahead>,
    move_checkout: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<Vec<ArtifactReport>> {
    if text.is_some_and(|t| t.parse::<toml::Table>().is_err()) {
        move_checkout()?;
        return Ok(Vec::new());
    }
    let pins = validate(team, &git::short(commit), text)?;
    let _store = lock(cx)?;
    read_record(cx)?;
    if intact(cx, team, commit, &pins, ahead) {
        move_checkout()?;
        let mut report: Vec<ArtifactReport> = store::read(cx)
            .teams
            .get(team)
            .into_iter()
            .flat_map(|t| &t.modules)
            .filter_map(|(name, p)| {
                let artifact = match p {
                    Pinned::Image { pin, .. } => pin.reference.clone(),
                    Pinned::Native { from, .. } => from.to_string(),
                    Pinned::NoBuild { .. } => return None,
                };
                Some(ArtifactReport {
                    module: name.clone(),
                    artifact,
                    action: Action::Reused,
                })
            })
            .collect();
        report.extend(prune(cx)?);
        return Ok(report);
    }
    let fetched = fetch(cx, team, repo, commit, &pins)?;
    if let Err(e) = move_checkout() {
        fetched.undo(cx);
        return Err(e);
    }
    record(cx, team, Some(fetched.pins))?;
    let mut report = fetched.report;
    report.extend(prune(cx)?);
    Ok(report)
}
