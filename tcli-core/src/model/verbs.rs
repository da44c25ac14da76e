//! The verb grammar shared by every kind: a declaration (`tcli-verbs:` lines, the
//! `io.tcli.verbs` label) parsed into the flattened list native manifests give too, and the
//! argument lists `modules check` runs (docs/exec-modules.md, docs/docker-modules.md).

use super::{ModuleInfo, Problem};
use crate::prim::text::sanitize_line;

/// Most verbs and subjects kept for one module: a declaration is for completion and `check`,
/// and a runaway one must not bloat the index every `tcli --help` reads.
pub const VERBS_MAX: usize = 256;

/// Parses a verb declaration: comma-separated entries, each `verb` or `subject verb`, every
/// word a valid name. A subject appears once on its own, before its first `subject verb`.
/// Entries that are not verbs are skipped, each with a problem naming `from`.
pub fn parse(decl: &str, from: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in decl.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let words: Vec<&str> = entry.split_whitespace().collect();
        let bad = if words.len() > 2 {
            Some("at most two words: 'verb' or 'subject verb'".to_string())
        } else {
            words.iter().find_map(|w| crate::names::validate(w).err())
        };
        if let Some(why) = bad {
            problems.push(Problem::BadVerb {
                from: from.to_string(),
                entry: sanitize_line(entry, 64),
                why,
            });
            continue;
        }
        if out.len() + words.len() > VERBS_MAX {
            problems.push(Problem::TooManyVerbs {
                from: from.to_string(),
                entry: sanitize_line(entry, 64),
                max: VERBS_MAX,
            });
            break;
        }
        let mut push = |v: String| {
            if !out.contains(&v) {
                out.push(v);
            }
        };
        if words.len() == 2 {
            push(words[0].to_string());
        }
        push(words.join(" "));
    }
    out
}

/// The argument lists `tcli modules check` runs with `--help` appended: none (the module's own
/// help), then each declared verb and subject.
pub fn help_words(module: &ModuleInfo) -> Vec<Vec<&str>> {
    std::iter::once(Vec::new())
        .chain(module.verbs.iter().map(|v| v.split(' ').collect()))
        .collect()
}

/// A `modules check` failure for one of [`help_words`]: the module's own `--help` failure as
/// it is, a verb's prefixed with the verb.
pub fn verb_failure(verb: &str, failure: &impl std::fmt::Display) -> String {
    if verb.is_empty() {
        failure.to_string()
    } else {
        format!("verb '{verb}': {failure}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_flattens_subjects_and_reports_bad_entries() {
        let mut problems = Vec::new();
        let v = parse(
            " list, env create,env delete , Bad, a b c,,list",
            "tcli-verbs",
            &mut problems,
        );
        assert_eq!(v, ["list", "env", "env create", "env delete"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0]
            .to_string()
            .starts_with("tcli-verbs: \"Bad\" is not a verb"));
        let many: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let mut problems = Vec::new();
        let v = parse(&many.join(","), "io.tcli.verbs", &mut problems);
        assert_eq!(v.len(), VERBS_MAX);
        assert_eq!(
            problems[0].to_string(),
            "io.tcli.verbs: more than 256 verbs; \"v256\" and the rest are left out"
        );
    }
}
