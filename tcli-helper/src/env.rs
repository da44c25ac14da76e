//! The environment variables the helpers' protocol uses. tcli-core's `env_vars` re-exports
//! them with the rest of tcli's, where they are documented for users (docs/environment.md).

/// The dir tcli's helper executables (`tcli_git`, `tcli_docker`, `tcli_http`) are taken from,
/// instead of `<prefix>/libexec/tcli` or the binary's own dir (docs/helpers.md).
pub const TCLI_EXEC_PATH: &str = "TCLI_EXEC_PATH";
/// Set by tcli for every module it runs, and for its helpers: the path of the running tcli
/// binary.
pub const TCLI_BIN: &str = "TCLI_BIN";
/// Set by tcli on its helpers only: the JSON request of an operation. Carried in the
/// environment, not argv, because it holds the values of the variables an image asks for (or a
/// notify URL's token), and another user can read a process's argv but not its environment
/// (docs/helpers.md).
pub const TCLI_HELPER_REQUEST: &str = "TCLI_HELPER_REQUEST";
/// Standard: the Docker engine address, honoured by the docker source and runner.
pub const DOCKER_HOST: &str = "DOCKER_HOST";

/// Reads a variable as an OS string; empty counts as unset, as most tools treat it.
pub fn get_os(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}
