//! `tcli modules which <name> [--json]`: what would run for a name, and everything it shadows.

use crate::catalog;
use crate::context::Context;
use crate::error::Failure;
use crate::ui;

/// Show which module runs for a name and what it shadows
#[derive(clap::Args)]
pub struct ModulesWhichArgs {
    /// The module name
    #[arg(value_name = "MODULE")]
    name: String,
    /// Print JSON (shape documented in docs/cli.md)
    #[arg(long)]
    json: bool,
}

/// Runs `tcli modules which`.
pub fn cmd_modules_which(cx: &Context, args: &ModulesWhichArgs) -> anyhow::Result<u8> {
    let catalog = catalog::load(cx);
    let Some(r) = catalog.get(&args.name) else {
        return Err(Failure::NothingToLocate {
            name: args.name.clone(),
            similar: catalog.suggestions(&args.name).into_iter().next(),
        }
        .into());
    };
    if args.json {
        ui::json(r);
        return Ok(0);
    }
    let m = &r.module;
    let mut s = format!(
        "{}: {} {}\n",
        m.name.escape_debug(),
        m.kind.as_str(),
        m.location.escape_debug()
    );
    if let Some(source) = crate::sources::plugin::source_of(m) {
        s.push_str(&format!("    offered by: {}\n", source.escape_debug()));
    }
    if let Some(team) = m.pinned_by() {
        s.push_str(&format!(
            "    pinned by: team '{team}' ([modules.{}] in its tcli.toml)\n",
            m.name
        ));
    }
    if !m.verbs.is_empty() {
        s.push_str(&format!("    verbs: {}\n", m.verbs.join(", ")));
    }
    s.push_str(&super::detail_lines(r));
    ui::out(&s);
    Ok(0)
}
