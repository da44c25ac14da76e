//! Team settings (docs/team-repos.md): each team repo's `tcli.toml`, merged in `team list` order
//! (an earlier team wins, as its `bin/` does), then the user's `<config dir>/tcli.toml` on top.
//! Merging is per key inside tables (`[bookmarks]`, `[projects]`, `[docker]`), so two teams can
//! each add bookmarks. Read only by commands that need settings, never on the warm path.

use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
use std::path::{Path, PathBuf};

/// The merged settings as a TOML table, plus where each file came from.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    /// The merged table.
    pub table: toml::Table,
    /// The files read, highest precedence last.
    pub files: Vec<PathBuf>,
}

impl Settings {
    /// Loads and merges every settings file. A file with a syntax error is an error naming it.
    pub fn load(cx: &Context) -> anyhow::Result<Settings> {
        let mut out = Settings::default();
        for f in files(cx) {
            if let Some(t) = read_table(&f)? {
                merge(&mut out.table, t);
                out.files.push(f);
            }
        }
        Ok(out)
    }

    /// The merged settings as JSON (what native modules receive).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.table).unwrap_or(serde_json::Value::Null)
    }

    /// A string list at `[section] key`, empty when absent.
    pub fn strings(&self, section: &str, key: &str) -> Vec<String> {
        self.table
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every settings file, lowest precedence first: each team's `tcli.toml` from the last team
/// to the first, then the user's. The one list: whatever caches a conclusion drawn from
/// settings (the docker source's trust rule) stats these same files.
pub fn files(cx: &Context) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = crate::team_dirs::teams(cx)
        .iter()
        .rev()
        .map(|t| crate::team_dirs::checkout_dir(cx, &t.name).join("tcli.toml"))
        .collect();
    files.push(cx.user_settings_path());
    files
}

/// Reads one settings file; `None` when it does not exist.
pub fn read_table(path: &Path) -> anyhow::Result<Option<toml::Table>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::new(
                Exit::Failure,
                format!("cannot read {}: {e}", path.display()),
            )
            .into());
        }
    };
    match text.parse::<toml::Table>() {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .map_or(String::new(), |l| format!(" at line {l}"));
            Err(CliError::new(
                Exit::Failure,
                format!(
                    "{} has a syntax error{line}: {}",
                    path.display(),
                    e.message()
                ),
            )
            .hint(format!(
                "fix the file (it is TOML), then run the command again: {}",
                path.display()
            ))
            .into())
        }
    }
}

/// Merges `over` into `base`: tables merge key by key, anything else is replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn merge_is_per_key_in_tables() {
        let mut a: toml::Table = "[bookmarks]\nwiki = 'a'\nci = 'x'\n".parse().unwrap();
        let b: toml::Table = "[bookmarks]\nwiki = 'b'\n".parse().unwrap();
        merge(&mut a, b);
        assert_eq!(a["bookmarks"]["wiki"].as_str(), Some("b"));
        assert_eq!(a["bookmarks"]["ci"].as_str(), Some("x"));
    }
}
