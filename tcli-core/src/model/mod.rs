//! The module model every layer shares: what a module is ([`ModuleInfo`]), where it comes from
//! ([`Kind`], with every per-kind fact stated once as an exhaustive match), what identifies a
//! version of it ([`Identity`]), what is wrong with it ([`Problem`]) and what a source caches
//! ([`SourceCache`]). This layer reads no file and runs nothing; sources, the index, the
//! catalog, runners and commands sit above it (docs/architecture.md).

mod de;
pub mod descriptor;
pub mod pin;
mod problem;
pub mod source_listing;
pub mod verbs;

pub use problem::{HelpFailure, Problem, RunFailure, LABEL_MAX};

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where a module comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Compiled into tcli.
    Builtin,
    /// A shared library built against tcli-plugin-sdk.
    Native,
    /// A `tcli-<name>` executable on the search path.
    Exec,
    /// A module offered by a `tcli-source-<name>` executable (docs/source-plugins.md).
    Source,
    /// A labelled local Docker image.
    Docker,
}

// Every fact about a kind is a `match` here, with no wildcard arm: a new kind does not compile
// until each one is stated (docs/architecture.md, "Adding a source").
impl Kind {
    /// Every kind, in precedence order: what `sources::sources` walks. Checked when compiled:
    /// each kind stands at the index its [`Kind::precedence`] says.
    pub const ALL: [Kind; 5] = [
        Kind::Builtin,
        Kind::Native,
        Kind::Exec,
        Kind::Source,
        Kind::Docker,
    ];

    /// The lowercase name used in lists, JSON and the index.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Builtin => "builtin",
            Kind::Native => "native",
            Kind::Exec => "exec",
            Kind::Source => "source",
            Kind::Docker => "docker",
        }
    }

    /// Precedence when two kinds offer one name: lower wins (docs/architecture.md).
    pub const fn precedence(self) -> u8 {
        match self {
            Kind::Builtin => 0,
            Kind::Native => 1,
            Kind::Exec => 2,
            Kind::Source => 3,
            Kind::Docker => 4,
        }
    }

    /// Where the kind's line sits in the index: the lines dispatch needs and that stay small
    /// come first, so dispatch stops reading before the exec line, which grows with PATH.
    /// Source plugins come before exec: dispatch reads their line for a name exec lacks.
    pub fn index_rank(self) -> u8 {
        match self {
            Kind::Native => 0,
            Kind::Docker => 1,
            Kind::Source => 2,
            Kind::Exec => 3,
            Kind::Builtin => 4,
        }
    }

    /// Whether `tcli --help` tags the kind after the description (`[docker]`): kinds whose
    /// modules are not plain executables a user could find on PATH. A source plugin's modules
    /// are plain executables (its scripts); `modules which` says where they live.
    pub fn tagged_in_help(self) -> bool {
        match self {
            Kind::Native | Kind::Docker => true,
            Kind::Builtin | Kind::Exec | Kind::Source => false,
        }
    }

    /// The kind named `s` (as written by [`Kind::as_str`]).
    pub fn parse(s: &str) -> Option<Kind> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

// `Kind::ALL` lists each kind once, at the place its precedence says.
const _: () = {
    let mut i = 0;
    while i < Kind::ALL.len() {
        assert!(Kind::ALL[i].precedence() as usize == i);
        i += 1;
    }
};

/// Modification time of `md` in nanoseconds since the epoch.
pub fn mtime_ns(md: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    md.mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(md.mtime_nsec())
}

/// What identifies one version of a module on disk or in the engine: when it changes, the
/// module is probed again.
/// Read back by the hand-written `Deserialize` in `de.rs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Identity {
    /// A file: path + size + mtime + inode.
    File {
        /// Size in bytes.
        size: u64,
        /// Modification time, nanoseconds since the epoch.
        mtime_ns: i64,
        /// Inode number.
        ino: u64,
    },
    /// A Docker image ID (`sha256:...`).
    Image {
        /// The image ID.
        id: String,
    },
    /// Compiled in.
    Builtin,
    /// Found by a dispatch-time lookup that does not stat for identity (exec's one stat per
    /// search dir), or a pinned module that has no artifact here (`Detail::Pinned`).
    Unverified,
}

impl Identity {
    /// The identity of the file at `path` (following symlinks, as exec does), or `None` when
    /// it cannot be read.
    pub fn of_file(path: &Path) -> Option<Identity> {
        use std::os::unix::fs::MetadataExt;
        let md = std::fs::metadata(path).ok()?;
        Some(Identity::File {
            size: md.len(),
            mtime_ns: mtime_ns(&md),
            ino: md.ino(),
        })
    }
}

/// How a docker module wants to be run, from its labels (docs/docker-modules.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSettings {
    /// Host environment variables passed through, by name (`io.tcli.env`).
    #[serde(default)]
    pub env: Vec<String>,
    /// `none` or a network name; `None` is the engine's default (`io.tcli.network`).
    #[serde(default)]
    pub network: Option<String>,
    /// Run as the host user (default) or as the image's own user (`io.tcli.user=image`).
    #[serde(default = "yes")]
    pub host_user: bool,
    /// Mount the current directory at the same path and work there (`io.tcli.mount-cwd`).
    #[serde(default = "yes")]
    pub mount_cwd: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            env: Vec::new(),
            network: None,
            host_user: true,
            mount_cwd: true,
        }
    }
}

/// What one source knows about a module beyond the common fields; shown as `extra` by
/// `--json`. Untagged so the JSON keeps the flat shape docs/cli.md documents; each variant
/// refuses unknown fields so a line is read back as the variant that wrote it.
/// Read back by the hand-written `Deserialize` in `de.rs`, which picks the variant by its own
/// field instead of trying each in turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    /// Nothing more.
    #[default]
    None,
    /// A module a source plugin offers.
    Source(SourceDetail),
    /// A native library whose descriptor was read.
    Native(NativeDetail),
    /// A native library whose probe timed out: broken until `retry_after`.
    NativeRetry {
        /// Seconds since the epoch after which the library is probed again.
        retry_after: u64,
    },
    /// A docker image.
    Docker(DockerDetail),
    /// A pinned module that cannot run here (no build for this machine, or its artifact is
    /// missing): only the team that pins it is known.
    Pinned {
        /// The team whose `tcli.toml` pins it.
        team: String,
    },
}

impl Detail {
    /// True for [`Detail::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Detail::None)
    }
}

/// The versions a native library's descriptor declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeDetail {
    /// The ABI version it was built for.
    pub abi_version: u32,
    /// The module's own version.
    pub plugin_version: String,
    /// The SDK version it was built with.
    pub sdk_version: String,
    /// The team whose `tcli.toml` pins it (docs/team-repos.md, "Pinning"); `None` for a
    /// library found in a plugin dir.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<String>,
}

/// A docker module's image and how it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerDetail {
    /// The full image ID.
    pub image_id: String,
    /// Its repository tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Its repository digests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<String>,
    /// When it was built, seconds since the epoch.
    #[serde(default)]
    pub created: i64,
    /// How it runs; absent when a label is bad (the module cannot run then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunSettings>,
    /// The allowed prefix that made it trusted, when the team lists prefixes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_by: Option<String>,
    /// The team whose `tcli.toml` pins it: the pin is the trust, and it runs by image ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<String>,
}

/// Where a source plugin's module comes from and what it runs (docs/source-plugins.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDetail {
    /// The `tcli-source-<name>` executable that offered it.
    pub source: String,
    /// Its `run`: an absolute argv0 and fixed arguments, before the user's words; empty when
    /// the entry had no usable one (the module cannot run then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run: Vec<String>,
}

/// One module as a source found it. Sources fill what they know; `verbs`, `problems` and
/// `detail` may be empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// The module name (as found; may be invalid, then `problems` says why).
    pub name: String,
    /// The source.
    pub kind: Kind,
    /// A path, or an image ID for docker modules.
    pub location: String,
    /// What the cache is keyed on.
    pub identity: Identity,
    /// The one-line description, already sanitized for a terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Verbs and subjects, when the module declares them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
    /// What is wrong with it. A module with problems is still listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// False when the module is listed but cannot be dispatched (invalid name, untrusted image,
    /// unreadable library).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub runnable: bool,
    /// Source-specific data (image tags and run settings, ABI versions).
    #[serde(default, rename = "extra", skip_serializing_if = "Detail::is_none")]
    pub detail: Detail,
}

impl ModuleInfo {
    /// A runnable module with nothing known yet but where it is.
    pub fn new(name: String, kind: Kind, location: String, identity: Identity) -> ModuleInfo {
        ModuleInfo {
            name,
            kind,
            location,
            identity,
            description: None,
            verbs: Vec::new(),
            problems: Vec::new(),
            runnable: true,
            detail: Detail::None,
        }
    }

    /// The words the module takes right after `tcli <name>` (`subject` None) or after
    /// `tcli <name> <subject>`: its verbs and subjects, or that subject's verbs.
    pub fn verbs_at(&self, subject: Option<&str>) -> Vec<&str> {
        let prefix = subject.map(|s| format!("{s} ")).unwrap_or_default();
        self.verbs
            .iter()
            .filter_map(|v| v.strip_prefix(prefix.as_str()))
            .filter(|v| !v.contains(' '))
            .collect()
    }

    /// The problems as the one-line messages users see.
    pub fn problem_lines(&self) -> Vec<String> {
        self.problems.iter().map(Problem::to_string).collect()
    }

    /// The team that pins this module, when a team's `tcli.toml` does.
    pub fn pinned_by(&self) -> Option<&str> {
        match &self.detail {
            Detail::Native(NativeDetail { pinned_by, .. })
            | Detail::Docker(DockerDetail { pinned_by, .. }) => pinned_by.as_deref(),
            Detail::Pinned { team, .. } => Some(team),
            Detail::None | Detail::Source(_) | Detail::NativeRetry { .. } => None,
        }
    }

    /// Where the module comes from, as `modules list` shows it: a pinned module's team after its
    /// location (docs/team-repos.md, "Pinning"); a source plugin's module by its source, then
    /// the program it runs, which is often an interpreter (`/bin/sh`) that alone says nothing
    /// (an entry with no usable `run` is located at its source already).
    /// Escaped: file names can hold control characters, and a listing must not replay them.
    pub fn origin(&self) -> String {
        let location = self.location.escape_debug();
        match (&self.detail, self.pinned_by()) {
            (Detail::Source(d), _) if !d.run.is_empty() => {
                format!("{} (runs {location})", d.source.escape_debug())
            }
            (_, Some(team)) => format!("{location} (team {team})"),
            (_, None) => location.to_string(),
        }
    }

    /// The full image ID of a docker module (its location otherwise).
    pub fn image_id(&self) -> &str {
        match &self.identity {
            Identity::Image { id } => id,
            _ => &self.location,
        }
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// A directory or file a source looked at, as it was; equal stamps mean nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The path stat'ed.
    pub path: String,
    /// `None` when it did not exist.
    pub mtime_ns: Option<i64>,
    /// Inode, 0 when it did not exist.
    pub ino: u64,
}

impl Stamp {
    /// Stats `path` now.
    pub fn of(path: &Path) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        let md = std::fs::metadata(path).ok();
        Stamp {
            path: path.to_string_lossy().into_owned(),
            mtime_ns: md.as_ref().map(mtime_ns),
            ino: md.map_or(0, |m| m.ino()),
        }
    }

    /// Stamps of several paths, in order.
    pub fn all(paths: &[std::path::PathBuf]) -> Vec<Stamp> {
        paths.iter().map(|p| Stamp::of(p)).collect()
    }
}

/// What the index holds for one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceCache {
    /// What the source looked at when it last scanned.
    #[serde(default)]
    pub stamps: Vec<Stamp>,
    /// When it last scanned, seconds since the epoch.
    #[serde(default)]
    pub scanned_at: u64,
    /// Modules found, in search order.
    #[serde(default)]
    pub modules: Vec<ModuleInfo>,
    /// A source-wide note shown in lists (for example "Docker engine not reachable").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The owning source's own bookkeeping (for example the last failed engine contact). Only
    /// that source reads it, through its own typed struct.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub state: serde_json::Map<String, serde_json::Value>,
    /// The signed teams withheld when it scanned (`team_dirs::withheld`), by name. A checkout
    /// moving off or back to its verified commit changes no file a source stats, so the index
    /// compares this instead (`index::ensure_fresh`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_round_trips_through_the_index_shape() {
        for d in [
            Detail::None,
            Detail::NativeRetry { retry_after: 5 },
            Detail::Native(NativeDetail {
                abi_version: 1,
                plugin_version: "0.1.0".into(),
                sdk_version: "0.1.0".into(),
                pinned_by: None,
            }),
            Detail::Docker(DockerDetail {
                image_id: "sha256:ab".into(),
                tags: vec!["x:1".into()],
                digests: vec![],
                created: 3,
                run: Some(RunSettings::default()),
                trusted_by: None,
                pinned_by: Some("acme".into()),
            }),
            Detail::Pinned {
                team: "acme".into(),
            },
            Detail::Source(SourceDetail {
                source: "/bin/tcli-source-x".into(),
                run: vec!["/x".into(), "a".into()],
            }),
            Detail::Source(SourceDetail {
                source: "/bin/tcli-source-x".into(),
                run: vec![],
            }),
        ] {
            let mut m = ModuleInfo::new("x".into(), Kind::Docker, "l".into(), Identity::Builtin);
            m.detail = d;
            let back: ModuleInfo =
                serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
            assert_eq!(back, m);
        }
    }

    #[test]
    fn help_failures_round_trip_through_the_index_shape() {
        for run in [
            RunFailure::Spawn { error: "e".into() },
            RunFailure::Timeout { secs: 2 },
            RunFailure::Exit {
                code: 3,
                said: Some("no".into()),
            },
            RunFailure::Signal,
        ] {
            let p = Problem::Help(HelpFailure::Run(run));
            let back: Problem = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
            assert_eq!(back, p);
        }
    }

    #[test]
    fn every_kind_parses_from_its_name() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }
}
