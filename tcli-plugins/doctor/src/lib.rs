//! The bundled `doctor` native module: checks that this environment (a teammate's machine, a
//! CI runner) is what the team expects (docs/doctor.md). Gathers tcli's own checks, the
//! `[checks.<name>]` definitions of every settings file (file by file, so each result names
//! its team and shadowing is reported) and the checks of modules that declare the verb
//! `doctor`; runs them in parallel, each under its timeout; reports them as a table, JSON or
//! JUnit XML, and exits 0, 1, 2 or 3.

mod clean;
mod defs;
mod kinds;
mod outcome;
mod own;
mod problem;
mod proc;
mod report;

use defs::{Def, Defs, Entry, Origin};
use outcome::{Outcome, Source, Status, Summary};
use own::{FileState, Module, Team};
use problem::Problem;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tcli_plugin_sdk::clap::{self, Parser};
use tcli_plugin_sdk::doctor::{self, Report};
use tcli_plugin_sdk::serde_json::{self, Value};
use tcli_plugin_sdk::{exit, output, Error, Host};

/// Check that this environment is what the team expects
#[derive(Parser)]
#[command(
    version,
    after_help = "Exit status: 0 when no error-severity check failed (warnings allowed), 1 when one\n\
                  did (or a warning under --strict), 2 for an invalid check definition, 3 when the\n\
                  checks could not run. Check kinds, fields and the JSON report: docs/doctor.md"
)]
struct Cli {
    /// Run only these checks (names as in the CHECK column; a module's name runs all its checks)
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Print the report as JSON (tcli version, OS, team commits, each result; never an env value)
    #[arg(long)]
    json: bool,
    /// Also write the results to FILE as JUnit XML, for CI systems to display
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    strict: bool,
    /// Run only the checks of team TEAM (its definitions, its checkout, its modules)
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
}

/// How many checks run at once: most wait on a program, not on a core.
const JOBS: usize = 32;
/// How long the running tcli may take to list teams and modules.
const TCLI_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a module may take to answer `doctor --json`.
const MODULE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the running tcli with `args` and reads the JSON it prints.
fn ask(tcli: &Path, args: &[&str]) -> Result<Value, String> {
    let shown = format!("tcli {}", args.join(" "));
    let mut cmd = Command::new(tcli);
    cmd.args(args);
    let ran = proc::run(cmd, TCLI_TIMEOUT);
    if let Some(e) = ran.spawn_error {
        return Err(format!("cannot run {}: {e}", tcli.display()));
    }
    if ran.timed_out {
        return Err(format!(
            "'{shown}' did not answer within {}s",
            TCLI_TIMEOUT.as_secs()
        ));
    }
    if let Some(e) = ran.wait_error {
        return Err(format!("cannot wait for '{shown}': {e}"));
    }
    if ran.code != Some(0) {
        let said = String::from_utf8_lossy(&ran.stderr);
        let line = said.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!(
            "'{shown}' failed: {}",
            clean::one_line(line.trim_start_matches("error: "), 200)
        ));
    }
    serde_json::from_slice(&ran.stdout).map_err(|e| format!("'{shown}' printed no JSON: {e}"))
}

/// Each settings file in precedence order (the user's, then each team's) with what it holds.
/// From `Host::layers`; when a file does not parse, every file is read here instead, so the
/// broken one is named and the others still count (but not a withheld team's, which tcli
/// leaves out of the layers too).
fn settings_files(host: &Host, teams: &[Team]) -> Vec<(Origin, FileState)> {
    let origins = std::iter::once(Origin {
        team: None,
        file: host.config_dir().join("tcli.toml"),
    })
    .chain(teams.iter().map(|t| Origin {
        team: Some(t.name.clone()),
        file: t.path.join("tcli.toml"),
    }));
    match host.layers() {
        Ok(layers) => origins
            .map(|o| match layers.iter().find(|l| l.team == o.team) {
                Some(l) => (
                    Origin {
                        file: l.path.clone(),
                        ..o
                    },
                    FileState::Parsed(l.settings.clone()),
                ),
                None => (o, FileState::Missing),
            })
            .collect(),
        Err(_) => {
            // A withheld team's file is what a hand pull brought: never read (its checks run).
            let withheld = tcli_plugin_sdk::team_checkout::withheld(host.data_dir());
            origins
                .map(|o| {
                    let state = if withheld.iter().any(|w| o.team.as_ref() == Some(&w.team)) {
                        FileState::Missing
                    } else {
                        read_file(&o.file)
                    };
                    (o, state)
                })
                .collect()
        }
    }
}

fn read_file(file: &Path) -> FileState {
    let text = match tcli_plugin_sdk::settings_file::read(file) {
        Ok(Some(t)) => t,
        Ok(None) => return FileState::Missing,
        Err(e) => return FileState::Broken(format!("cannot read it: {e}")),
    };
    match text.parse::<toml::Table>() {
        Ok(t) => serde_json::to_value(t)
            .map_or_else(|e| FileState::Broken(e.to_string()), FileState::Parsed),
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .map_or(String::new(), |l| format!("line {l}: "));
            FileState::Broken(format!("{line}{}", e.message()))
        }
    }
}

fn run_def(def: &Def, shadowed: &[Origin], tcli: &Path) -> Outcome {
    let start = Instant::now();
    let mut out = Outcome {
        name: def.name.clone(),
        kind: def.kind.name(),
        from: Source::Def(def.origin.clone()),
        severity: def.severity,
        status: Status::Skip,
        detail: String::new(),
        hint: None,
        description: def.description.clone(),
        duration: Duration::ZERO,
        shadowed: shadowed.to_vec(),
    };
    if !def.os.is_empty() && !def.os.iter().any(|o| o == std::env::consts::OS) {
        out.detail = format!("only on {}", def.os.join(", "));
        return out;
    }
    let verdict = kinds::check(def, tcli);
    out.status = Status::of(verdict.passed, def.severity);
    out.detail = verdict.detail;
    if !verdict.passed {
        out.hint = def.hint.clone();
    }
    out.duration = start.elapsed();
    out
}

/// Asks module `m` for its checks: `tcli <m> doctor --json` (docs/doctor.md).
/// Its rows, and whether it answered with a report.
fn run_module(m: &Module, team: Option<String>, tcli: &Path) -> (Vec<Outcome>, bool) {
    let start = Instant::now();
    let mut cmd = Command::new(tcli);
    cmd.args([m.name.as_str(), "doctor", "--json"]);
    let ran = proc::run(cmd, MODULE_TIMEOUT);
    let duration = start.elapsed();
    let row = |name: String, severity, status, detail: String, hint: Option<String>| Outcome {
        name,
        kind: "module",
        from: Source::Module {
            module: m.name.clone(),
            team: team.clone(),
        },
        severity,
        status,
        detail,
        hint,
        description: None,
        duration,
        shadowed: Vec::new(),
    };
    let parsed = (!ran.timed_out && ran.spawn_error.is_none() && ran.wait_error.is_none())
        .then(|| Report::parse(&ran.stdout).ok())
        .flatten();
    // A name breaking the rule makes the whole report invalid: `deploy.Not Valid` could not
    // be selected, and might mimic another row.
    let bad_name = parsed.as_ref().and_then(|r| {
        r.checks
            .iter()
            .find(|c| !defs::valid_name(&c.name))
            .map(|c| c.name.clone())
    });
    let report = match (parsed, &bad_name) {
        (Some(r), None) => Some(r),
        _ => None,
    };
    let Some(report) = report else {
        let shown = format!("tcli {} doctor --json", m.name);
        let why = no_report(&shown, &ran, bad_name.as_deref());
        let failed = row(
            format!("{}.doctor", m.name),
            doctor::Severity::Error,
            Status::Fail,
            why,
            Some(format!(
                "run '{shown}' to see its answer; docs/doctor.md gives the shape tcli expects"
            )),
        );
        return (vec![failed], false);
    };
    let rows = report
        .checks
        .into_iter()
        .map(|c| {
            let passed = !matches!(c.status, doctor::Status::Fail);
            let status = match c.status {
                doctor::Status::Skip => Status::Skip,
                _ => Status::of(passed, c.severity),
            };
            row(
                format!("{}.{}", m.name, c.name),
                c.severity,
                status,
                c.detail
                    .map(|d| clean::one_line(&d, 300))
                    .unwrap_or_default(),
                c.hint.filter(|_| !passed).map(|h| clean::one_line(&h, 300)),
            )
        })
        .collect();
    (rows, true)
}

/// Why `shown` (`tcli <m> doctor --json`) gave no usable report, on one line.
fn no_report(shown: &str, ran: &proc::Ran, bad_name: Option<&str>) -> String {
    if ran.timed_out {
        format!(
            "'{shown}' did not answer within {}s",
            MODULE_TIMEOUT.as_secs()
        )
    } else if let Some(e) = &ran.spawn_error {
        format!("cannot run '{shown}': {e}")
    } else if let Some(e) = &ran.wait_error {
        format!("cannot wait for '{shown}': {e}")
    } else if let Some(name) = bad_name {
        format!(
            "'{shown}' reported a check named '{}', not a valid check name",
            clean::one_line(name, 64)
        )
    } else {
        let status = ran
            .code
            .map_or("a signal".to_string(), |c| format!("status {c}"));
        let said = String::from_utf8_lossy(&ran.stderr);
        let line = said.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        format!(
            "'{shown}' ended with {status} and printed no report{}",
            if line.is_empty() {
                String::new()
            } else {
                format!(": {}", clean::one_line(line, 160))
            }
        )
    }
}

fn colour_on() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    let out = run_checks(&cli, host);
    if let (
        Err(Error::Failed {
            message,
            hint,
            code: exit::NOT_CHECKED,
        }),
        Some(file),
    ) = (&out, &cli.junit)
    {
        // CI then shows why doctor could not run, rather than a missing report. When it was
        // the JUnit file that could not be written, this fails the same way: nothing lost.
        let mut o = Outcome::tcli("tcli.doctor".into(), None);
        o.status = Status::Invalid;
        o.detail.clone_from(message);
        o.hint.clone_from(hint);
        let cx = report::Context {
            tcli_version: host.tcli_version(),
            teams: &[],
            strict: cli.strict,
            exit: 3,
        };
        let _ = report::write_file(file, &report::junit(&cx, &[o]));
    }
    out
}

/// What doctor does (docs/doctor.md): asks tcli for its teams and modules, reads the check
/// definitions of every settings file, gathers tcli's own checks, the definitions and the
/// modules' checks, keeps those asked for, runs them in parallel and reports them.
fn run_checks(cli: &Cli, host: &Host) -> Result<(), Error> {
    let tcli = std::env::current_exe().map_err(Problem::NoTcli)?;
    let (teams, modules) = ask_teams_and_modules(&tcli);
    let teams = Team::from_list(&teams.map_err(Problem::NoTeamList)?);
    if let Some(t) = &cli.team {
        known_team(t, &teams)?;
    }
    let files = settings_files(host, &teams);
    let defs = read_defs(&files);
    if defs.entries.is_empty() && cli.names.is_empty() && !cli.json {
        say_none_defined(&files[0].0.file);
    }
    let (own, modules) = own_checks(host, &teams, &files, &modules);
    // tcli's own checks first, then the definitions, then the modules' checks.
    let mut items: Vec<Item> = own.into_iter().map(Item::Ready).collect();
    items.extend(
        defs.entries
            .iter()
            .map(|(e, shadowed)| Item::of_entry(e, shadowed)),
    );
    items.extend(
        modules
            .contributors()
            .map(|m| Item::Module(m, own::team_of(&m.location, &teams))),
    );
    select(cli, &mut items)?;
    let results = run_items(cli, &items, &tcli)?;
    finish(cli, host, &teams, &results)
}

/// `tcli team list --json` and `tcli modules list --json`, asked at once.
fn ask_teams_and_modules(tcli: &Path) -> (Result<Value, String>, Result<Value, String>) {
    std::thread::scope(|s| {
        let m = s.spawn(|| ask(tcli, &["modules", "list", "--json"]));
        let t = ask(tcli, &["team", "list", "--json"]);
        (
            t,
            m.join()
                .unwrap_or_else(|_| Err("listing the modules panicked".into())),
        )
    })
}

/// `--team TEAM` names a configured team.
fn known_team(team: &str, teams: &[Team]) -> Result<(), Problem> {
    if teams.iter().any(|x| x.name == team) {
        return Ok(());
    }
    Err(Problem::NoSuchTeam {
        team: team.to_string(),
        known: teams.iter().map(|x| x.name.clone()).collect(),
    })
}

/// The check definitions of the files that parse. From here on the values of the variables
/// env checks name are masked in every excerpt and detail, whatever printed them (a run check
/// echoing $VPN_TOKEN, a module): defence in depth.
fn read_defs(files: &[(Origin, FileState)]) -> Defs {
    let defs = Defs::read(files.iter().filter_map(|(o, s)| match s {
        FileState::Parsed(v) => Some((o.clone(), v)),
        _ => None,
    }));
    clean::hide(defs.entries.iter().filter_map(|(e, _)| match e {
        Entry::Def(Def {
            kind: defs::Kind::Env { var, .. },
            ..
        }) => std::env::var_os(var),
        _ => None,
    }));
    defs
}

/// The hint for a first run, pointing at the user's own settings file.
fn say_none_defined(user_file: &Path) {
    tcli_plugin_sdk::output::status(&clean::one_line(
        &format!(
            "hint: no checks are defined yet; add [checks.<name>] to a team's tcli.toml or to {} (docs/doctor.md)",
            user_file.display()
        ),
        usize::MAX,
    ));
}

/// tcli's own checks (the user's settings file, each team, the transport, the modules,
/// Docker), and the modules tcli listed.
fn own_checks(
    host: &Host,
    teams: &[Team],
    files: &[(Origin, FileState)],
    listed: &Result<Value, String>,
) -> (Vec<Outcome>, own::Modules) {
    let mut own = Vec::new();
    if let FileState::Broken(e) = &files[0].1 {
        own.push(own::user_settings_check(&files[0].0.file, e));
    }
    let user_value = match &files[0].1 {
        FileState::Parsed(v) => Some(v),
        _ => None,
    };
    let withheld = tcli_plugin_sdk::team_checkout::withheld(host.data_dir());
    for (t, (_, state)) in teams.iter().zip(&files[1..]) {
        let w = withheld.iter().find(|w| w.team == t.name);
        own.push(own::team_check(
            t,
            w,
            state,
            user_value,
            host.tcli_version(),
        ));
    }
    own.extend(own::transport_check(teams));
    let modules = match listed {
        Ok(list) => {
            let m = own::Modules::from_list(list);
            own.push(own::modules_check(&m));
            own.extend(own::docker_check(&m));
            m
        }
        Err(e) => {
            let mut o = Outcome::tcli("tcli.modules".into(), None);
            o.status = Status::Fail;
            o.detail = e.clone();
            o.hint = Some("run 'tcli modules list' to see what is wrong".into());
            own.push(o);
            own::Modules::default()
        }
    };
    (own, modules)
}

/// Something to run (or already known) for one place in the report.
enum Item<'a> {
    Ready(Outcome),
    Def(&'a Def, &'a [Origin]),
    Module(&'a Module, Option<String>),
}

impl<'a> Item<'a> {
    /// A definition to run, or the row of one that cannot run.
    fn of_entry(entry: &'a Entry, shadowed: &'a [Origin]) -> Item<'a> {
        match entry {
            Entry::Def(d) => Item::Def(d, shadowed),
            Entry::Invalid(i) => Item::Ready(Outcome {
                name: i.name.clone(),
                kind: "invalid",
                from: Source::Def(i.origin.clone()),
                severity: doctor::Severity::Error,
                status: Status::Invalid,
                detail: i.problem.clone(),
                hint: Some(i.fix.clone()),
                description: None,
                duration: Duration::ZERO,
                shadowed: shadowed.to_vec(),
            }),
        }
    }

    fn name(&self) -> &str {
        match self {
            Item::Ready(o) => &o.name,
            Item::Def(d, _) => &d.name,
            Item::Module(m, _) => &m.name,
        }
    }

    fn team(&self) -> Option<&str> {
        match self {
            Item::Ready(o) => o.from.team(),
            Item::Def(d, _) => d.origin.team.as_deref(),
            Item::Module(_, t) => t.as_deref(),
        }
    }

    /// Whether the name `n` given on the command line selects it: its own name, or for a
    /// module, one of its checks (`deploy.ssh`).
    fn selected_by(&self, n: &str) -> bool {
        let name = self.name();
        n == name
            || (matches!(self, Item::Module(..))
                && n.strip_prefix(name).is_some_and(|r| r.starts_with('.')))
    }
}

/// Keeps the items the names and `--team` select; a name nobody defines is a usage error
/// before anything runs.
fn select(cli: &Cli, items: &mut Vec<Item>) -> Result<(), Problem> {
    for n in &cli.names {
        if !items.iter().any(|i| i.selected_by(n)) {
            return Err(Problem::NoSuchCheck(n.clone()));
        }
        if let Some(t) = &cli.team {
            if !items
                .iter()
                .any(|i| i.selected_by(n) && i.team() == Some(t.as_str()))
            {
                return Err(Problem::NoSuchCheckInTeam {
                    name: n.clone(),
                    team: t.clone(),
                });
            }
        }
    }
    items.retain(|i| {
        let by_name = cli.names.is_empty() || cli.names.iter().any(|n| i.selected_by(n));
        let by_team = cli.team.is_none() || i.team() == cli.team.as_deref();
        by_name && by_team
    });
    Ok(())
}

/// An item's rows, and the names asked of a module (`deploy.typo`) it did not give, each with
/// the names it did.
type Ran = (Vec<Outcome>, Vec<(String, Vec<String>)>);

/// Runs the items in parallel, Ctrl-C ending them all; the rows in the items' order, masked.
fn run_items(cli: &Cli, items: &[Item], tcli: &Path) -> Result<Vec<Outcome>, Error> {
    let ran = proc::catching_interrupts(|| {
        proc::parallel_map(items, JOBS, |i| -> Ran {
            match i {
                Item::Ready(o) => (vec![o.clone()], Vec::new()),
                Item::Def(d, shadowed) => (vec![run_def(d, shadowed, tcli)], Vec::new()),
                Item::Module(m, team) => asked_of_module(cli, m, run_module(m, team.clone(), tcli)),
            }
        })
    });
    // Interrupted: the signal has ended tcli by now, as it would any command.
    let Some(ran) = ran else {
        return Err(Error::Exit(exit::signal(signal_hook::consts::SIGINT)));
    };
    if let Some((n, given)) = ran.iter().flat_map(|(_, missing)| missing).next() {
        return Err(Problem::NotInModule {
            name: n.clone(),
            module: n.split('.').next().unwrap_or_default().to_string(),
            given: given.clone(),
        }
        .into());
    }
    let mut results: Vec<Outcome> = ran.into_iter().flat_map(|(rows, _)| rows).collect();
    for r in &mut results {
        r.detail = clean::redact(&r.detail);
        r.hint = r.hint.as_deref().map(clean::redact);
    }
    Ok(results)
}

/// Of module `m`'s rows, those asked for: all of them when the module was named whole (or
/// nothing was named), else only the named checks.
fn asked_of_module(cli: &Cli, m: &Module, (rows, answered): (Vec<Outcome>, bool)) -> Ran {
    let whole = cli.names.is_empty() || cli.names.contains(&m.name);
    // A module that gave no report is shown whatever was asked of it.
    if whole || !answered {
        return (rows, Vec::new());
    }
    let given: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let missing = cli
        .names
        .iter()
        .filter(|n| n.starts_with(&format!("{}.", m.name)) && !given.contains(n))
        .map(|n| (n.clone(), given.clone()))
        .collect();
    let rows = rows
        .into_iter()
        .filter(|r| cli.names.contains(&r.name))
        .collect();
    (rows, missing)
}

/// One message on stderr, on one line and free of escapes: names, paths and details come from
/// files.
fn say(text: String) -> std::io::Result<()> {
    writeln!(
        std::io::stderr().lock(),
        "{}",
        clean::one_line(&text, usize::MAX)
    )
}

/// On stderr: each invalid definition or team as `error:` and `hint:` lines, and each
/// shadowed definition as a `note:`.
fn say_invalid_and_shadowed(results: &[Outcome]) -> std::io::Result<()> {
    for r in results {
        if r.status == Status::Invalid {
            say(match &r.from {
                Source::Def(o) => format!(
                    "error: check '{}' in {} ({}): {}",
                    r.name,
                    o.file.display(),
                    o.describe(),
                    r.detail
                ),
                _ => match r.from.team() {
                    Some(t) => format!("error: team '{t}': {}", r.detail),
                    None => format!("error: {}", r.detail),
                },
            })?;
            if let Some(h) = &r.hint {
                say(format!("hint: {h}"))?;
            }
        }
        for s in &r.shadowed {
            say(format!(
                "note: check '{}' of {} ({}) is shadowed by {}",
                r.name,
                s.describe(),
                s.file.display(),
                r.from.describe()
            ))?;
        }
    }
    Ok(())
}

/// Messages on stderr, the report on stdout, the JUnit file, and the exit status.
fn finish(cli: &Cli, host: &Host, teams: &[Team], results: &[Outcome]) -> Result<(), Error> {
    let summary = Summary::of(results);
    let code = summary.exit_code(cli.strict);
    say_invalid_and_shadowed(results)?;
    // The JUnit file first, so the exit status `--json` reports is the final one.
    let mut cx = report::Context {
        tcli_version: host.tcli_version(),
        teams,
        strict: cli.strict,
        exit: code,
    };
    let unwritten = cli.junit.as_ref().and_then(|file| {
        report::write_file(file, &report::junit(&cx, results))
            .err()
            .map(|source| Problem::Junit {
                file: file.clone(),
                source,
            })
    });
    if unwritten.is_some() {
        cx.exit = 3;
    }
    let mut out = std::io::stdout().lock();
    if cli.json {
        output::json(&mut out, &report::json(&cx, results))?;
    } else {
        report::table(&mut out, results, colour_on())?;
        say(format!(
            "{} check{}: {} ok, {} failed, {} warnings, {} skipped, {} invalid",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            summary.passed,
            summary.failed,
            summary.warnings,
            summary.skipped,
            summary.invalid
        ))?;
    }
    out.flush()?;
    if let Some(e) = unwritten {
        return Err(e.into());
    }
    match code {
        exit::SUCCESS => Ok(()),
        c => Err(Error::Exit(c)),
    }
}

tcli_plugin_sdk::export_plugin! {
    name: "doctor",
    cli: Cli,
    run: run,
}

/// For `fuzz/` only, not part of the module's contract: the parsers of check definitions (a
/// settings table as JSON) and of `--version` output, with their invariants asserted: every
/// entry is valid with a valid name, or invalid with a one-line problem and fix.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    if let Some(v) = kinds::version_in(data) {
        assert!(data.len() >= 3, "{v} from {} bytes", data.len());
    }
    let Ok(settings) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let origin = Origin {
        team: Some("fuzz".into()),
        file: PathBuf::from("/nonexistent/tcli.toml"),
    };
    let defs = Defs::read([(origin.clone(), &settings), (origin, &settings)]);
    for (entry, shadowed) in &defs.entries {
        assert_eq!(shadowed.len(), 1, "the second file's entry is shadowed");
        match entry {
            Entry::Def(d) => assert!(defs::valid_name(&d.name), "{:?}", d.name),
            Entry::Invalid(i) => {
                assert!(!i.problem.contains('\n') && !i.fix.contains('\n'), "{i:?}");
            }
        }
    }
}
