//! `tcli team status [--json]`: each checkout's branch, upstream as last fetched, ahead/behind,
//! local changes and last fetch time. Local data only: it never touches the network.

use crate::team::status::{self, State};
use tcli_core::commands::team::status::TeamStatusArgs;
use tcli_core::context::Context;
use tcli_core::team_dirs;
use tcli_core::ui;

/// Runs `tcli team status`.
pub(crate) fn cmd_team_status(cx: &Context, args: &TeamStatusArgs) -> anyhow::Result<u8> {
    let teams = team_dirs::teams_strict(cx)?;
    let all: Vec<status::TeamStatus> = teams.iter().map(|t| status::status(cx, t)).collect();
    if args.json {
        ui::json(&serde_json::json!({ "teams": all }));
        return Ok(0);
    }
    if all.is_empty() {
        ui::hint(crate::errors::NO_TEAMS);
        return Ok(0);
    }
    let now = tcli_core::model::now();
    let rows: Vec<(String, String)> = all
        .iter()
        .map(|s| (s.name.clone(), describe(s, now)))
        .collect();
    let mut text = ui::aligned(&rows, 0);
    for s in &all {
        for m in &s.missing {
            text.push_str(&format!(
                "{}: pinned {m} is missing (restore it: tcli team update {})\n",
                s.name, s.name
            ));
        }
    }
    ui::out(&text);
    Ok(0)
}

fn describe(s: &status::TeamStatus, now: u64) -> String {
    let fetched = match s.last_fetch {
        Some(t) => format!("fetched {}", tcli_core::team::ago(now.saturating_sub(t))),
        None => "never fetched".to_string(),
    };
    if s.state != State::Ok {
        let problem = s.problem.as_deref().unwrap_or("unknown problem");
        return match s.state {
            State::Missing => problem.to_string(),
            _ => format!("{problem}; {fetched}"),
        };
    }
    let head = format!(
        "{} {}",
        s.branch.as_deref().unwrap_or("?"),
        s.head.as_deref().map_or("?", |h| &h[..7])
    );
    let upstream = s.upstream.as_deref().unwrap_or("?");
    let position = match (s.ahead, s.behind) {
        (Some(0), Some(0)) => format!("up to date with {upstream}"),
        (Some(a), Some(0)) => format!("{a} ahead of {upstream}"),
        (Some(0), Some(b)) => format!("{b} behind {upstream}"),
        (Some(a), Some(b)) => format!("{a} ahead, {b} behind {upstream}"),
        _ => format!("{upstream} not fetched yet"),
    };
    let dirty = match s.changes.len() {
        0 => "clean".to_string(),
        1 => "1 uncommitted change".to_string(),
        n => format!("{n} uncommitted changes"),
    };
    format!("{head}  {position}, {dirty}, {fetched}{}", trust(s))
}

/// ", signed: ..." for a signed team; nothing for an unsigned one.
fn trust(s: &status::TeamStatus) -> String {
    let t = &s.trust;
    if t.policy != "signed" {
        return String::new();
    }
    // From the registry, a file users may edit: never sliced blindly.
    let short = |c: &str| c.chars().take(7).collect::<String>();
    let Some(root) = t.root.as_deref().map(|r| format!("root {}", short(r))) else {
        return ", signed (no trust root recorded yet: the next 'tcli team update' records one)"
            .to_string();
    };
    match (&t.signer, &t.signer_key, &t.verified) {
        (Some(p), Some(k), _) => format!(", signed ({root}; HEAD verified, signed by {p} {k})"),
        (_, _, Some(v)) if s.head.as_deref() == Some(v.as_str()) => {
            format!(", signed ({root}; HEAD verified)")
        }
        (_, _, Some(v)) => format!(
            ", signed ({root}; HEAD not verified, last verified {}: run 'tcli team verify {}')",
            short(v),
            s.name
        ),
        _ => format!(
            ", signed ({root}; nothing verified yet: run 'tcli team verify {}')",
            s.name
        ),
    }
}
