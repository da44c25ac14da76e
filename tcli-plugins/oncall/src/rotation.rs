//! The rotations as the settings files define them (`[oncall.<name>]`, docs/oncall.md): each
//! read whole from the file of highest precedence that defines it, its people looked up in that
//! file's roster, every problem named with the rotation and the file. Knows nothing of the clock.

use jiff::Timestamp;
use std::collections::HashMap;
use std::path::PathBuf;
use tcli_plugin_sdk::serde_json::Value;
use tcli_plugin_sdk::Layer;
use tcli_roster::{Person, Roster, RosterError};

/// The longest `every` accepted: a shift of more than 100 years is a typo, and the bound keeps
/// every sum of seconds far from overflowing.
const MAX_EVERY_SECS: i64 = 100 * 366 * 24 * 3600;

const ROTATION_FIELDS: &str = "people, start, every, override";
const OVERRIDE_FIELDS: &str = "person, from, to, reason";

/// The file a rotation comes from.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// The team, or `None` for the user's own file.
    pub(crate) team: Option<String>,
    pub(crate) path: PathBuf,
}

impl Origin {
    fn of(layer: &Layer) -> Origin {
        Origin {
            team: layer.team.clone(),
            path: layer.path.clone(),
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.team {
            Some(t) => write!(f, "team '{t}' ({})", self.path.display()),
            None => write!(f, "your settings ({})", self.path.display()),
        }
    }
}

/// One checked rotation. Times are Unix seconds.
#[derive(Debug)]
pub(crate) struct Rotation {
    pub(crate) name: String,
    pub(crate) origin: Origin,
    pub(crate) people: Vec<Person>,
    /// The file whose roster each of `people` came from: two teams may each have an `ana`.
    pub(crate) people_rosters: Vec<PathBuf>,
    pub(crate) start: i64,
    /// The length of every shift, in seconds (docs/oncall.md: absolute, whatever the clocks do).
    pub(crate) every: i64,
    /// Sorted by `from`, none overlapping another.
    pub(crate) overrides: Vec<Override>,
}

/// One `[[oncall.<name>.override]]`: `person` is on call over `[from, to)`.
#[derive(Debug)]
pub(crate) struct Override {
    pub(crate) person: Person,
    /// The file whose roster `person` came from.
    pub(crate) roster: PathBuf,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) reason: Option<String>,
}

/// A broken definition: which rotation (none when `[oncall]` itself or a roster read for no
/// rotation is wrong), which file, what.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub(crate) rotation: Option<String>,
    /// The file the problem is in: for a broken roster, the roster's own file.
    pub(crate) origin: Origin,
    pub(crate) problem: Box<Problem>,
    /// For a broken roster met while checking a rotation: the rotation's file, which is
    /// another when a rotation of the user's own file names people of a team's roster.
    pub(crate) rotation_origin: Option<Box<Origin>>,
}

impl std::error::Error for Invalid {}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = &self.origin;
        let problem = &self.problem;
        // A broken roster is the roster's problem, in the roster's file: naming the rotation
        // (or [oncall]) as the culprit would send the user to fix the wrong table.
        if let Problem::Roster(e) = &**problem {
            write!(f, "[people] in {origin}: {e}")?;
            return match (&self.rotation, &self.rotation_origin) {
                (Some(r), Some(ro)) if ro.path != origin.path => {
                    write!(f, " (rotation '{r}' in {ro} names people from it)")
                }
                (Some(r), _) => write!(f, " (rotation '{r}' names people from it)"),
                (None, _) => Ok(()),
            };
        }
        match &self.rotation {
            Some(r) => write!(f, "rotation '{r}' in {origin}: {problem}"),
            None => write!(f, "[oncall] in {origin}: {problem}"),
        }
    }
}

impl Invalid {
    /// The fix, for the `hint:` line.
    pub(crate) fn hint(&self) -> String {
        let file = self.origin.path.display();
        match (&*self.problem, &self.rotation) {
            (Problem::Roster(_), _) => format!("fix [people] in {file}"),
            (_, Some(r)) => format!("fix [oncall.{r}] in {file} (docs/oncall.md)"),
            (_, None) => format!("fix [oncall] in {file} (docs/oncall.md)"),
        }
    }
}

/// What is wrong with a definition.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Problem {
    #[error("[oncall] must be a table of rotations")]
    NotATable,
    #[error("{table} must be a table")]
    EntryNotATable { table: String },
    #[error("{table}: unknown field '{field}' (known: {known})")]
    UnknownField {
        table: String,
        field: String,
        known: &'static str,
    },
    #[error("{table}: '{field}' is missing")]
    Missing { table: String, field: &'static str },
    #[error("{table}: '{field}' must be {expected}")]
    WrongType {
        table: String,
        field: &'static str,
        expected: &'static str,
    },
    #[error("{table}: {field} '{value}' is not an RFC 3339 time with an offset ({reason})")]
    BadTime {
        table: String,
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("every '{0}' is not a duration; write Nh, Nd or Nw (12h, 1d, 2w)")]
    BadEvery(String),
    #[error("every '{0}' is zero; a shift must last some time")]
    ZeroEvery(String),
    #[error("every '{0}' is longer than 100 years")]
    HugeEvery(String),
    #[error("people is empty; name at least one person of the roster")]
    NoPeople,
    #[error("{table}: '{id}' is not in the roster ([people.{id}])")]
    UnknownPerson { table: String, id: String },
    #[error("override[{index}]: to ({to}) is not after from ({from})")]
    Backwards {
        index: usize,
        from: String,
        to: String,
    },
    #[error("override[{first}] ({first_span}) and override[{second}] ({second_span}) overlap; who is on call then?")]
    Overlap {
        first: usize,
        first_span: String,
        second: usize,
        second_span: String,
    },
    #[error("{0}")]
    Roster(#[from] RosterError),
}

/// A rotation as found in a file, not checked yet: checking is left until a command needs it,
/// so one broken rotation does not stop questions about the others.
pub(crate) struct Found<'a> {
    pub(crate) name: String,
    layer: usize,
    value: &'a Value,
}

/// Every rotation name in the files, each from the file of highest precedence that defines it
/// (a rotation is never pieced together from two files: that would be nobody's schedule), in
/// name order.
pub(crate) fn find(layers: &[Layer]) -> Result<Vec<Found<'_>>, Invalid> {
    let mut found: Vec<Found<'_>> = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let Some(oncall) = layer.settings.get("oncall") else {
            continue;
        };
        let table = oncall.as_object().ok_or_else(|| Invalid {
            rotation: None,
            origin: Origin::of(layer),
            problem: Box::new(Problem::NotATable),
            rotation_origin: None,
        })?;
        for (name, value) in table {
            if !found.iter().any(|f| &f.name == name) {
                found.push(Found {
                    name: name.clone(),
                    layer: i,
                    value,
                });
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// The rosters of the files, parsed once each when first needed.
pub(crate) struct Rosters<'a> {
    layers: &'a [Layer],
    parsed: HashMap<usize, Roster>,
}

impl<'a> Rosters<'a> {
    pub(crate) fn new(layers: &'a [Layer]) -> Rosters<'a> {
        Rosters {
            layers,
            parsed: HashMap::new(),
        }
    }

    fn roster(&mut self, layer: usize) -> Result<&Roster, Invalid> {
        if !self.parsed.contains_key(&layer) {
            let l = &self.layers[layer];
            let r = Roster::from_settings(&l.settings).map_err(|e| Invalid {
                rotation: None,
                origin: Origin::of(l),
                problem: Box::new(Problem::Roster(e)),
                rotation_origin: None,
            })?;
            self.parsed.insert(layer, r);
        }
        Ok(&self.parsed[&layer])
    }

    /// The files whose rosters a rotation of `layer` may name people from: a team's rotation
    /// its own team's; the user's own file its own, then every team's in order (a user has
    /// no roster of their own, normally).
    fn scope(&self, layer: usize) -> Vec<usize> {
        if self.layers[layer].team.is_some() {
            vec![layer]
        } else {
            std::iter::once(layer)
                .chain((0..self.layers.len()).filter(|&i| i != layer))
                .collect()
        }
    }

    /// The person `id` as a rotation of `layer` sees it, with the file of the roster that
    /// holds it.
    fn person(&mut self, layer: usize, id: &str) -> Result<Option<(Person, PathBuf)>, Invalid> {
        for i in self.scope(layer) {
            if let Some(p) = self.roster(i)?.person(id) {
                return Ok(Some((p.clone(), self.layers[i].path.clone())));
            }
        }
        Ok(None)
    }

    /// Every person of every file's roster, with that file, first definition of an id
    /// winning (your file, then the teams in order).
    pub(crate) fn everyone(&mut self) -> Result<Vec<(Person, PathBuf)>, Invalid> {
        let mut all: Vec<(Person, PathBuf)> = Vec::new();
        let layers = self.layers;
        for (i, layer) in layers.iter().enumerate() {
            for p in &self.roster(i)?.people {
                if !all.iter().any(|(q, _)| q.id == p.id) {
                    all.push((p.clone(), layer.path.clone()));
                }
            }
        }
        Ok(all)
    }
}

impl Found<'_> {
    /// Checks the definition and resolves its people (docs/oncall.md): only known fields, the
    /// people in the roster, a start and a shift length, then the overrides, none overlapping
    /// another.
    pub(crate) fn check(&self, rosters: &mut Rosters<'_>) -> Result<Rotation, Invalid> {
        let c = Checking {
            name: &self.name,
            layer: self.layer,
            origin: Origin::of(&rosters.layers[self.layer]),
        };
        let table = format!("oncall.{}", self.name);
        let fields = c.table(self.value, &table, ROTATION_FIELDS)?;
        let (people, people_rosters) = c.people(fields, &table, rosters)?;
        let start = time_field(fields, &table, "start").map_err(|p| c.invalid(p))?;
        let every = str_field(fields, &table, "every")
            .and_then(parse_every)
            .map_err(|p| c.invalid(p))?;
        let mut overrides = c.overrides(fields, &table, rosters)?;
        overrides.sort_by_key(|(i, o)| (o.from, *i));
        no_overlap(&overrides).map_err(|p| c.invalid(p))?;
        Ok(Rotation {
            name: self.name.clone(),
            origin: c.origin,
            people,
            people_rosters,
            start,
            every,
            overrides: overrides.into_iter().map(|(_, o)| o).collect(),
        })
    }
}

/// The rotation being checked, named in whatever is wrong with it.
struct Checking<'f> {
    name: &'f str,
    layer: usize,
    origin: Origin,
}

impl Checking<'_> {
    fn invalid(&self, problem: Problem) -> Invalid {
        Invalid {
            rotation: Some(self.name.to_string()),
            origin: self.origin.clone(),
            problem: Box::new(problem),
            rotation_origin: None,
        }
    }

    /// A broken roster found while resolving this rotation's people keeps its own file and
    /// names this rotation's beside it.
    fn roster_broken(&self, e: Invalid) -> Invalid {
        Invalid {
            rotation: Some(self.name.to_string()),
            rotation_origin: Some(Box::new(self.origin.clone())),
            ..e
        }
    }

    /// `value` as the table `table`, holding none but the `known` fields.
    fn table<'v>(
        &self,
        value: &'v Value,
        table: &str,
        known: &'static str,
    ) -> Result<&'v Fields, Invalid> {
        let fields = value.as_object().ok_or_else(|| {
            self.invalid(Problem::EntryNotATable {
                table: table.to_string(),
            })
        })?;
        match fields
            .keys()
            .find(|k| !known.split(", ").any(|f| f == k.as_str()))
        {
            None => Ok(fields),
            Some(field) => Err(self.invalid(Problem::UnknownField {
                table: table.to_string(),
                field: field.clone(),
                known,
            })),
        }
    }

    /// The person `id` that `table` names, with the file of the roster that holds it.
    fn person(
        &self,
        rosters: &mut Rosters<'_>,
        table: String,
        id: &str,
    ) -> Result<(Person, PathBuf), Invalid> {
        rosters
            .person(self.layer, id)
            .map_err(|e| self.roster_broken(e))?
            .ok_or_else(|| {
                self.invalid(Problem::UnknownPerson {
                    table,
                    id: id.to_string(),
                })
            })
    }

    /// `people`: a non-empty list of ids in the roster.
    fn people(
        &self,
        fields: &Fields,
        table: &str,
        rosters: &mut Rosters<'_>,
    ) -> Result<(Vec<Person>, Vec<PathBuf>), Invalid> {
        let ids = match fields.get("people") {
            None => {
                return Err(self.invalid(Problem::Missing {
                    table: table.to_string(),
                    field: "people",
                }))
            }
            Some(v) => v
                .as_array()
                .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
                .ok_or_else(|| {
                    self.invalid(Problem::WrongType {
                        table: table.to_string(),
                        field: "people",
                        expected: "a list of person ids ([\"ana\", \"bo\"])",
                    })
                })?,
        };
        if ids.is_empty() {
            return Err(self.invalid(Problem::NoPeople));
        }
        ids.into_iter()
            .map(|id| self.person(rosters, format!("{table}.people"), id))
            .collect::<Result<Vec<_>, _>>()
            .map(|found| found.into_iter().unzip())
    }

    /// `[[oncall.<name>.override]]`, each with its index in the file.
    fn overrides(
        &self,
        fields: &Fields,
        table: &str,
        rosters: &mut Rosters<'_>,
    ) -> Result<Vec<(usize, Override)>, Invalid> {
        match fields.get("override") {
            None => Ok(Vec::new()),
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(index, o)| {
                    Ok((
                        index,
                        self.override_entry(
                            o,
                            format!("{table}.override[{index}]"),
                            index,
                            rosters,
                        )?,
                    ))
                })
                .collect(),
            Some(_) => Err(self.invalid(Problem::WrongType {
                table: table.to_string(),
                field: "override",
                expected: "a list of tables ([[oncall.<name>.override]])",
            })),
        }
    }

    /// One override, `at` naming it: a person of the roster over `[from, to)`, and a reason.
    fn override_entry(
        &self,
        value: &Value,
        at: String,
        index: usize,
        rosters: &mut Rosters<'_>,
    ) -> Result<Override, Invalid> {
        let o = self.table(value, &at, OVERRIDE_FIELDS)?;
        let id = str_field(o, &at, "person").map_err(|p| self.invalid(p))?;
        let (person, roster) = self.person(rosters, at.clone(), id)?;
        let from = time_field(o, &at, "from").map_err(|p| self.invalid(p))?;
        let to = time_field(o, &at, "to").map_err(|p| self.invalid(p))?;
        if to <= from {
            return Err(self.invalid(Problem::Backwards {
                index,
                from: rfc3339(from),
                to: rfc3339(to),
            }));
        }
        let reason = match o.get("reason") {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .ok_or_else(|| {
                        self.invalid(Problem::WrongType {
                            table: at.clone(),
                            field: "reason",
                            expected: "a string",
                        })
                    })?
                    .to_string(),
            ),
        };
        Ok(Override {
            person,
            roster,
            from,
            to,
            reason,
        })
    }
}

/// Overrides sorted by `from` (with their indexes) overlap nowhere; the first overlap found is
/// named with the lower index first.
fn no_overlap(overrides: &[(usize, Override)]) -> Result<(), Problem> {
    let Some(w) = overrides.windows(2).find(|w| w[1].1.from < w[0].1.to) else {
        return Ok(());
    };
    let span = |o: &Override| format!("{} to {}", rfc3339(o.from), rfc3339(o.to));
    let (a, b) = if w[0].0 < w[1].0 {
        (&w[0], &w[1])
    } else {
        (&w[1], &w[0])
    };
    Err(Problem::Overlap {
        first: a.0,
        first_span: span(&a.1),
        second: b.0,
        second_span: span(&b.1),
    })
}

type Fields = tcli_plugin_sdk::serde_json::Map<String, Value>;

fn str_field<'v>(fields: &'v Fields, table: &str, field: &'static str) -> Result<&'v str, Problem> {
    match fields.get(field) {
        None => Err(Problem::Missing {
            table: table.to_string(),
            field,
        }),
        Some(v) => v.as_str().ok_or_else(|| Problem::WrongType {
            table: table.to_string(),
            field,
            expected: "a string",
        }),
    }
}

/// A time in a definition: RFC 3339 with an offset (a TOML offset date-time reaches the module
/// as that string). One without an offset is refused: whose 09:00 would it be?
fn time_field(fields: &Fields, table: &str, field: &'static str) -> Result<i64, Problem> {
    let value = str_field(fields, table, field)?;
    let bad = |reason: String| Problem::BadTime {
        table: table.to_string(),
        field,
        value: value.to_string(),
        reason,
    };
    match value.parse::<Timestamp>() {
        Ok(t) => Ok(t.as_second()),
        Err(_)
            if value.parse::<jiff::civil::DateTime>().is_ok()
                || value.parse::<jiff::civil::Date>().is_ok() =>
        {
            Err(bad("it has no offset; add Z or one such as +01:00".into()))
        }
        Err(e) => Err(bad(e.to_string())),
    }
}

/// `Nh`, `Nd` or `Nw` in seconds: hours, days of 24 hours, weeks of 7 such days.
pub(crate) fn parse_every(text: &str) -> Result<i64, Problem> {
    let bad = || Problem::BadEvery(text.to_string());
    let t = text.trim();
    let unit = match t.chars().last().ok_or_else(bad)? {
        'h' => 3600,
        'd' => 24 * 3600,
        'w' => 7 * 24 * 3600,
        _ => return Err(bad()),
    };
    let digits = &t[..t.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits
        .parse()
        .map_err(|_| Problem::HugeEvery(text.to_string()))?;
    if n == 0 {
        return Err(Problem::ZeroEvery(text.to_string()));
    }
    n.checked_mul(unit)
        .filter(|s| *s <= MAX_EVERY_SECS)
        .ok_or_else(|| Problem::HugeEvery(text.to_string()))
}

/// The last whole second jiff can show in every zone (9999-12-30T22:00:00Z). A window asked
/// for must end by it; a shift that would end later is shown ending there (docs/oncall.md).
pub(crate) fn last_second() -> i64 {
    Timestamp::MAX.as_second()
}

/// `secs` within what jiff can show: a shift of a rotation that starts near the end of its
/// range may end beyond it, and must still be shown as a time, never as nothing.
pub(crate) fn showable(secs: i64) -> i64 {
    secs.clamp(Timestamp::MIN.as_second(), last_second())
}

/// Unix seconds as RFC 3339 UTC, as JSON and messages show them.
pub(crate) fn rfc3339(secs: i64) -> String {
    Timestamp::from_second(showable(secs))
        .map(|t| t.to_string())
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_beyond_the_range_are_shown_at_its_end() {
        assert_eq!(rfc3339(last_second()), "9999-12-30T22:00:00Z");
        assert_eq!(rfc3339(last_second() + 100 * 86400), "9999-12-30T22:00:00Z");
        assert!(
            rfc3339(i64::MIN).starts_with("-009999-01-0"),
            "{}",
            rfc3339(i64::MIN)
        );
    }

    #[test]
    fn every_takes_hours_days_weeks() {
        assert_eq!(parse_every("12h").unwrap(), 12 * 3600);
        assert_eq!(parse_every("1d").unwrap(), 86400);
        assert_eq!(parse_every("2w").unwrap(), 14 * 86400);
        assert!(matches!(parse_every("0w"), Err(Problem::ZeroEvery(_))));
        for bad in ["", "w", "1", "1m", "-1d", "1.5d", "d1"] {
            assert!(
                matches!(parse_every(bad), Err(Problem::BadEvery(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_every("99999999999999w"),
            Err(Problem::HugeEvery(_))
        ));
    }
}
