//! How team repos are reached (docs/team-repos.md, "Transport"): through the user's own `git`,
//! so an ssh Host alias with a key file and no agent, `GIT_SSH_COMMAND`, `core.sshCommand` and
//! an `http.extraHeader` from `GIT_CONFIG_COUNT` all work as they do for `git ls-remote`. Real
//! parts: an `sshd` started by the test on 127.0.0.1 as the current user, keys from
//! `ssh-keygen`, `git http-backend` behind a loopback server of the test's. Without
//! `/usr/sbin/sshd` the ssh tests print "SKIPPED" and pass, unless CI=true, where they fail.

use crate::pinned::unsafe_free_kill;
use crate::support::TestEnv;
use crate::team::Team;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

/// An sshd on 127.0.0.1 and a free port, run as the current user with its own host key and
/// authorized key in `<root>/ssh`, and a client config naming it `teamgit`.
struct Sshd {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs")
        .success();
    assert!(ok, "ssh-keygen {}", path.display());
}

impl Sshd {
    /// Starts one; `None` (after saying SKIPPED) where there is no sshd outside CI.
    fn start(env: &TestEnv) -> Option<Sshd> {
        if !Path::new(SSHD).exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {SSHD} is missing (apt-get install openssh-server)"
            );
            eprintln!("SKIPPED: no {SSHD} (apt-get install openssh-server)");
            return None;
        }
        // sshd run by root insists on its privilege separation dir, which the package makes
        // only when its service starts.
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = env.path("ssh");
        std::fs::create_dir_all(&dir).unwrap();
        keygen(&dir.join("host_key"));
        keygen(&dir.join("client_key"));
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        for _ in 0..5 {
            if let Some(s) = Sshd::listen(&dir) {
                s.write_client_config(&s.host_key());
                return Some(s);
            }
        }
        panic!("sshd did not start; see {}", dir.join("sshd.log").display());
    }

    fn listen(dir: &Path) -> Option<Sshd> {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nPidFile none\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("sshd.log")).unwrap();
        let mut child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Sshd {
                    child,
                    port,
                    dir: dir.to_path_buf(),
                });
            }
            if child.try_wait().unwrap().is_some() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    fn host_key(&self) -> String {
        std::fs::read_to_string(self.dir.join("host_key.pub"))
            .unwrap()
            .trim()
            .to_string()
    }

    /// `teamgit` as the client knows it: the key file, no agent, and `host_key` as the one
    /// host key it accepts for the server.
    fn write_client_config(&self, host_key: &str) {
        let d = self.dir.display();
        std::fs::write(
            self.dir.join("known_hosts"),
            format!("[127.0.0.1]:{} {host_key}\n", self.port),
        )
        .unwrap();
        std::fs::write(
            self.client_config(),
            format!(
                "Host teamgit\n  HostName 127.0.0.1\n  Port {}\n  IdentityFile {d}/client_key\n  \
                 IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile {d}/known_hosts\n  \
                 GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
                self.port
            ),
        )
        .unwrap();
    }

    fn client_config(&self) -> PathBuf {
        self.dir.join("config")
    }

    /// `ssh -F <config>`, for GIT_SSH_COMMAND or core.sshCommand.
    fn ssh_command(&self) -> String {
        format!("ssh -F {}", self.client_config().display())
    }
}

/// `teamgit:<the team's bare repo>`: the alias, and the repo by absolute path.
fn alias_url(team: &Team) -> String {
    format!("teamgit:{}", team.url())
}

/// The team's commits as `$C0` (the first), `$C1`, ...: their ids differ from run to run.
fn commits(env: &TestEnv, team: &Team) -> Vec<(String, String)> {
    let log = env
        .git()
        .run(&team.bare, &["log", "--reverse", "--format=%H", "main"]);
    log.lines()
        .enumerate()
        .map(|(i, c)| (c[..7].to_string(), format!("$C{i}")))
        .collect()
}

/// `run` with the team's commits named.
fn named(env: &TestEnv, team: &Team, run: &crate::support::Run) -> crate::support::Run {
    let names = commits(env, team);
    let refs: Vec<(&str, &str)> = names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    run.naming(&refs)
}

fn head_of(env: &TestEnv, team: &str) -> String {
    env.git().run(
        &env.data_dir().join("teams").join(team),
        &["rev-parse", "HEAD"],
    )
}

#[test]
fn transport_team_add_and_update_over_an_ssh_alias_from_git_ssh_command() {
    let mut env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let team = Team::new(&env, "acme");
    env.var("GIT_SSH_COMMAND", sshd.ssh_command());
    let r = env.run(["team", "add", &alias_url(&team)]);
    insta::assert_snapshot!(named(&env, &team, &r), @r"
    added team 'acme' from teamgit:$ROOT/remotes/acme.git (main at $C0)
      modules: hello
    ");
    team.module("deploy", "echo deploying");
    team.push(&env, "add deploy");
    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(named(&env, &team, &r), @r"
        acme: updated $C0..$C1 (main)
          1 commit:
            $C1  Teammate  add deploy
          added    deploy
        ");
    assert_eq!(head_of(&env, "acme"), team.head(&env));
    env.run(["deploy"]).success().stdout_has("deploying");
}

#[test]
fn transport_team_add_and_update_over_an_ssh_alias_from_core_ssh_command() {
    let mut env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let team = Team::new(&env, "acme");
    let config = env.path("user-gitconfig");
    std::fs::write(
        &config,
        format!("[core]\n\tsshCommand = {}\n", sshd.ssh_command()),
    )
    .unwrap();
    env.var("GIT_CONFIG_GLOBAL", config.display().to_string());
    env.run(["team", "add", &alias_url(&team)])
        .success()
        .stdout_has("added team 'acme'");
    team.module("deploy", "echo deploying");
    team.push(&env, "add deploy");
    env.run(["team", "update"]).success().stdout_has("deploy");
    assert_eq!(head_of(&env, "acme"), team.head(&env));
}

#[test]
fn transport_team_add_changed_host_key_is_refused_and_nothing_added() {
    let mut env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let team = Team::new(&env, "acme");
    // The client knows another key for the server: a server that is not the one it was.
    let other = env.path("ssh/other_key");
    keygen(&other);
    let known = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    sshd.write_client_config(known.trim());
    env.var("GIT_SSH_COMMAND", sshd.ssh_command());
    insta::assert_snapshot!(env.run(["team", "add", &alias_url(&team)]), @r"
    ------- stderr -------
    error: cannot clone team 'acme' from teamgit:$ROOT/remotes/acme.git: Host key verification failed; nothing was added
    hint: check the URL and that git reaches it with your ssh config and credentials: git ls-remote -- teamgit:$ROOT/remotes/acme.git
    [exit status: 1]
    ");
    assert!(!env.data_dir().join("teams/acme").exists());
    let left: Vec<_> = std::fs::read_dir(env.data_dir().join("teams"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    env.run(["team", "list"]).success().stdout_lacks("acme");
}

#[test]
fn transport_project_clone_over_an_ssh_alias_with_a_key_file() {
    let mut env = TestEnv::with_bundled("project");
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let team = Team::new(&env, "api");
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        format!("[projects.api]\nurl = \"{}\"\n", alias_url(&team)),
    )
    .unwrap();
    env.var("GIT_SSH_COMMAND", sshd.ssh_command());
    insta::assert_snapshot!(env.run(["project", "clone", "api"]), @r"
    ------- stderr -------
    cloning teamgit:$ROOT/remotes/api.git into $ROOT/data/projects/api
    cloned project 'api' into $ROOT/data/projects/api
    ");
    let clone = env.data_dir().join("projects/api");
    assert!(clone.join("bin/tcli-hello").is_file());
    assert_eq!(
        env.git().run(&clone, &["rev-parse", "HEAD"]),
        team.head(&env)
    );
}

/// An ssh agent holding the client key (`ssh-agent -D` on a socket in `<root>/ssh`), stopped
/// on drop.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Agent {
    fn start(sshd: &Sshd) -> Agent {
        let socket = sshd.dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let added = Command::new("ssh-add")
            .arg("-q")
            .arg(sshd.dir.join("client_key"))
            .env("SSH_AUTH_SOCK", &socket)
            .status()
            .expect("ssh-add runs")
            .success();
        assert!(added, "ssh-add");
        Agent { child, socket }
    }
}

#[test]
fn transport_team_add_over_an_ssh_alias_with_the_key_only_in_the_agent() {
    let mut env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let agent = Agent::start(&sshd);
    let team = Team::new(&env, "acme");
    // The alias without a key file: the key is only in the agent.
    let config = sshd.dir.join("config-agent");
    let text = std::fs::read_to_string(sshd.client_config()).unwrap();
    let text: String = text
        .lines()
        .filter(|l| {
            !l.contains("IdentityFile")
                && !l.contains("IdentitiesOnly")
                && !l.contains("IdentityAgent")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, text).unwrap();
    std::fs::rename(sshd.dir.join("client_key"), sshd.dir.join("moved_key")).unwrap();
    env.var("SSH_AUTH_SOCK", agent.socket.display().to_string())
        .var("GIT_SSH_COMMAND", format!("ssh -F {}", config.display()));
    env.run(["team", "add", &alias_url(&team)])
        .success()
        .stdout_has("added team 'acme'");
    assert_eq!(head_of(&env, "acme"), team.head(&env));
}

/// A filter, a hook and an `ext::` URL allowed by the user's own git config: tcli's git runs
/// none of them (docs/team-repos.md, "Transport").
#[test]
fn transport_team_add_runs_no_hook_filter_or_ext_url_the_git_config_allows() {
    let mut env = TestEnv::new();
    let team = Team::new(&env, "acme");
    team.write(".gitattributes", "* filter=mark\n");
    team.push(&env, "attributes");
    let hooks = env.path("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let mark = env.path("marks");
    std::fs::create_dir_all(&mark).unwrap();
    for hook in ["post-checkout", "reference-transaction", "post-merge"] {
        env.script_in(&hooks, hook, &format!("touch {}/{hook}", mark.display()));
    }
    let config = env.path("user-gitconfig");
    std::fs::write(
        &config,
        format!(
            "[core]\n\thooksPath = {}\n[filter \"mark\"]\n\tsmudge = touch {m}/smudge; cat\n\
             [protocol \"ext\"]\n\tallow = always\n",
            hooks.display(),
            m = mark.display()
        ),
    )
    .unwrap();
    env.var("GIT_CONFIG_GLOBAL", config.display().to_string());
    env.run(["team", "add", team.url()]).success();
    team.module("deploy", "echo deploying");
    team.push(&env, "add deploy");
    env.run(["team", "update"]).success();
    let url = format!("ext::sh -c touch% {}/ext", mark.display());
    let r = env.run(["team", "add", &url, "--name", "evil"]);
    r.code(1).stderr_has("cannot clone team 'evil'");
    let marks: Vec<_> = std::fs::read_dir(&mark)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(marks.is_empty(), "ran: {marks:?}\n{}", r.stderr);
}

#[test]
fn transport_team_add_without_git_on_path_falls_back_to_libgit2_and_says_so_once() {
    let mut env = TestEnv::new();
    let team = Team::new(&env, "acme");
    let other = Team::new(&env, "beta");
    env.run(["team", "add", other.url()]).success();
    env.var("PATH", env.bin().display().to_string());
    let r = env.run(["team", "add", team.url()]);
    insta::assert_snapshot!(named(&env, &team, &r), @r#"
        added team 'acme' from $ROOT/remotes/acme.git (main at $C0)
          modules: hello
        ------- stderr -------
        warning: no git on PATH: tcli fetches with its built-in libgit2 transport, which reads neither ~/.ssh/config nor core.sshCommand (install git to use them)
        warning: module 'hello' is offered by teams 'beta' and 'acme'; 'tcli hello' runs the one of team 'beta', listed first (docs/team-repos.md, "Module names")
        "#);
    team.module("deploy", "echo deploying");
    team.push(&env, "add deploy");
    // Two teams fetched, one note.
    let r = env.run(["team", "update"]);
    r.success()
        .stdout_has("beta: already up to date")
        .stdout_has("acme: updated")
        .stdout_has("added    deploy");
    // (Both teams offer `hello`: the clash is reported too, once.)
    assert_eq!(
        r.stderr.matches("warning: no git on PATH").count(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
}

/// A loopback HTTP server running `git http-backend` for the repos under `root`, answering
/// 401 to any request without `Authorization: <token>`.
struct GitHttp {
    port: u16,
}

impl GitHttp {
    fn start(root: PathBuf, token: &'static str) -> GitHttp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let root = root.clone();
                std::thread::spawn(move || serve_git(conn, &root, token));
            }
        });
        GitHttp { port }
    }
}

/// One request through `git http-backend` (CGI), answered with `Connection: close`.
fn serve_git(conn: TcpStream, root: &Path, token: &str) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut conn = conn;
    if header("authorization").as_deref() != Some(token) {
        let _ = conn.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"team\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let mut body = vec![
        0;
        header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0)
    ];
    let _ = reader.read_exact(&mut body);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    for (h, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(v) = header(h) {
            cgi.env(var, v);
        }
    }
    let mut child = cgi.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || stdin.write_all(&body));
    let out = child.wait_with_output().unwrap().stdout;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or((out.len(), 0), |i| (i, 4));
    let head = String::from_utf8_lossy(&out[..split.0]).to_string();
    let mut status = "200 OK".to_string();
    let mut reply = String::new();
    for h in head.lines() {
        match h.strip_prefix("Status: ") {
            Some(s) => status = s.to_string(),
            None => reply.push_str(&format!("{h}\r\n")),
        }
    }
    let _ =
        conn.write_all(format!("HTTP/1.1 {status}\r\n{reply}Connection: close\r\n\r\n").as_bytes());
    let _ = conn.write_all(&out[(split.0 + split.1).min(out.len())..]);
}

#[test]
fn transport_team_add_and_update_over_http_with_an_extra_header_from_git_config_count() {
    let mut env = TestEnv::new();
    let team = Team::new(&env, "acme");
    let server = GitHttp::start(env.path("remotes"), "Bearer s3cret");
    let url = format!("http://127.0.0.1:{}/acme.git", server.port);
    // Without the header: refused at once (no prompt off a terminal), nothing added.
    insta::assert_snapshot!(env.run(["team", "add", &url]), @r"
    ------- stderr -------
    error: cannot clone team 'acme' from http://127.0.0.1:$PORT/acme.git: could not read Username for 'http://127.0.0.1:$PORT': terminal prompts disabled; nothing was added
    hint: check the URL and that git reaches it with your ssh config and credentials: git ls-remote -- http://127.0.0.1:$PORT/acme.git
    [exit status: 1]
    ");
    assert!(!env.data_dir().join("teams/acme").exists());
    // As CI systems hand a token over: GIT_CONFIG_COUNT, never written to a file.
    env.var("GIT_CONFIG_COUNT", "1")
        .var("GIT_CONFIG_KEY_0", "http.extraHeader")
        .var("GIT_CONFIG_VALUE_0", "Authorization: Bearer s3cret");
    env.run(["team", "add", &url])
        .success()
        .stdout_has("added team 'acme'");
    team.module("deploy", "echo deploying");
    team.push(&env, "add deploy");
    env.run(["team", "update"]).success().stdout_has("deploy");
    assert_eq!(head_of(&env, "acme"), team.head(&env));
}

/// `GIT_SSH_COMMAND` that records its pid in `<root>/ssh-pid`, then waits (a slow server)
/// before it connects through the alias.
fn slow_ssh(env: &mut TestEnv, sshd: &Sshd) -> PathBuf {
    let pid = env.path("ssh-pid");
    let script = env.script_in(
        &env.path("ssh"),
        "slow-ssh",
        &format!(
            "echo $$ > {}\nsleep 30\nexec {} \"$@\"",
            pid.display(),
            sshd.ssh_command()
        ),
    );
    env.var("GIT_SSH_COMMAND", script.display().to_string());
    pid
}

/// Runs `tcli args` in its own process group, sends it SIGINT (as Ctrl-C does to the
/// terminal's foreground group) once the slow ssh started, and asserts exit 130 and that the
/// slow ssh was killed with git's group.
fn interrupt(env: &TestEnv, args: &[&str], pid: &Path) -> String {
    use std::os::unix::process::CommandExt;
    let mut cmd = env.cmd(args);
    cmd.process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pid.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(pid.exists(), "the fetch never reached ssh");
    std::thread::sleep(Duration::from_millis(100));
    unsafe_free_kill(child.id() as i32);
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "{stderr}");
    let ssh = std::fs::read_to_string(pid).unwrap();
    // Gone, or a zombie waiting for an init that does not reap (a container's).
    let stat = format!("/proc/{}/stat", ssh.trim());
    let running = || {
        std::fs::read_to_string(&stat).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| !r.trim_start().starts_with('Z'))
        })
    };
    let until = Instant::now() + Duration::from_secs(3);
    while running() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!running(), "the ssh of git's group is still running");
    stderr
}

#[test]
fn transport_team_add_ctrl_c_during_the_clone_leaves_nothing_behind() {
    let mut env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let team = Team::new(&env, "acme");
    let pid = slow_ssh(&mut env, &sshd);
    let url = alias_url(&team);
    let stderr = interrupt(&env, &["team", "add", &url], &pid);
    assert!(
        stderr.contains("interrupted while fetching team 'acme' from teamgit:"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(env.data_dir().join("teams"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    env.run(["team", "list"]).success().stdout_lacks("acme");
}

#[test]
fn transport_team_update_ctrl_c_during_the_fetch_changes_nothing() {
    let mut env = TestEnv::new();
    let Some(sshd) = Sshd::start(&env) else {
        return;
    };
    let team = Team::new(&env, "acme");
    env.var("GIT_SSH_COMMAND", sshd.ssh_command());
    env.run(["team", "add", &alias_url(&team)]).success();
    let before = head_of(&env, "acme");
    let upstream = |env: &TestEnv| {
        env.git().run(
            &env.data_dir().join("teams/acme"),
            &["rev-parse", "origin/main"],
        )
    };
    team.module("deploy", "echo deploying");
    team.push(&env, "add deploy");
    let pid = slow_ssh(&mut env, &sshd);
    let stderr = interrupt(&env, &["team", "update"], &pid);
    assert!(
        stderr.contains("interrupted while fetching team 'acme'"),
        "{stderr}"
    );
    assert_eq!(head_of(&env, "acme"), before);
    assert_eq!(upstream(&env), before, "the upstream ref did not move");
    let status = env.git().run(
        &env.data_dir().join("teams/acme"),
        &["status", "--porcelain", "--ignored"],
    );
    assert_eq!(status, "", "files left in the checkout");
}

#[test]
fn transport_doctor_names_the_git_it_fetches_with_and_warns_without_one() {
    let mut env = TestEnv::with_bundled("doctor");
    let team = Team::new(&env, "acme");
    env.run(["team", "add", team.url()]).success();
    // The git tcli finds: the first on the test's PATH.
    let version = env.command("git").arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout)
        .trim()
        .replace("git version ", "git ");
    let r = env.run(["doctor", "tcli.transport"]);
    r.success();
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("tcli.transport"))
        .unwrap_or_default()
        .to_string();
    assert!(row.starts_with("ok"), "{}", r.stdout);
    assert!(row.contains(&format!("{version} (/")), "{row}");
    env.var("PATH", env.bin().display().to_string());
    let r = env.run(["doctor", "tcli.transport"]);
    r.success();
    assert!(
        r.stdout.lines().any(|l| l.starts_with("warn")
            && l.contains("tcli.transport")
            && l.contains("no git on PATH")),
        "{}",
        r.stdout
    );
}
