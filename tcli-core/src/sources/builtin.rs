//! The built-in modules as [`ModuleInfo`]s, so lists and precedence treat them like any other.

use super::{Identity, Kind, ModuleInfo};
use crate::names::BUILTINS;

/// One entry per built-in.
pub fn modules() -> Vec<ModuleInfo> {
    BUILTINS
        .iter()
        .map(|(name, about)| ModuleInfo {
            description: Some((*about).into()),
            ..ModuleInfo::new(
                (*name).into(),
                Kind::Builtin,
                "(built in)".into(),
                Identity::Builtin,
            )
        })
        .collect()
}
