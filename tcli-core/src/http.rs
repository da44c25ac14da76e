//! HTTP as tcli's code sees it: the URL rule (https, or http to loopback only), and posts and
//! verified downloads done by the HTTP helper `tcli_http` (docs/helpers.md), so no TLS or HTTP
//! parser runs in the process that dispatches a module. Callers: pinned-module downloads and
//! the `notify` module. This file holds the protocol types both sides share.

use crate::helpers::{self, Answer, ANSWER_ERROR_STATUS};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;

/// The helper's operations: one POST (with retries) and one verified download.
pub const OP_POST: &str = "post";
/// See [`OP_POST`].
pub const OP_DOWNLOAD: &str = "download";

/// The most of a response body a post answers with: enough for an error's first line.
pub const EXCERPT_MAX: usize = 4096;

/// Why a URL is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not `http://` or `https://` at all.
    #[error("'{0}' is not an http(s) URL (use https://...)")]
    Scheme(String),
    /// Plain http to a host that is not this machine.
    #[error("'{0}' uses plain http to a host that is not loopback (use https://, or http only to localhost, 127.0.0.1 or [::1])")]
    PlainHttp(String),
    /// No host, or one with characters a host cannot have.
    #[error("'{0}' has no valid host")]
    Host(String),
    /// A space, or a character tcli's rule (`prim::text::is_unsafe`) names,
    /// which a URL carries only percent-encoded; the URL is shown escaped, so it can neither
    /// write to the terminal nor show other than it is.
    #[error(
        "'{0}' holds a space, a control or bidirectional character, or a noncharacter (percent-encode it: %20)"
    )]
    Characters(String),
}

/// The one URL rule (docs/team-repos.md, docs/notify.md): https anywhere, http only to a
/// loopback host, which never leaves the machine. Checked before any connection.
pub fn check_url(url: &str) -> Result<(), UrlError> {
    if url
        .chars()
        .any(|c| crate::prim::text::is_unsafe(c) || c.is_whitespace())
    {
        // escape_debug, not inert: it shows a space that is not ' ' (U+00A0, U+3000) too.
        return Err(UrlError::Characters(url.escape_debug().to_string()));
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(UrlError::Scheme(url.to_string()));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // userinfo@host: the host is what follows the last '@'.
    let hostport = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => h,
            None => return Err(UrlError::Host(url.to_string())),
        }
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:_".contains(&b))
    {
        return Err(UrlError::Host(url.to_string()));
    }
    if https || is_loopback(host) {
        Ok(())
    } else {
        Err(UrlError::PlainHttp(url.to_string()))
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One POST.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostRequest {
    /// Where to (checked with [`check_url`] by the helper too).
    pub url: String,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The body.
    pub body: String,
    /// How many tries in all (1 to 3): a connect error or a 5xx is tried again after a short
    /// backoff; a 4xx never is.
    pub tries: u8,
    /// Bound on connecting, per try.
    pub connect_timeout_ms: u64,
    /// Bound on the whole of one try.
    pub timeout_ms: u64,
}

/// What a post got back (any status: the caller judges it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostResponse {
    /// The HTTP status of the last try.
    pub status: u16,
    /// The first [`EXCERPT_MAX`] bytes of its body, lossily UTF-8.
    pub body_excerpt: String,
    /// How many tries it took.
    pub tries: u8,
}

/// One verified download into a directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownloadRequest {
    /// From where (checked with [`check_url`]).
    pub url: String,
    /// The directory the temp file is made in (the caller's store, so a rename is atomic).
    pub dir: PathBuf,
    /// The sha256 the bytes must have, 64 lowercase hex.
    pub sha256: String,
    /// A body longer than this is refused as it arrives.
    pub max_bytes: u64,
    /// Bound on the whole download.
    pub timeout_ms: u64,
    /// What the progress bar calls it (the module name).
    pub label: String,
}

/// A download that arrived whole and matched its sha256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Downloaded {
    /// A temp file in the request's `dir`; the caller renames it into place or deletes it.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
}

/// What went wrong, by kind, so callers can pick the fix to suggest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The URL breaks [`check_url`].
    Url,
    /// No connection was made (refused, unreachable, no such host, connect timeout): the
    /// request never reached the server, so trying again cannot duplicate it.
    Connect,
    /// The exchange failed after the request may have been sent (a reset, an answer that is
    /// not HTTP, TLS): never retried.
    Exchange,
    /// A timeout passed.
    Timeout,
    /// A download answered with a status other than 2xx.
    Status,
    /// A download was larger than allowed.
    TooLarge,
    /// A download's sha256 differs from the pin.
    Digest,
    /// The connection ended before the whole body arrived.
    Truncated,
    /// A signal stopped the helper.
    Interrupted,
    /// Writing the file failed.
    Io,
    /// The helper could not be run or did not answer.
    Helper,
}

/// An HTTP failure, with one line saying what happened.
#[derive(Debug, Clone, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct HttpError {
    /// What kind.
    pub kind: HttpErrorKind,
    /// One line.
    pub message: String,
}

impl HttpError {
    /// An error of `kind`.
    pub fn new(kind: HttpErrorKind, message: impl fmt::Display) -> HttpError {
        HttpError {
            kind,
            message: message.to_string(),
        }
    }
}

/// Posts through the helper; any HTTP status is `Ok`.
pub fn post(req: &PostRequest) -> Result<PostResponse, HttpError> {
    check_url(&req.url).map_err(|e| HttpError::new(HttpErrorKind::Url, e))?;
    ask(OP_POST, req, false)
}

/// Downloads through the helper into a verified temp file in `req.dir`. The helper draws a
/// progress bar on stderr when that is a terminal.
pub fn download(req: &DownloadRequest) -> Result<Downloaded, HttpError> {
    check_url(&req.url).map_err(|e| HttpError::new(HttpErrorKind::Url, e))?;
    ask(OP_DOWNLOAD, req, true)
}

fn ask<Q: Serialize, T: serde::de::DeserializeOwned>(
    op: &str,
    req: &Q,
    progress: bool,
) -> Result<T, HttpError> {
    let helper = helpers::locate(helpers::HTTP);
    if !helper.is_file() {
        return Err(HttpError::new(
            HttpErrorKind::Helper,
            helpers::missing(&helper).to_string(),
        ));
    }
    let request =
        serde_json::to_string(req).map_err(|e| HttpError::new(HttpErrorKind::Helper, e))?;
    let out = helpers::command(&helper)
        .arg(op)
        // Never on argv: a notify URL can hold a token.
        .env(crate::env_vars::TCLI_HELPER_REQUEST, request)
        .stdin(Stdio::null())
        .stderr(if progress {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .output()
        .map_err(|e| {
            HttpError::new(
                HttpErrorKind::Helper,
                format!("cannot run tcli's helper {}: {e}", helper.display()),
            )
        })?;
    match serde_json::from_slice::<Answer<T, HttpError>>(&out.stdout) {
        Ok(Answer::Ok(t)) if out.status.success() => Ok(t),
        Ok(Answer::Error(e)) if out.status.code() == Some(i32::from(ANSWER_ERROR_STATUS)) => Err(e),
        _ => {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.lines().map(str::trim).find(|l| !l.is_empty());
            let kind = if out.status.code().is_none() {
                HttpErrorKind::Interrupted
            } else {
                HttpErrorKind::Helper
            };
            Err(HttpError::new(
                kind,
                format!(
                    "tcli's helper {} failed ({}){}",
                    helper.display(),
                    out.status,
                    said.map(|s| format!(": {s}")).unwrap_or_default()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{check_url, UrlError};

    #[test]
    fn https_anywhere_http_only_to_loopback() {
        for ok in [
            "https://hooks.example.com/x",
            "http://127.0.0.1:8080/hook",
            "http://localhost/x",
            "http://[::1]:9/x",
            "http://127.3.4.5/",
            "HTTPS://EXAMPLE.COM",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        assert!(matches!(
            check_url("http://example.com/x"),
            Err(UrlError::PlainHttp(_))
        ));
        assert!(matches!(
            check_url("http://127.0.0.1@evil.com/"),
            Err(UrlError::PlainHttp(_))
        ));
        assert!(matches!(
            check_url("http://localhost.evil.com/"),
            Err(UrlError::PlainHttp(_))
        ));
        assert_eq!(
            check_url("https://example.com/a\u{1b}[31m b"),
            Err(UrlError::Characters(
                "https://example.com/a\\u{1b}[31m b".into()
            ))
        );
        assert!(matches!(check_url("ftp://x/"), Err(UrlError::Scheme(_))));
        assert!(matches!(
            check_url("file:///etc/passwd"),
            Err(UrlError::Scheme(_))
        ));
        assert!(matches!(check_url("https:///x"), Err(UrlError::Host(_))));
        assert!(matches!(check_url("http://[::1/x"), Err(UrlError::Host(_))));
    }
}
