//! Team settings (docs/team-repos.md): each team repo's `tcli.toml`, merged in `team list` order
//! (an earlier team wins, as its `bin/` does), then the user's `<config dir>/tcli.toml` on top.
//! Merging is per key inside tables (`[bookmarks]`, `[projects]`, `[docker]`), so two teams can
//! each add bookmarks. Read only by commands that need settings, never on the warm path.

use crate::context::Context;
use crate::error::Failure;
use std::path::{Path, PathBuf};

/// Tables that belong to the file they are in and are left out of the merge (docs/team-repos.md,
/// "How settings merge").
pub const PER_FILE: &[&str] = &["people", "trust"];

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
            if let Some(mut t) = read_table(&f)? {
                // A roster and a trust policy are one team's: merged key by key, another team
                // or the user's file could replace a member's keys. They are read per file
                // (`layers`), never from the merge.
                for own in PER_FILE {
                    t.remove(*own);
                }
                merge(&mut out.table, t);
                out.files.push(f);
            }
        }
        Ok(out)
    }

    /// The merged settings as JSON (what native modules receive).
    pub fn to_json(&self) -> serde_json::Value {
        json_of_table(&self.table)
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

/// One settings file and whose it is, as native modules receive them (docs/native-abi.md).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Layer {
    /// The team the file belongs to; `None` for the user's own.
    pub team: Option<String>,
    /// The file.
    pub path: PathBuf,
    /// Its table, as JSON.
    pub settings: serde_json::Value,
}

/// A TOML table as JSON, with dates and times as their RFC 3339 strings (serde would give
/// toml's private wrapper object, which no module should have to know).
pub fn json_of_table(table: &toml::Table) -> serde_json::Value {
    serde_json::Value::Object(table.iter().map(|(k, v)| (k.clone(), json_of(v))).collect())
}

fn json_of(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(json_of).collect()),
        toml::Value::Table(t) => json_of_table(t),
    }
}

/// Every settings file that exists, highest precedence first (the user's, then each team in
/// `team list` order): the unmerged view, for modules that must say where a setting came from.
pub fn layers(cx: &Context) -> anyhow::Result<Vec<Layer>> {
    let user = std::iter::once((None, cx.user_settings_path()));
    let teams = crate::team_dirs::teams(cx).into_iter().map(|t| {
        let path = crate::team_dirs::checkout_dir(cx, &t.name).join("tcli.toml");
        (Some(t.name), path)
    });
    let mut out = Vec::new();
    for (team, path) in user.chain(teams) {
        if let Some(settings) = read_table(&path)? {
            out.push(Layer {
                team,
                path,
                settings: json_of_table(&settings),
            });
        }
    }
    Ok(out)
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

pub use tcli_plugin_sdk::settings_file::SETTINGS_MAX;

/// Reads one settings file, within the bound of `tcli_plugin_sdk::settings_file`; `None` when
/// it does not exist.
pub fn read_table(path: &Path) -> anyhow::Result<Option<toml::Table>> {
    use tcli_plugin_sdk::settings_file;
    let text = match settings_file::read(path) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(None),
        Err(error) => {
            return Err(Failure::SettingsUnreadable {
                path: path.to_path_buf(),
                error,
            }
            .into())
        }
    };
    match text.parse::<toml::Table>() {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            Err(Failure::SettingsSyntax {
                path: path.to_path_buf(),
                line,
                message: e.message().to_string(),
            }
            .into())
        }
    }
}

/// Merges `over` into `base`: tables merge key by key, anything else is replaced.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
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
    fn deeply_nested_files_are_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000)),
            format!("x = {}1{}", "{a=".repeat(50_000), "}".repeat(50_000)),
        ] {
            let f = dir.path().join("tcli.toml");
            std::fs::write(&f, text).unwrap();
            let e = super::read_table(&f).unwrap_err().to_string();
            assert!(e.contains("tcli.toml"), "{e}");
        }
        let f = dir.path().join("big.toml");
        std::fs::write(&f, format!("x = \"{}\"", "a".repeat(5 << 20))).unwrap();
        let e = super::read_table(&f).unwrap_err().to_string();
        assert!(e.contains("larger than 4 MiB"), "{e}");
        // A tcli.toml a team repo links to a device is refused, never read without end.
        let f = dir.path().join("linked.toml");
        std::os::unix::fs::symlink("/dev/zero", &f).unwrap();
        let e = super::read_table(&f).unwrap_err().to_string();
        assert!(e.contains("linked.toml: not a regular file"), "{e}");
    }

    #[test]
    fn json_gives_dates_as_strings() {
        let t: toml::Table = "start = 2026-01-05T09:00:00+01:00\nn = 1\n"
            .parse()
            .unwrap();
        let j = super::json_of_table(&t);
        assert_eq!(j["start"], "2026-01-05T09:00:00+01:00");
        assert_eq!(j["n"], 1);
    }

    #[test]
    fn merge_is_per_key_in_tables() {
        let mut a: toml::Table = "[bookmarks]\nwiki = 'a'\nci = 'x'\n".parse().unwrap();
        let b: toml::Table = "[bookmarks]\nwiki = 'b'\n".parse().unwrap();
        merge(&mut a, b);
        assert_eq!(a["bookmarks"]["wiki"].as_str(), Some("b"));
        assert_eq!(a["bookmarks"]["ci"].as_str(), Some("x"));
    }
}

#[cfg(test)]
mod props {
    //! Merge order as an equation over generated tables (docs/fuzzing.md): the later file wins
    //! key by key, tables merge, and nothing of the earlier file is lost that the later one
    //! does not set.
    use super::merge;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = toml::Value> {
        let leaf = prop_oneof![
            any::<i32>().prop_map(|i| toml::Value::Integer(i64::from(i))),
            "[a-z]{0,5}".prop_map(toml::Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            proptest::collection::btree_map("[a-c]", inner, 0..4)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect()))
        })
    }

    fn table() -> impl Strategy<Value = toml::Table> {
        proptest::collection::btree_map("[a-c]", value(), 0..4)
            .prop_map(|m| m.into_iter().collect())
    }

    fn check(
        base: &toml::Table,
        over: &toml::Table,
        merged: &toml::Table,
    ) -> Result<(), TestCaseError> {
        for (k, v) in over {
            match (base.get(k), v) {
                (Some(toml::Value::Table(b)), toml::Value::Table(o)) => {
                    let Some(toml::Value::Table(m)) = merged.get(k) else {
                        return Err(TestCaseError::fail(format!("{k} is no longer a table")));
                    };
                    check(b, o, m)?;
                }
                _ => prop_assert_eq!(merged.get(k), Some(v), "the later file wins for {}", k),
            }
        }
        for (k, v) in base {
            if !over.contains_key(k) {
                prop_assert_eq!(merged.get(k), Some(v), "{} of the earlier file is kept", k);
            }
        }
        prop_assert_eq!(
            merged.len(),
            base.keys()
                .chain(over.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn the_later_file_wins_key_by_key(base in table(), over in table()) {
            let mut merged = base.clone();
            merge(&mut merged, over.clone());
            check(&base, &over, &merged)?;
        }
    }
}
