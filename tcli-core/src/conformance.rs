//! The conformance check of `tcli modules check` for one module: what the standard asks of
//! every kind (`--help` answers with exit 0 and text, and so does each declared verb), run
//! for real and never cached. One exhaustive match says how each kind is checked; it sits
//! above the runners because a docker module is checked by running its image.

use crate::context::Context;
use crate::model::verbs::{help_words, verb_failure};
use crate::model::{Detail, HelpFailure, Kind, ModuleInfo};
use crate::prim::probe;
use crate::sources::native;
use std::path::Path;

/// What is wrong with `module` now, one line per failure; empty when it conforms.
pub fn check(cx: &Context, module: &ModuleInfo) -> Vec<String> {
    match module.kind {
        Kind::Builtin => Vec::new(),
        Kind::Exec => help_runs(module, |words| {
            probe::run(
                Path::new(&module.location),
                words,
                &module.name,
                probe::TIMEOUT,
            )
        }),
        Kind::Source => match &module.detail {
            Detail::Source(d) if !d.run.is_empty() => help_runs(module, |words| {
                probe::run_after(
                    Path::new(&d.run[0]),
                    &d.run[1..],
                    words,
                    &module.name,
                    probe::TIMEOUT,
                )
            }),
            // Nothing to run: its problems (no usable `run`) are already reported.
            _ => Vec::new(),
        },
        Kind::Native => check_native(cx, module),
        Kind::Docker => crate::runner::docker::check_help(module),
    }
}

/// Runs `run(words + --help)` for the module's own help and each declared verb, and names what
/// failed: the module's own as it is, a verb's prefixed with the verb.
fn help_runs(module: &ModuleInfo, run: impl Fn(&[&str]) -> probe::Outcome) -> Vec<String> {
    help_words(module)
        .into_iter()
        .filter_map(|mut words| {
            let verb = words.join(" ");
            words.push("--help");
            let failure = HelpFailure::of(&run(&words), probe::TIMEOUT.as_secs(), false)?;
            Some(verb_failure(&verb, &failure))
        })
        .collect()
}

/// A native module: its library read again in a child (it may have changed), then
/// `tcli <name> [verb] --help` run through this tcli, as a user would.
fn check_native(cx: &Context, module: &ModuleInfo) -> Vec<String> {
    let d = match native::probe_file(cx, Path::new(&module.location)) {
        Ok(d) => d,
        // `modules check` already reports the problems found at index time.
        Err(problem) if module.problems.contains(&problem) => return Vec::new(),
        Err(problem) => return vec![problem.to_string()],
    };
    if d.name != module.name {
        return vec![format!(
            "{} now declares module '{}'",
            module.location, d.name
        )];
    }
    let Some(exe) = cx.exe.as_deref() else {
        return vec!["cannot find the running tcli to run the module with".into()];
    };
    let mut failures = Vec::new();
    for w in help_words(module) {
        let mut args = vec![module.name.as_str()];
        args.extend(&w);
        args.push("--help");
        let outcome = probe::run(exe, &args, &module.name, probe::TIMEOUT);
        if let Some(f) = HelpFailure::of(&outcome, probe::TIMEOUT.as_secs(), false) {
            failures.push(format!("'tcli {}': {f}", args.join(" ")));
        }
    }
    failures
}
