//! The bundled `web` native module: the team's shared bookmarks, read from `[bookmarks]` in the
//! merged settings (every team repo's `tcli.toml`, then the user's). Lists, shows and opens
//! them; opening falls back to printing the URL where no browser can be shown.

use std::io::Write;
use std::process::{Command, Stdio};
use tcli_plugin_sdk::clap::{self, Subcommand};
use tcli_plugin_sdk::output::{self, inert};
use tcli_plugin_sdk::serde_json::{json, Value};
use tcli_plugin_sdk::{Error, Host};

/// The command line: a verb (about and version are the package's, set by the SDK).
type Cli = tcli_plugin_sdk::Verbs<Verb>;

#[derive(Subcommand)]
enum Verb {
    /// List the bookmarks
    List {
        /// Print JSON: an array of {name, url, description}
        #[arg(long)]
        json: bool,
    },
    /// Open a bookmark in the browser (prints the URL when there is no display or CI is set)
    Open {
        /// The bookmark name
        name: String,
    },
    /// Show one bookmark
    Show {
        /// The bookmark name
        name: String,
    },
}

struct Bookmark {
    name: String,
    url: String,
    description: Option<String>,
}

/// `[bookmarks]`: `name = "url"` or `name = { url = "...", description = "..." }`, by name.
fn bookmarks(host: &Host) -> Result<Vec<Bookmark>, Error> {
    host.settings_entries("bookmarks", |name, v| {
        let (url, description) = match v {
            Value::String(url) => (url.clone(), None),
            Value::Object(o) => (
                o.get("url")
                    .and_then(Value::as_str)
                    .ok_or("it needs url = \"...\"")?
                    .to_string(),
                o.get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            _ => return Err("expected \"url\" or { url = \"...\", description = \"...\" }".into()),
        };
        if url.trim().is_empty() || url.starts_with('-') {
            return Err("the url is empty or starts with '-'".into());
        }
        Ok(Bookmark {
            name,
            url,
            description,
        })
    })
}

fn find(host: &Host, name: &str) -> Result<Bookmark, Error> {
    bookmarks(host)?
        .into_iter()
        .find(|b| b.name == name)
        .ok_or_else(|| {
            Error::failed(format!("no bookmark named '{name}'"))
                .with_hint("run 'tcli web list' to see the bookmarks")
        })
}

fn list(host: &Host, as_json: bool) -> Result<(), Error> {
    let all = bookmarks(host)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        let rows: Vec<Value> = all
            .iter()
            .map(|b| json!({"name": b.name, "url": b.url, "description": b.description}))
            .collect();
        return output::json(&mut out, &Value::Array(rows));
    }
    if all.is_empty() {
        tcli_plugin_sdk::output::status(&format!(
            "no bookmarks yet; add them under [bookmarks] in {}",
            host.config_dir().join("tcli.toml").display()
        ));
        return Ok(());
    }
    table(&mut out, &all)
}

fn table(out: &mut impl Write, all: &[Bookmark]) -> Result<(), Error> {
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|b| {
            let description = b.description.clone().unwrap_or_else(|| "-".into());
            vec![b.name.clone(), b.url.clone(), description]
        })
        .collect();
    output::table(out, &["NAME", "URL", "DESCRIPTION"], &rows)
}

fn show(host: &Host, name: &str) -> Result<(), Error> {
    let b = find(host, name)?;
    let mut out = std::io::stdout().lock();
    // Values from a settings file: shown inert, as the table shows them.
    writeln!(out, "name:        {}", inert(&b.name))?;
    writeln!(out, "url:         {}", inert(&b.url))?;
    if let Some(d) = &b.description {
        writeln!(out, "description: {}", inert(d))?;
    }
    Ok(())
}

fn set(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty())
}

/// No browser can appear: in CI, or on Linux and the BSDs without an X or Wayland display.
fn headless() -> bool {
    set("CI")
        || (!cfg!(any(target_os = "macos", windows)) && !set("DISPLAY") && !set("WAYLAND_DISPLAY"))
}

fn opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    }
}

fn open(host: &Host, name: &str) -> Result<(), Error> {
    let b = find(host, name)?;
    if headless() {
        writeln!(std::io::stdout().lock(), "{}", inert(&b.url))?;
        return Ok(());
    }
    let tool = opener();
    tcli_plugin_sdk::output::status(&format!("opening {} in your browser", b.url));
    let status = Command::new(tool)
        .arg(&b.url)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| {
            Error::failed(format!("cannot run {tool} to open {}: {e}", b.url))
                .with_hint(format!("open it yourself: {}", b.url))
        })?;
    if !status.success() {
        return Err(
            Error::failed(format!("{tool} could not open {} ({status})", b.url))
                .with_hint(format!("open it yourself: {}", b.url)),
        );
    }
    Ok(())
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    match cli.verb {
        Verb::List { json } => list(host, json),
        Verb::Open { name } => open(host, &name),
        Verb::Show { name } => show(host, &name),
    }
}

tcli_plugin_sdk::export_plugin! {
    name: "web",
    cli: Cli,
    run: run,
}

/// The fuzz target's entry (fuzz/fuzz_targets/settings.rs), given merged settings JSON:
/// `[bookmarks]` yields one bookmark per key, with the url it gives, not empty and not an
/// option, and the table of them prints as inert lines; or the error renders as inert lines.
#[doc(hidden)]
pub fn fuzz_one(settings: &str) {
    let load = || Ok(settings.to_string());
    let nowhere = std::path::PathBuf::from("/nonexistent/tcli-fuzz");
    let host = Host::new(
        "web",
        "0",
        [nowhere.clone(), nowhere.clone(), nowhere],
        &load,
    );
    match bookmarks(&host) {
        Ok(all) => {
            let json: Value =
                tcli_plugin_sdk::serde_json::from_str(settings).expect("settings JSON");
            let section = json.get("bookmarks").and_then(Value::as_object);
            assert_eq!(all.len(), section.map_or(0, |t| t.len()));
            for b in &all {
                let given = section.and_then(|t| t.get(&b.name));
                let url = given.and_then(|v| v.as_str().or_else(|| v["url"].as_str()));
                assert_eq!(Some(b.url.as_str()), url);
                assert!(
                    !b.url.trim().is_empty() && !b.url.starts_with('-'),
                    "{:?}",
                    b.url
                );
            }
            let mut out = Vec::new();
            table(&mut out, &all).expect("a table in memory");
            assert_inert_lines(&String::from_utf8_lossy(&out));
        }
        Err(e) => assert_inert_lines(&e.rendered().expect("an error to show")),
    }
}

fn assert_inert_lines(text: &str) {
    let live = |c: char| c != '\n' && output::is_unsafe(c);
    assert!(!text.chars().any(live), "{text:?}");
}
