//! The request body for each format (docs/notify.md): tcli's JSON document, or a Slack
//! incoming-webhook message. Pure: the facts come in, text goes out.

use crate::channel::Format;
use crate::git::Repo;
use tcli_plugin_sdk::clap;
use tcli_plugin_sdk::serde_json::{json, Value};
use tcli_roster::Person;

/// `--status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Status {
    Success,
    Failure,
    Info,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Info => "info",
        }
    }

    fn emoji(self) -> &'static str {
        match self {
            Status::Success => ":white_check_mark:",
            Status::Failure => ":x:",
            Status::Info => ":information_source:",
        }
    }
}

/// A person as the notice names them: from the roster when an email matched, else the email.
#[derive(Debug, Clone)]
pub(crate) struct Who {
    pub(crate) person: Option<Person>,
    pub(crate) email: String,
}

impl Who {
    fn json(&self) -> Value {
        let p = self.person.as_ref();
        json!({
            "id": p.map(|p| &p.id),
            "name": p.and_then(|p| p.name.as_ref()),
            "chat": p.and_then(|p| p.chat.as_ref()),
            "email": self.email,
        })
    }

    /// How chat shows them: the chat handle (which pings), else the name, else the email.
    fn handle(&self) -> String {
        let p = self.person.as_ref();
        p.and_then(|p| p.chat.clone())
            .or_else(|| p.and_then(|p| p.name.as_deref().map(slack_escape)))
            .unwrap_or_else(|| slack_escape(&self.email))
    }
}

/// Everything a notice says.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) channel: String,
    pub(crate) status: Status,
    pub(crate) title: Option<String>,
    pub(crate) message: String,
    pub(crate) sender: Option<Who>,
    pub(crate) repo: Option<Repo>,
    /// The HEAD commit's author, with `--mention-author`.
    pub(crate) author: Option<Who>,
    pub(crate) tcli_version: String,
}

impl Notice {
    /// The body and its content type.
    pub(crate) fn body(&self, format: Format) -> String {
        let v = match format {
            Format::Json => self.json(),
            Format::Slack => json!({"text": self.slack_text()}),
        };
        v.to_string()
    }

    fn json(&self) -> Value {
        json!({
            "channel": self.channel,
            "status": self.status.as_str(),
            "title": self.title,
            "message": self.message,
            "sender": self.sender.as_ref().map(Who::json),
            "repo": self.repo.as_ref().map(|r| json!({
                "remote": r.remote,
                "branch": r.branch,
                "commit": r.commit,
                "short": r.short,
            })),
            "author": self.author.as_ref().map(Who::json),
            "tcli": self.tcli_version,
        })
    }

    /// `:x: *title*` (or the status), the message, then who sent it from where.
    fn slack_text(&self) -> String {
        let head = match &self.title {
            Some(t) => format!("*{}*", slack_escape(t)),
            None => format!("*{}*", self.status.as_str()),
        };
        let mut text = format!(
            "{} {head}\n{}",
            self.status.emoji(),
            slack_escape(&self.message)
        );
        let mut context: Vec<String> = Vec::new();
        if let Some(s) = &self.sender {
            context.push(format!("sent by {}", s.handle()));
        }
        if let Some(r) = &self.repo {
            let mut at = String::new();
            if let Some(remote) = &r.remote {
                at.push_str(&slack_escape(remote));
                at.push(' ');
            }
            if let Some(b) = &r.branch {
                at.push_str(&slack_escape(b));
                at.push(' ');
            }
            at.push_str(&format!("at `{}`", r.short));
            context.push(at);
        }
        if let Some(a) = &self.author {
            context.push(format!("cc {}", a.handle()));
        }
        if !context.is_empty() {
            text.push('\n');
            text.push_str(&context.join(" · "));
        }
        text
    }
}

/// Slack's mrkdwn control characters, escaped as its docs ask, so a message cannot make a
/// mention or a link of its own.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_text_escapes_the_message_and_keeps_handles() {
        let n = Notice {
            channel: "build".into(),
            status: Status::Failure,
            title: None,
            message: "a <b> & c".into(),
            sender: Some(Who {
                person: None,
                email: "x@example.com".into(),
            }),
            repo: None,
            author: None,
            tcli_version: "0".into(),
        };
        assert_eq!(
            n.slack_text(),
            ":x: *failure*\na &lt;b&gt; &amp; c\nsent by x@example.com"
        );
    }
}
