//! Text from files, programs and modules made fit for one line of a terminal or a report: the
//! values of the variables env checks name masked, unsafe characters blanked, the length
//! bounded. Knows nothing of checks; every other file of doctor may use it.

use std::sync::OnceLock;
use tcli_plugin_sdk::output::sanitize_line;

/// The values [`redact`] masks: those of the variables env checks name, longest first (so a
/// value holding another is masked whole).
static SECRETS: OnceLock<Vec<String>> = OnceLock::new();

/// Sets the values to mask, once per run.
pub(crate) fn hide(values: impl IntoIterator<Item = std::ffi::OsString>) {
    let mut v: Vec<String> = values
        .into_iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v.dedup();
    let _ = SECRETS.set(v);
}

/// `s` with every value set by [`hide`] replaced by `***`.
pub(crate) fn redact(s: &str) -> String {
    redact_with(s, SECRETS.get().map_or(&[], Vec::as_slice))
}

fn redact_with(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    for v in secrets {
        if out.contains(v.as_str()) {
            out = out.replace(v.as_str(), "***");
        }
    }
    out
}

/// `s` masked ([`redact`]) and made one clean line of at most `max` characters
/// (`tcli_plugin_sdk::output::sanitize_line`).
pub(crate) fn one_line(s: &str, max: usize) -> String {
    // Masked before cutting: a value cut in half would escape the mask.
    sanitize_line(&redact(s), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_cuts_and_cleans() {
        assert_eq!(one_line("a\x1b[31mb", 10), "a [31mb");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(
            one_line("a\u{85}b\u{FFFE}c\u{FFFF}d\u{202E}e\nf", 20),
            "a b c d e f"
        );
    }

    #[test]
    fn secrets_are_masked_longest_first() {
        let secrets = ["abcdef".to_string(), "abc".to_string()];
        assert_eq!(redact_with("x=abcdef y=abc", &secrets), "x=*** y=***");
    }
}
