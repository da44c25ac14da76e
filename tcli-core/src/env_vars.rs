//! Every environment variable tcli reads or sets, as documented constants. Nothing else in the
//! crate spells a `TCLI_*` name; docs/environment.md is checked against this list by a test.

/// Overrides the config dir (default: `dirs::config_dir()/tcli`). Holds the user's `tcli.toml`.
pub const TCLI_CONFIG_DIR: &str = "TCLI_CONFIG_DIR";
/// Overrides the cache dir (default: `dirs::cache_dir()/tcli`). Holds the module index.
pub const TCLI_CACHE_DIR: &str = "TCLI_CACHE_DIR";
/// Overrides the data dir (default: `dirs::data_dir()/tcli`). Holds team repos and plugins.
pub const TCLI_DATA_DIR: &str = "TCLI_DATA_DIR";
/// Extra native plugin dirs, searched before the data dir and the bundled dir (PATH syntax).
pub const TCLI_PLUGIN_PATH: &str = "TCLI_PLUGIN_PATH";
/// `1` turns the Docker module source off: no engine is ever contacted.
pub const TCLI_NO_DOCKER: &str = "TCLI_NO_DOCKER";
/// The variables of the helpers' protocol, stated with it (crate `tcli-helper`): the dir of
/// tcli's helper executables, the path of the running tcli (set for modules and helpers), a
/// helper's request, and the standard Docker engine address.
pub use tcli_helper::env::{DOCKER_HOST, TCLI_BIN, TCLI_EXEC_PATH, TCLI_HELPER_REQUEST};
/// Set by tcli for every module it runs: tcli's version.
pub const TCLI_VERSION: &str = "TCLI_VERSION";
/// Set by tcli for every module it runs: the module name it was invoked as.
pub const TCLI_MODULE: &str = "TCLI_MODULE";
/// Set by tcli on a module while it runs the module's `--help` to describe it. A tcli started
/// from inside that probe (a module that is an alias for another) then never waits for the
/// index lock its parent holds.
pub const TCLI_PROBE: &str = "TCLI_PROBE";
/// Test suite only: `1` makes the Docker end-to-end tests fail, not skip, without an engine
/// (`.ci/run` sets it).
pub const TCLI_TEST_REQUIRE_DOCKER: &str = "TCLI_TEST_REQUIRE_DOCKER";
/// Test suite only: `1` makes the docs test rewrite the generated part of docs/cli.md.
pub const TCLI_UPDATE_DOCS: &str = "TCLI_UPDATE_DOCS";
/// Standard: any value turns colour off (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// Standard: set by CI systems; tcli then never prompts and never prints unasked hints.
pub const CI: &str = "CI";
/// Standard: the executable search path; `tcli-<name>` executables are found on it.
pub const PATH: &str = "PATH";

/// All variables above with their one-line meaning, for docs and the docs test.
pub const ALL: &[(&str, &str)] = &[
    (TCLI_CONFIG_DIR, "config dir (user tcli.toml)"),
    (TCLI_CACHE_DIR, "cache dir (module index)"),
    (TCLI_DATA_DIR, "data dir (team repos, installed plugins)"),
    (TCLI_PLUGIN_PATH, "extra native plugin dirs"),
    (TCLI_NO_DOCKER, "1 turns the docker source off"),
    (TCLI_EXEC_PATH, "dir of tcli's helper executables"),
    (TCLI_BIN, "set for modules: path of tcli"),
    (TCLI_VERSION, "set for modules: tcli's version"),
    (TCLI_MODULE, "set for modules: the module name"),
    (TCLI_PROBE, "set for a module while tcli probes its --help"),
    (
        TCLI_HELPER_REQUEST,
        "set for tcli's Docker helper: its request",
    ),
    (
        TCLI_TEST_REQUIRE_DOCKER,
        "tests: fail instead of skipping without Docker",
    ),
    (
        TCLI_UPDATE_DOCS,
        "tests: rewrite the generated part of docs/cli.md",
    ),
    (NO_COLOR, "turns colour off"),
    (CI, "no prompts, no unasked hints"),
    (PATH, "search path for tcli-<name> executables"),
    (DOCKER_HOST, "Docker engine address"),
];

/// Reads a variable as an OS string; empty counts as unset, as most tools treat it.
pub fn get_os(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// True when the variable is set to anything but empty, `0` or `false`.
pub fn is_truthy(name: &str) -> bool {
    match get_os(name) {
        Some(v) => !matches!(v.to_str(), Some("0") | Some("false") | Some("no")),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn env_vars_are_all_documented() {
        let doc = include_str!("../../docs/environment.md");
        for (name, _) in super::ALL {
            assert!(
                doc.contains(&format!("| `{name}` |")),
                "docs/environment.md lacks {name}"
            );
        }
    }
}
