//! The one rule for whether a signed team's checkout is in force (docs/team-repos.md, "What a
//! signed team guarantees"): its HEAD is the commit tcli last verified and no merge, rebase or
//! cherry-pick is under way. A checkout that fails it has its modules, pins and settings
//! withheld, by tcli and by every module that reads team files (secrets, doctor).
//!
//! It runs on the warm path, so it reads `.git/HEAD`, the ref it names (loose, else
//! `packed-refs`) and stats a few files: no git library, no object read, no walk.

use std::path::Path;

/// The files and dirs git leaves in `.git/` while an operation waits for the user (a
/// conflicted `git pull` stops with the incoming files in the tree but HEAD where it was),
/// and what the operation is called in messages and in `git <op> --abort`.
const UNDER_WAY: &[(&str, &str)] = &[
    ("MERGE_HEAD", "merge"),
    ("REBASE_HEAD", "rebase"),
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
    ("REVERT_HEAD", "revert"),
    // `git pull --squash` / `merge --squash`: the incoming files staged, HEAD unmoved.
    ("SQUASH_MSG", "merge"),
];

/// How deep a chain of symbolic refs is followed; git itself stops at 5.
const MAX_SYMREF_DEPTH: usize = 5;

/// A signed team whose checkout is not in force, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Withheld {
    /// The team.
    pub team: String,
    /// The checkout's HEAD commit; `None` when it cannot be read.
    pub head: Option<String>,
    /// The commit tcli last verified.
    pub verified: String,
    /// The git operation under way in the checkout (`merge`, `rebase`, ...), if any.
    pub under_way: Option<&'static str>,
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(7)]
}

impl Withheld {
    /// True when HEAD is the verified commit (only an operation under way withholds it).
    fn at_verified(&self) -> bool {
        self.head.as_deref() == Some(self.verified.as_str())
    }
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verified = short(&self.verified);
        let head = self.head.as_deref().map_or("an unreadable HEAD", short);
        write!(f, "team '{}' is not used: ", self.team)?;
        match self.under_way {
            Some(op) if self.at_verified() => write!(
                f,
                "a {op} is under way in its checkout (at {verified}, the commit tcli last \
                 verified), with files tcli has not verified in the tree"
            )?,
            Some(op) => write!(
                f,
                "a {op} is under way in its checkout, at {head}, not at {verified}, the commit \
                 tcli last verified"
            )?,
            None => write!(
                f,
                "its checkout is at {head}, not at {verified}, the commit tcli last verified"
            )?,
        }
        write!(f, "; its modules, pins and settings are withheld")
    }
}

impl Withheld {
    /// The fix, as a command that works as printed: end the operation under way (which puts
    /// HEAD back where it was), then, unless that is the verified commit, let `tcli team
    /// update` verify what was pulled.
    pub fn hint(&self, checkout: &Path) -> String {
        let update = format!("tcli team update {}", self.team);
        match self.under_way {
            Some(op) => {
                let abort = format!(
                    "git -C {} {op} --abort",
                    crate::output::sh_word(&checkout.display().to_string())
                );
                if self.at_verified() {
                    format!("run '{abort}' to put back what tcli verified")
                } else {
                    format!("run '{abort}', then '{update}'")
                }
            }
            None => format!("run '{update}' to verify what was pulled"),
        }
    }
}

/// Checks the checkout of `team` at `checkout` against `verified`, the commit tcli last
/// verified (`None` for a team that is not signed: always in force).
pub fn check(team: &str, checkout: &Path, verified: Option<&str>) -> Result<(), Withheld> {
    let Some(verified) = verified else {
        return Ok(());
    };
    let git = checkout.join(".git");
    let under_way = UNDER_WAY
        .iter()
        .find(|(file, _)| std::fs::symlink_metadata(git.join(file)).is_ok())
        .map(|(_, op)| *op);
    let head = head_commit(&git);
    if under_way.is_none() && head.as_deref() == Some(verified) {
        return Ok(());
    }
    Err(Withheld {
        team: team.to_string(),
        head,
        verified: verified.to_string(),
        under_way,
    })
}

/// Every signed team in the registry (`<data dir>/teams.json`) whose checkout is withheld, in
/// `team list` order: for modules that read the registry themselves. A registry that cannot
/// be read names no team.
pub fn withheld(data_dir: &Path) -> Vec<Withheld> {
    let Ok(bytes) = std::fs::read(data_dir.join("teams.json")) else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Array(rows)) = serde_json::from_slice(&bytes) else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|r| {
            let name = r.get("name")?.as_str()?;
            let verified = r.get("trust")?.get("verified")?.as_str();
            check(name, &data_dir.join("teams").join(name), verified).err()
        })
        .collect()
}

/// The commit `.git/HEAD` names, through symbolic refs, loose or packed.
fn head_commit(git: &Path) -> Option<String> {
    let mut text = read_small(&git.join("HEAD"))?;
    for _ in 0..MAX_SYMREF_DEPTH {
        let Some(name) = text.strip_prefix("ref:") else {
            return is_object_id(&text).then_some(text);
        };
        let name = name.trim();
        // A ref name is a path under `.git/`; one that climbs out is not git's.
        if !name.starts_with("refs/") || name.split('/').any(|c| c == ".." || c.is_empty()) {
            return None;
        }
        text = match read_small(&git.join(name)) {
            Some(t) => t,
            None => packed(git, name)?,
        };
    }
    None
}

/// A ref file's text, trimmed; refs are one line, so anything larger is not one.
fn read_small(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(1024)
        .read_to_string(&mut text)
        .ok()?;
    Some(text.trim().to_string())
}

/// The commit `packed-refs` gives `name`.
fn packed(git: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
        .filter_map(|l| l.split_once(' '))
        .find(|(_, r)| *r == name)
        .map(|(id, _)| id.to_string())
        .filter(|id| is_object_id(id))
}

/// Forty (SHA-1) or sixty-four (SHA-256) lowercase hex digits.
fn is_object_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn repo(head: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join(".git/refs/heads")).unwrap();
        std::fs::write(d.path().join(".git/HEAD"), head).unwrap();
        d
    }

    #[test]
    fn a_loose_a_packed_and_a_detached_head() {
        let d = repo("ref: refs/heads/main\n");
        std::fs::write(d.path().join(".git/refs/heads/main"), format!("{A}\n")).unwrap();
        assert_eq!(check("t", d.path(), Some(A)), Ok(()));
        assert!(check("t", d.path(), Some(B)).is_err());
        std::fs::remove_file(d.path().join(".git/refs/heads/main")).unwrap();
        std::fs::write(
            d.path().join(".git/packed-refs"),
            format!("# pack-refs with: peeled\n{B} refs/heads/other\n{A} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(check("t", d.path(), Some(A)), Ok(()));
        std::fs::write(d.path().join(".git/HEAD"), B).unwrap();
        assert_eq!(check("t", d.path(), Some(B)), Ok(()));
        assert_eq!(check("t", d.path(), None), Ok(()), "an unsigned team");
    }

    #[test]
    fn an_operation_under_way_or_an_escaping_ref_is_withheld() {
        let d = repo(A);
        std::fs::write(d.path().join(".git/MERGE_HEAD"), B).unwrap();
        let w = check("t", d.path(), Some(A)).unwrap_err();
        assert_eq!(w.under_way, Some("merge"));
        assert_eq!(w.head.as_deref(), Some(A));
        let d = repo("ref: refs/../../HEAD");
        assert_eq!(check("t", d.path(), Some(A)).unwrap_err().head, None);
    }
}
