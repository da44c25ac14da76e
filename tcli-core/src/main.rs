//! The `tcli` binary: read the environment, dispatch, print any error once, exit with the code
//! of docs/cli.md ("Exit codes").
//!
//! tcli starts at the C `main`, not through Rust's runtime (`lang_start`). Dispatch overhead is
//! mostly process start-up, and `lang_start` spends ~0.1 ms of it (bench/core.sh) reading
//! /proc/self/maps to place a main-thread stack guard that tcli, which recurses nowhere, does
//! not need. What `lang_start` did that tcli does need, it does itself: SIGPIPE is handled by
//! `ui::handle_broken_pipe` (a handler, not SIG_IGN, so the kernel resets it for the modules
//! tcli execs), and stdout is flushed by `ui` on every write.

#![no_main]

use std::ffi::{c_char, c_int};
use tcli_core::{context::Context, dispatch, error, ui};

/// The process entry point, called by the C runtime. Arguments are read through
/// `std::env::args_os`, which glibc hands to Rust before `main` runs.
// The one exception to "unsafe only where libraries are loaded": exporting the unmangled C
// `main` symbol is an unsafe attribute. SAFETY: nothing else in the program defines `main`, and
// the signature is the one the C runtime calls.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    ui::handle_broken_pipe();
    let cx = Context::from_env();
    tcli_core::team_dirs::read_once();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    // Before dispatch: an exec module replaces this process.
    tcli_core::team::stale::maybe_hint(&cx, args.first().map(|a| a.as_os_str()));
    tcli_core::team::withheld::maybe_warn(&cx, args.first().map(|a| a.as_os_str()));
    let code = match dispatch::run(&cx, args) {
        Ok(code) => code,
        Err(err) => {
            ui::error(&err);
            error::exit_of(&err).code()
        }
    };
    c_int::from(code)
}
