//! Running an exec module: on Unix tcli replaces itself with it (docs/exec-modules.md), so signals,
//! the terminal, stdin and the exit status are the module's own, and tcli adds nothing after.

use crate::error::Failure;
use crate::model::{Detail, ModuleInfo};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Replaces this process with the module. Returns only when that fails.
pub fn run(module: &ModuleInfo, args: &[OsString]) -> anyhow::Result<u8> {
    // argv[0] is the path itself, as a shell would set it after a PATH lookup.
    replace(module, Path::new(&module.location), &[], args)
}

/// Replaces this process with a source plugin's module: its `run` array, then the user's words
/// (docs/source-plugins.md).
pub fn run_source(module: &ModuleInfo, args: &[OsString]) -> anyhow::Result<u8> {
    match &module.detail {
        Detail::Source(d) if !d.run.is_empty() => {
            replace(module, Path::new(&d.run[0]), &d.run[1..], args)
        }
        _ => Err(crate::catalog::cannot_run(module).into()),
    }
}

fn replace(
    module: &ModuleInfo,
    program: &Path,
    fixed: &[String],
    args: &[OsString],
) -> anyhow::Result<u8> {
    // Set in tcli's own environment, which the module inherits: a `Command` given any variable
    // copies the whole environment into a sorted map first, a fifth of what dispatch cost
    // (bench/warm-profile.sh). tcli runs one thread here and is replaced next.
    for (k, v) in crate::prim::probe::module_env(&module.name) {
        std::env::set_var(k, v);
    }
    let error = Command::new(program).args(fixed).args(args).exec();
    let offered_by = match &module.detail {
        Detail::Source(d) => Some(d.source.clone()),
        _ => None,
    };
    Err(Failure::ExecFailed {
        name: module.name.clone(),
        program: program.to_path_buf(),
        offered_by,
        error,
    }
    .into())
}
