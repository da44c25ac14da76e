//! Shell completion candidates: what `tcli <words...><TAB>` may become. The scripts of
//! `tcli completion <shell>` call the hidden `tcli __complete <shell> -- <words...>` and show
//! what it prints; an empty answer makes them complete file names. Candidates come from the
//! index as it is ([`catalog::cached`]) and from the clap tree of the built-ins
//! ([`commands::cli`]): completing never runs a module, lists a directory, or asks the engine.

use crate::catalog::{self, Catalog};
use crate::commands;
use crate::context::Context;

/// One completion: the word, and a description for shells that show one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The word that replaces the one under the cursor.
    pub word: String,
    /// One line, or empty.
    pub description: String,
}

/// The flags tcli takes before the module name.
const GLOBAL_FLAGS: &[(&str, &str)] = &[("--help", "Print help"), ("--version", "Print version")];

/// The candidates for the last of `words` (the words after `tcli`; the last one is the word
/// under the cursor, possibly empty), already filtered by it.
pub fn candidates(cx: &Context, words: &[String]) -> Vec<Candidate> {
    let Some((current, done)) = words.split_last() else {
        return Vec::new();
    };
    let mut done = done.iter().map(String::as_str).peekable();
    // Global flags come only before the module; `--` ends them.
    while let Some(w) = done.peek() {
        if !w.starts_with('-') {
            break;
        }
        let end = *w == "--";
        done.next();
        if end {
            break;
        }
    }
    let done: Vec<&str> = done.collect();
    let catalog = catalog::cached(cx);
    let mut out = match done.split_first() {
        None if current.starts_with('-') => {
            GLOBAL_FLAGS.iter().map(|(w, d)| candidate(w, d)).collect()
        }
        None => module_names(&catalog),
        Some((module, rest)) => for_module(cx, &catalog, module, rest, current),
    };
    out.retain(|c| c.word.starts_with(current.as_str()));
    out
}

fn candidate(word: &str, description: &str) -> Candidate {
    Candidate {
        word: word.to_string(),
        description: description.to_string(),
    }
}

/// Every module that can run, built-ins included, with its description.
fn module_names(catalog: &Catalog) -> Vec<Candidate> {
    catalog
        .resolved
        .iter()
        .map(|r| &r.module)
        .filter(|m| m.runnable)
        .map(|m| candidate(&m.name, m.description.as_deref().unwrap_or_default()))
        .collect()
}

/// The words after `tcli <module>`: `rest` typed, `current` under the cursor.
fn for_module(
    cx: &Context,
    catalog: &Catalog,
    module: &str,
    rest: &[&str],
    current: &str,
) -> Vec<Candidate> {
    if module == "help" {
        // `tcli help <module> [words...]` completes as `tcli <module> [words...]`.
        return match rest.split_first() {
            None => module_names(catalog),
            Some((m, more)) => for_module(cx, catalog, m, more, current),
        };
    }
    if crate::names::is_builtin(module) {
        let mut cli = commands::cli();
        // Building assigns positional indexes and the generated `--help` flags.
        cli.build();
        return match cli.find_subcommand(module) {
            Some(cmd) => for_builtin(cx, catalog, cmd, rest, current),
            None => Vec::new(),
        };
    }
    let Some(m) = catalog.get(module).map(|r| &r.module) else {
        return Vec::new();
    };
    // Declared verbs complete at the verb position (and a subject's verbs after it); past
    // them, and for modules that declare none, the shell completes file names.
    let subject = match rest {
        [] => None,
        [subject] => Some(*subject),
        _ => return Vec::new(),
    };
    if current.starts_with('-') {
        return vec![candidate("--help", "Print help")];
    }
    m.verbs_at(subject)
        .into_iter()
        .map(|v| candidate(v, ""))
        .collect()
}

/// Walks the clap tree of a built-in along `rest`, then offers what fits at the cursor:
/// subcommands, flags, an option's or a positional's values.
fn for_builtin(
    cx: &Context,
    catalog: &Catalog,
    mut cmd: &clap::Command,
    rest: &[&str],
    current: &str,
) -> Vec<Candidate> {
    let mut positionals = 0usize;
    let mut pending_value: Option<&clap::Arg> = None;
    for w in rest {
        if pending_value.take().is_some() {
            continue;
        }
        if let Some(sub) = cmd.find_subcommand(w) {
            cmd = sub;
            positionals = 0;
        } else if let Some(name) = w.strip_prefix("--") {
            pending_value = value_option(cmd, name);
        } else if !w.starts_with('-') {
            positionals += 1;
        }
    }
    if let Some(arg) = pending_value {
        return values_of(cx, catalog, arg);
    }
    // `--kind=ex`: the option's values, as whole words (`--kind=exec`).
    if let Some((flag, _)) = current.strip_prefix("--").and_then(|c| c.split_once('=')) {
        let Some(arg) = value_option(cmd, flag) else {
            return Vec::new();
        };
        return values_of(cx, catalog, arg)
            .into_iter()
            .map(|c| Candidate {
                word: format!("--{flag}={}", c.word),
                ..c
            })
            .collect();
    }
    if current.starts_with('-') {
        return cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| Some(candidate(&format!("--{}", a.get_long()?), &about(a))))
            .collect();
    }
    if cmd.has_subcommands() {
        return cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .map(|s| {
                let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
                candidate(s.get_name(), &about)
            })
            .collect();
    }
    let positional = cmd
        .get_positionals()
        .find(|a| a.get_index().is_some_and(|i| i > positionals) || is_many(a));
    match positional {
        Some(arg) => values_of(cx, catalog, arg),
        None => Vec::new(),
    }
}

/// The option `--<long>` of `cmd`, when it takes a value.
fn value_option<'a>(cmd: &'a clap::Command, long: &str) -> Option<&'a clap::Arg> {
    cmd.get_arguments()
        .find(|a| a.get_long() == Some(long) && a.get_num_args().is_some_and(|n| n.takes_values()))
}

fn is_many(a: &clap::Arg) -> bool {
    a.get_num_args().is_some_and(|n| n.max_values() > 1)
}

fn about(a: &clap::Arg) -> String {
    a.get_help().map(|h| h.to_string()).unwrap_or_default()
}

/// The values an argument takes: its fixed choices, module names for a `MODULE`, team names
/// for a `TEAM`; nothing (file names) otherwise.
fn values_of(cx: &Context, catalog: &Catalog, arg: &clap::Arg) -> Vec<Candidate> {
    let choices = arg.get_possible_values();
    if !choices.is_empty() {
        return choices
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| {
                let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                candidate(v.get_name(), &help)
            })
            .collect();
    }
    match arg
        .get_value_names()
        .and_then(|n| n.first())
        .map(|n| n.as_str())
    {
        Some("MODULE") => module_names(catalog),
        Some("TEAM") => crate::team_dirs::registered(cx)
            .into_iter()
            .map(|t| candidate(&t.name, &t.url))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_builtin_is_in_the_clap_tree() {
        let cli = crate::commands::cli();
        for b in crate::names::Builtin::ALL {
            assert!(cli.find_subcommand(b.name()).is_some(), "{b:?}");
        }
    }
}
