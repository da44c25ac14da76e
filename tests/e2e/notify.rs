//! `tcli notify ...` end to end: the bundled notify module built by cargo from the workspace,
//! loaded by the real tcli, posting through the real HTTP helper to a real HTTP server on
//! loopback that records each request (crate::http::Server), from inside a real git repo.

use crate::http::{Reply, Server};
use crate::support::{Git, Run, TestEnv};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

const PEOPLE: &str = r#"
[people.ana]
name = "Ana Lima"
email = "ana@example.com"
chat = "@ana"

[people.ci]
name = "Build bot"
email = ["ci@build.example.com"]
chat = "@ci-bot"
"#;

/// The test's world: the module installed, a roster and `channels` as the user's tcli.toml,
/// git's user.email set to the CI bot's, and a repo (`<root>/api`) with one commit by ana.
struct World {
    env: TestEnv,
    repo: PathBuf,
}

/// Ana as git knows her: the author's email in capitals, which notify must match to her
/// person regardless of case.
fn ana(env: &TestEnv) -> Git {
    env.git()
        .with_identity(("Ana", "ANA@example.com"), ("Ana", "ana@example.com"))
}

fn world(channels: &str) -> World {
    let env = TestEnv::with_bundled("notify");
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        format!("{PEOPLE}{channels}"),
    )
    .unwrap();
    std::fs::write(
        env.path("home/.gitconfig"),
        "[user]\n\temail = ci@build.example.com\n",
    )
    .unwrap();
    let repo = env.path("api");
    std::fs::create_dir_all(&repo).unwrap();
    let git = ana(&env);
    git.run(&repo, &["init", "-q", "-b", "main"]);
    // A CI checkout's remote often carries a token; it must never reach the channel.
    git.run(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://ci-token:s3cret@git.example.com/acme/api.git",
        ],
    );
    std::fs::write(repo.join("README"), "hi\n").unwrap();
    git.run(&repo, &["add", "README"]);
    git.run(&repo, &["commit", "-q", "-m", "first"]);
    World { env, repo }
}

impl World {
    /// `tcli notify args...` run inside the repo, with `stdin` as its input.
    fn notify(&self, args: &[&str], stdin: &str) -> Run {
        let mut c = self
            .env
            .cmd(std::iter::once("notify").chain(args.iter().copied()));
        c.current_dir(&self.repo)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run tcli");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        Run::from(child.wait_with_output().unwrap())
    }

    fn head(&self) -> String {
        ana(&self.env).run(&self.repo, &["rev-parse", "HEAD"])
    }
}

fn channel(name: &str, url: &str, format: &str) -> String {
    format!("[notify.{name}]\nurl = \"{url}\"\nformat = \"{format}\"\n")
}

fn body(server: &Server, i: usize) -> Value {
    let seen = &server.requests()[i];
    assert_eq!(seen.method, "POST");
    assert!(
        seen.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json"),
        "{:?}",
        seen.headers
    );
    serde_json::from_slice(&seen.body).expect("a JSON body")
}

#[test]
fn notify_json_body_names_the_sender_and_the_commit() {
    let server = Server::start(vec![Reply::Status(200, b"ok".to_vec())]);
    let w = world(&channel("build", &server.url("/hook"), "json"));
    w.notify(
        &[
            "build",
            "--status",
            "failure",
            "--title",
            "Build #7",
            "tests failed",
        ],
        "",
    )
    .success()
    .stderr_has("notified channel 'build' (HTTP 200)");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/hook");
    let head = w.head();
    let b = body(&server, 0);
    assert_eq!(
        b,
        serde_json::json!({
            "channel": "build",
            "status": "failure",
            "title": "Build #7",
            "message": "tests failed",
            "sender": {"id": "ci", "name": "Build bot", "chat": "@ci-bot", "email": "ci@build.example.com"},
            "repo": {
                "remote": "https://git.example.com/acme/api.git",
                "branch": "main",
                "commit": head,
                "short": &head[..7],
            },
            "author": null,
            "tcli": b["tcli"],
        })
    );
    assert!(b["tcli"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(!String::from_utf8_lossy(&reqs[0].body).contains("s3cret"));
}

#[test]
fn notify_slack_body_from_stdin_mentions_the_author() {
    let server = Server::start(vec![Reply::Status(200, Vec::new())]);
    let w = world(&channel("chat", &server.url("/slack"), "slack"));
    w.notify(
        &["chat", "--status", "success", "--mention-author", "-"],
        "deployed <api> & docs\n",
    )
    .success();
    let b = body(&server, 0);
    let short = &w.head()[..7];
    assert_eq!(
        b,
        serde_json::json!({"text": format!(
            ":white_check_mark: *success*\ndeployed &lt;api&gt; &amp; docs\nsent by @ci-bot · https://git.example.com/acme/api.git main at `{short}` · cc @ana"
        )})
    );

    // Outside a repo, and for an email not in the roster: no repo, the sender by email.
    std::fs::write(
        w.env.path("home/.gitconfig"),
        "[user]\n\temail = zed@example.com\n",
    )
    .unwrap();
    let r = w.env.run(["notify", "chat", "hello"]);
    r.success();
    assert_eq!(
        body(&server, 1),
        serde_json::json!({"text": ":information_source: *info*\nhello\nsent by zed@example.com"})
    );
}

#[test]
fn notify_retries_a_500_then_succeeds() {
    let server = Server::start(vec![
        Reply::Status(500, b"busy".to_vec()),
        Reply::Status(200, b"ok".to_vec()),
    ]);
    let w = world(&channel("build", &server.url("/hook"), "json"));
    w.notify(&["build", "done"], "")
        .success()
        .stderr_has("notified channel 'build' (HTTP 200, after 2 tries)");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(body(&server, 0), body(&server, 1));
}

#[test]
fn notify_404_fails_at_once_naming_the_status() {
    let server = Server::start(vec![Reply::Status(404, b"no_such_hook\nmore".to_vec())]);
    let w = world(&channel("build", &server.url("/gone"), "slack"));
    let r = w.notify(&["build", "--status", "failure", "broken"], "");
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: channel 'build' answered HTTP 404: no_such_hook
        hint: check the URL of [notify.build] in $ROOT/config/tcli.toml (a revoked webhook answers 404 or 410)
        [exit status: 1]
        ");
    assert_eq!(server.requests().len(), 1, "a 4xx is never retried");
}

#[test]
fn notify_a_server_that_never_answers_fails_within_the_timeout() {
    let server = Server::start(vec![Reply::Hang]);
    let w = world(&channel("build", &server.url("/hook"), "json"));
    crate::support::helpers_dir(); // built before the clock starts
    let started = Instant::now();
    let r = w.notify(&["build", "--timeout", "1", "hello"], "");
    let took = started.elapsed();
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: cannot notify channel 'build': http://127.0.0.1:$PORT/hook: timeout: global
        hint: the receiver did not answer within 1 s; try again, or raise --timeout
        [exit status: 1]
        ");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(server.requests().len(), 1, "a timeout is not retried");
}

#[test]
fn notify_unknown_channel_and_empty_message_exit_2() {
    let server = Server::start(vec![Reply::Status(200, Vec::new())]);
    let w = world(&format!(
        "{}{}",
        channel("build", &server.url("/a"), "json"),
        channel("alerts", &server.url("/b"), "slack")
    ));
    insta::assert_snapshot!(w.notify(&["deploys", "hi"], ""), @r"
        ------- stderr -------
        error: no channel named 'deploys'
        hint: the channels are: alerts, build
        [exit status: 2]
        ");
    insta::assert_snapshot!(w.notify(&["build", "-"], "\n"), @r#"
        ------- stderr -------
        error: the message is empty
        hint: say what happened: tcli notify build --status failure "tests failed"
        [exit status: 2]
        "#);
    w.notify(&["build", "--status", "bad", "x"], "").code(2);
    assert!(server.requests().is_empty());
}

#[test]
fn notify_plain_http_to_another_host_is_refused_before_any_connection() {
    // 0.0.0.0 reaches this machine's listeners on Linux, yet is not loopback by the URL rule:
    // a request that slipped past the rule would be seen by the server.
    let server = Server::start(vec![Reply::Status(200, Vec::new())]);
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let probe_port = probe.local_addr().unwrap().port();
    assert!(
        std::net::TcpStream::connect(("0.0.0.0", probe_port)).is_ok(),
        "0.0.0.0 should reach a loopback listener here"
    );
    let url = format!("http://0.0.0.0:{}/hook", server.port);
    let w = world(&channel("build", &url, "json"));
    crate::support::helpers_dir();
    let started = Instant::now();
    insta::assert_snapshot!(w.notify(&["build", "hi"], ""), @r"
        ------- stderr -------
        error: channel 'build' in your settings ($ROOT/config/tcli.toml): 'http://0.0.0.0:$PORT/hook' uses plain http to a host that is not loopback (use https://, or http only to localhost, 127.0.0.1 or [::1])
        hint: fix [notify.build] in $ROOT/config/tcli.toml (docs/notify.md)
        [exit status: 2]
        ");
    assert!(started.elapsed() < Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.requests().len(), 0, "a request reached the server");
    let w = world("[notify.build]\nurl = \"https://x.example\"\nformat = \"teams\"\n");
    insta::assert_snapshot!(w.notify(&["build", "hi"], ""), @r#"
        ------- stderr -------
        error: channel 'build' in your settings ($ROOT/config/tcli.toml): format 'teams' is not known (use "json" or "slack")
        hint: fix [notify.build] in $ROOT/config/tcli.toml (docs/notify.md)
        [exit status: 2]
        "#);
}

/// What a settings file says reaches the terminal inert: a hostile format name is shown
/// escaped in the module's error, never as the escape itself (docs/module-authoring.md).
#[test]
fn notify_errors_show_control_characters_escaped() {
    let w = world(
        "[notify.build]\nurl = \"https://x.example\"\nformat = \"\\u001b]0;owned\\u0007\\u001b[2Jteams\"\n",
    );
    let r = w.notify(&["build", "hi"], "");
    insta::assert_snapshot!(r, @r#"
        ------- stderr -------
        error: channel 'build' in your settings ($ROOT/config/tcli.toml): format '\u{1b}]0;owned\u{7}\u{1b}[2Jteams' is not known (use "json" or "slack")
        hint: fix [notify.build] in $ROOT/config/tcli.toml (docs/notify.md)
        [exit status: 2]
        "#);
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
        "{:?}",
        r.stderr
    );
}

/// A port on loopback that nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn notify_connection_refused_is_tried_three_times() {
    let w = world(&channel(
        "build",
        &format!("http://127.0.0.1:{}/hook", closed_port()),
        "json",
    ));
    crate::support::helpers_dir();
    let started = Instant::now();
    insta::assert_snapshot!(w.notify(&["build", "hi"], ""), @r"
        ------- stderr -------
        error: cannot notify channel 'build': http://127.0.0.1:$PORT/hook: io: Connection refused (os error 111) (3 tries)
        hint: check the URL of [notify.build] in $ROOT/config/tcli.toml
        [exit status: 1]
        ");
    // The backoff between the tries: 200 ms, then 400 ms.
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[test]
fn notify_three_5xx_answers_fail_after_three_tries() {
    let server = Server::start(vec![Reply::Status(503, b"busy".to_vec())]);
    let w = world(&channel("build", &server.url("/hook"), "json"));
    insta::assert_snapshot!(w.notify(&["build", "hi"], ""), @r"
        ------- stderr -------
        error: channel 'build' answered HTTP 503: busy
        hint: the receiver failed 3 times; try again later
        [exit status: 1]
        ");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn notify_a_request_sent_and_unanswered_is_never_sent_again() {
    // The receiver may have posted it already: a second try could say it twice in chat.
    for reply in [Reply::Close, Reply::Garbage] {
        let server = Server::start(vec![reply, Reply::Status(200, Vec::new())]);
        let w = world(&channel("build", &server.url("/hook"), "json"));
        w.notify(&["build", "hi"], "")
            .code(1)
            .stderr_has("error: cannot notify channel 'build'");
        assert_eq!(server.requests().len(), 1, "the request was sent again");
    }
}

#[test]
fn notify_dry_run_prints_the_request_and_sends_nothing() {
    let server = Server::start(vec![Reply::Status(200, Vec::new())]);
    let w = world(&channel("build", &server.url("/hook"), "json"));
    let r = w.notify(&["build", "--dry-run", "hello"], "");
    r.success()
        .stdout_has(&format!("POST {}\n", server.url("/hook")))
        .stdout_has("Content-Type: application/json\n\n");
    let json_line = r.stdout.lines().last().unwrap();
    let b: Value = serde_json::from_str(json_line).unwrap();
    assert_eq!(b["message"], "hello");
    assert_eq!(b["sender"]["id"], "ci");
    assert!(server.requests().is_empty());
}

/// The secrets module's contract as notify uses it: `tcli secrets get <name>` prints the
/// value. An exec module stands in for it here (the real one is another issue's), found by
/// the real dispatch.
#[test]
fn notify_reads_the_url_from_a_secret_and_never_shows_it() {
    let server = Server::start(vec![Reply::Status(404, b"nope".to_vec())]);
    let w = world("[notify.build]\nsecret = \"build-hook\"\nformat = \"json\"\n");
    w.env.module(
        "secrets",
        &format!(
            "[ \"$1 $2\" = \"get build-hook\" ] && {{ echo '{}'; exit 0; }}\necho \"error: no secret named '$2'\" >&2; exit 1",
            server.url("/token-123")
        ),
    );
    let r = w.notify(&["build", "hi"], "");
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: channel 'build' answered HTTP 404: nope
        hint: check the URL of [notify.build] in $ROOT/config/tcli.toml (a revoked webhook answers 404 or 410)
        [exit status: 1]
        ");
    assert!(!r.stderr.contains("token-123"), "{}", r.stderr);
    assert_eq!(server.requests()[0].path, "/token-123");
    w.notify(&["build", "--dry-run", "hi"], "")
        .success()
        .stdout_has("POST <the URL in secret 'build-hook'>\n");

    let w = world("[notify.build]\nsecret = \"missing\"\n");
    w.env.module(
        "secrets",
        "echo \"error: no secret named '$2'\" >&2; exit 1",
    );
    insta::assert_snapshot!(w.notify(&["build", "hi"], ""), @r"
        ------- stderr -------
        error: cannot read secret 'missing' for channel 'build': no secret named 'missing'
        hint: check it with 'tcli secrets get missing' (docs/notify.md)
        [exit status: 1]
        ");
}

/// A channel whose URL is a secret, the secret held by a stand-in secrets module.
fn secret_world(url: &str) -> World {
    let w = world("[notify.build]\nsecret = \"build-hook\"\nformat = \"json\"\n");
    w.env.module(
        "secrets",
        &format!("[ \"$1 $2\" = \"get build-hook\" ] && {{ echo '{url}'; exit 0; }}\nexit 1"),
    );
    w
}

fn assert_hidden(r: &Run, token: &str) {
    assert!(
        !r.stderr.contains(token),
        "stderr shows the secret: {}",
        r.stderr
    );
    assert!(
        !r.stdout.contains(token),
        "stdout shows the secret: {}",
        r.stdout
    );
}

#[test]
fn notify_never_shows_a_secret_url_when_the_post_fails() {
    // Refused: every try's failure names the URL in the helper's message.
    let w = secret_world(&format!("http://127.0.0.1:{}/T0K3N-refused", closed_port()));
    let r = w.notify(&["build", "hi"], "");
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: cannot notify channel 'build': <secret 'build-hook'>: io: Connection refused (os error 111) (3 tries)
        hint: check the URL of [notify.build] in $ROOT/config/tcli.toml
        [exit status: 1]
        ");
    assert_hidden(&r, "T0K3N");

    // A timeout after connecting.
    let server = Server::start(vec![Reply::Hang]);
    let w = secret_world(&server.url("/T0K3N-hang?key=K3Y"));
    let r = w.notify(&["build", "--timeout", "1", "hi"], "");
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: cannot notify channel 'build': <secret 'build-hook'>: timeout: global
        hint: the receiver did not answer within 1 s; try again, or raise --timeout
        [exit status: 1]
        ");
    assert_hidden(&r, "T0K3N");
    assert_hidden(&r, "K3Y");

    // A receiver that echoes the path it was asked for in its answer.
    let server = Server::start(vec![Reply::Status(
        404,
        b"no hook at /T0K3N-echo?key=K3Y".to_vec(),
    )]);
    let w = secret_world(&server.url("/T0K3N-echo?key=K3Y"));
    let r = w.notify(&["build", "hi"], "");
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: channel 'build' answered HTTP 404: no hook at <secret 'build-hook'>
        hint: check the URL of [notify.build] in $ROOT/config/tcli.toml (a revoked webhook answers 404 or 410)
        [exit status: 1]
        ");
    assert_hidden(&r, "T0K3N");
    assert_hidden(&r, "K3Y");
}

/// notify runs inside tcli's process, so the HTTP client and TLS stack must not be in it: the
/// post is the helper's (docs/helpers.md).
#[test]
fn notify_library_carries_no_http_client() {
    let lib = std::fs::read(crate::support::bundled("notify")).unwrap();
    let helper = std::fs::read(crate::support::helper_bin("tcli_http")).unwrap();
    let has =
        |bytes: &[u8], needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for needle in ["ureq", "rustls"] {
        assert!(!has(&lib, needle), "the notify library contains '{needle}'");
        // The helper does: the check would pass for the wrong reason otherwise.
        assert!(has(&helper, needle), "tcli_http lacks '{needle}'");
    }
}
