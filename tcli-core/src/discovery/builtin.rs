//! The built-in modules as [`ModuleInfo`]s, so lists and precedence treat them like any other.

use super::{Identity, Kind, ModuleInfo};
use crate::names::BUILTINS;

/// One entry per built-in.
pub fn modules() -> Vec<ModuleInfo> {
    BUILTINS
        .iter()
        .map(|(name, about)| ModuleInfo {
            name: (*name).into(),
            kind: Kind::Builtin,
            location: "(built in)".into(),
            identity: Identity::Builtin,
            description: Some((*about).into()),
            verbs: vec![],
            problems: vec![],
            runnable: true,
            extra: Default::default(),
        })
        .collect()
}
