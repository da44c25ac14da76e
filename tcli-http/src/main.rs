//! `tcli_http`: tcli's HTTP helper. It holds the HTTP client and TLS stack (ureq, rustls), so no
//! code that parses what a web server sends runs in the process that dispatches a module. tcli
//! (or a module inside it) starts it for one operation over the private protocol of
//! docs/helpers.md: `post` or `download`, the request in the environment, one JSON answer on
//! stdout. The protocol types and the URL rule are `tcli_helper::http`'s.

use sha2::{Digest, Sha256};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tcli_helper::http::{
    self as protocol, check_url, DownloadRequest, Downloaded, HttpError, HttpErrorKind,
    PostRequest, PostResponse,
};
use tcli_helper::{self as helpers, Answer, ANSWER_ERROR_STATUS};
use tcli_plugin_sdk::exit;

/// The temp file a download is writing, for the signal thread to remove.
static PARTIAL: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Redirects a download follows (a registry or artifact store may send one or two); each hop
/// is checked by the URL rule before it is requested (docs/helpers.md).
const MAX_REDIRECTS: u32 = 5;

fn main() -> ExitCode {
    helpers::act_for_caller();
    let op = std::env::args().nth(1).unwrap_or_default();
    let request = tcli_helper::env::get_os(tcli_helper::env::TCLI_HELPER_REQUEST)
        .and_then(|v| v.into_string().ok());
    let (Some(request), op @ (protocol::OP_POST | protocol::OP_DOWNLOAD)) = (request, op.as_str())
    else {
        eprintln!(
            "error: {} is tcli's HTTP helper, not a command (protocol: docs/helpers.md)\nhint: run 'tcli' instead",
            helpers::HTTP
        );
        return ExitCode::from(exit::USAGE);
    };
    on_signal_remove_partial();
    let answer = if op == protocol::OP_POST {
        serde_json::from_str(&request)
            .map_err(|e| HttpError::new(HttpErrorKind::Helper, e))
            .and_then(|r| post(&r))
            .map(|r| serde_json::to_value(r).unwrap_or_default())
    } else {
        serde_json::from_str(&request)
            .map_err(|e| HttpError::new(HttpErrorKind::Helper, e))
            .and_then(|r| download(&r))
            .map(|r| serde_json::to_value(r).unwrap_or_default())
    };
    let (answer, code) = match answer {
        Ok(v) => (Answer::Ok(v), exit::SUCCESS),
        Err(e) => (Answer::Error(e), ANSWER_ERROR_STATUS),
    };
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, &answer);
    let _ = writeln!(out);
    ExitCode::from(code)
}

/// On SIGINT, SIGTERM or SIGHUP (Ctrl-C reaches the whole process group), removes the partial
/// download and exits as the signal would have: nothing half-written stays behind.
fn on_signal_remove_partial() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            if let Some(p) = PARTIAL.lock().ok().and_then(|mut g| g.take()) {
                let _ = std::fs::remove_file(p);
            }
            std::process::exit(i32::from(exit::signal(sig)));
        }
    });
}

/// An agent that follows no redirect: a post reports one, a download follows it itself.
fn agent(connect_ms: u64, total_ms: u64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_millis(connect_ms)))
        .timeout_global(Some(Duration::from_millis(total_ms)))
        .max_redirects(0)
        // A redirect answer is a status to report (or follow), not an error.
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .user_agent(concat!("tcli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn url_error(e: protocol::UrlError) -> HttpError {
    HttpError::new(HttpErrorKind::Url, e)
}

/// Maps ureq's error to a kind and one line naming the URL. `Connect` means the request never
/// reached the server (no connection was made), the one failure a retry cannot duplicate;
/// anything after the request may have been sent (a reset, an answer that is not HTTP) is
/// `Exchange`.
fn failure(url: &str, e: ureq::Error) -> HttpError {
    use std::io::ErrorKind as Io;
    let kind = match &e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            HttpErrorKind::Connect
        }
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                Io::ConnectionRefused
                    | Io::HostUnreachable
                    | Io::NetworkUnreachable
                    | Io::AddrNotAvailable
            ) =>
        {
            HttpErrorKind::Connect
        }
        ureq::Error::Timeout(_) => HttpErrorKind::Timeout,
        ureq::Error::BodyExceedsLimit(_) => HttpErrorKind::TooLarge,
        ureq::Error::Io(io) if io.kind() == Io::UnexpectedEof => HttpErrorKind::Truncated,
        ureq::Error::Io(io) if io.kind() == Io::TimedOut => HttpErrorKind::Timeout,
        _ => HttpErrorKind::Exchange,
    };
    HttpError::new(kind, format!("{url}: {e}"))
}

fn post(req: &PostRequest) -> Result<PostResponse, HttpError> {
    check_url(&req.url).map_err(url_error)?;
    // A webhook that redirects is misconfigured; following it would turn the POST into a GET.
    let agent = agent(req.connect_timeout_ms, req.timeout_ms);
    let tries = req.tries.clamp(1, 3);
    let mut tried = 0;
    loop {
        tried += 1;
        let last = tried >= tries;
        match agent
            .post(&req.url)
            .header("Content-Type", &req.content_type)
            .send(req.body.as_bytes())
        {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if status >= 500 && !last {
                    backoff(tried);
                    continue;
                }
                let mut body = Vec::new();
                let _ = resp
                    .into_body()
                    .into_reader()
                    .take(protocol::EXCERPT_MAX as u64)
                    .read_to_end(&mut body);
                return Ok(PostResponse {
                    status,
                    body_excerpt: String::from_utf8_lossy(&body).into_owned(),
                    tries: tried,
                });
            }
            Err(e) => {
                let mut err = failure(&req.url, e);
                // Only a request that never left is safe to retry: after a timeout, a reset
                // or a garbled answer the server may have acted on it already.
                if err.kind == HttpErrorKind::Connect && !last {
                    backoff(tried);
                    continue;
                }
                if tried > 1 {
                    err.message = format!("{} ({tried} tries)", err.message);
                }
                return Err(err);
            }
        }
    }
}

fn backoff(tried: u8) {
    std::thread::sleep(Duration::from_millis(200 * u64::from(tried)));
}

/// What can go wrong in a download after the request is sent, typed; the protocol's
/// [`HttpError`] carries its kind and its line.
#[derive(Debug, thiserror::Error)]
enum DownloadError {
    #[error("{url}: the server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the server answered HTTP {status}, a redirect without a usable Location")]
    NoLocation { url: String, status: u16 },
    #[error("{from}: the redirect is refused: {error}")]
    Redirect {
        from: String,
        error: protocol::UrlError,
    },
    #[error("{from}: the redirect to '{to}' is refused: a download that went over https never goes on over plain http")]
    Downgrade { from: String, to: String },
    #[error("{url}: more than {max} redirects")]
    Redirects { url: String, max: u32 },
    #[error("{url}: larger than {max} bytes")]
    TooLarge { url: String, max: u64 },
    #[error("{url}: the download took longer than {secs} s")]
    Slow { url: String, secs: u64 },
    #[error("{url}: the connection ended after {bytes} bytes")]
    Cut { url: String, bytes: u64 },
    #[error("{url}: the file's sha256 is {got}, the pin says {want}")]
    Digest {
        url: String,
        got: String,
        want: String,
    },
    /// ureq reports its own errors (a timeout, a cut body) through the reader as io errors.
    #[error("{url}: the download failed: {error}")]
    Read { url: String, error: std::io::Error },
    #[error("{what} {}: {error}", dir.display())]
    Io {
        what: &'static str,
        dir: PathBuf,
        error: std::io::Error,
    },
}

impl DownloadError {
    fn kind(&self) -> HttpErrorKind {
        match self {
            DownloadError::Status { .. } | DownloadError::NoLocation { .. } => {
                HttpErrorKind::Status
            }
            DownloadError::Redirect { .. } | DownloadError::Downgrade { .. } => HttpErrorKind::Url,
            DownloadError::Redirects { .. } => HttpErrorKind::Exchange,
            DownloadError::TooLarge { .. } => HttpErrorKind::TooLarge,
            DownloadError::Slow { .. } => HttpErrorKind::Timeout,
            DownloadError::Cut { .. } => HttpErrorKind::Truncated,
            DownloadError::Digest { .. } => HttpErrorKind::Digest,
            DownloadError::Read { error, .. } if error.kind() == std::io::ErrorKind::TimedOut => {
                HttpErrorKind::Timeout
            }
            DownloadError::Read { .. } => HttpErrorKind::Truncated,
            DownloadError::Io { .. } => HttpErrorKind::Io,
        }
    }
}

impl From<DownloadError> for HttpError {
    fn from(e: DownloadError) -> HttpError {
        HttpError::new(e.kind(), e)
    }
}

/// Downloads `req.url` into a temp file in `req.dir`, checking size, time and sha256; the
/// file is kept (the caller owns it) only when all of them pass.
fn download(req: &DownloadRequest) -> Result<Downloaded, HttpError> {
    let (resp, length) = request(req)?;
    let io = |what, error| DownloadError::Io {
        what,
        dir: req.dir.clone(),
        error,
    };
    let mut file = tempfile::Builder::new()
        .prefix(".tcli-download-")
        .tempfile_in(&req.dir)
        .map_err(|e| io("cannot make a temp file in", e))?;
    if let Ok(mut g) = PARTIAL.lock() {
        *g = Some(file.path().to_path_buf());
    }
    let bar = progress(&req.label, length);
    let received = receive(req, resp, &mut file, bar.as_ref());
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let done = received.and_then(|(total, sha256)| {
        if length.is_some_and(|l| l != total) {
            return Err(DownloadError::Cut {
                url: req.url.clone(),
                bytes: total,
            });
        }
        if sha256 != req.sha256.to_ascii_lowercase() {
            return Err(DownloadError::Digest {
                url: req.url.clone(),
                got: sha256,
                want: req.sha256.clone(),
            });
        }
        file.as_file()
            .sync_all()
            .map_err(|e| io("cannot write into", e))?;
        Ok(total)
    });
    // Past here the file is either kept (the caller owns it) or dropped (removed).
    let kept = done.and_then(|total| {
        file.keep()
            .map(|(_, path)| Downloaded { path, bytes: total })
            .map_err(|e| io("cannot keep the download in", e.error))
    });
    if let Ok(mut g) = PARTIAL.lock() {
        *g = None;
    }
    Ok(kept?)
}

/// Sends the request and checks the answer before any byte is stored: a success status, a
/// length under the limit. Redirects are followed here, not by ureq, so that each Location is
/// checked before anything connects to it. Returns the answer and its length.
fn request(
    req: &DownloadRequest,
) -> Result<(ureq::http::Response<ureq::Body>, Option<u64>), HttpError> {
    check_url(&req.url).map_err(url_error)?;
    let started = Instant::now();
    let mut url = req.url.clone();
    let mut hops = 0;
    let resp = loop {
        // One deadline for the whole chain, not one per hop.
        let left = req
            .timeout_ms
            .saturating_sub(started.elapsed().as_millis() as u64);
        let resp = agent(left.clamp(1, 10_000), left.max(1))
            .get(&url)
            .call()
            .map_err(|e| failure(&url, e))?;
        let status = resp.status().as_u16();
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            break resp;
        }
        if hops == MAX_REDIRECTS {
            return Err(DownloadError::Redirects {
                url: req.url.clone(),
                max: MAX_REDIRECTS,
            }
            .into());
        }
        url = next_hop(&url, status, &resp)?;
        hops += 1;
    };
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(DownloadError::Status {
            url: req.url.clone(),
            status,
        }
        .into());
    }
    let length = resp.body().content_length();
    if length.is_some_and(|l| l > req.max_bytes) {
        return Err(too_large(req).into());
    }
    Ok((resp, length))
}

/// Where a redirect from `from` leads, once the URL rule allows it: https or http to loopback,
/// and never from https down to plain http (a TLS-checked download must not end on the wire).
fn next_hop(
    from: &str,
    status: u16,
    resp: &ureq::http::Response<ureq::Body>,
) -> Result<String, DownloadError> {
    let location = resp
        .headers()
        .get(ureq::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| DownloadError::NoLocation {
            url: from.to_string(),
            status,
        })?;
    let to = resolve(from, location);
    allowed_hop(from, &to)?;
    Ok(to)
}

/// The URL rule for one hop of a redirect chain.
fn allowed_hop(from: &str, to: &str) -> Result<(), DownloadError> {
    check_url(to).map_err(|error| DownloadError::Redirect {
        from: from.to_string(),
        error,
    })?;
    let https = |u: &str| {
        u.get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    };
    if https(from) && !https(to) {
        return Err(DownloadError::Downgrade {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    Ok(())
}

/// A Location resolved against the URL that sent it (RFC 3986 section 5.2, short of removing
/// dot segments, which the server resolves as it would for any client).
fn resolve(base: &str, location: &str) -> String {
    let has_scheme = location.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if has_scheme {
        return location.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    if let Some(authority_on) = location.strip_prefix("//") {
        return format!("{scheme}://{authority_on}");
    }
    let path_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..path_at]);
    let tail = &rest[path_at..];
    let path = &tail[..tail.find(['?', '#']).unwrap_or(tail.len())];
    match location.chars().next() {
        Some('/') => format!("{origin}{location}"),
        Some('?') => format!("{origin}{path}{location}"),
        None | Some('#') => format!("{origin}{tail}"),
        _ => {
            let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
            format!("{origin}{dir}{location}")
        }
    }
}

/// Copies the body into `file`, hashing it; returns the bytes and their sha256 in hex.
fn receive(
    req: &DownloadRequest,
    resp: ureq::http::Response<ureq::Body>,
    file: &mut tempfile::NamedTempFile,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<(u64, String), DownloadError> {
    let mut reader = resp.into_body().into_reader();
    let mut hash = Sha256::new();
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let started = Instant::now();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok((total, hex(&hash.finalize()))),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(DownloadError::Read {
                    url: req.url.clone(),
                    error,
                })
            }
        };
        total += n as u64;
        if total > req.max_bytes {
            return Err(too_large(req));
        }
        hash.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|error| DownloadError::Io {
                what: "cannot write into",
                dir: req.dir.clone(),
                error,
            })?;
        if let Some(b) = bar {
            b.set_position(total);
        }
        if started.elapsed() > Duration::from_millis(req.timeout_ms) {
            return Err(DownloadError::Slow {
                url: req.url.clone(),
                secs: req.timeout_ms / 1000,
            });
        }
    }
}

fn too_large(req: &DownloadRequest) -> DownloadError {
    DownloadError::TooLarge {
        url: req.url.clone(),
        max: req.max_bytes,
    }
}

/// A bar (bytes, rate) on stderr when it is a terminal; one line per module is the caller's.
fn progress(label: &str, length: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(length, indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(label.to_string());
    Some(bar)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{allowed_hop, resolve};

    #[test]
    fn each_hop_obeys_the_url_rule_and_https_never_goes_down() {
        let ok = |from, to| allowed_hop(from, to).map_err(|e| e.to_string());
        assert_eq!(ok("http://127.0.0.1:1/a", "http://localhost:2/b"), Ok(()));
        assert_eq!(
            ok("http://127.0.0.1:1/a", "https://cdn.example.com/b"),
            Ok(())
        );
        assert_eq!(
            ok("https://a.example.com/", "https://b.example.com/"),
            Ok(())
        );
        assert!(ok("http://127.0.0.1:1/a", "http://192.0.2.1/b")
            .unwrap_err()
            .starts_with("http://127.0.0.1:1/a: the redirect is refused: 'http://192.0.2.1/b' uses plain http"));
        assert_eq!(
            ok("https://a.example.com/x", "http://127.0.0.1/x").unwrap_err(),
            "https://a.example.com/x: the redirect to 'http://127.0.0.1/x' is refused: a download that went over https never goes on over plain http"
        );
        assert!(ok("http://127.0.0.1/a", "file:///etc/passwd").is_err());
    }

    #[test]
    fn locations_resolve_against_the_url_that_sent_them() {
        let base = "http://127.0.0.1:8080/pkg/v1/lib.so?x=1#f";
        for (location, want) in [
            ("https://cdn.example.com/a", "https://cdn.example.com/a"),
            ("HTTP://10.0.0.1/a", "HTTP://10.0.0.1/a"),
            ("//192.0.2.1/lib.so", "http://192.0.2.1/lib.so"),
            ("/other/lib.so", "http://127.0.0.1:8080/other/lib.so"),
            ("lib2.so", "http://127.0.0.1:8080/pkg/v1/lib2.so"),
            ("../v2/lib.so", "http://127.0.0.1:8080/pkg/v1/../v2/lib.so"),
            ("?y=2", "http://127.0.0.1:8080/pkg/v1/lib.so?y=2"),
        ] {
            assert_eq!(resolve(base, location), want, "{location}");
        }
        assert_eq!(resolve("http://[::1]:9", "x"), "http://[::1]:9/x");
    }
}
