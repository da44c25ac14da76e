//! `tcli modules install <file>`: checks a native module library (ABI, name) in a child tcli
//! and copies it into the data dir's plugin dir atomically. The work is
//! `plugins::install`; this file parses and reports.

use crate::context::Context;
use crate::ui;
use std::path::PathBuf;

/// Install a native module library (built with tcli-plugin-sdk) for this user
#[derive(clap::Args)]
pub struct ModulesInstallArgs {
    /// The library file (*.so, *.dylib or *.dll)
    file: PathBuf,
}

/// Runs `tcli modules install`.
pub fn cmd_modules_install(cx: &Context, args: &ModulesInstallArgs) -> anyhow::Result<u8> {
    let done = crate::plugins::install(cx, &args.file)?;
    let d = &done.descriptor;
    ui::status(&format!(
        "{} module '{}' {} (ABI {}) at {}",
        if done.replaced {
            "replaced"
        } else {
            "installed"
        },
        d.name,
        d.plugin_version,
        d.abi_version,
        done.path.display()
    ));
    let catalog = crate::catalog::load(cx);
    if let Some(r) = catalog.get(&d.name) {
        if r.module.location != done.path.to_string_lossy() {
            ui::warn(&format!(
                "the {} module at {} takes precedence, so 'tcli {}' does not run the one just installed",
                r.module.kind.as_str(),
                r.module.location,
                d.name
            ));
        }
    }
    Ok(0)
}
