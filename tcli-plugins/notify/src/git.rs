//! What git knows about where `notify` runs: who the user is (`user.email`), and, inside a
//! repository, its remote, branch and commit and the commit's author. Read with the `git` CLI,
//! as the user's own git sees them (their config, `GIT_DIR`, worktrees); no git at all, or no
//! repository, simply leaves these out.

use std::process::{Command, Stdio};

/// The repository the current directory is in.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    /// The remote's URL (`origin`, else the first), with any credentials taken out.
    pub(crate) remote: Option<String>,
    /// The branch checked out; in a detached checkout (as CI makes), the branch the CI system
    /// names, if any.
    pub(crate) branch: Option<String>,
    pub(crate) commit: String,
    pub(crate) short: String,
    pub(crate) author_email: String,
}

/// Runs git with `args`; its trimmed stdout when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `git config user.email`, if set.
pub(crate) fn user_email() -> Option<String> {
    git(&["config", "user.email"]).filter(|e| !e.is_empty())
}

/// Variables CI systems set to the branch they build, for a detached checkout: GitHub
/// Actions, GitLab CI, Jenkins (two plugins).
const CI_BRANCH_VARS: [&str; 4] = [
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "BRANCH_NAME",
    "GIT_BRANCH",
];

/// The repository of the current directory, if it is in one with a commit.
pub(crate) fn repo() -> Option<Repo> {
    // A user's log.showSignature would put gpg's lines in the middle of the format.
    let head = git(&[
        "-c",
        "log.showSignature=false",
        "log",
        "-1",
        "--no-color",
        "--format=%H%n%h%n%ae",
        "HEAD",
    ])?;
    let mut lines = head.lines();
    let (commit, short, author_email) = (
        lines.next()?.to_string(),
        lines.next()?.to_string(),
        lines.next().unwrap_or_default().to_string(),
    );
    let branch = git(&["symbolic-ref", "-q", "--short", "HEAD"])
        .filter(|b| !b.is_empty())
        .or_else(|| {
            CI_BRANCH_VARS
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|b| !b.is_empty()))
        });
    let remote = git(&["config", "--get-regexp", r"^remote\..*\.url$"]).and_then(|all| {
        let urls: Vec<(&str, &str)> = all.lines().filter_map(|l| l.split_once(' ')).collect();
        urls.iter()
            .find(|(k, _)| *k == "remote.origin.url")
            .or(urls.first())
            .map(|(_, url)| without_credentials(url))
    });
    Some(Repo {
        remote,
        branch,
        commit,
        short,
        author_email,
    })
}

/// A remote URL without the `user:token@` a CI checkout often carries in it.
pub(crate) fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_leave_the_remote_url() {
        let f = super::without_credentials;
        assert_eq!(
            f("https://gitlab-ci-token:s3cret@git.example.com/acme/api.git"),
            "https://git.example.com/acme/api.git"
        );
        assert_eq!(
            f("git@git.example.com:acme/api.git"),
            "git@git.example.com:acme/api.git"
        );
        assert_eq!(f("/srv/git/api.git"), "/srv/git/api.git");
        assert_eq!(f("https://host/a@b"), "https://host/a@b");
    }
}
