//! The safe half of what [`export_plugin!`](crate::export_plugin) expands to: compile-time
//! checks of the descriptor strings, the manifest built from the clap command, and one run
//! (parse with clap as `tcli <module>`, call the author's function, catch a panic, flush).
//! Public only for the macro; not part of the SDK's API.

use crate::abi::EXIT_PANIC;
use crate::{exit, Error, Host};
use clap::{Command, CommandFactory};
use std::ffi::{c_int, CString, OsString};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

/// `s` followed by a NUL byte, as an array of exactly `N = s.len() + 1` bytes. A NUL inside
/// `s` is a compile error (the macro evaluates this in a `static`).
pub const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    assert!(b.len() + 1 == N, "descriptor string length mismatch");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < b.len() {
        assert!(b[i] != 0, "a descriptor string cannot contain a NUL byte");
        out[i] = b[i];
        i += 1;
    }
    out
}

/// Fails compilation when `name` is not a valid module name: the same rule tcli applies
/// ([`crate::is_valid_name`]).
pub const fn assert_valid_name(name: &str) {
    assert!(
        crate::is_valid_name(name),
        "a module name has 1 to 64 bytes of a-z, 0-9 and single '-' between them, starting with a letter"
    );
}

/// The command line of a module whose first word is always a verb or a subject (`tcli <module>
/// <verb> [args]`): help when none is given, and the module's description and version (from
/// [`crate::export_plugin!`]) as its about and `--version`. `Verbs<Verb>` spares each module the
/// same few lines of clap; a module with options before its verb derives its own.
#[derive(clap::Parser, Debug)]
#[command(about = None, long_about = None, arg_required_else_help = true)]
pub struct Verbs<V: clap::Subcommand> {
    // The verb and its arguments.
    #[command(subcommand)]
    pub verb: V,
}

/// The JSON manifest (schema 1) of the clap command `C`, or `None` when building it panicked.
pub fn manifest<C: CommandFactory>(
    name: &str,
    description: &str,
    version: &str,
) -> Option<CString> {
    let built = panic::catch_unwind(|| {
        let cmd = C::command();
        serde_json::json!({
            "schema": 1,
            "name": name,
            "description": description,
            "version": version,
            "verbs": verbs(&cmd),
        })
        .to_string()
    });
    built.ok().and_then(|s| CString::new(s).ok())
}

fn verbs(cmd: &Command) -> Vec<serde_json::Value> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let mut v = serde_json::json!({
                "name": s.get_name(),
                "about": s.get_about().map(|a| a.to_string()),
                "aliases": s.get_visible_aliases().collect::<Vec<_>>(),
            });
            let nested = verbs(s);
            if !nested.is_empty() {
                v["verbs"] = serde_json::Value::Array(nested);
            }
            v
        })
        .collect()
}

/// An argument's bytes as the OS string they came from.
pub fn os_string(bytes: &[u8]) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(bytes).to_os_string()
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// A path from the host's bytes.
pub fn path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(os_string(bytes))
}

/// One invocation: parse `args` (`args[0]` is the module name) with `C` as `tcli <name>`, run
/// `f`, and turn every outcome into an exit status. A panic anywhere in here becomes
/// [`EXIT_PANIC`] with the message on stderr; the module's stdout and stderr are flushed
/// before returning because tcli's own std cannot see this library's buffers.
pub fn run<C: clap::Parser>(
    [name, description, version]: [&'static str; 3],
    host: Result<Host<'_>, Error>,
    args: Vec<OsString>,
    f: fn(C, &Host<'_>) -> Result<(), Error>,
) -> c_int {
    install_panic_hook(name);
    let mut code = match panic::catch_unwind(AssertUnwindSafe(|| {
        run_caught([name, description, version], host, args, f)
    })) {
        Ok(code) => code,
        // `println!` into a closed pipe (`tcli web list | head -1`) panics in std; for the user
        // that is the reader going away, which docs/cli.md (exit codes) makes exit 0.
        Err(payload) if panic_message(payload.as_ref()).is_some_and(is_broken_pipe) => {
            c_int::from(exit::SUCCESS)
        }
        Err(_) => EXIT_PANIC,
    };
    match std::io::stdout().flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe && code == 0 => {
            // Output that never arrived (a full disk) must not look like success.
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: module '{name}' cannot write to stdout: {e}"
            );
            code = c_int::from(exit::FAILURE);
        }
        _ => {}
    }
    let _ = std::io::stderr().flush();
    code
}

/// The text of a panic payload, when it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// std's panic for a `print!` whose reader went away.
fn is_broken_pipe(msg: &str) -> bool {
    msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe")
}

fn run_caught<C: clap::Parser>(
    [name, description, version]: [&'static str; 3],
    host: Result<Host<'_>, Error>,
    args: Vec<OsString>,
    f: fn(C, &Host<'_>) -> Result<(), Error>,
) -> c_int {
    let mut cmd = C::command().name(name).bin_name(format!("tcli {name}"));
    // A command that states neither (crate::Verbs) shows the module's own.
    if cmd.get_about().is_none() {
        cmd = cmd.about(description);
    }
    if cmd.get_version().is_none() {
        cmd = cmd.version(version);
    }
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|mut m| C::from_arg_matches_mut(&mut m))
        .map_err(|e| e.format(&mut cmd));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let outcome = host.and_then(|h| f(cli, &h));
    match outcome {
        Ok(()) => c_int::from(exit::SUCCESS),
        Err(e) => {
            e.report();
            c_int::from(e.exit_code())
        }
    }
}

/// Routes panics of this library's std (each cdylib has its own) to one `error:` line.
fn install_panic_hook(name: &'static str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(move |info| {
            let msg = panic_message(info.payload()).unwrap_or("(no message)");
            if is_broken_pipe(msg) {
                return;
            }
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let _ = write!(
                std::io::stderr().lock(),
                "error: module '{name}' panicked{at}: {}\n\
                 hint: this is a bug in the module; report it to its authors\n",
                crate::output::inert(msg)
            );
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, Subcommand};

    /// Test command
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        verb: Verb,
    }

    #[derive(Subcommand)]
    enum Verb {
        /// Succeed
        Ok,
        /// Fail with a status
        Fail { code: u8 },
        /// Panic
        Boom,
        /// Read the settings
        Settings,
        /// A subject
        Env {
            #[command(subcommand)]
            verb: EnvVerb,
        },
    }

    #[derive(Subcommand)]
    enum EnvVerb {
        /// Create one
        #[command(visible_alias = "new")]
        Create,
    }

    fn f(cli: Cli, host: &Host<'_>) -> Result<(), Error> {
        match cli.verb {
            Verb::Ok | Verb::Env { .. } => Ok(()),
            Verb::Fail { code } => Err(Error::Failed {
                message: "failed".into(),
                hint: None,
                code,
            }),
            Verb::Boom => panic!("boom"),
            Verb::Settings => host.settings().map(|_| ()),
        }
    }

    fn run_with(words: &[&str], settings: Result<&str, &str>) -> c_int {
        let load = move || settings.map(str::to_string).map_err(str::to_string);
        let host = Host::new(
            "t",
            "0.0.0",
            [PathBuf::new(), PathBuf::new(), PathBuf::new()],
            &load,
        );
        let args = std::iter::once("t")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        run::<Cli>(["t", "test", "0.0.0"], Ok(host), args, f)
    }

    #[test]
    fn run_maps_outcomes_to_exit_codes() {
        assert_eq!(run_with(&["ok"], Ok("{}")), 0);
        assert_eq!(run_with(&["fail", "7"], Ok("{}")), 7);
        assert_eq!(run_with(&["nope"], Ok("{}")), 2);
        assert_eq!(run_with(&["boom"], Ok("{}")), EXIT_PANIC);
        assert_eq!(run_with(&["settings"], Ok("{}")), 0);
        assert_eq!(run_with(&["settings"], Err("bad toml")), 1);
        assert_eq!(run_with(&["settings"], Ok("not json")), 1);
    }

    #[test]
    fn manifest_lists_verbs_and_subjects() {
        let m = manifest::<Cli>("t", "about", "1.0").unwrap();
        let v: serde_json::Value = serde_json::from_slice(m.to_bytes()).unwrap();
        assert_eq!(v["schema"], 1);
        let names: Vec<&str> = v["verbs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["ok", "fail", "boom", "settings", "env"]);
        assert_eq!(v["verbs"][4]["verbs"][0]["name"], "create");
        assert_eq!(v["verbs"][4]["verbs"][0]["aliases"][0], "new");
    }

    #[test]
    fn nul_terminated_appends_one_nul() {
        const S: &str = "web";
        let b: [u8; S.len() + 1] = nul_terminated(S);
        assert_eq!(&b, b"web\0");
    }

    #[test]
    fn broken_pipe_is_a_quiet_success() {
        let e = Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(e.exit_code(), 0);
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::failed("x").with_hint("y").exit_code(), 1);
    }
}
