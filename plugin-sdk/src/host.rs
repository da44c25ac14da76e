//! The safe view of what tcli gives a module for one run: its dirs, its version, and the
//! merged settings (loaded by tcli only when the module asks). Built by the export macro from
//! the C host struct; nothing here touches a raw pointer.

use crate::Error;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// What tcli provides to a running module.
pub struct Host<'a> {
    module: &'a str,
    tcli_version: String,
    config_dir: PathBuf,
    data_dir: PathBuf,
    cache_dir: PathBuf,
    load_settings: &'a dyn Fn() -> Result<String, String>,
    settings: OnceCell<serde_json::Value>,
    load_layers: Option<&'a dyn Fn() -> Result<String, String>>,
    layers: OnceCell<Vec<Layer>>,
}

/// One settings file as tcli read it: a team repo's `tcli.toml` or the user's own.
#[derive(Debug, Clone, serde::Deserialize)]
#[non_exhaustive]
pub struct Layer {
    /// The team the file belongs to; `None` for the user's own file.
    pub team: Option<String>,
    /// The file.
    pub path: PathBuf,
    /// Its table, as JSON.
    pub settings: serde_json::Value,
}

impl Layer {
    /// A layer from its parts (for tests of module logic).
    pub fn new(team: Option<String>, path: PathBuf, settings: serde_json::Value) -> Layer {
        Layer {
            team,
            path,
            settings,
        }
    }

    /// The team's checkout (the directory holding the file), for a team's layer.
    pub fn repo_dir(&self) -> Option<&Path> {
        self.team.as_ref().and(self.path.parent())
    }

    /// Who the file belongs to, for messages: `team 'acme'` or `your settings`.
    pub fn origin(&self) -> String {
        match &self.team {
            Some(t) => format!("team '{t}'"),
            None => "your settings".to_string(),
        }
    }
}

impl<'a> Host<'a> {
    /// A host from its parts; `load_settings` returns the settings JSON text or an error message.
    /// Modules get theirs from tcli; tests of module logic can build one directly.
    pub fn new(
        module: &'a str,
        tcli_version: impl Into<String>,
        dirs: [PathBuf; 3],
        load_settings: &'a dyn Fn() -> Result<String, String>,
    ) -> Host<'a> {
        let [config_dir, data_dir, cache_dir] = dirs;
        Host {
            module,
            tcli_version: tcli_version.into(),
            config_dir,
            data_dir,
            cache_dir,
            load_settings,
            settings: OnceCell::new(),
            load_layers: None,
            layers: OnceCell::new(),
        }
    }

    /// The same host, able to give the settings file by file ([`Host::layers`]);
    /// `load_layers` returns the layers JSON (see `abi::TcliHostV1::settings_layers_json`).
    pub fn with_layers(mut self, load_layers: &'a dyn Fn() -> Result<String, String>) -> Host<'a> {
        self.load_layers = Some(load_layers);
        self
    }

    /// The module name, as in `tcli <module>`.
    pub fn module(&self) -> &str {
        self.module
    }

    /// The version of the tcli running the module.
    pub fn tcli_version(&self) -> &str {
        &self.tcli_version
    }

    /// tcli's config dir (holds the user's `tcli.toml`).
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    /// tcli's data dir (team repos, installed plugins; a good home for a module's own data).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// tcli's cache dir.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The merged team and user settings (every `tcli.toml`) as JSON; loaded once.
    pub fn settings(&self) -> Result<&serde_json::Value, Error> {
        if let Some(v) = self.settings.get() {
            return Ok(v);
        }
        let text = (self.load_settings)().map_err(Error::Settings)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Settings(format!("tcli sent settings that are not JSON: {e}")))?;
        Ok(self.settings.get_or_init(|| value))
    }

    /// The settings file by file, in precedence order: the user's own file first, then each
    /// team's `tcli.toml` in `team list` order. Files that do not exist are left out. For a
    /// module that must say which team a setting came from, or read a team's repo.
    pub fn layers(&self) -> Result<&[Layer], Error> {
        if let Some(v) = self.layers.get() {
            return Ok(v);
        }
        let load = self.load_layers.ok_or_else(|| {
            Error::Settings("this host does not give settings file by file".into())
        })?;
        let text = load().map_err(Error::Settings)?;
        let value: Vec<Layer> = serde_json::from_str(&text).map_err(|e| {
            Error::Settings(format!("tcli sent settings layers that are not valid: {e}"))
        })?;
        Ok(self.layers.get_or_init(|| value))
    }

    /// The table at `key` in the settings (`bookmarks`, `projects`), empty when absent.
    pub fn settings_table(
        &self,
        key: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        match self.settings()?.get(key) {
            None | Some(serde_json::Value::Null) => Ok(serde_json::Map::new()),
            Some(serde_json::Value::Object(m)) => Ok(m.clone()),
            Some(_) => Err(Error::InvalidSetting {
                key: key.to_string(),
                problem: "expected a table ([".to_string() + key + "])",
            }),
        }
    }

    /// The table at `key` read as a list of `T`, one per entry in name order: `read` turns an
    /// entry's name and value into a `T`, or says in a few words what is wrong with it, which
    /// becomes [`Error::InvalidSetting`] naming `key.name` (`bookmarks.wiki`).
    pub fn settings_entries<T>(
        &self,
        key: &str,
        mut read: impl FnMut(String, &serde_json::Value) -> Result<T, String>,
    ) -> Result<Vec<T>, Error> {
        self.settings_table(key)?
            .into_iter()
            .map(|(name, value)| {
                let at = format!("{key}.{name}");
                read(name, &value).map_err(|problem| Error::InvalidSetting { key: at, problem })
            })
            .collect()
    }
}

impl std::fmt::Debug for Host<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("module", &self.module)
            .field("tcli_version", &self.tcli_version)
            .field("config_dir", &self.config_dir)
            .field("data_dir", &self.data_dir)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}
