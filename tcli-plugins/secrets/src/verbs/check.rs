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

pub(crate) fn run(host: &Host, team: Option<&str>, repo: Option<&Path>) -> Result<(), Error> {
    let targets: Vec<Target> = match repo {
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
    };
    let mut out = std::io::stdout().lock();
    let (mut bad, mut total, mut rotate) = (0usize, 0usize, false);
    for t in targets {
        let secrets = store::secrets_in(&t.dir)?;
        if secrets.is_empty() {
            continue;
        }
        total += secrets.len();
        let parsed = match t.roster {
            Ok(r) => r,
            // Problems quote the roster's own text: shown inert.
            Err(p) => {
                writeln!(out, "{}: {}", t.label, inert(&p.to_string()))?;
                bad += secrets.len();
                continue;
            }
        };
        if let Err(p) = roster::recipients(&parsed, &t.file) {
            writeln!(out, "{}: {}", t.label, inert(&p.to_string()))?;
            bad += secrets.len();
            continue;
        }
        let fps = roster::fingerprints(&parsed);
        let mut lines = Vec::new();
        for secret in &secrets {
            let status = store::inspect(secret, &fps).status;
            if status.current() {
                continue;
            }
            bad += 1;
            let file = format!("{}/{}.age", store::DIR, secret.name);
            if let Some(why) = &status.damaged {
                lines.push(format!("  {file}: damaged: {why}"));
                continue;
            }
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
                rotate = true;
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
        }
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
    }
    out.flush()?;
    if total == 0 {
        tcli_plugin_sdk::output::status("no secrets to check");
    }
    if bad == 0 {
        return Ok(());
    }
    let hint = if rotate {
        "in a clone of the team repo run 'tcli secrets rekey', commit and push; then rotate each secret marked 'rotate': change it where it is issued and 'tcli secrets set' the new value"
    } else {
        "in a clone of the team repo run 'tcli secrets rekey', then commit and push"
    };
    Err(Error::failed(format!(
        "{bad} of {total} secrets are not encrypted to exactly the current roster"
    ))
    .with_hint(hint))
}
