//! One container from creation to removal, the way `docker run --rm --init -i [-t]` does it:
//! create (by image ID, never pulling), attach, start, stream, wait, remove. Signals that would
//! end tcli are forwarded to the container instead; a second one, or a container that ignores
//! the first for [`KILL_AFTER`], gets SIGKILL. The container is removed on every path out.
//!
//! Host stdin is read on its own thread and host stdout/stderr are written on another, so a
//! slow or blocked peer never stops signal handling, and stdin and stdout are pumped
//! concurrently (a container that echoes its input cannot deadlock against us).

use crate::classify::FromBollard;
use crate::tty;
use bollard::container::{AttachContainerResults, LogOutput};
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, KillContainerOptions, RemoveContainerOptions,
    ResizeContainerTTYOptions, StartContainerOptions, WaitContainerOptions,
};
use bollard::Docker;
use futures_util::{FutureExt, Stream, StreamExt};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tcli_helper::docker::{EngineError, ErrorKind, Io, Outcome, RunError, RunSpec};
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

/// How long a container may ignore a forwarded signal before it is killed (as `docker stop`).
const KILL_AFTER: Duration = Duration::from_secs(10);
/// Eight NUL bytes (Ctrl-@) in a row: the engine's detach sequence, made unreachable in practice.
const DETACH_KEYS: &str = "ctrl-@,ctrl-@,ctrl-@,ctrl-@,ctrl-@,ctrl-@,ctrl-@,ctrl-@";
/// How long removing the container may take before tcli gives up on it.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(30);

/// Creates, runs and removes one container.
pub(crate) async fn run(docker: &Docker, host: &str, spec: &RunSpec) -> Result<Outcome, RunError> {
    // Registered before anything exists in the engine, so no signal can end tcli between
    // creating the container and removing it.
    let mut signals = Signals::new().map_err(|e| {
        RunError::Engine(EngineError::new(
            ErrorKind::Other,
            format!("cannot watch for signals: {e}"),
        ))
    })?;
    let created = docker
        .create_container(None::<CreateContainerOptions>, create_body(spec))
        .await
        .map_err(|e| {
            let e = EngineError::from_bollard(host, &e);
            match e.kind {
                ErrorKind::Api(404) if e.message.to_ascii_lowercase().contains("no such image") => {
                    RunError::ImageGone(e.message)
                }
                _ => RunError::Engine(e),
            }
        })?;
    let id = created.id;
    let result = drive(docker, host, &id, spec, &mut signals).await;
    let removed = tokio::time::timeout(
        REMOVE_TIMEOUT,
        docker.remove_container(
            &id,
            Some(RemoveContainerOptions {
                force: true,
                v: true,
                link: false,
            }),
        ),
    )
    .await;
    let left_behind = match removed {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            let e = EngineError::from_bollard(host, &e);
            // Already gone, or the engine is removing it: either way it will not stay.
            (!matches!(e.kind, ErrorKind::Api(404 | 409))).then_some(e.message)
        }
        Err(_) => Some(format!("no answer within {} s", REMOVE_TIMEOUT.as_secs())),
    };
    result.map(|mut o| {
        o.left_behind = left_behind.map(|why| format!("container {id}: {why}"));
        o
    })
}

fn create_body(spec: &RunSpec) -> ContainerCreateBody {
    let (stdin, tty) = match spec.io {
        Io::Inherit { tty } => (true, tty),
        Io::Capture { .. } => (false, false),
    };
    let mounts = spec.mount_cwd.as_ref().map(|dir| {
        vec![Mount {
            target: Some(dir.clone()),
            source: Some(dir.clone()),
            typ: Some(MountType::BIND),
            ..Default::default()
        }]
    });
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        // No arguments: the image's CMD applies, as with `docker run IMAGE`.
        cmd: (!spec.args.is_empty()).then(|| spec.args.clone()),
        env: Some(spec.env.clone()),
        user: spec.user.clone(),
        working_dir: spec.mount_cwd.clone(),
        tty: Some(tty),
        open_stdin: Some(stdin),
        stdin_once: Some(stdin),
        attach_stdin: Some(stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        host_config: Some(HostConfig {
            init: Some(true),
            // The size at creation; engines that ignore it get the resize right after start.
            console_size: tty
                .then(tty::size)
                .flatten()
                .map(|(rows, cols)| vec![usize::from(rows), usize::from(cols)]),
            network_mode: spec.network.clone(),
            mounts,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Attach, start, pump, wait. The caller removes the container whatever this returns.
async fn drive(
    docker: &Docker,
    host: &str,
    id: &str,
    spec: &RunSpec,
    signals: &mut Signals,
) -> Result<Outcome, RunError> {
    let (inherit, tty) = match spec.io {
        Io::Inherit { tty } => (true, tty),
        Io::Capture { .. } => (false, false),
    };
    let (output, input) = attach(docker, host, id, inherit, tty).await?;
    if let Some(sig) = signals.pending() {
        return Err(RunError::Interrupted(sig));
    }
    // Raw before start, so the very first keystrokes already belong to the container.
    let raw = if tty { tty::RawMode::enter() } else { None };
    start(docker, host, id, tty).await?;
    let mut pumps = Pumps::spawn(spec, output, input);
    let mut watch = Watch {
        docker,
        id,
        tty,
        forwarded: None,
        kill_at: None,
        killed: false,
        timed_out: false,
        stdout_gone: false,
    };
    let (code, captured) = watch.until_exit(host, &mut pumps, signals, raw).await?;
    if let Some(p) = pumps.stdin {
        p.abort();
    }
    if let Some(w) = pumps.writer {
        // All output has been handed over; wait until it is written before tcli exits.
        let _ = w.join();
    }
    let code = match (watch.killed, watch.forwarded) {
        (true, Some(sig)) => i32::from(tcli_core::exit::signal_code(sig)),
        _ => i32::try_from(code).unwrap_or(i32::MAX),
    };
    Ok(Outcome {
        code: u8::try_from(code).unwrap_or(u8::MAX),
        stdout: captured.0,
        stderr: captured.1,
        timed_out: watch.timed_out,
        left_behind: None,
    })
}

/// The container's output and input streams, attached before it starts.
type Attached = (OutputStream, Pin<Box<dyn tokio::io::AsyncWrite + Send>>);

/// Attaches to the container's stdio (stdin only when `inherit`).
async fn attach(
    docker: &Docker,
    host: &str,
    id: &str,
    inherit: bool,
    tty: bool,
) -> Result<Attached, RunError> {
    // A TTY's output is raw bytes, which bollard's attach may misframe (attach.rs).
    if tty {
        if let Some(raw) = crate::attach::raw_tty(host, id, inherit, DETACH_KEYS).await {
            return raw.map_err(|e| {
                RunError::Engine(EngineError::new(
                    ErrorKind::Other,
                    format!("cannot attach to the container at {host}: {e}"),
                ))
            });
        }
    }
    let options = AttachContainerOptions {
        stdin: inherit,
        stdout: true,
        stderr: true,
        stream: true,
        logs: false,
        // The default ctrl-p,ctrl-q would detach (leaving tcli waiting on a container
        // it no longer talks to) and delays every Ctrl-P, which shells and editors use;
        // the engine cannot turn detaching off, so ask for keys nobody types.
        detach_keys: tty.then(|| DETACH_KEYS.to_string()),
    };
    let AttachContainerResults { output, input } = docker
        .attach_container(id, Some(options))
        .await
        .map_err(|e| RunError::Engine(EngineError::from_bollard(host, &e)))?;
    Ok((output, input))
}

/// Starts the container; an entrypoint the engine cannot execute is [`RunError::CannotStart`].
async fn start(docker: &Docker, host: &str, id: &str, tty: bool) -> Result<(), RunError> {
    if let Err(e) = docker
        .start_container(id, None::<StartContainerOptions>)
        .await
    {
        let e = EngineError::from_bollard(host, &e);
        return Err(if cannot_exec(&e.message) {
            RunError::CannotStart(e.message)
        } else {
            RunError::Engine(e)
        });
    }
    if tty {
        resize(docker, id, true).await;
    }
    Ok(())
}

/// The tasks that move the container's stdio: output to the host's stdout and stderr (or into
/// memory for a capture), and the host's stdin in.
struct Pumps {
    output: tokio::task::JoinHandle<(Vec<u8>, Vec<u8>)>,
    writer: Option<std::thread::JoinHandle<()>>,
    stdin: Option<tokio::task::JoinHandle<()>>,
    /// Notified when nobody reads tcli's stdout any more.
    broken_stdout: Arc<Notify>,
    /// When a capture must end.
    deadline: Option<Instant>,
}

impl Pumps {
    fn spawn(
        spec: &RunSpec,
        output: OutputStream,
        input: Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    ) -> Pumps {
        let broken_stdout = Arc::new(Notify::new());
        let (output, writer) = match spec.io {
            Io::Inherit { .. } => {
                let (tx, writer) = spawn_writer(broken_stdout.clone());
                (tokio::spawn(forward_output(output, tx)), Some(writer))
            }
            Io::Capture { keep, .. } => (tokio::spawn(capture_output(output, keep)), None),
        };
        let (stdin, deadline) = match spec.io {
            Io::Inherit { .. } => (Some(tokio::spawn(forward_stdin(input))), None),
            Io::Capture { timeout, .. } => (None, Some(Instant::now() + timeout)),
        };
        Pumps {
            output,
            writer,
            stdin,
            broken_stdout,
            deadline,
        }
    }
}
/// The wait for a started container's exit, and what it did to the container meanwhile.
struct Watch<'a> {
    docker: &'a Docker,
    id: &'a str,
    tty: bool,
    /// The first signal tcli got, forwarded to the container.
    forwarded: Option<i32>,
    /// When a container that ignores the forwarded signal gets SIGKILL.
    kill_at: Option<Instant>,
    killed: bool,
    timed_out: bool,
    stdout_gone: bool,
}

impl<'a> Watch<'a> {
    /// Pumps the output until it ends, gives the terminal back, then waits for the exit
    /// status; meanwhile forwards signals, enforces the capture deadline and ends the module
    /// when nobody reads tcli's stdout. Returns the status and the captured output.
    async fn until_exit(
        &mut self,
        host: &str,
        pumps: &mut Pumps,
        signals: &mut Signals,
        mut raw: Option<tty::RawMode>,
    ) -> Result<(i64, (Vec<u8>, Vec<u8>)), RunError> {
        let (docker, id) = (self.docker, self.id);
        let broken_stdout = Arc::clone(&pumps.broken_stdout);
        let deadline = pumps.deadline;
        let mut captured = (Vec::new(), Vec::new());
        let mut pump = Some(&mut pumps.output);
        let mut wait: Option<Pin<Box<dyn Stream<Item = WaitItem> + Send + 'a>>> = None;
        loop {
            tokio::select! {
                done = async { pump.as_mut().expect("guarded").await }, if pump.is_some() => {
                    pump = None;
                    if let Ok(c) = done {
                        captured = c;
                    }
                    // Give the terminal back before waiting: the container may outlive its stdio.
                    drop(raw.take());
                    wait = Some(Box::pin(docker.wait_container(
                        id,
                        Some(WaitContainerOptions { condition: "not-running".into() }),
                    )));
                }
                item = async { wait.as_mut().expect("guarded").next().await }, if wait.is_some() => {
                    return match item {
                        Some(Ok(r)) => Ok((r.status_code, captured)),
                        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok((code, captured)),
                        Some(Err(e)) => Err(RunError::Engine(EngineError::from_bollard(host, &e))),
                        None => Err(RunError::Engine(EngineError::new(
                            ErrorKind::Other,
                            format!("the Docker engine at {host} lost container {id}"),
                        ))),
                    };
                }
                sig = signals.next() => self.on_signal(sig).await,
                () = sleep_until(self.kill_at), if self.kill_at.is_some() && !self.killed => {
                    self.killed = true;
                    kill(docker, id, "SIGKILL").await;
                }
                () = sleep_until(deadline), if deadline.is_some() && !self.timed_out => {
                    self.timed_out = true;
                    kill(docker, id, "SIGKILL").await;
                }
                () = broken_stdout.notified(), if !self.stdout_gone => {
                    // Nobody reads our stdout any more (`tcli x | head -1`): end the module the way
                    // the pipe would have ended a local process.
                    self.stdout_gone = true;
                    kill(docker, id, "SIGPIPE").await;
                }
            }
        }
    }

    /// A signal tcli got: a resize for a TTY; the first other one is forwarded, a second one
    /// kills.
    async fn on_signal(&mut self, sig: i32) {
        if sig == libc::SIGWINCH {
            if self.tty {
                resize(self.docker, self.id, false).await;
            }
        } else if self.forwarded.is_none() {
            self.forwarded = Some(sig);
            self.kill_at = Some(Instant::now() + KILL_AFTER);
            kill(self.docker, self.id, signal_name(sig)).await;
        } else if !self.killed {
            // Asked twice: the user means it.
            self.killed = true;
            kill(self.docker, self.id, "SIGKILL").await;
        }
    }
}

type WaitItem = Result<bollard::models::ContainerWaitResponse, bollard::errors::Error>;
type OutputStream = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

/// The engine's words for a process that cannot be executed (docker CLI maps these to 126/127).
fn cannot_exec(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "executable file not found",
        "no such file or directory",
        "permission denied",
        "is a directory",
        "exec format error",
    ]
    .iter()
    .any(|p| m.contains(p))
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn kill(docker: &Docker, id: &str, signal: &str) {
    // The container may have exited meanwhile; the wait reports how it ended.
    let _ = docker
        .kill_container(
            id,
            Some(KillContainerOptions {
                signal: signal.to_string(),
            }),
        )
        .await;
}

/// Gives the container the host terminal's size. Right after start the engine can refuse it
/// for a moment, so the first resize retries briefly, as the docker CLI does.
async fn resize(docker: &Docker, id: &str, retry: bool) {
    let Some((rows, cols)) = tty::size() else {
        return;
    };
    let options = ResizeContainerTTYOptions {
        h: i32::from(rows),
        w: i32::from(cols),
    };
    for attempt in 0..if retry { 5 } else { 1 } {
        if docker
            .resize_container_tty(id, options.clone())
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10 * (attempt + 1))).await;
    }
}

/// Streams container output to the writer thread until the container closes it.
async fn forward_output(
    mut output: OutputStream,
    tx: mpsc::Sender<LogOutput>,
) -> (Vec<u8>, Vec<u8>) {
    while let Some(Ok(item)) = output.next().await {
        if tx.send(item).await.is_err() {
            break;
        }
    }
    (Vec::new(), Vec::new())
}

/// Keeps the first `keep` bytes of stdout and stderr.
async fn capture_output(mut output: OutputStream, keep: usize) -> (Vec<u8>, Vec<u8>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some(Ok(item)) = output.next().await {
        let buf = match item {
            LogOutput::StdOut { .. } | LogOutput::Console { .. } => &mut out,
            LogOutput::StdErr { .. } => &mut err,
            LogOutput::StdIn { .. } => continue,
        };
        let bytes = item.into_bytes();
        let room = keep.saturating_sub(buf.len());
        buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
    (out, err)
}

/// Writes container output to tcli's stdout and stderr on a thread of its own: a blocked
/// reader on our stdout must not stop the runtime from handling signals. A closed stdout is
/// reported once through `broken`; its output is then dropped.
fn spawn_writer(broken: Arc<Notify>) -> (mpsc::Sender<LogOutput>, std::thread::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<LogOutput>(16);
    let handle = std::thread::spawn(move || {
        // Our own handles on fds 1 and 2: unbuffered, so bytes go out as they come.
        let mut out = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(std::fs::File::from);
        let mut err = std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(std::fs::File::from);
        while let Some(item) = rx.blocking_recv() {
            let to_stdout = !matches!(item, LogOutput::StdErr { .. });
            if matches!(item, LogOutput::StdIn { .. }) {
                continue;
            }
            let bytes = item.into_bytes();
            if to_stdout {
                if let Some(f) = out.as_mut() {
                    if let Err(e) = f.write_all(&bytes) {
                        out = None;
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            broken.notify_one();
                        }
                    }
                }
            } else if let Some(f) = err.as_mut() {
                if f.write_all(&bytes).is_err() {
                    err = None;
                }
            }
        }
    });
    (tx, handle)
}

/// Copies host stdin into the container, then closes the container's stdin (EOF).
async fn forward_stdin(mut input: Pin<Box<dyn tokio::io::AsyncWrite + Send>>) {
    let mut rx = spawn_stdin_reader();
    while let Some(chunk) = rx.recv().await {
        if input.write_all(&chunk).await.is_err() {
            return;
        }
    }
    // A half-close: the container's stdin sees EOF while its output keeps streaming to us.
    let _ = input.flush().await;
    let _ = input.shutdown().await;
}

/// Reads host stdin on a thread of its own (a blocking read cannot be cancelled; the thread
/// simply ends with the process). Chunks go through a small channel: back-pressure instead of
/// buffering a whole pipe in memory.
fn spawn_stdin_reader() -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel::<Vec<u8>>(4);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    rx
}

/// The signals tcli forwards to a running container, plus SIGWINCH for terminal resizes.
struct Signals {
    streams: Vec<(i32, Signal)>,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        let wanted = [
            (libc::SIGINT, SignalKind::interrupt()),
            (libc::SIGTERM, SignalKind::terminate()),
            (libc::SIGHUP, SignalKind::hangup()),
            (libc::SIGQUIT, SignalKind::quit()),
            (libc::SIGWINCH, SignalKind::window_change()),
        ];
        let mut streams = Vec::with_capacity(wanted.len());
        for (n, kind) in wanted {
            streams.push((n, signal(kind)?));
        }
        Ok(Signals { streams })
    }

    /// The next signal to arrive.
    async fn next(&mut self) -> i32 {
        let waits = self.streams.iter_mut().map(|(n, s)| {
            let n = *n;
            Box::pin(async move {
                s.recv().await;
                n
            })
        });
        futures_util::future::select_all(waits).await.0
    }

    /// A signal that already arrived (other than a resize), without waiting.
    fn pending(&mut self) -> Option<i32> {
        self.streams
            .iter_mut()
            .filter(|(n, _)| *n != libc::SIGWINCH)
            .find_map(|(n, s)| s.recv().now_or_never().map(|_| *n))
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        _ => "SIGTERM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_failures_are_recognised() {
        assert!(cannot_exec(
            "failed to create shim: OCI runtime create failed: exec: \"/nope\": stat /nope: no such file or directory: unknown"
        ));
        assert!(cannot_exec(
            "exec: \"x\": executable file not found in $PATH"
        ));
        assert!(!cannot_exec("network frobnitz not found"));
    }

    #[test]
    fn no_args_keep_the_image_cmd() {
        let spec = RunSpec {
            image: "sha256:abc".into(),
            args: vec![],
            env: vec!["A=1".into()],
            user: Some("1000:1000".into()),
            mount_cwd: Some("/work/x".into()),
            network: Some("none".into()),
            io: Io::Inherit { tty: false },
        };
        let body = create_body(&spec);
        assert_eq!(body.cmd, None);
        assert_eq!(body.working_dir.as_deref(), Some("/work/x"));
        let host = body.host_config.unwrap();
        assert_eq!(host.init, Some(true));
        assert_eq!(host.network_mode.as_deref(), Some("none"));
        let mount = &host.mounts.unwrap()[0];
        assert_eq!(mount.source.as_deref(), Some("/work/x"));
        assert_eq!(mount.target.as_deref(), Some("/work/x"));
        assert_eq!(body.open_stdin, Some(true));
        assert_eq!(body.tty, Some(false));
    }
}
