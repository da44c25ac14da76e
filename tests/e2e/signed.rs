//! Signed teams end to end (docs/team-repos.md, "Signed teams"): real keys made by
//! `ssh-keygen` (ed25519, RSA 3072, ECDSA P-256), commits signed by git itself
//! (`git -c gpg.format=ssh -c user.signingkey=<key> commit -S`) or forged with `git
//! hash-object` where a test needs a bad signature, pushed to a local bare repo, and the real
//! `tcli` with its git helper. A refusal must name the commit, its author and the reason, and
//! change nothing: not the checkout, not the registry.

use crate::support::TestEnv;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A person's key pair, made by ssh-keygen.
pub(crate) struct Key {
    /// The private key file (git's `user.signingkey`).
    pub(crate) path: PathBuf,
    /// The `.pub` line.
    pub(crate) public: String,
    /// `SHA256:...` as `ssh-keygen -lf` prints it.
    pub(crate) fingerprint: String,
}

/// Keys for every run, made once and kept in the fixtures' target dir beside the helpers:
/// RSA 3072 takes a while to make, and every test needs the same kinds.
pub(crate) struct Keys {
    pub(crate) ana: Key,
    pub(crate) bo: Key,
    pub(crate) cy: Key,
    pub(crate) dan: Key,
    pub(crate) mal: Key,
    /// ECDSA P-384: a key ssh-keygen makes and tcli cannot verify.
    eve: Key,
}

const KINDS: &[(&str, &[&str])] = &[
    ("ana", &["-t", "ed25519"]),
    ("bo", &["-t", "rsa", "-b", "3072"]),
    ("cy", &["-t", "ecdsa", "-b", "256"]),
    ("dan", &["-t", "ed25519"]),
    ("mal", &["-t", "ed25519"]),
    ("eve", &["-t", "ecdsa", "-b", "384"]),
];

pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = crate::support::target_dir().join("signed-keys");
        if !KINDS.iter().all(|(n, _)| dir.join(n).exists()) {
            // Made aside and renamed into place, so a concurrent run never sees half a set.
            std::fs::create_dir_all(crate::support::target_dir()).unwrap();
            let tmp = tempfile::Builder::new()
                .prefix(".signed-keys-")
                .tempdir_in(crate::support::target_dir())
                .unwrap();
            for (name, args) in KINDS {
                let out = Command::new("ssh-keygen")
                    .args(*args)
                    .args(["-q", "-N", "", "-C", &format!("{name}@test"), "-f"])
                    .arg(tmp.path().join(name))
                    .stdin(Stdio::null())
                    .output()
                    .expect("run ssh-keygen (package openssh-client)");
                assert!(out.status.success(), "ssh-keygen: {out:?}");
            }
            // A set from an older KINDS is replaced whole.
            let _ = std::fs::remove_dir_all(&dir);
            if std::fs::rename(tmp.path(), &dir).is_ok() {
                let _ = tmp.keep();
            }
        }
        let key = |name: &str| {
            let path = dir.join(name);
            let public = std::fs::read_to_string(path.with_extension("pub"))
                .unwrap()
                .trim()
                .to_string();
            let lf = Command::new("ssh-keygen")
                .arg("-lf")
                .arg(path.with_extension("pub"))
                .output()
                .unwrap();
            let fingerprint = String::from_utf8_lossy(&lf.stdout)
                .split_whitespace()
                .nth(1)
                .unwrap()
                .to_string();
            Key {
                path,
                public,
                fingerprint,
            }
        };
        Keys {
            ana: key("ana"),
            bo: key("bo"),
            cy: key("cy"),
            dan: key("dan"),
            mal: key("mal"),
            eve: key("eve"),
        }
    })
}

/// Runs git in `dir` as `who` (author and committer), signing with `key` when given.
fn git_as(env: &TestEnv, dir: &Path, who: &str, key: Option<&Key>, args: &[&str]) -> String {
    let git = env.git().as_person(who);
    match key {
        Some(k) => git.signing_with(&k.path).run(dir, args),
        None => git.run(dir, args),
    }
}

/// A signed team: a bare remote and a teammate's clone.
pub(crate) struct Team {
    pub(crate) bare: PathBuf,
    pub(crate) work: PathBuf,
}

/// One `[people.<id>]` entry: the id and its keys.
pub(crate) type Person<'a> = (&'a str, &'a [&'a Key]);

pub(crate) fn roster_toml(people: &[Person], require: bool) -> String {
    let mut s = format!("[trust]\nrequire-signed = {require}\n");
    for (id, ks) in people {
        let lines: Vec<String> = ks.iter().map(|k| format!("{:?}", k.public)).collect();
        s.push_str(&format!(
            "\n[people.{id}]\nname = \"{id}\"\nemail = [\"{id}@example.com\"]\nkeys = [{}]\n",
            lines.join(", ")
        ));
    }
    s
}

impl Team {
    /// A remote whose first commit, signed by ana, holds ana (ed25519), bo (RSA) and cy
    /// (ECDSA) and `require-signed = true`.
    pub(crate) fn new(env: &TestEnv) -> Team {
        let k = keys();
        let t = Team::empty(env);
        t.write(
            "tcli.toml",
            &roster_toml(
                &[("ana", &[&k.ana]), ("bo", &[&k.bo]), ("cy", &[&k.cy])],
                true,
            ),
        );
        t.commit(env, "ana", Some(&k.ana), "the roster");
        t
    }

    fn empty(env: &TestEnv) -> Team {
        let bare = env.path("remotes/acme.git");
        let work = env.path("teammate/acme");
        std::fs::create_dir_all(&bare).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        env.git()
            .run(&bare, &["init", "-q", "--bare", "-b", "main"]);
        env.git().run(&work, &["init", "-q", "-b", "main"]);
        env.git()
            .run(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
        Team { bare, work }
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        let p = self.work.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Commits everything as `who` (signed with `key` when given) and pushes; the new commit.
    pub(crate) fn commit(&self, env: &TestEnv, who: &str, key: Option<&Key>, msg: &str) -> String {
        env.git().run(&self.work, &["add", "-A"]);
        let mut args = vec!["commit", "-q", "--allow-empty", "-m", msg];
        if key.is_some() {
            args.push("-S");
        }
        git_as(env, &self.work, who, key, &args);
        self.push(env);
        self.head(env)
    }

    /// A file change committed and pushed.
    pub(crate) fn change(&self, env: &TestEnv, who: &str, key: Option<&Key>, msg: &str) -> String {
        let n = env.git().run(&self.work, &["rev-list", "--count", "HEAD"]);
        self.write(&format!("notes/{who}-{n}.txt"), msg);
        self.commit(env, who, key, msg)
    }

    fn push(&self, env: &TestEnv) {
        env.git()
            .run(&self.work, &["push", "-q", "-f", "origin", "main"]);
    }

    fn head(&self, env: &TestEnv) -> String {
        env.git().run(&self.work, &["rev-parse", "HEAD"])
    }

    pub(crate) fn url(&self) -> &str {
        self.bare.to_str().unwrap()
    }

    /// Writes a raw commit object, points `main` at it and pushes it: for signatures git
    /// would never make.
    fn forge(&self, env: &TestEnv, raw: &[u8]) -> String {
        let oid = env.git().run_with_stdin(
            &self.work,
            &[
                "hash-object",
                "-t",
                "commit",
                "-w",
                "--literally",
                "--stdin",
            ],
            raw,
        );
        env.git()
            .run(&self.work, &["update-ref", "refs/heads/main", &oid]);
        env.git().run(&self.work, &["reset", "-q", "--hard", &oid]);
        self.push(env);
        oid
    }

    /// The raw text of a commit.
    fn raw(&self, env: &TestEnv, commit: &str) -> String {
        env.git().run(&self.work, &["cat-file", "commit", commit]) + "\n"
    }

    /// A commit of the current tree on HEAD, unsigned and not yet on any branch.
    fn payload(&self, env: &TestEnv, msg: &str) -> String {
        let oid = git_as(
            env,
            &self.work,
            "ana",
            None,
            &["commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", msg],
        );
        self.raw(env, &oid)
    }
}

/// `raw` with an armored signature as its `gpgsig` header (after the committer line).
fn with_gpgsig(raw: &str, armored: &str) -> String {
    let (headers, message) = raw.split_once("\n\n").unwrap();
    let sig = armored.trim_end().replace('\n', "\n ");
    format!("{headers}\ngpgsig {sig}\n\n{message}")
}

/// `raw`'s `gpgsig` header, as armored text.
fn gpgsig_of(raw: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in raw.lines() {
        if let Some(first) = line.strip_prefix("gpgsig ") {
            inside = true;
            out.push_str(first);
            out.push('\n');
        } else if inside && line.starts_with(' ') {
            out.push_str(&line[1..]);
            out.push('\n');
        } else {
            inside = false;
        }
    }
    out
}

/// `raw` without its `gpgsig` header: what the signature covers.
fn without_gpgsig(raw: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let (headers, message) = raw.split_once("\n\n").unwrap();
    for line in headers.lines() {
        if line.starts_with("gpgsig ") {
            inside = true;
            continue;
        }
        if inside && line.starts_with(' ') {
            continue;
        }
        inside = false;
        out.push_str(line);
        out.push('\n');
    }
    format!("{out}\n{message}")
}

/// `ssh-keygen -Y sign -n <namespace>` over `data` with `key`.
fn sshsig(env: &TestEnv, key: &Key, namespace: &str, data: &str) -> String {
    let file = env.path("to-sign");
    std::fs::write(&file, data).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(&key.path)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen -Y sign: {out:?}");
    std::fs::read_to_string(file.with_extension("sig")).unwrap()
}

pub(crate) fn checkout(env: &TestEnv) -> PathBuf {
    env.data_dir().join("teams/acme")
}

pub(crate) fn checkout_head(env: &TestEnv) -> String {
    env.git().run(&checkout(env), &["rev-parse", "HEAD"])
}

fn registry(env: &TestEnv) -> String {
    std::fs::read_to_string(env.data_dir().join("teams.json")).unwrap_or_default()
}

pub(crate) fn add(env: &TestEnv, team: &Team) {
    env.run(["team", "add", team.url(), "--name", "acme"])
        .success();
}

/// Runs `team update` expecting a refusal of `commit` by `author` for `reason`, and checks
/// that nothing changed: the checkout's HEAD, its files and the registry. Returns stderr.
#[track_caller]
fn refused(env: &TestEnv, commit: &str, author: &str, reason: &str) -> String {
    let head = checkout_head(env);
    let reg = registry(env);
    let r = env.run(["team", "update", "acme"]);
    r.code(1);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line\n{}", r.stderr);
    let e = errors[0];
    for want in [
        "team 'acme'",
        &format!("commit {}", &commit[..7]),
        &format!("by {author} <{author}@example.com>"),
        reason,
        "nothing was changed",
    ] {
        assert!(e.contains(want), "error lacks {want:?}\n{}", r.stderr);
    }
    assert!(
        r.stderr.lines().any(|l| l.starts_with("hint:")),
        "a hint\n{}",
        r.stderr
    );
    assert_eq!(checkout_head(env), head, "the checkout did not move");
    assert_eq!(
        env.git().run(&checkout(env), &["status", "--porcelain"]),
        "",
        "no file changed"
    );
    assert_eq!(registry(env), reg, "the registry did not change");
    r.stderr
}

#[test]
fn signed_add_prints_the_roster_and_records_the_root() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    let root = team.head(&env);
    let r = env.run([
        "team",
        "add",
        team.url(),
        "--name",
        "acme",
        "--expect-key",
        &k.ana.fingerprint,
    ]);
    r.success()
        .stdout_has(&k.ana.fingerprint)
        .stdout_has(&k.bo.fingerprint)
        .stdout_has(&k.cy.fingerprint)
        .stdout_has(&format!("trust root: {}", &root[..7]))
        .stdout_has(&format!("signed by ana with {}", k.ana.fingerprint));
    let reg: serde_json::Value = serde_json::from_str(&registry(&env)).unwrap();
    let trust = &reg[0]["trust"];
    assert_eq!(trust["root"], root.as_str());
    assert_eq!(trust["verified"], root.as_str());
    assert_eq!(trust["signer"], "ana");
    assert_eq!(trust["fingerprints"].as_array().unwrap().len(), 3);

    let s = env.run(["team", "status", "--json"]).success().json();
    let t = &s["teams"][0]["trust"];
    assert_eq!(t["policy"], "signed");
    assert_eq!(t["root"], root.as_str());
    assert_eq!(t["verified"], root.as_str());
    assert_eq!(t["signer"], "ana");
    assert_eq!(t["signer_key"], k.ana.fingerprint.as_str());
    env.run(["team", "status"])
        .success()
        .stdout_has("signed (root")
        .stdout_has("HEAD verified, signed by ana");
}

#[test]
fn signed_update_accepts_each_key_type() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.change(&env, "bo", Some(&k.bo), "bo signs with RSA");
    team.change(&env, "cy", Some(&k.cy), "cy signs with ECDSA");
    let tip = team.change(&env, "ana", Some(&k.ana), "ana signs with ed25519");
    env.run(["team", "update", "acme"])
        .success()
        .stdout_has("verified 3 signed commits")
        .stdout_has(&format!("signed by ana with {}", k.ana.fingerprint));
    assert_eq!(checkout_head(&env), tip);
    let s = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(s["teams"][0]["trust"]["verified"], tip.as_str());
    env.run(["team", "verify", "acme"])
        .success()
        .stdout_has("acme: verified 3 signed commits from the trust root");
}

#[test]
fn signed_update_accepts_a_new_member_added_by_a_member() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(
            &[
                ("ana", &[&k.ana]),
                ("bo", &[&k.bo]),
                ("cy", &[&k.cy]),
                ("dan", &[&k.dan]),
            ],
            true,
        ),
    );
    team.commit(&env, "ana", Some(&k.ana), "welcome dan");
    let tip = team.change(&env, "dan", Some(&k.dan), "dan's first change");
    env.run(["team", "update"])
        .success()
        .stdout_has("verified 2 signed commits")
        .stdout_has("signed by dan");
    assert_eq!(checkout_head(&env), tip);
}

#[test]
fn signed_update_refuses_a_key_removed_by_a_member() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[]), ("cy", &[&k.cy])], true),
    );
    let revoked = team.commit(&env, "ana", Some(&k.ana), "revoke bo's key");
    env.run(["team", "update"]).success();
    assert_eq!(checkout_head(&env), revoked);
    let bad = team.change(&env, "bo", Some(&k.bo), "bo after revocation");
    refused(&env, &bad, "bo", "not in the team's roster");
}

#[test]
fn signed_update_refuses_a_removed_key_merging_from_an_old_commit() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    let old = team.head(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[]), ("cy", &[&k.cy])], true),
    );
    team.commit(&env, "ana", Some(&k.ana), "revoke bo's key");
    env.run(["team", "update"]).success();
    // Bo builds on the old commit whose roster still lists him and merges the current head.
    git.run(&team.work, &["switch", "-q", "-c", "evil", &old]);
    team.write("evil.txt", "evil");
    git.run(&team.work, &["add", "-A"]);
    git_as(
        &env,
        &team.work,
        "bo",
        Some(&k.bo),
        &["commit", "-q", "-S", "-m", "on an old roster"],
    );
    let x = team.head(&env);
    git_as(
        &env,
        &team.work,
        "bo",
        Some(&k.bo),
        &["merge", "-q", "-S", "--no-ff", "-m", "merge main", "main"],
    );
    git.run(&team.work, &["switch", "-q", "main"]);
    git.run(&team.work, &["reset", "-q", "--hard", "evil"]);
    team.push(&env);
    refused(&env, &x, "bo", "not in the team's roster");
}

/// A team standing at R, signed by ana, whose roster lists ana and bo; R.
fn team_of_ana_and_bo(env: &TestEnv) -> (Team, String) {
    let k = keys();
    let team = Team::empty(env);
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], true),
    );
    let r = team.commit(env, "ana", Some(&k.ana), "the roster");
    (team, r)
}

/// C1: ana removes bo.
fn push_removal(env: &TestEnv, team: &Team) -> String {
    let k = keys();
    team.write("tcli.toml", &roster_toml(&[("ana", &[&k.ana])], true));
    team.commit(env, "ana", Some(&k.ana), "remove bo")
}

/// The attack of a removed key through a merge (docs/team-repos.md, "Every new commit, signed
/// by the rosters it answers to"): bo signs X on R, then a merge M of X and C1 (`x_first`: X
/// is M's first parent) whose tree puts bo back and adds a module, pushed without force.
/// Returns X and M.
fn push_merge_back(env: &TestEnv, team: &Team, r: &str, x_first: bool) -> (String, String) {
    let git = env.git();
    let k = keys();
    git.run(&team.work, &["switch", "-q", "-c", "side", r]);
    team.write("side.txt", "bo's side work");
    git.run(&team.work, &["add", "-A"]);
    git_as(
        env,
        &team.work,
        "bo",
        Some(&k.bo),
        &["commit", "-q", "-S", "-m", "side work"],
    );
    let x = team.head(env);
    let (on, other) = if x_first {
        ("side", "main")
    } else {
        ("main", "side")
    };
    git.run(&team.work, &["switch", "-q", on]);
    git.run(
        &team.work,
        &["merge", "-q", "--no-commit", "--no-ff", other],
    );
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], true),
    );
    std::fs::create_dir_all(team.work.join("bin")).unwrap();
    env.script_in(&team.work.join("bin"), "tcli-evil", "echo EVIL RAN");
    git.run(&team.work, &["add", "-A"]);
    git_as(
        env,
        &team.work,
        "bo",
        Some(&k.bo),
        &["commit", "-q", "-S", "-m", "merge"],
    );
    let m = team.head(env);
    git.run(&team.work, &["switch", "-q", "main"]);
    git.run(&team.work, &["reset", "-q", "--hard", &m]);
    team.push(env);
    (x, m)
}

#[test]
fn signed_update_refuses_a_removed_key_merged_back_over_its_removal() {
    for x_first in [true, false] {
        let env = TestEnv::new();
        let (team, r) = team_of_ana_and_bo(&env);
        // A teammate still at R, and one already past the removal.
        add(&env, &team);
        let c1 = push_removal(&env, &team);
        let past = TestEnv::new();
        past.run(["team", "add", team.url(), "--name", "acme"])
            .success();
        let (x, m) = push_merge_back(&env, &team, &r, x_first);
        let names = [(&m[..7], "$M"), (&c1[..7], "$C1"), (&r[..7], "$R")];
        refused(&env, &m, "bo", "does not list");
        if x_first {
            insta::assert_snapshot!(env.run(["team", "update", "acme"]).naming(&names), @r#"
            ------- stderr -------
            error: team 'acme': commit $M by bo <bo@example.com> ("merge") is refused: it is signed by people.bo's key SHA256:$FP, which the roster of commit $C1, one it also answers to, does not list (a merge answers to the keys every parent's roster lists); nothing was changed
            hint: this team accepts only commits signed by a key that every roster it answers to lists (docs/team-repos.md, "Signed teams"); ask the team about $M in $ROOT/remotes/acme.git; your checkout stays at $R
            [exit status: 1]
            "#);
        }
        assert_eq!(checkout_head(&env), r);
        env.run(["evil"]).code(2);
        // The teammate past C1 refuses too, at bo's first commit: the team does not split.
        refused(&past, &x, "bo", "not in the team's roster");
        past.run(["evil"]).code(2);
    }
}

#[test]
fn signed_update_refuses_a_force_push_and_the_reset_after_it() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    let root = team.head(&env);
    let good = team.change(&env, "ana", Some(&k.ana), "signed work");
    add(&env, &team);
    git.run(&team.work, &["reset", "-q", "--hard", &root]);
    let stranger = team.change(&env, "mal", None, "rewritten by a stranger");
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: the history of team 'acme' was rewritten upstream (origin/main was force-pushed); nothing was changed
        hint: keep the history you have; check the checkout with 'tcli team verify acme', or if the team rewrote its history on purpose take a new trust root: tcli team remove acme --force && tcli team add $ROOT/remotes/acme.git --name acme --expect-key <a fingerprint your team publishes>
        [exit status: 1]
        ");
    assert!(
        !r.stderr.contains("reset"),
        "no reset suggested\n{}",
        r.stderr
    );
    assert_eq!(checkout_head(&env), good);
    // Following the hint tcli used to give takes the rewritten history; update refuses it.
    let co = checkout(&env);
    git.run(&co, &["reset", "-q", "--keep", "origin/main"]);
    let reg = registry(&env);
    let names = [(&good[..7], "$GOOD"), (&stranger[..7], "$STRANGER")];
    insta::assert_snapshot!(env.run(["team", "update", "acme"]).naming(&names), @r"
        ------- stderr -------
        error: team 'acme': the checkout's HEAD $STRANGER does not contain the last verified commit $GOOD; the history was rewritten; nothing was changed
        hint: keep the history you have; check the checkout with 'tcli team verify acme', or if the team rewrote its history on purpose take a new trust root: tcli team remove acme --force && tcli team add $ROOT/remotes/acme.git --name acme --expect-key <a fingerprint your team publishes>
        [exit status: 1]
        ");
    assert_eq!(registry(&env), reg);
    insta::assert_snapshot!(env.run(["team", "verify", "acme"]).naming(&names), @r"
        ------- stderr -------
        error: team 'acme': HEAD $STRANGER does not descend from the trust root $GOOD; the history was rewritten
        hint: if the team rewrote its history on purpose, take a new trust root: tcli team remove acme --force && tcli team add $ROOT/remotes/acme.git --name acme --expect-key <a fingerprint your team publishes>
        [exit status: 1]
        ");
}

#[test]
fn signed_update_refuses_an_unsigned_commit() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let bad = team.change(&env, "mal", None, "unsigned");
    refused(&env, &bad, "mal", "it is not signed");
}

#[test]
fn signed_update_refuses_an_unsigned_commit_under_a_signed_tip() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let bad = team.change(&env, "mal", None, "sneaked in");
    team.change(&env, "ana", Some(&k.ana), "signed on top");
    refused(&env, &bad, "mal", "it is not signed");
}

#[test]
fn signed_update_refusals_show_commit_text_without_control_characters() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let msg = format!("\x1b]0;pwned\x07\x1b[2J{}", "x".repeat(300));
    let raw = team.payload(&env, &msg).replace(
        "author ana <ana@example.com>",
        "author a\x1b[31mna\rerror: all good <ana@example.com>",
    );
    let bad = team.forge(&env, raw.as_bytes());
    let head = checkout_head(&env);
    let names = [(&bad[..7], "$BAD"), (&head[..7], "$HEAD")];
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r.naming(&names), @r#"
        ------- stderr -------
        error: team 'acme': commit $BAD by a [31mna error: all good <ana@example.com> ("]0;pwned [2Jxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…") is refused: it is not signed; nothing was changed
        hint: this team accepts only commits signed by a key that every roster it answers to lists (docs/team-repos.md, "Signed teams"); ask the team about $BAD in $ROOT/remotes/acme.git; your checkout stays at $HEAD
        [exit status: 1]
        "#);
    assert!(
        !r.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "no control characters: {:?}",
        r.stderr
    );
    let error = r.stderr.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(error.contains('…'), "the summary is cut: {error}");
    assert!(error.chars().count() < 600, "{error}");
    // The first use shows them the same way.
    let env2 = TestEnv::new();
    let r = env2.run(["team", "add", team.url()]);
    insta::assert_snapshot!(r.naming(&names), @r#"
        ------- stderr -------
        error: team 'acme': commit $BAD by a [31mna error: all good <ana@example.com> ("]0;pwned [2Jxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…") is refused: it is not signed; nothing was added
        hint: the commit a signed team is added at must be signed by a key of its own roster; the roster lists: SHA256:$FP, SHA256:$FP, SHA256:$FP
        [exit status: 1]
        "#);
    assert!(
        !r.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "no control characters: {:?}",
        r.stderr
    );
}

#[test]
fn signed_update_refuses_a_strangers_signature() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let bad = team.change(&env, "mal", Some(&k.mal), "signed by a stranger");
    let stderr = refused(&env, &bad, "mal", "not in the team's roster");
    assert!(stderr.contains(&k.mal.fingerprint), "{stderr}");
}

#[test]
fn signed_update_refuses_a_newcomer_adding_herself() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(
            &[
                ("ana", &[&k.ana]),
                ("bo", &[&k.bo]),
                ("cy", &[&k.cy]),
                ("mal", &[&k.mal]),
            ],
            true,
        ),
    );
    let bad = team.commit(&env, "mal", Some(&k.mal), "let me in");
    refused(&env, &bad, "mal", "a key this same commit adds");
}

#[test]
fn signed_update_refuses_an_unsigned_commit_turning_signing_off() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(
            &[("ana", &[&k.ana]), ("bo", &[&k.bo]), ("cy", &[&k.cy])],
            false,
        ),
    );
    let bad = team.commit(&env, "mal", None, "signing is a bother");
    refused(&env, &bad, "mal", "it is not signed");
}

#[test]
fn signed_update_refuses_a_signature_over_other_content() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let base = team.head(&env);
    // Each key type: ed25519 (RustCrypto), RSA (OpenSSL), ECDSA P-256 (RustCrypto).
    for (who, key) in [("ana", &k.ana), ("bo", &k.bo), ("cy", &k.cy)] {
        git.run(&team.work, &["reset", "-q", "--hard", &base]);
        let good = team.change(&env, who, Some(key), "harmless change");
        let raw = team
            .raw(&env, &good)
            .replace("harmless change", "evil change!!");
        git.run(&team.work, &["reset", "-q", "--hard", &base]);
        let bad = team.forge(&env, raw.as_bytes());
        refused(&env, &bad, who, "does not match its content");
    }
}

#[test]
fn signed_update_refuses_a_signature_in_another_namespace() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let payload = team.payload(&env, "signed for files, not git");
    let sig = sshsig(&env, &k.ana, "other", &payload);
    let bad = team.forge(&env, with_gpgsig(&payload, &sig).as_bytes());
    refused(&env, &bad, "ana", "namespace 'other', not 'git'");
}

#[test]
fn signed_update_refuses_a_truncated_signature_block() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let good = team.change(&env, "ana", Some(&k.ana), "soon truncated");
    let raw = team.raw(&env, &good);
    let sig = gpgsig_of(&raw);
    let cut: String = sig.lines().take(3).map(|l| format!("{l}\n")).collect();
    env.git()
        .run(&team.work, &["reset", "-q", "--hard", "HEAD~1"]);
    let bad = team.forge(&env, with_gpgsig(&without_gpgsig(&raw), &cut).as_bytes());
    refused(&env, &bad, "ana", "signature is malformed");
}

#[test]
fn signed_update_reads_a_signature_only_from_the_headers() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let good = team.change(&env, "ana", Some(&k.ana), "ana's change");
    let raw = team.raw(&env, &good);
    env.git()
        .run(&team.work, &["reset", "-q", "--hard", "HEAD~1"]);
    // The same commit with its signature moved into the message: git sees no signature.
    let sig = gpgsig_of(&raw).trim_end().replace('\n', "\n ");
    let moved = format!("{}gpgsig {sig}\n", without_gpgsig(&raw));
    let bad = team.forge(&env, moved.as_bytes());
    let shown = env
        .git()
        .run(&team.work, &["log", "-1", "--format=%G?", &bad]);
    assert_eq!(shown, "N", "git itself sees no signature");
    refused(&env, &bad, "ana", "it is not signed");
}

#[test]
fn signed_update_refuses_other_gpgsig_headers() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let good = team.change(&env, "ana", Some(&k.ana), "ana's change");
    let raw = team.raw(&env, &good);
    git.run(&team.work, &["reset", "-q", "--hard", "HEAD~1"]);
    let (headers, message) = raw.split_once("\n\n").unwrap();
    for extra in [
        "gpgsig-sha256 -----BEGIN SSH SIGNATURE-----",
        "gpgsigparent 0000000000000000000000000000000000000000",
    ] {
        let forged = format!("{headers}\n{extra}\n\n{message}");
        let bad = team.forge(&env, forged.as_bytes());
        let key = extra.split(' ').next().unwrap();
        refused(
            &env,
            &bad,
            "ana",
            &format!("has a '{key}' header; tcli accepts exactly one 'gpgsig' header"),
        );
        git.run(&team.work, &["reset", "-q", "--hard", "HEAD~1"]);
    }
}

#[test]
fn signed_update_refuses_a_one_megabyte_signature_header() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let payload = team.payload(&env, "a huge signature");
    let mut sig = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for _ in 0..(1024 * 1024 / 71) {
        sig.push_str(&"A".repeat(70));
        sig.push('\n');
    }
    sig.push_str("-----END SSH SIGNATURE-----\n");
    let bad = team.forge(&env, with_gpgsig(&payload, &sig).as_bytes());
    let stderr = refused(&env, &bad, "ana", "signature is malformed");
    assert!(
        stderr.contains("bytes; an SSH signature is a few KiB at most"),
        "{stderr}"
    );
}

#[test]
fn signed_update_checks_both_sides_of_a_merge() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let base = team.head(&env);
    // A side branch with an unsigned commit, merged by a member with a good signature.
    git.run(&team.work, &["switch", "-q", "-c", "side"]);
    team.write("side.txt", "side");
    git.run(&team.work, &["add", "-A"]);
    git_as(
        &env,
        &team.work,
        "mal",
        None,
        &["commit", "-q", "-m", "side work"],
    );
    let side = team.head(&env);
    git.run(&team.work, &["switch", "-q", "main"]);
    team.change(&env, "bo", Some(&k.bo), "main work");
    git_as(
        &env,
        &team.work,
        "ana",
        Some(&k.ana),
        &["merge", "-q", "-S", "--no-ff", "-m", "merge side", "side"],
    );
    team.push(&env);
    refused(&env, &side, "mal", "it is not signed");

    // The same shape with every commit signed is accepted.
    git.run(&team.work, &["reset", "-q", "--hard", &base]);
    git.run(&team.work, &["branch", "-q", "-D", "side"]);
    git.run(&team.work, &["switch", "-q", "-c", "side"]);
    team.write("side.txt", "side");
    git.run(&team.work, &["add", "-A"]);
    git_as(
        &env,
        &team.work,
        "cy",
        Some(&k.cy),
        &["commit", "-q", "-S", "-m", "signed side work"],
    );
    git.run(&team.work, &["switch", "-q", "main"]);
    team.change(&env, "bo", Some(&k.bo), "main work");
    git_as(
        &env,
        &team.work,
        "ana",
        Some(&k.ana),
        &["merge", "-q", "-S", "--no-ff", "-m", "merge side", "side"],
    );
    team.push(&env);
    env.run(["team", "update"])
        .success()
        .stdout_has("verified 3 signed commits");
}

#[test]
fn signed_update_accepts_a_signed_merge_of_a_signed_tag() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    git.run(&team.work, &["switch", "-q", "-c", "side"]);
    team.write("side.txt", "side");
    git.run(&team.work, &["add", "-A"]);
    git_as(
        &env,
        &team.work,
        "cy",
        Some(&k.cy),
        &["commit", "-q", "-S", "-m", "tagged work"],
    );
    git_as(
        &env,
        &team.work,
        "cy",
        Some(&k.cy),
        &["tag", "-s", "-m", "release", "v1"],
    );
    git.run(&team.work, &["switch", "-q", "main"]);
    team.change(&env, "bo", Some(&k.bo), "main work");
    git_as(
        &env,
        &team.work,
        "ana",
        Some(&k.ana),
        &["merge", "-q", "-S", "--no-ff", "-m", "merge v1", "v1"],
    );
    team.push(&env);
    let tip = team.head(&env);
    assert!(
        team.raw(&env, &tip).contains("\nmergetag "),
        "the merge records the tag"
    );
    env.run(["team", "update"])
        .success()
        .stdout_has("verified 3 signed commits")
        .stdout_has("signed by ana");
    assert_eq!(checkout_head(&env), tip);
}

#[test]
fn signed_update_refuses_an_invalid_incoming_roster() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.ana])], true),
    );
    let new = team.commit(&env, "ana", Some(&k.ana), "a duplicate key");
    let head = checkout_head(&env);
    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r.naming(&[(&new[..7], "$NEW"), (&head[..7], "$HEAD")]), @r"
        ------- stderr -------
        error: team 'acme': the new commit $NEW is refused: the roster in tcli.toml is invalid: key SHA256:$FP is listed for both people.ana and people.bo; a key belongs to one person; nothing was changed
        hint: ask the team to fix tcli.toml in $ROOT/remotes/acme.git; your checkout stays at $HEAD until then
        [exit status: 1]
        ");
    assert_eq!(checkout_head(&env), head);
}

#[test]
fn signed_update_refuses_when_the_base_roster_is_unusable() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write("tcli.toml", "[trust\n");
    let broken = team.commit(&env, "ana", Some(&k.ana), "a broken tcli.toml");
    // Pulled by hand and verified: the broken commit becomes the last verified one.
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    env.run(["team", "verify", "acme"]).success();
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("mal", &[&k.mal])], false),
    );
    team.commit(&env, "mal", None, "fixed, and signing off");
    let reg = registry(&env);
    insta::assert_snapshot!(env.run(["team", "update", "acme"]).naming(&[(&broken[..7], "$BROKEN")]), @r"
        ------- stderr -------
        error: team 'acme': the roster every new commit is checked against, tcli.toml at commit $BROKEN, is unusable: tcli.toml does not parse (unclosed table, expected `]`); nothing was changed
        hint: keep the history you have; check the checkout with 'tcli team verify acme', or if the team rewrote its history on purpose take a new trust root: tcli team remove acme --force && tcli team add $ROOT/remotes/acme.git --name acme --expect-key <a fingerprint your team publishes>
        [exit status: 1]
        ");
    assert_eq!(checkout_head(&env), broken);
    assert_eq!(registry(&env), reg);
}

#[test]
fn signed_settings_roster_is_not_merged() {
    let env = crate::native::env();
    let k = keys();
    env.put_plugin(&crate::support::fixture("hello"), "libhello.so");
    let team = Team::new(&env);
    add(&env, &team);
    // The user's file (highest precedence) tries to replace ana's key and switch signing off.
    std::fs::write(
        env.config_dir().join("tcli.toml"),
        format!(
            "[bookmarks]\nwiki = \"https://wiki.example\"\n\n[trust]\nrequire-signed = false\n\n[people.ana]\nkeys = [{:?}]\n",
            k.mal.public
        ),
    )
    .unwrap();
    let r = env.run(["hello", "settings"]);
    r.success();
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["bookmarks"]["wiki"], "https://wiki.example");
    assert!(v.get("people").is_none(), "no merged roster: {v}");
    assert!(v.get("trust").is_none(), "no merged trust: {v}");
}

#[test]
fn signed_add_warns_of_a_bad_roster_in_an_unsigned_repo() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::empty(&env);
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.ana])], false),
    );
    team.commit(&env, "ana", None, "a duplicate key, signing off");
    env.run(["team", "add", team.url(), "--name", "acme"])
        .success()
        .stderr_has("listed for both people.ana and people.bo")
        .stderr_has("added without a roster");
    assert!(!registry(&env).contains("trust"));
    // Asked to sign, the same repo is refused.
    env.run(["team", "remove", "acme"]).success();
    insta::assert_snapshot!(env.run([
        "team",
        "add",
        team.url(),
        "--name",
        "acme",
        "--require-signed",
    ]), @r"
        ------- stderr -------
        error: team 'acme' at $ROOT/remotes/acme.git: the roster in tcli.toml is invalid: key SHA256:$FP is listed for both people.ana and people.bo; a key belongs to one person; nothing was added
        hint: ask the team to fix tcli.toml in $ROOT/remotes/acme.git
        [exit status: 1]
        ");
}

#[test]
fn signed_add_refuses_an_unexpected_roster_and_leaves_nothing() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    let r = env.run([
        "team",
        "add",
        team.url(),
        "--name",
        "acme",
        "--expect-key",
        &k.ana.fingerprint,
        "--expect-key",
        &k.mal.fingerprint,
    ]);
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: team 'acme' at $ROOT/remotes/acme.git: its roster does not list the expected key SHA256:$FP; nothing was added
        hint: compare with the fingerprints your team publishes; the roster lists: SHA256:$FP, SHA256:$FP, SHA256:$FP
        [exit status: 1]
        ");
    // The key the snapshot shows as SHA256:$FP is the one expected.
    r.stderr_has(&format!(
        "does not list the expected key {}",
        k.mal.fingerprint
    ));
    assert_eq!(registry(&env), "");
    let left: Vec<_> = std::fs::read_dir(env.data_dir().join("teams"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

#[test]
fn signed_add_expect_key_requires_a_head_signed_by_an_expected_key() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::empty(&env);
    // The tip keeps ana's key, adds mal's, and is signed by mal.
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("mal", &[&k.mal])], true),
    );
    team.commit(&env, "mal", Some(&k.mal), "ana is still listed");
    let expect = ["--expect-key", k.ana.fingerprint.as_str()];
    let add = |env: &TestEnv| {
        let mut args = vec!["team", "add", team.url(), "--name", "acme"];
        args.extend(expect);
        env.run(args)
    };
    let r = add(&env);
    insta::assert_snapshot!(r.naming(&[(&team.head(&env)[..7], "$TIP")]), @r"
        ------- stderr -------
        error: team 'acme' at $ROOT/remotes/acme.git: its commit $TIP is signed by people.mal's key SHA256:$FP, not by an expected key (SHA256:$FP); nothing was added
        hint: the commit you start from must be signed by a key you expect: compare with the fingerprints your team publishes, or ask its owner to sign the tip
        [exit status: 1]
        ");
    // The key the snapshot shows as SHA256:$FP is mal's.
    r.stderr_has(&format!(
        "is signed by people.mal's key {}, not by an expected key",
        k.mal.fingerprint
    ));
    assert_eq!(registry(&env), "");
    // An unsigned tip of a repo that does not ask for signatures: --expect-key demands them.
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("mal", &[&k.mal])], false),
    );
    team.commit(&env, "mal", None, "signing off");
    insta::assert_snapshot!(add(&env).naming(&[(&team.head(&env)[..7], "$TIP")]), @r#"
        ------- stderr -------
        error: team 'acme' at $ROOT/remotes/acme.git: --expect-key was given but its tcli.toml at $TIP does not ask for signed commits ([trust] require-signed = true); nothing was added
        hint: ask the team to require signatures (docs/team-repos.md, "Signed teams"); a repo that does not sign its commits cannot show that the expected key vouches for it
        [exit status: 1]
        "#);
    assert_eq!(registry(&env), "");
    // Signed by ana, but saying signatures are not required: refused all the same.
    team.commit(&env, "ana", Some(&k.ana), "ana signs, signing off");
    insta::assert_snapshot!(add(&env).naming(&[(&team.head(&env)[..7], "$TIP")]), @r#"
        ------- stderr -------
        error: team 'acme' at $ROOT/remotes/acme.git: --expect-key was given but its tcli.toml at $TIP does not ask for signed commits ([trust] require-signed = true); nothing was added
        hint: ask the team to require signatures (docs/team-repos.md, "Signed teams"); a repo that does not sign its commits cannot show that the expected key vouches for it
        [exit status: 1]
        "#);
    assert_eq!(registry(&env), "");
}

#[test]
fn signed_add_refuses_a_malformed_expected_key_before_cloning() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.run(["team", "add", "/nowhere/acme.git", "--expect-key", "ana"]), @r"
        ------- stderr -------
        error: --expect-key 'ana' is not a key fingerprint
        hint: fingerprints look like SHA256:$FP (ssh-keygen -lf key.pub prints them)
        [exit status: 2]
        ");
    for cut in [
        "SHA256:",
        "SHA256:abc",
        "SHA256:Q8z0zdRlLAvgfOlurHHN0vV/C+MWEdaCOPfZt3Wthi$",
    ] {
        env.run(["team", "add", "/nowhere/acme.git", "--expect-key", cut])
            .code(2)
            .stderr_has(&format!("--expect-key '{cut}' is not a key fingerprint"));
    }
    assert_eq!(registry(&env), "");
}

#[test]
fn signed_add_require_signed_refuses_a_repo_without_roster() {
    let env = TestEnv::new();
    let team = Team::empty(&env);
    team.write(
        "tcli.toml",
        "[bookmarks]\nwiki = \"https://wiki.example.com\"\n",
    );
    team.commit(&env, "ana", None, "no roster");
    insta::assert_snapshot!(env.run(["team", "add", team.url(), "--require-signed"]), @r#"
        ------- stderr -------
        error: team 'acme' at $ROOT/remotes/acme.git: --require-signed was given but the repo has no roster ([people.<id>] in tcli.toml) to check signatures against; nothing was added
        hint: ask the team to add a roster and sign their commits (docs/team-repos.md, "Signed teams"), or add the team without --require-signed
        [exit status: 1]
        "#);
    assert_eq!(registry(&env), "");
}

#[test]
fn signed_add_refuses_an_unsigned_head_of_a_signed_repo() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    let bad = team.change(&env, "mal", None, "unsigned tip");
    insta::assert_snapshot!(env.run(["team", "add", team.url()]).naming(&[(&bad[..7], "$BAD")]), @r#"
        ------- stderr -------
        error: team 'acme': commit $BAD by mal <mal@example.com> ("unsigned tip") is refused: it is not signed; nothing was added
        hint: the commit a signed team is added at must be signed by a key of its own roster; the roster lists: SHA256:$FP, SHA256:$FP, SHA256:$FP
        [exit status: 1]
        "#);
    assert_eq!(registry(&env), "");
}

#[test]
fn signed_update_require_signed_is_remembered_for_an_unsigned_policy() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::empty(&env);
    // The repo has a roster but does not ask for signatures; the user does.
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], false),
    );
    team.commit(&env, "ana", Some(&k.ana), "roster, signing optional");
    env.run(["team", "add", team.url(), "--require-signed"])
        .success()
        .stdout_has("signed commits required");
    let s = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(s["teams"][0]["trust"]["demanded"], true);
    assert_eq!(s["teams"][0]["trust"]["policy"], "signed");
    let bad = team.change(&env, "bo", None, "unsigned, as the repo allows");
    refused(&env, &bad, "bo", "it is not signed");
}

#[test]
fn signed_verify_catches_a_commit_pulled_by_hand() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let verified = checkout_head(&env);
    let bad = team.change(&env, "mal", None, "pulled by hand");
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    let r = env.run(["team", "verify", "acme"]);
    let names = [(&bad[..7], "$BAD"), (&verified[..7], "$VERIFIED")];
    insta::assert_snapshot!(r.naming(&names), @r#"
        ------- stderr -------
        error: team 'acme': commit $BAD by mal <mal@example.com> ("pulled by hand") is refused: it is not signed; the checkout was not changed
        hint: this commit did not come through 'tcli team update'; go back to the last verified commit, which takes no unverified history: git -C $ROOT/data/teams/acme reset --keep $VERIFIED
        [exit status: 1]
        "#);
    assert!(
        !r.stderr.contains("origin/"),
        "no reset to what the remote serves\n{}",
        r.stderr
    );
    env.run(["team", "status"])
        .success()
        .stdout_has("HEAD not verified");
    // The hint, run as printed, leads back to a checkout that verifies.
    run_hint(&env, &r.stderr, &[]).success();
    env.run(["team", "verify", "acme"]).success();
}

#[test]
fn signed_people_lists_the_roster_and_unsupported_keys() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::empty(&env);
    let dss = "ssh-dss AAAAB3NzaC1kc3MAAACBAOfkzY0t1rdk4KzwdEooKPrOHtuqpQph++XG+3t3S18xnN2D8AB71IioUBItoYITYRFPRzQ+en2kXjbVQ6GkSQiKoRv4fTs4jzzFtC883ipjrOy10CK20otzUf16wvluuxDIpjl5MNuPW2xv8cwWv9OC77rFeJGuXtzh/WJFmfW7AAAAFQDoHDaarIv8gtffpCXsmGX773PVgQAAAIEAuf2Q3D0L9MsZU9YPq7t/t45g1d6OI2tcUAUaPK0QhSYbMAjCVh3WpnRhlOAwd2TPgZdqu8EJFH/yTi3+FtpcSEbF0DoCX68Nih1TDXIan7okYbQnznDttG0gfyISLr89QX1p0gqoPc5HoWKtHh8Q2mvtcgaU0mQp/I0OVmyd874AAACAFWYwUdyIwUAWPfypc3d9WAAN8XBHNJpq+7QkaB6mCtc+S0YwRVRPIKdJfTebnYgm35NfbFC+sPQa6XwRqfHU3CucYGwtCvotxFtFHDsG0k1WjiGODX8+6cGka4KUOhnzLWPDgRcbVrIzEAqwdt9alEbmNsoGEFp3u1DXkmQbuvI= old@vm";
    let mut toml = roster_toml(&[("ana", &[&k.ana])], true);
    toml.push_str(&format!(
        "chat = \"@ana\"\n\n[people.old]\nkeys = [\"{dss}\"]\n"
    ));
    team.write("tcli.toml", &toml);
    team.commit(&env, "ana", Some(&k.ana), "roster with an old key");
    env.run(["team", "add", team.url()])
        .success()
        .stderr_has("key type ssh-dss is not supported");
    env.run(["team", "people"])
        .success()
        .stdout_has("acme (signed commits required)")
        .stdout_has("@ana")
        .stdout_has(&k.ana.fingerprint)
        .stdout_has("problem: people.old");
    let v = env
        .run(["team", "people", "acme", "--json"])
        .success()
        .json();
    let t = &v["teams"][0];
    assert_eq!(t["people"][0]["id"], "ana");
    assert_eq!(t["people"][0]["chat"], "@ana");
    assert_eq!(t["people"][0]["keys"][0]["type"], "ssh-ed25519");
    assert_eq!(
        t["people"][0]["keys"][0]["fingerprint"],
        k.ana.fingerprint.as_str()
    );
    assert_eq!(t["people"][1]["keys"][0]["type"], "ssh-dss");
    assert!(t["people"][1]["keys"][0]["problem"]
        .as_str()
        .unwrap()
        .contains("not supported"));
    assert_eq!(t["problems"].as_array().unwrap().len(), 1);
}

/// `n` distinct, well-formed ed25519 public key lines (any 32 bytes are a key to parse).
fn many_keys(n: usize) -> Vec<String> {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b64 = |data: &[u8]| {
        let mut s = String::new();
        for c in data.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..4 {
                if i <= c.len() {
                    s.push(B64[(v >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    };
    (0..n)
        .map(|i| {
            let mut blob = Vec::new();
            blob.extend_from_slice(&11u32.to_be_bytes());
            blob.extend_from_slice(b"ssh-ed25519");
            blob.extend_from_slice(&32u32.to_be_bytes());
            let mut key = [7u8; 32];
            key[..8].copy_from_slice(&(i as u64).to_be_bytes());
            blob.extend_from_slice(&key);
            format!("ssh-ed25519 {} k{i}", b64(&blob))
        })
        .collect()
}

#[test]
fn signed_update_handles_a_roster_of_ten_thousand_keys() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let mut toml = roster_toml(&[("ana", &[&k.ana])], true);
    let lines: Vec<String> = many_keys(10_000).iter().map(|l| format!("{l:?}")).collect();
    toml.push_str(&format!(
        "\n[people.crowd]\nkeys = [{}]\n",
        lines.join(",\n")
    ));
    team.write("tcli.toml", &toml);
    team.commit(&env, "ana", Some(&k.ana), "a crowd");
    let tip = team.change(&env, "ana", Some(&k.ana), "signed under a big roster");
    env.run(["team", "update"])
        .success()
        .stdout_has("verified 2 signed commits");
    assert_eq!(checkout_head(&env), tip);
    let v = env.run(["team", "people", "--json"]).success().json();
    assert_eq!(
        v["teams"][0]["people"][1]["keys"].as_array().unwrap().len(),
        10_000
    );
}

#[test]
fn signed_update_unsigned_team_as_before() {
    let env = TestEnv::new();
    let team = Team::empty(&env);
    team.write(
        "tcli.toml",
        "[bookmarks]\nwiki = \"https://wiki.example.com\"\n",
    );
    team.commit(&env, "ana", None, "first");
    env.run(["team", "add", team.url()])
        .success()
        .stdout_lacks("trust root");
    let tip = team.change(&env, "bo", None, "unsigned and fine");
    env.run(["team", "update"])
        .success()
        .stdout_lacks("verified");
    assert_eq!(checkout_head(&env), tip);
    assert!(!registry(&env).contains("trust"));
    env.run(["team", "verify"])
        .success()
        .stderr_has("no team has a trust root");
}

#[test]
fn signed_update_refuses_a_signature_by_an_unsupported_key_type() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(
            &[
                ("ana", &[&k.ana]),
                ("bo", &[&k.bo]),
                ("cy", &[&k.cy]),
                ("eve", &[&k.eve]),
            ],
            true,
        ),
    );
    team.commit(&env, "ana", Some(&k.ana), "eve joins with a P-384 key");
    env.run(["team", "update"]).success();
    env.run(["team", "people", "--json"])
        .success()
        .stdout_has("ecdsa-sha2-nistp384 is not supported");
    let bad = team.change(&env, "eve", Some(&k.eve), "signed with P-384");
    refused(
        &env,
        &bad,
        "eve",
        "which tcli cannot use: key type ecdsa-sha2-nistp384 is not supported",
    );
}

/// A roster key made by hand from bo's real modulus with exponent `e`: nobody holds its
/// private key, and with e = 1 nobody needs it.
fn forgeable(e: u64, comment: &str) -> Key {
    let public = crate::support::forge::rsa_with_exponent(&keys().bo.public, e, comment);
    Key {
        path: PathBuf::new(),
        public,
        fingerprint: String::new(),
    }
}

#[test]
fn signed_update_refuses_a_signature_forged_for_an_rsa_key_with_exponent_one() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let (one, three) = (forgeable(1, "mal@forged"), forgeable(3, "tri@forged"));
    let zero = Key {
        path: PathBuf::new(),
        public: crate::support::forge::ed25519_identity("zed@forged"),
        fingerprint: String::new(),
    };
    team.write(
        "tcli.toml",
        &roster_toml(
            &[
                ("ana", &[&k.ana]),
                ("bo", &[&k.bo]),
                ("mal", &[&one]),
                ("tri", &[&three]),
                ("zed", &[&zero]),
            ],
            true,
        ),
    );
    team.commit(&env, "ana", Some(&k.ana), "mal, tri and zed join");
    env.run(["team", "update"]).success();
    insta::assert_snapshot!(env.run(["team", "people"]), @r"
    acme (signed commits required)
      ana  ana <ana@example.com>
           SHA256:$FP ssh-ed25519
      bo   bo <bo@example.com>
           SHA256:$FP ssh-rsa
      mal  mal <mal@example.com>
           SHA256:$FP ssh-rsa  (unusable)
      tri  tri <tri@example.com>
           SHA256:$FP ssh-rsa  (unusable)
      zed  zed <zed@example.com>
           SHA256:$FP ssh-ed25519  (unusable)
      problem: people.mal: SHA256:$FP RSA key with public exponent 1 can be forged (tcli accepts an odd exponent of 65537 or more)
      problem: people.tri: SHA256:$FP RSA key with public exponent 3 can be forged (tcli accepts an odd exponent of 65537 or more)
      problem: people.zed: SHA256:$FP ed25519 key is a point of small order, for which anyone can make a signature
    ");
    // mal "signs" without any private key: the signature is the padded hash itself.
    let oid = git_as(
        &env,
        &team.work,
        "mal",
        None,
        &[
            "commit-tree",
            "HEAD^{tree}",
            "-p",
            "HEAD",
            "-m",
            "forged by mal",
        ],
    );
    let raw = team.raw(&env, &oid);
    let sig = crate::support::forge::sshsig_for_exponent_one(&k.bo.public, "git", raw.as_bytes());
    let bad = team.forge(&env, with_gpgsig(&raw, &sig).as_bytes());
    refused(
        &env,
        &bad,
        "mal",
        "which tcli cannot use: RSA key with public exponent 1 can be forged (tcli accepts an odd exponent of 65537 or more)",
    );
}

#[test]
fn signed_update_refuses_an_unknown_roster_field() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let mut toml = roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], true);
    toml.push_str("phone = \"555-0100\"\n");
    team.write("tcli.toml", &toml);
    let new = team.commit(&env, "ana", Some(&k.ana), "a field tcli does not know");
    let head = checkout_head(&env);
    let names = [(&new[..7], "$NEW"), (&head[..7], "$HEAD")];
    insta::assert_snapshot!(env.run(["team", "update"]).naming(&names), @r"
        ------- stderr -------
        error: team 'acme': the new commit $NEW is refused: the roster in tcli.toml is invalid: people.bo: unknown field 'phone' (known: name, email, keys, chat); nothing was changed
        hint: ask the team to fix tcli.toml in $ROOT/remotes/acme.git; your checkout stays at $HEAD until then
        [exit status: 1]
        ");
    assert_eq!(checkout_head(&env), head);
}

/// A roster field named with terminal escapes is refused, and tcli shows the name escaped.
#[test]
fn signed_update_shows_a_hostile_field_name_inert() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let mut toml = roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], true);
    toml.push_str("\"ph\\u001b[2J\\u000done\" = \"555-0100\"\n");
    team.write("tcli.toml", &toml);
    let new = team.commit(&env, "ana", Some(&k.ana), "a field named with escapes");
    let head = checkout_head(&env);
    let r = env.run(["team", "update"]);
    insta::assert_snapshot!(r.naming(&[(&new[..7], "$NEW"), (&head[..7], "$HEAD")]), @r"
        ------- stderr -------
        error: team 'acme': the new commit $NEW is refused: the roster in tcli.toml is invalid: people.bo: unknown field 'ph\u{1b}[2J\rone' (known: name, email, keys, chat); nothing was changed
        hint: ask the team to fix tcli.toml in $ROOT/remotes/acme.git; your checkout stays at $HEAD until then
        [exit status: 1]
        ");
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\r'),
        "{:?}",
        r.stderr
    );
}

#[test]
fn signed_update_refuses_a_huge_tcli_toml() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let mut toml = roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], true);
    for _ in 0..(5 * 1024 * 1024 / 80) {
        toml.push_str(&format!("# {}\n", "x".repeat(77)));
    }
    team.write("tcli.toml", &toml);
    team.commit(&env, "ana", Some(&k.ana), "a 5 MB tcli.toml");
    let head = checkout_head(&env);
    insta::assert_snapshot!(env.run(["team", "update"]), @r"
        ------- stderr -------
        error: team 'acme': its tcli.toml is 5243690 bytes, larger than 4 MiB, too large for a settings file; nothing was changed
        hint: ask the team to keep data out of tcli.toml; it holds settings only
        [exit status: 1]
        ");
    assert_eq!(checkout_head(&env), head);
}

/// `team update` names every commit it brought by who signed it, and says in words who joined
/// or left the roster and which keys came or went; `--json` carries the same.
#[test]
fn signed_update_lists_commits_by_signer_and_roster_changes() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(
            &[
                ("ana", &[&k.ana]),
                ("bo", &[&k.bo]),
                ("cy", &[]),
                ("dan", &[&k.dan]),
            ],
            true,
        ),
    );
    team.commit(&env, "ana", Some(&k.ana), "welcome dan, retire cy's key");
    team.change(&env, "dan", Some(&k.dan), "dan's first change");
    let r = env.run(["team", "update"]);
    let names = env.git().commit_names(&checkout(&env));
    insta::assert_snapshot!(r.naming(&names), @r"
        acme: updated $C1..$C3 (main)
          verified 2 signed commits; $C3 signed by dan with SHA256:$FP
          2 commits:
            $C3  dan  dan's first change
            $C2  ana  welcome dan, retire cy's key
          roster: key SHA256:$FP of cy removed
          roster: person dan added, with key SHA256:$FP
        ");

    team.write(
        "tcli.toml",
        &roster_toml(
            &[
                ("ana", &[&k.ana, &k.mal]),
                ("bo", &[&k.bo]),
                ("dan", &[&k.dan]),
            ],
            true,
        ),
    );
    team.commit(&env, "bo", Some(&k.bo), "cy left; ana's second key");
    let r = env.run(["team", "update", "--json"]);
    let names = env.git().commit_names(&checkout(&env));
    insta::assert_snapshot!(r.naming(&names), @r#"
        {
          "ok": true,
          "teams": [
            {
              "added": [],
              "artifacts": [],
              "branch": "main",
              "changed": [],
              "commits": [
                {
                  "by": "bo",
                  "commit": "$C4",
                  "key": "SHA256:$FP",
                  "subject": "cy left; ana's second key"
                }
              ],
              "from": "$C3",
              "more_commits": 0,
              "name": "acme",
              "removed": [],
              "result": "updated",
              "roster": [
                {
                  "change": "person-removed",
                  "keys": [],
                  "person": "cy"
                },
                {
                  "change": "key-added",
                  "key": "SHA256:$FP",
                  "person": "ana"
                }
              ],
              "signed": {
                "commits": 1,
                "key": "SHA256:$FP",
                "signer": "bo"
              },
              "to": "$C4",
              "trust": [],
              "upstream": "origin/main",
              "warnings": []
            }
          ]
        }
        "#);
}

#[test]
fn signed_update_reads_no_huge_blob_whole() {
    const HUGE: u64 = 512 << 20;
    const LIMIT: u64 = 300 << 20;
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    // 512 MiB of one byte packs to a few hundred KiB; reading it whole costs its full size.
    let mut zeros = Command::new("head")
        .args(["-c", &HUGE.to_string(), "/dev/zero"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let blob = git.run_with_stdin_from(
        &team.work,
        &["hash-object", "-w", "--stdin"],
        zeros.stdout.take().unwrap().into(),
    );
    assert!(zeros.wait().unwrap().success());
    git.run(
        &team.work,
        &[
            "update-index",
            "--cacheinfo",
            &format!("100644,{blob},tcli.toml"),
        ],
    );
    git_as(
        &env,
        &team.work,
        "ana",
        Some(&k.ana),
        &["commit", "-q", "-S", "-m", "a huge tcli.toml"],
    );
    team.push(&env);
    let head = checkout_head(&env);
    // The objects come in by git's own fetch: from a local path libgit2 would build the pack
    // in tcli's process, reading the blob whole, where a real remote's server builds it.
    git.run(&checkout(&env), &["fetch", "-q", "origin"]);
    // Under an address-space limit well below the blob's size, reading it whole fails (git2
    // reports "out of memory"); reading its size from the object header does not.
    let r: crate::support::Run = env
        .command("prlimit")
        .arg(format!("--as={LIMIT}"))
        .arg(crate::support::tcli_bin())
        .args(["team", "update", "acme"])
        .output()
        .unwrap()
        .into();
    insta::assert_snapshot!(r, @r"
    ------- stderr -------
    error: team 'acme': its tcli.toml is 536870912 bytes, larger than 4 MiB, too large for a settings file; nothing was changed
    hint: ask the team to keep data out of tcli.toml; it holds settings only
    [exit status: 1]
    ");
    assert_eq!(checkout_head(&env), head);
}

/// A signed commit by ana whose tree holds `link` as a symlink to `target`, pushed; with
/// `extra` written to tcli.toml first (when given).
fn push_symlink(
    env: &TestEnv,
    team: &Team,
    link: &str,
    target: &Path,
    toml: Option<&str>,
) -> String {
    let k = keys();
    if let Some(text) = toml {
        team.write("tcli.toml", text);
    }
    let p = team.work.join(link);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&p);
    std::os::unix::fs::symlink(target, &p).unwrap();
    team.commit(env, "ana", Some(&k.ana), "a symlink")
}

#[test]
fn signed_update_refuses_a_symlinked_tcli_toml_pointing_outside() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    // The file it points to lets mal in and signing off.
    let outside = env.path("outside/tcli.toml");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::write(&outside, roster_toml(&[("mal", &[&k.mal])], false)).unwrap();
    let bad = push_symlink(&env, &team, "tcli.toml", &outside, None);
    let head = checkout_head(&env);
    let reg = registry(&env);
    insta::assert_snapshot!(env.run(["team", "update", "acme"]).naming(&[(&bad[..7], "$BAD")]), @r#"
    ------- stderr -------
    error: team 'acme': tcli.toml in commit $BAD is a symlink (mode 120000), not a regular file; nothing was changed
    hint: ask the team to commit tcli.toml as a regular file: tcli reads only regular files from a team's repo, never what a symlink points to (docs/team-repos.md, "Layout")
    [exit status: 1]
    "#);
    assert_eq!(checkout_head(&env), head);
    assert_eq!(registry(&env), reg);
    // Nor is a team added at such a commit.
    let other = TestEnv::new();
    let r = other.run(["team", "add", team.url(), "--name", "acme"]);
    insta::assert_snapshot!(r.naming(&[(&bad[..7], "$BAD")]), @r#"
    ------- stderr -------
    error: team 'acme': tcli.toml in commit $BAD is a symlink (mode 120000), not a regular file; nothing was added
    hint: ask the team to commit tcli.toml as a regular file: tcli reads only regular files from a team's repo, never what a symlink points to (docs/team-repos.md, "Layout")
    [exit status: 1]
    "#);
    assert!(!checkout(&other).exists());
    assert_eq!(registry(&other), "");
}

#[test]
fn signed_update_refuses_a_symlink_in_bin() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let bad = push_symlink(&env, &team, "bin/tcli-evil", Path::new("/bin/sh"), None);
    insta::assert_snapshot!(env.run(["team", "update", "acme"]).naming(&[(&bad[..7], "$BAD")]), @r#"
    ------- stderr -------
    error: team 'acme': bin/tcli-evil in commit $BAD is a symlink (mode 120000), not an executable file (mode 100755); nothing was changed
    hint: ask the team to commit bin/tcli-evil as an executable file (mode 100755): tcli reads only regular files from a team's repo, never what a symlink points to (docs/team-repos.md, "Layout")
    [exit status: 1]
    "#);
    env.run(["evil"]).code(2);
    let other = TestEnv::new();
    other
        .run(["team", "add", team.url(), "--name", "acme"])
        .code(1)
        .stderr_has("bin/tcli-evil in commit")
        .stderr_has("nothing was added");
}

#[test]
fn signed_update_refuses_a_pinned_path_that_is_a_symlink() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let mut toml = roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], true);
    toml.push_str(&format!(
        "\n[modules.db.native.x86_64-unknown-linux-gnu]\npath = \"native/libdb.so\"\nsha256 = \"{}\"\n",
        "0".repeat(64)
    ));
    let outside = env.path("outside/libdb.so");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::write(&outside, "not in the repo").unwrap();
    let bad = push_symlink(&env, &team, "native/libdb.so", &outside, Some(&toml));
    let head = checkout_head(&env);
    insta::assert_snapshot!(env.run(["team", "update", "acme"]).naming(&[(&bad[..7], "$BAD")]), @r#"
    ------- stderr -------
    error: team 'acme': native/libdb.so in commit $BAD is a symlink (mode 120000), not a regular file; nothing was changed
    hint: ask the team to commit native/libdb.so as a regular file: tcli reads only regular files from a team's repo, never what a symlink points to (docs/team-repos.md, "Layout")
    [exit status: 1]
    "#);
    assert_eq!(checkout_head(&env), head);
}

/// Runs the command a refusal's `hint:` line ends with (after its last ": "), as a user
/// pasting it would, with `tcli` on PATH: a hint must work as printed.
/// `fill` replaces a placeholder the user fills in (`<a fingerprint your team publishes>`).
#[track_caller]
fn run_hint(env: &TestEnv, stderr: &str, fill: &[(&str, &str)]) -> crate::support::Run {
    let hint = stderr
        .lines()
        .find_map(|l| l.strip_prefix("hint: "))
        .unwrap_or_else(|| panic!("no hint\n{stderr}"));
    let command = &hint[hint.rfind(": ").expect("a command in the hint") + 2..];
    let command = fill
        .iter()
        .fold(command.to_string(), |c, (from, to)| c.replace(from, to));
    let bin = env.path("hint-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let _ = std::os::unix::fs::symlink(crate::support::tcli_bin(), bin.join("tcli"));
    env.command("sh")
        .args(["-c", &command])
        .env("PATH", format!("{}:{}", bin.display(), env.path_var()))
        .output()
        .unwrap()
        .into()
}

#[test]
fn signed_update_checks_a_commit_pulled_by_hand() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let verified = checkout_head(&env);
    std::fs::create_dir_all(team.work.join("bin")).unwrap();
    env.script_in(&team.work.join("bin"), "tcli-evil", "echo EVIL RAN");
    let bad = team.commit(&env, "mal", None, "pulled by hand");
    refused(&env, &bad, "mal", "it is not signed");
    // The user pulls the refused commit by hand; the next update checks it all the same.
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    let reg = registry(&env);
    let names = [(&bad[..7], "$BAD"), (&verified[..7], "$VERIFIED")];
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r.naming(&names), @r#"
    ------- stderr -------
    error: team 'acme': the checkout was moved outside tcli from the last verified commit $VERIFIED to $BAD, and commit $BAD by mal <mal@example.com> ("pulled by hand") is refused: it is not signed; nothing was changed
    hint: go back to the last verified commit, which takes no unverified history: git -C $ROOT/data/teams/acme reset --keep $VERIFIED
    [exit status: 1]
    "#);
    assert_eq!(registry(&env), reg);
    // The hint, run as printed, goes back to the verified commit; the update then refuses
    // the commit as it comes from the remote, never "already up to date".
    run_hint(&env, &r.stderr, &[]).success();
    assert_eq!(checkout_head(&env), verified);
    refused(&env, &bad, "mal", "it is not signed");
    env.run(["team", "verify", "acme"]).success();
    env.run(["evil"]).code(2);
}

#[test]
fn signed_update_records_a_good_commit_pulled_by_hand() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let good = team.change(&env, "bo", Some(&k.bo), "signed, pulled by hand");
    env.git().run(&checkout(&env), &["pull", "-q", "--ff-only"]);
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r.naming(&[(&good[..7], "$GOOD")]), @r"
    acme: already up to date ($GOOD)
    ------- stderr -------
    warning: team 'acme': its checkout was moved outside tcli to $GOOD; tcli verified 1 signed commit up to it and records it as the last verified commit
    ");
    let s = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(s["teams"][0]["trust"]["verified"], good.as_str());
    assert_eq!(s["teams"][0]["trust"]["signer"], "bo");
}

#[test]
fn signed_update_hints_no_pull_after_a_rewind_and_an_unsigned_push() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    let root = team.head(&env);
    let good = team.change(&env, "ana", Some(&k.ana), "signed work");
    add(&env, &team);
    // The remote is rewound (the update keeps the verified history), then an unsigned commit
    // is pushed on the rewound branch: seen from the checkout, both sides have commits.
    git.run(&team.work, &["reset", "-q", "--hard", &root]);
    team.push(&env);
    env.run(["team", "update", "acme"]).success();
    let bad = team.change(&env, "mal", None, "unsigned, on the rewound branch");
    let names = [(&good[..7], "$GOOD"), (&bad[..7], "$BAD")];
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r.naming(&names), @r"
    ------- stderr -------
    error: team 'acme': the new commit $BAD does not contain the last verified commit $GOOD; the history was rewritten; nothing was changed
    hint: keep the history you have; check the checkout with 'tcli team verify acme', or if the team rewrote its history on purpose take a new trust root: tcli team remove acme --force && tcli team add $ROOT/remotes/acme.git --name acme --expect-key <a fingerprint your team publishes>
    [exit status: 1]
    ");
    assert!(
        !r.stderr.contains("pull"),
        "no pull suggested\n{}",
        r.stderr
    );
    assert_eq!(checkout_head(&env), good);
}

#[test]
fn signed_update_new_trust_root_hint_works_as_printed() {
    let env = TestEnv::new();
    let git = env.git();
    let k = keys();
    let team = Team::new(&env);
    let root = team.head(&env);
    team.change(&env, "ana", Some(&k.ana), "signed work");
    add(&env, &team);
    // The team rewrites its history on purpose, signed.
    git.run(&team.work, &["reset", "-q", "--hard", &root]);
    let new = team.change(&env, "ana", Some(&k.ana), "rewritten on purpose");
    let r = env.run(["team", "update", "acme"]);
    r.code(1).stderr_has("--force");
    let fill = [(
        "<a fingerprint your team publishes>",
        k.ana.fingerprint.as_str(),
    )];
    let taken = run_hint(&env, &r.stderr, &fill);
    taken.success();
    assert_eq!(checkout_head(&env), new);
    let reg: serde_json::Value = serde_json::from_str(&registry(&env)).unwrap();
    assert_eq!(reg[0]["trust"]["root"], new.as_str());
    env.run(["team", "update", "acme"])
        .success()
        .stdout_has("already up to date");
}

#[test]
fn signed_update_diverged_hint_takes_no_unverified_history() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let base = checkout_head(&env);
    // A signed commit of ana's own in tcli's checkout, and a new one upstream.
    let co = checkout(&env);
    std::fs::write(co.join("mine.txt"), "mine").unwrap();
    env.git().run(&co, &["add", "-A"]);
    git_as(
        &env,
        &co,
        "ana",
        Some(&k.ana),
        &["commit", "-q", "-S", "-m", "mine"],
    );
    let up = team.change(&env, "bo", Some(&k.bo), "upstream work");
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r.naming(&[(&base[..7], "$BASE")]), @r"
    ------- stderr -------
    error: team 'acme' has diverged from origin/main: 1 commit of yours not pushed, 1 commit new upstream; nothing was changed
    hint: tcli brings only verified history into a signed team's checkout, so it does not merge or rebase there; push your commits from a clone of your own, then drop them here (git's reflog keeps them) and update: git -C $ROOT/data/teams/acme reset --keep $BASE && tcli team update acme
    [exit status: 1]
    ");
    assert!(
        !r.stderr.contains("pull"),
        "no pull suggested\n{}",
        r.stderr
    );
    run_hint(&env, &r.stderr, &[]).success();
    assert_eq!(checkout_head(&env), up);
}

#[test]
fn signed_update_follows_a_team_that_switched_signing_off() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    team.write(
        "tcli.toml",
        &roster_toml(&[("ana", &[&k.ana]), ("bo", &[&k.bo])], false),
    );
    team.commit(&env, "ana", Some(&k.ana), "signing off, signed");
    // Signing holds for the whole update that brings the switch; the next one is unsigned.
    env.run(["team", "update", "acme"]).success();
    let tip = team.change(&env, "mal", None, "unsigned, as now allowed");
    env.run(["team", "update", "acme"]).success();
    assert_eq!(checkout_head(&env), tip);
    // What `team update` moved to is recorded: the next update sees no move outside tcli.
    let s = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(s["teams"][0]["trust"]["verified"], tip.as_str());
    let r = env.run(["team", "update", "acme"]);
    insta::assert_snapshot!(r.naming(&[(&tip[..7], "$TIP")]), @"acme: already up to date ($TIP)");
}

/// Changes left in a signed team's checkout (a `git pull --no-commit` by hand, or an edit):
/// the hint puts the verified files back and never the changes, and works as printed.
#[test]
fn signed_update_local_changes_hint_puts_back_only_verified_files() {
    let env = TestEnv::new();
    let team = Team::new(&env);
    add(&env, &team);
    let verified = checkout_head(&env);
    let co = checkout(&env);
    std::fs::write(co.join("tcli.toml"), "[people.mal]\n").unwrap();
    std::fs::create_dir_all(co.join("bin")).unwrap();
    std::fs::write(co.join("bin/tcli-evil"), "#!/bin/sh\necho evil\n").unwrap();
    let r = env.run(["team", "update", "acme"]);
    r.code(1);
    assert!(!r.stderr.contains("stash pop"), "{}", r.stderr);
    run_hint(&env, &r.stderr, &[]).success();
    assert_eq!(checkout_head(&env), verified);
    assert!(!co.join("bin/tcli-evil").exists());
    assert_eq!(
        env.git().run(&co, &["status", "--porcelain"]),
        "",
        "the checkout holds only its verified files"
    );
    env.run(["evil"]).code(2);
}

/// `team verify` never accepts a checkout reset by hand off the last verified commit (to a
/// rewrite that drops a removal, or back in time), and never records it.
#[test]
fn signed_verify_refuses_a_head_that_left_the_verified_commit() {
    let env = TestEnv::new();
    let k = keys();
    let team = Team::new(&env);
    add(&env, &team);
    let root = checkout_head(&env);
    team.change(&env, "ana", Some(&k.ana), "later work");
    env.run(["team", "update", "acme"]).success();
    let verified = checkout_head(&env);
    env.git()
        .run(&checkout(&env), &["reset", "-q", "--hard", &root]);
    let r = env.run(["team", "verify", "acme"]);
    r.code(1);
    assert!(r.stderr.contains(&verified[..7]), "{}", r.stderr);
    let s = env.run(["team", "status", "--json"]).success().json();
    assert_eq!(s["teams"][0]["trust"]["verified"], verified.as_str());
    env.run(["team", "update", "acme"]).code(1);
}
