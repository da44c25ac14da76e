//! `tcli secrets ...` end to end: the bundled secrets module built from the workspace, real
//! SSH keys from `ssh-keygen` (ed25519 and RSA), a real team repo (a local bare remote, a
//! member's clone pushing to it with the `git` CLI, `tcli team add/update`). Every test ends
//! by scanning the whole test root: no file but the keys may hold a plaintext value.

use crate::support::{Run, TestEnv};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TEAM: &str = "acme";

/// A private key from `ssh-keygen` in `<root>/keys`, and its public line.
struct Key {
    path: PathBuf,
    public: String,
}

fn keygen(env: &TestEnv, name: &str, args: &[&str], passphrase: &str) -> Key {
    let dir = env.path("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(args)
        .args(["-q", "-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen (apt install openssh-client)");
    assert!(out.status.success(), "ssh-keygen: {out:?}");
    let public = std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string();
    Key { path, public }
}

/// The team: a bare remote, Ana's working clone, the members' keys, and tcli with the team
/// added and the secrets module on its plugin path.
struct World {
    env: TestEnv,
    bare: PathBuf,
    work: PathBuf,
    ana: Key,
    bo: Key,
    ci: Key,
    /// Values set so far: none may be found on disk at the end.
    values: Vec<String>,
}

impl World {
    fn new() -> World {
        let mut env = TestEnv::new();
        let plugins = env.path("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        std::fs::copy(
            crate::support::bundled("secrets"),
            plugins.join("libtcli_plugin_secrets.so"),
        )
        .unwrap();
        env.var("TCLI_PLUGIN_PATH", plugins.display().to_string());
        // Temp files (tcli's, git's, ssh-keygen's) land inside the root the scan covers.
        let tmp = env.path("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        env.var("TMPDIR", tmp.display().to_string());
        let ana = keygen(&env, "ana", &["-t", "ed25519"], "");
        let bo = keygen(&env, "bo", &["-t", "rsa", "-b", "2048"], "");
        let ci = keygen(&env, "ci", &["-t", "ed25519"], "");
        let bare = env.path("remotes/acme.git");
        let work = env.path("ana/acme");
        std::fs::create_dir_all(&bare).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        env.git()
            .as_person("Ana")
            .run(&bare, &["init", "-q", "--bare", "-b", "main"]);
        env.git()
            .as_person("Ana")
            .run(&work, &["init", "-q", "-b", "main"]);
        env.git()
            .as_person("Ana")
            .run(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
        let w = World {
            env,
            bare,
            work,
            ana,
            bo,
            ci,
            values: Vec::new(),
        };
        w.roster(&[("ana", &w.ana), ("bo", &w.bo), ("ci", &w.ci)]);
        w.push("roster");
        w.env
            .run(["team", "add", w.bare.to_str().unwrap(), "--name", TEAM])
            .success();
        w
    }

    /// Writes Ana's clone's tcli.toml with these people.
    fn roster(&self, people: &[(&str, &Key)]) {
        let mut text = String::from("[bookmarks]\nwiki = \"https://wiki.example.com\"\n");
        for (id, key) in people {
            text.push_str(&format!("\n[people.{id}]\nkeys = [\"{}\"]\n", key.public));
        }
        std::fs::write(self.work.join("tcli.toml"), text).unwrap();
    }

    /// Commits everything in Ana's clone and pushes it.
    fn push(&self, message: &str) {
        self.env
            .git()
            .as_person("Ana")
            .run(&self.work, &["add", "-A"]);
        self.env
            .git()
            .as_person("Ana")
            .run(&self.work, &["commit", "-q", "-m", message]);
        self.env
            .git()
            .as_person("Ana")
            .run(&self.work, &["push", "-q", "origin", "main"]);
    }

    fn update(&self) {
        self.env.run(["team", "update"]).success();
    }

    /// `tcli args...` as the owner of `key`, in `dir`, with `stdin`.
    fn run_as(&self, key: &Key, dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
        let mut c = self.env.cmd(args);
        c.env("TCLI_IDENTITY", &key.path)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run tcli");
        let mut input = child.stdin.take().unwrap();
        let data = stdin.to_vec();
        // A writer thread: tcli may stop reading early (a value over the cap).
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Run::from(out)
    }

    /// `tcli args...` as `key`, in the test root, stdin closed.
    fn as_(&self, key: &Key, args: &[&str]) -> Run {
        self.run_as(key, self.env.root.path(), args, b"")
    }

    /// Sets `name` to `value` as Ana in her clone, commits, pushes, updates.
    fn set_and_share(&mut self, name: &str, value: &str) {
        let r = self.run_as(
            &self.ana,
            &self.work,
            &["secrets", "set", name],
            value.as_bytes(),
        );
        r.success()
            .stdout_has(&format!(
                "git add secrets/{name}.age secrets/{name}.recipients"
            ))
            .stdout_has("git push");
        self.values.push(value.to_string());
        self.push(&format!("secrets: set {name}"));
        self.update();
    }

    /// No file under the test root but the keys holds any value set in the test, nor any
    /// object of any git repo under it (objects on disk are compressed, so each repo's
    /// objects are read through `git cat-file`, the bare remotes included).
    fn assert_no_plaintext(&self) {
        fn walk(dir: &Path, skip: &Path, files: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p == skip {
                    continue;
                }
                let t = e.file_type().unwrap();
                if t.is_dir() {
                    walk(&p, skip, files);
                } else if t.is_file() {
                    files.push(p);
                }
            }
        }
        assert!(!self.values.is_empty());
        let mut files = Vec::new();
        walk(self.env.root.path(), &self.env.path("keys"), &mut files);
        assert!(files.len() > 20, "the scan saw too few files: {files:?}");
        let holds = |what: &str, bytes: &[u8]| {
            for v in &self.values {
                assert!(
                    !bytes.windows(v.len()).any(|w| w == v.as_bytes()),
                    "{what} holds the plaintext {v:?}"
                );
            }
        };
        let mut repos = Vec::new();
        for f in &files {
            holds(&f.display().to_string(), &std::fs::read(f).unwrap());
            // A git dir: a HEAD file beside an objects dir.
            if f.file_name().is_some_and(|n| n == "HEAD") {
                let dir = f.parent().unwrap();
                if dir.join("objects").is_dir() {
                    repos.push(dir.to_path_buf());
                }
            }
        }
        assert!(repos.len() >= 3, "the scan saw too few repos: {repos:?}");
        for dir in repos {
            let git_dir = dir.to_str().unwrap();
            let out = self.env.git().run(
                &dir,
                &[
                    "--git-dir",
                    git_dir,
                    "cat-file",
                    "--batch-all-objects",
                    "--batch",
                ],
            );
            holds(&format!("an object of {}", dir.display()), out.as_bytes());
        }
    }

    fn checkout(&self) -> PathBuf {
        self.env.data_dir().join("teams").join(TEAM)
    }
}

#[test]
fn secrets_set_push_update_get_as_other_members() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-5f1e9a-ed-and-rsa");

    // Bo (RSA) and CI (ed25519) read what Ana set: a pipe gets the exact bytes.
    let r = w.as_(&w.bo, &["secrets", "get", "db-password"]);
    r.success();
    assert_eq!(r.raw_stdout, b"pw-5f1e9a-ed-and-rsa");
    let r = w.as_(&w.ci, &["secrets", "get", "db-password"]);
    r.success();
    assert_eq!(r.raw_stdout, b"pw-5f1e9a-ed-and-rsa");
    // A terminal gets the value and a newline.
    let shown = w.env.on_terminal(
        &["secrets", "get", "db-password"],
        &[("TCLI_IDENTITY", w.ana.path.to_str().unwrap())],
    );
    assert!(shown.contains("pw-5f1e9a-ed-and-rsa\r\n"), "{shown:?}");

    // A key outside the roster cannot read, and is told whose keys can.
    let outsider = keygen(&w.env, "outsider", &["-t", "ed25519"], "");
    insta::assert_snapshot!(w.as_(&outsider, &["secrets", "get", "db-password"]), @r"
        ------- stderr -------
        error: secret 'db-password' of team 'acme' is not encrypted to your key SHA256:$FP ($ROOT/keys/outsider); it can be read with the keys of: ana, bo, ci
        hint: ask one of them to add your public key to your [people.<id>] in the team's tcli.toml, then run 'tcli secrets rekey' and push
        [exit status: 1]
        ");

    // list needs no key to say what is readable and current.
    let v = w
        .as_(&w.bo, &["secrets", "list", "--json"])
        .success()
        .json();
    assert_eq!(v[0]["name"], "db-password");
    assert_eq!(v[0]["team"], TEAM);
    assert_eq!(v[0]["recipients"], 3);
    assert_eq!(v[0]["readable"], true);
    assert_eq!(v[0]["stale"], false);
    let v = w
        .as_(&outsider, &["secrets", "list", "--json"])
        .success()
        .json();
    assert_eq!(v[0]["readable"], false);
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "list"]), @r"
        NAME         TEAM  RECIPIENTS  READABLE  STATE
        db-password  acme  3           yes       ok
        ");
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "check"]), @r"team 'acme': 1 secrets, all encrypted to exactly the roster (3 keys)");

    insta::assert_snapshot!(w.as_(&w.bo, &["secrets", "get", "db-password", "--team", "nope"]), @r"
        ------- stderr -------
        error: no team named 'nope' has secrets here
        hint: run 'tcli secrets list' to see the teams and their secrets
        [exit status: 2]
        ");
    let r = w.as_(&w.bo, &["secrets", "get", "db-password", "--team", TEAM]);
    assert_eq!(r.success().raw_stdout, b"pw-5f1e9a-ed-and-rsa");
    insta::assert_snapshot!(w.as_(&w.bo, &["secrets", "get", "nope"]), @r"
        ------- stderr -------
        error: no secret named 'nope' in team 'acme'
        hint: run 'tcli secrets list' to see the secrets
        [exit status: 2]
        ");

    // The recipients file names the keys by fingerprint, readable in a diff.
    let sidecar =
        std::fs::read_to_string(w.checkout().join("secrets/db-password.recipients")).unwrap();
    assert_eq!(
        sidecar.lines().filter(|l| l.starts_with("SHA256:")).count(),
        3
    );
    assert!(sidecar.contains(" bo ssh-rsa\n"), "{sidecar}");
    w.assert_no_plaintext();
}

#[test]
fn secrets_set_writes_only_into_a_working_clone() {
    let mut w = World::new();
    // --repo names the clone from anywhere; the git commands then say -C.
    let r = w.run_as(
        &w.ana,
        w.env.root.path(),
        &[
            "secrets",
            "set",
            "api-token",
            "--repo",
            w.work.to_str().unwrap(),
        ],
        b"tok-8d2c71-repo",
    );
    w.values.push("tok-8d2c71-repo".into());
    r.success()
        .stdout_has(&format!("git -C {} add", w.work.display()));
    assert!(w.work.join("secrets/api-token.age").is_file());
    // Not a clone: a clear error, nothing written.
    insta::assert_snapshot!(w.run_as(
        &w.ana,
        w.env.root.path(),
        &["secrets", "set", "x"],
        b"v-not-written-1",
    ), @r"
        ------- stderr -------
        error: $ROOT is not a working clone of a configured team (acme ($ROOT/remotes/acme.git))
        hint: run it in your clone of the team repo, or pass --repo DIR
        [exit status: 1]
        ");
    // tcli's own checkout is refused: team update would reset it.
    insta::assert_snapshot!(w.run_as(
        &w.ana,
        &w.checkout(),
        &["secrets", "set", "x"],
        b"v-not-written-2",
    ), @r"
        ------- stderr -------
        error: $ROOT/data/teams/acme is tcli's own checkout of team 'acme', which 'tcli team update' resets
        hint: clone the team repo and run it there: git clone $ROOT/remotes/acme.git
        [exit status: 1]
        ");
    assert!(!w.checkout().join("secrets").exists());
    // rm removes both files and says how to share it.
    w.run_as(&w.ana, &w.work, &["secrets", "rm", "api-token"], b"")
        .success()
        .stdout_has("git add secrets/api-token.age secrets/api-token.recipients")
        .stdout_has("git commit -m 'secrets: remove api-token'");
    assert!(!w.work.join("secrets/api-token.age").exists());
    assert!(!w.work.join("secrets/api-token.recipients").exists());
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "rm", "api-token"], b""), @r"
        ------- stderr -------
        error: no secret named 'api-token' in team 'acme' ($ROOT/ana/acme)
        hint: run 'tcli secrets list' to see the secrets
        [exit status: 2]
        ");
    let leftovers: Vec<_> = std::fs::read_dir(w.work.join("secrets"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    // On a terminal the value is typed at a prompt that does not echo it.
    let shown = w.on_tty(
        &w.work,
        "secrets set typed",
        &[],
        &[("(typing is not shown): ", b"typed-4e1d-value\n")],
    );
    assert!(
        shown.contains("value for secret 'typed' (typing is not shown): "),
        "{shown:?}"
    );
    assert!(
        !shown.contains("typed-4e1d-value"),
        "the value was echoed: {shown:?}"
    );
    w.values.push("typed-4e1d-value".into());
    let r = w.run_as(&w.ana, &w.work, &["secrets", "get", "typed"], b"");
    r.code(2); // not pushed yet: the team's checkout does not have it
    let r = w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b"");
    r.success().stderr_has("nothing to do");
    w.push("secrets: typed");
    w.update();
    let r = w.as_(&w.ana, &["secrets", "get", "typed"]);
    r.success();
    assert_eq!(r.raw_stdout, b"typed-4e1d-value");
    w.values.push("v-not-written-1".into());
    w.values.push("v-not-written-2".into());
    w.assert_no_plaintext();
}

#[test]
fn secrets_rekey_lets_an_added_person_read() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-a41b-before-dan");
    w.set_and_share("api-token", "tok-a41b-before-dan");
    let dan = keygen(&w.env, "dan", &["-t", "ed25519"], "");
    w.roster(&[("ana", &w.ana), ("bo", &w.bo), ("ci", &w.ci), ("dan", &dan)]);
    w.push("roster: add dan");
    w.update();

    let r = w.as_(&w.ana, &["secrets", "check"]);
    insta::assert_snapshot!(r, @r"
        team 'acme':
          secrets/api-token.age: not encrypted to dan (SHA256:$FP), added to the roster since: rekey it
          secrets/db-password.age: not encrypted to dan (SHA256:$FP), added to the roster since: rekey it
        ------- stderr -------
        error: 2 of 2 secrets are not encrypted to exactly the current roster
        hint: in a clone of the team repo run 'tcli secrets rekey', then commit and push
        [exit status: 1]
        ");
    insta::assert_snapshot!(w.as_(&dan, &["secrets", "get", "db-password"]), @r"
        ------- stderr -------
        error: secret 'db-password' of team 'acme' is not encrypted to your key SHA256:$FP ($ROOT/keys/dan); it can be read with the keys of: ana, bo, ci
        hint: ask one of them to add your public key to your [people.<id>] in the team's tcli.toml, then run 'tcli secrets rekey' and push
        [exit status: 1]
        ");
    let v = w
        .as_(&w.ana, &["secrets", "list", "--json"])
        .success()
        .json();
    assert_eq!(v[0]["stale"], true);
    assert_eq!(v[0]["state"], "stale: rekey");

    let r = w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b"");
    r.success()
        .stderr_has("rekeyed 2 of 2 secrets")
        .stdout_has("git add secrets/api-token.age");
    // Nothing left to do: a second rekey changes nothing.
    w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b"")
        .success()
        .stderr_has("nothing to do");
    w.as_(&dan, &["secrets", "get", "db-password"]).code(1);
    w.push("secrets: rekey");
    w.update();
    w.as_(&w.ana, &["secrets", "check"]).success();
    let r = w.as_(&dan, &["secrets", "get", "db-password"]);
    r.success();
    assert_eq!(r.raw_stdout, b"pw-a41b-before-dan");
    w.assert_no_plaintext();
}

#[test]
fn secrets_check_says_rotate_for_a_removed_person() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-77c0-bo-saw-it");
    w.roster(&[("ana", &w.ana), ("ci", &w.ci)]);
    w.push("roster: bo left");
    w.update();
    insta::assert_snapshot!(w.as_(&w.ci, &["secrets", "check"]), @r"
        team 'acme':
          secrets/db-password.age: still encrypted to bo (SHA256:$FP), no longer in the roster: rekey it, and rotate the secret itself (they could read it, and git history keeps the old file)
        ------- stderr -------
        error: 1 of 1 secrets are not encrypted to exactly the current roster
        hint: in a clone of the team repo run 'tcli secrets rekey', commit and push; then rotate each secret marked 'rotate': change it where it is issued and 'tcli secrets set' the new value
        [exit status: 1]
        ");
    let r = w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b"");
    r.success()
        .stderr_has("warning: db-password could be read by keys no longer in the roster (bo)");
    w.push("secrets: rekey");
    w.update();
    w.as_(&w.ci, &["secrets", "check"]).success();
    insta::assert_snapshot!(w.as_(&w.bo, &["secrets", "get", "db-password"]), @r"
        ------- stderr -------
        error: secret 'db-password' of team 'acme' is not encrypted to your key SHA256:$FP ($ROOT/keys/bo); it can be read with the keys of: ana, ci
        hint: ask one of them to add your public key to your [people.<id>] in the team's tcli.toml, then run 'tcli secrets rekey' and push
        [exit status: 1]
        ");
    w.assert_no_plaintext();
}

#[test]
fn secrets_rekey_is_all_or_nothing() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-0b9e-ana-reads");
    // A secret Ana cannot read (written to CI's key only, by hand with another roster).
    w.roster(&[("ci", &w.ci)]);
    w.run_as(
        &w.ana,
        &w.work,
        &["secrets", "set", "ci-only"],
        b"ci-only-0b9e",
    )
    .success();
    w.values.push("ci-only-0b9e".into());
    w.roster(&[("ana", &w.ana), ("bo", &w.bo), ("ci", &w.ci)]);
    let before = |w: &World| {
        ["db-password.age", "ci-only.age", "db-password.recipients"]
            .map(|f| std::fs::read(w.work.join("secrets").join(f)).unwrap())
    };
    let was = before(&w);
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "rekey", "--all"], b""), @r"
        ------- stderr -------
        error: cannot rekey: your key SHA256:$FP cannot read ci-only; nothing was written
        hint: ask a teammate who can read them to run 'tcli secrets rekey', or set them again
        [exit status: 1]
        ");
    assert_eq!(before(&w), was, "a failed rekey changed files");
    w.assert_no_plaintext();
}

#[test]
fn secrets_exec_passes_only_the_named_secrets() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-c3d4-exec-db");
    w.set_and_share("api-token", "tok-c3d4-exec-api");
    w.set_and_share("other", "other-c3d4-not-passed");

    let r = w.as_(
        &w.bo,
        &[
            "secrets",
            "exec",
            "--only",
            "db-password,api-token",
            "--",
            "env",
        ],
    );
    r.success()
        .stdout_has("DB_PASSWORD=pw-c3d4-exec-db\n")
        .stdout_has("API_TOKEN=tok-c3d4-exec-api\n")
        .stdout_lacks("other-c3d4-not-passed")
        .stdout_lacks("OTHER=");
    // The exit status is the command's.
    w.as_(
        &w.bo,
        &[
            "secrets", "exec", "--only", "other", "--", "sh", "-c", "exit 7",
        ],
    )
    .code(7);
    // A name that does not exist: nothing runs.
    insta::assert_snapshot!(w.as_(
        &w.bo,
        &[
            "secrets",
            "exec",
            "--only",
            "db-password,nope",
            "--",
            "sh",
            "-c",
            "echo ran",
        ],
    ), @r"
        ------- stderr -------
        error: no secret named 'nope' in team 'acme'
        hint: run 'tcli secrets list' to see the secrets
        [exit status: 2]
        ");
    insta::assert_snapshot!(w.as_(
        &w.bo,
        &["secrets", "exec", "--only", "other", "--", "no-such-cmd-x"],
    ), @r"
        ------- stderr -------
        error: cannot run 'no-such-cmd-x': No such file or directory (os error 2)
        hint: check the command's name and PATH
        [exit status: 127]
        ");

    // The running command's argv holds no value; its environment does.
    let mut c = w.env.cmd([
        "secrets",
        "exec",
        "--only",
        "db-password",
        "--",
        "sh",
        "-c",
        "echo ready; read line",
    ]);
    c.env("TCLI_IDENTITY", &w.ana.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut ready = [0u8; 6];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut ready)
        .unwrap();
    assert_eq!(&ready, b"ready\n");
    // tcli replaced itself with the command: same pid.
    let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
    let cmdline = std::fs::read(proc_dir.join("cmdline")).unwrap();
    let environ = std::fs::read(proc_dir.join("environ")).unwrap();
    child.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(cmdline, b"sh\0-c\0echo ready; read line\0");
    let has = |hay: &[u8], n: &[u8]| hay.windows(n.len()).any(|x| x == n);
    assert!(has(&environ, b"DB_PASSWORD=pw-c3d4-exec-db\0"));
    assert!(!has(&environ, b"tok-c3d4-exec-api"));
    w.assert_no_plaintext();
}

#[test]
fn secrets_set_refuses_hostile_input_and_writes_nothing() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-e5f6-hostile");
    let secrets = w.checkout().join("secrets");
    let good = std::fs::read(secrets.join("db-password.age")).unwrap();

    // Truncated and garbage files in the team repo.
    std::fs::write(secrets.join("cut.age"), &good[..good.len() - 20]).unwrap();
    std::fs::copy(
        secrets.join("db-password.recipients"),
        secrets.join("cut.recipients"),
    )
    .unwrap();
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "get", "cut"]), @r"
        ------- stderr -------
        error: $ROOT/data/teams/acme/secrets/cut.age is damaged: it is truncated or altered (decryption error)
        hint: restore it from git (git checkout -- $ROOT/data/teams/acme/secrets/cut.age), or set the secret again
        [exit status: 1]
        ");
    std::fs::write(secrets.join("junk.age"), b"this is not age\n\x00\x01").unwrap();
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "get", "junk"]), @r"
        ------- stderr -------
        error: $ROOT/data/teams/acme/secrets/junk.age is damaged: it is not a valid age file (Header is invalid)
        hint: restore it from git (git checkout -- $ROOT/data/teams/acme/secrets/junk.age), or set the secret again
        [exit status: 1]
        ");
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "check"]), @r"
        team 'acme':
          secrets/junk.age: damaged: cannot read $ROOT/data/teams/acme/secrets/junk.recipients: No such file or directory (os error 2)
        ------- stderr -------
        error: 1 of 3 secrets are not encrypted to exactly the current roster
        hint: in a clone of the team repo run 'tcli secrets rekey', then commit and push
        [exit status: 1]
        ");
    // A recipients file that does not match its age file (a key left out by hand).
    let sidecar = secrets.join("db-password.recipients");
    let text = std::fs::read_to_string(&sidecar).unwrap();
    let cut: String = text
        .lines()
        .filter(|l| !l.ends_with(" bo ssh-rsa"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&sidecar, cut).unwrap();
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "check"]), @r"
        team 'acme':
          secrets/db-password.age: damaged: $ROOT/data/teams/acme/secrets/db-password.recipients does not list the keys $ROOT/data/teams/acme/secrets/db-password.age is encrypted to
          secrets/junk.age: damaged: cannot read $ROOT/data/teams/acme/secrets/junk.recipients: No such file or directory (os error 2)
        ------- stderr -------
        error: 2 of 3 secrets are not encrypted to exactly the current roster
        hint: in a clone of the team repo run 'tcli secrets rekey', then commit and push
        [exit status: 1]
        ");
    std::fs::write(&sidecar, text).unwrap();
    // A 50 MB file in the repo is not read whole.
    std::fs::write(secrets.join("huge.age"), vec![b'a'; 50 << 20]).unwrap();
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "get", "huge"]), @r"
        ------- stderr -------
        error: $ROOT/data/teams/acme/secrets/huge.age is larger than 16 MiB
        hint: secrets are tokens, passwords and keys; keep big files out of the team repo
        [exit status: 1]
        ");
    std::fs::remove_file(secrets.join("huge.age")).unwrap();

    // A 50 MB value is refused before anything is written.
    let big = vec![b'z'; 50 << 20];
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "set", "big"], &big), @r"
        ------- stderr -------
        error: the value of secret 'big' is larger than 1 MiB
        hint: secrets are tokens, passwords and keys; keep big files out of the team repo
        [exit status: 1]
        ");
    // Names with / or .. are refused, with exit 2.
    for name in ["../escape", "a/b", ".."] {
        w.run_as(&w.ana, &w.work, &["secrets", "set", name], b"v-bad-name")
            .code(2)
            .stderr_has(&format!("error: '{name}' is not a secret name"));
        w.as_(&w.ana, &["secrets", "get", name]).code(2);
    }
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "set", "empty"], b""), @r"
        ------- stderr -------
        error: the value of secret 'empty' is empty
        hint: give the value on stdin: tcli secrets set NAME < file
        [exit status: 1]
        ");
    // A roster key of a type age cannot encrypt to.
    let eve = keygen(&w.env, "eve", &["-t", "ecdsa"], "");
    w.roster(&[("ana", &w.ana), ("eve", &eve)]);
    insta::assert_snapshot!(w.run_as(
        &w.ana,
        &w.work,
        &["secrets", "set", "token"],
        b"v-ecdsa-roster",
    ), @r"
        ------- stderr -------
        error: people.eve.keys[0] in $ROOT/ana/acme/tcli.toml cannot receive secrets: key type ecdsa-sha2-nistp256 cannot be encrypted to (age takes ssh-ed25519 and ssh-rsa)
        hint: add an ssh-ed25519 key (ssh-keygen -t ed25519) for eve and remove this one from keys
        [exit status: 1]
        ");
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b""), @r"
        ------- stderr -------
        error: people.eve.keys[0] in $ROOT/ana/acme/tcli.toml cannot receive secrets: key type ecdsa-sha2-nistp256 cannot be encrypted to (age takes ssh-ed25519 and ssh-rsa)
        hint: add an ssh-ed25519 key (ssh-keygen -t ed25519) for eve and remove this one from keys
        [exit status: 1]
        ");
    w.env
        .git()
        .as_person("Ana")
        .run(&w.work, &["checkout", "tcli.toml"]);
    assert_eq!(
        w.env
            .git()
            .as_person("Ana")
            .run(&w.work, &["status", "--porcelain"]),
        ""
    );
    w.values.push("v-ecdsa-roster".into());
    w.values.push("v-bad-name".into());
    w.assert_no_plaintext();
}

#[test]
fn secrets_set_refuses_a_forgeable_rsa_recipient() {
    let mut w = World::new();
    // bo's real modulus with e = 1: age would encrypt to it, and the "ciphertext" would be the
    // file key itself.
    let mal = Key {
        path: PathBuf::new(),
        public: crate::support::forge::rsa_with_exponent(&w.bo.public, 1, "mal"),
    };
    w.roster(&[("ana", &w.ana), ("mal", &mal)]);
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "set", "token"], b"v-forgeable"), @r"
    ------- stderr -------
    error: people.mal.keys[0] in $ROOT/ana/acme/tcli.toml cannot receive secrets: RSA key with public exponent 1 can be forged (tcli accepts an odd exponent of 65537 or more)
    hint: add an ssh-ed25519 key (ssh-keygen -t ed25519) for mal and remove this one from keys
    [exit status: 1]
    ");
    w.values.push("v-forgeable".into());
    w.assert_no_plaintext();
}

#[test]
fn secrets_get_identity_rules() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-9a8b-identity");
    // Without TCLI_IDENTITY, ~/.ssh/id_ed25519, then ~/.ssh/id_rsa.
    let ssh = w.env.path("home/.ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let r = Run::from(
        w.env
            .cmd(["secrets", "get", "db-password"])
            .output()
            .unwrap(),
    );
    insta::assert_snapshot!(r, @r"
        ------- stderr -------
        error: no SSH key to decrypt with: none of TCLI_IDENTITY, $ROOT/home/.ssh/id_ed25519, $ROOT/home/.ssh/id_rsa exists
        hint: create one (ssh-keygen -t ed25519) and add its .pub line to the roster, or set TCLI_IDENTITY to your private key
        [exit status: 1]
        ");
    std::fs::copy(&w.bo.path, ssh.join("id_rsa")).unwrap();
    let r = Run::from(
        w.env
            .cmd(["secrets", "get", "db-password"])
            .output()
            .unwrap(),
    );
    r.success();
    assert_eq!(r.raw_stdout, b"pw-9a8b-identity");
    let mut c = w.env.cmd(["secrets", "get", "db-password"]);
    c.env("TCLI_IDENTITY", w.env.path("keys/missing"));
    insta::assert_snapshot!(Run::from(c.output().unwrap()), @r"
        ------- stderr -------
        error: TCLI_IDENTITY names $ROOT/keys/missing, which does not exist
        hint: set TCLI_IDENTITY to the path of your SSH private key
        [exit status: 1]
        ");

    // A key with a passphrase: without a terminal, a clear error; on one, it asks.
    let pat = keygen(&w.env, "pat", &["-t", "ed25519"], "correct horse");
    w.roster(&[("ana", &w.ana), ("bo", &w.bo), ("ci", &w.ci), ("pat", &pat)]);
    w.push("roster: add pat");
    w.update();
    w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b"")
        .success();
    w.push("secrets: rekey");
    w.update();
    insta::assert_snapshot!(w.as_(&pat, &["secrets", "get", "db-password"]), @r"
        ------- stderr -------
        error: $ROOT/keys/pat is protected by a passphrase, and there is no terminal to ask for it on
        hint: run it on a terminal, or give automation (CI) its own key without a passphrase in the roster
        [exit status: 1]
        ");
    let shown = w.on_tty(
        w.env.root.path(),
        "secrets get db-password",
        &[("TCLI_IDENTITY", pat.path.to_str().unwrap())],
        &[("passphrase for ", b"correct horse\n")],
    );
    assert!(shown.contains("passphrase for "), "{shown:?}");
    assert!(shown.contains("pw-9a8b-identity"), "{shown:?}");
    w.assert_no_plaintext();
}

/// `path`'s age header with `stanza` (lines, each ending in '\n') inserted after the version line.
fn with_stanza(path: &Path, stanza: &str) -> Vec<u8> {
    let file = std::fs::read(path).unwrap();
    let end = file.iter().position(|b| *b == b'\n').unwrap() + 1;
    [&file[..end], stanza.as_bytes(), &file[end..]].concat()
}

#[test]
fn secrets_check_refuses_a_file_encrypted_to_an_extra_key() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-1d2c-extra-key");
    let secrets = w.checkout().join("secrets");
    let age = secrets.join("db-password.age");
    let sidecar = secrets.join("db-password.recipients");
    let (good, good_sidecar) = (
        std::fs::read(&age).unwrap(),
        std::fs::read(&sidecar).unwrap(),
    );
    let text = String::from_utf8_lossy(&good).into_owned();
    // Ana's stanza: its line and its body line.
    let at = text.find("-> ssh-ed25519 ").unwrap();
    let ana_stanza: String = text[at..].split_inclusive('\n').take(2).collect();
    let body = "A".repeat(43);
    let extra = [
        // Grease stanzas beyond the one age writes, able to carry a wrapped key.
        format!("-> x-grease\n{body}\n-> y-grease\n{body}\n-> z-grease\n{body}\n"),
        format!(
            "-> big-grease a b\n{}\n{}\n\n",
            "A".repeat(64),
            "A".repeat(64)
        ),
        // A second stanza claiming a listed key's tag.
        ana_stanza.clone(),
        // A recipient that is not an SSH key.
        format!("-> X25519 {body}\n{body}\n"),
    ];
    for stanza in &extra {
        std::fs::write(&age, with_stanza(&age, stanza)).unwrap();
        w.as_(&w.ci, &["secrets", "check"])
            .code(1)
            .stdout_has("  secrets/db-password.age: damaged:");
        let v = w
            .as_(&w.ci, &["secrets", "list", "--json"])
            .success()
            .json();
        assert_eq!(v[0]["state"], "damaged", "{stanza}");
        std::fs::write(&age, &good).unwrap();
    }
    // A repeated stanza with a repeated recipients line to match.
    std::fs::write(&age, with_stanza(&age, &ana_stanza)).unwrap();
    let ana_line = String::from_utf8_lossy(&good_sidecar)
        .lines()
        .find(|l| l.contains(" ana "))
        .unwrap()
        .to_string();
    let mut doubled = good_sidecar.clone();
    doubled.extend_from_slice(format!("{ana_line}\n").as_bytes());
    std::fs::write(&sidecar, doubled).unwrap();
    insta::assert_snapshot!(w.as_(&w.ci, &["secrets", "check"]), @r"
        team 'acme':
          secrets/db-password.age: damaged: $ROOT/data/teams/acme/secrets/db-password.recipients is damaged: line 5: key SHA256:$FP is listed twice
        ------- stderr -------
        error: 1 of 1 secrets are not encrypted to exactly the current roster
        hint: in a clone of the team repo run 'tcli secrets rekey', then commit and push
        [exit status: 1]
        ");
    std::fs::write(&age, &good).unwrap();
    std::fs::write(&sidecar, &good_sidecar).unwrap();
    w.as_(&w.ci, &["secrets", "check"]).success();

    // rekey --all gives every file a fresh file key, current or not.
    let before = std::fs::read(w.work.join("secrets/db-password.age")).unwrap();
    w.run_as(&w.ana, &w.work, &["secrets", "rekey"], b"")
        .success()
        .stderr_has("nothing to do");
    w.run_as(&w.ana, &w.work, &["secrets", "rekey", "--all"], b"")
        .success()
        .stderr_has("rekeyed 1 of 1 secrets");
    assert_ne!(
        std::fs::read(w.work.join("secrets/db-password.age")).unwrap(),
        before
    );
    w.push("secrets: rekey --all");
    w.update();
    let r = w.as_(&w.bo, &["secrets", "get", "db-password"]);
    assert_eq!(r.success().raw_stdout, b"pw-1d2c-extra-key");
    w.assert_no_plaintext();
}

/// `ssh-keygen -l`'s fingerprint of `key`.
fn fingerprint(key: &Key) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(key.path.with_extension("pub"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace().nth(1).unwrap().to_string()
}

#[test]
fn secrets_set_and_rekey_refuse_a_key_the_team_roster_lacks() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-6a7b-roster-vetted");
    // A pushed commit adds Mallory's key; Ana's clone has it, tcli's checkout does not.
    let mallory = keygen(&w.env, "mallory", &["-t", "ed25519"], "");
    let fp = fingerprint(&mallory);
    w.roster(&[
        ("ana", &w.ana),
        ("bo", &w.bo),
        ("ci", &w.ci),
        ("mallory", &mallory),
    ]);
    let files = |w: &World| {
        ["db-password.age", "db-password.recipients"]
            .map(|f| std::fs::read(w.work.join("secrets").join(f)).unwrap())
    };
    let was = files(&w);
    for args in [&["secrets", "rekey"][..], &["secrets", "set", "api-token"]] {
        // Both refuse alike: one snapshot for every pass; mallory's key named as such.
        let r = w.run_as(&w.ana, &w.work, args, b"tok-6a7b-not-written");
        insta::allow_duplicates! {
            insta::assert_snapshot!(r.naming(&[(fp.as_str(), "$MALLORY")]), @r"
                ------- stderr -------
                note: encrypting also to ssh-ed25519 $MALLORY of mallory, not in the roster of team 'acme' as tcli has it
                error: the roster in $ROOT/ana/acme/tcli.toml adds mallory ($MALLORY), not in the roster of team 'acme' as tcli has it (from 'tcli team update'); secrets are not encrypted to a key nobody verified
                hint: once the roster change is pushed, run 'tcli team update' (which verifies it); or, having checked each key with its owner, pass --allow-new-key $MALLORY
                [exit status: 1]
                ");
        }
    }
    assert_eq!(files(&w), was, "a refused rekey changed files");
    assert!(!w.work.join("secrets/api-token.age").exists());
    // Named, the key is taken (and still printed).
    w.run_as(
        &w.ana,
        &w.work,
        &["secrets", "rekey", "--allow-new-key", &fp],
        b"",
    )
    .success()
    .stderr_has(&format!(
        "note: encrypting also to ssh-ed25519 {fp} of mallory"
    ))
    .stderr_has("rekeyed 1 of 1 secrets");
    // Once tcli has the roster (team update), no flag is needed.
    w.push("roster: add mallory");
    w.update();
    w.run_as(
        &w.ana,
        &w.work,
        &["secrets", "set", "api-token"],
        b"tok-6a7b-later",
    )
    .success();
    w.values.push("tok-6a7b-not-written".into());
    w.values.push("tok-6a7b-later".into());
    w.assert_no_plaintext();
}

#[test]
fn secrets_get_a_name_two_teams_have_needs_team() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-4e4f-acme");
    // A second team, listed after acme, with a secret of the same name.
    let bare = w.env.path("remotes/beta.git");
    let work = w.env.path("ana/beta");
    std::fs::create_dir_all(&bare).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    w.env
        .git()
        .as_person("Ana")
        .run(&bare, &["init", "-q", "--bare", "-b", "main"]);
    w.env
        .git()
        .as_person("Ana")
        .run(&work, &["init", "-q", "-b", "main"]);
    w.env
        .git()
        .as_person("Ana")
        .run(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
    std::fs::write(
        work.join("tcli.toml"),
        format!("[people.ana]\nkeys = [\"{}\"]\n", w.ana.public),
    )
    .unwrap();
    let share = |w: &World| {
        w.env.git().as_person("Ana").run(&work, &["add", "-A"]);
        w.env
            .git()
            .as_person("Ana")
            .run(&work, &["commit", "-q", "-m", "beta"]);
        w.env
            .git()
            .as_person("Ana")
            .run(&work, &["push", "-q", "origin", "main"]);
    };
    share(&w);
    w.env
        .run(["team", "add", bare.to_str().unwrap(), "--name", "beta"])
        .success();
    w.run_as(
        &w.ana,
        &work,
        &["secrets", "set", "db-password"],
        b"pw-4e4f-beta",
    )
    .success();
    w.values.push("pw-4e4f-beta".into());
    share(&w);
    w.update();
    for args in [
        &["secrets", "get", "db-password"][..],
        &["secrets", "exec", "--only", "db-password", "--", "true"],
    ] {
        // Each refuses alike: one snapshot for every pass.
        insta::allow_duplicates! {
            insta::assert_snapshot!(w.as_(&w.ana, args), @r"
                ------- stderr -------
                error: teams acme, beta all have a secret named 'db-password'
                hint: say which team to read it from: --team acme or --team beta
                [exit status: 2]
                ");
        }
    }
    let r = w.as_(&w.ana, &["secrets", "get", "db-password", "--team", "beta"]);
    assert_eq!(r.success().raw_stdout, b"pw-4e4f-beta");
    let r = w.as_(&w.ana, &["secrets", "get", "db-password", "--team", TEAM]);
    assert_eq!(r.success().raw_stdout, b"pw-4e4f-acme");
    w.assert_no_plaintext();
}

#[test]
fn secrets_rekey_undoes_its_renames_when_one_fails() {
    let mut w = World::new();
    w.set_and_share("api-token", "tok-8f9a-rollback");
    w.set_and_share("db-password", "pw-8f9a-rollback");
    let dir = w.work.join("secrets");
    // The last file to be renamed cannot be: its path is a directory.
    std::fs::remove_file(dir.join("db-password.recipients")).unwrap();
    std::fs::create_dir(dir.join("db-password.recipients")).unwrap();
    let files = |w: &World| {
        ["api-token.age", "api-token.recipients", "db-password.age"]
            .map(|f| std::fs::read(w.work.join("secrets").join(f)).unwrap())
    };
    let was = files(&w);
    insta::assert_snapshot!(w.run_as(&w.ana, &w.work, &["secrets", "rekey", "--all"], b""), @r"
        ------- stderr -------
        error: cannot write $ROOT/ana/acme/secrets/db-password.recipients: it is not a regular file
        [exit status: 1]
        ");
    assert_eq!(files(&w), was, "a failed rekey left files changed");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api-token.age",
            "api-token.recipients",
            "db-password.age",
            "db-password.recipients"
        ],
        "temp files left"
    );
    w.assert_no_plaintext();
}

#[test]
fn secrets_exec_refuses_values_the_environment_cannot_hold() {
    let mut w = World::new();
    let big = format!("big-3c4d-{}", "x".repeat(140 * 1024));
    w.set_and_share("big-cert", &big);
    w.set_and_share("nul-token", "nul-3c4d\0after-the-nul");
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "exec", "--only", "big-cert", "--", "true"]), @r"
        ------- stderr -------
        error: secret 'big-cert' is too long for an environment variable: BIG_CERT=<value> is 143379 bytes, over the kernel's limit of 131072 bytes for one
        hint: pass it through a pipe or a file descriptor instead: tcli secrets get big-cert | CMD
        [exit status: 1]
        ");
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "exec", "--only", "nul-token", "--", "true"]), @r"
        ------- stderr -------
        error: the value of secret 'nul-token' contains a NUL byte, which an environment variable cannot hold
        hint: read it from a pipe instead: tcli secrets get nul-token | CMD
        [exit status: 1]
        ");
    // Both still read whole through a pipe.
    let r = w.as_(&w.ana, &["secrets", "get", "big-cert"]);
    assert_eq!(r.success().raw_stdout, big.as_bytes());
    w.assert_no_plaintext();
}

#[test]
fn secrets_get_and_set_refuse_symlinks() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-2b3c-symlink");
    let secrets = w.checkout().join("secrets");
    // A link to a file the repo does not hold, named as a secret.
    std::os::unix::fs::symlink(secrets.join("db-password.age"), secrets.join("link.age")).unwrap();
    std::fs::copy(
        secrets.join("db-password.recipients"),
        secrets.join("link.recipients"),
    )
    .unwrap();
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "get", "link"]), @r"
        ------- stderr -------
        error: $ROOT/data/teams/acme/secrets/link.age is a symbolic link; secrets are read and written only as plain files and dirs
        hint: replace it with what it points to, or restore it from git (git checkout -- $ROOT/data/teams/acme/secrets/link.age)
        [exit status: 1]
        ");
    insta::assert_snapshot!(w.as_(&w.ana, &["secrets", "check"]), @r"
        team 'acme':
          secrets/link.age: damaged: $ROOT/data/teams/acme/secrets/link.age is a symbolic link; secrets are read and written only as plain files and dirs
        ------- stderr -------
        error: 1 of 2 secrets are not encrypted to exactly the current roster
        hint: in a clone of the team repo run 'tcli secrets rekey', then commit and push
        [exit status: 1]
        ");
    std::fs::remove_file(secrets.join("link.age")).unwrap();
    std::fs::remove_file(secrets.join("link.recipients")).unwrap();

    // In the clone: a .recipients link, then a secrets/ dir that is a link.
    let dir = w.work.join("secrets");
    let elsewhere = w.env.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("x"), dir.join("token.recipients")).unwrap();
    insta::assert_snapshot!(w.run_as(
        &w.ana,
        &w.work,
        &["secrets", "set", "token"],
        b"tok-2b3c-nowhere",
    ), @r"
        ------- stderr -------
        error: $ROOT/ana/acme/secrets/token.recipients is a symbolic link; secrets are read and written only as plain files and dirs
        hint: replace it with what it points to, or restore it from git (git checkout -- $ROOT/ana/acme/secrets/token.recipients)
        [exit status: 1]
        ");
    std::fs::remove_file(dir.join("token.recipients")).unwrap();
    std::fs::rename(&dir, elsewhere.join("secrets")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("secrets"), &dir).unwrap();
    for (args, stdin) in [
        (&["secrets", "set", "token"][..], &b"tok-2b3c-nowhere"[..]),
        (&["secrets", "rekey", "--all"], b""),
        (&["secrets", "rm", "db-password"], b""),
        (&["secrets", "check", "--repo", "."], b""),
    ] {
        // Each refuses alike: one snapshot for every pass.
        insta::allow_duplicates! {
            insta::assert_snapshot!(w.run_as(&w.ana, &w.work, args, stdin), @r"
                ------- stderr -------
                error: $ROOT/ana/acme/secrets is a symbolic link; secrets are read and written only as plain files and dirs
                hint: replace it with what it points to, or restore it from git (git checkout -- $ROOT/ana/acme/secrets)
                [exit status: 1]
                ");
        }
    }
    let left: Vec<_> = std::fs::read_dir(elsewhere.join("secrets"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!elsewhere.join("x").exists());
    w.values.push("tok-2b3c-nowhere".into());
    w.assert_no_plaintext();
}

impl World {
    /// Runs `tcli <args>` (then `stty -a` and its status) on a pseudo-terminal through
    /// `script`, in `dir` with `vars`; for each step waits until the terminal shows the text,
    /// then types the bytes. Returns what the terminal showed.
    fn on_tty(
        &self,
        dir: &Path,
        args: &str,
        vars: &[(&str, &str)],
        steps: &[(&str, &[u8])],
    ) -> String {
        let line = format!(
            "{} {args}; echo \"status=$?\"; stty -a",
            crate::support::tcli_bin().display()
        );
        let mut c = self.env.command("script");
        c.args(["-qec", &line, "/dev/null"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in vars {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("run script (apt install util-linux)");
        let mut input = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let reader = {
            let seen = std::sync::Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stdout.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    seen.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        let shows = |text: &str| {
            let seen = seen.lock().unwrap();
            seen.windows(text.len()).any(|w| w == text.as_bytes())
        };
        for (text, typed) in steps {
            let start = std::time::Instant::now();
            while !shows(text) {
                assert!(
                    start.elapsed() < std::time::Duration::from_secs(30),
                    "the terminal never showed {text:?}: {:?}",
                    String::from_utf8_lossy(&seen.lock().unwrap())
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            input.write_all(typed).unwrap();
            input.flush().unwrap();
        }
        // stdin stays open until the session ends: script ends it at EOF.
        let start = std::time::Instant::now();
        while !shows("speed ") {
            if start.elapsed() > std::time::Duration::from_secs(30) {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.wait().unwrap();
        drop(input);
        reader.join().unwrap();
        let out = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
        out
    }
}

/// Whether `stty -a` output on the terminal says echo is on.
fn echo_on(shown: &str) -> bool {
    let stty = &shown[shown.rfind("speed ").expect("stty -a ran")..];
    stty.split_whitespace().any(|w| w == "echo")
}

#[test]
fn secrets_get_prompts_restore_the_terminal_and_check_the_key_first() {
    let mut w = World::new();
    w.set_and_share("db-password", "pw-5d6e-prompts");
    // Ctrl-C at the hidden prompt: echo is back on, the status is SIGINT's, nothing written.
    let shown = w.on_tty(
        &w.work,
        "secrets set typed",
        &[],
        &[("(typing is not shown): ", b"half-typed\x03")],
    );
    assert!(shown.contains("status=130"), "{shown:?}");
    assert!(echo_on(&shown), "echo left off: {shown:?}");
    assert!(!w.work.join("secrets/typed.age").exists());
    let shown = w.on_tty(
        &w.work,
        "secrets set typed",
        &[],
        &[("(typing is not shown): ", b"typed-5d6e\n")],
    );
    assert!(shown.contains("status=0"), "{shown:?}");
    assert!(echo_on(&shown), "echo left off: {shown:?}");
    w.values.push("typed-5d6e".into());

    // A key with a passphrase that the secret is not for: told so, no passphrase asked.
    let pat = keygen(&w.env, "pat", &["-t", "ed25519"], "correct horse");
    insta::assert_snapshot!(w.as_(&pat, &["secrets", "get", "db-password"]), @r"
        ------- stderr -------
        error: secret 'db-password' of team 'acme' is not encrypted to your key SHA256:$FP ($ROOT/keys/pat); it can be read with the keys of: ana, bo, ci
        hint: ask one of them to add your public key to your [people.<id>] in the team's tcli.toml, then run 'tcli secrets rekey' and push
        [exit status: 1]
        ");
    let shown = w.on_tty(
        w.env.root.path(),
        "secrets get db-password",
        &[("TCLI_IDENTITY", pat.path.to_str().unwrap())],
        &[],
    );
    assert!(!shown.contains("passphrase for "), "{shown:?}");
    assert!(shown.contains("is not encrypted to your key"), "{shown:?}");

    // --repo may name any dir of the work tree; check --repo may read tcli's own checkout.
    w.run_as(
        &w.ana,
        w.env.root.path(),
        &[
            "secrets",
            "rekey",
            "--repo",
            w.work.join("secrets").to_str().unwrap(),
        ],
        b"",
    )
    .success()
    .stderr_has(&format!("in team 'acme' ({})", w.work.display()));
    w.as_(
        &w.ana,
        &["secrets", "check", "--repo", w.checkout().to_str().unwrap()],
    )
    .success()
    .stdout_has("1 secrets, all encrypted to exactly the roster");
    insta::assert_snapshot!(w.run_as(
        &w.ana,
        w.env.root.path(),
        &[
            "secrets",
            "rekey",
            "--all",
            "--repo",
            w.checkout().to_str().unwrap(),
        ],
        b"",
    ), @r"
        ------- stderr -------
        error: $ROOT/data/teams/acme is tcli's own checkout of team 'acme', which 'tcli team update' resets
        hint: clone the team repo and run it there: git clone $ROOT/remotes/acme.git
        [exit status: 1]
        ");
    w.assert_no_plaintext();
}
