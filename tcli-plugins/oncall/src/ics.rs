//! `export ics`: shifts as an iCalendar file (RFC 5545) that calendar apps import: one VEVENT
//! per stretch, times in UTC, a UID stable across exports so a re-import updates the event
//! instead of adding a copy.

use crate::shifts::Segment;
use jiff::Timestamp;

/// The calendar holding `segments`; `stamp` is the export's own time (DTSTAMP).
pub(crate) fn calendar(segments: &[Segment<'_>], stamp: i64) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold(&mut out, &text);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//tcli//oncall//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    for s in segments {
        let Some(p) = s.person else { continue };
        let Some(from) = s.from else { continue };
        let who = p.name.clone().unwrap_or_else(|| p.id.clone());
        line("BEGIN:VEVENT".into());
        // Rotation, start and person: a shift that moves or changes hands is a new event.
        line(format!(
            "UID:{}-{}-{}@oncall.tcli",
            escape(&s.rotation.name),
            from,
            escape(&p.id)
        ));
        line(format!("DTSTAMP:{}", utc(stamp)));
        line(format!("DTSTART:{}", utc(from)));
        line(format!("DTEND:{}", utc(s.to)));
        line(format!(
            "SUMMARY:{}",
            escape(&format!("On call ({}): {who}", s.rotation.name))
        ));
        let mut description = format!("{} is on call for rotation '{}'", p.id, s.rotation.name);
        if let Some(chat) = &p.chat {
            description.push_str(&format!(" ({chat})"));
        }
        description.push('.');
        if let Some(reason) = s.reason() {
            description.push_str(&format!(" Override: {reason}."));
        }
        line(format!("DESCRIPTION:{}", escape(&description)));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// `20260302T080000Z`.
fn utc(secs: i64) -> String {
    // Clamped: a value-less DTEND would make the whole file invalid.
    Timestamp::from_second(crate::rotation::showable(secs))
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| "19700101T000000Z".into())
}

/// TEXT escaping: backslash, semicolon, comma and newline (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a content line, folded at 75 octets (never inside a UTF-8 character), CRLF-ended.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_lines_fold_at_75_octets_and_text_is_escaped() {
        let mut out = String::new();
        super::fold(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1].starts_with(' '));
        assert_eq!(super::escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
