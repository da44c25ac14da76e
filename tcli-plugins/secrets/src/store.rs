//! The files of a team's secrets (docs/secrets.md, "Format"): `secrets/<name>.age`, an age
//! file, and `secrets/<name>.recipients`, the fingerprints of the keys it is encrypted to, so
//! `list` and `check` need no key. Owns the name rule, the size caps, reading both files, and
//! matching them against each other (the age header's 4-byte key tags) and against a roster.
//! Writing goes through [`Staged`]: temp files in the same dir, renamed into place.

use crate::problem::Problem;
use crate::roster::RosterKey;
use base64ct::{Base64, Base64Unpadded, Encoding};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use tcli_plugin_sdk::signals::Deferred;

/// The dir of a team repo that holds the secrets.
pub(crate) const DIR: &str = "secrets";
/// The largest value a secret may hold: tokens, passwords, keys and certificates fit.
pub(crate) const MAX_VALUE: usize = 1 << 20;
/// The largest `.age` file read: the value, its 16-byte tags, and a header for many keys.
pub(crate) const MAX_FILE: u64 = 16 << 20;
/// The largest `.recipients` file read.
const MAX_SIDECAR: u64 = 4 << 20;

const SIDECAR_HEAD: &str = "# tcli secrets: the SSH keys";

/// Checks a secret name: the module-name rule, so it is one file name and an env var name.
pub(crate) fn check_name(name: &str) -> Result<(), Problem> {
    if tcli_roster::valid_id(name) {
        Ok(())
    } else {
        Err(Problem::BadName {
            name: name.to_string(),
        })
    }
}

/// `db-password` → `DB_PASSWORD`.
pub(crate) fn env_name(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// One key a secret is encrypted to, as its `.recipients` file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) fingerprint: String,
    pub(crate) person: String,
    pub(crate) kind: String,
}

/// A secret's two files.
#[derive(Debug, Clone)]
pub(crate) struct Secret {
    pub(crate) name: String,
    pub(crate) age: PathBuf,
    pub(crate) sidecar: PathBuf,
}

impl Secret {
    pub(crate) fn new(repo: &Path, name: &str) -> Secret {
        let dir = repo.join(DIR);
        Secret {
            name: name.to_string(),
            age: dir.join(format!("{name}.age")),
            sidecar: dir.join(format!("{name}.recipients")),
        }
    }

    /// Its two files as git names them in the repo: `secrets/NAME.age`, `secrets/NAME.recipients`.
    pub(crate) fn repo_paths(&self) -> [String; 2] {
        [
            format!("{DIR}/{}.age", self.name),
            format!("{DIR}/{}.recipients", self.name),
        ]
    }

    /// The `.age` file's bytes, refused past [`MAX_FILE`].
    pub(crate) fn read_age(&self) -> Result<Vec<u8>, Problem> {
        read_capped(&self.age, MAX_FILE)
    }

    /// The `.recipients` file.
    pub(crate) fn read_sidecar(&self) -> Result<Vec<Entry>, Problem> {
        parse_sidecar(&self.sidecar, read_capped(&self.sidecar, MAX_SIDECAR)?)
    }
}

/// A `.recipients` file's lines (`path` names it in problems): each a fingerprint, a person id
/// and a key type, every key once.
pub(crate) fn parse_sidecar(path: &Path, bytes: Vec<u8>) -> Result<Vec<Entry>, Problem> {
    let damaged = |why: String| Problem::Damaged {
        path: path.to_path_buf(),
        why,
    };
    let text = String::from_utf8(bytes).map_err(|_| damaged("it is not UTF-8".into()))?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [fingerprint, person, kind] = fields[..] else {
            return Err(damaged(format!(
                "line {} is not '<fingerprint> <person> <key type>'",
                n + 1
            )));
        };
        if tag_of(fingerprint).is_none() {
            return Err(damaged(format!(
                "line {}: '{}' is not a SHA256 key fingerprint",
                n + 1,
                fingerprint.escape_debug()
            )));
        }
        // Both are printed in messages: a person id by the module-name rule (no escape
        // sequences for the terminal), a key type age encrypts to.
        if !tcli_roster::valid_id(person) {
            return Err(damaged(format!(
                "line {}: '{}' is not a person id",
                n + 1,
                person.escape_debug()
            )));
        }
        if !matches!(kind, "ssh-ed25519" | "ssh-rsa") {
            return Err(damaged(format!(
                "line {}: key type '{}' is not ssh-ed25519 or ssh-rsa",
                n + 1,
                kind.escape_debug()
            )));
        }
        // One line per key: a repeated one could stand for a stanza added to the file.
        if !seen.insert(fingerprint) {
            return Err(damaged(format!(
                "line {}: key {fingerprint} is listed twice",
                n + 1
            )));
        }
        out.push(Entry {
            fingerprint: fingerprint.to_string(),
            person: person.to_string(),
            kind: kind.to_string(),
        });
    }
    Ok(out)
}

/// Refuses `path` when it is a symbolic link: a link committed to the repo could point a
/// read or a write anywhere the user can reach (docs/secrets.md, "Format").
pub(crate) fn no_symlink(path: &Path) -> Result<(), Problem> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Problem::Symlink(path.to_path_buf())),
        _ => Ok(()),
    }
}

fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, Problem> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        no_symlink(dir)?;
    }
    // O_NOFOLLOW: a link is refused by the open itself, with no window for a swap.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                Problem::Symlink(path.to_path_buf())
            } else {
                Problem::io("read", path, e)
            }
        })?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Problem::io("read", path, e))?;
    if bytes.len() as u64 > cap {
        return Err(Problem::TooLarge {
            what: path.display().to_string(),
            limit: human(cap),
        });
    }
    Ok(bytes)
}

pub(crate) fn human(n: u64) -> String {
    format!("{} MiB", n >> 20)
}

/// The secrets of a repo, by name, from the `.age` files of its `secrets/` dir.
pub(crate) fn secrets_in(repo: &Path) -> Result<Vec<Secret>, Problem> {
    let dir = repo.join(DIR);
    no_symlink(&dir)?;
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Problem::io("read", dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Problem::io("read", &dir, e))?;
        let file = entry.file_name();
        let Some(name) = file.to_str().and_then(|f| f.strip_suffix(".age")) else {
            continue;
        };
        // A file that breaks the name rule was not written by tcli; it is not a secret here.
        if tcli_roster::valid_id(name) {
            out.push(Secret::new(repo, name));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The 4-byte tag age puts in an ssh-ed25519 or ssh-rsa stanza: the first bytes of the
/// SHA-256 of the key, which the `SHA256:` fingerprint spells in base64.
pub(crate) fn tag_of(fingerprint: &str) -> Option<[u8; 4]> {
    let b64 = fingerprint.strip_prefix("SHA256:")?;
    let mut hash = [0u8; 32];
    let len = match Base64Unpadded::decode(b64, &mut hash) {
        Ok(d) => d.len(),
        Err(_) => Base64::decode(b64, &mut hash).ok()?.len(),
    };
    if len != 32 {
        return None;
    }
    Some([hash[0], hash[1], hash[2], hash[3]])
}

/// The recipient stanzas of an age header: the key tags of ssh-ed25519 and ssh-rsa stanzas,
/// and how many stanzas of other kinds there are (a second "grease" stanza, or one not shaped
/// as age makes it, counts as another kind).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ssh_tags: Vec<[u8; 4]>,
    pub(crate) others: usize,
}

/// Whether a `*-grease` stanza is shaped as age's `grease_the_joint` makes one: a tag of 1 to 8
/// visible characters before `-grease`, at most 4 arguments of 1 to 8, a body of at most 100
/// bytes (136 base64 characters). Anything else could carry a wrapped key.
fn age_grease(kind: &str, args: &[&str], body_chars: usize) -> bool {
    let short = |s: &str| (1..=8).contains(&s.len());
    kind.strip_suffix("-grease").is_some_and(short)
        && args.len() <= 4
        && args.iter().all(|a| short(a))
        && body_chars <= 136
}

/// Reads the recipients from an age file's text header, without any key. Every line up to
/// `---` must be a stanza (`-> TYPE ARGS`) or its body (64-column base64 lines ended by a
/// shorter one), each SSH key tag may appear once, and at most one grease stanza is allowed.
pub(crate) fn header(path: &Path, file: &[u8]) -> Result<Header, Problem> {
    let damaged = |why: &str| Problem::Damaged {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    let truncated = || damaged("its header has no end (the file is truncated)");
    let mut lines = file.split(|b| *b == b'\n');
    if lines.next() != Some(b"age-encryption.org/v1") {
        return Err(damaged(
            "it is not an age file (no age-encryption.org/v1 line)",
        ));
    }
    let mut h = Header::default();
    let mut grease = 0usize;
    loop {
        let line = lines.next().ok_or_else(truncated)?;
        if line.starts_with(b"---") {
            return Ok(h);
        }
        let stanza = line
            .strip_prefix(b"-> ")
            .ok_or_else(|| damaged("its header has a line that is not a recipient stanza"))?;
        let text = std::str::from_utf8(stanza).map_err(|_| damaged("its header is not text"))?;
        let mut words = text.split(' ');
        let kind = words.next().unwrap_or_default();
        let args: Vec<&str> = words.collect();
        let mut body_chars = 0usize;
        loop {
            let body = lines.next().ok_or_else(truncated)?;
            body_chars += body.len();
            if body.len() < 64 {
                break;
            }
        }
        match (kind, &args[..]) {
            ("ssh-ed25519", [tag, _]) | ("ssh-rsa", [tag]) => {
                let mut out = [0u8; 4];
                match Base64Unpadded::decode(tag, &mut out) {
                    Ok(t) if t.len() == 4 => {}
                    _ => return Err(damaged("a recipient line has a bad key tag")),
                }
                if h.ssh_tags.contains(&out) {
                    return Err(damaged("its header has two stanzas for one key"));
                }
                h.ssh_tags.push(out);
            }
            _ if grease == 0 && age_grease(kind, &args, body_chars) => grease += 1,
            _ => h.others += 1,
        }
    }
}

/// How a secret's recipients compare with the roster.
#[derive(Debug, Default)]
pub(crate) struct Status {
    /// Roster keys the secret is not encrypted to: added since it was written.
    pub(crate) added: Vec<(String, String)>,
    /// Keys the secret is encrypted to that are not in the roster: removed since.
    pub(crate) removed: Vec<Entry>,
    /// Why the two files do not agree, or cannot be read.
    pub(crate) damaged: Option<String>,
}

impl Status {
    pub(crate) fn current(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.damaged.is_none()
    }

    /// One line for `list`: `ok`, `stale: rekey`, `stale: rotate`, `damaged`.
    pub(crate) fn word(&self) -> &'static str {
        if self.damaged.is_some() {
            "damaged"
        } else if !self.removed.is_empty() {
            "stale: rotate"
        } else if !self.added.is_empty() {
            "stale: rekey"
        } else {
            "ok"
        }
    }
}

/// What a secret's files say about it, read once: its recipients (empty when unreadable).
pub(crate) struct Inspected {
    pub(crate) entries: Vec<Entry>,
    pub(crate) status: Status,
}

/// Reads a secret's two files and compares them with each other and with `roster`
/// (fingerprint → person). Needs no key.
pub(crate) fn inspect(secret: &Secret, roster: &[(String, String)]) -> Inspected {
    let mut status = Status::default();
    let entries = match secret.read_sidecar() {
        Ok(e) => e,
        Err(p) => {
            status.damaged = Some(p.to_string());
            Vec::new()
        }
    };
    if status.damaged.is_none() {
        match secret.read_age().and_then(|f| header(&secret.age, &f)) {
            Ok(h) => {
                let mut said: Vec<[u8; 4]> = entries
                    .iter()
                    .filter_map(|e| tag_of(&e.fingerprint))
                    .collect();
                let mut found = h.ssh_tags.clone();
                said.sort_unstable();
                found.sort_unstable();
                // One to one: both lists are free of repeats (read_sidecar and header refuse
                // them), so equal sorted lists pair each stanza with one listed key.
                if h.others > 0 {
                    status.damaged = Some(format!(
                        "{} is also encrypted to {} recipient(s) that are not SSH keys",
                        secret.age.display(),
                        h.others
                    ));
                } else if said != found {
                    status.damaged = Some(format!(
                        "{} does not list the keys {} is encrypted to",
                        secret.sidecar.display(),
                        secret.age.display()
                    ));
                }
            }
            Err(p) => status.damaged = Some(p.to_string()),
        }
    }
    for (fp, person) in roster {
        if !entries.iter().any(|e| &e.fingerprint == fp) {
            status.added.push((person.clone(), fp.clone()));
        }
    }
    for e in &entries {
        if !roster.iter().any(|(fp, _)| fp == &e.fingerprint) {
            status.removed.push(e.clone());
        }
    }
    Inspected { entries, status }
}

/// The `.recipients` text for the keys a secret is encrypted to.
pub(crate) fn sidecar_text(name: &str, keys: &[RosterKey]) -> String {
    let mut s = format!(
        "{SIDECAR_HEAD} secrets/{name}.age is encrypted to (docs/secrets.md); written by tcli\n"
    );
    for k in keys {
        s.push_str(&format!("{} {} {}\n", k.fingerprint, k.person, k.kind));
    }
    s
}

/// New contents for secrets' files, written beside them; nothing is visible until
/// [`Staged::commit`] renames every file into place. From the first file staged until the
/// commit or its rollback is over, SIGINT, SIGTERM and SIGHUP wait (a [`Deferred`] region), so a
/// Ctrl-C leaves either every file or none, and no `.tcli-secret-*` file behind.
#[derive(Default)]
pub(crate) struct Staged {
    files: Vec<(tempfile::NamedTempFile, PathBuf)>,
    hold: Option<Deferred>,
}

impl Staged {
    /// Stages `bytes` (ciphertext or a sidecar: never a plaintext value) for `dest`.
    pub(crate) fn add(&mut self, dest: &Path, bytes: &[u8]) -> Result<(), Problem> {
        if self.hold.is_none() {
            self.hold = Some(Deferred::enter());
        }
        let dir = dest.parent().unwrap_or(Path::new("."));
        no_symlink(dir)?;
        std::fs::create_dir_all(dir).map_err(|e| Problem::io("create", dir, e))?;
        no_symlink(dest)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".tcli-secret-")
            .tempfile_in(dir)
            .map_err(|e| Problem::io("write in", dir, e))?;
        // No fsync, as git does not sync the work tree: the file replaced is in git, and a
        // rekey's 400 syncs would cost more than its crypto.
        tmp.write_all(bytes)
            .map_err(|e| Problem::io("write", tmp.path().to_path_buf(), e))?;
        self.files.push((tmp, dest.to_path_buf()));
        Ok(())
    }

    /// Renames every staged file into place, in order (an `.age` file before its sidecar).
    /// Each file replaced is first hard-linked to a backup beside it; if a rename fails, the
    /// ones done are undone from the backups (or removed, when there was no file), so the
    /// files are as they were, and the error is returned.
    pub(crate) fn commit(mut self) -> Result<(), Problem> {
        let hold = self.hold.take();
        // (dest, its backup if it existed)
        let mut done: Vec<(PathBuf, Option<tempfile::TempPath>)> = Vec::new();
        let mut failure = None;
        for (tmp, dest) in std::mem::take(&mut self.files) {
            let backup = match backup_of(&dest) {
                Ok(b) => b,
                Err(p) => {
                    failure = Some(p);
                    break;
                }
            };
            if let Err(e) = tmp.persist(&dest) {
                failure = Some(Problem::io("write", dest.clone(), e.error));
                break;
            }
            done.push((dest, backup));
        }
        if let Some(problem) = failure {
            for (dest, backup) in done.into_iter().rev() {
                let undone = match backup {
                    Some(b) => b.persist(&dest).map_err(|e| e.error),
                    None => std::fs::remove_file(&dest),
                };
                if let Err(e) = undone {
                    tcli_plugin_sdk::output::warn(&format!(
                        "cannot restore {}: {e}",
                        dest.display()
                    ));
                }
            }
            drop(hold);
            return Err(problem);
        }
        // The backups are removed as `done` drops.
        drop(done);
        drop(hold);
        Ok(())
    }
}

/// A hard link to `dest` beside it (`None` when there is no `dest`), removed when dropped.
fn backup_of(dest: &Path) -> Result<Option<tempfile::TempPath>, Problem> {
    match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Problem::io("read", dest, e)),
        Ok(m) if !m.is_file() => {
            return Err(Problem::io(
                "write",
                dest,
                std::io::Error::other("it is not a regular file"),
            ))
        }
        Ok(_) => {}
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    let path = tempfile::Builder::new()
        .prefix(".tcli-secret-")
        .make_in(dir, |p| std::fs::hard_link(dest, p))
        .map_err(|e| Problem::io("back up", dest, e))?
        .into_temp_path();
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_module_name_rule() {
        assert!(check_name("db-password").is_ok());
        for bad in ["../x", "a/b", "..", ".x", "A", "", "a_b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(env_name("db-password2"), "DB_PASSWORD2");
    }

    #[test]
    fn a_fingerprint_gives_the_age_tag() {
        // SHA256 of nothing: e3b0c442...
        let fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        assert_eq!(tag_of(fp), Some([0xe3, 0xb0, 0xc4, 0x42]));
        assert_eq!(tag_of("MD5:aa"), None);
        assert_eq!(tag_of("SHA256:short"), None);
    }

    #[test]
    fn headers_are_read_and_truncation_is_seen() {
        let p = Path::new("x.age");
        let file = b"age-encryption.org/v1\n-> ssh-ed25519 47DEQg abc\nbody\n-> x-grease a\n\n-> X25519 zz\nb\n--- mac\n\x00\x01";
        let h = header(p, file).unwrap();
        assert_eq!(h.ssh_tags, vec![[0xe3, 0xb0, 0xc4, 0x42]]);
        assert_eq!(h.others, 1);
        assert!(header(p, b"age-encryption.org/v1\n-> ssh-rsa 47DEQg\n").is_err());
        assert!(header(p, b"garbage").is_err());
    }

    #[test]
    fn sidecar_lines_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let secret = Secret::new(dir.path(), "x");
        std::fs::create_dir_all(secret.sidecar.parent().unwrap()).unwrap();
        let fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        let read = |text: &str| {
            std::fs::write(&secret.sidecar, text).unwrap();
            secret.read_sidecar().map_err(|p| p.to_string())
        };
        assert_eq!(
            read(&format!("# head\n{fp} ana ssh-ed25519\n"))
                .unwrap()
                .len(),
            1
        );
        let bad = [
            (
                format!("{fp} \x1b[2Jana ssh-ed25519\n"),
                "is not a person id",
            ),
            (
                format!("{fp} ana ecdsa-sha2-nistp256\n"),
                "is not ssh-ed25519 or ssh-rsa",
            ),
            (
                format!("{fp} ana ssh-rsa\n{fp} bo ssh-rsa\n"),
                "is listed twice",
            ),
        ];
        for (text, why) in bad {
            let e = read(&text).unwrap_err();
            assert!(e.contains(why), "{e}");
            assert!(!e.contains('\x1b'), "{e}");
        }
    }

    #[test]
    fn extra_stanzas_are_counted_and_repeated_tags_refused() {
        let p = Path::new("x.age");
        let two_grease = b"age-encryption.org/v1\n-> a-grease\n\n-> b-grease\n\n--- mac\n";
        assert_eq!(header(p, two_grease).unwrap().others, 1);
        let long = format!(
            "age-encryption.org/v1\n-> a-grease x\n{}\n{}\n{}\n--- m\n",
            "A".repeat(64),
            "A".repeat(64),
            "A".repeat(20)
        );
        assert_eq!(header(p, long.as_bytes()).unwrap().others, 1);
        let twice = b"age-encryption.org/v1\n-> ssh-rsa 47DEQg\nAA\n-> ssh-rsa 47DEQg\nAB\n--- m\n";
        assert!(header(p, twice).is_err());
        assert!(header(p, b"age-encryption.org/v1\nstray\n--- m\n").is_err());
    }
}
