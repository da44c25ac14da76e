//! `tcli modules check [<name>...] [--json]`: the conformance check a team runs in its plugin
//! repo's CI. Each module must have a valid name, answer `--help` with exit 0 and output within
//! the timeout, and neither shadow nor be shadowed by another module.

use crate::catalog::{self, Resolved};
use crate::context::Context;
use crate::exit::Exit;
use crate::model::{Kind, Problem};
use crate::ui;
use serde::Serialize;

/// Check that modules follow the tcli standard (exit 1 when any fails)
#[derive(clap::Args)]
pub struct ModulesCheckArgs {
    /// Modules to check (default: every module that is not built in)
    #[arg(value_name = "MODULE")]
    names: Vec<String>,
    /// Print JSON (shape documented in docs/cli.md)
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    name: String,
    kind: Option<Kind>,
    location: Option<String>,
    ok: bool,
    failures: Vec<String>,
}

/// Runs `tcli modules check`.
pub fn cmd_modules_check(cx: &Context, args: &ModulesCheckArgs) -> anyhow::Result<u8> {
    let catalog = catalog::load(cx);
    let targets: Vec<Result<&Resolved, &str>> = if args.names.is_empty() {
        catalog
            .resolved
            .iter()
            // A built-in is checked only for what it hides: a team module that can never run.
            .filter(|r| r.module.kind != Kind::Builtin || !r.shadowed.is_empty())
            .map(Ok)
            .collect()
    } else {
        args.names
            .iter()
            .map(|n| catalog.get(n).ok_or(n.as_str()))
            .collect()
    };
    let mut reports = crate::prim::probe::parallel_map(&targets, 8, |t| match t {
        Err(name) => Report {
            name: (*name).to_string(),
            kind: None,
            location: None,
            ok: false,
            failures: vec!["no such module".into()],
        },
        Ok(r) => check_one(cx, r),
    });
    if args.names.is_empty() {
        // A source plugin that contributes nothing has no module to fail on: it fails itself.
        let index = crate::index::Index::read(cx, Some(&[Kind::Source]));
        let cached = index
            .sources
            .get(&Kind::Source)
            .cloned()
            .unwrap_or_default();
        reports.extend(
            crate::sources::plugin::source_failures(&cached)
                .into_iter()
                .map(|(path, why)| Report {
                    name: format!("source {path}"),
                    kind: Some(Kind::Source),
                    location: Some(path),
                    ok: false,
                    failures: vec![why],
                }),
        );
        // A team's `min-tcli-version` above this tcli fails the check as a whole.
        reports.extend(
            crate::team::version::unmet_all(cx)
                .into_iter()
                .map(|(team, why)| Report {
                    name: format!("team {team}"),
                    kind: None,
                    location: Some(
                        crate::team_dirs::checkout_dir(cx, &team)
                            .display()
                            .to_string(),
                    ),
                    ok: false,
                    failures: vec![why],
                }),
        );
    }
    let failed = reports.iter().filter(|r| !r.ok).count();
    if args.json {
        ui::json(&serde_json::json!({
            "passed": reports.len() - failed,
            "failed": failed,
            "modules": reports,
        }));
    } else {
        let mut s = String::new();
        for r in &reports {
            if r.ok {
                s.push_str(&format!("ok    {}\n", r.name));
            }
            for f in &r.failures {
                s.push_str(&format!("FAIL  {}: {f}\n", r.name.escape_debug()));
            }
        }
        s.push_str(&format!(
            "{} passed, {failed} failed\n",
            reports.len() - failed
        ));
        ui::out(&s);
    }
    Ok(if failed > 0 {
        Exit::Failure.code()
    } else {
        Exit::Success.code()
    })
}

fn check_one(cx: &Context, r: &Resolved) -> Report {
    let m = &r.module;
    let mut failures = Vec::new();
    if let Err(why) = crate::names::validate(&m.name) {
        failures.push(format!("invalid name: {why}"));
    } else if m.kind != Kind::Builtin {
        // Problems found at index time that a fresh run cannot show (a bad library, say); a
        // `--help` failure is shown by the run itself.
        failures.extend(
            m.problems
                .iter()
                .filter(|p| !matches!(p, Problem::Help(_)))
                .map(Problem::to_string),
        );
        failures.extend(crate::conformance::check(cx, m));
    }
    for sh in &r.shadowed {
        failures.push(if m.kind == Kind::Builtin {
            format!(
                "{} module at {} is shadowed by the built-in '{}' and never runs",
                sh.kind.as_str(),
                sh.location.escape_debug(),
                m.name
            )
        } else {
            format!(
                "shadows the {} module at {}",
                sh.kind.as_str(),
                sh.location.escape_debug()
            )
        });
    }
    Report {
        name: m.name.clone(),
        kind: Some(m.kind),
        location: Some(m.location.clone()),
        ok: failures.is_empty(),
        failures,
    }
}
