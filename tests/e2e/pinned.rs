//! Pinned modules (docs/team-repos.md, "Pinning") with real parts: a real registry on loopback
//! (Debian's `docker-registry`, distribution 2.8), real HTTP servers on loopback, real git
//! repos, images built from a busybox rootfs and pushed then removed locally before tcli pulls
//! them, and libraries built by cargo. Docker-dependent tests skip loudly without an engine or a
//! registry binary, and fail under CI (TCLI_TEST_REQUIRE_DOCKER=1).

use crate::docker::{engine_available, rootfs_tar};
use crate::http::{Reply, Server};
use crate::support::{fixture, Git, TestEnv};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run docker")
}

/// A team remote and a teammate's clone, where tests write `tcli.toml` and push.
struct Repo {
    bare: PathBuf,
    work: PathBuf,
    git: Git,
}

impl Repo {
    fn new(env: &TestEnv) -> Repo {
        let bare = env.path("acme.git");
        let work = env.path("acme-work");
        let git = env.git();
        git.run(
            env.path("").as_path(),
            &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
        );
        git.run(
            env.path("").as_path(),
            &[
                "clone",
                "-q",
                bare.to_str().unwrap(),
                work.to_str().unwrap(),
            ],
        );
        Repo { bare, work, git }
    }

    /// Commits `toml` as tcli.toml (and `files`) and pushes.
    fn push(&self, toml: &str, files: &[(&str, &Path)]) {
        std::fs::write(self.work.join("tcli.toml"), toml).unwrap();
        for (rel, from) in files {
            let to = self.work.join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(from, &to).unwrap();
        }
        self.git.run(&self.work, &["add", "-A"]);
        self.git.run(&self.work, &["commit", "-q", "-m", "pins"]);
        self.git
            .run(&self.work, &["push", "-q", "origin", "HEAD:main"]);
    }
}

/// A `docker-registry serve` on 127.0.0.1 with a free port, its log kept, stopped on drop.
struct Registry {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// `None` (after saying why) when there is no `docker-registry` outside CI.
    fn start() -> Option<Registry> {
        if Command::new("docker-registry")
            .arg("--version")
            .output()
            .is_err()
        {
            if std::env::var("TCLI_TEST_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("TCLI_TEST_REQUIRE_DOCKER=1 but docker-registry is missing (apt install docker-registry)");
            }
            eprintln!("SKIPPED: no docker-registry (apt install docker-registry)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let log = dir.path().join("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.path().join("registry.err")).unwrap())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Registry {
            child: Some(child),
            port,
            log,
            _dir: dir,
        })
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Imports a busybox image whose entrypoint echoes `says`, pushes it as `<repo>:1`, removes
    /// it locally, and returns the pinned reference `host/repo:1@sha256:...`.
    fn push_image(&self, repo: &str, says: &str) -> String {
        let tag = format!("{}/{repo}:1", self.host());
        let out = docker(&[
            "import",
            "--change",
            &format!("ENTRYPOINT [\"/bin/echo\", \"{says}\"]"),
            "--change",
            "LABEL io.tcli.description=\"pinned in e2e\"",
            rootfs_tar().to_str().unwrap(),
            &tag,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = docker(&["push", &tag]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let digest = String::from_utf8_lossy(
            &docker(&["inspect", "--format", "{{index .RepoDigests 0}}", &tag]).stdout,
        )
        .trim()
        .rsplit('@')
        .next()
        .unwrap()
        .to_string();
        docker(&["rmi", "-f", &tag]);
        assert!(!docker(&[
            "image",
            "inspect",
            &format!("{}/{repo}@{digest}", self.host())
        ])
        .status
        .success());
        format!("{tag}@{digest}")
    }

    /// Requests the registry served (its access log lines).
    fn requests(&self) -> usize {
        std::fs::read_to_string(self._dir.path().join("registry.err"))
            .unwrap_or_default()
            .lines()
            .chain(
                std::fs::read_to_string(&self.log)
                    .unwrap_or_default()
                    .lines(),
            )
            .filter(|l| l.contains("\"GET /v2/") || l.contains("\"HEAD /v2/"))
            .filter(|l| !l.contains("GET /v2/ "))
            .count()
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Removes every image the test pinned (tcli's tags and the digests) when it ends.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for r in &self.0 {
            let repo_digest = match r.split_once('@') {
                Some((name, digest)) => {
                    let repo = name.rsplit_once(':').map_or(name, |(n, _)| n);
                    format!("{repo}@{digest}")
                }
                None => r.clone(),
            };
            let id = String::from_utf8_lossy(
                &docker(&["image", "inspect", "--format", "{{.Id}}", &repo_digest]).stdout,
            )
            .trim()
            .to_string();
            if !id.is_empty() {
                docker(&["rmi", "-f", &id]);
            }
        }
    }
}

fn docker_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.var("TCLI_NO_DOCKER", "0");
    env
}

/// A python3 http.server serving `dir` on a free loopback port, killed on drop.
struct Files {
    child: Child,
    port: u16,
}

impl Files {
    fn serve(dir: &Path) -> Files {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Files { child, port }
    }

    fn url(&self, file: &str) -> String {
        format!("http://127.0.0.1:{}/{file}", self.port)
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

fn native_url(name: &str, url: &str, sha: &str) -> String {
    format!("[modules.{name}.native.{TRIPLE}]\nurl = \"{url}\"\nsha256 = \"{sha}\"\n")
}

fn native_path(name: &str, path: &str, sha: &str) -> String {
    format!("[modules.{name}.native.{TRIPLE}]\npath = \"{path}\"\nsha256 = \"{sha}\"\n")
}

fn image(name: &str, reference: &str) -> String {
    format!("[modules.{name}]\nimage = \"{reference}\"\n")
}

fn store_entries(env: &TestEnv) -> Vec<String> {
    std::fs::read_dir(env.data_dir().join("store/native"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The tag tcli gave the image it pulled for `module` at `digest`, as this user's record
/// (`store/fetched.json`) names it: `tcli-pinned/<module>:<16 hex>-<engine user>`.
fn tcli_tag(env: &TestEnv, module: &str, digest: &str) -> String {
    let prefix = format!("tcli-pinned/{module}:{}-", &digest["sha256:".len()..][..16]);
    let fetched = std::fs::read_to_string(env.data_dir().join("store/fetched.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&fetched).unwrap();
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["tag"].as_str())
        .find(|t| t.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix}... in {fetched}"))
        .to_string()
}

fn head(env: &TestEnv) -> String {
    env.git()
        .run(&env.data_dir().join("teams/acme"), &["rev-parse", "HEAD"])
}

#[test]
fn team_add_pinned_image_and_libraries_run_offline() {
    if !engine_available() {
        return;
    }
    let Some(mut registry) = Registry::start() else {
        return;
    };
    let env = docker_env();
    let lint = registry.push_image("e2e-pin/lint", "lint-says");
    let _cleanup = Cleanup(vec![lint.clone()]);
    let www = env.path("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::copy(fixture("hello"), www.join("libhello.so")).unwrap();
    let files = Files::serve(&www);
    // A second library, read from the repo (a bundled module's name is no team's to pin).
    let noisy = fixture("noisy");
    let repo = Repo::new(&env);
    repo.push(
        &format!(
            "{}{}{}[modules.far.native.aarch64-apple-darwin]\npath = \"native/libfar.dylib\"\nsha256 = \"{}\"\n",
            image("lint", &lint),
            native_url("hello", &files.url("libhello.so"), &sha256(&www.join("libhello.so"))),
            native_path("noisy", "native/libnoisy.so", &sha256(&noisy)),
            sha256(&noisy),
        ),
        &[("native/libnoisy.so", &noisy)],
    );
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success()
        .stdout_has("fetched  lint")
        .stdout_has("fetched  hello")
        .stdout_has("fetched  noisy")
        // Not a terminal: one line per module, no bar.
        .stderr_has("acme: pulled lint (")
        .stderr_has("acme: fetching hello (");
    // Offline from here on: nothing runs from the registry or the web server.
    registry.stop();
    drop(files);
    env.run(["lint", "a", "b"])
        .success()
        .stdout_has("lint-says a b");
    env.run(["hello", "greet", "pins"])
        .success()
        .stdout_has("hello, pins");
    env.run(["noisy", "--help"]).success();
    env.run(["modules", "which", "lint"])
        .success()
        .stdout_has("pinned by: team 'acme'");
    env.run(["modules", "list"])
        .success()
        .stdout_has("no build for x86_64-unknown-linux-gnu")
        .stdout_has("(team acme)");
    env.run(["far"])
        .code(126)
        .stderr_has("no build for x86_64-unknown-linux-gnu");
}

#[test]
fn team_update_pinned_refusals_change_nothing() {
    if !engine_available() {
        return;
    }
    let Some(registry) = Registry::start() else {
        return;
    };
    let env = docker_env();
    let www = env.path("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::copy(fixture("hello"), www.join("libhello.so")).unwrap();
    let files = Files::serve(&www);
    let good = native_url(
        "hello",
        &files.url("libhello.so"),
        &sha256(&www.join("libhello.so")),
    );
    let repo = Repo::new(&env);
    repo.push(&good, &[]);
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success();
    let before = head(&env);
    let missing = format!(
        "{}/e2e-pin/nothing:1@sha256:{}",
        registry.host(),
        "ab".repeat(32)
    );
    let registry_named = format!("registry {}", registry.host());
    let unreachable = format!("127.0.0.1:1/e2e-pin/x:1@sha256:{}", "cd".repeat(32));
    let cut = Server::start(vec![Reply::Cut {
        len: 100_000,
        body: vec![0; 1000],
    }]);
    let cases = [
        (
            format!(
                "{good}{}",
                native_url("wrong", &files.url("libhello.so"), &"0".repeat(64))
            ),
            vec![],
            "module 'wrong'",
            "sha256",
        ),
        (
            format!("{good}{}", image("gone", &missing)),
            vec![],
            "module 'gone'",
            registry_named.as_str(),
        ),
        (
            format!("{good}{}", image("away", &unreachable)),
            vec![],
            "module 'away'",
            "registry 127.0.0.1:1",
        ),
        (
            format!(
                "{good}{}",
                native_path("other", "native/libhello.so", &sha256(&fixture("hello")))
            ),
            vec![("native/libhello.so", fixture("hello"))],
            "module 'other'",
            "names module 'hello', not 'other'",
        ),
        (
            format!(
                "{good}{}",
                native_path("future", "native/libfuture.so", &sha256(&fixture("future")))
            ),
            vec![("native/libfuture.so", fixture("future"))],
            "module 'future'",
            "ABI",
        ),
        (
            format!(
                "{good}{}",
                native_url("short", &cut.url("/libshort.so"), &"1".repeat(64))
            ),
            vec![],
            "module 'short'",
            "nothing was changed",
        ),
    ];
    for (toml, files_in, module, why) in cases {
        let files_ref: Vec<(&str, &Path)> =
            files_in.iter().map(|(r, p)| (*r, p.as_path())).collect();
        repo.push(&toml, &files_ref);
        let run = env.run(["team", "update"]);
        run.code(1)
            .stderr_has(module)
            .stderr_has(why)
            .stderr_has("hint:");
        assert_eq!(head(&env), before, "the checkout moved: {}", run.stderr);
        env.run(["hello", "greet", "still"])
            .success()
            .stdout_has("hello, still");
        let entries = store_entries(&env);
        assert_eq!(entries.len(), 1, "store: {entries:?} after {module}");
        // Back to the good commit's content for the next case.
        repo.git.run(
            &repo.work,
            &["rm", "-q", "-r", "--ignore-unmatch", "native"],
        );
        repo.push(&good, &[]);
        env.run(["team", "update"]).success();
        env.git().run(
            &env.data_dir().join("teams/acme"),
            &["reset", "-q", "--hard", &before],
        );
    }
}

#[test]
fn team_update_pinned_restores_prunes_and_spares_the_users_images() {
    if !engine_available() {
        return;
    }
    let Some(registry) = Registry::start() else {
        return;
    };
    let env = docker_env();
    let lint = registry.push_image("e2e-pin/lint2", "lint2-says");
    let mine = registry.push_image("e2e-pin/mine", "mine-says");
    let _cleanup = Cleanup(vec![lint.clone(), mine.clone()]);
    // The user pulls one image themselves before any team pins it.
    let (mine_name, mine_digest) = mine.split_once('@').unwrap();
    let mine_repo = mine_name.rsplit_once(':').unwrap().0;
    assert!(
        docker(&["pull", "-q", &format!("{mine_repo}@{mine_digest}")])
            .status
            .success()
    );
    let lib = fixture("hello");
    let repo = Repo::new(&env);
    repo.push(
        &format!(
            "{}{}{}",
            image("lint", &lint),
            image("mine", &mine),
            native_path("hello", "native/libhello.so", &sha256(&lib))
        ),
        &[("native/libhello.so", &lib)],
    );
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success();
    let digest = lint.rsplit('@').next().unwrap();
    let tag = tcli_tag(&env, "lint", digest);
    let id =
        String::from_utf8_lossy(&docker(&["image", "inspect", "--format", "{{.Id}}", &tag]).stdout)
            .trim()
            .to_string();
    assert!(!id.is_empty(), "tcli tags what it pulls");
    // The user prunes it.
    docker(&["rmi", "-f", &id]);
    env.run(["team", "status"])
        .success()
        .stdout_has("pinned lint: image")
        .stdout_has("is missing");
    let requests = registry.requests();
    env.run(["team", "update"]).success();
    assert!(registry.requests() > requests, "the restore pulled again");
    env.run(["team", "status"])
        .success()
        .stdout_lacks("missing");
    env.run(["lint", "back"])
        .success()
        .stdout_has("lint2-says back");
    // Nothing pinned any more: what tcli fetched goes, the user's own image stays.
    repo.git.run(&repo.work, &["rm", "-q", "-r", "native"]);
    repo.push("", &[]);
    env.run(["team", "update", "--json"])
        .success()
        .stdout_has("\"removed\"");
    assert!(
        !docker(&["image", "inspect", &tag]).status.success(),
        "the unpinned image is removed"
    );
    assert!(store_entries(&env).is_empty(), "{:?}", store_entries(&env));
    assert!(
        docker(&["image", "inspect", &format!("{mine_repo}@{mine_digest}")])
            .status
            .success(),
        "an image the user pulled is never removed"
    );
}

#[test]
fn team_update_pinned_ctrl_c_leaves_the_old_state_whole() {
    let env = TestEnv::new();
    let lib = fixture("hello");
    let repo = Repo::new(&env);
    repo.push(
        &native_path("hello", "native/libhello.so", &sha256(&lib)),
        &[("native/libhello.so", &lib)],
    );
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success();
    let before = head(&env);
    // Headers and part of the body, then nothing: the helper has a temp file in the store.
    let hang = Server::start(vec![Reply::Stall {
        len: 1 << 20,
        body: vec![7; 64 * 1024],
    }]);
    repo.push(
        &format!(
            "{}{}",
            native_path("hello", "native/libhello.so", &sha256(&lib)),
            native_url("slow", &hang.url("/libslow.so"), &"2".repeat(64))
        ),
        &[],
    );
    let mut cmd = env.cmd(["team", "update"]);
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while store_entries(&env).len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        store_entries(&env).len() == 2,
        "the download never wrote a temp file: {:?}",
        store_entries(&env)
    );
    // Ctrl-C reaches the whole foreground process group.
    let pgid = child.id() as i32;
    unsafe_free_kill(pgid);
    let out = child.wait_with_output().unwrap();
    // 128+SIGINT, as everywhere else in tcli, once what was fetched is taken back.
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(head(&env), before);
    let entries = store_entries(&env);
    assert_eq!(entries.len(), 1, "temp files left: {entries:?}");
    env.run(["hello", "greet", "after"])
        .success()
        .stdout_has("hello, after");
}

/// SIGINT to a process group through kill(1) (also the transport tests').
pub(crate) fn unsafe_free_kill(pgid: i32) {
    let ok = Command::new("kill")
        .args(["-INT", "--", &format!("-{pgid}")])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn team_add_pinned_bad_entries_are_refused_one_error_each() {
    let env = TestEnv::new();
    let repo = Repo::new(&env);
    repo.push(
        "[modules.a]\nimage = \"acme/lint:1.4\"\n[modules.b]\nimage = \"reg.example.com/x@sha256:XYZ\"\n\
         [modules.c.native.x86_64-unknown-linux-gnu]\nurl = \"http://example.com/x.so\"\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
        &[],
    );
    let run = env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"]);
    run.code(1)
        .stderr_has("[modules.a.image]: 'acme/lint:1.4' is a tag without a digest")
        .stderr_has("[modules.b.image]")
        .stderr_has("[modules.c.native.x86_64-unknown-linux-gnu.url]")
        .stderr_has("nothing was changed");
    assert_eq!(run.stderr.matches("error:").count(), 3, "{}", run.stderr);
    assert!(!env.data_dir().join("teams/acme").exists());
    env.run(["team", "list"]).success().stdout_lacks("acme");
}

#[test]
fn team_update_pinned_concurrent_teams_share_the_store() {
    let env = TestEnv::new();
    let hello = fixture("hello");
    let noisy = fixture("noisy");
    let mut repos = Vec::new();
    for team in ["acme", "beta"] {
        let bare = env.path(&format!("{team}.git"));
        let work = env.path(&format!("{team}-work"));
        let git = env.git();
        git.run(
            env.path("").as_path(),
            &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
        );
        git.run(
            env.path("").as_path(),
            &[
                "clone",
                "-q",
                bare.to_str().unwrap(),
                work.to_str().unwrap(),
            ],
        );
        let repo = Repo { bare, work, git };
        repo.push(
            &native_path("hello", "native/libhello.so", &sha256(&hello)),
            &[("native/libhello.so", &hello)],
        );
        env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", team])
            .success();
        repos.push(repo);
    }
    // Both teams move from the shared `hello` to a shared `noisy`, and update at the same time.
    for repo in &repos {
        repo.git.run(&repo.work, &["rm", "-q", "-r", "native"]);
        repo.push(
            &native_path("noisy", "native/libnoisy.so", &sha256(&noisy)),
            &[("native/libnoisy.so", &noisy)],
        );
    }
    let children: Vec<_> = ["acme", "beta"]
        .iter()
        .map(|t| {
            env.cmd(["team", "update", t])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let entries = store_entries(&env);
    assert_eq!(
        entries,
        [format!("{}.so", sha256(&noisy))],
        "the shared library once, the unpinned one gone, no temp file"
    );
    let pins: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.data_dir().join("store/pins.json")).unwrap())
            .unwrap();
    for team in ["acme", "beta"] {
        assert_eq!(
            pins["teams"][team]["modules"]["noisy"]["kind"], "native",
            "{pins}"
        );
    }
    env.run(["noisy", "--help"]).success();
    env.run(["hello"]).code(2);
}

#[test]
fn team_update_pinned_with_docker_off_keeps_the_teams_images() {
    if !engine_available() {
        return;
    }
    let Some(registry) = Registry::start() else {
        return;
    };
    let mut env = docker_env();
    let lint = registry.push_image("e2e-pin/lint3", "lint3-says");
    let _cleanup = Cleanup(vec![lint.clone()]);
    let lib = fixture("hello");
    let repo = Repo::new(&env);
    let pins = format!(
        "{}{}",
        image("lint", &lint),
        native_path("hello", "native/libhello.so", &sha256(&lib))
    );
    repo.push(&pins, &[("native/libhello.so", &lib)]);
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success();
    let digest = lint.rsplit('@').next().unwrap();
    let tag = tcli_tag(&env, "lint", digest);
    assert!(docker(&["image", "inspect", &tag]).status.success());
    // A new commit, the same pins, taken while Docker is off.
    repo.push(
        &format!("# changed\n{pins}"),
        &[("native/libhello.so", &lib)],
    );
    env.var("TCLI_NO_DOCKER", "1");
    env.run(["team", "update"]).success();
    assert!(
        docker(&["image", "inspect", &tag]).status.success(),
        "an update with Docker off leaves the team's images alone"
    );
    let record = std::fs::read_to_string(env.data_dir().join("store/pins.json")).unwrap();
    assert!(record.contains(digest), "{record}");
    env.var("TCLI_NO_DOCKER", "0");
    let requests = registry.requests();
    env.run(["team", "status"])
        .success()
        .stdout_lacks("missing");
    env.run(["team", "update"]).success();
    assert_eq!(registry.requests(), requests, "nothing to pull again");
    env.run(["lint", "back"])
        .success()
        .stdout_has("lint3-says back");
}

#[test]
fn team_update_pinned_prune_spares_an_image_the_user_pulled_under_another_name() {
    if !engine_available() {
        return;
    }
    let Some(registry) = Registry::start() else {
        return;
    };
    let env = docker_env();
    let lint = registry.push_image("e2e-pin/lint4", "lint4-says");
    let other = format!("{}/e2e-pin/other4:1", registry.host());
    let digest = lint.rsplit('@').next().unwrap();
    let _cleanup = Cleanup(vec![lint.clone(), format!("{other}@{digest}")]);
    let repo = Repo::new(&env);
    repo.push(&image("lint", &lint), &[]);
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success();
    let tag = tcli_tag(&env, "lint", digest);
    // The user publishes and pulls the same image under a name of their own.
    assert!(docker(&["tag", &tag, &other]).status.success());
    assert!(docker(&["push", &other]).status.success());
    assert!(docker(&["rmi", &other]).status.success());
    let mine = format!("{}/e2e-pin/other4@{digest}", registry.host());
    assert!(docker(&["pull", "-q", &mine]).status.success());
    // The team stops pinning it: tcli's names go, the user's stays.
    repo.push("", &[]);
    env.run(["team", "update"]).success();
    assert!(
        !docker(&["image", "inspect", &tag]).status.success(),
        "tcli's tag is removed"
    );
    assert!(
        docker(&["image", "inspect", &mine]).status.success(),
        "an image the user pulled under another name is never removed"
    );
}

#[test]
fn team_update_pinned_library_replaced_in_the_store_is_not_loaded() {
    let env = docker_env();
    let lib = fixture("hello");
    let repo = Repo::new(&env);
    repo.push(
        &native_path("hello", "native/libhello.so", &sha256(&lib)),
        &[("native/libhello.so", &lib)],
    );
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success()
        .stdout_has("fetched  hello");
    env.run(["hello", "greet", "pins"])
        .success()
        .stdout_has("hello, pins");
    let stored = env
        .data_dir()
        .join(format!("store/native/{}.so", sha256(&lib)));
    // A symlink put in the store file's place, to a file of the same bytes.
    let elsewhere = env.path("elsewhere.so");
    std::fs::copy(&lib, &elsewhere).unwrap();
    std::fs::remove_file(&stored).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &stored).unwrap();
    env.run(["hello", "greet", "pins"])
        .code(126)
        .stderr_has("changed since it was fetched");
    env.run(["team", "status"])
        .success()
        .stdout_has("changed since it was fetched");
    env.run(["team", "update"]).success();
    assert!(std::fs::symlink_metadata(&stored)
        .unwrap()
        .file_type()
        .is_file());
    env.run(["hello", "greet", "pins"])
        .success()
        .stdout_has("hello, pins");
    env.run(["team", "status"])
        .success()
        .stdout_lacks("changed");
}

#[test]
fn team_update_pinned_unreadable_record_is_refused_and_prunes_nothing() {
    let env = TestEnv::new();
    let lib = fixture("hello");
    let repo = Repo::new(&env);
    repo.push(
        &native_path("hello", "native/libhello.so", &sha256(&lib)),
        &[("native/libhello.so", &lib)],
    );
    env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"])
        .success();
    let record = env.data_dir().join("store/pins.json");
    std::fs::write(&record, "{ not json").unwrap();
    env.run(["team", "update"])
        .code(1)
        .stderr_has("error: ")
        .stderr_has("pins.json")
        .stderr_has("hint: move it aside");
    assert_eq!(store_entries(&env).len(), 1, "nothing is pruned");
    std::fs::rename(&record, env.data_dir().join("store/pins.json.bad")).unwrap();
    env.run(["team", "update"]).success();
    env.run(["hello", "greet", "pins"])
        .success()
        .stdout_has("hello, pins");
}

/// Two users of one Docker engine pin the same image; one updates past the pin. Each removes
/// only its own tag: the other's module still runs, and the image goes with the last user.
#[test]
fn team_update_pinned_image_shared_by_two_users_stays_for_the_other() {
    if !engine_available() {
        return;
    }
    let Some(registry) = Registry::start() else {
        return;
    };
    let ana = docker_env();
    let bo = docker_env();
    let lint = registry.push_image("e2e-pin/shared5", "shared5-says");
    let _cleanup = Cleanup(vec![lint.clone()]);
    let (name, digest) = lint.rsplit_once('@').unwrap();
    let pulled = format!("{}@{digest}", name.rsplit_once(':').unwrap().0);
    let repo = Repo::new(&ana);
    repo.push(&image("lint", &lint), &[]);
    let url = repo.bare.to_str().unwrap();
    ana.run(["team", "add", url, "--name", "acme"])
        .success()
        .stdout_has("fetched  lint")
        .stderr_has("acme: pulled lint (");
    // The engine has it now: bo's tcli pulls nothing, says so, and adds a tag of its own.
    let requests = registry.requests();
    let r = bo.run(["team", "add", url, "--name", "acme"]);
    r.success().stdout_lacks("fetched  lint");
    assert!(!r.stderr.contains("pull"), "{}", r.stderr);
    assert_eq!(registry.requests(), requests, "nothing pulled for bo");
    let (ana_tag, bo_tag) = (
        tcli_tag(&ana, "lint", digest),
        tcli_tag(&bo, "lint", digest),
    );
    assert_ne!(ana_tag, bo_tag, "one tag per user of the engine");

    repo.push("", &[]);
    ana.run(["team", "update"])
        .success()
        .stdout_has(&format!("removed  lint ({ana_tag})"));
    assert!(!docker(&["image", "inspect", &ana_tag]).status.success());
    bo.run(["lint", "still"])
        .success()
        .stdout_has("shared5-says still");
    bo.run(["team", "status"]).success().stdout_lacks("missing");

    // The last user moves past the pin: the image goes.
    bo.run(["team", "update"])
        .success()
        .stdout_has(&format!("removed  lint ({bo_tag})"));
    assert!(
        !docker(&["image", "inspect", &pulled]).status.success(),
        "the image goes with its last tcli user"
    );
}

#[test]
fn team_add_pinned_redirect_off_loopback_is_refused_before_connecting() {
    let env = TestEnv::new();
    // A loopback server (allowed) that sends the download on to plain http elsewhere, an
    // address that never answers (tests/e2e/http.rs times the refusal).
    let server = Server::start(vec![Reply::Redirect("http://192.0.2.1/libhello.so".into())]);
    let repo = Repo::new(&env);
    repo.push(
        &native_url("hello", &server.url("/libhello.so"), &"ab".repeat(32)),
        &[],
    );
    let r = env.run(["team", "add", repo.bare.to_str().unwrap(), "--name", "acme"]);
    insta::assert_snapshot!(r, @r"
    ------- stderr -------
    acme: fetching hello (http://127.0.0.1:$PORT/libhello.so)
    error: team 'acme': module 'hello', library http://127.0.0.1:$PORT/libhello.so: http://127.0.0.1:$PORT/libhello.so: the redirect is refused: 'http://192.0.2.1/libhello.so' uses plain http to a host that is not loopback (use https://, or http only to localhost, 127.0.0.1 or [::1]); nothing was changed
    hint: ask the team to pin the URL the library is served from, over https (a redirect is followed only to https, or to http on loopback: docs/helpers.md)
    [exit status: 1]
    ");
    assert_eq!(server.requests().len(), 1);
    assert!(store_entries(&env).is_empty());
}
