//! The only code that writes to the terminal. stdout carries data (lists, JSON, help); stderr
//! carries messages (`error:`, `warning:`, `hint:`). Colour only on a terminal and never with
//! `NO_COLOR` or `TERM=dumb`. A closed stdout pipe ends tcli quietly with exit 0, like ripgrep.
//! Messages are made inert: one line each, control characters shown escaped.

use crate::env_vars;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
// Every message passes through it: what a message quotes (a file, a server, a signature)
// cannot drive the terminal.
use tcli_plugin_sdk::output::inert;

struct Caps {
    out_tty: bool,
    err_tty: bool,
    colour_ok: bool,
}

fn caps() -> &'static Caps {
    static CAPS: OnceLock<Caps> = OnceLock::new();
    CAPS.get_or_init(|| Caps {
        out_tty: std::io::stdout().is_terminal(),
        err_tty: std::io::stderr().is_terminal(),
        colour_ok: env_vars::get_os(env_vars::NO_COLOR).is_none()
            && env_vars::get_os("TERM").is_none_or(|t| t != "dumb"),
    })
}

/// stdout is a terminal.
pub fn stdout_is_tty() -> bool {
    caps().out_tty
}

/// stderr is a terminal.
pub fn stderr_is_tty() -> bool {
    caps().err_tty
}

/// True when unasked hints may be printed: stderr is a terminal and `CI` is unset.
pub fn interactive() -> bool {
    stderr_is_tty() && !env_vars::is_truthy(env_vars::CI)
}

/// ANSI styles used on stdout.
#[derive(Clone, Copy)]
pub enum Style {
    /// Section headings.
    Heading,
    /// Module names.
    Name,
    /// Secondary text.
    Dim,
}

/// Wraps `s` in `style` when stdout may be coloured.
pub fn paint(s: &str, style: Style) -> String {
    if !(caps().out_tty && caps().colour_ok) {
        return s.to_string();
    }
    let code = match style {
        Style::Heading => "1",
        Style::Name => "1;36",
        Style::Dim => "2",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

fn paint_err(s: &str, code: &str) -> String {
    if caps().err_tty && caps().colour_ok {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Makes a write to a closed pipe fail with EPIPE (which [`out`] turns into a quiet exit 0)
/// instead of killing tcli. A no-op handler rather than SIG_IGN: the kernel resets handlers on
/// exec, so every module tcli runs still gets the default SIGPIPE, while an ignored signal
/// would stay ignored in them.
pub fn handle_broken_pipe() {
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGPIPE,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
}

/// Writes data to stdout. A closed pipe (`tcli modules list | head -1`) ends tcli with 0.
pub fn out(text: &str) {
    out_bytes(text.as_bytes());
}

/// Writes raw bytes to stdout.
pub fn out_bytes(bytes: &[u8]) {
    let mut o = std::io::stdout().lock();
    match o.write_all(bytes).and_then(|()| o.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        // A full disk or a failing device: the data is lost, so the caller must know.
        Err(e) => {
            err_line(&format!(
                "{} cannot write to stdout: {e}",
                paint_err("error:", "1;31")
            ));
            std::process::exit(i32::from(crate::exit::Exit::Failure.code()));
        }
    }
}

/// Pretty JSON and a newline on stdout.
pub fn json<T: serde::Serialize>(value: &T) {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    s.push('\n');
    out(&s);
}

fn err_line(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{line}");
}

/// `error: <message>`, its causes, then `hint: <fix>` on stderr.
pub fn error(err: &anyhow::Error) {
    error_lines(err);
    if let Some(h) = crate::error::hint_of(err) {
        hint(&h);
    }
}

/// The `error:` line and its causes, without a hint: for a binary whose own error type holds
/// the hint (tcli_git), which prints exactly one.
pub fn error_lines(err: &anyhow::Error) {
    let mut chain = err.chain();
    if let Some(top) = chain.next() {
        err_line(&format!(
            "{} {}",
            paint_err("error:", "1;31"),
            inert(&top.to_string())
        ));
    }
    for cause in chain {
        let text = cause.to_string();
        // A failure's hint is printed below; its message is already the top line.
        if !crate::error::is_reported(cause) {
            err_line(&format!(
                "  {} {}",
                paint_err("caused by:", "2"),
                inert(&text)
            ));
        }
    }
}

/// `warning: <message>` on stderr.
pub fn warn(msg: &str) {
    err_line(&format!("{} {}", paint_err("warning:", "1;33"), inert(msg)));
}

/// `hint: <message>` on stderr.
pub fn hint(msg: &str) {
    err_line(&format!("{} {}", paint_err("hint:", "1;32"), inert(msg)));
}

/// A progress or status line on stderr (never stdout, so data stays clean).
pub fn status(msg: &str) {
    err_line(&inert(msg));
}

/// Prints a clap error or help the way clap would, through this module, and returns its code.
pub fn clap_error(e: &clap::Error) -> u8 {
    let rendered = e.render();
    if e.use_stderr() {
        let text = if caps().err_tty && caps().colour_ok {
            rendered.ansi().to_string()
        } else {
            rendered.to_string()
        };
        let mut s = std::io::stderr().lock();
        let _ = s.write_all(text.as_bytes());
    } else {
        let text = if caps().out_tty && caps().colour_ok {
            rendered.ansi().to_string()
        } else {
            rendered.to_string()
        };
        out(&text);
    }
    u8::try_from(e.exit_code()).unwrap_or(2)
}

/// Lines of `name  description` with names padded to one column.
pub fn aligned(rows: &[(String, String)], indent: usize) -> String {
    let width = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    let mut s = String::new();
    for (name, desc) in rows {
        let pad = width.saturating_sub(name.chars().count());
        let painted = paint(name, Style::Name);
        if desc.is_empty() {
            s.push_str(&format!("{:indent$}{painted}\n", ""));
        } else {
            s.push_str(&format!("{:indent$}{painted}{:pad$}  {desc}\n", "", ""));
        }
    }
    s
}
