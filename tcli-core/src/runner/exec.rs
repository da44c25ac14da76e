//! Running an exec module: on Unix tcli replaces itself with it (docs/exec-modules.md), so signals,
//! the terminal, stdin and the exit status are the module's own, and tcli adds nothing after.

use crate::error::CliError;
use crate::exit::Exit;
use crate::model::ModuleInfo;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Replaces this process with the module. Returns only when that fails.
pub fn run(module: &ModuleInfo, args: &[OsString]) -> anyhow::Result<u8> {
    let mut cmd = Command::new(&module.location);
    // argv[0] is the path itself, as a shell would set it after a PATH lookup.
    cmd.args(args);
    for (k, v) in crate::prim::probe::module_env(&module.name) {
        cmd.env(k, v);
    }
    let err = cmd.exec();
    let hint = match err.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!("make it executable: chmod +x {}", module.location)
        }
        std::io::ErrorKind::NotFound => {
            "its interpreter (the #! line) may be missing, or the file was removed".to_string()
        }
        _ => "check the file's #! line and that it was built for this machine".to_string(),
    };
    Err(CliError::new(
        Exit::CannotRun,
        format!(
            "module '{}' ({}) cannot be started: {err}",
            module.name, module.location
        ),
    )
    .hint(hint)
    .into())
}
