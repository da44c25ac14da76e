//! Running a docker module (docs/docker-modules.md): asks the engine for the module's current image
//! (the index may be up to a TTL old), then runs it by image ID with `--rm --init`, stdin
//! attached, a terminal only when stdin and stdout are terminals, the host uid:gid, the current
//! directory mounted at the same path, and only the environment the image asks for. The
//! container's exit code is tcli's. The container lifecycle itself is the docker helper's, reached
//! through `tcli_helper::docker`.

use crate::context::Context;
use crate::env_vars;
use crate::error::Failure;
use crate::model::verbs::{help_words, verb_failure};
use crate::model::{HelpFailure, ModuleInfo, RunSettings};
use crate::prim::text::sanitize_line;
use crate::sources::docker as source;
use crate::ui;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::time::Duration;
use tcli_helper::docker::{Engine, EngineError, Image, Io, Outcome, RunError, RunSpec};

/// How long a module's `--help` may take under `tcli modules check` (a container start
/// included, on a busy CI machine).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `module` with `args`: tcli becomes the docker helper, which asks the engine for the
/// module's current image ([`prepare`]), runs it and ends with the container's exit code.
pub fn run(module: &ModuleInfo, args: &[OsString]) -> anyhow::Result<u8> {
    let args = utf8_args(&module.name, args)?;
    tcli_helper::require(tcli_helper::DOCKER)?;
    Err(Engine::exec_run(module, args).into())
}

/// In the docker helper, before a run: the module as the engine has it now (`images`, its
/// answer; the index may be up to a TTL old, and an image rebuilt since runs as it is now) and
/// the container to run for it on this process's stdio.
pub fn prepare(
    cx: &Context,
    module: &ModuleInfo,
    images: Result<Vec<Image>, EngineError>,
    args: Vec<String>,
) -> anyhow::Result<(ModuleInfo, RunSpec)> {
    let images = images.map_err(|error| Failure::EngineUnusable {
        name: module.name.clone(),
        error,
    })?;
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    // A pinned image runs by the ID it was pulled as, whatever the labelled images are now: the
    // pin is what trusts it, and an image pruned since fails at create as `ImageGone`.
    if module.pinned_by().is_some() {
        let spec = spec(module, args, Io::Inherit { tty }, true)?;
        return Ok((module.clone(), spec));
    }
    let live = source::modules_from(&images, &source::Trust::load(cx));
    let Some(current) = crate::catalog::pick(&live, &module.name) else {
        return Err(gone(module).into());
    };
    if !current.runnable {
        return Err(crate::catalog::cannot_run(current).into());
    }
    let spec = spec(current, args, Io::Inherit { tty }, true)?;
    Ok((current.clone(), spec))
}

/// How a module run ended, for the user: the container's exit code, a warning for a container
/// left behind, or the error. Called by the docker helper that ran it.
pub fn finish(
    module: &ModuleInfo,
    result: Result<Outcome, RunError>,
    host: &str,
) -> anyhow::Result<u8> {
    match result {
        Ok(outcome) => {
            if let Some(left) = outcome.left_behind {
                ui::warn(&format!("the container could not be removed: {left}"));
            }
            Ok(outcome.code)
        }
        // Nothing ran: end as the signal would have ended a local process, and say nothing.
        Err(RunError::Interrupted(sig)) => Ok(crate::exit::signal_code(sig)),
        Err(e) => Err(run_error(module, &e, host)),
    }
}

/// The `tcli modules check` of one docker module: its `--help`, and each declared verb's, must
/// exit 0 and print to stdout. Each returned line is one failure.
pub fn check_help(module: &ModuleInfo) -> Vec<String> {
    let engine = match Engine::connect() {
        Ok(e) => e,
        Err(e) => return vec![format!("cannot check: Docker engine not reachable: {e}")],
    };
    help_words(module)
        .into_iter()
        .filter_map(|words| {
            let verb = words.join(" ");
            let mut args: Vec<String> = words.into_iter().map(String::from).collect();
            args.push("--help".into());
            let problem = help_problem(&engine, module, args)?;
            Some(verb_failure(&verb, &problem))
        })
        .collect()
}

/// Runs the image with `args` (ending in `--help`) and says what is wrong with the answer.
fn help_problem(engine: &Engine, module: &ModuleInfo, args: Vec<String>) -> Option<String> {
    let io = Io::Capture {
        keep: 64 * 1024,
        timeout: CHECK_TIMEOUT,
    };
    let spec = match spec(module, args, io, false) {
        Ok(s) => s,
        Err(e) => return Some(format!("{e:#}")),
    };
    match engine.run(&spec) {
        Ok(o) => {
            // The one verdict every kind's `--help` gets (`model::HelpFailure::of`).
            let seen = crate::prim::probe::Outcome {
                stdout: o.stdout,
                stderr: o.stderr,
                code: Some(i32::from(o.code)),
                timed_out: o.timed_out,
                spawn_error: None,
            };
            HelpFailure::of(&seen, CHECK_TIMEOUT.as_secs(), true).map(|f| f.to_string())
        }
        Err(e) => {
            let e = run_error(module, &e, engine.host());
            Some(match crate::error::hint_of(&e) {
                Some(h) => format!("{e} ({h})"),
                None => e.to_string(),
            })
        }
    }
}

/// The container to run for `module`: its image ID, the host user, the current directory and
/// the named environment, per its run settings. `mount_cwd` false never mounts (a check).
fn spec(
    module: &ModuleInfo,
    args: Vec<String>,
    io: Io,
    mount_cwd: bool,
) -> anyhow::Result<RunSpec> {
    let settings: RunSettings = source::run_settings(module);
    let mut env: Vec<String> = settings
        .env
        .iter()
        .filter_map(|name| {
            let value = std::env::var_os(name)?;
            Some(format!("{name}={}", value.to_str()?))
        })
        .collect();
    // tcli's own variables, as every module gets them; TCLI_BIN is a host path, useless inside.
    for (k, v) in crate::prim::probe::module_env(&module.name) {
        if k != env_vars::TCLI_BIN {
            env.push(format!("{k}={}", v.to_string_lossy()));
        }
    }
    let user = settings.host_user.then(|| {
        format!(
            "{}:{}",
            rustix::process::getuid().as_raw(),
            rustix::process::getgid().as_raw()
        )
    });
    let mount_cwd = if mount_cwd && settings.mount_cwd {
        match mountable(std::env::current_dir()) {
            Ok(dir) => Some(dir),
            Err(why) => {
                // The module still runs, in the image's WORKDIR: most do not need the mount,
                // and one that does fails in its own words. Scripts read nothing extra.
                if crate::ui::stderr_is_tty() {
                    crate::ui::status(&format!(
                        "note: {why}; module '{}' runs without it (docs/docker-modules.md)",
                        module.name
                    ));
                }
                None
            }
        }
    } else {
        None
    };
    Ok(RunSpec {
        image: module.image_id().to_string(),
        args,
        env,
        user,
        mount_cwd,
        network: settings.network,
        io,
    })
}

/// The current directory as the bind mount's path, or why it cannot be mounted: unreadable
/// (deleted), not UTF-8 (the Docker API carries paths as JSON strings), or `/` (the engine
/// refuses a mount over the container's root).
fn mountable(cwd: std::io::Result<std::path::PathBuf>) -> Result<String, String> {
    let cwd = cwd
        .map_err(|e| format!("the current directory cannot be read ({e}), so it is not mounted"))?;
    match cwd.to_str() {
        None => Err(format!(
            "the current directory {cwd:?} is not valid UTF-8, so it is not mounted"
        )),
        Some("/") => Err(
            "the current directory is /, which cannot be mounted over the container's root"
                .to_string(),
        ),
        Some(dir) => Ok(dir.to_string()),
    }
}

/// The Docker API carries arguments as JSON strings: bytes that are not UTF-8 cannot reach the
/// container unchanged, so they are refused rather than altered.
fn utf8_args(name: &str, args: &[OsString]) -> anyhow::Result<Vec<String>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            a.to_str().map(str::to_string).ok_or_else(|| {
                Failure::DockerArgNotUtf8 {
                    name: name.to_string(),
                    position: i + 1,
                    arg: a.clone(),
                }
                .into()
            })
        })
        .collect()
}

fn gone(module: &ModuleInfo) -> Failure {
    let (name, image) = (module.name.clone(), module.image_id().to_string());
    match module.pinned_by() {
        Some(team) => Failure::PinnedImageGone {
            name,
            image,
            team: team.to_string(),
        },
        None => Failure::ImageGone {
            name,
            image,
            location: module.location.clone(),
        },
    }
}

fn run_error(module: &ModuleInfo, e: &RunError, host: &str) -> anyhow::Error {
    let (name, image) = (module.name.clone(), module.image_id().to_string());
    match e {
        RunError::ImageGone(_) => gone(module),
        RunError::CannotStart(why) => Failure::ContainerCannotStart {
            name,
            image,
            why: sanitize_line(why, 400),
        },
        RunError::Engine(e) => Failure::EngineFailed {
            host: host.to_string(),
            name,
            image,
            error: e.clone(),
        },
        RunError::Interrupted(sig) => Failure::Interrupted { name, signal: *sig },
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::mountable;
    use std::path::PathBuf;

    #[test]
    fn root_unreadable_and_non_utf8_dirs_are_not_mounted() {
        assert_eq!(
            mountable(Ok(PathBuf::from("/work/x"))),
            Ok("/work/x".to_string())
        );
        assert!(mountable(Ok(PathBuf::from("/")))
            .unwrap_err()
            .contains("is /"));
        assert!(mountable(Err(std::io::Error::other("gone"))).is_err());
        use std::os::unix::ffi::OsStrExt;
        let bad = PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/\xff"));
        assert!(mountable(Ok(bad)).unwrap_err().contains("UTF-8"));
    }
}
