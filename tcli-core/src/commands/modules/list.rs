//! `tcli modules list [--json]`: every module, where it lives, what it shadows, what is wrong.

use crate::catalog;
use crate::context::Context;
use crate::ui;

/// List every module with its kind, location, description, shadowed entries and problems
#[derive(clap::Args)]
pub struct ModulesListArgs {
    /// Print JSON (shape documented in docs/cli.md)
    #[arg(long, conflicts_with_all = ["names", "verbs"])]
    json: bool,
    /// Print only the names of runnable modules, one per line (for scripts)
    #[arg(long, conflicts_with = "verbs")]
    names: bool,
    /// Print only the verbs and subjects MODULE declares, one per line (for scripts)
    #[arg(long, value_name = "MODULE")]
    verbs: Option<String>,
}

/// Runs `tcli modules list`.
pub fn cmd_modules_list(cx: &Context, args: &ModulesListArgs) -> anyhow::Result<u8> {
    let catalog = catalog::load(cx);
    if args.names || args.verbs.is_some() {
        let mut s = String::new();
        for r in catalog.resolved.iter().filter(|r| r.module.runnable) {
            match &args.verbs {
                None => s.push_str(&format!("{}\n", r.module.name)),
                Some(m) if *m == r.module.name => {
                    for v in &r.module.verbs {
                        s.push_str(&format!("{v}\n"));
                    }
                }
                Some(_) => {}
            }
        }
        ui::out(&s);
        return Ok(0);
    }
    if args.json {
        let notes: Vec<_> = catalog
            .notes
            .iter()
            .map(|n| serde_json::json!({ "kind": n.kind, "note": n.line }))
            .collect();
        ui::json(&serde_json::json!({ "modules": catalog.resolved, "notes": notes }));
        return Ok(0);
    }
    let rows: Vec<[String; 4]> = catalog
        .resolved
        .iter()
        .map(|r| {
            let m = &r.module;
            [
                m.name.escape_debug().to_string(),
                m.kind.as_str().to_string(),
                m.origin(),
                m.description.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let width = |col: usize, min: usize, max: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .max()
            .unwrap_or(min)
            .clamp(min, max)
    };
    let (w0, w2) = (width(0, 4, 28), width(2, 8, 60));
    let mut s = format!(
        "{:w0$}  {:7}  {:w2$}  DESCRIPTION\n",
        "NAME", "KIND", "LOCATION"
    );
    for (row, r) in rows.iter().zip(&catalog.resolved) {
        s.push_str(&format!(
            "{:w0$}  {:7}  {:w2$}  {}\n",
            row[0], row[1], row[2], row[3]
        ));
        s.push_str(&super::detail_lines(r));
    }
    ui::out(&s);
    crate::commands::warn_notes(&catalog);
    Ok(0)
}
