//! The `tcli` binary: read the environment, dispatch, print any error once, exit with the code
//! of BRIEF section 9.

use std::process::ExitCode;
use tcli_core::{context::Context, dispatch, error, ui};

fn main() -> ExitCode {
    let cx = Context::from_env();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    // Before dispatch: an exec module replaces this process.
    tcli_core::team::stale::maybe_hint(&cx, args.first().map(|a| a.as_os_str()));
    match dispatch::run(&cx, args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            ui::error(&err);
            ExitCode::from(error::exit_of(&err).code())
        }
    }
}
