//! `tcli_docker`: tcli's Docker engine helper. It holds the engine client (bollard, hyper,
//! tokio), so no code that parses what the engine sends runs in the process that dispatches a
//! module. tcli starts it for one operation at a time over the private protocol of
//! docs/helpers.md (`ping`, `images`, `capture`, and for pins `pull`, `present`, `untag`: one
//! JSON answer on stdout) or becomes it to run
//! a module (`run`: the container's stdio, signals and exit code are this process's).

mod attach;
mod classify;
mod engine;
mod pull;
mod run;
mod tty;

use engine::Engine;
use serde::Serialize;
use std::ffi::OsString;
use std::process::ExitCode;
use tcli_core::error::{self, CliError};
use tcli_core::model::ModuleInfo;
use tcli_core::{runner, ui};
use tcli_helper as helpers;
use tcli_helper::docker::{self as protocol, Answer, RunError, RunRequest, RunSpec};

fn main() -> ExitCode {
    ui::handle_broken_pipe();
    helpers::act_for_caller();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let code = match serve(&args) {
        Ok(code) => code,
        Err(err) => {
            ui::error(&err);
            error::exit_of(&err).code()
        }
    };
    ExitCode::from(code)
}

/// Runs the operation `args` ask for; returns the exit status.
fn serve(args: &[OsString]) -> anyhow::Result<u8> {
    let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    match words.as_slice() {
        [protocol::OP_PING, host] => Ok(answer(Engine::connect_to(host).map(|_| ()))),
        [protocol::OP_IMAGES, host] => Ok(answer(
            Engine::connect_to(host).and_then(|e| e.module_images()),
        )),
        [protocol::OP_PULL, host] => {
            let req: protocol::PullRequest = serde_json::from_str(&request()?)?;
            Ok(answer(
                Engine::connect_to(host)
                    .map_err(protocol::PullError::Engine)
                    .and_then(|e| e.pull(&req)),
            ))
        }
        [protocol::OP_PRESENT, host] => {
            let ids: Vec<String> = serde_json::from_str(&request()?)?;
            Ok(answer(
                Engine::connect_to(host).and_then(|e| e.present(&ids)),
            ))
        }
        [protocol::OP_UNTAG, host] => {
            let req: protocol::UntagRequest = serde_json::from_str(&request()?)?;
            Ok(answer(Engine::connect_to(host).and_then(|e| e.untag(&req))))
        }
        [protocol::OP_CAPTURE, host] => {
            let spec: RunSpec = serde_json::from_str(&request()?)?;
            Ok(answer(run_on(host, &spec)))
        }
        [protocol::OP_RUN, host] => {
            let request: RunRequest<ModuleInfo> = serde_json::from_str(&request()?)?;
            let cx = tcli_core::context::Context::from_env();
            let engine = Engine::connect_to(host);
            // A pinned module runs by its image ID; the labelled images are not asked for.
            let images = match &engine {
                Ok(_) if request.module.pinned_by().is_some() => Ok(Vec::new()),
                Ok(e) => e.module_images(),
                Err(e) => Err(e.clone()),
            };
            let (module, spec) =
                runner::docker::prepare(&cx, &request.module, images, request.args)?;
            let result = match engine {
                Ok(e) => e.run(&spec),
                Err(e) => Err(RunError::Engine(e)),
            };
            runner::docker::finish(&module, result, host)
        }
        _ => Err(CliError::from(Misuse::NotACommand).into()),
    }
}

/// How the helper itself was misused (not tcli's protocol), and the one place that turns it
/// into the `error:` and `hint:` lines and the exit code; the engine's own failures are the
/// protocol's answers or `tcli_core::error::Failure`s.
#[derive(Debug)]
enum Misuse {
    /// Run by hand, or with words that are no operation of the protocol.
    NotACommand,
    /// Run without the request tcli puts in the environment.
    NoRequest,
}

impl std::fmt::Display for Misuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Misuse::NotACommand => write!(
                f,
                "{} is tcli's Docker helper, not a command (protocol: docs/helpers.md)",
                helpers::DOCKER
            ),
            Misuse::NoRequest => write!(
                f,
                "{} needs its request in {}",
                helpers::DOCKER,
                tcli_core::env_vars::TCLI_HELPER_REQUEST
            ),
        }
    }
}

impl Misuse {
    fn hint(&self) -> Option<&'static str> {
        match self {
            Misuse::NotACommand => Some("run 'tcli' instead"),
            Misuse::NoRequest => None,
        }
    }
}

impl From<Misuse> for CliError {
    fn from(m: Misuse) -> CliError {
        let e = CliError::usage(m.to_string());
        match m.hint() {
            Some(h) => e.hint(h),
            None => e,
        }
    }
}

/// The request tcli set in the environment (never on argv: docs/helpers.md).
fn request() -> anyhow::Result<String> {
    tcli_core::env_vars::get_os(tcli_core::env_vars::TCLI_HELPER_REQUEST)
        .and_then(|v| v.into_string().ok())
        .ok_or_else(|| CliError::from(Misuse::NoRequest).into())
}

/// Connects to `host` and runs `spec` there.
fn run_on(host: &str, spec: &RunSpec) -> Result<protocol::Outcome, RunError> {
    Engine::connect_to(host)
        .map_err(RunError::Engine)?
        .run(spec)
}

/// Prints `result` as the protocol's one JSON answer and returns the matching exit status.
fn answer<T: Serialize, E: Serialize>(result: Result<T, E>) -> u8 {
    let (answer, status) = match result {
        Ok(t) => (Answer::Ok(t), 0),
        Err(e) => (Answer::Error(e), protocol::ANSWER_ERROR_STATUS),
    };
    ui::out(&serde_json::to_string(&answer).unwrap_or_else(|_| "null".into()));
    ui::out("\n");
    status
}
