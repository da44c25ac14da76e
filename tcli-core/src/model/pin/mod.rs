//! Pinned modules (docs/team-repos.md, "Pinning"): the `[modules.<name>]` entries of a team's
//! `tcli.toml` parsed and validated into types, one error per bad entry. The record of what is
//! pinned and fetched now is `record.rs`'s. Pure data: fetching is the git helper's, listing
//! `sources::pinned`'s.

mod record;

pub use record::{FileId, Pinned, PinsFile, TeamPins};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use tcli_plugin_sdk::output::inert;

/// The table in `tcli.toml` that pins modules.
pub const TABLE: &str = "modules";

/// One pinned module of one team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// The module name (the key under `[modules]`).
    pub name: String,
    /// What it is pinned to.
    pub artifact: Artifact,
}

/// What a module is pinned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// A docker image by digest.
    Image(ImageRef),
    /// Native builds, by Rust target triple.
    Native(BTreeMap<String, Build>),
}

/// `<repository>[:<tag>]@sha256:<hex>` split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// The reference as written in `tcli.toml`.
    pub reference: String,
    /// The repository, with its registry host when one is given (`127.0.0.1:5000/acme/lint`).
    pub repository: String,
    /// `sha256:<64 hex>`.
    pub digest: String,
}

impl ImageRef {
    /// What the engine pulls: the repository at the digest (a tag beside it is only a label).
    pub fn pull_ref(&self) -> String {
        format!("{}@{}", self.repository, self.digest)
    }

    /// The registry the image comes from, as `docker login` names it.
    pub fn registry(&self) -> &str {
        match self.repository.split_once('/') {
            Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
            _ => "docker.io",
        }
    }
}

/// One native build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    /// Where it comes from.
    #[serde(flatten)]
    pub from: BuildFrom,
    /// Its sha256, 64 lowercase hex.
    pub sha256: String,
}

/// Where a native build comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildFrom {
    /// Downloaded: https, or http to a loopback host.
    Url(String),
    /// A file in the team repo, relative to its root.
    Path(String),
}

impl fmt::Display for BuildFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildFrom::Url(u) => f.write_str(u),
            BuildFrom::Path(p) => write!(f, "{p} (in the team repo)"),
        }
    }
}

/// A bad `[modules.<name>]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinError {
    /// The key at fault (`modules.lint.image`).
    pub key: String,
    /// What is wrong.
    pub why: String,
    /// How to write it instead.
    pub fix: String,
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key quotes the file's own table names, which may hold anything.
        write!(f, "{}: {}", inert(&self.key), inert(&self.why))
    }
}

/// This machine's Rust target triple, as the builds of a native pin are keyed
/// (`x86_64-unknown-linux-gnu`, `aarch64-apple-darwin`).
pub fn host_triple() -> String {
    let arch = std::env::consts::ARCH;
    let os = std::env::consts::OS;
    let vendor = if cfg!(target_vendor = "apple") {
        "apple"
    } else if cfg!(target_vendor = "pc") {
        "pc"
    } else {
        "unknown"
    };
    let env = if cfg!(target_env = "gnu") {
        "-gnu"
    } else if cfg!(target_env = "musl") {
        "-musl"
    } else if cfg!(target_env = "msvc") {
        "-msvc"
    } else {
        ""
    };
    let os = if os == "macos" { "darwin" } else { os };
    format!("{arch}-{vendor}-{os}{env}")
}

const SHA256_HEX: usize = 64;

fn is_hex64(s: &str) -> bool {
    s.len() == SHA256_HEX && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Parses `[modules]` of a team's settings. Every bad entry gives one error; good entries are
/// returned beside them (callers refuse the whole table when there is any error).
pub fn parse(settings: &toml::Table) -> (Vec<Pin>, Vec<PinError>) {
    let mut pins = Vec::new();
    let mut errors = Vec::new();
    let Some(table) = settings.get(TABLE) else {
        return (pins, errors);
    };
    let Some(table) = table.as_table() else {
        errors.push(PinError {
            key: TABLE.into(),
            why: "must be a table of modules".into(),
            fix: "write one [modules.<name>] table per pinned module".into(),
        });
        return (pins, errors);
    };
    for (name, entry) in table {
        match parse_one(name, entry) {
            Ok(p) => pins.push(p),
            Err(e) => errors.push(e),
        }
    }
    (pins, errors)
}

fn parse_one(name: &str, entry: &toml::Value) -> Result<Pin, PinError> {
    let key = format!("{TABLE}.{name}");
    let err = |key: &str, why: String, fix: &str| PinError {
        key: key.to_string(),
        why,
        fix: fix.to_string(),
    };
    if let Err(why) = crate::names::validate(name) {
        return Err(err(
            &key,
            format!("'{}' is not a module name: {why}", name.escape_debug()),
            "module names look like 'lint' or 'db-tools': a-z, 0-9 and '-'",
        ));
    }
    if crate::names::is_shipped(name) {
        return Err(err(
            &key,
            format!("'{name}' is the name of a module tcli ships, which no team can take"),
            "pin it under another name",
        ));
    }
    let Some(t) = entry.as_table() else {
        return Err(err(
            &key,
            "must be a table".into(),
            "write image = \"<ref>@sha256:<digest>\" or [modules.<name>.native.<triple>]",
        ));
    };
    if let Some(unknown) = t.keys().find(|k| *k != "image" && *k != "native") {
        return Err(err(
            &format!("{key}.{unknown}"),
            "unknown key (a pin has 'image' or 'native')".into(),
            "remove it; pins are written image = \"...\" or [modules.<name>.native.<triple>]",
        ));
    }
    match (t.get("image"), t.get("native")) {
        (Some(_), Some(_)) => Err(err(
            &key,
            "pins both an image and native builds".into(),
            "keep one: a module is one kind",
        )),
        (None, None) => Err(err(
            &key,
            "pins nothing".into(),
            "add image = \"<ref>@sha256:<digest>\" or [modules.<name>.native.<triple>]",
        )),
        (Some(image), None) => {
            let key = format!("{key}.image");
            let Some(s) = image.as_str() else {
                return Err(err(&key, "must be a string".into(), IMAGE_FIX));
            };
            parse_image(s)
                .map(|r| Pin {
                    name: name.to_string(),
                    artifact: Artifact::Image(r),
                })
                .map_err(|why| err(&key, why, IMAGE_FIX))
        }
        (None, Some(native)) => {
            let key = format!("{key}.native");
            let Some(builds) = native.as_table() else {
                return Err(err(
                    &key,
                    "must be a table of target triples".into(),
                    NATIVE_FIX,
                ));
            };
            if builds.is_empty() {
                return Err(err(&key, "lists no build".into(), NATIVE_FIX));
            }
            let mut out = BTreeMap::new();
            for (triple, b) in builds {
                let key = format!("{key}.{triple}");
                out.insert(triple.clone(), parse_build(&key, triple, b)?);
            }
            Ok(Pin {
                name: name.to_string(),
                artifact: Artifact::Native(out),
            })
        }
    }
}

const IMAGE_FIX: &str =
    "pin the digest: image = \"registry.example.com/team/tool:1.4@sha256:<64 hex>\" (docker buildx imagetools inspect <ref> shows it)";
const NATIVE_FIX: &str =
    "write [modules.<name>.native.<target-triple>] with url = \"https://...\" (or path = \"<file in the repo>\") and sha256 = \"<64 hex>\"";

/// Checks an image reference: a repository, an optional tag, and a sha256 digest.
pub fn parse_image(s: &str) -> Result<ImageRef, String> {
    let Some((name, digest)) = s.split_once('@') else {
        let tagged = s.rsplit('/').next().is_some_and(|last| last.contains(':'));
        return Err(if tagged {
            format!(
                "'{}' is a tag without a digest: tags move, pins must not",
                s.escape_debug()
            )
        } else {
            format!("'{}' has no digest", s.escape_debug())
        });
    };
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return Err(format!(
            "the digest '{}' is not sha256:<64 hex>",
            digest.escape_debug()
        ));
    };
    if !is_hex64(hex) {
        return Err(format!(
            "the digest 'sha256:{}' is not 64 lowercase hex characters",
            hex.escape_debug()
        ));
    }
    // Only the last path component may carry a tag; a ':' before a '/' is a registry port.
    let (repository, tag) = match name.rsplit_once('/') {
        Some((head, last)) => match last.split_once(':') {
            Some((repo, tag)) => (format!("{head}/{repo}"), Some(tag)),
            None => (name.to_string(), None),
        },
        None => match name.split_once(':') {
            Some((repo, tag)) => (repo.to_string(), Some(tag)),
            None => (name.to_string(), None),
        },
    };
    let repo_ok = !repository.is_empty()
        && repository.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
        })
        && repository.rsplit('/').next().is_some_and(|last| {
            last.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        });
    let tag_ok = tag.is_none_or(|t| {
        !t.is_empty()
            && t.len() <= 128
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    });
    if !repo_ok || !tag_ok {
        return Err(format!(
            "'{}' is not an image reference",
            name.escape_debug()
        ));
    }
    Ok(ImageRef {
        reference: s.to_string(),
        repository,
        digest: digest.to_string(),
    })
}

fn parse_build(key: &str, triple: &str, b: &toml::Value) -> Result<Build, PinError> {
    let err = |key: String, why: String, fix: &str| PinError {
        key,
        why,
        fix: fix.to_string(),
    };
    let triple_ok = triple.split('-').count() >= 3
        && triple
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.".contains(&c));
    if !triple_ok {
        return Err(err(
            key.into(),
            format!("'{}' is not a Rust target triple", triple.escape_debug()),
            "key builds by target triple, as rustc names them: x86_64-unknown-linux-gnu, aarch64-apple-darwin",
        ));
    }
    let Some(t) = b.as_table() else {
        return Err(err(key.into(), "must be a table".into(), NATIVE_FIX));
    };
    if let Some(unknown) = t
        .keys()
        .find(|k| !["url", "path", "sha256"].contains(&k.as_str()))
    {
        return Err(err(
            format!("{key}.{unknown}"),
            "unknown key (a build has url or path, and sha256)".into(),
            NATIVE_FIX,
        ));
    }
    let text = |k: &str| -> Result<Option<&str>, PinError> {
        match t.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| err(format!("{key}.{k}"), "must be a string".into(), NATIVE_FIX)),
        }
    };
    let sha = text("sha256")?.ok_or_else(|| {
        err(
            key.into(),
            "has no sha256".into(),
            "add sha256 = \"<64 hex>\" (sha256sum <file> prints it)",
        )
    })?;
    if !is_hex64(sha) {
        return Err(err(
            format!("{key}.sha256"),
            format!(
                "'{}' is not 64 lowercase hex characters",
                sha.escape_debug()
            ),
            "write the output of sha256sum <file>",
        ));
    }
    let from = match (text("url")?, text("path")?) {
        (Some(_), Some(_)) => {
            return Err(err(
                key.into(),
                "has both url and path".into(),
                "keep one: url for a download, path for a file in the team repo",
            ))
        }
        (None, None) => {
            return Err(err(
                key.into(),
                "has neither url nor path".into(),
                NATIVE_FIX,
            ))
        }
        (Some(url), None) => {
            if let Err(why) = tcli_helper::http::check_url(url) {
                return Err(err(
                    format!("{key}.url"),
                    why.to_string(),
                    "serve the file over https (plain http is allowed to localhost only)",
                ));
            }
            BuildFrom::Url(url.to_string())
        }
        (None, Some(path)) => build_path(key, path)?,
    };
    Ok(Build {
        from,
        sha256: sha.to_string(),
    })
}

/// A build's `path`: relative to the team repo's root and inside it, with no character that
/// could disguise it.
fn build_path(key: &str, path: &str) -> Result<BuildFrom, PinError> {
    let err = |why: String| PinError {
        key: format!("{key}.path"),
        why,
        fix: "give a path relative to the repo root, without '..': native/<triple>/libname.so"
            .to_string(),
    };
    let p = std::path::Path::new(path);
    if path.chars().any(crate::prim::text::is_unsafe) {
        return Err(err(format!(
            "'{}' holds a control or bidirectional character, or a noncharacter",
            crate::prim::text::inert(path)
        )));
    }
    let inside = !path.is_empty()
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
    if !inside {
        return Err(err(format!(
            "'{}' leaves the team repo",
            path.escape_debug()
        )));
    }
    Ok(BuildFrom::Path(path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(toml: &str) -> Vec<String> {
        parse(&toml.parse().unwrap())
            .1
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn pin_parse_accepts_the_documented_forms() {
        let t = format!(
            "[modules.lint]\nimage = \"127.0.0.1:5000/acme/lint:1.4@sha256:{HEX}\"\n\
             [modules.db.native.x86_64-unknown-linux-gnu]\nurl = \"https://a.example/libdb.so\"\nsha256 = \"{HEX}\"\n\
             [modules.db.native.aarch64-apple-darwin]\npath = \"native/libdb.dylib\"\nsha256 = \"{HEX}\"\n"
        );
        let (pins, errs) = parse(&t.parse().unwrap());
        assert!(errs.is_empty(), "{errs:?}");
        let Artifact::Image(r) = &pins[1].artifact else {
            panic!()
        };
        assert_eq!(r.repository, "127.0.0.1:5000/acme/lint");
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(
            r.pull_ref(),
            format!("127.0.0.1:5000/acme/lint@sha256:{HEX}")
        );
        let Artifact::Native(b) = &pins[0].artifact else {
            panic!()
        };
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn pin_parse_gives_one_error_per_bad_entry() {
        let t = format!(
            "[modules.a]\nimage = \"acme/lint:1.4\"\n\
             [modules.b]\nimage = \"acme/lint\"\n\
             [modules.c]\nimage = \"acme/lint@sha256:XYZ\"\n\
             [modules.d.native.x86_64-unknown-linux-gnu]\nurl = \"http://example.com/x.so\"\nsha256 = \"{HEX}\"\n\
             [modules.e.native.x86_64-unknown-linux-gnu]\npath = \"../x.so\"\nsha256 = \"{HEX}\"\n\
             [modules.f]\nimage = \"a@sha256:{HEX}\"\ncolour = 1\n\
             [modules.g.native.x86_64-unknown-linux-gnu]\nurl = \"http://127.0.0.1:8/x.so\"\nsha256 = \"{HEX}\"\n"
        );
        let e = errors(&t);
        assert_eq!(e.len(), 6, "{e:#?}");
        assert!(e[0].contains("modules.a.image") && e[0].contains("tag without a digest"));
        assert!(e[1].contains("no digest"));
        assert!(e[2].contains("not 64 lowercase hex"));
        assert!(e[3].contains("modules.d.native.x86_64-unknown-linux-gnu.url"));
        assert!(e[4].contains("leaves the team repo"));
        assert!(e[5].contains("modules.f.colour") && e[5].contains("unknown key"));
    }

    /// A path or URL that would write to the terminal when shown, or show other than it is
    /// (U+202E reverses what follows), is refused, and shown escaped.
    #[test]
    fn pin_parse_refuses_control_characters() {
        let t = format!(
            "[modules.a.native.x86_64-unknown-linux-gnu]\npath = \"lib\\u001b[2Ja.so\"\nsha256 = \"{HEX}\"\n\
             [modules.b.native.x86_64-unknown-linux-gnu]\nurl = \"https://a.example/x\\u0007.so\"\nsha256 = \"{HEX}\"\n\
             [modules.c.native.x86_64-unknown-linux-gnu]\npath = \"lib\\u202Eos.a\"\nsha256 = \"{HEX}\"\n\
             [modules.d.native.x86_64-unknown-linux-gnu]\nurl = \"https://a.example/\\u202Eos.x\"\nsha256 = \"{HEX}\"\n"
        );
        let e = errors(&t);
        assert_eq!(e.len(), 4, "{e:#?}");
        assert!(e[0].contains("modules.a.native.x86_64-unknown-linux-gnu.path"));
        assert!(e[0].contains("lib\\u{1b}[2Ja.so' holds a control or bidirectional character"));
        assert!(e[1].contains("x\\u{7}.so' holds a space, a control or bidirectional character"));
        assert!(e[2].contains("lib\\u{202e}os.a' holds a control or bidirectional character"));
        assert!(e[3].contains("/\\u{202e}os.x' holds a space, a control or bidirectional"));
        assert!(
            e.iter()
                .all(|e| !e.chars().any(crate::prim::text::is_unsafe)),
            "{e:#?}"
        );
    }

    #[test]
    fn host_triple_looks_like_rustc_s() {
        let t = host_triple();
        assert!(t.split('-').count() >= 3, "{t}");
    }
}
