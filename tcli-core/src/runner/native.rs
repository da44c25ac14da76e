//! Loading and running a native module (docs/native-abi.md): `dlopen` with `RTLD_NOW |
//! RTLD_LOCAL`, never unloaded, the descriptor's magic, ABI version and size checked before any
//! plugin code but the entry symbol runs, then `run` in process with the host struct of
//! tcli-plugin-sdk's `abi`. Also the hidden probe entry (`tcli __tcli-probe-native <file>`)
//! that discovery and `modules install` run in a child so a library that crashes or hangs on
//! load takes only the child down. This file and the SDK's export macro hold all the `unsafe`.
#![allow(unsafe_code)]

use crate::context::Context;
use crate::error::Failure;
use crate::exit::Exit;
use crate::model::descriptor::{Descriptor, ProbeReport, PROBE_ARG, VERSION_MAX};
use crate::model::ModuleInfo;
use crate::prim::text::sanitize_line;
use crate::ui;
use std::cell::OnceCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use tcli_plugin_sdk::abi::{self, TcliHostV1, TcliPluginHeader, TcliPluginV1};

/// A checked, loaded library: its descriptor lives as long as the process.
struct Loaded {
    raw: &'static TcliPluginV1,
    descriptor: Descriptor,
}

/// Opens `path` and checks its descriptor. Errors are exit 126 and name the file; ABI errors
/// name both versions.
fn load(path: &Path) -> Result<Loaded, Failure> {
    let ptr = open(path)?;
    let header = check_header(path, ptr)?;
    // SAFETY: magic, version and size say this is a complete v1 descriptor in a library that
    // is never unloaded.
    let raw: &'static TcliPluginV1 = unsafe { &*ptr };
    Ok(Loaded {
        raw,
        descriptor: descriptor(path, raw, header.abi_version)?,
    })
}

/// Loads the library for good and calls its entry symbol; returns the descriptor pointer,
/// not yet checked.
fn open(path: &Path) -> Result<*const TcliPluginV1, Failure> {
    let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL;
    // SAFETY: loading runs the library's initialisers. Only files from tcli's plugin dirs (or
    // a file the user names to `modules install`, probed in a child) are ever loaded, which is
    // the trust model of docs/native-abi.md; the child probe keeps a crashing one out of tcli.
    let lib = unsafe { libloading::os::unix::Library::open(Some(path), flags) }.map_err(|e| {
        Failure::LibraryUnloadable {
            path: path.to_path_buf(),
            why: dl_text(&e),
        }
    })?;
    type Entry = extern "C" fn() -> *const TcliPluginV1;
    // SAFETY: the symbol, when present, has the signature the ABI defines for it.
    let entry: Entry = match unsafe { lib.get::<Entry>(abi::ENTRY_SYMBOL.as_bytes()) } {
        Ok(sym) => *sym,
        Err(_) => {
            return Err(Failure::NoEntrySymbol {
                path: path.to_path_buf(),
            })
        }
    };
    // Never unloaded (docs/native-abi.md): plugin code and statics stay mapped for good, which is
    // what makes the 'static references of `load` sound.
    std::mem::forget(lib);
    let ptr = entry();
    if ptr.is_null() {
        return Err(Failure::NoDescriptor {
            path: path.to_path_buf(),
        });
    }
    Ok(ptr)
}

/// The descriptor's header, once its magic, ABI version and size are tcli's.
fn check_header(path: &Path, ptr: *const TcliPluginV1) -> Result<TcliPluginHeader, Failure> {
    // SAFETY: every descriptor version starts with this header, and the library stays
    // loaded, so reading it from the returned static is sound whatever version follows.
    let header: TcliPluginHeader = unsafe { ptr.cast::<TcliPluginHeader>().read_unaligned() };
    let path = path.to_path_buf();
    if header.magic != abi::MAGIC {
        return Err(Failure::BadMagic {
            path,
            magic: header.magic,
        });
    }
    if header.abi_version != abi::ABI_VERSION {
        return Err(Failure::AbiMismatch {
            path,
            abi_version: header.abi_version,
        });
    }
    if header.struct_size < abi::PLUGIN_STRUCT_SIZE {
        return Err(Failure::DescriptorTooSmall {
            path,
            size: header.struct_size,
        });
    }
    Ok(header)
}

/// The descriptor's strings, read as the ABI says they are.
fn descriptor(
    path: &Path,
    raw: &'static TcliPluginV1,
    abi_version: u32,
) -> Result<Descriptor, Failure> {
    let text = |p: *const c_char, field: &'static str| -> Result<String, Failure> {
        let path = path.to_path_buf();
        if p.is_null() {
            return Err(Failure::DescriptorFieldMissing { path, field });
        }
        // SAFETY: the ABI makes every descriptor string a NUL-terminated static of the library.
        let s = unsafe { CStr::from_ptr(p) };
        s.to_str()
            .map(str::to_string)
            .map_err(|_| Failure::DescriptorFieldNotUtf8 { path, field })
    };
    let name = text(raw.name, "name")?;
    let description = text(raw.description, "description")?;
    // Versions are only ever shown, so they are made one clean line here, where they enter;
    // the name is validated and the description sanitized where the index is built.
    let version = |p, field| text(p, field).map(|v| sanitize_line(&v, VERSION_MAX));
    Ok(Descriptor {
        name,
        description,
        plugin_version: version(raw.plugin_version, "plugin version")?,
        sdk_version: version(raw.sdk_version, "SDK version")?,
        abi_version,
        manifest: serde_json::Value::Null,
    })
}

/// dlopen's message without the path it repeats, so ours is named once.
fn dl_text(e: &libloading::Error) -> String {
    let full = e.to_string();
    match full.split_once(": ") {
        Some((head, rest)) if head.starts_with('/') => rest.to_string(),
        _ => full,
    }
}

/// Reads the manifest of a loaded library; plugin code runs here, so only in the probe child.
fn manifest(loaded: &Loaded) -> serde_json::Value {
    // A NULL function pointer is no manifest (docs/native-abi.md), as a NULL return is.
    let Some(manifest) = loaded.raw.manifest else {
        return serde_json::Value::Null;
    };
    let p = manifest();
    if p.is_null() {
        return serde_json::Value::Null;
    }
    // SAFETY: the ABI makes the manifest a NUL-terminated string the library owns for good.
    let text = unsafe { CStr::from_ptr(p) };
    serde_json::from_slice(text.to_bytes()).unwrap_or(serde_json::Value::Null)
}

/// `tcli __tcli-probe-native <file>`: loads the file, reads its descriptor and manifest, and
/// prints a [`ProbeReport`] as JSON. Runs in a child of the tcli that needs the answer.
pub fn probe_child(path: Option<&OsString>) -> anyhow::Result<u8> {
    let Some(path) = path else {
        return Err(Failure::ProbeNeedsFile { arg: PROBE_ARG }.into());
    };
    let report = match load(Path::new(path)) {
        Ok(loaded) => {
            let mut d = loaded.descriptor.clone();
            d.manifest = manifest(&loaded);
            ProbeReport::Ok(d)
        }
        Err(e) => ProbeReport::Failed {
            error: e.to_string(),
            hint: e.hint(),
        },
    };
    ui::json(&report);
    Ok(Exit::Success.code())
}

/// The host side of one run: the context and the settings, loaded when first asked for.
struct HostState<'a> {
    cx: &'a Context,
    settings: OnceCell<(c_int, CString)>,
    layers: OnceCell<(c_int, CString)>,
}

extern "C" fn settings_json(ctx: *mut c_void, out: *mut *const c_char) -> c_int {
    // SAFETY: `ctx` is the HostState that `run` put in the host struct; it outlives the
    // plugin's `run` call, which is the only time the plugin may call back.
    let state = unsafe { &*ctx.cast::<HostState<'_>>() };
    let (rc, text) =
        state
            .settings
            .get_or_init(|| match crate::settings::Settings::load(state.cx) {
                Ok(s) => (0, c_string(s.to_json().to_string())),
                // The module prints its own `hint:`; tcli's would be a second one.
                Err(e) => (1, c_string(e.to_string())),
            });
    if !out.is_null() {
        // SAFETY: `out` is non-null and, per the ABI, points to a `const char *` the plugin
        // owns; the string it receives lives in `state` until `run` returns.
        unsafe { *out = text.as_ptr() };
    }
    *rc
}

extern "C" fn settings_layers_json(ctx: *mut c_void, out: *mut *const c_char) -> c_int {
    // SAFETY: as in `settings_json`.
    let state = unsafe { &*ctx.cast::<HostState<'_>>() };
    let (rc, text) = state
        .layers
        .get_or_init(|| match crate::settings::layers(state.cx) {
            Ok(l) => (0, c_string(serde_json::to_string(&l).unwrap_or_default())),
            Err(e) => (1, c_string(e.to_string())),
        });
    if !out.is_null() {
        // SAFETY: as in `settings_json`.
        unsafe { *out = text.as_ptr() };
    }
    *rc
}

fn c_string(s: String) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// Loads `module`'s library, checks it again (the file may have changed since it was
/// indexed), and runs it with `args`. The module's status is tcli's.
pub fn run(cx: &Context, module: &ModuleInfo, args: &[OsString]) -> anyhow::Result<u8> {
    let loaded = load(Path::new(&module.location))?;
    if loaded.descriptor.name != module.name {
        return Err(Failure::ModuleRenamed {
            location: module.location.clone(),
            now: loaded.descriptor.name,
            was: module.name.clone(),
        }
        .into());
    }
    // OS arguments cannot hold a NUL byte, so this drops nothing.
    let argv: Vec<CString> = std::iter::once(module.name.as_bytes().to_vec())
        .chain(args.iter().map(|a| a.as_bytes().to_vec()))
        .filter_map(|b| CString::new(b).ok())
        .collect();
    let mut ptrs: Vec<*const c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let dir = |p: &Path| CString::new(p.as_os_str().as_bytes()).unwrap_or_default();
    let (config, data, cache) = (dir(&cx.config_dir), dir(&cx.data_dir), dir(&cx.cache_dir));
    let version = c_string(Context::version().to_string());
    let state = HostState {
        cx,
        settings: OnceCell::new(),
        layers: OnceCell::new(),
    };
    let host = TcliHostV1 {
        abi_version: abi::ABI_VERSION,
        struct_size: abi::HOST_STRUCT_SIZE,
        ctx: std::ptr::from_ref(&state).cast_mut().cast(),
        tcli_version: version.as_ptr(),
        config_dir: config.as_ptr(),
        data_dir: data.as_ptr(),
        cache_dir: cache.as_ptr(),
        settings_json,
        reserved: [std::ptr::null(); 4],
        settings_layers_json,
    };
    let argc = c_int::try_from(argv.len()).unwrap_or(c_int::MAX);
    let status = (loaded.raw.run)(&host, argc, ptrs.as_ptr());
    // A module written in C may leave output in the process's stdio buffers; flush them so
    // nothing is lost when tcli exits (SDK modules flush their own Rust buffers).
    // SAFETY: fflush(NULL) flushes every open C stream and takes no pointer of ours.
    unsafe { libc::fflush(std::ptr::null_mut()) };
    // As exit(3) does: only the low 8 bits of a status reach the parent.
    Ok(status.to_le_bytes()[0])
}
