//! tcli-plugin-sdk: build a native tcli module (a shared library tcli loads and runs in
//! process) from an ordinary clap command and one function.
//!
//! A module is a `cdylib` crate. [`export_plugin!`] turns a `#[derive(clap::Parser)]` type and
//! a run function into the whole C contract of [`abi`]: the exported `tcli_plugin_v1` symbol,
//! the static descriptor (name, description, versions), the JSON manifest of verbs that
//! `tcli --help` and `tcli modules list` show, and the run entry. Inside `run` the SDK parses
//! the words after `tcli <module>` with clap (so `--help` and usage errors read
//! `Usage: tcli <module> ...` and exit 0 and 2), catches a panic (exit 101, the message on
//! stderr), prints a returned [`Error`] as `error:`/`hint:` lines, and flushes stdout and
//! stderr before handing control back to tcli.
//!
//! # Example
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "tcli-plugin-hello"
//! description = "Say hello to the team"
//! version = "0.1.0"
//! edition = "2021"
//!
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! # not on crates.io: point at your checkout of tcli (or its git URL)
//! tcli-plugin-sdk = { path = "../tcli/plugin-sdk" }
//! ```
//!
//! `src/lib.rs`:
//!
//! ```
//! use tcli_plugin_sdk::clap::{self, Subcommand};
//! use tcli_plugin_sdk::{Error, Host, Verbs};
//! use std::io::Write;
//!
//! /// `tcli hello <verb>`: help when no verb is given, the description below as its about.
//! /// (A module with options before its verb derives its own `clap::Parser` instead.)
//! type Cli = Verbs<Verb>;
//!
//! #[derive(Subcommand)]
//! enum Verb {
//!     /// Greet someone
//!     Greet {
//!         /// Who to greet
//!         name: String,
//!     },
//!     /// Show where tcli keeps its data
//!     Where,
//! }
//!
//! fn run(cli: Cli, host: &Host) -> Result<(), Error> {
//!     let mut out = std::io::stdout().lock();
//!     match cli.verb {
//!         Verb::Greet { name } if name.is_empty() => {
//!             return Err(Error::usage("the name is empty").with_hint("try 'tcli hello greet sam'"));
//!         }
//!         Verb::Greet { name } => writeln!(out, "hello, {name}")?,
//!         Verb::Where => writeln!(out, "{}", host.data_dir().display())?,
//!     }
//!     Ok(())
//! }
//!
//! tcli_plugin_sdk::export_plugin! {
//!     name: "hello",
//!     description: "Say hello to the team",
//!     cli: Cli,
//!     run: run,
//! }
//! # fn main() {}
//! ```
//!
//! `cargo build --release` gives `target/release/libtcli_plugin_hello.so`;
//! `tcli modules install target/release/libtcli_plugin_hello.so` makes `tcli hello greet sam`
//! work. Without `description:`, the package's `description` from `Cargo.toml` is used.
//!
//! # Rules for module authors
//!
//! - Output goes straight to the process's stdout and stderr (`println!`, `std::io::stdout()`);
//!   the SDK flushes both before returning. Prefer `writeln!(out, ...)?` to `println!`: a
//!   closed stdout pipe (`tcli x list | head -1`) then reaches the SDK as [`Error::Io`] and
//!   ends the module quietly with 0, where `println!` would panic (exit 101).
//! - Build with the default `panic = "unwind"`: with `panic = "abort"` a panic takes tcli down
//!   with it instead of becoming exit 101.
//! - Join any thread you start before the run function returns, and do not run code at load
//!   time (no constructor crates): tcli loads the library in a probe process to read the
//!   descriptor, and never unloads it.
//! - Nothing allocated crosses the boundary: strings tcli passes are valid only during the
//!   call, and every string the module hands out is `'static`.

#![deny(missing_docs)]

pub mod abi;
pub mod doctor;
mod error;
pub mod exit;
mod host;
pub mod output;
#[doc(hidden)]
pub mod runtime;
pub mod settings_file;
pub mod signals;
pub mod team_checkout;

pub use error::Error;
pub use host::{Host, Layer};
pub use runtime::Verbs;

/// The clap this SDK parses with; depend on it through here so versions always agree.
pub use clap;
/// The JSON library settings come in.
pub use serde_json;

/// The module-name rule, `[a-z][a-z0-9]*(-[a-z0-9]+)*` in at most 64 bytes, stated once for
/// everything named like a module: modules, verbs, roster ids, doctor checks, secrets.
pub const fn is_valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 64 || !b[0].is_ascii_lowercase() || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || (c == b'-' && b[i - 1] != b'-');
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// The SDK's own version, recorded in every descriptor it builds.
pub const SDK_VERSION: &str = concat!("tcli-plugin-sdk ", env!("CARGO_PKG_VERSION"));

/// The entry function [`export_plugin!`] writes, under the unmangled name tcli looks up.
// SAFETY: an unmangled symbol must be unique in the library; the macro is used once per crate
// (a second use fails to link), and the name is tcli's own prefix.
#[cfg(not(fuzzing))]
#[doc(hidden)]
#[macro_export]
macro_rules! __entry_symbol {
    ($item:item) => {
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        $item
    };
}

/// The same under cargo-fuzz (`--cfg fuzzing`, fuzz/): a fuzz target links several modules
/// into one program, so each module's symbol has its crate's name added. The cfg is read
/// here, in the SDK, so module crates need not know it.
// SAFETY: as above; the crate's path makes the name unique in the program.
#[cfg(fuzzing)]
#[doc(hidden)]
#[macro_export]
macro_rules! __entry_symbol {
    ($item:item) => {
        #[allow(unsafe_code)]
        #[unsafe(export_name = concat!("tcli_plugin_v1_", module_path!()))]
        $item
    };
}

/// Exports a native tcli module: `name` (a valid module name, checked at compile time),
/// optional `description` (default: the package description), `cli` (a type deriving
/// `clap::Parser`) and `run` (a `fn(Cli, &Host) -> Result<(), Error>`). Use it once per crate,
/// at the crate root of a `cdylib`. See the crate docs for a complete example.
#[macro_export]
macro_rules! export_plugin {
    (name: $name:expr, cli: $cli:ty, run: $run:expr $(,)?) => {
        $crate::export_plugin! {
            name: $name,
            description: ::core::env!("CARGO_PKG_DESCRIPTION"),
            cli: $cli,
            run: $run,
        }
    };
    (name: $name:expr, description: $description:expr, cli: $cli:ty, run: $run:expr $(,)?) => {
        const _: () = {
            use ::std::ffi::{c_char, c_int, CStr, OsString};

            const NAME: &str = $name;
            const DESCRIPTION: &str = $description;
            const VERSION: &str = ::core::env!("CARGO_PKG_VERSION");
            const _: () = $crate::runtime::assert_valid_name(NAME);

            static NAME_C: [u8; NAME.len() + 1] = $crate::runtime::nul_terminated(NAME);
            static DESCRIPTION_C: [u8; DESCRIPTION.len() + 1] =
                $crate::runtime::nul_terminated(DESCRIPTION);
            static VERSION_C: [u8; VERSION.len() + 1] = $crate::runtime::nul_terminated(VERSION);
            static SDK_C: [u8; $crate::SDK_VERSION.len() + 1] =
                $crate::runtime::nul_terminated($crate::SDK_VERSION);
            static MANIFEST: ::std::sync::OnceLock<::core::option::Option<::std::ffi::CString>> =
                ::std::sync::OnceLock::new();

            #[repr(transparent)]
            struct Exported($crate::abi::TcliPluginV1);
            // SAFETY: every pointer in the descriptor points to an immutable static of this
            // library and nothing ever writes through them, so sharing it between threads is
            // sound.
            #[allow(unsafe_code)]
            unsafe impl ::core::marker::Sync for Exported {}

            static DESCRIPTOR: Exported = Exported($crate::abi::TcliPluginV1 {
                magic: $crate::abi::MAGIC,
                abi_version: $crate::abi::ABI_VERSION,
                struct_size: $crate::abi::PLUGIN_STRUCT_SIZE,
                name: NAME_C.as_ptr().cast(),
                description: DESCRIPTION_C.as_ptr().cast(),
                plugin_version: VERSION_C.as_ptr().cast(),
                sdk_version: SDK_C.as_ptr().cast(),
                manifest: Some(__tcli_manifest),
                run: __tcli_run,
                reserved: [::core::ptr::null(); 4],
            });

            $crate::__entry_symbol! {
                /// The entry symbol tcli looks up: the static descriptor.
                pub extern "C" fn tcli_plugin_v1() -> *const $crate::abi::TcliPluginV1 {
                    &DESCRIPTOR.0
                }
            }

            extern "C" fn __tcli_manifest() -> *const c_char {
                MANIFEST
                    .get_or_init(|| $crate::runtime::manifest::<$cli>(NAME, DESCRIPTION, VERSION))
                    .as_ref()
                    .map_or(::core::ptr::null(), |m| m.as_ptr())
            }

            /// The bytes of a C string the host passed, empty for null.
            #[allow(unsafe_code)]
            fn __tcli_bytes<'a>(p: *const c_char) -> &'a [u8] {
                if p.is_null() {
                    return &[];
                }
                // SAFETY: the ABI (abi::TcliHostV1, abi::TcliPluginV1::run) promises that every
                // non-null string pointer tcli passes is NUL-terminated and valid until `run`
                // returns; the slices never outlive this `run` call.
                unsafe { CStr::from_ptr(p) }.to_bytes()
            }

            /// Asks the host for one JSON document (`settings_json`, `settings_layers_json`): the
            /// text, or the host's message when it refused.
            fn __tcli_ask(
                ctx: *mut ::std::ffi::c_void,
                get: extern "C" fn(*mut ::std::ffi::c_void, *mut *const c_char) -> c_int,
            ) -> ::core::result::Result<String, String> {
                let mut out: *const c_char = ::core::ptr::null();
                let rc = get(ctx, &mut out);
                let text = String::from_utf8_lossy(__tcli_bytes(out)).into_owned();
                if rc == 0 {
                    Ok(text)
                } else {
                    Err(text)
                }
            }

            #[allow(unsafe_code)]
            extern "C" fn __tcli_run(
                host: *const $crate::abi::TcliHostV1,
                argc: c_int,
                argv: *const *const c_char,
            ) -> c_int {
                let count = usize::try_from(argc).unwrap_or(0);
                let raw: &[*const c_char] = if argv.is_null() || count == 0 {
                    &[]
                } else {
                    // SAFETY: the ABI promises `argv` points to `argc` string pointers, valid
                    // during this call.
                    unsafe { ::std::slice::from_raw_parts(argv, count) }
                };
                let args: ::std::vec::Vec<OsString> = raw
                    .iter()
                    .map(|&p| $crate::runtime::os_string(__tcli_bytes(p)))
                    .collect();
                // SAFETY: `host` is null or points to a TcliHostV1 valid during this call; its
                // version and size are checked before any other field is read.
                let host = unsafe { host.as_ref() };
                let load = || -> ::core::result::Result<String, String> {
                    let Some(h) = host else {
                        return Err("tcli passed no host".into());
                    };
                    __tcli_ask(h.ctx, h.settings_json)
                };
                let layers = || -> ::core::result::Result<String, String> {
                    match host {
                        Some(h) if h.struct_size >= $crate::abi::HOST_STRUCT_SIZE => {
                            __tcli_ask(h.ctx, h.settings_layers_json)
                        }
                        _ => Err(
                            "this tcli is too old to pass settings file by file; update tcli"
                                .into(),
                        ),
                    }
                };
                let view = match host {
                    Some(h)
                        if h.abi_version == $crate::abi::ABI_VERSION
                            && h.struct_size >= $crate::abi::HOST_V1_BASE_SIZE =>
                    {
                        Ok($crate::Host::new(
                            NAME,
                            String::from_utf8_lossy(__tcli_bytes(h.tcli_version)),
                            [
                                $crate::runtime::path(__tcli_bytes(h.config_dir)),
                                $crate::runtime::path(__tcli_bytes(h.data_dir)),
                                $crate::runtime::path(__tcli_bytes(h.cache_dir)),
                            ],
                            &load,
                        )
                        .with_layers(&layers))
                    }
                    Some(h) => Err($crate::Error::HostTooOld(format!(
                        "it passed host ABI {} ({} bytes); the module needs ABI {} ({} bytes)",
                        h.abi_version,
                        h.struct_size,
                        $crate::abi::ABI_VERSION,
                        $crate::abi::HOST_V1_BASE_SIZE
                    ))),
                    None => Err($crate::Error::HostTooOld("it passed no host".into())),
                };
                $crate::runtime::run::<$cli>([NAME, DESCRIPTION, VERSION], view, args, $run)
            }
        };
    };
}
