//! Docker modules against the real engine (issue #4): tiny images imported from a busybox-static
//! rootfs, no registry. Every test tags its images under a repository prefix of its own and
//! allows only that prefix in its settings, so tests running side by side in one engine never
//! run each other's images (the others are listed as untrusted). Images are removed on drop,
//! also when a test fails. Without an engine the tests print "SKIPPED: no Docker engine" and
//! pass, unless TCLI_TEST_REQUIRE_DOCKER=1 (CI), where they fail.

use crate::support::{Run, TestEnv};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub(crate) const BUSYBOX: &str = "/bin/busybox";
const APPLETS: &[&str] = &[
    "sh", "cat", "echo", "env", "id", "sleep", "touch", "true", "false", "yes", "stat", "pwd",
    "stty",
];

/// True when an engine answers; otherwise skips loudly, or fails under
/// TCLI_TEST_REQUIRE_DOCKER=1.
pub(crate) fn engine_available() -> bool {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let up = UP.get_or_init(|| {
        let info = Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .stdin(Stdio::null())
            .output();
        match info {
            Ok(o) if o.status.success() => {}
            Ok(o) => return Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => return Err(format!("cannot run the docker CLI: {e}")),
        }
        if !Path::new(BUSYBOX).exists() {
            return Err(format!("{BUSYBOX} is missing (install busybox-static)"));
        }
        Ok(())
    });
    match up {
        Ok(()) => true,
        Err(why) if std::env::var("TCLI_TEST_REQUIRE_DOCKER").as_deref() == Ok("1") => {
            panic!("TCLI_TEST_REQUIRE_DOCKER=1 but there is no Docker engine: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: no Docker engine ({why})");
            false
        }
    }
}

macro_rules! require_engine {
    () => {
        if !engine_available() {
            return;
        }
    };
}

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run docker")
}

/// The busybox rootfs tar every test image is imported from, built once per test process and
/// renamed into place (atomic: another process may be importing the previous one).
pub(crate) fn rootfs_tar() -> &'static Path {
    static TAR: OnceLock<PathBuf> = OnceLock::new();
    TAR.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let dir = tempfile::tempdir_in(&tmp).unwrap();
        let bin = dir.path().join("root/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap();
        for applet in APPLETS {
            std::os::unix::fs::symlink("busybox", bin.join(applet)).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("root/tmp")).unwrap();
        let built = dir.path().join("rootfs.tar");
        let ok = Command::new("tar")
            .arg("-C")
            .arg(dir.path().join("root"))
            .arg("-cf")
            .arg(&built)
            .arg(".")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tar of the busybox rootfs failed");
        let tar = tmp.join("tcli-docker-rootfs.tar");
        std::fs::rename(&built, &tar).unwrap();
        tar
    })
}

/// A Dockerfile-quoted value: LABEL values go through the Dockerfile word parser.
fn quoted(v: &str) -> String {
    let mut s = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '$') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// An image in the engine, removed (with any container left from it) on drop.
pub struct TestImage {
    pub tag: String,
    pub id: String,
}

impl TestImage {
    /// `docker import` of the busybox rootfs with these labels and ENTRYPOINT.
    pub(crate) fn import(tag: &str, entrypoint: &[&str], labels: &[(&str, &str)]) -> TestImage {
        let mut args: Vec<String> = vec!["import".into()];
        let ep = serde_json::to_string(entrypoint).unwrap();
        args.push("--change".into());
        args.push(format!("ENTRYPOINT {ep}"));
        for (k, v) in labels {
            args.push("--change".into());
            args.push(format!("LABEL {}={}", quoted(k), quoted(v)));
        }
        args.push(rootfs_tar().display().to_string());
        args.push(tag.to_string());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = docker(&refs);
        assert!(
            out.status.success(),
            "docker import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TestImage {
            tag: tag.to_string(),
            id: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        }
    }

    /// `docker build` (legacy builder) of `FROM base` plus `lines`: for labels too long for
    /// `docker import --change`.
    fn build(tag: &str, base: &TestImage, lines: &str) -> TestImage {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::write(
            ctx.path().join("Dockerfile"),
            format!("FROM {}\n{lines}\n", base.id),
        )
        .unwrap();
        TestImage::build_context(tag, ctx.path(), &[])
    }

    /// `docker build` (legacy builder, which uses local base images without asking a
    /// registry) of the context `dir`, with `--build-arg`s.
    pub(crate) fn build_context(tag: &str, dir: &Path, build_args: &[(&str, &str)]) -> TestImage {
        let mut cmd = Command::new("docker");
        cmd.args(["build", "-q", "-t", tag]);
        for (k, v) in build_args {
            cmd.arg("--build-arg").arg(format!("{k}={v}"));
        }
        let out = cmd
            .arg(dir)
            .env("DOCKER_BUILDKIT", "0")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TestImage {
            tag: tag.to_string(),
            id: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        }
    }

    /// Containers (running or not) made from this image.
    fn containers(&self) -> Vec<String> {
        let out = docker(&[
            "ps",
            "-a",
            "-q",
            "--filter",
            &format!("ancestor={}", self.id),
        ]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    fn short_id(&self) -> &str {
        &self.id["sha256:".len().."sha256:".len() + 12]
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        let leftovers = self.containers();
        if !leftovers.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(leftovers.iter().map(String::as_str));
            docker(&args);
        }
        docker(&["rmi", "-f", &self.tag]);
        docker(&["rmi", "-f", &self.id]);
    }
}

/// One test's world plus its images: settings allow only this test's repository prefix.
pub(crate) struct DockerEnv {
    pub(crate) env: TestEnv,
    pub(crate) prefix: String,
    images: Vec<TestImage>,
}

impl DockerEnv {
    pub(crate) fn new() -> DockerEnv {
        static N: AtomicUsize = AtomicUsize::new(0);
        let prefix = format!(
            "tcli-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let env = TestEnv::new();
        std::fs::write(
            env.config_dir().join("tcli.toml"),
            format!("[docker]\nallowed-prefixes = [\"{prefix}/\"]\n"),
        )
        .unwrap();
        DockerEnv {
            env,
            prefix,
            images: Vec::new(),
        }
    }

    /// Imports an image tagged `<prefix>/<repo>:1` with the busybox ENTRYPOINT.
    fn image(&mut self, repo: &str, labels: &[(&str, &str)]) -> &TestImage {
        self.image_with_entrypoint(repo, &[BUSYBOX], labels)
    }

    fn image_with_entrypoint(
        &mut self,
        repo: &str,
        entrypoint: &[&str],
        labels: &[(&str, &str)],
    ) -> &TestImage {
        let tag = format!("{}/{repo}:1", self.prefix);
        self.images
            .push(TestImage::import(&tag, entrypoint, labels));
        self.images.last().unwrap()
    }

    /// `tcli args...` with the docker source on, stdin closed.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.env.cmd(args);
        c.env_remove("TCLI_NO_DOCKER");
        // The engine the suite runs against, unless the test points tcli at its own socket.
        let own = self.env.vars.iter().any(|(k, _)| k == "DOCKER_HOST");
        if let Some(h) = std::env::var_os("DOCKER_HOST").filter(|_| !own) {
            c.env("DOCKER_HOST", h);
        }
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("run tcli"))
    }
}

/// `cmd` run as `uid:gid` (the caller is root): the tcli binary is copied into the test's
/// root first (its docker helper beside it), since the build dir may sit under a home only root
/// can enter.
fn as_user(d: &DockerEnv, cmd: Command, uid: u32, gid: u32) -> Command {
    use std::os::unix::process::CommandExt;
    let copy = d.env.path("tcli-as-user");
    std::fs::copy(crate::support::tcli_bin(), &copy).unwrap();
    // The copy finds its docker helper beside itself (docs/helpers.md).
    let helper = crate::support::helper_bin("tcli_docker");
    std::fs::copy(&helper, d.env.path("tcli_docker")).unwrap();
    let mut user = Command::new(&copy);
    user.args(cmd.get_args()).env_clear();
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => user.env(k, v),
            None => user.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        user.current_dir(dir);
    }
    // std drops the supplementary groups (docker among them) when root sets a uid.
    user.uid(uid).gid(gid).stdin(Stdio::null());
    user
}

fn timed(mut cmd: Command) -> (Run, Duration) {
    let started = Instant::now();
    let out = cmd.output().expect("run tcli");
    (Run::from(out), started.elapsed())
}

/// Waits up to 20 s for `cond`.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn docker_help_lists_label_schema_module_and_runs_it() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image(
        "hello",
        &[
            ("io.tcli.module", "true"),
            ("org.label-schema.name", "hello"),
            (
                "org.label-schema.description",
                "Says hello from a container",
            ),
        ],
    );
    let help = d.run(&["--help"]);
    help.success();
    let line = help
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("hello "))
        .unwrap_or_else(|| panic!("no hello line:\n{}", help.stdout));
    assert!(
        line.contains("Says hello from a container") && line.contains("[docker]"),
        "{line}"
    );
    d.run(&["hello", "echo", "a  b", "c"])
        .success()
        .stdout_has("a  b c\n");
}

#[test]
fn docker_help_lists_oci_labelled_module_and_runs_it() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image(
        "hello-oci",
        &[
            ("io.tcli.module", "true"),
            ("org.opencontainers.image.title", "hello"),
            ("org.opencontainers.image.description", "Greets, OCI style"),
            ("org.label-schema.name", "not-this-name"),
        ],
    );
    let help = d.run(&["--help"]);
    help.success().stdout_lacks("not-this-name");
    assert!(
        help.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("hello ") && l.contains("Greets, OCI style")),
        "{}",
        help.stdout
    );
    d.run(&["hello", "echo", "oci"])
        .success()
        .stdout_has("oci\n");
}

#[test]
fn docker_help_skips_images_with_only_inherited_labels() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-base", d.prefix);
    d.image(
        "base",
        &[
            ("org.label-schema.name", &name),
            ("org.label-schema.description", "CentOS Base Image"),
            ("org.opencontainers.image.title", &name),
        ],
    );
    d.run(&["--help"]).success().stdout_lacks(&name);
    let list = d.run(&["modules", "list", "--json"]);
    list.success();
    assert!(!list.stdout.contains(&name), "{}", list.stdout);
    d.run(&[&name]).code(2).stderr_has("no module named");
}

#[test]
fn docker_run_passes_exit_codes_through() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image("codes", &[("io.tcli.module", "codes")]);
    d.run(&["codes", "sh", "-c", "exit 7"]).code(7);
    d.run(&["codes", "true"]).code(0);
    d.run(&["codes", "sh", "-c", "echo out; echo err >&2; exit 42"])
        .code(42)
        .stdout_has("out\n")
        .stderr_has("err\n");
    // JSON cannot carry these bytes: refused, not altered.
    let mut cmd = d.cmd(&["codes", "echo"]);
    cmd.arg(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"\xffx"));
    Run::from(cmd.output().unwrap())
        .code(2)
        .stderr_has("error: argument 2 for docker module 'codes' is not valid UTF-8");
}

#[test]
fn docker_run_stops_the_container_when_stdout_closes() {
    require_engine!();
    let mut d = DockerEnv::new();
    let image_id = d
        .image("chatty", &[("io.tcli.module", "chatty")])
        .id
        .clone();
    let mut child = d
        .cmd(&["chatty", "yes"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 2];
    out.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"y\n");
    // `tcli chatty yes | head -1`: the reader goes away.
    drop(out);
    let status = child.wait().unwrap();
    // As a local `yes` would: killed by SIGPIPE, 128 + 13.
    assert_eq!(status.code(), Some(141));
    assert_eq!(containers_of(&image_id), "", "a container was left behind");
}

#[test]
fn docker_run_pipes_10mb_of_binary_stdin_intact() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image("pipe", &[("io.tcli.module", "pipe")]);
    // xorshift: every byte value, no long runs, reproducible.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let data: Vec<u8> = (0..10 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let mut child = d
        .cmd(&["pipe", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = data.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    writer.join().unwrap().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(out.len(), data.len(), "length differs");
    assert!(out == data, "bytes differ");
}

#[test]
fn docker_run_files_in_cwd_belong_to_the_invoking_user() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image("files", &[("io.tcli.module", "files")]);
    let me = std::fs::metadata("/proc/self").unwrap();
    // As root, uid:gid 0:0 would pass whatever tcli did: run tcli as another user, one that
    // may use the engine's socket through its group.
    let (uid, gid) = if me.uid() == 0 {
        let sock = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
            .unwrap_or_else(|| "/var/run/docker.sock".into());
        (4242, std::fs::metadata(sock).unwrap().gid())
    } else {
        (me.uid(), me.gid())
    };
    let work = d.env.path("work");
    std::fs::create_dir_all(&work).unwrap();
    for entry in [
        "",
        "work",
        "home",
        "config",
        "cache",
        "data",
        "bin",
        "config/tcli.toml",
    ] {
        std::os::unix::fs::chown(d.env.path(entry), Some(uid), Some(gid)).unwrap();
    }
    let mut cmd = d.cmd(&["files", "sh", "-c", "touch made-here; id -u; id -g"]);
    cmd.current_dir(&work);
    if me.uid() == 0 {
        cmd = as_user(&d, cmd, uid, gid);
    }
    let run = Run::from(cmd.output().unwrap());
    run.success().stdout_has(&format!("{uid}\n{gid}\n"));
    let made = std::fs::metadata(work.join("made-here")).unwrap();
    assert_eq!((made.uid(), made.gid()), (uid, gid));
}

#[test]
fn docker_run_passes_only_the_env_the_image_names() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image(
        "envy",
        &[
            ("io.tcli.module", "envy"),
            ("io.tcli.env", "WANTED, ALSO_WANTED"),
        ],
    );
    d.env.var("WANTED", "yes please");
    d.env.var("SECRET_TOKEN", "must-not-leak");
    let run = d.run(&["envy", "env"]);
    run.success()
        .stdout_has("WANTED=yes please\n")
        .stdout_has("TCLI_MODULE=envy\n");
    assert!(!run.stdout.contains("must-not-leak"), "{}", run.stdout);
    assert!(!run.stdout.contains("ALSO_WANTED"), "unset vars stay unset");
}

/// `tcli args...` under a real terminal: a tmux server of the test's own (killed on drop).
struct Terminal {
    socket: String,
    code_file: PathBuf,
}

impl Terminal {
    fn start(d: &DockerEnv, args: &[&str]) -> Terminal {
        Self::start_in(d, d.env.root.path(), args)
    }

    /// [`Terminal::start`] with `dir` as the current directory.
    fn start_in(d: &DockerEnv, dir: &Path, args: &[&str]) -> Terminal {
        // tmux starts the command with its own environment: a script sets ours.
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut script = String::new();
        for (k, v) in d.cmd(args).get_envs() {
            let k = k.to_string_lossy();
            match v {
                Some(v) => {
                    script.push_str(&format!("export {k}={}\n", quote(&v.to_string_lossy())))
                }
                None => script.push_str(&format!("unset {k}\n")),
            }
        }
        let code_file = d.env.path("exit-code");
        let words: Vec<String> = args.iter().map(|a| quote(a)).collect();
        script.push_str(&format!(
            "cd {}\n{} {}\necho $? > {tmp}.tmp && mv {tmp}.tmp {tmp}\nsleep 60\n",
            quote(&dir.display().to_string()),
            quote(&crate::support::tcli_bin().display().to_string()),
            words.join(" "),
            tmp = quote(&code_file.display().to_string()),
        ));
        let script_path = d.env.script_in(&d.env.bin(), "under-tmux", &script);
        let t = Terminal {
            socket: d.prefix.clone(),
            code_file,
        };
        let started = t.tmux(
            &["new-session", "-d", "-x", "100", "-y", "30"],
            &[&script_path.display().to_string()],
        );
        assert!(started.status.success(), "{started:?}");
        t
    }

    fn tmux(&self, args: &[&str], rest: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .args(rest)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux (install it: apt-get install tmux)")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p"], &[]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        self.tmux(&["send-keys"], keys);
    }

    /// Waits for tcli to end and returns its exit status.
    fn exit_code(&self) -> String {
        eventually("tcli to exit", || self.code_file.exists());
        std::fs::read_to_string(&self.code_file)
            .unwrap()
            .trim()
            .to_string()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.tmux(&["kill-server"], &[]);
    }
}

#[test]
fn docker_run_under_a_terminal_passes_output_starting_with_low_bytes_intact() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image("low", &[("io.tcli.module", "low")]);
    // A first byte of 0x00-0x02 looks like a stream frame header to a decoder that guesses;
    // "ABCD" after it would then be read as a 1 GB frame length and the line lost or cut.
    // Each printf is its own chunk of the stream (the sleeps), so each starts with its byte.
    let script = "printf '\\000xyzABCDEFGH-zero\\n'; sleep 0.3; \
                  printf '\\001xyzABCDEFGH-one\\n'; sleep 0.3; \
                  printf '\\002xyzABCDEFGH-two\\n'; sleep 0.3; echo last-line";
    let term = Terminal::start(&d, &["low", "sh", "-c", script]);
    assert_eq!(term.exit_code(), "0");
    let screen = term.screen();
    for line in [
        "xyzABCDEFGH-zero",
        "xyzABCDEFGH-one",
        "xyzABCDEFGH-two",
        "last-line",
    ] {
        assert!(screen.contains(line), "{line} missing:\n{screen}");
    }
}

#[test]
fn docker_run_from_root_runs_without_the_mount() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image("where", &[("io.tcli.module", "where")]);
    // Without a terminal: the module runs in the image's WORKDIR and nothing extra is said.
    let mut cmd = d.cmd(&["where", "sh", "-c", "pwd; echo ran"]);
    cmd.current_dir("/");
    let run = Run::from(cmd.output().unwrap());
    run.success();
    assert_eq!(run.stdout, "/\nran\n");
    assert_eq!(run.stderr, "");
    // On a terminal: one note, then the module's output.
    let term = Terminal::start_in(&d, Path::new("/"), &["where", "sh", "-c", "echo ran-here"]);
    assert_eq!(term.exit_code(), "0");
    let screen = term.screen();
    assert!(screen.contains("ran-here"), "{screen}");
    assert!(
        screen.contains("note: the current directory is /, which cannot be mounted"),
        "{screen}"
    );
}

fn containers_of(image_id: &str) -> String {
    let out = docker(&[
        "ps",
        "-a",
        "-q",
        "--filter",
        &format!("ancestor={image_id}"),
    ]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn docker_run_ctrl_c_under_a_terminal_exits_130_and_leaves_no_container() {
    require_engine!();
    let mut d = DockerEnv::new();
    let image_id = d
        .image("sleepy", &[("io.tcli.module", "sleepy")])
        .id
        .clone();
    let term = Terminal::start(&d, &["sleepy", "sh", "-c", "echo started; sleep 60"]);
    eventually("the module to start", || term.screen().contains("started"));
    assert!(
        !containers_of(&image_id).is_empty(),
        "the container should be running"
    );
    term.keys(&["C-c"]);
    assert_eq!(term.exit_code(), "130");
    assert_eq!(containers_of(&image_id), "", "a container was left behind");
}

#[test]
fn docker_run_under_a_terminal_passes_keys_through_and_never_detaches() {
    require_engine!();
    let mut d = DockerEnv::new();
    let image_id = d.image("keys", &[("io.tcli.module", "keys")]).id.clone();
    let term = Terminal::start(&d, &["keys", "sh", "-c", "echo started; cat -v"]);
    eventually("the module to start", || term.screen().contains("started"));
    // Ctrl-P Ctrl-Q is the engine's default detach sequence: here it reaches the container's
    // terminal, which shows ^P and takes ^Q as flow control (XON), as any terminal does; the
    // line shows twice, echoed by the terminal and printed by `cat -v`.
    term.keys(&["abc", "C-p", "C-q", "def", "Enter"]);
    eventually("cat to echo the line", || {
        term.screen().lines().filter(|l| *l == "abc^Pdef").count() == 2
    });
    term.keys(&["C-d"]);
    assert_eq!(term.exit_code(), "0");
    assert_eq!(containers_of(&image_id), "", "a container was left behind");
}

#[test]
fn docker_run_under_a_terminal_follows_the_window_size() {
    require_engine!();
    let mut d = DockerEnv::new();
    d.image("winch", &[("io.tcli.module", "winch")]);
    let term = Terminal::start(
        &d,
        &[
            "winch",
            "sh",
            "-c",
            "echo started; read a; stty size; while read b; do stty size; done",
        ],
    );
    let pane_size = || {
        let out = term.tmux(
            &["display-message", "-p", "#{pane_height} #{pane_width}"],
            &[],
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    eventually("the module to start", || term.screen().contains("started"));
    let before = pane_size();
    term.keys(&["x", "Enter"]);
    eventually("the first size", || {
        term.screen().lines().any(|l| l == before)
    });
    term.tmux(&["resize-window", "-x", "80", "-y", "20"], &[]);
    let after = pane_size();
    assert_ne!(before, after);
    // The resize reaches the engine asynchronously: ask again until the container sees it,
    // so a loaded machine cannot make the test read the size before the resize lands.
    eventually("the new size (SIGWINCH forwarded)", || {
        term.keys(&["y", "Enter"]);
        term.screen().lines().any(|l| l == after)
    });
    term.keys(&["C-d"]);
    assert_eq!(term.exit_code(), "0");
}

#[test]
fn docker_help_without_socket_permission_warns_and_lists_the_rest() {
    require_engine!();
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        eprintln!("SKIPPED: needs root to run tcli as a user outside the docker group");
        return;
    }
    let d = DockerEnv::new();
    d.env.module("local", "echo local module ran");
    let (uid, gid) = (4243, 4243);
    for entry in [
        "",
        "home",
        "config",
        "cache",
        "data",
        "bin",
        "config/tcli.toml",
    ] {
        std::os::unix::fs::chown(d.env.path(entry), Some(uid), Some(gid)).unwrap();
    }
    let (help, took) = timed(as_user(&d, d.cmd(&["--help"]), uid, gid));
    help.success()
        .stdout_has("local")
        .stderr_has("warning: docker modules: Docker engine not reachable: permission denied on ");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn docker_run_sigterm_stops_and_removes_the_container() {
    require_engine!();
    let mut d = DockerEnv::new();
    let image_id = d.image("term", &[("io.tcli.module", "term")]).id.clone();
    let mut child = d
        .cmd(&["term", "sh", "-c", "echo started; sleep 60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 8];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    assert_eq!(&first, b"started\n");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    // sh under tini dies of the forwarded SIGTERM: 128 + 15.
    assert_eq!(status.code(), Some(143));
    let left = docker(&[
        "ps",
        "-a",
        "-q",
        "--filter",
        &format!("ancestor={image_id}"),
    ]);
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "");
}

#[test]
fn docker_help_reports_hostile_labels_without_garbling() {
    require_engine!();
    let mut d = DockerEnv::new();
    let valid = format!("{}-long", d.prefix);
    let base = TestImage::import(&format!("{}/long-base:1", d.prefix), &[BUSYBOX], &[]);
    let half = "x".repeat(50 * 1024);
    // Dockerfile lines stop at 64 KiB: a continuation joins two halves into one 100 KiB value.
    d.images.push(TestImage::build(
        &format!("{}/long:1", d.prefix),
        &base,
        &format!("LABEL io.tcli.module=\"{valid}\" io.tcli.description=\"{half}\\\n{half}\""),
    ));
    d.images.push(base);
    let evil = format!("{}-evil", d.prefix);
    d.image(
        "evil",
        &[
            ("io.tcli.module", &evil),
            (
                "io.tcli.description",
                "line one\x1b[2J\x07\ttabbed\x08\x7fline two",
            ),
        ],
    );
    d.image("badname", &[("io.tcli.module", "Bad Name\x1b[31m")]);

    let help = d.run(&["--help"]);
    help.success();
    assert!(
        !help
            .raw_stdout
            .iter()
            .any(|b| matches!(b, 0x1b | 0x07 | b'\r')),
        "control bytes reached stdout:\n{:?}",
        help.stdout
    );
    assert!(
        help.stdout.lines().all(|l| l.chars().count() < 300),
        "{}",
        help.stdout
    );
    assert!(
        help.stdout.contains("line one [2J tabbed line two"),
        "{}",
        help.stdout
    );
    let long_line = help
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&valid))
        .unwrap_or_else(|| panic!("{valid} not listed:\n{}", help.stdout));
    assert!(long_line.contains("xxxx…"), "{long_line}");
    help.stdout_lacks("Bad Name");
    help.stderr_has("invalid name not listed");

    let list = d.run(&["modules", "list"]);
    list.success()
        .stdout_has("io.tcli.description is over 65536 bytes long; shown cut to")
        .stdout_has("io.tcli.description contains control characters")
        .stdout_has("invalid module name \"Bad Name [31m\" (from io.tcli.module)");
    assert!(!list.raw_stdout.contains(&0x1b), "{:?}", list.stdout);
}

#[test]
fn docker_run_image_removed_since_indexing_is_126() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-gone", d.prefix);
    d.image("gone", &[("io.tcli.module", &name)]);
    d.run(&["--help"]).success().stdout_has(&name);
    let img = d.images.pop().unwrap();
    let id = img.id.clone();
    drop(img);
    d.run(&[&name, "true"])
        .code(126)
        .stderr_has(&format!("image {id}"))
        .stderr_has("is no longer in the Docker engine")
        .stderr_has("hint: rebuild or pull the image yourself (tcli never pulls)");
}

#[test]
fn docker_modules_which_shows_image_tags_and_untrusted() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-which", d.prefix);
    let img = d.image("which", &[("io.tcli.module", &name)]);
    let (tag, short) = (img.tag.clone(), img.short_id().to_string());
    let described = format!("{}-described", d.prefix);
    d.image(
        "described",
        &[
            ("io.tcli.module", &described),
            ("io.tcli.description", "A described module"),
        ],
    );
    let which = d.run(&["modules", "which", &name]);
    which
        .success()
        .stdout_has(&format!("{name}: docker {short} {tag}"));
    let json = d.run(&["modules", "which", &name, "--json"]).json();
    assert_eq!(json["extra"]["tags"][0], tag.as_str());
    assert_eq!(
        json["extra"]["trusted_by"],
        format!("{}/", d.prefix).as_str()
    );

    // Another team's prefix only: the same image is listed, untrusted, and refused.
    std::fs::write(
        d.env.config_dir().join("tcli.toml"),
        "[docker]\nallowed-prefixes = [\"registry.example.com/team/\"]\n",
    )
    .unwrap();
    d.run(&["modules", "which", &name])
        .success()
        .stdout_has("problem: untrusted: its tags (")
        .stdout_has("under none of the allowed prefixes (registry.example.com/team/)");
    d.run(&[&name, "true"])
        .code(126)
        .stderr_has("cannot run: untrusted");
    d.run(&["--help"])
        .success()
        .stdout_has("A described module (cannot run: see 'tcli modules which') [docker]");
}

#[test]
fn docker_modules_check_runs_each_image_help() {
    require_engine!();
    let mut d = DockerEnv::new();
    let good = format!("{}-good", d.prefix);
    let bad = format!("{}-bad", d.prefix);
    d.image("good", &[("io.tcli.module", &good)]);
    d.image_with_entrypoint("bad", &[BUSYBOX, "false"], &[("io.tcli.module", &bad)]);
    let run = d.run(&["modules", "check", &good, &bad]);
    run.code(1)
        .stdout_has(&format!("ok    {good}\n"))
        .stdout_has(&format!("FAIL  {bad}: '--help' exited with status 1"));
}

#[test]
fn docker_run_missing_entrypoint_exits_127_like_docker_run() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-noexec", d.prefix);
    let id = d
        .image_with_entrypoint("noexec", &["/no/such/tool"], &[("io.tcli.module", &name)])
        .id
        .clone();
    // The container starts (its init does) and reports the missing tool the shell way.
    d.run(&[&name])
        .code(127)
        .stderr_has("exec /no/such/tool failed: No such file or directory");
    let theirs = docker(&["run", "--rm", "--init", &id]);
    assert_eq!(theirs.status.code(), Some(127));
}

/// A unix socket of the test's own in front of the real engine: the same address with the
/// engine up, then stopped (no socket) or hung (connections accepted, never answered).
struct EngineProxy {
    path: PathBuf,
    mode: std::sync::Arc<AtomicUsize>,
}

const FORWARD: usize = 0;
const HANG: usize = 1;
const STOPPED: usize = 2;

impl EngineProxy {
    fn start(path: PathBuf) -> EngineProxy {
        let engine = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
            .unwrap_or_else(|| "/var/run/docker.sock".into());
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let mode = std::sync::Arc::new(AtomicUsize::new(FORWARD));
        let seen = mode.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                match seen.load(Ordering::SeqCst) {
                    STOPPED => return,
                    HANG => {
                        held.push(client);
                        continue;
                    }
                    _ => {}
                }
                let Ok(upstream) = std::os::unix::net::UnixStream::connect(&engine) else {
                    continue;
                };
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let (mut c1, mut u1) = (client, upstream);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut u1);
                    let _ = u1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut u2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        EngineProxy { path, mode }
    }

    /// The engine "stops": the socket file goes away and nothing listens any more.
    fn stop(&self) {
        self.mode.store(STOPPED, Ordering::SeqCst);
        let _ = std::os::unix::net::UnixStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
    }

    /// The engine hangs: it still accepts connections but never answers.
    fn hang(&self) {
        self.mode.store(HANG, Ordering::SeqCst);
    }
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn docker_engine_stopped_lists_cached_modules_as_unavailable_and_costs_nothing() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-cached", d.prefix);
    d.image(
        "cached",
        &[
            ("io.tcli.module", &name),
            ("io.tcli.description", "Cached one"),
        ],
    );
    d.env.module("local", "echo local module ran");
    let sock = d.env.path("engine.sock");
    let proxy = EngineProxy::start(sock.clone());
    d.env
        .var("DOCKER_HOST", format!("unix://{}", sock.display()));

    d.run(&["--help"]).success().stdout_has(&name);
    proxy.stop();
    // An unknown name makes tcli ask the engine once more, which finds it gone.
    d.run(&["no-such-module"]).code(2);
    let (help, took) = timed(d.cmd(&["--help"]));
    help.success()
        .stdout_has("Cached one")
        .stderr_has("docker modules: Docker engine not reachable: no Docker socket at");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    d.run(&["modules", "which", &name])
        .success()
        .stdout_has("problem: unavailable: Docker engine not reachable");
    let (run, took) = timed(d.cmd(&[&name]));
    run.code(125)
        .stderr_has(&format!(
            "error: cannot run docker module '{name}': no Docker socket at"
        ))
        .stderr_has("hint: start the Docker engine");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let (local, took) = timed(d.cmd(&["local"]));
    local.success().stdout_has("local module ran");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn docker_hanging_socket_never_hangs() {
    // Needs no engine: the socket is the test's own.
    let mut d = DockerEnv::new();
    d.env.module("local", "echo local module ran");
    let sock = d.env.path("hang.sock");
    // Accepts into the kernel backlog, never answers.
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    d.env
        .var("DOCKER_HOST", format!("unix://{}", sock.display()));

    // Dispatching an exec module never asks the engine.
    let (local, took) = timed(d.cmd(&["local"]));
    local.success().stdout_has("local module ran");
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // The first listing waits for the connect timeout once...
    let (help, took) = timed(d.cmd(&["--help"]));
    help.success()
        .stdout_has("local")
        .stderr_has("Docker engine not reachable: no answer from the Docker engine at unix://");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    // ...then the back-off keeps every later command from waiting again.
    for args in [&["--help"][..], &["no-such-module"][..], &["local"][..]] {
        let (_, took) = timed(d.cmd(args));
        assert!(took < Duration::from_secs(1), "{args:?} took {took:?}");
    }
}

#[test]
fn docker_run_against_a_hung_engine_gives_up_with_125() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-hung", d.prefix);
    d.image("hung", &[("io.tcli.module", &name)]);
    let sock = d.env.path("engine.sock");
    let proxy = EngineProxy::start(sock.clone());
    d.env
        .var("DOCKER_HOST", format!("unix://{}", sock.display()));
    d.run(&["--help"]).success().stdout_has(&name);
    proxy.hang();
    // Running must ask the engine; it gives up after the connect timeout.
    let (run, took) = timed(d.cmd(&[&name, "true"]));
    run.code(125)
        .stderr_has(&format!(
            "error: cannot run docker module '{name}': no answer from the Docker engine at unix://"
        ))
        .stderr_has("hint: the engine accepted the connection but did not answer");
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn docker_no_engine_at_all_is_silent() {
    // Needs no engine: the address is empty on purpose.
    let mut d = DockerEnv::new();
    d.env.module("local", "echo local module ran");
    d.env.var(
        "DOCKER_HOST",
        format!("unix://{}", d.env.path("nothing-here.sock").display()),
    );
    let help = d.run(&["--help"]);
    help.success().stdout_has("local");
    assert!(!help.stderr.contains("Docker"), "{}", help.stderr);
}

#[test]
fn docker_modules_check_runs_help_for_each_declared_verb() {
    require_engine!();
    let mut d = DockerEnv::new();
    let name = format!("{}-verbs", d.prefix);
    // `db migrate --help` fails; every other word list answers with usage.
    let script =
        "case \"$1 $2\" in 'db migrate') echo broken >&2; exit 3 ;; esac; echo \"Usage: $*\"";
    d.image_with_entrypoint(
        "verbs",
        &[BUSYBOX, "sh", "-c", script, "module"],
        &[
            ("io.tcli.module", &name),
            ("io.tcli.verbs", "status, db migrate"),
        ],
    );
    d.run(&["modules", "which", &name])
        .success()
        .stdout_has("    verbs: status, db, db migrate\n");
    d.run(&["modules", "check", &name])
        .code(1)
        .stdout_has(&format!(
            "FAIL  {name}: verb 'db migrate': '--help' exited with status 3: broken\n"
        ))
        .stdout_lacks("verb 'status'");
    let complete = d.run(&["__complete", "bash", "--", &name, ""]);
    complete.success();
    assert_eq!(complete.stdout, "status\ndb\n");
}
