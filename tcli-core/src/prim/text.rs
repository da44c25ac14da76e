//! Text made safe: one terminal line from untrusted bytes, one shell word from a path.

/// Longest description kept in the index.
pub const DESCRIPTION_MAX: usize = 200;

/// Text quoted in a message or a table, made one inert line (control characters escaped) or
/// one clean line (blanked, cut); a path made one shell word: the rules are the SDK's, so
/// tcli and modules show hostile text alike.
pub use tcli_plugin_sdk::output::{inert, is_unsafe, sanitize_line, sh_word};

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
