//! `tcli modules new <name> --kind exec|native|docker|source [--dir D]`: writes a module skeleton that
//! passes `tcli modules check`. The checks, templates and writing are `crate::scaffold`'s;
//! this file parses and reports.

use crate::context::Context;
use crate::scaffold::{self, Kind, Request};
use crate::ui;
use std::path::PathBuf;

/// Create a module skeleton that passes 'tcli modules check'
#[derive(clap::Args)]
pub struct ModulesNewArgs {
    /// The module name: lowercase letters, digits and single dashes, starting with a letter
    name: String,
    /// What kind of module to create
    #[arg(long, value_enum)]
    kind: Kind,
    /// The directory to create; it must not exist [default: ./tcli-<NAME>]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Runs `tcli modules new`.
pub fn cmd_modules_new(cx: &Context, args: &ModulesNewArgs) -> anyhow::Result<u8> {
    let req = Request {
        name: args.name.clone(),
        kind: args.kind,
        dir: args
            .dir
            .clone()
            .unwrap_or_else(|| scaffold::default_dir(args.kind, &args.name)),
    };
    let created = scaffold::create(cx, &req)?;
    let mut msg = format!(
        "created {} module '{}' in {}: {}",
        req.kind.as_str(),
        req.name,
        req.dir.display(),
        created.files.join(", ")
    );
    if let Some(sdk) = &created.sdk {
        msg.push_str(&format!("\nusing tcli-plugin-sdk at {}", sdk.display()));
    }
    msg.push_str("\n\nTo see it in 'tcli --help' (more in its README.md):\n");
    for step in &created.steps {
        msg.push_str(&format!("  {step}\n"));
    }
    // A message is one line to `ui`, so a block is printed line by line.
    for line in msg.trim_end().lines() {
        ui::status(line);
    }
    Ok(0)
}
