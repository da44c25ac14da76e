//! The bundled `oncall` native module: who is on call, from the rotations the team files define
//! (`[oncall.<name>]`, people from the roster). A pure function of the settings and the clock:
//! no network, no state of its own. The contract (verbs, JSON shapes, decisions such as what
//! `every` means across a daylight-saving change) is docs/oncall.md.

mod clock;
mod error;
mod ics;
mod rotation;
mod shifts;

use clock::Clock;
use error::OncallError;
use rotation::{rfc3339, Rosters, Rotation};
use shifts::{Segment, Source};
use std::io::Write;
use tcli_plugin_sdk::clap::{self, Subcommand};
use tcli_plugin_sdk::serde_json::{json, Value};
use tcli_plugin_sdk::{output, Error, Host};
use tcli_roster::Person;

/// The command line: a verb (about and version are the package's, set by the SDK).
type Cli = tcli_plugin_sdk::Verbs<Verb>;

#[derive(Subcommand)]
enum Verb {
    /// Who is on call now (or at --at), for one rotation or all of them
    Now {
        /// The rotation (default: every rotation)
        rotation: Option<String>,
        /// Ask about this time instead of now (RFC 3339, `2026-03-02 09:00` local, or a date)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print JSON (docs/oncall.md)
        #[arg(long)]
        json: bool,
    },
    /// Who takes over at the next handoff
    Next {
        /// The rotation (default: every rotation)
        rotation: Option<String>,
        /// Ask about this time instead of now
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print JSON (docs/oncall.md)
        #[arg(long)]
        json: bool,
    },
    /// The shifts ahead, with overrides applied (a shift an override cuts is split)
    Schedule {
        /// The rotation (default: every rotation)
        rotation: Option<String>,
        /// Start here instead of now
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// How many weeks to show
        #[arg(long, value_name = "N", default_value_t = 4,
              value_parser = clap::value_parser!(u16).range(1..=520))]
        weeks: u16,
        /// Print JSON (docs/oncall.md)
        #[arg(long)]
        json: bool,
    },
    /// A person's shifts ahead, in every rotation (`me`: whoever `git config user.email` is)
    When {
        /// A person id from the roster, or `me`
        person: String,
        /// Start here instead of now
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// How many weeks to look ahead
        #[arg(long, value_name = "N", default_value_t = 12,
              value_parser = clap::value_parser!(u16).range(1..=520))]
        weeks: u16,
        /// Print JSON (docs/oncall.md)
        #[arg(long)]
        json: bool,
    },
    /// Export the shifts for other tools
    #[command(subcommand)]
    Export(Export),
    /// Check every rotation's definition (what `tcli doctor` shows)
    Doctor {
        /// Print the report as JSON (docs/doctor.md, "Checks from modules")
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Export {
    /// An iCalendar file of the shifts ahead, on stdout (`> oncall.ics`), for calendar apps
    Ics {
        /// The rotation (default: every rotation)
        rotation: Option<String>,
        /// Start here instead of now
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// How many weeks to export
        #[arg(long, value_name = "N", default_value_t = 12,
              value_parser = clap::value_parser!(u16).range(1..=520))]
        weeks: u16,
    },
}

const WEEK: i64 = 7 * 24 * 3600;

/// The instant a flag names, or now.
fn instant(clock: &Clock, flag: &'static str, value: Option<&str>) -> Result<i64, OncallError> {
    let Some(text) = value else {
        return Ok(clock.now);
    };
    clock.parse(text).ok_or_else(|| OncallError::NotATime {
        flag,
        text: text.to_string(),
    })
}

/// The end of the `weeks` from `from`, which must be a time tcli can show (jiff's range ends
/// in 9999): a window past it would list shifts it cannot name.
fn window_end(
    clock: &Clock,
    flag: &'static str,
    from: i64,
    weeks: u16,
) -> Result<i64, OncallError> {
    let to = from.saturating_add(i64::from(weeks) * WEEK);
    if to > rotation::last_second() {
        return Err(OncallError::PastTheEnd {
            weeks,
            from: clock.show(from),
            flag,
            last: rfc3339(rotation::last_second()),
        });
    }
    Ok(to)
}

/// The `weeks` from the time `flag` gives (or now), as the clock shows them.
struct Window {
    clock: Clock,
    from: i64,
    to: i64,
}

impl Window {
    fn of(flag: &'static str, value: Option<&str>, weeks: u16) -> Result<Window, OncallError> {
        let clock = Clock::system();
        let from = instant(&clock, flag, value)?;
        let to = window_end(&clock, flag, from, weeks)?;
        Ok(Window { clock, from, to })
    }
}

/// The stretches of `rotations` over `[from, to)`, rotation by rotation.
fn shifts(from: i64, to: i64, rotations: &[Rotation]) -> Vec<Segment<'_>> {
    rotations
        .iter()
        .flat_map(|r| r.segments(from, to))
        .collect()
}

/// The rotations a command is about, checked: the one named, or all of them.
fn select(
    layers: &[tcli_plugin_sdk::Layer],
    name: Option<&str>,
) -> Result<Vec<Rotation>, OncallError> {
    let found = rotation::find(layers)?;
    let mut rosters = Rosters::new(layers);
    if let Some(name) = name {
        let Some(f) = found.iter().find(|f| f.name == name) else {
            return Err(OncallError::NoSuchRotation {
                name: name.to_string(),
                names: found.iter().map(|f| f.name.clone()).collect(),
            });
        };
        return Ok(vec![f.check(&mut rosters)?]);
    }
    if found.is_empty() {
        tcli_plugin_sdk::output::status(
            "no rotation is defined; add [oncall.<name>] to a team's tcli.toml (docs/oncall.md)",
        );
    }
    found
        .iter()
        .map(|f| f.check(&mut rosters).map_err(OncallError::from))
        .collect()
}

fn person_json(p: Option<&Person>) -> Value {
    match p {
        None => Value::Null,
        Some(p) => json!({"id": p.id, "name": p.name, "chat": p.chat, "email": p.email}),
    }
}

/// One stretch, as every `--json` shows it (docs/oncall.md).
fn shift_json(s: &Segment<'_>) -> Value {
    let r = s.rotation;
    json!({
        "rotation": r.name,
        "team": r.origin.team,
        "file": r.origin.path,
        "person": person_json(s.person),
        "from": s.from.map(rfc3339),
        "to": rfc3339(s.to),
        "source": match s.source {
            Source::Rotation(_) => "rotation",
            Source::Override(_) => "override",
            Source::BeforeStart => "before-start",
        },
        "reason": s.reason(),
    })
}

fn who(s: &Segment<'_>) -> String {
    s.person
        .map(Person::display)
        .unwrap_or_else(|| "nobody".into())
}

fn note(clock: &Clock, s: &Segment<'_>) -> String {
    match (s.source, s.reason()) {
        (Source::Override(_), Some(r)) => format!("override: {r}"),
        (Source::Override(_), None) => "override".into(),
        (Source::BeforeStart, _) => format!(
            "nobody is on call: the rotation starts {}",
            clock.show(s.rotation.start)
        ),
        (Source::Rotation(_), _) => String::new(),
    }
}

/// The stretches as a table: rotation, who, from, to, note.
fn table(
    out: &mut impl Write,
    clock: &Clock,
    who_header: &str,
    segments: &[Segment<'_>],
) -> Result<(), Error> {
    let rows: Vec<Vec<String>> = segments
        .iter()
        .map(|s| {
            vec![
                s.rotation.name.clone(),
                who(s),
                s.from.map_or_else(|| "-".into(), |f| clock.show(f)),
                clock.show(s.to),
                note(clock, s),
            ]
        })
        .collect();
    output::table(
        out,
        &["ROTATION", who_header, "FROM", "UNTIL", "NOTE"],
        &rows,
    )
}

fn now_or_next(
    host: &Host,
    rotation: Option<String>,
    at: Option<String>,
    json: bool,
    next: bool,
) -> Result<(), Error> {
    let clock = Clock::system();
    let at = instant(&clock, "--at", at.as_deref())?;
    let rotations = select(host.layers()?, rotation.as_deref())?;
    let segments: Vec<Segment<'_>> = rotations
        .iter()
        .map(|r| if next { r.next(at) } else { r.at(at) })
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<Value> = segments.iter().map(shift_json).collect();
        return output::json(&mut out, &json!({"at": rfc3339(at), "rotations": rows}));
    }
    if segments.is_empty() {
        return Ok(());
    }
    table(
        &mut out,
        &clock,
        if next { "NEXT" } else { "ON CALL" },
        &segments,
    )
}

fn schedule(
    host: &Host,
    rotation: Option<String>,
    from: Option<String>,
    weeks: u16,
    json: bool,
) -> Result<(), Error> {
    let Window { clock, from, to } = Window::of("--from", from.as_deref(), weeks)?;
    let rotations = select(host.layers()?, rotation.as_deref())?;
    let segments = shifts(from, to, &rotations);
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<Value> = segments.iter().map(shift_json).collect();
        return output::json(
            &mut out,
            &json!({"from": rfc3339(from), "to": rfc3339(to), "shifts": rows}),
        );
    }
    if segments.is_empty() {
        if !rotations.is_empty() {
            tcli_plugin_sdk::output::status(&format!(
                "nobody is on call in the {weeks} weeks from {}",
                clock.show(from)
            ));
        }
        return Ok(());
    }
    table(&mut out, &clock, "ON CALL", &segments)
}

/// `git config user.email`, for `when me`.
fn git_email() -> Result<String, OncallError> {
    let out = std::process::Command::new("git")
        .args(["config", "user.email"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(OncallError::NoGit)?;
    let email = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || email.is_empty() {
        return Err(OncallError::NoEmail);
    }
    Ok(email)
}

/// Whether the person on call in a shift is `who` of the roster in `roster` (docs/oncall.md,
/// `when`): the same entry of the same roster, or, in another file's roster, the same id with
/// an email in common (one person in two teams). Another team's `ana` with other emails is
/// someone else.
fn same_person(
    p: &Person,
    p_roster: Option<&std::path::Path>,
    who: &Person,
    roster: &std::path::Path,
) -> bool {
    p.id == who.id
        && (p_roster == Some(roster)
            || p.email
                .iter()
                .any(|e| who.email.iter().any(|w| w.eq_ignore_ascii_case(e))))
}

fn when(
    host: &Host,
    person: String,
    at: Option<String>,
    weeks: u16,
    json: bool,
) -> Result<(), Error> {
    let Window { clock, from, to } = Window::of("--at", at.as_deref(), weeks)?;
    let layers = host.layers()?;
    let everyone = Rosters::new(layers).everyone().map_err(OncallError::from)?;
    let (who, roster) = if person == "me" {
        let email = git_email()?;
        everyone
            .iter()
            .find(|(p, _)| p.email.iter().any(|e| e.eq_ignore_ascii_case(&email)))
            .ok_or(OncallError::EmailNotInRoster(email))?
    } else {
        everyone
            .iter()
            .find(|(p, _)| p.id == person)
            .ok_or_else(|| OncallError::NoSuchPerson(person.clone()))?
    };
    let rotations = select(layers, None)?;
    let mut segments: Vec<Segment<'_>> = shifts(from, to, &rotations)
        .into_iter()
        .filter(|s| {
            s.person
                .is_some_and(|p| same_person(p, s.roster(), who, roster))
        })
        .collect();
    segments.sort_by_key(|s| s.from);
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<Value> = segments.iter().map(shift_json).collect();
        return output::json(
            &mut out,
            &json!({"person": person_json(Some(who)), "from": rfc3339(from), "to": rfc3339(to), "shifts": rows}),
        );
    }
    if segments.is_empty() {
        tcli_plugin_sdk::output::status(&format!(
            "{} has no shifts in the {weeks} weeks from {}",
            who.display(),
            clock.show(from)
        ));
        return Ok(());
    }
    table(&mut out, &clock, "ON CALL", &segments)
}

fn export_ics(
    host: &Host,
    rotation: Option<String>,
    from: Option<String>,
    weeks: u16,
) -> Result<(), Error> {
    let Window { clock, from, to } = Window::of("--from", from.as_deref(), weeks)?;
    let rotations = select(host.layers()?, rotation.as_deref())?;
    let mut segments = shifts(from, to, &rotations);
    segments.sort_by_key(|s| s.from);
    if segments.is_empty() {
        // RFC 5545 wants at least one component in a calendar: an empty one is not a file a
        // calendar app will take, so none is written (docs/oncall.md).
        if !rotations.is_empty() {
            tcli_plugin_sdk::output::status(&format!(
                "nobody is on call in the {weeks} weeks from {}; no calendar written",
                clock.show(from)
            ));
        }
        return Ok(());
    }
    let text = ics::calendar(&segments, clock.now);
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    match cli.verb {
        Verb::Now { rotation, at, json } => now_or_next(host, rotation, at, json, false),
        Verb::Next { rotation, at, json } => now_or_next(host, rotation, at, json, true),
        Verb::Schedule {
            rotation,
            from,
            weeks,
            json,
        } => schedule(host, rotation, from, weeks, json),
        Verb::When {
            person,
            at,
            weeks,
            json,
        } => when(host, person, at, weeks, json),
        Verb::Export(Export::Ics {
            rotation,
            from,
            weeks,
        }) => export_ics(host, rotation, from, weeks),
        Verb::Doctor { json } => doctor(host, json),
    }
}

/// One check per rotation, checked as every command checks it (docs/oncall.md, "Errors and exit
/// codes"), so `tcli doctor` names a broken one (a person no longer in the roster) before
/// `tcli oncall now` stops on it. Each problem is one line with its fix.
fn doctor(host: &Host, json: bool) -> Result<(), Error> {
    use tcli_plugin_sdk::doctor::{valid_check_name, Report};
    let layers = host.layers()?;
    let mut report = Report::new();
    match rotation::find(layers) {
        Err(e) => {
            report.fail("rotations", e.to_string()).hint(e.hint());
        }
        Ok(found) => {
            let mut rosters = Rosters::new(layers);
            for f in &found {
                // A rotation named outside the check-name rule is reported under one name.
                let name = if valid_check_name(&f.name) {
                    &f.name
                } else {
                    "rotations"
                };
                match f.check(&mut rosters) {
                    Ok(r) => report.pass(
                        name,
                        format!("{} people, from {}", r.people.len(), r.origin),
                    ),
                    Err(e) => report.fail(name, e.to_string()).hint(e.hint()),
                };
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if json {
        return report.print(&mut out);
    }
    report.print_text(&mut out)
}

tcli_plugin_sdk::export_plugin! {
    name: "oncall",
    cli: Cli,
    run: run,
}

/// For `fuzz/` only, not part of the module's contract: the whole pure path from settings files
/// (the layers JSON tcli passes) to answers at instant `at`, with its invariants asserted: the
/// stretch at `at` holds `at`, the schedule is ordered and without gaps or overlaps between
/// stretches, and the calendar is CRLF text.
#[doc(hidden)]
pub fn fuzz_one(layers_json: &[u8], at: i64) {
    // Instants as the clock or `--at` can give them (jiff's range is about +-9999 years).
    let at = at.clamp(-250_000_000_000, 250_000_000_000);
    let Ok(layers) =
        tcli_plugin_sdk::serde_json::from_slice::<Vec<tcli_plugin_sdk::Layer>>(layers_json)
    else {
        return;
    };
    let Ok(found) = rotation::find(&layers) else {
        return;
    };
    let mut rosters = Rosters::new(&layers);
    for f in &found {
        let Ok(r) = f.check(&mut rosters) else {
            continue;
        };
        let s = r.at(at);
        assert!(
            s.from.is_none_or(|from| from <= at) && at < s.to,
            "at({at})"
        );
        let segments = r.segments(at, at + 60 * 86_400);
        for pair in segments.windows(2) {
            assert!(
                pair[1].from.is_some_and(|f| f >= pair[0].to),
                "overlap at {at}"
            );
            assert!(
                pair[0].from.is_none_or(|f| f < pair[0].to),
                "empty stretch at {at}"
            );
        }
        let _ = r.next(at);
        let cal = ics::calendar(&segments, at);
        assert!(cal.ends_with("\r\n"));
    }
}
