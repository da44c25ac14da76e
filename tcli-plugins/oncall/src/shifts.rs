//! Who is on call when: a pure function of a checked rotation and an instant. Shift `k` covers
//! `[start + k*every, start + (k+1)*every)` and belongs to `people[k % len]`; an override
//! replaces whoever the rotation gives over its `[from, to)`, splitting the shifts it cuts.
//! Before `start`, nobody is on call (unless an override says otherwise).

use crate::rotation::Rotation;
use tcli_roster::Person;

/// Where a stretch of on-call time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Shift `k` of the rotation.
    Rotation(i64),
    /// The override at this index of the sorted overrides.
    Override(usize),
    /// Before `start`, with no override: nobody.
    BeforeStart,
}

/// A stretch `[from, to)` during which one person (or nobody) is on call; `from` is `None` for
/// the stretch before the start that no override ends. Times are Unix seconds.
#[derive(Debug, Clone)]
pub(crate) struct Segment<'r> {
    pub(crate) rotation: &'r Rotation,
    pub(crate) from: Option<i64>,
    pub(crate) to: i64,
    pub(crate) person: Option<&'r Person>,
    pub(crate) source: Source,
}

impl Segment<'_> {
    /// The override's reason, if this stretch is an override that gives one.
    pub(crate) fn reason(&self) -> Option<&str> {
        match self.source {
            Source::Override(i) => self.rotation.overrides[i].reason.as_deref(),
            _ => None,
        }
    }

    /// The file whose roster the person on call came from.
    pub(crate) fn roster(&self) -> Option<&std::path::Path> {
        match self.source {
            Source::Rotation(k) => {
                let r = self.rotation;
                let i = k.rem_euclid(r.people.len() as i64) as usize;
                Some(&r.people_rosters[i])
            }
            Source::Override(i) => Some(&self.rotation.overrides[i].roster),
            Source::BeforeStart => None,
        }
    }

    fn person_id(&self) -> Option<&str> {
        self.person.map(|p| p.id.as_str())
    }
}

/// The most stretches `next` looks through for someone else, so a rotation of one person
/// ends the search.
const NEXT_LIMIT: usize = 10_000;

impl Rotation {
    /// The stretch holding instant `t`. O(log overrides).
    pub(crate) fn at(&self, t: i64) -> Segment<'_> {
        let ov = &self.overrides;
        // Sorted by `from` and disjoint, so also sorted by `to`: ov[i-1] is the last override
        // that began by `t`, and the latest to end by `t` if it is over.
        let i = ov.partition_point(|o| o.from <= t);
        if i > 0 && ov[i - 1].to > t {
            let o = &ov[i - 1];
            return Segment {
                rotation: self,
                from: Some(o.from),
                to: o.to,
                person: Some(&o.person),
                source: Source::Override(i - 1),
            };
        }
        let prev_end = i.checked_sub(1).map(|j| ov[j].to);
        let next_start = ov.get(i).map(|o| o.from);
        let cut = |end: i64| next_start.map_or(end, |n| n.min(end));
        if t < self.start {
            return Segment {
                rotation: self,
                from: prev_end,
                to: cut(self.start),
                person: None,
                source: Source::BeforeStart,
            };
        }
        let k = (t - self.start).div_euclid(self.every);
        let begins = self.start + k * self.every;
        let len = self.people.len() as i64;
        Segment {
            rotation: self,
            from: Some(prev_end.map_or(begins, |p| p.max(begins))),
            to: cut(begins + self.every),
            person: Some(&self.people[k.rem_euclid(len) as usize]),
            source: Source::Rotation(k),
        }
    }

    /// The stretches with someone on call that overlap `[from, to)`, in order; the first may
    /// begin before `from`.
    pub(crate) fn segments(&self, from: i64, to: i64) -> Vec<Segment<'_>> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            let s = self.at(t);
            t = s.to;
            if s.person.is_some() {
                out.push(s);
            }
        }
        out
    }

    /// The next handoff after `t`: the first later stretch with someone else on call (the
    /// stretch right after, for a rotation of one person with no overrides).
    pub(crate) fn next(&self, t: i64) -> Segment<'_> {
        let now = self.at(t);
        let first = self.at(now.to);
        let mut s = first.clone();
        for _ in 0..NEXT_LIMIT {
            if s.person.is_some() && s.person_id() != now.person_id() {
                return s;
            }
            s = self.at(s.to);
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use crate::rotation::{Origin, Override, Rotation};
    use tcli_roster::Person;

    /// A person of a one-entry roster.
    pub(super) fn person(id: &str) -> Person {
        tcli_roster::Roster::from_settings(
            &tcli_plugin_sdk::serde_json::json!({"people": {id: {}}}),
        )
        .unwrap()
        .people
        .remove(0)
    }

    const H: i64 = 3600;

    fn rotation(overrides: &[(&str, i64, i64)]) -> Rotation {
        Rotation {
            name: "primary".into(),
            origin: Origin {
                team: None,
                path: "tcli.toml".into(),
            },
            people: vec![person("ana"), person("bo"), person("cy")],
            people_rosters: vec!["tcli.toml".into(); 3],
            start: 1000 * H,
            every: 24 * H,
            overrides: overrides
                .iter()
                .map(|&(id, from, to)| Override {
                    person: person(id),
                    roster: "tcli.toml".into(),
                    from,
                    to,
                    reason: None,
                })
                .collect(),
        }
    }

    fn who(r: &Rotation, t: i64) -> Option<String> {
        r.at(t).person.map(|p| p.id.clone())
    }

    #[test]
    fn shifts_hand_off_on_the_second() {
        let r = rotation(&[]);
        let s = r.start;
        assert_eq!(who(&r, s - 1), None);
        assert_eq!(r.at(s - 1).to, s);
        assert_eq!(who(&r, s).as_deref(), Some("ana"));
        assert_eq!(who(&r, s + 24 * H - 1).as_deref(), Some("ana"));
        assert_eq!(who(&r, s + 24 * H).as_deref(), Some("bo"));
        assert_eq!(who(&r, s + 72 * H).as_deref(), Some("ana"));
        let seg = r.at(s + 30 * H);
        assert_eq!((seg.from, seg.to), (Some(s + 24 * H), s + 48 * H));
    }

    #[test]
    fn overrides_split_shifts_and_span_handoffs() {
        let s = 1000 * H;
        // Inside ana's shift, and across the bo -> cy handoff.
        let r = rotation(&[
            ("cy", s + 2 * H, s + 4 * H),
            ("ana", s + 40 * H, s + 50 * H),
        ]);
        let spans: Vec<_> = r
            .segments(s, s + 72 * H)
            .iter()
            .map(|g| (g.person.unwrap().id.clone(), g.from.unwrap() - s, g.to - s))
            .collect();
        let want = [
            ("ana", 0, 2 * H),
            ("cy", 2 * H, 4 * H),
            ("ana", 4 * H, 24 * H),
            ("bo", 24 * H, 40 * H),
            ("ana", 40 * H, 50 * H),
            ("cy", 50 * H, 72 * H),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(p, a, b)| (p.to_string(), *a, *b))
            .collect();
        assert_eq!(spans, want);
        assert_eq!(r.next(s + 30 * H).person.unwrap().id, "ana");
        assert_eq!(r.next(s + 41 * H).person.unwrap().id, "cy");
    }

    #[test]
    fn an_override_before_the_start_counts() {
        let s = 1000 * H;
        let r = rotation(&[("bo", s - 10 * H, s - 5 * H)]);
        assert_eq!(who(&r, s - 7 * H).as_deref(), Some("bo"));
        let after = r.at(s - 2 * H);
        assert_eq!(
            (after.person.is_none(), after.from, after.to),
            (true, Some(s - 5 * H), s)
        );
        assert_eq!(r.next(s - 100 * H).person.unwrap().id, "bo");
    }
}

#[cfg(test)]
mod props {
    //! Shift arithmetic as equations over generated rotations and instants (docs/fuzzing.md).
    use super::tests::person;
    use crate::rotation::{Origin, Override, Rotation};
    use proptest::prelude::*;

    fn rotation(people: usize, start: i64, every: i64, cuts: &[(i64, i64)]) -> Rotation {
        let ids = ["ana", "bo", "cy", "di"];
        // Disjoint overrides from sorted, non-overlapping (offset, length) pairs.
        let mut at = start - 10 * every;
        let mut overrides = Vec::new();
        for (i, &(gap, len)) in cuts.iter().enumerate() {
            let from = at + gap;
            overrides.push(Override {
                person: person(ids[i % ids.len()]),
                roster: "tcli.toml".into(),
                from,
                to: from + len,
                reason: None,
            });
            at = from + len;
        }
        Rotation {
            name: "r".into(),
            origin: Origin {
                team: None,
                path: "tcli.toml".into(),
            },
            people: ids[..people].iter().map(|id| person(id)).collect(),
            people_rosters: vec!["tcli.toml".into(); people],
            start,
            every,
            overrides,
        }
    }

    proptest! {
        #[test]
        fn the_stretch_at_t_holds_t_and_the_next_begins_where_it_ends(
            people in 1usize..4,
            start in -1_000_000_000i64..1_000_000_000,
            every in 1i64..1_000_000,
            cuts in proptest::collection::vec((0i64..2_000_000, 1i64..2_000_000), 0..6),
            dt in -20_000_000i64..20_000_000,
        ) {
            let r = rotation(people, start, every, &cuts);
            let t = start + dt;
            let s = r.at(t);
            prop_assert!(s.from.is_none_or(|f| f <= t) && t < s.to);
            let next = r.at(s.to);
            prop_assert_eq!(next.from, Some(s.to), "no gap and no overlap at a boundary");
            // Without an override, shift k belongs to people[k mod n] and starts at start+k*every.
            if let crate::shifts::Source::Rotation(k) = s.source {
                let owner = &r.people[k.rem_euclid(people as i64) as usize];
                if !r.overrides.iter().any(|o| o.from <= t && t < o.to) {
                    prop_assert_eq!(s.person.map(|p| p.id.as_str()), Some(owner.id.as_str()));
                    prop_assert!(start + k * every <= t && t < start + (k + 1) * every);
                }
            }
        }
    }
}
