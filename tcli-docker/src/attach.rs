//! Attaching to a container that has a TTY, as raw bytes. The engine sends a TTY container's
//! output unframed, but bollard 0.21's attach decoder takes any chunk whose first byte is 0x00,
//! 0x01 or 0x02 for an 8-byte frame header (it guesses per chunk whether the stream is framed)
//! and eats or misplaces bytes: a module whose terminal output starts with such a byte would
//! garble its own output. Here the attach request is made by hand on its own connection and the
//! upgraded stream is passed through untouched. A container without a TTY keeps bollard's
//! attach, whose framing is then right.

use bollard::container::LogOutput;
use futures_util::Stream;
use std::io;
use std::pin::Pin;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// What an attach gives: the output as one console stream, and the container's stdin.
pub(crate) type Attached = (
    Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
    Pin<Box<dyn AsyncWrite + Send>>,
);

/// The most of a response head read before the upgraded stream begins.
const HEAD_MAX: usize = 16 * 1024;

/// Attaches to container `id` at engine `host` (unix:// or tcp:// and http://); `None` for an
/// address this cannot reach by itself (TLS, ssh), where the caller uses bollard's attach.
pub(crate) async fn raw_tty(
    host: &str,
    id: &str,
    stdin: bool,
    detach_keys: &str,
) -> Option<io::Result<Attached>> {
    let conn: Pin<Box<dyn Duplex>> = if let Some(path) = host.strip_prefix("unix://") {
        match tokio::net::UnixStream::connect(path).await {
            Ok(s) => Box::pin(s),
            Err(e) => return Some(Err(e)),
        }
    } else if let Some(addr) = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"))
    {
        match tokio::net::TcpStream::connect(addr.trim_end_matches('/')).await {
            Ok(s) => Box::pin(s),
            Err(e) => return Some(Err(e)),
        }
    } else {
        return None;
    };
    Some(upgrade(conn, id, stdin, detach_keys).await)
}

trait Duplex: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Duplex for T {}

async fn upgrade(
    mut conn: Pin<Box<dyn Duplex>>,
    id: &str,
    stdin: bool,
    detach_keys: &str,
) -> io::Result<Attached> {
    let request = format!(
        "POST /containers/{id}/attach?stream=1&stdout=1&stderr=1&stdin={}&detachKeys={} HTTP/1.1\r\n\
         Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
        u8::from(stdin),
        detach_keys.replace('@', "%40").replace(',', "%2C"),
    );
    conn.write_all(request.as_bytes()).await?;
    // The head, byte by byte: whatever follows it is already the container's output.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= HEAD_MAX {
            return Err(io::Error::other("the engine's attach answer has no end"));
        }
        let mut b = [0u8; 1];
        if conn.read(&mut b).await? == 0 {
            return Err(io::Error::other("the engine closed the attach connection"));
        }
        head.push(b[0]);
    }
    let status = String::from_utf8_lossy(&head);
    let status = status.lines().next().unwrap_or("").trim().to_string();
    // 101 for an upgrade; some engines answer 200 and then stream all the same.
    if !(status.contains(" 101 ") || status.contains(" 200 ")) {
        return Err(io::Error::other(format!(
            "the engine refused to attach: {status}"
        )));
    }
    let (reader, writer) = tokio::io::split(conn);
    let output = futures_util::stream::unfold(reader, |mut r| async move {
        let mut buf = vec![0u8; 16 * 1024];
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok(LogOutput::Console {
                        message: bytes::Bytes::from(buf),
                    }),
                    r,
                ))
            }
        }
    });
    Ok((Box::pin(output), Box::pin(writer)))
}
