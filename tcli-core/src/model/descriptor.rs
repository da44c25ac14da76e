//! A native library's descriptor as the probe child (`tcli __tcli-probe-native <file>`, in
//! `runner::native`) reports it to whoever asked: the native source and `modules install`.
//! The wire types live here, below both, so neither imports the other (docs/native-abi.md).

use serde::{Deserialize, Serialize};

/// The hidden first argument that makes tcli a descriptor probe (see [`probe_child`]).
pub const PROBE_ARG: &str = "__tcli-probe-native";

/// The most characters of a descriptor's version string that are shown or stored.
pub const VERSION_MAX: usize = 64;

/// What a library's descriptor says, as the probe child reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Descriptor {
    /// The module name.
    pub name: String,
    /// The one-line description.
    pub description: String,
    /// The module's own version.
    pub plugin_version: String,
    /// What built it.
    pub sdk_version: String,
    /// The ABI version (always the one this tcli speaks once checked).
    pub abi_version: u32,
    /// The manifest JSON, parsed; `Null` when the module returned none.
    pub manifest: serde_json::Value,
}

/// What the probe child prints: the descriptor, or why there is none.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProbeReport {
    /// The library is a valid module.
    Ok(Descriptor),
    /// It is not; `error` is the message, `hint` the fix.
    Failed {
        /// What is wrong, naming the file.
        error: String,
        /// The fix.
        hint: Option<String>,
    },
}
