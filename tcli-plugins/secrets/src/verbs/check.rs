//! `tcli secrets check [--team T | --repo DIR]`: exit 1 listing every secret not encrypted to
//! exactly the current roster. A key added since needs a rekey; a key removed since needs a
//! rekey and the secret itself rotated, since its holder could read it and git keeps the old
//! file. Reads only the `.recipients` files and the age headers: no key needed, CI runs it.

use crate::problem::Problem;
use crate::roster;
use crate::store;
use crate::teams;
use std::io::Write;
use std::path::Path;
use tcli_plugin_sdk::output::inert;
use tcli_plugin_sdk::{Error, Host};

/// One repo to check: its name in messages, its dir, its roster file.
struct Target {
    label: String,
    dir: std::path::PathBuf,
    file: std::path::PathBuf,
    roster: Result<tcli_roster::Roster, Problem>,
}

/// Checks each repo's secrets against its roster, says what is off, and fails when anything is.
pub(crate) fn run(host: &Host, team: Option<&str>, repo: Option<&Path>) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let mut tally = Tally::default();
    for t in targets(host, team, repo)? {
        check_target(&mut out, t, &mut tally)?;
    }
    out.flush()?;
    if tally.total == 0 {
        tcli_plugin_sdk::output::status("no secrets to check");
    }
    if tally.bad == 0 {
        return Ok(());
    }
    Err(Problem::NotCurrent {
        bad: tally.bad,
        total: tally.total,
        rotate: tally.rotate,
    }
    .into())
}

/// What the check found so far.
#[derive(Default)]
struct Tally {
    /// Secrets not encrypted to exactly the roster.
    bad: usize,
    total: usize,
    /// Some secret is still encrypted to a key removed from the roster.
    rotate: bool,
}

/// The working clone `--repo` names, or the teams `--team` selects (all by default).
fn targets(host: &Host, team: Option<&str>, repo: Option<&Path>) -> Result<Vec<Target>, Error> {
    Ok(match repo {
        Some(_) => {
            let clone = teams::working_clone(host, repo, true)?;
            vec![Target {
                label: clone.display(),
                file: clone.dir.join("tcli.toml"),
                roster: roster::from_repo(&clone.dir),
                dir: clone.dir,
            }]
        }
        None => teams::selected(host, team)?
            .into_iter()
            .map(|t| Target {
                label: format!("team '{}'", t.name),
                dir: t.dir,
                file: t.file,
                roster: t.roster,
            })
            .collect(),
    })
}

/// One repo's lines: its roster's problem, each secret off the roster, or that all are on it.
fn check_target(out: &mut impl Write, t: Target, tally: &mut Tally) -> Result<(), Error> {
    let secrets = store::secrets_in(&t.dir)?;
    if secrets.is_empty() {
        return Ok(());
    }
    tally.total += secrets.len();
    // Problems quote the roster's own text: shown inert.
    let parsed = match t
        .roster
        .and_then(|r| roster::recipients(&r, &t.file).map(|_| r))
    {
        Ok(r) => r,
        Err(p) => {
            writeln!(out, "{}: {}", t.label, inert(&p.to_string()))?;
            tally.bad += secrets.len();
            return Ok(());
        }
    };
    let fps = roster::fingerprints(&parsed);
    let lines: Vec<String> = secrets
        .iter()
        .flat_map(|secret| secret_lines(secret, &fps, tally))
        .collect();
    if lines.is_empty() {
        writeln!(
            out,
            "{}: {} secrets, all encrypted to exactly the roster ({} keys)",
            t.label,
            secrets.len(),
            fps.len()
        )?;
    } else {
        writeln!(out, "{}:", t.label)?;
        for l in lines {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

/// What is off with one secret, a line each: damaged, or keys added to or removed from the
/// roster since it was encrypted. None when it is encrypted to exactly the roster.
fn secret_lines(
    secret: &store::Secret,
    fps: &[(String, String)],
    tally: &mut Tally,
) -> Vec<String> {
    let status = store::inspect(secret, fps).status;
    if status.current() {
        return Vec::new();
    }
    tally.bad += 1;
    let file = format!("{}/{}.age", store::DIR, secret.name);
    if let Some(why) = &status.damaged {
        return vec![format!("  {file}: damaged: {why}")];
    }
    let mut lines = Vec::new();
    if !status.added.is_empty() {
        let who: Vec<String> = status
            .added
            .iter()
            .map(|(p, fp)| format!("{p} ({fp})"))
            .collect();
        lines.push(format!(
            "  {file}: not encrypted to {}, added to the roster since: rekey it",
            who.join(", ")
        ));
    }
    if !status.removed.is_empty() {
        tally.rotate = true;
        let who: Vec<String> = status
            .removed
            .iter()
            .map(|e| format!("{} ({})", e.person, e.fingerprint))
            .collect();
        lines.push(format!(
            "  {file}: still encrypted to {}, no longer in the roster: rekey it, and rotate the secret itself (they could read it, and git history keeps the old file)",
            who.join(", ")
        ));
    }
    lines
}
