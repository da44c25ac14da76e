//! The built-in modules as [`ModuleInfo`]s, so lists and precedence treat them like any other.

use super::{Identity, Kind, ModuleInfo};
use crate::names::Builtin;

/// One entry per built-in.
pub fn modules() -> Vec<ModuleInfo> {
    Builtin::ALL
        .into_iter()
        .map(|b| ModuleInfo {
            description: Some(b.summary().into()),
            ..ModuleInfo::new(
                b.name().into(),
                Kind::Builtin,
                "(built in)".into(),
                Identity::Builtin,
            )
        })
        .collect()
}
