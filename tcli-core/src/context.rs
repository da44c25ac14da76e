//! What every command needs to know about its surroundings, as plain data read from the
//! process environment once in `main`: the config, cache and data dirs (docs/environment.md),
//! the raw search-path variables, and where the running binary lives. Building a Context reads
//! no file; the sources turn it into search paths.

use crate::env_vars;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment a command runs in.
#[derive(Debug, Clone)]
pub struct Context {
    /// `TCLI_CONFIG_DIR`, else the platform config dir + `tcli`.
    pub config_dir: PathBuf,
    /// `TCLI_CACHE_DIR`, else the platform cache dir + `tcli`.
    pub cache_dir: PathBuf,
    /// `TCLI_DATA_DIR`, else the platform data dir + `tcli`.
    pub data_dir: PathBuf,
    /// The raw `PATH`.
    pub path_var: Option<OsString>,
    /// The raw `TCLI_PLUGIN_PATH`.
    pub plugin_path_var: Option<OsString>,
    /// `TCLI_NO_DOCKER` is set.
    pub no_docker: bool,
    /// The running tcli binary, for `TCLI_BIN` and for finding the bundled plugin dir.
    pub exe: Option<PathBuf>,
}

impl Context {
    /// Reads the process environment.
    pub fn from_env() -> Self {
        let pick = |var: &str, base: Option<PathBuf>| -> PathBuf {
            env_vars::get_os(var)
                .map(PathBuf::from)
                .or_else(|| base.map(|b| b.join("tcli")))
                // No HOME and no override: a relative dir beats refusing to run at all.
                .unwrap_or_else(|| PathBuf::from(".tcli"))
        };
        Context {
            config_dir: pick(env_vars::TCLI_CONFIG_DIR, dirs::config_dir()),
            cache_dir: pick(env_vars::TCLI_CACHE_DIR, dirs::cache_dir()),
            data_dir: pick(env_vars::TCLI_DATA_DIR, dirs::data_dir()),
            path_var: env_vars::get_os(env_vars::PATH),
            plugin_path_var: env_vars::get_os(env_vars::TCLI_PLUGIN_PATH),
            no_docker: env_vars::is_truthy(env_vars::TCLI_NO_DOCKER),
            exe: current_exe().map(Path::to_path_buf),
        }
    }

    /// The index file.
    pub fn index_path(&self) -> PathBuf {
        self.cache_dir.join("index.jsonl")
    }

    /// The user's own settings file.
    pub fn user_settings_path(&self) -> PathBuf {
        self.config_dir.join("tcli.toml")
    }

    /// Where team repos are cloned.
    pub fn teams_dir(&self) -> PathBuf {
        self.data_dir.join("teams")
    }

    /// Where `tcli modules install` puts native plugins.
    pub fn installed_plugins_dir(&self) -> PathBuf {
        self.data_dir.join("plugins")
    }

    /// `<prefix>/lib/tcli/plugins` for a binary at `<prefix>/bin/tcli`, as git finds its
    /// exec-path from its own location.
    pub fn bundled_plugins_dir(&self) -> Option<PathBuf> {
        let exe = self.exe.as_deref()?;
        let prefix = exe.parent()?.parent()?;
        Some(prefix.join("lib").join("tcli").join("plugins"))
    }

    /// The absolute directories of a PATH-style variable, in order, duplicates removed. Relative
    /// and empty entries are skipped: they would make a module depend on the current directory.
    pub fn split_abs(var: Option<&OsString>) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        if let Some(v) = var {
            for p in std::env::split_paths(v) {
                if p.is_absolute() && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The native plugin dirs: `TCLI_PLUGIN_PATH`, the data dir's, then the bundled dir.
    pub fn plugin_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Self::split_abs(self.plugin_path_var.as_ref());
        for d in [
            Some(self.installed_plugins_dir()),
            self.bundled_plugins_dir(),
        ]
        .into_iter()
        .flatten()
        {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
        dirs
    }

    /// tcli's own version.
    pub fn version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

/// The running binary, resolved once per process; a helper makes it the tcli that started it
/// (`tcli_helper::act_for_caller`). One answer for tcli and the helpers' facades.
pub use tcli_helper::{current_exe, set_current_exe};
