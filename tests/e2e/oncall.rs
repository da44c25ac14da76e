//! `tcli oncall ...` end to end: the bundled oncall module built by cargo from the workspace,
//! loaded by the real tcli, reading rotations from a real settings file (and a real team repo
//! for the errors that name a team). Times are pinned with `--at`/`--from`; the local zone is a
//! POSIX TZ rule with daylight saving (Central Europe), so no zone database is needed.

use crate::support::{Run, TestEnv};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Central European time with its daylight-saving rule: +01:00, +02:00 from the last Sunday
/// of March 02:00 to the last Sunday of October 03:00.
const CET: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

/// An env with the module installed (`TCLI_PLUGIN_PATH`), `TZ` set, and `settings` as the
/// user's tcli.toml.
fn env(settings: &str) -> TestEnv {
    let mut env = TestEnv::with_bundled("oncall");
    env.var("TZ", CET);
    std::fs::write(env.config_dir().join("tcli.toml"), settings).unwrap();
    env
}

const PEOPLE: &str = r#"
[people.ana]
name = "Ana Lima"
email = "ana@example.com"
chat = "@ana"

[people.bo]
name = "Bo Chen"
email = ["bo@example.com", "bo@home.example"]

[people.cy]
chat = "@cy"
"#;

/// Weekly from Monday 2026-03-02 09:00 CET: ana, bo, cy, ana, bo (the 30 March handoff falls
/// after the switch to summer time). Overrides: cy inside ana's first shift; ana across the
/// bo -> cy handoff of 16 March.
const PRIMARY: &str = r#"
[oncall.primary]
people = ["ana", "bo", "cy"]
start = 2026-03-02T09:00:00+01:00
every = "1w"

[[oncall.primary.override]]
person = "cy"
from = 2026-03-04T12:00:00+01:00
to = 2026-03-05T12:00:00+01:00
reason = "ana at the dentist"

[[oncall.primary.override]]
person = "ana"
from = "2026-03-15T21:00:00+01:00"
to = "2026-03-16T21:00:00+01:00"
"#;

fn primary() -> TestEnv {
    env(&format!("{PEOPLE}{PRIMARY}"))
}

/// `tcli oncall now --at <at> --json`, the one rotation's entry.
fn now(env: &TestEnv, at: &str) -> Value {
    let v = env
        .run(["oncall", "now", "primary", "--at", at, "--json"])
        .success()
        .json();
    v["rotations"][0].clone()
}

fn who(env: &TestEnv, at: &str) -> Value {
    now(env, at)["person"]["id"].clone()
}

#[test]
fn oncall_now_at_shift_boundaries() {
    let env = primary();
    // One second before the start: nobody, said plainly, exit 0.
    let before = now(&env, "2026-03-02T07:59:59Z");
    assert_eq!(
        before,
        json!({
            "rotation": "primary", "team": null,
            "file": env.config_dir().join("tcli.toml").display().to_string(),
            "person": null, "from": null, "to": "2026-03-02T08:00:00Z",
            "source": "before-start", "reason": null,
        })
    );
    env.run(["oncall", "now", "--at", "2026-03-02T07:59:59Z"])
        .success()
        .stdout_has("nobody")
        .stdout_has("nobody is on call: the rotation starts Mon 2026-03-02 09:00 CET");
    // Exactly at the start, and a second either side of the first handoff.
    assert_eq!(
        now(&env, "2026-03-02T08:00:00Z"),
        json!({
            "rotation": "primary", "team": null,
            "file": env.config_dir().join("tcli.toml").display().to_string(),
            "person": {"id": "ana", "name": "Ana Lima", "chat": "@ana", "email": ["ana@example.com"]},
            "from": "2026-03-02T08:00:00Z", "to": "2026-03-04T11:00:00Z",
            "source": "rotation", "reason": null,
        })
    );
    assert_eq!(who(&env, "2026-03-09T07:59:59Z"), "ana");
    assert_eq!(who(&env, "2026-03-09T08:00:00Z"), "bo");
    assert_eq!(who(&env, "2026-03-09T08:00:01Z"), "bo");
    // A local time without an offset is read in TZ.
    assert_eq!(who(&env, "2026-03-09 08:59:59"), "ana");
    assert_eq!(who(&env, "2026-03-09 09:00"), "bo");
    let v = env
        .run(["oncall", "now", "--at", "2026-03-09 09:00", "--json"])
        .success()
        .json();
    assert_eq!(v["at"], "2026-03-09T08:00:00Z");
}

#[test]
fn oncall_now_override_inside_a_shift_and_across_a_handoff() {
    let env = primary();
    // Inside ana's shift: cy, with the reason; before and after it, ana again.
    assert_eq!(who(&env, "2026-03-04T10:59:59Z"), "ana");
    let o = now(&env, "2026-03-04T11:00:00Z");
    assert_eq!(o["person"]["id"], "cy");
    assert_eq!(o["source"], "override");
    assert_eq!(o["reason"], "ana at the dentist");
    assert_eq!(
        (&o["from"], &o["to"]),
        (
            &json!("2026-03-04T11:00:00Z"),
            &json!("2026-03-05T11:00:00Z")
        )
    );
    let after = now(&env, "2026-03-05T11:00:00Z");
    assert_eq!(after["person"]["id"], "ana");
    assert_eq!(
        (&after["from"], &after["to"]),
        (
            &json!("2026-03-05T11:00:00Z"),
            &json!("2026-03-09T08:00:00Z")
        )
    );
    // Across the bo -> cy handoff of 16 March 09:00: ana on both sides of it.
    assert_eq!(who(&env, "2026-03-15T19:59:59Z"), "bo");
    assert_eq!(who(&env, "2026-03-16T07:59:59Z"), "ana");
    assert_eq!(who(&env, "2026-03-16T08:00:00Z"), "ana");
    assert_eq!(who(&env, "2026-03-16T20:00:00Z"), "cy");
    env.run(["oncall", "now", "--at", "2026-03-04 12:00"])
        .success()
        .stdout_has("cy")
        .stdout_has("override: ana at the dentist");
}

#[test]
fn oncall_schedule_splits_shifts_where_overrides_cut_them() {
    let env = primary();
    let v = env
        .run([
            "oncall",
            "schedule",
            "--from",
            "2026-03-02T08:00:00Z",
            "--weeks",
            "3",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(v["from"], "2026-03-02T08:00:00Z");
    assert_eq!(v["to"], "2026-03-23T08:00:00Z");
    let got: Vec<(String, String, String, String)> = v["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["person"]["id"].as_str().unwrap().to_string(),
                s["from"].as_str().unwrap().to_string(),
                s["to"].as_str().unwrap().to_string(),
                s["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        (
            "ana",
            "2026-03-02T08:00:00Z",
            "2026-03-04T11:00:00Z",
            "rotation",
        ),
        (
            "cy",
            "2026-03-04T11:00:00Z",
            "2026-03-05T11:00:00Z",
            "override",
        ),
        (
            "ana",
            "2026-03-05T11:00:00Z",
            "2026-03-09T08:00:00Z",
            "rotation",
        ),
        (
            "bo",
            "2026-03-09T08:00:00Z",
            "2026-03-15T20:00:00Z",
            "rotation",
        ),
        (
            "ana",
            "2026-03-15T20:00:00Z",
            "2026-03-16T20:00:00Z",
            "override",
        ),
        (
            "cy",
            "2026-03-16T20:00:00Z",
            "2026-03-23T08:00:00Z",
            "rotation",
        ),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want);
    // The table, in the local zone.
    let r = env.run(["oncall", "schedule", "--from", "2026-03-02", "--weeks", "1"]);
    r.success()
        .stdout_has("ROTATION  ON CALL         FROM")
        .stdout_has("primary   ana (Ana Lima)  Mon 2026-03-02 09:00 CET  Wed 2026-03-04 12:00 CET")
        .stdout_has("primary   cy              Wed 2026-03-04 12:00 CET  Thu 2026-03-05 12:00 CET  override: ana at the dentist");
}

#[test]
fn oncall_schedule_handoff_across_the_daylight_saving_change() {
    // `every` is absolute time: the 30 March handoff is 168 hours after the 23 March one,
    // 09:00 CET = 08:00 UTC, which the local clock (now CEST) shows as 10:00.
    let env = primary();
    assert_eq!(who(&env, "2026-03-30T07:59:59Z"), "ana");
    assert_eq!(who(&env, "2026-03-30T08:00:00Z"), "bo");
    assert_eq!(who(&env, "2026-03-30 09:59:59"), "ana");
    assert_eq!(who(&env, "2026-03-30 10:00"), "bo");
    env.run(["oncall", "now", "--at", "2026-03-31 12:00"])
        .success()
        .stdout_has("bo (Bo Chen)  Mon 2026-03-30 10:00 CEST  Mon 2026-04-06 10:00 CEST");

    // A zone by name reads the same, from the zone database bundled in the module when the
    // system has none (an empty TZDIR); a TZ that names nothing is said, and UTC shown.
    let mut named = primary();
    let no_zoneinfo = named.path("no-zoneinfo").display().to_string();
    named.var("TZ", "Europe/Berlin").var("TZDIR", no_zoneinfo);
    named
        .run(["oncall", "now", "--at", "2026-03-31 12:00"])
        .success()
        .stdout_has("bo (Bo Chen)  Mon 2026-03-30 10:00 CEST  Mon 2026-04-06 10:00 CEST");
    let mut nowhere = primary();
    nowhere.var("TZ", "Nowhere/Land");
    nowhere
        .run(["oncall", "now", "--at", "2026-03-31T12:00:00Z"])
        .success()
        .stdout_has("Mon 2026-03-30 08:00 UTC")
        .stderr_has("warning: cannot use the time zone in TZ");

    // A daily rotation across the night the clocks go forward: each handoff 24 hours after
    // the last, whatever the wall clock says.
    let env = crate::oncall::env(&format!(
        "{PEOPLE}[oncall.daily]\npeople = [\"ana\", \"bo\"]\nstart = \"2026-03-27T09:00:00+01:00\"\nevery = \"1d\"\n"
    ));
    let v = env
        .run([
            "oncall",
            "schedule",
            "daily",
            "--from",
            "2026-03-28 09:00",
            "--weeks",
            "1",
            "--json",
        ])
        .success()
        .json();
    let shifts = v["shifts"].as_array().unwrap();
    assert_eq!(shifts[0]["from"], "2026-03-28T08:00:00Z");
    assert_eq!(shifts[1]["from"], "2026-03-29T08:00:00Z");
    assert_eq!(shifts[1]["person"]["id"], "ana");
    assert_eq!(shifts[2]["from"], "2026-03-30T08:00:00Z");
    env.run([
        "oncall",
        "schedule",
        "daily",
        "--from",
        "2026-03-28 09:00",
        "--weeks",
        "1",
    ])
    .success()
    .stdout_has("Sat 2026-03-28 09:00 CET   Sun 2026-03-29 10:00 CEST");
}

#[test]
fn oncall_next_and_when() {
    let env = primary();
    let v = env
        .run(["oncall", "next", "--at", "2026-03-02T09:00:00Z", "--json"])
        .success()
        .json();
    assert_eq!(v["rotations"][0]["person"]["id"], "cy");
    assert_eq!(v["rotations"][0]["from"], "2026-03-04T11:00:00Z");
    // Before the start, the next is the first shift.
    let v = env
        .run(["oncall", "next", "primary", "--at", "2026-01-01", "--json"])
        .success()
        .json();
    assert_eq!(v["rotations"][0]["person"]["id"], "ana");
    assert_eq!(v["rotations"][0]["from"], "2026-03-02T08:00:00Z");
    env.run(["oncall", "next", "--at", "2026-03-10"])
        .success()
        .stdout_has("ROTATION  NEXT")
        .stdout_has("ana (Ana Lima)  Sun 2026-03-15 21:00 CET");

    let v = env
        .run([
            "oncall",
            "when",
            "cy",
            "--at",
            "2026-03-02",
            "--weeks",
            "4",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(v["person"]["id"], "cy");
    let froms: Vec<&str> = v["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["from"].as_str().unwrap())
        .collect();
    assert_eq!(froms, ["2026-03-04T11:00:00Z", "2026-03-16T20:00:00Z"]);

    // `me` is whoever git says the user is, matched on any of their emails.
    std::fs::write(
        env.path("home/.gitconfig"),
        "[user]\n\temail = BO@home.example\n",
    )
    .unwrap();
    let v = env
        .run([
            "oncall",
            "when",
            "me",
            "--at",
            "2026-03-02",
            "--weeks",
            "2",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(v["person"]["id"], "bo");
    assert_eq!(v["shifts"][0]["from"], "2026-03-09T08:00:00Z");

    insta::assert_snapshot!(env.run(["oncall", "when", "zed"]), @r"
        ------- stderr -------
        error: no person 'zed' in the roster
        hint: people are the [people.<id>] tables of the team's tcli.toml
        [exit status: 2]
        ");
    env.run([
        "oncall",
        "when",
        "ana",
        "--at",
        "2027-01-01",
        "--weeks",
        "1",
    ])
    .success()
    .stderr_has("ana (Ana Lima) has no shifts in the 1 weeks from");
}

/// The content lines of an iCalendar text: CRLF-ended, folded lines joined again.
fn ics_lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"), "lines end with CRLF");
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(raw.len() <= 75, "a line longer than 75 octets: {raw:?}");
        assert!(!raw.contains('\n'), "a bare LF in {raw:?}");
        match raw.strip_prefix(' ') {
            Some(rest) => lines
                .last_mut()
                .expect("a fold after a line")
                .push_str(rest),
            None => lines.push(raw.to_string()),
        }
    }
    lines
}

/// The events of a calendar, each as its properties (name -> value), checking the nesting.
fn ics_events(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let lines = ics_lines(text);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.contains(&"VERSION:2.0".to_string()));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let mut events = Vec::new();
    let mut current: Option<std::collections::BTreeMap<String, String>> = None;
    for l in &lines[1..lines.len() - 1] {
        let (name, value) = l.split_once(':').expect("NAME:value");
        match (name, current.as_mut()) {
            ("BEGIN", None) if value == "VEVENT" => current = Some(Default::default()),
            ("END", Some(_)) if value == "VEVENT" => events.push(current.take().unwrap()),
            (_, Some(ev)) => {
                assert!(
                    ev.insert(name.to_string(), value.to_string()).is_none(),
                    "{name} twice"
                );
            }
            _ => {}
        }
    }
    assert!(current.is_none(), "an unclosed VEVENT");
    events
}

#[test]
fn oncall_export_ics_parses_back() {
    let env = primary();
    let r = env.run([
        "oncall",
        "export",
        "ics",
        "primary",
        "--from",
        "2026-03-02T08:00:00Z",
        "--weeks",
        "3",
    ]);
    r.success();
    let events = ics_events(&r.stdout);
    assert_eq!(events.len(), 6, "{}", r.stdout);
    let e = &events[1];
    assert_eq!(e["DTSTART"], "20260304T110000Z");
    assert_eq!(e["DTEND"], "20260305T110000Z");
    assert_eq!(e["SUMMARY"], "On call (primary): cy");
    assert!(
        e["DESCRIPTION"].contains("Override: ana at the dentist."),
        "{e:?}"
    );
    assert_eq!(events[0]["SUMMARY"], "On call (primary): Ana Lima");
    for e in &events {
        for key in ["UID", "DTSTAMP", "DTSTART", "DTEND"] {
            assert!(e.contains_key(key), "{key} missing in {e:?}");
        }
    }
    let uids: std::collections::HashSet<&String> = events.iter().map(|e| &e["UID"]).collect();
    assert_eq!(uids.len(), events.len(), "UIDs are unique");
    // The same export again gives the same UIDs, so a re-import updates instead of copying.
    let again = env.run([
        "oncall",
        "export",
        "ics",
        "--from",
        "2026-03-02T08:00:00Z",
        "--weeks",
        "3",
    ]);
    let again = ics_events(&again.stdout);
    assert_eq!(again[0]["UID"], events[0]["UID"]);
}

/// `tcli <words>` with `settings` as the user's tcli.toml.
fn refused(settings: &str, words: &[&str]) -> Run {
    env(settings).run(words)
}

#[test]
fn oncall_now_refuses_bad_definitions_naming_rotation_and_file() {
    let base = "[oncall.primary]\npeople = [\"ana\", \"bo\"]\nstart = 2026-03-02T09:00:00+01:00\n";
    insta::assert_snapshot!(refused(
        &format!("{PEOPLE}{base}every = \"0w\"\n"),
        &["oncall", "now"]
    ), @r"
        ------- stderr -------
        error: rotation 'primary' in your settings ($ROOT/config/tcli.toml): every '0w' is zero; a shift must last some time
        hint: fix [oncall.primary] in $ROOT/config/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
    insta::assert_snapshot!(refused(
        &format!("{PEOPLE}[oncall.primary]\npeople = [\"ana\", \"zed\"]\nstart = 2026-03-02T09:00:00Z\nevery = \"1w\"\n"),
        &["oncall", "now", "primary"]
    ), @r"
        ------- stderr -------
        error: rotation 'primary' in your settings ($ROOT/config/tcli.toml): oncall.primary.people: 'zed' is not in the roster ([people.zed])
        hint: fix [oncall.primary] in $ROOT/config/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
    insta::assert_snapshot!(refused(
        &format!("{PEOPLE}{base}every = \"1w\"\n[[oncall.primary.override]]\nperson = \"bo\"\nfrom = 2026-03-05T00:00:00Z\nto = 2026-03-04T00:00:00Z\n"),
        &["oncall", "schedule"]
    ), @r"
        ------- stderr -------
        error: rotation 'primary' in your settings ($ROOT/config/tcli.toml): override[0]: to (2026-03-04T00:00:00Z) is not after from (2026-03-05T00:00:00Z)
        hint: fix [oncall.primary] in $ROOT/config/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
    insta::assert_snapshot!(refused(
        &format!("{PEOPLE}{base}every = \"1w\"\n[[oncall.primary.override]]\nperson = \"bo\"\nfrom = 2026-03-05T00:00:00Z\nto = 2026-03-07T00:00:00Z\n[[oncall.primary.override]]\nperson = \"ana\"\nfrom = 2026-03-06T00:00:00Z\nto = 2026-03-08T00:00:00Z\n"),
        &["oncall", "when", "ana"]
    ), @r"
        ------- stderr -------
        error: rotation 'primary' in your settings ($ROOT/config/tcli.toml): override[0] (2026-03-05T00:00:00Z to 2026-03-07T00:00:00Z) and override[1] (2026-03-06T00:00:00Z to 2026-03-08T00:00:00Z) overlap; who is on call then?
        hint: fix [oncall.primary] in $ROOT/config/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
    insta::assert_snapshot!(refused(
        &format!("{PEOPLE}[oncall.primary]\npeople = [\"ana\"]\nstart = \"2026-03-02T09:00:00\"\nevery = \"1w\"\n"),
        &["oncall", "export", "ics"]
    ), @r"
        ------- stderr -------
        error: rotation 'primary' in your settings ($ROOT/config/tcli.toml): oncall.primary: start '2026-03-02T09:00:00' is not an RFC 3339 time with an offset (it has no offset; add Z or one such as +01:00)
        hint: fix [oncall.primary] in $ROOT/config/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
    insta::assert_snapshot!(refused(
        &format!("{PEOPLE}{base}every = \"1 week\"\n"),
        &["oncall", "next"]
    ), @r"
        ------- stderr -------
        error: rotation 'primary' in your settings ($ROOT/config/tcli.toml): every '1 week' is not a duration; write Nh, Nd or Nw (12h, 1d, 2w)
        hint: fix [oncall.primary] in $ROOT/config/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
}

#[test]
fn oncall_now_unknown_rotation_bad_time_and_no_rotations() {
    let env = primary();
    insta::assert_snapshot!(env.run(["oncall", "now", "secondary"]), @r"
        ------- stderr -------
        error: no rotation named 'secondary'
        hint: the rotations are: primary
        [exit status: 2]
        ");
    insta::assert_snapshot!(env.run(["oncall", "now", "--at", "yesterday"]), @r"
        ------- stderr -------
        error: --at 'yesterday' is not a time
        hint: write RFC 3339 (2026-03-02T09:00:00Z), a local time (2026-03-02 09:00) or a date (2026-03-02)
        [exit status: 2]
        ");
    let env = crate::oncall::env(PEOPLE);
    insta::assert_snapshot!(env.run(["oncall", "now"]), @r"
        ------- stderr -------
        no rotation is defined; add [oncall.<name>] to a team's tcli.toml (docs/oncall.md)
        ");
    let v = env.run(["oncall", "now", "--json"]).success().json();
    assert_eq!(v["rotations"], json!([]));
}

#[test]
fn oncall_now_rotation_of_a_team_uses_its_roster_and_names_the_team() {
    let env = env("");
    let git = env.git();
    let repo = env.path("acme");
    std::fs::create_dir_all(&repo).unwrap();
    git.run(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("tcli.toml"),
        format!("{PEOPLE}{PRIMARY}[oncall.broken]\npeople = [\"ana\"]\nstart = 2026-03-02T09:00:00Z\nevery = \"1x\"\n"),
    )
    .unwrap();
    git.run(&repo, &["add", "tcli.toml"]);
    git.run(&repo, &["commit", "-q", "-m", "rotations"]);
    env.run(["team", "add", repo.to_str().unwrap(), "--name", "acme"])
        .success();
    let v = env
        .run(["oncall", "now", "primary", "--at", "2026-03-10", "--json"])
        .success()
        .json();
    assert_eq!(v["rotations"][0]["team"], "acme");
    assert_eq!(v["rotations"][0]["person"]["id"], "bo");
    let file = env.data_dir().join("teams/acme/tcli.toml");
    assert_eq!(v["rotations"][0]["file"], file.display().to_string());
    // One broken rotation does not hide the others when asked by name; asked for all, it
    // is named with its team and file.
    insta::assert_snapshot!(env.run(["oncall", "now"]), @r"
        ------- stderr -------
        error: rotation 'broken' in team 'acme' ($ROOT/data/teams/acme/tcli.toml): every '1x' is not a duration; write Nh, Nd or Nw (12h, 1d, 2w)
        hint: fix [oncall.broken] in $ROOT/data/teams/acme/tcli.toml (docs/oncall.md)
        [exit status: 2]
        ");
}

/// A team repo `acme` with `toml` as its tcli.toml, added to `env`; its settings file.
fn add_team(env: &TestEnv, name: &str, toml: &str) -> PathBuf {
    let git = env.git();
    let repo = env.path(name);
    std::fs::create_dir_all(&repo).unwrap();
    git.run(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("tcli.toml"), toml).unwrap();
    git.run(&repo, &["add", "tcli.toml"]);
    git.run(&repo, &["commit", "-q", "-m", "settings"]);
    env.run(["team", "add", repo.to_str().unwrap(), "--name", name])
        .success();
    env.data_dir().join(format!("teams/{name}/tcli.toml"))
}

#[test]
fn oncall_now_broken_roster_is_named_as_people_in_its_own_file() {
    let broken = PEOPLE.replace(
        "email = [\"bo@example.com\", \"bo@home.example\"]",
        "email = 3",
    );
    // The rotation in the user's file, the broken roster in the team's: both files named,
    // the fix pointed at the roster's.
    let env = env(PRIMARY);
    add_team(&env, "acme", &broken);
    insta::assert_snapshot!(env.run(["oncall", "now", "--at", "2026-03-10"]), @r"
        ------- stderr -------
        error: [people] in team 'acme' ($ROOT/data/teams/acme/tcli.toml): people.bo.email must be a string or a list of strings (rotation 'primary' in your settings ($ROOT/config/tcli.toml) names people from it)
        hint: fix [people] in $ROOT/data/teams/acme/tcli.toml
        [exit status: 2]
        ");

    // Both in one file; and `when`, which reads every roster for no rotation.
    let env = crate::oncall::env(&format!("{broken}{PRIMARY}"));
    insta::assert_snapshot!(env.run(["oncall", "now"]), @r"
        ------- stderr -------
        error: [people] in your settings ($ROOT/config/tcli.toml): people.bo.email must be a string or a list of strings (rotation 'primary' names people from it)
        hint: fix [people] in $ROOT/config/tcli.toml
        [exit status: 2]
        ");
    insta::assert_snapshot!(env.run(["oncall", "when", "ana"]), @r"
        ------- stderr -------
        error: [people] in your settings ($ROOT/config/tcli.toml): people.bo.email must be a string or a list of strings
        hint: fix [people] in $ROOT/config/tcli.toml
        [exit status: 2]
        ");
}

#[test]
fn oncall_export_ics_with_no_shifts_writes_no_calendar() {
    // The rotation starts after the window: nothing to put in the calendar, and a VCALENDAR
    // without a component is not valid RFC 5545.
    let env = primary();
    insta::assert_snapshot!(env.run([
        "oncall",
        "export",
        "ics",
        "primary",
        "--from",
        "2025-01-06",
        "--weeks",
        "2",
    ]), @r"
        ------- stderr -------
        nobody is on call in the 2 weeks from Mon 2025-01-06 00:00 CET; no calendar written
        ");
}

#[test]
fn oncall_schedule_times_at_the_end_of_the_calendar_are_clamped_or_refused() {
    // A shift of 100 weeks from the start of 9999 would end in 10000, which cannot be written:
    // it is shown ending at the last time that can.
    let env = env(&format!(
        "{PEOPLE}[oncall.primary]\npeople = [\"ana\"]\nstart = 9999-01-01T00:00:00Z\nevery = \"100w\"\n"
    ));
    let r = env.run([
        "oncall",
        "export",
        "ics",
        "--from",
        "9999-06-01T00:00:00Z",
        "--weeks",
        "4",
    ]);
    r.success();
    let events = ics_events(&r.stdout);
    assert_eq!(events.len(), 1, "{}", r.stdout);
    assert_eq!(events[0]["DTSTART"], "99990101T000000Z");
    assert_eq!(events[0]["DTEND"], "99991230T220000Z");
    assert!(!r.stdout.contains("DTEND:\r\n"), "{}", r.stdout);
    let v = env
        .run([
            "oncall",
            "schedule",
            "--from",
            "9999-06-01T00:00:00Z",
            "--weeks",
            "4",
            "--json",
        ])
        .success()
        .json();
    assert_eq!(v["shifts"][0]["to"], "9999-12-30T22:00:00Z");
    // A window reaching past it is refused, naming the flags to change.
    for words in [
        &[
            "oncall",
            "export",
            "ics",
            "--from",
            "9999-12-01T00:00:00Z",
            "--weeks",
            "8",
        ][..],
        &[
            "oncall",
            "schedule",
            "--from",
            "9999-12-01T00:00:00Z",
            "--weeks",
            "8",
        ],
        &[
            "oncall",
            "when",
            "ana",
            "--at",
            "9999-12-01T00:00:00Z",
            "--weeks",
            "8",
        ],
    ] {
        let r = env.run(words);
        r.code(2)
            .stderr_has("error: 8 weeks from Wed 9999-12-01 01:00 CET")
            .stderr_has("run past 9999-12-30T22:00:00Z, the last time tcli can show")
            .stderr_has("or fewer --weeks");
        assert_eq!(r.stdout, "");
    }
}

#[test]
fn oncall_when_matches_a_person_of_one_roster_not_a_namesake_of_another() {
    let rotation = |name: &str| {
        format!("[oncall.{name}]\npeople = [\"ana\"]\nstart = 2026-03-02T09:00:00+01:00\nevery = \"1w\"\n")
    };
    let rotations = |v: &Value| -> Vec<String> {
        v["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["rotation"].as_str().unwrap().to_string())
            .collect()
    };
    for (beta_email, both) in [("ana@beta.example", false), ("ANA@example.com", true)] {
        let env = env("");
        add_team(&env, "acme", &format!("{PEOPLE}{}", rotation("primary")));
        add_team(
            &env,
            "beta",
            &format!(
                "[people.ana]\nname = \"Ana Other\"\nemail = \"{beta_email}\"\n{}",
                rotation("backup")
            ),
        );
        // `ana` is acme's (the first team in `tcli team list`); beta's ana is someone else
        // unless she shares an email with her.
        let v = env
            .run([
                "oncall",
                "when",
                "ana",
                "--at",
                "2026-03-02T09:00:00+01:00",
                "--weeks",
                "1",
                "--json",
            ])
            .success()
            .json();
        assert_eq!(v["person"]["name"], "Ana Lima");
        let want: &[&str] = if both {
            &["backup", "primary"]
        } else {
            &["primary"]
        };
        let mut got = rotations(&v);
        got.sort();
        assert_eq!(got, want, "beta's ana with {beta_email}");
    }
}
