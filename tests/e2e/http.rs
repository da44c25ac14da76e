//! The HTTP helper `tcli_http` (docs/helpers.md) against a real HTTP server on loopback: posts
//! with their retry rule, verified downloads that leave nothing behind when they fail, and the
//! URL rule enforced before any connection. `Server` is reused by the tests of its callers.

use crate::support::helper_bin;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does with one request.
#[derive(Clone)]
pub enum Reply {
    /// Answers this status and body.
    Status(u16, Vec<u8>),
    /// Announces `len` bytes, sends `body`, and closes (a download cut short).
    Cut { len: usize, body: Vec<u8> },
    /// Reads the request and never answers (until the test ends).
    Hang,
    /// Announces `len` bytes, sends `body`, then hangs (a download in progress).
    Stall { len: usize, body: Vec<u8> },
    /// Reads the request and answers with bytes that are not HTTP.
    Garbage,
    /// Reads the request and closes the connection without a word.
    Close,
    /// Answers 302 with this `Location`.
    Redirect(String),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A real HTTP/1.1 server on 127.0.0.1 that answers from a script (the last reply repeats)
/// and records every request.
pub struct Server {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start(script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for (i, conn) in listener.incoming().enumerate() {
                let Ok(conn) = conn else { continue };
                let reply = script
                    .get(i)
                    .or(script.last())
                    .cloned()
                    .unwrap_or(Reply::Status(200, Vec::new()));
                let log = log.clone();
                std::thread::spawn(move || serve(conn, reply, &log));
            }
        });
        Server { port, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(conn: TcpStream, reply: Reply, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    log.lock().unwrap().push(Seen {
        method,
        path,
        headers,
        body,
    });
    let mut conn = conn;
    match reply {
        Reply::Status(code, body) => {
            let _ = write!(
                conn,
                "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(&body);
        }
        Reply::Cut { len, body } => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.write_all(&body);
        }
        Reply::Hang => std::thread::sleep(Duration::from_secs(60)),
        Reply::Stall { len, body } => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.write_all(&body);
            let _ = conn.flush();
            std::thread::sleep(Duration::from_secs(60));
        }
        Reply::Garbage => {
            let _ = conn.write_all(b"this is not http\r\n\r\n");
        }
        Reply::Close => drop(conn),
        Reply::Redirect(location) => {
            let _ = write!(
                conn,
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    }
}

/// Runs the helper for `op` with `request` as tcli would.
fn helper(op: &str, request: &serde_json::Value) -> Output {
    Command::new(helper_bin("tcli_http"))
        .arg(op)
        .env("TCLI_HELPER_REQUEST", request.to_string())
        .output()
        .unwrap()
}

fn answer(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stdout)))
}

fn post_request(url: &str, tries: u8, timeout_ms: u64) -> serde_json::Value {
    serde_json::json!({
        "url": url, "content_type": "application/json", "body": "{\"text\":\"hi\"}",
        "tries": tries, "connect_timeout_ms": 1000, "timeout_ms": timeout_ms,
    })
}

#[test]
fn http_post_retries_a_5xx_and_reports_the_status() {
    let server = Server::start(vec![
        Reply::Status(500, b"oops".to_vec()),
        Reply::Status(200, b"ok".to_vec()),
    ]);
    let out = helper("post", &post_request(&server.url("/hook"), 3, 5000));
    assert_eq!(out.status.code(), Some(0));
    let a = answer(&out);
    assert_eq!(a["ok"]["status"], 200);
    assert_eq!(a["ok"]["tries"], 2);
    assert_eq!(a["ok"]["body_excerpt"], "ok");
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[1].body, b"{\"text\":\"hi\"}");
    assert!(seen[1]
        .headers
        .contains(&("content-type".into(), "application/json".into())));
}

#[test]
fn http_post_never_retries_a_4xx() {
    let server = Server::start(vec![Reply::Status(404, b"no such hook\nmore".to_vec())]);
    let a = answer(&helper("post", &post_request(&server.url("/x"), 3, 5000)));
    assert_eq!(a["ok"]["status"], 404);
    assert_eq!(a["ok"]["tries"], 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn http_post_after_the_request_was_sent_is_never_retried() {
    // The server may have acted on a request whose answer was lost: a retry would send the
    // message twice.
    for reply in [Reply::Garbage, Reply::Close] {
        let server = Server::start(vec![reply, Reply::Status(200, Vec::new())]);
        let out = helper("post", &post_request(&server.url("/x"), 3, 5000));
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(server.requests().len(), 1, "the request was sent again");
    }
}

#[test]
fn http_post_to_a_closed_port_is_tried_three_times() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let started = std::time::Instant::now();
    let out = helper(
        "post",
        &post_request(&format!("http://127.0.0.1:{port}/x"), 3, 5000),
    );
    assert_eq!(out.status.code(), Some(3));
    let a = answer(&out);
    assert_eq!(a["error"]["kind"], "connect");
    assert!(
        a["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("(3 tries)"),
        "{a}"
    );
    // The backoff between tries: 200 ms, then 400 ms.
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[test]
fn http_post_to_a_server_that_never_answers_times_out() {
    let server = Server::start(vec![Reply::Hang]);
    let started = std::time::Instant::now();
    let out = helper("post", &post_request(&server.url("/x"), 1, 700));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(answer(&out)["error"]["kind"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn http_post_plain_http_to_another_host_is_refused_before_connecting() {
    let out = helper("post", &post_request("http://example.com/hook", 1, 1000));
    assert_eq!(out.status.code(), Some(3));
    let a = answer(&out);
    assert_eq!(a["error"]["kind"], "url");
    assert!(a["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not loopback"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    std::fs::write(&f, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&f).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

fn download_request(url: &str, dir: &Path, sha256: &str, max: u64) -> serde_json::Value {
    serde_json::json!({
        "url": url, "dir": dir, "sha256": sha256, "max_bytes": max,
        "timeout_ms": 5000, "label": "db",
    })
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn http_download_arrives_verified_in_a_temp_file_of_the_dir() {
    let body = vec![7u8; 200_000];
    let server = Server::start(vec![Reply::Status(200, body.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let out = helper(
        "download",
        &download_request(
            &server.url("/libdb.so"),
            dir.path(),
            &sha256_hex(&body),
            1 << 20,
        ),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = answer(&out);
    assert_eq!(a["ok"]["bytes"], 200_000);
    let path = a["ok"]["path"].as_str().unwrap();
    assert_eq!(Path::new(path).parent(), Some(dir.path()));
    assert_eq!(std::fs::read(path).unwrap(), body);
}

#[test]
fn http_download_failed_leaves_nothing_behind() {
    let body = b"the library".to_vec();
    let good = sha256_hex(&body);
    let cases: Vec<(Reply, String, u64, &str)> = vec![
        (
            Reply::Status(200, body.clone()),
            "0".repeat(64),
            1 << 20,
            "digest",
        ),
        (
            Reply::Status(200, body.clone()),
            good.clone(),
            4,
            "too-large",
        ),
        (
            Reply::Cut {
                len: 1000,
                body: body.clone(),
            },
            good.clone(),
            1 << 20,
            "truncated",
        ),
        (
            Reply::Status(404, Vec::new()),
            good.clone(),
            1 << 20,
            "status",
        ),
    ];
    for (reply, sha, max, kind) in cases {
        let server = Server::start(vec![reply]);
        let dir = tempfile::tempdir().unwrap();
        let out = helper(
            "download",
            &download_request(&server.url("/lib.so"), dir.path(), &sha, max),
        );
        assert_eq!(out.status.code(), Some(3), "{kind}");
        assert_eq!(answer(&out)["error"]["kind"], kind);
        assert!(
            entries(dir.path()).is_empty(),
            "{kind}: {:?}",
            entries(dir.path())
        );
    }
}

#[test]
fn http_download_follows_loopback_redirects_within_the_rule() {
    let body = b"the library, moved".to_vec();
    let there = Server::start(vec![Reply::Status(200, body.clone())]);
    let here = Server::start(vec![
        // Relative, then absolute to another loopback server.
        Reply::Redirect("v2/lib.so".into()),
        Reply::Redirect(format!("http://localhost:{}/final.so", there.port)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let out = helper(
        "download",
        &download_request(
            &here.url("/pkg/lib.so"),
            dir.path(),
            &sha256_hex(&body),
            1 << 20,
        ),
    );
    assert_eq!(out.status.code(), Some(0), "{}", answer(&out));
    let paths = |s: &Server| s.requests().into_iter().map(|r| r.path).collect::<Vec<_>>();
    assert_eq!(paths(&here), ["/pkg/lib.so", "/pkg/v2/lib.so"]);
    assert_eq!(paths(&there), ["/final.so"]);
    let path = answer(&out)["ok"]["path"].as_str().unwrap().to_string();
    assert_eq!(std::fs::read(path).unwrap(), body);
}

#[test]
fn http_download_refuses_a_redirect_off_loopback_before_connecting() {
    // Addresses that never answer (TEST-NET-1, a private one): a connect would hang until the
    // timeout, so a quick answer shows the hop was refused before any connection.
    for (location, shown) in [
        ("http://192.0.2.1/lib.so", "http://192.0.2.1/lib.so"),
        ("//10.255.255.1:80/lib.so", "http://10.255.255.1:80/lib.so"),
    ] {
        let server = Server::start(vec![Reply::Redirect(location.into())]);
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let mut request =
            download_request(&server.url("/lib.so"), dir.path(), &"0".repeat(64), 1 << 20);
        request["timeout_ms"] = 20_000.into();
        let out = helper("download", &request);
        assert!(started.elapsed() < Duration::from_secs(5), "{location}");
        assert_eq!(out.status.code(), Some(3));
        let a = answer(&out);
        assert_eq!(a["error"]["kind"], "url", "{a}");
        assert_eq!(
            a["error"]["message"],
            format!(
                "{}: the redirect is refused: '{shown}' uses plain http to a host that is not loopback (use https://, or http only to localhost, 127.0.0.1 or [::1])",
                server.url("/lib.so")
            )
        );
        assert_eq!(server.requests().len(), 1);
        assert!(entries(dir.path()).is_empty());
    }
}

#[test]
fn http_download_refuses_more_than_five_redirects() {
    let server = Server::start(vec![Reply::Redirect("/again".into())]);
    let dir = tempfile::tempdir().unwrap();
    let out = helper(
        "download",
        &download_request(&server.url("/lib.so"), dir.path(), &"0".repeat(64), 1 << 20),
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        answer(&out)["error"]["message"],
        format!("{}: more than 5 redirects", server.url("/lib.so"))
    );
    // The first request and five redirects followed; the sixth is not.
    assert_eq!(server.requests().len(), 6);
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn http_run_by_hand_is_refused() {
    let out = Command::new(helper_bin("tcli_http")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a command"));
}
