//! `tcli`, `tcli --help`, `tcli help [<module> words...]`: the top-level listing, and
//! forwarding to a module's own `--help`.

use super::Outcome;
use crate::catalog;
use crate::context::Context;
use crate::error::Failure;
use crate::exit::Exit;
use crate::model::Kind;
use crate::ui::{self, Style};
use std::ffi::OsString;

/// The usage line of the grammar.
pub const USAGE: &str = "tcli [-h|--help] [-V|--version] <module> [<subject>] <verb> [args...]";

// The clap definition of `tcli help`, for the CLI reference, the man page and completion; the
// words are taken by hand, since every word after the module is the module's.
/// Show help for tcli or for a module
///
/// `tcli help` lists every module; `tcli help <module> [words...]` runs
/// `tcli <module> [words...] --help`. For a module that declares its verbs, a word that is not
/// one of them is an error with a did-you-mean, and the module is not run.
#[derive(clap::Parser)]
#[command(disable_version_flag = true)]
pub struct HelpArgs {
    /// The module, then the words of its verb (for example: team update)
    #[arg(
        value_name = "MODULE",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    words: Vec<OsString>,
}

/// `tcli help [words...]`.
pub fn cmd_help(cx: &Context, args: Vec<OsString>) -> anyhow::Result<Outcome> {
    for_words(cx, args)
}

/// `tcli help <module> [words...]` is `tcli <module> [words...] --help`, which the dispatcher
/// runs.
pub fn for_words(cx: &Context, mut words: Vec<OsString>) -> anyhow::Result<Outcome> {
    if words.is_empty() || (words.len() == 1 && matches!(words[0].to_str(), Some("-h" | "--help")))
    {
        return top_level(cx).map(Outcome::Exit);
    }
    let module = words.remove(0);
    if let Some(name) = module.to_str().filter(|n| !crate::names::is_builtin(n)) {
        check_declared_verbs(cx, name, &words)?;
    }
    words.push(OsString::from("--help"));
    Ok(Outcome::Forward(module, words))
}

/// A module that declares its verbs gets its help asked only for one of them: `tcli help
/// deploy stauts` says what `deploy` takes instead of handing the typo to the module.
fn check_declared_verbs(cx: &Context, name: &str, words: &[OsString]) -> anyhow::Result<()> {
    let catalog = catalog::load(cx);
    let Some(r) = catalog.get(name) else {
        return Ok(());
    };
    let m = &r.module;
    if m.verbs.is_empty() {
        return Ok(());
    }
    let typed: Vec<&str> = words
        .iter()
        .map_while(|w| w.to_str())
        .take_while(|w| !w.starts_with('-'))
        .take(2)
        .collect();
    // `help` is a verb of every clap-built module (`tcli web help list`), declared or not.
    let Some(first) = typed.first().copied().filter(|w| *w != "help") else {
        return Ok(());
    };
    // The deepest level that does not know what was typed: the module's own verbs, or a
    // subject's (`env crate`).
    let top = m.verbs_at(None);
    let (wanted, owner, level) = if !top.contains(&first) {
        (first.to_string(), name.to_string(), top)
    } else {
        let subverbs = m.verbs_at(Some(first));
        match typed.get(1) {
            Some(second) if !subverbs.is_empty() && !subverbs.contains(second) => (
                format!("{first} {second}"),
                format!("{name} {first}"),
                subverbs,
            ),
            _ => return Ok(()),
        }
    };
    let last = wanted.rsplit(' ').next().unwrap_or_default();
    Err(Failure::NoVerb {
        name: name.to_string(),
        similar: crate::names::similar(last, level.iter().copied())
            .first()
            .map(|v| v.to_string()),
        wanted,
        owner,
        verbs: level.iter().map(|v| v.to_string()).collect(),
    }
    .into())
}

/// Usage plus every module with its one-line description, grouped built-in / modules.
pub fn top_level(cx: &Context) -> anyhow::Result<u8> {
    let catalog = catalog::load(cx);
    let mut builtins = Vec::new();
    let mut modules = Vec::new();
    let mut invalid = 0usize;
    for r in &catalog.resolved {
        let m = &r.module;
        if !m.runnable && crate::names::validate(&m.name).is_err() {
            invalid += 1;
            continue;
        }
        // The index keeps up to 200 characters; one help line shows at most 72.
        let mut desc =
            crate::prim::text::sanitize_line(m.description.as_deref().unwrap_or_default(), 72);
        match m.problems.first() {
            Some(p) if desc.is_empty() => {
                let p = crate::prim::text::sanitize_line(&p.to_string(), 72);
                desc = ui::paint(&format!("({p})"), Style::Dim);
            }
            // A description alone would make a module that cannot run look as if it could.
            Some(_) if !m.runnable => {
                desc = format!(
                    "{desc} {}",
                    ui::paint("(cannot run: see 'tcli modules which')", Style::Dim)
                );
            }
            _ => {}
        }
        if m.kind.tagged_in_help() {
            desc = format!(
                "{desc} {}",
                ui::paint(&format!("[{}]", m.kind.as_str()), Style::Dim)
            )
            .trim_start()
            .to_string();
        }
        let row = (m.name.clone(), desc);
        if m.kind == Kind::Builtin {
            builtins.push(row);
        } else {
            modules.push(row);
        }
    }
    let mut s = String::new();
    s.push_str("tcli: the team command line\n\n");
    s.push_str(&format!(
        "{} {USAGE}\n\n",
        ui::paint("Usage:", Style::Heading)
    ));
    s.push_str(&format!("{}\n", ui::paint("Built-in:", Style::Heading)));
    s.push_str(&ui::aligned(&builtins, 2));
    s.push('\n');
    s.push_str(&format!("{}\n", ui::paint("Modules:", Style::Heading)));
    if modules.is_empty() {
        s.push_str("  (none yet: put an executable named tcli-<name> on your PATH)\n");
    } else {
        s.push_str(&ui::aligned(&modules, 2));
    }
    if ui::stdout_is_tty() {
        s.push_str("\nRun 'tcli help <module>' for a module's own help.\n");
    }
    ui::out(&s);
    if invalid > 0 {
        ui::warn(&format!(
            "{invalid} module{} with an invalid name not listed; run 'tcli modules list' to see why",
            if invalid == 1 { "" } else { "s" }
        ));
    }
    crate::commands::warn_notes(&catalog);
    Ok(Exit::Success.code())
}
