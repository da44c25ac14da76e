//! Output helpers for modules: a JSON document or an aligned table on a writer (normally
//! stdout). They write with `write!`, so a reader that went away (`tcli web list | head -1`)
//! comes back as an [`Error`] that ends the module with exit 0, never as a panic. And the
//! text rules tcli and its modules share, stated once: what is unsafe on a terminal, text made
//! inert or one clean line, a path made one shell word.

use crate::Error;
use std::io::Write;

/// A character that must not reach a terminal as it is: a control character (escapes,
/// newlines, `\r`), a bidirectional override or isolate, which reorders what is shown around
/// it (a fingerprint, a URL), or a noncharacter. The one rule for tcli and its modules.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{FDD0}'..='\u{FDEF}'
        )
        || (u32::from(c) & 0xFFFE) == 0xFFFE
}

/// `text` made one inert line: every [unsafe](is_unsafe) character is shown escaped (`\u{1b}`, `\n`),
/// so text quoted from a settings file, a server or a signature can neither drive the
/// terminal (colours, titles, clearing), overwrite a line (`\r`), nor start a line of its
/// own that reads like tcli's (`\nhint: ...`). tcli's own messages, the SDK's errors and
/// messages, and table cells go through it.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    let live = is_unsafe;
    if !text.chars().any(live) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if live(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` made one clean line of at most `max` characters: every [unsafe](is_unsafe) and
/// every whitespace character becomes a blank, runs of blanks become one, the ends are
/// trimmed, and a longer line is cut with `…`. For descriptions, excerpts and problems shown
/// in lists and tables, where an escape ([`inert`]) would be noise.
pub fn sanitize_line(text: &str, max: usize) -> String {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        if !(is_unsafe(c) || c.is_whitespace()) {
            clean.push(c);
        } else if !clean.is_empty() && !clean.ends_with(' ') {
            clean.push(' ');
        }
    }
    let clean = clean.trim_end_matches(' ');
    if clean.chars().count() <= max {
        return clean.to_string();
    }
    let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `s` as one POSIX shell word, quoted only when it needs to be, for commands printed for the
/// user to paste.
pub fn sh_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./+@%,:=".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A message for the user on stderr (progress, what was done), made [`inert`]. Modules print
/// their messages through here and [`warn`], never straight to stderr, so what a message
/// quotes cannot drive the terminal; a stderr that went away is not an error.
pub fn status(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", inert(msg));
}

/// `warning: <msg>` on stderr, made [`inert`].
pub fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {}", inert(msg));
}

/// Writes `value` as pretty JSON and a newline.
pub fn json(out: &mut impl Write, value: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(Error::other)?;
    writeln!(out, "{text}")?;
    Ok(())
}

/// Writes a table: `header`, then `rows`, every column but the last padded to its widest
/// cell, two spaces apart, trailing blanks trimmed.
pub fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> Result<(), Error> {
    // Cells are measured as they are printed: inert.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| inert(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_line_blanks_controls_and_cuts() {
        assert_eq!(sanitize_line("a\x1b[31mb\tc\n", 80), "a [31mb c");
        assert_eq!(sanitize_line("abcdef", 4), "abc…");
        assert_eq!(sanitize_line(&"x".repeat(300), 10).chars().count(), 10);
        assert_eq!(
            sanitize_line("a\u{85}b\u{FFFE}c\u{FFFF}d\u{202E}e\nf\u{2028}g", 20),
            "a b c d e f g"
        );
        assert_eq!(sanitize_line(" two \x1bblanks ", 20), "two blanks");
    }

    #[test]
    fn sh_word_quotes_only_when_needed() {
        assert_eq!(sh_word("/a/b-c_d.e"), "/a/b-c_d.e");
        assert_eq!(sh_word("it's"), r"'it'\''s'");
        assert_eq!(sh_word(""), "''");
    }

    #[test]
    fn table_pads_columns_and_trims_the_end() {
        let mut out = Vec::new();
        let rows = vec![
            vec![
                "wiki".to_string(),
                "https://w".to_string(),
                "Team wiki".to_string(),
            ],
            vec!["c".to_string(), "u".to_string(), "-".to_string()],
        ];
        table(&mut out, &["NAME", "URL", "DESCRIPTION"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NAME  URL        DESCRIPTION\nwiki  https://w  Team wiki\nc     u          -\n"
        );
    }
}
