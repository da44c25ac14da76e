//! The bundled `notify` native module: one POST to a team channel (`[notify.<name>]`) saying
//! how something went, signed by whoever runs it (the roster person of `git config
//! user.email`) and naming the repo and commit it ran in. CI is just another user running the
//! same command. The post itself runs in the HTTP helper (`tcli_helper::http`): this library
//! runs inside tcli and parses nothing that comes over a network. Contract: docs/notify.md.

mod body;
mod channel;
mod git;

use body::{Notice, Status, Who};
use channel::{Channel, Invalid, Target};
use std::io::{Read, Write};
use tcli_helper::http::{self, HttpError, HttpErrorKind, PostRequest, PostResponse};
use tcli_plugin_sdk::clap::{self, Parser};
use tcli_plugin_sdk::output::{inert, sanitize_line};
use tcli_plugin_sdk::{Error, Host, Layer};
use tcli_roster::{Person, Roster};

/// Tell the team's chat how a build went, as yourself
#[derive(Parser)]
#[command(
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    /// `doctor`, for `tcli doctor`; so no channel can be named `doctor` (docs/notify.md)
    #[command(subcommand)]
    check: Option<Check>,
    /// The channel, a [notify.<name>] of the team's tcli.toml
    #[arg(required = true)]
    channel: Option<String>,
    /// What to say; `-` reads it from stdin
    #[arg(required = true)]
    message: Option<String>,
    /// How it went
    #[arg(long, value_enum, default_value = "info")]
    status: Status,
    /// A title shown above the message
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// Mention the author of the HEAD commit (their chat handle from the roster)
    #[arg(long)]
    mention_author: bool,
    /// Print the request instead of sending it
    #[arg(long)]
    dry_run: bool,
    /// Give up on a try after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    timeout: u64,
}

/// Connecting is bounded tighter than the whole try: a receiver that does not accept within
/// this is down, and the retry rule applies.
const CONNECT_TIMEOUT_MS: u64 = 3_000;
/// One try, then up to two more (after 200 ms, then 400 ms) only when the request cannot have
/// been acted on: no connection was made (refused, unreachable, no such host, or the connect
/// timeout above passed), or the receiver answered 5xx. Never retried: a 4xx (it will say the
/// same again), a timeout after connecting, a reset or an answer that is not HTTP, since the
/// receiver may have posted the message already and a duplicate in chat is worse than a
/// missing retry (docs/notify.md; the rule is the helper's, docs/helpers.md).
const TRIES: u8 = 3;

fn invalid(e: Invalid) -> Error {
    let hint = e.hint();
    Error::usage(e.to_string()).with_hint(hint)
}

/// The message: the argument, or stdin for `-`; never empty.
fn message(arg: &str) -> Result<String, Error> {
    let text = if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::failed(format!("cannot read the message from stdin: {e}")))?;
        s.trim_end_matches(['\n', '\r']).to_string()
    } else {
        arg.to_string()
    };
    if text.trim().is_empty() {
        return Err(Error::usage("the message is empty")
            .with_hint("say what happened: tcli notify build --status failure \"tests failed\""));
    }
    Ok(text)
}

/// Everyone in every roster, the first file defining an id winning. A broken roster does
/// not stop a notice (a failing build must still be told): it is named, and its people are
/// left out: `warn` is told.
fn everyone(layers: &[Layer], warn: &mut dyn FnMut(&str)) -> Vec<Person> {
    let mut all: Vec<Person> = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for l in layers {
        match Roster::from_settings(&l.settings) {
            Ok(r) => all.extend(r.people.into_iter().filter(|p| ids.insert(p.id.clone()))),
            Err(e) => warn(&format!(
                "the roster in {} is invalid ({e}); people there are named by email",
                l.path.display()
            )),
        }
    }
    all
}

fn who(people: &[Person], email: String) -> Who {
    let person = people
        .iter()
        .find(|p| p.email.iter().any(|e| e.eq_ignore_ascii_case(&email)))
        .cloned();
    Who { person, email }
}

/// The URL a secret holds, read by running `tcli secrets get <name>` with the tcli this
/// module runs in (its own process is tcli's), so the secrets module decrypts it as it would
/// for the user.
fn secret_url(channel: &Channel, name: &str) -> Result<String, Error> {
    let tcli = std::env::current_exe()
        .map_err(|e| Error::failed(format!("cannot find the running tcli: {e}")))?;
    let hint = format!("check it with 'tcli secrets get {name}' (docs/notify.md)");
    let out = std::process::Command::new(&tcli)
        .args(["secrets", "get", name])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Error::failed(format!("cannot run {}: {e}", tcli.display())).with_hint(hint.clone())
        })?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let said = said
            .lines()
            .map(|l| l.trim().trim_start_matches("error: "))
            .find(|l| !l.is_empty())
            .unwrap_or("it failed");
        return Err(Error::failed(format!(
            "cannot read secret '{name}' for channel '{}': {said}",
            channel.name
        ))
        .with_hint(hint));
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    http::check_url(&url).map_err(|_| {
        // The URL is a credential: the message says what is wrong without showing it.
        Error::usage(format!(
            "secret '{name}' of channel '{}' does not hold an https URL (or http to loopback)",
            channel.name
        ))
        .with_hint(format!("store the webhook URL: tcli secrets set {name}"))
    })?;
    Ok(url)
}

/// The texts derived from a secret URL that a message could show, longest first: the URL, it
/// without its scheme (`host:port/path`, as clients print it), and its path and query, where
/// a webhook's token sits (`/services/T000/B000/XXXX`, `?key=...`).
fn secret_forms(url: &str) -> Vec<String> {
    let mut forms = vec![url.to_string()];
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    forms.push(rest.to_string());
    if let Some(i) = rest.find(['/', '?', '#']) {
        let tail = &rest[i..];
        // A bare "/" carries nothing and would mask every slash of a message.
        if tail.trim_start_matches('/').len() > 1 {
            forms.push(tail.to_string());
        }
        if let Some((_, query)) = tail.split_once('?') {
            if query.len() > 1 {
                forms.push(query.to_string());
            }
        }
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let clean = sanitize_line(line, 200);
    if clean.is_empty() {
        "(empty body)".into()
    } else {
        clean
    }
}

/// `tcli notify`: the channel, the notice, then a printed request (`--dry-run`) or a post.
#[derive(clap::Subcommand)]
enum Check {
    /// Check every channel's definition (what `tcli doctor` shows)
    Doctor {
        /// Print the report as JSON (docs/doctor.md, "Checks from modules")
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli, host: &Host) -> Result<(), Error> {
    let layers = host.layers()?;
    if let Some(Check::Doctor { json }) = cli.check {
        return doctor(layers, json);
    }
    // Both required by clap when no subcommand is given.
    let (Some(name), Some(text)) = (&cli.channel, &cli.message) else {
        return Err(Error::usage("a channel and a message are needed"));
    };
    let channel = find_channel(layers, name)?;
    let message = message(text)?;
    let body = notice(&cli, host, layers, &channel, message).body(channel.format);
    if cli.dry_run {
        return print_request(&channel, &body);
    }
    send(&channel, body, cli.timeout)
}

/// One check per channel, read as sending would read it (docs/notify.md, "Channels"), so `tcli
/// doctor` names a broken channel before a pipeline's `tcli notify` stops on it. The URL is
/// never shown: a webhook URL is a credential.
fn doctor(layers: &[Layer], json: bool) -> Result<(), Error> {
    use tcli_plugin_sdk::doctor::{valid_check_name, Report};
    let mut report = Report::new();
    let mut names = channel::names(layers);
    // A `[notify]` that is no table names no channel; finding any name reports it.
    if names.is_empty() && layers.iter().any(|l| l.settings.get("notify").is_some()) {
        names.push(String::new());
    }
    for name in names {
        let check = if valid_check_name(&name) {
            name.as_str()
        } else {
            "channels"
        };
        match channel::find(layers, &name) {
            Ok(Some(c)) => {
                let to = match c.target {
                    Target::Url(_) => "a url",
                    Target::Secret(_) => "a secret's url",
                };
                let format = match c.format {
                    channel::Format::Json => "json",
                    channel::Format::Slack => "slack",
                };
                report.pass(
                    check,
                    format!("posts {format} to {to}, from {}", c.path.display()),
                );
            }
            Ok(None) => {}
            Err(e) => {
                report.fail(check, e.to_string()).hint(e.hint());
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if json {
        return report.print(&mut out);
    }
    report.print_text(&mut out)
}

/// The channel named `name`; an unknown one is a usage error naming those there are.
fn find_channel(layers: &[Layer], name: &str) -> Result<Channel, Error> {
    channel::find(layers, name)
        .map_err(invalid)?
        .ok_or_else(|| {
            let names = channel::names(layers);
            let hint = if names.is_empty() {
                "no channel is defined; add [notify.<name>] to a team's tcli.toml (docs/notify.md)"
                    .to_string()
            } else {
                format!("the channels are: {}", names.join(", "))
            };
            Error::usage(format!("no channel named '{name}'")).with_hint(hint)
        })
}

/// What is said: the message, how it went, who sends it (and the commit's author, when asked
/// to mention them) as the rosters name them, and the repo and commit it ran in.
fn notice(cli: &Cli, host: &Host, layers: &[Layer], channel: &Channel, message: String) -> Notice {
    let people = everyone(layers, &mut tcli_plugin_sdk::output::warn);
    let repo = git::repo();
    Notice {
        channel: channel.name.clone(),
        status: cli.status,
        title: cli.title.clone(),
        message,
        sender: git::user_email().map(|e| who(&people, e)),
        author: cli
            .mention_author
            .then(|| repo.as_ref().map(|r| who(&people, r.author_email.clone())))
            .flatten(),
        repo,
        tcli_version: host.tcli_version().to_string(),
    }
}

/// `--dry-run`: the request that would be sent. Not even the secret store is asked: a dry run
/// has no effects and needs no identity.
fn print_request(channel: &Channel, body: &str) -> Result<(), Error> {
    let to = match &channel.target {
        Target::Url(u) => u.clone(),
        Target::Secret(s) => format!("<the URL in secret '{}'>", inert(s)),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "POST {to}")?;
    writeln!(out, "Content-Type: application/json")?;
    writeln!(out)?;
    writeln!(out, "{body}")?;
    Ok(())
}

/// Posts `body` to the channel (its URL read from the secret first, for a secret target)
/// through the HTTP helper, and says how it went.
fn send(channel: &Channel, body: String, timeout: u64) -> Result<(), Error> {
    let (url, shown) = match &channel.target {
        Target::Url(u) => (u.clone(), u.clone()),
        Target::Secret(s) => (secret_url(channel, s)?, format!("<secret '{s}'>")),
    };
    let req = PostRequest {
        url: url.clone(),
        content_type: "application/json".into(),
        body,
        tries: TRIES,
        connect_timeout_ms: CONNECT_TIMEOUT_MS.min(timeout * 1000),
        timeout_ms: timeout * 1000,
    };
    // The helper's messages name the URL, and a receiver may echo its path; one from a
    // secret is a credential, so every form of it that carries the token is masked.
    let secret_forms = match &channel.target {
        Target::Url(_) => Vec::new(),
        Target::Secret(_) => secret_forms(&url),
    };
    let redact = |s: &str| {
        secret_forms
            .iter()
            .fold(s.to_string(), |acc, form| acc.replace(form, &shown))
    };
    match http::post(&req) {
        Ok(resp) if (200..300).contains(&resp.status) => {
            let tries = if resp.tries > 1 {
                format!(", after {} tries", resp.tries)
            } else {
                String::new()
            };
            tcli_plugin_sdk::output::status(&format!(
                "notified channel '{}' (HTTP {}{tries})",
                channel.name, resp.status
            ));
            Ok(())
        }
        Ok(resp) => Err(refused(channel, &resp, &redact)),
        Err(e) => Err(unsent(channel, &e, timeout, &redact)),
    }
}

/// The receiver answered with a status other than 2xx.
fn refused(channel: &Channel, resp: &PostResponse, redact: &dyn Fn(&str) -> String) -> Error {
    let hint = if resp.status < 500 {
        format!(
            "check the URL of [notify.{}] in {} (a revoked webhook answers 404 or 410)",
            channel.name,
            channel.path.display()
        )
    } else {
        format!("the receiver failed {} times; try again later", resp.tries)
    };
    Error::failed(format!(
        "channel '{}' answered HTTP {}: {}",
        channel.name,
        resp.status,
        // Masked before the line is cut, so a token cut in two is masked whole.
        first_line(&redact(&resp.body_excerpt))
    ))
    .with_hint(hint)
}

/// The post did not get an answer (or was refused before it was sent: a URL against the rule).
fn unsent(
    channel: &Channel,
    e: &HttpError,
    timeout: u64,
    redact: &dyn Fn(&str) -> String,
) -> Error {
    let hint = match e.kind {
        HttpErrorKind::Timeout => {
            format!("the receiver did not answer within {timeout} s; try again, or raise --timeout")
        }
        HttpErrorKind::Helper => "reinstall tcli (./install.sh)".to_string(),
        _ => format!(
            "check the URL of [notify.{}] in {}",
            channel.name,
            channel.path.display()
        ),
    };
    let message = format!(
        "cannot notify channel '{}': {}",
        channel.name,
        redact(&e.message)
    );
    if e.kind == HttpErrorKind::Url {
        Error::usage(message)
    } else {
        Error::failed(message)
    }
    .with_hint(hint)
}

tcli_plugin_sdk::export_plugin! {
    name: "notify",
    cli: Cli,
    run: run,
}

/// The fuzz target's entry (fuzz/fuzz_targets/settings.rs): every channel the files define is
/// found and checked, or refused with an error that renders as inert lines; a channel that
/// checks out posts to a URL under the URL rule.
#[doc(hidden)]
pub fn fuzz_one(layers: &[Layer]) {
    for name in channel::names(layers) {
        match channel::find(layers, &name) {
            Ok(Some(c)) => {
                if let Target::Url(u) = &c.target {
                    assert!(http::check_url(u).is_ok(), "{u:?}");
                }
            }
            Ok(None) => panic!("channel {name:?} is listed but not found"),
            Err(e) => {
                let text = invalid(e).rendered().expect("an error to show");
                assert!(
                    !text
                        .chars()
                        .any(|c| c != '\n' && tcli_plugin_sdk::output::is_unsafe(c)),
                    "{text:?}"
                );
                assert_eq!(text.lines().count(), 2, "{text:?}");
            }
        }
    }
    let _ = everyone(layers, &mut |_| {});
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_forms_cover_the_url_its_host_path_and_query() {
        assert_eq!(
            super::secret_forms("https://hooks.example.com/services/T0/XX?k=v"),
            [
                "https://hooks.example.com/services/T0/XX?k=v",
                "hooks.example.com/services/T0/XX?k=v",
                "/services/T0/XX?k=v",
                "k=v",
            ]
        );
        assert_eq!(
            super::secret_forms("https://h.example/"),
            ["https://h.example/", "h.example/"]
        );
    }
}
