//! The channels the settings files define (`[notify.<name>]`, docs/notify.md): each read whole
//! from the file of highest precedence that defines it and checked before anything is sent:
//! where to (a `url` under the URL rule, or a `secret` holding one) and the body's format.

use std::path::PathBuf;
use tcli_helper::http::{check_url, UrlError};
use tcli_plugin_sdk::serde_json::Value;
use tcli_plugin_sdk::Layer;

const FIELDS: &str = "url, secret, format";

/// The body a channel's receiver understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// tcli's own JSON document (docs/notify.md).
    Json,
    /// A Slack incoming webhook (`{"text": ...}`, mrkdwn); Mattermost and Rocket.Chat take it too.
    Slack,
}

/// Where a channel posts.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Url(String),
    /// The name of a secret whose value is the URL (a webhook URL is a credential).
    Secret(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) target: Target,
    pub(crate) format: Format,
}

/// What can be wrong with a channel's definition; shown with the channel and its file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Problem {
    #[error("[notify] must be a table of channels")]
    NotATable,
    #[error("it must be a table")]
    EntryNotATable,
    #[error("unknown field '{0}' (known: {FIELDS})")]
    UnknownField(String),
    #[error("'{0}' must be a string")]
    WrongType(&'static str),
    #[error("it needs url = \"https://...\" or secret = \"<name>\"")]
    NoTarget,
    #[error("it has both url and secret; keep one")]
    BothTargets,
    #[error("format '{0}' is not known (use \"json\" or \"slack\")")]
    Format(String),
    #[error("{0}")]
    Url(#[from] UrlError),
}

/// A broken channel definition, or `[notify]` itself.
#[derive(Debug, thiserror::Error)]
#[error("{} in {}: {problem}", channel.as_ref().map(|c| format!("channel '{c}'")).unwrap_or_else(|| "[notify]".into()), origin(team.as_deref(), path))]
pub(crate) struct Invalid {
    pub(crate) channel: Option<String>,
    pub(crate) team: Option<String>,
    pub(crate) path: PathBuf,
    pub(crate) problem: Problem,
}

fn origin(team: Option<&str>, path: &std::path::Path) -> String {
    match team {
        Some(t) => format!("team '{t}' ({})", path.display()),
        None => format!("your settings ({})", path.display()),
    }
}

impl Invalid {
    pub(crate) fn hint(&self) -> String {
        match &self.channel {
            Some(c) => format!(
                "fix [notify.{c}] in {} (docs/notify.md)",
                self.path.display()
            ),
            None => format!("fix [notify] in {} (docs/notify.md)", self.path.display()),
        }
    }
}

/// The names of every channel, in order, for a hint.
pub(crate) fn names(layers: &[Layer]) -> Vec<String> {
    let mut all: Vec<String> = layers
        .iter()
        .filter_map(|l| l.settings.get("notify")?.as_object())
        .flat_map(|t| t.keys().cloned())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Channel `name` from the file of highest precedence that defines it, checked; `None` when
/// no file does.
pub(crate) fn find(layers: &[Layer], name: &str) -> Result<Option<Channel>, Invalid> {
    for layer in layers {
        let Some(notify) = layer.settings.get("notify") else {
            continue;
        };
        let invalid = |channel: Option<&str>, problem| Invalid {
            channel: channel.map(str::to_string),
            team: layer.team.clone(),
            path: layer.path.clone(),
            problem,
        };
        let table = notify
            .as_object()
            .ok_or_else(|| invalid(None, Problem::NotATable))?;
        let Some(value) = table.get(name) else {
            continue;
        };
        return parse(name, layer, value)
            .map(Some)
            .map_err(|p| invalid(Some(name), p));
    }
    Ok(None)
}

fn parse(name: &str, layer: &Layer, value: &Value) -> Result<Channel, Problem> {
    let fields = value.as_object().ok_or(Problem::EntryNotATable)?;
    if let Some(f) = fields
        .keys()
        .find(|k| !FIELDS.split(", ").any(|f| f == k.as_str()))
    {
        return Err(Problem::UnknownField(f.clone()));
    }
    let string = |field: &'static str| -> Result<Option<String>, Problem> {
        match fields.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or(Problem::WrongType(field)),
        }
    };
    let target = match (string("url")?, string("secret")?) {
        (Some(_), Some(_)) => return Err(Problem::BothTargets),
        (None, None) => return Err(Problem::NoTarget),
        (Some(url), None) => {
            // Before any connection, and before the secret store is asked for anything.
            check_url(&url)?;
            Target::Url(url)
        }
        (None, Some(secret)) => Target::Secret(secret),
    };
    let format = match string("format")?.as_deref() {
        None | Some("json") => Format::Json,
        Some("slack") => Format::Slack,
        Some(other) => return Err(Problem::Format(other.to_string())),
    };
    Ok(Channel {
        name: name.to_string(),
        path: layer.path.clone(),
        target,
        format,
    })
}
