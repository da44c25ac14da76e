//! Module names: the one rule of docs/architecture.md ("Names") and the reserved built-ins.

/// The built-in modules; no other source can take these names. Every fact about one is an
/// exhaustive match: its name and summary here, its clap command and how it runs in
/// `crate::commands` (`commands::command`, `commands::run`), so a new built-in does not compile
/// until each is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `tcli completion <shell>`.
    Completion,
    /// `tcli help [<module> words...]`.
    Help,
    /// `tcli modules <verb>`.
    Modules,
    /// `tcli team <verb>`.
    Team,
}

impl Builtin {
    /// Every built-in, in the order `tcli --help` lists them.
    pub const ALL: [Builtin; 4] = [
        Builtin::Completion,
        Builtin::Help,
        Builtin::Modules,
        Builtin::Team,
    ];

    /// The name a user types.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Completion => "completion",
            Builtin::Help => "help",
            Builtin::Modules => "modules",
            Builtin::Team => "team",
        }
    }

    /// The one line `tcli --help` shows.
    pub fn summary(self) -> &'static str {
        match self {
            Builtin::Completion => "Print a shell completion script",
            Builtin::Help => "Show help for tcli or for a module",
            Builtin::Modules => "List, locate and check modules",
            Builtin::Team => "Add, update and inspect team repositories",
        }
    }

    /// The built-in named `name`.
    pub fn named(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// The modules tcli ships as libraries in its bundled plugin dir (`<prefix>/lib/tcli/plugins`,
/// the workspace's `tcli-plugins/*`; a test keeps the two in step). Like the built-ins, no team
/// can take these names (docs/team-repos.md, "Module names").
pub const BUNDLED: [&str; 6] = ["doctor", "notify", "oncall", "project", "secrets", "web"];

/// True for a name tcli keeps for itself: a built-in's or a bundled module's.
pub fn is_shipped(name: &str) -> bool {
    is_builtin(name) || BUNDLED.contains(&name)
}

/// How an executable names the module it is: `tcli-<name>` (exec modules, docs/exec-modules.md).
/// Here, below the sources, so the rule of which team has a name can read it too.
pub const EXEC_PREFIX: &str = "tcli-";

/// Longest valid module name, in bytes.
pub const MAX_LEN: usize = 64;

/// True for a reserved built-in name.
pub fn is_builtin(name: &str) -> bool {
    Builtin::named(name).is_some()
}

/// The `candidates` close enough to `word` to be what was meant, best first: the one
/// did-you-mean rule for module names and verbs.
pub fn similar<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(s, _)| *s > 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().map(|(_, c)| c).collect()
}

/// Checks `[a-z][a-z0-9]*(-[a-z0-9]+)*`, at most 64 bytes; the error says why not.
pub fn validate(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.len() > MAX_LEN {
        return Err(format!(
            "the name is {} bytes long; at most {MAX_LEN} are allowed",
            name.len()
        ));
    }
    if name.chars().any(|c| c.is_uppercase()) {
        return Err("a name cannot contain uppercase letters".into());
    }
    let first = name.as_bytes()[0];
    if !first.is_ascii_lowercase() {
        return Err("a name must start with a lowercase ASCII letter".into());
    }
    let mut prev_dash = false;
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' => prev_dash = false,
            '-' if prev_dash => return Err("a name cannot contain '--'".into()),
            '-' => prev_dash = true,
            c => return Err(format!("a name cannot contain {c:?}; use a-z, 0-9 and '-'")),
        }
    }
    if prev_dash {
        return Err("a name cannot end with '-'".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn the_shipped_names_are_the_workspace_s_bundled_modules() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tcli-plugins");
        let mut found: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        found.sort();
        assert_eq!(found, super::BUNDLED);
    }

    #[test]
    fn names_accept_the_grammar() {
        for ok in ["a", "hello", "deploy-k8s", "x1-2-y", &"a".repeat(64)] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn names_reject_everything_else() {
        for bad in [
            "",
            "Hello",
            "1abc",
            "-a",
            "a-",
            "a--b",
            "a b",
            "..",
            "a.b",
            "é",
            "a_b",
            &"a".repeat(65),
        ] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod props {
    //! Properties whose contract is an equation (docs/fuzzing.md): checked on generated input.
    use proptest::prelude::*;

    /// The rule as the SDK states it for everything named like a module.
    fn grammar(name: &str) -> bool {
        tcli_plugin_sdk::is_valid_name(name)
    }

    proptest! {
        #[test]
        fn validate_accepts_exactly_the_grammar(name in "[a-z0-9A-Z_.-]{0,70}|\\PC{0,8}") {
            prop_assert_eq!(super::validate(&name).is_ok(), grammar(&name));
        }

        #[test]
        fn generated_valid_names_validate(name in "[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,10}){0,4}") {
            prop_assert!(super::validate(&name).is_ok(), "{}", name);
        }
    }
}
