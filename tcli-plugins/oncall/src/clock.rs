//! The clock and the local zone: the instant a command asks about (`--at`, `--from`, or now),
//! read as a user types it, and instants shown in the local zone (`TZ`, else the system's).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The local zone and the current instant, read once per command.
pub(crate) struct Clock {
    pub(crate) now: i64,
    pub(crate) tz: TimeZone,
}

impl Clock {
    pub(crate) fn system() -> Clock {
        // TZ first (a name, a path or a POSIX rule such as CET-1CEST,M3.5.0,M10.5.0/3), then
        // /etc/localtime; UTC when neither can be read, as the C library does. Only a TZ the
        // user set and that cannot be read is worth a warning.
        let tz = TimeZone::try_system().unwrap_or_else(|e| {
            if std::env::var_os("TZ").is_some_and(|v| !v.is_empty()) {
                tcli_plugin_sdk::output::warn(&format!(
                    "cannot use the time zone in TZ ({e}); showing times in UTC"
                ));
            }
            TimeZone::UTC
        });
        Clock {
            now: Timestamp::now().as_second(),
            tz,
        }
    }

    /// A time as given on the command line: `now`, RFC 3339 with an offset
    /// (`2026-03-02T09:00:00Z`), a local date and time (`2026-03-02 09:00`,
    /// `2026-03-02T09:00:30`), or a local date (midnight). A local time the clocks skip is
    /// moved forward by the gap's length, a repeated one is its first occurrence (jiff's
    /// "compatible" choice, as RFC 5545 does).
    pub(crate) fn parse(&self, text: &str) -> Option<i64> {
        let t = text.trim();
        if t == "now" {
            return Some(self.now);
        }
        if let Ok(ts) = t.parse::<Timestamp>() {
            return Some(ts.as_second());
        }
        let civil = t.parse::<DateTime>().ok().or_else(|| {
            t.parse::<Date>()
                .ok()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })?;
        civil
            .to_zoned_datetime(self.tz.clone())
            .ok()
            .map(|z| z.timestamp().as_second())
    }

    /// An instant in the local zone, to the minute (to the second when it has seconds), with
    /// the weekday and the zone's abbreviation: `Mon 2026-03-02 09:00 CET`.
    pub(crate) fn show(&self, secs: i64) -> String {
        let Ok(ts) = Timestamp::from_second(crate::rotation::showable(secs)) else {
            return secs.to_string();
        };
        let z = ts.to_zoned_datetime(self.tz.clone());
        let fmt = if secs.rem_euclid(60) == 0 {
            "%a %Y-%m-%d %H:%M %Z"
        } else {
            "%a %Y-%m-%d %H:%M:%S %Z"
        };
        z.strftime(fmt).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(tz: &str) -> Clock {
        Clock {
            now: 0,
            tz: TimeZone::posix(tz).unwrap(),
        }
    }

    #[test]
    fn times_read_as_typed() {
        let c = clock("CET-1CEST,M3.5.0,M10.5.0/3");
        let utc = |s: &str| s.parse::<Timestamp>().unwrap().as_second();
        assert_eq!(
            c.parse("2026-03-02T09:00:00Z"),
            Some(utc("2026-03-02T09:00:00Z"))
        );
        assert_eq!(
            c.parse("2026-03-02 09:00"),
            Some(utc("2026-03-02T08:00:00Z"))
        );
        assert_eq!(
            c.parse("2026-07-02T09:00"),
            Some(utc("2026-07-02T07:00:00Z"))
        );
        assert_eq!(c.parse("2026-03-02"), Some(utc("2026-03-01T23:00:00Z")));
        assert_eq!(c.parse("now"), Some(0));
        assert_eq!(c.parse("tomorrow"), None);
        // In the gap of 29 March: moved forward by the gap's hour (docs/oncall.md).
        assert_eq!(
            c.parse("2026-03-29 02:30"),
            Some(utc("2026-03-29T01:30:00Z"))
        );
        assert_eq!(
            c.show(utc("2026-03-29T01:30:00Z")),
            "Sun 2026-03-29 03:30 CEST"
        );
        // Repeated on 25 October: the first, summer-time, occurrence.
        assert_eq!(
            c.parse("2026-10-25 02:30"),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            c.show(utc("2026-03-29T01:00:00Z")),
            "Sun 2026-03-29 03:00 CEST"
        );
        assert_eq!(
            c.show(utc("2026-03-29T00:59:59Z")),
            "Sun 2026-03-29 01:59:59 CET"
        );
    }
}
