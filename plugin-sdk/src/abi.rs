//! The frozen C contract between tcli and a native module, version 1: the descriptor a module
//! exports and the host struct tcli passes to `run`. Only C types appear here; field order is
//! frozen and new fields are only ever appended (readers check `struct_size`). The macro that
//! fills these in for Rust authors lives in the crate root; docs/native-abi.md is the C view.

use std::ffi::{c_char, c_int, c_void};

/// The name of the one symbol a module exports: `const TcliPluginV1 *tcli_plugin_v1(void)`.
pub const ENTRY_SYMBOL: &str = "tcli_plugin_v1";

/// The first field of every descriptor: the bytes `"TCLIPLG\0"` read as a little-endian `u64`.
pub const MAGIC: u64 = u64::from_le_bytes(*b"TCLIPLG\0");

/// The ABI version this SDK builds and this tcli runs. Bumped only when the C contract breaks,
/// never with tcli's or the SDK's own version.
pub const ABI_VERSION: u32 = 1;

/// What `run` returns when the module panicked (caught inside the module).
pub const EXIT_PANIC: c_int = crate::exit::PANIC as c_int;

/// The static descriptor a module exports through [`ENTRY_SYMBOL`].
///
/// Every pointer in it points to data that lives as long as the library is loaded (tcli never
/// unloads one); tcli copies what it keeps and never frees anything.
#[repr(C)]
#[derive(Debug)]
pub struct TcliPluginV1 {
    /// Must be [`MAGIC`].
    pub magic: u64,
    /// The ABI the module was built for: [`ABI_VERSION`].
    pub abi_version: u32,
    /// `sizeof(TcliPluginV1)` as the module was compiled; at least the size of this struct.
    pub struct_size: u32,
    /// The module name (`[a-z][a-z0-9]*(-[a-z0-9]+)*`), NUL-terminated UTF-8.
    pub name: *const c_char,
    /// One line for `tcli --help`, NUL-terminated UTF-8.
    pub description: *const c_char,
    /// The module's own version, NUL-terminated UTF-8.
    pub plugin_version: *const c_char,
    /// The SDK (or other toolkit) that built it, NUL-terminated UTF-8; informational.
    pub sdk_version: *const c_char,
    /// Returns the JSON manifest of verbs and subjects (NUL-terminated UTF-8, owned by the
    /// module forever), or null when it cannot. Must be pure: tcli calls it in a probe process.
    /// `None` (a NULL pointer in C) means the module has no manifest, as a null return does.
    pub manifest: Option<extern "C" fn() -> *const c_char>,
    /// Runs one invocation and returns its exit status. `argv[0]` is the module name, then the
    /// words after it exactly as given (bytes, NUL-terminated, not necessarily UTF-8). `host`
    /// and `argv` are valid only during the call.
    pub run:
        extern "C" fn(host: *const TcliHostV1, argc: c_int, argv: *const *const c_char) -> c_int,
    /// Must be null; room for additions that need no new size.
    pub reserved: [*const c_void; 4],
}

/// What tcli gives a module for one `run` call. Valid only during that call.
#[repr(C)]
#[derive(Debug)]
pub struct TcliHostV1 {
    /// The ABI tcli speaks: [`ABI_VERSION`].
    pub abi_version: u32,
    /// `sizeof(TcliHostV1)` as tcli was compiled.
    pub struct_size: u32,
    /// Opaque; pass it back to the callbacks.
    pub ctx: *mut c_void,
    /// tcli's version, NUL-terminated UTF-8.
    pub tcli_version: *const c_char,
    /// tcli's config dir, NUL-terminated bytes (a path).
    pub config_dir: *const c_char,
    /// tcli's data dir, NUL-terminated bytes (a path).
    pub data_dir: *const c_char,
    /// tcli's cache dir, NUL-terminated bytes (a path).
    pub cache_dir: *const c_char,
    /// Loads the merged team and user settings (`tcli.toml`) on first use. Returns 0 and sets
    /// `*out` to the settings as JSON, or non-zero and sets `*out` to an error message. The
    /// string is owned by tcli and valid until `run` returns.
    pub settings_json: extern "C" fn(ctx: *mut c_void, out: *mut *const c_char) -> c_int,
    /// Null; room for additions.
    pub reserved: [*const c_void; 4],
    /// Appended (present when `struct_size >= HOST_STRUCT_SIZE`, absent in a host of
    /// [`HOST_V1_BASE_SIZE`] bytes): the settings file by file, as a JSON array in precedence
    /// order (the user's file first, then each team in `team list` order), each
    /// `{"team": name or null, "path": file, "settings": table}`. Same calling and ownership
    /// rules as `settings_json`.
    pub settings_layers_json: extern "C" fn(ctx: *mut c_void, out: *mut *const c_char) -> c_int,
}

/// The size of the first version of [`TcliHostV1`], before `settings_layers_json` was
/// appended: the smallest host a module accepts.
pub const HOST_V1_BASE_SIZE: u32 = std::mem::offset_of!(TcliHostV1, settings_layers_json) as u32;

/// `size_of::<TcliPluginV1>()` as a `u32`, for the `struct_size` field.
pub const PLUGIN_STRUCT_SIZE: u32 = std::mem::size_of::<TcliPluginV1>() as u32;

/// `size_of::<TcliHostV1>()` as a `u32`, for the `struct_size` field.
pub const HOST_STRUCT_SIZE: u32 = std::mem::size_of::<TcliHostV1>() as u32;

/// The fields every descriptor version starts with. tcli reads only these before deciding
/// whether it understands the rest.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TcliPluginHeader {
    /// See [`TcliPluginV1::magic`].
    pub magic: u64,
    /// See [`TcliPluginV1::abi_version`].
    pub abi_version: u32,
    /// See [`TcliPluginV1::struct_size`].
    pub struct_size: u32,
}
