//! The team's trust rule for docker modules (docs/docker-modules.md, "Trust"): which image
//! repositories may run, from `[docker] allowed-prefixes` in the merged settings. Which image
//! wins a name is the source's (`mod.rs`); what labels say is `labels.rs`'s.

use super::shown;
use crate::context::Context;
use crate::model::Problem;
use crate::prim::text::{sanitize_line, DESCRIPTION_MAX};
use crate::settings::Settings;

/// The team setting listing the repository prefixes whose images may run (`[docker]` table).
pub const ALLOWED_PREFIXES_KEY: &str = "allowed-prefixes";

/// The team's trust rule, from settings.
#[derive(Debug, Clone)]
pub enum Trust {
    /// No allowed prefixes configured: every labelled image is trusted.
    Everyone,
    /// Only images with a tag or digest under one of these prefixes.
    Prefixes(Vec<String>),
    /// The settings could not be read, so nothing is trusted; the reason.
    Unknown(String),
}

impl Trust {
    /// Reads `[docker] allowed-prefixes` from the merged settings.
    pub fn load(cx: &Context) -> Trust {
        match Settings::load(cx) {
            Ok(s) => {
                let prefixes: Vec<String> = s
                    .strings("docker", ALLOWED_PREFIXES_KEY)
                    .into_iter()
                    .filter(|p| !p.trim().is_empty())
                    .collect();
                if prefixes.is_empty() {
                    Trust::Everyone
                } else {
                    Trust::Prefixes(prefixes)
                }
            }
            Err(e) => Trust::Unknown(sanitize_line(&format!("{e:#}"), DESCRIPTION_MAX)),
        }
    }

    /// The allowed prefix one of `refs` is under, or why none is.
    pub(super) fn check(&self, refs: &[String]) -> Result<Option<String>, Problem> {
        match self {
            Trust::Everyone => Ok(None),
            Trust::Unknown(why) => Err(Problem::TrustUnknown { why: why.clone() }),
            Trust::Prefixes(prefixes) => prefixes
                .iter()
                .find(|p| refs.iter().any(|r| under_prefix(r, p)))
                .map(|p| Some(p.clone()))
                .ok_or_else(|| Problem::Untrusted {
                    refs: refs.iter().take(3).map(|r| shown(r)).collect(),
                    prefixes: prefixes.clone(),
                    key: ALLOWED_PREFIXES_KEY.to_string(),
                }),
        }
    }
}

/// `reference` is under `prefix` when it starts with it at a path boundary: `registry/team`
/// allows `registry/team/tool:1` and `registry/team:1` but not `registry/teamevil/tool`.
pub fn under_prefix(reference: &str, prefix: &str) -> bool {
    let Some(rest) = reference.strip_prefix(prefix) else {
        return false;
    };
    prefix.ends_with(['/', ':', '@']) || rest.is_empty() || rest.starts_with(['/', ':', '@'])
}

#[cfg(test)]
mod tests {
    use super::super::modules_from;
    use super::super::test_image as img;
    use super::*;
    use crate::model::Detail;

    #[test]
    fn trust_needs_a_tag_under_an_allowed_prefix() {
        let trust = Trust::Prefixes(vec!["registry.example.com/team".into()]);
        let ms = modules_from(
            &[
                img(
                    "a",
                    1,
                    &["registry.example.com/team/lint:1"],
                    &[("io.tcli.module", "lint")],
                ),
                img(
                    "b",
                    1,
                    &["registry.example.com/teamevil/x:1"],
                    &[("io.tcli.module", "x")],
                ),
            ],
            &trust,
        );
        assert!(ms[0].runnable);
        assert!(
            matches!(&ms[0].detail, Detail::Docker(d) if d.trusted_by.as_deref() == Some("registry.example.com/team"))
        );
        assert!(!ms[1].runnable);
        assert!(ms[1].problems[0]
            .to_string()
            .starts_with("untrusted: its tags (registry.example.com/teamevil/x:1)"));
        assert!(under_prefix("r/team:1", "r/team"));
        assert!(under_prefix("r/team/x@sha256:1", "r/team/"));
        assert!(!under_prefix("r/teamx/y", "r/team"));
    }
}
