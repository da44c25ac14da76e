//! Text made safe: one terminal line from untrusted bytes, one shell word from a path.

/// Longest description kept in the index.
pub const DESCRIPTION_MAX: usize = 200;

/// Text quoted in a message or a table, made one inert line (control characters escaped);
/// the rule is the SDK's, so tcli and modules show hostile text alike.
pub use tcli_plugin_sdk::output::{inert, is_unsafe};

/// Makes a description safe and short for one terminal line: control characters become
/// spaces, whitespace runs collapse, and it is cut at `max` characters with an ellipsis.
pub fn sanitize_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut last_space = true;
    for c in s.chars() {
        let c = if is_unsafe(c) { ' ' } else { c };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    let trimmed = out.trim_end();
    if trimmed.chars().count() > max {
        let mut cut: String = trimmed.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        trimmed.to_string()
    }
}

/// `s` as one POSIX shell word, quoted only when it needs to be, for commands tcli prints for
/// the user to paste.
pub fn sh_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./+@%,:=".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_line_strips_controls_and_cuts() {
        assert_eq!(sanitize_line("a\x1b[31mb\tc\n", 80), "a [31mb c");
        assert_eq!(sanitize_line(&"x".repeat(300), 10).chars().count(), 10);
    }

    #[test]
    fn sh_word_quotes_only_when_needed() {
        assert_eq!(sh_word("/a/b-c_d.e"), "/a/b-c_d.e");
        assert_eq!(sh_word("it's"), r"'it'\''s'");
        assert_eq!(sh_word(""), "''");
    }
}

#[cfg(test)]
mod props {
    //! The contract of `sanitize_line` as equations over any text (docs/fuzzing.md).
    use super::sanitize_line;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_sanitized_line_is_one_clean_bounded_line(s in "\\PC*|[\\x00-\\x1f\\x7f a\u{85}\u{2028}\u{202e}]{0,300}", max in 1usize..250) {
            let out = sanitize_line(&s, max);
            prop_assert!(!out.chars().any(super::is_unsafe), "{:?}", out);
            prop_assert!(out.chars().count() <= max, "{:?}", out);
            prop_assert!(!out.contains("  "), "{:?}", out);
            prop_assert_eq!(out.trim(), out.as_str());
            prop_assert_eq!(sanitize_line(&out, max), out.clone(), "idempotent");
        }
    }
}
