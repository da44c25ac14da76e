//! The bundled `project` native module: the team's git repositories, read from
//! `[projects.NAME]` in the merged settings. Lists them, clones one (the only verb that touches
//! the network), and reports the state of every local clone from the repositories alone.
//! Where a project lives: the `[dir]` given to `clone` (remembered in
//! `<data dir>/projects.json`), else its `path` setting, else `<data dir>/projects/<name>`.

use git2::{BranchType, Repository, StatusOptions};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use tcli_plugin_sdk::clap::{self, Subcommand};
use tcli_plugin_sdk::serde_json::{self, json, Value};
use tcli_plugin_sdk::{output, Error, Host};

/// The command line: a verb (about and version are the package's, set by the SDK).
type Cli = tcli_plugin_sdk::Verbs<Verb>;

#[derive(Subcommand)]
enum Verb {
    /// List the projects and whether each is cloned
    List {
        /// Print JSON: an array of {name, description, url, path, cloned}
        #[arg(long)]
        json: bool,
    },
    /// Clone a project (into DIR, its configured path, or <data dir>/projects/<name>)
    Clone {
        /// The project name
        name: String,
        /// Where to clone it
        dir: Option<PathBuf>,
    },
    /// Show branch, local changes and ahead/behind upstream for each cloned project (no network)
    Status {
        /// Print JSON: an array of {name, path, branch, dirty, upstream, ahead, behind}
        #[arg(long)]
        json: bool,
    },
    /// Check every project's definition (what `tcli doctor` shows)
    Doctor {
        /// Print the report as JSON (docs/doctor.md, "Checks from modules")
        #[arg(long)]
        json: bool,
    },
}

struct Project {
    name: String,
    url: String,
    description: Option<String>,
    path: PathBuf,
}

/// Clones made into a dir of the user's choosing, by project name.
fn clones_file(host: &Host) -> PathBuf {
    host.data_dir().join("projects.json")
}

fn recorded_clones(host: &Host) -> BTreeMap<String, PathBuf> {
    std::fs::read(clones_file(host))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn record_clone(host: &Host, name: &str, path: &Path) -> Result<(), Error> {
    let mut all = recorded_clones(host);
    all.insert(name.to_string(), path.to_path_buf());
    let file = clones_file(host);
    let dir = host.data_dir();
    let failed = |e: std::io::Error| Error::failed(format!("cannot write {}: {e}", file.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    tmp.write_all(&serde_json::to_vec_pretty(&all).map_err(Error::other)?)
        .map_err(failed)?;
    tmp.persist(&file).map_err(|e| failed(e.error))?;
    Ok(())
}

/// The user's home dir, where `path` settings are taken from.
fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// `~/x` and relative paths are taken from the home dir, as a shell user would write them.
fn expand(path: &str, home: &Path) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if path == "~" => home.to_path_buf(),
        None => home.join(path),
    }
}

fn projects(host: &Host) -> Result<Vec<Project>, Error> {
    projects_from(host, &home())
}

/// `[projects]`, with `path` settings taken from `home`.
fn projects_from(host: &Host, home: &Path) -> Result<Vec<Project>, Error> {
    let recorded = recorded_clones(host);
    host.settings_entries("projects", |name, v| {
        project(host, &recorded, home, name, v)
    })
}

/// One `[projects.<name>]` entry, or what is wrong with it in a few words.
fn project(
    host: &Host,
    recorded: &BTreeMap<String, PathBuf>,
    home: &Path,
    name: String,
    v: &Value,
) -> Result<Project, String> {
    let Value::Object(o) = v else {
        return Err("expected a table with url = \"...\"".into());
    };
    let url = o
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.trim().is_empty())
        .ok_or("it needs url = \"...\"")?
        .to_string();
    let description = o
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let configured = o.get("path").and_then(Value::as_str);
    // A team's file may set `path`: it may not climb out of where it points with `..`.
    if configured.is_some_and(|p| {
        Path::new(p)
            .components()
            .any(|c| c == std::path::Component::ParentDir)
    }) {
        return Err("path must not contain '..'".into());
    }
    let path = match (recorded.get(&name), configured) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => expand(p, home),
        (None, None) => host.data_dir().join("projects").join(&name),
    };
    Ok(Project {
        name,
        url,
        description,
        path,
    })
}

/// One check per project, read as `list` reads it, each problem on its own line (`list`
/// stops at the first); `[projects]` that is not a table is one failed check.
fn doctor(host: &Host, json: bool) -> Result<(), Error> {
    use tcli_plugin_sdk::doctor::{valid_check_name, Report};
    let mut report = Report::new();
    let recorded = recorded_clones(host);
    let home = home();
    match host.settings_table("projects") {
        Err(e) => {
            report
                .fail("projects", e.to_string())
                .hint("make [projects] a table of [projects.<name>] entries");
        }
        Ok(table) => {
            for (name, v) in table {
                let check = if valid_check_name(&name) {
                    name.clone()
                } else {
                    "projects".into()
                };
                match project(host, &recorded, &home, name.clone(), &v) {
                    Ok(p) => report.pass(&check, format!("clones to {}", p.path.display())),
                    Err(why) => {
                        report
                            .fail(&check, format!("projects.{name}: {why}"))
                            .hint(format!(
                                "fix [projects.{name}] in the tcli.toml that defines it"
                            ))
                    }
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

fn is_clone(path: &Path) -> bool {
    Repository::open(path).is_ok()
}

fn list(host: &Host, as_json: bool) -> Result<(), Error> {
    let all = projects(host)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        let rows: Vec<Value> = all
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "description": p.description,
                    "url": p.url,
                    "path": p.path,
                    "cloned": is_clone(&p.path),
                })
            })
            .collect();
        return output::json(&mut out, &Value::Array(rows));
    }
    if all.is_empty() {
        tcli_plugin_sdk::output::status(&format!(
            "no projects yet; add them as [projects.NAME] url = \"...\" in {}",
            host.config_dir().join("tcli.toml").display()
        ));
        return Ok(());
    }
    table(&mut out, &all, is_clone)
}

fn table(out: &mut impl Write, all: &[Project], cloned: fn(&Path) -> bool) -> Result<(), Error> {
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|p| {
            let cloned = if cloned(&p.path) { "yes" } else { "no" };
            let description = p.description.clone().unwrap_or_else(|| "-".into());
            vec![p.name.clone(), cloned.into(), p.url.clone(), description]
        })
        .collect();
    output::table(out, &["NAME", "CLONED", "URL", "DESCRIPTION"], &rows)
}

fn clone(host: &Host, name: &str, dir: Option<PathBuf>) -> Result<(), Error> {
    let all = projects(host)?;
    let Some(p) = all.iter().find(|p| p.name == name) else {
        return Err(Error::failed(format!("no project named '{name}'"))
            .with_hint("run 'tcli project list' to see the projects"));
    };
    let target = match &dir {
        Some(d) => std::path::absolute(d)?,
        None => p.path.clone(),
    };
    let occupied = std::fs::read_dir(&target)
        .map(|mut rd| rd.next().is_some())
        .unwrap_or(target.exists());
    if occupied {
        let hint = if is_clone(&target) {
            format!("it is already a clone; see it with 'tcli project status', or give another dir: tcli project clone {name} DIR")
        } else {
            format!("give another dir: tcli project clone {name} DIR")
        };
        return Err(Error::failed(format!(
            "{} already exists and is not empty",
            target.display()
        ))
        .with_hint(hint));
    }
    let parent = target
        .parent()
        .ok_or_else(|| Error::failed(format!("cannot clone into {}", target.display())))?;
    let cannot =
        |e: std::io::Error| Error::failed(format!("cannot clone into {}: {e}", target.display()));
    std::fs::create_dir_all(parent).map_err(cannot)?;
    tcli_plugin_sdk::output::status(&format!("cloning {} into {}", p.url, target.display()));
    // Clone beside the target and rename: an interrupted or failed clone leaves nothing behind.
    let tmp = tempfile::Builder::new()
        .prefix(".tcli-clone-")
        .tempdir_in(parent)
        .map_err(cannot)?;
    fetch(&p.url, name, tmp.path())?;
    if target.exists() {
        std::fs::remove_dir(&target).map_err(cannot)?;
    }
    std::fs::rename(tmp.path(), &target).map_err(cannot)?;
    let _ = tmp.keep();
    if dir.is_some() {
        record_clone(host, name, &target)?;
    }
    tcli_plugin_sdk::output::status(&format!(
        "cloned project '{name}' into {}",
        target.display()
    ));
    Ok(())
}

/// Clones `url` into the empty dir `into` as docs/team-repos.md ("Transport") says team repos
/// are: the user's `git` brings the default branch's objects and refs (their ssh config,
/// credentials and proxies apply; no hook runs), libgit2 checks it out; libgit2's own
/// transport only where no git is on PATH. Ctrl-C kills git with its group and ends the
/// module with 130 once the caller's temp dir is gone.
fn fetch(url: &str, name: &str, into: &Path) -> Result<(), Error> {
    use tcli_plugin_sdk::signals::Deferred;
    use tcli_proc::git;
    // The URL is a team file's: shown as one inert line, and as one shell word after `--` in
    // the hint, so pasting the hint runs git and nothing a URL holds.
    let failed = |why: &str| {
        let shown = output::sanitize_line(url, 200);
        Error::failed(format!("cannot clone {shown}: {why}")).with_hint(format!(
            "check the url in [projects.{name}] and that git reaches it: git ls-remote -- {}",
            output::sh_word(url)
        ))
    };
    let Some(program) = git::program() else {
        output::warn("no git on PATH: cloning with the built-in libgit2 transport, which reads neither ~/.ssh/config nor core.sshCommand");
        let mut fetch = git2::FetchOptions::new();
        fetch.remote_callbacks(credentials());
        git2::build::RepoBuilder::new()
            .fetch_options(fetch)
            .clone(url, into)
            .map_err(|e| failed(e.message()))?;
        return Ok(());
    };
    let progress =
        std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("CI").is_none();
    let term = git::Terminal::detect(progress);
    let region = Deferred::enter();
    let ran = git::run(git::clone_command(&program, url, into, term), term, &|| {
        region.pending().is_some()
    });
    if let Some(sig) = region.leave() {
        return Err(Error::Failed {
            message: format!("interrupted while cloning {url}; nothing was left behind"),
            hint: None,
            code: Deferred::exit_code(sig),
        });
    }
    match ran {
        Ok(()) => {}
        Err(git::Failure::Failed(why)) => return Err(failed(&why)),
        Err(git::Failure::NotRun(e)) => return Err(failed(&format!("cannot run git: {e}"))),
        Err(git::Failure::Interrupted) => return Err(failed("interrupted")),
    }
    let repo = Repository::open(into).map_err(|e| failed(e.message()))?;
    if repo.head().is_ok() {
        repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .map_err(|e| failed(e.message()))?;
    }
    Ok(())
}

/// Credentials as git finds them: the ssh agent for ssh URLs, git's credential helpers for
/// https. Each kind is offered once, since libgit2 asks again after a rejection.
fn credentials() -> git2::RemoteCallbacks<'static> {
    use git2::{Cred, CredentialType};
    let mut offered = CredentialType::empty();
    let mut cb = git2::RemoteCallbacks::new();
    cb.credentials(move |url, user, allowed| {
        let fresh = allowed - offered;
        if fresh.contains(CredentialType::SSH_KEY) {
            offered |= CredentialType::SSH_KEY;
            Cred::ssh_key_from_agent(user.unwrap_or("git"))
        } else if fresh.contains(CredentialType::USER_PASS_PLAINTEXT) {
            offered |= CredentialType::USER_PASS_PLAINTEXT;
            Cred::credential_helper(&git2::Config::open_default()?, url, user)
        } else if fresh.contains(CredentialType::DEFAULT) {
            offered |= CredentialType::DEFAULT;
            Cred::default()
        } else {
            Err(git2::Error::from_str(
                "no credentials were accepted (tried the ssh agent and git's credential helpers)",
            ))
        }
    });
    cb
}

struct State {
    branch: String,
    dirty: bool,
    upstream: Option<String>,
    ahead: usize,
    behind: usize,
}

fn state(repo: &Repository) -> Result<State, git2::Error> {
    let (branch, local) = match repo.head() {
        Ok(h) if h.is_branch() => (h.shorthand().unwrap_or("?").to_string(), h.target()),
        Ok(h) => ("(detached)".to_string(), h.target()),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => ("(no commits)".to_string(), None),
        Err(e) => return Err(e),
    };
    let mut opts = StatusOptions::new();
    opts.include_untracked(true).include_ignored(false);
    let dirty = !repo.statuses(Some(&mut opts))?.is_empty();
    let mut s = State {
        branch,
        dirty,
        upstream: None,
        ahead: 0,
        behind: 0,
    };
    let up = repo
        .find_branch(&s.branch, BranchType::Local)
        .and_then(|b| b.upstream())
        .ok();
    if let (Some(up), Some(local)) = (up, local) {
        s.upstream = up.name().ok().flatten().map(str::to_string);
        if let Some(remote) = up.get().target() {
            (s.ahead, s.behind) = repo.graph_ahead_behind(local, remote)?;
        }
    }
    Ok(s)
}

fn status(host: &Host, as_json: bool) -> Result<(), Error> {
    let mut rows = Vec::new();
    for p in projects(host)? {
        let Ok(repo) = Repository::open(&p.path) else {
            continue;
        };
        let s = state(&repo).map_err(|e| {
            Error::failed(format!("cannot read {}: {}", p.path.display(), e.message()))
        })?;
        rows.push((p, s));
    }
    let mut out = std::io::stdout().lock();
    if as_json {
        let v: Vec<Value> = rows
            .iter()
            .map(|(p, s)| {
                json!({
                    "name": p.name,
                    "path": p.path,
                    "branch": s.branch,
                    "dirty": s.dirty,
                    "upstream": s.upstream,
                    "ahead": s.upstream.as_ref().map(|_| s.ahead),
                    "behind": s.upstream.as_ref().map(|_| s.behind),
                })
            })
            .collect();
        return output::json(&mut out, &Value::Array(v));
    }
    if rows.is_empty() {
        tcli_plugin_sdk::output::status(
            "no project is cloned yet; run 'tcli project clone <name>'",
        );
        return Ok(());
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(p, s)| {
            let changes = if s.dirty { "dirty" } else { "clean" };
            let upstream = match (&s.upstream, s.ahead, s.behind) {
                (None, ..) => "none".to_string(),
                (Some(u), 0, 0) => format!("{u}: up to date"),
                (Some(u), a, 0) => format!("{u}: ahead {a}"),
                (Some(u), 0, b) => format!("{u}: behind {b}"),
                (Some(u), a, b) => format!("{u}: ahead {a}, behind {b}"),
            };
            vec![p.name.clone(), s.branch.clone(), changes.into(), upstream]
        })
        .collect();
    output::table(&mut out, &["NAME", "BRANCH", "CHANGES", "UPSTREAM"], &table)
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    match cli.verb {
        Verb::List { json } => list(host, json),
        Verb::Clone { name, dir } => clone(host, &name, dir),
        Verb::Status { json } => status(host, json),
        Verb::Doctor { json } => doctor(host, json),
    }
}

tcli_plugin_sdk::export_plugin! {
    name: "project",
    cli: Cli,
    run: run,
}

/// The fuzz target's entry (fuzz/fuzz_targets/settings.rs), given merged settings JSON:
/// `[projects]` yields one project per key, with the url it gives and an absolute path, and
/// the table of them prints as inert lines; or the error renders as inert lines. No clone is
/// looked at.
#[doc(hidden)]
pub fn fuzz_one(settings: &str) {
    let load = || Ok(settings.to_string());
    let nowhere = PathBuf::from("/nonexistent/tcli-fuzz");
    let host = Host::new(
        "project",
        "0",
        [nowhere.clone(), nowhere.clone(), nowhere],
        &load,
    );
    let live = |text: &str| text.chars().any(|c| c != '\n' && output::is_unsafe(c));
    match projects_from(&host, Path::new("/home/fuzz")) {
        Ok(all) => {
            let json: Value = serde_json::from_str(settings).expect("settings JSON");
            let section = json.get("projects").and_then(Value::as_object);
            assert_eq!(all.len(), section.map_or(0, |t| t.len()));
            for p in &all {
                let url = section.and_then(|t| t.get(&p.name)?["url"].as_str());
                assert_eq!(Some(p.url.as_str()), url);
                assert!(!p.url.trim().is_empty(), "{:?}", p.url);
                assert!(p.path.is_absolute(), "{:?}", p.path);
            }
            let mut out = Vec::new();
            table(&mut out, &all, |_| false).expect("a table in memory");
            let text = String::from_utf8_lossy(&out);
            assert!(!live(&text), "{text:?}");
        }
        Err(e) => {
            let text = e.rendered().expect("an error to show");
            assert!(!live(&text), "{text:?}");
        }
    }
}
