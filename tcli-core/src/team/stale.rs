//! The stale-checkout hint (docs/team-repos.md): the most tcli ever says unasked. One line on
//! stderr when a team repo was last fetched more than `stale-after-days` ago (default 7), at
//! most once a day, only on a terminal and never with `CI` set. It runs on the warm path, so it
//! stats files and reads the small registry only; settings are parsed only when some checkout
//! is more than a day old, and no git repository is ever opened.

use crate::context::Context;
use crate::team_dirs;
use std::ffi::OsStr;
use std::time::{Duration, SystemTime};

/// The settings key for the threshold; `0` turns the hint off.
pub const KEY: &str = "stale-after-days";
/// The threshold when no settings file sets one.
pub const DEFAULT_DAYS: u64 = 7;
const DAY: Duration = Duration::from_secs(86_400);

/// The file whose mtime says when the hint was last shown.
fn stamp(cx: &Context) -> std::path::PathBuf {
    cx.cache_dir.join("team-stale-hint")
}

/// Prints the hint if it is due. `first_arg` is the module being run: `tcli team ...` is where
/// the user already deals with team repos, so it gets no hint.
pub fn maybe_hint(cx: &Context, first_arg: Option<&OsStr>) {
    if first_arg.is_some_and(|a| a == "team") || !crate::ui::interactive() {
        return;
    }
    let now = SystemTime::now();
    let stamp = stamp(cx);
    let shown = std::fs::metadata(&stamp).and_then(|m| m.modified()).ok();
    if shown.is_some_and(|t| now.duration_since(t).is_ok_and(|d| d < DAY)) {
        return;
    }
    let ages: Vec<(String, Duration)> = team_dirs::registered(cx)
        .into_iter()
        .filter_map(|t| {
            let fetched = team_dirs::last_fetch(&team_dirs::checkout_dir(cx, &t.name))?;
            Some((t.name, now.duration_since(fetched).ok()?))
        })
        .filter(|(_, age)| *age > DAY)
        .collect();
    if ages.is_empty() {
        return;
    }
    let days = threshold_days(cx);
    if days == 0 {
        return;
    }
    let limit = DAY * u32::try_from(days).unwrap_or(u32::MAX);
    let stale: Vec<&(String, Duration)> = ages.iter().filter(|(_, a)| *a > limit).collect();
    let Some(oldest) = stale.iter().map(|(_, a)| *a).max() else {
        return;
    };
    let age = super::ago(oldest.as_secs());
    let line = match stale.as_slice() {
        [(name, _)] => {
            format!("team '{name}' was last updated {age}; run 'tcli team update'")
        }
        many => format!(
            "teams {} were last updated up to {age}; run 'tcli team update'",
            many.iter()
                .map(|(n, _)| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    crate::ui::hint(&line);
    // Failing to remember only means the hint may come again today.
    let _ = std::fs::create_dir_all(&cx.cache_dir).and_then(|()| std::fs::write(&stamp, b""));
}

/// `stale-after-days` from the merged settings (user over teams); the default when unset or
/// unreadable, since a hint must never make a command fail.
fn threshold_days(cx: &Context) -> u64 {
    crate::settings::Settings::load(cx)
        .ok()
        .and_then(|s| s.table.get(KEY).and_then(toml::Value::as_integer))
        .and_then(|d| u64::try_from(d).ok())
        .unwrap_or(DEFAULT_DAYS)
}
