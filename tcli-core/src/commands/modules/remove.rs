//! `tcli modules remove <name>`: deletes a native module installed with `tcli modules
//! install`. Anything else (built-ins, exec modules, libraries in other dirs) is refused with
//! the way to remove it. The work is `plugins::remove`.

use crate::context::Context;
use crate::ui;

/// Remove a native module installed with 'tcli modules install'
#[derive(clap::Args)]
pub struct ModulesRemoveArgs {
    /// The module name
    #[arg(value_name = "MODULE")]
    name: String,
}

/// Runs `tcli modules remove`.
pub fn cmd_modules_remove(cx: &Context, args: &ModulesRemoveArgs) -> anyhow::Result<u8> {
    for p in crate::plugins::remove(cx, &args.name)? {
        ui::status(&format!("removed module '{}' ({})", args.name, p.display()));
    }
    Ok(0)
}
