//! Links the unwinder into tcli statically (libgcc_eh, whole) on GNU/Linux, so `-lgcc_s`, which
//! std asks for, is dropped as not needed and the loader maps one shared library fewer on every
//! run: about 30,000 instructions and 9 system calls of the warm path (docs/architecture.md,
//! "Warm path"). Where the C compiler has no libgcc_eh.a, tcli links libgcc_s as before.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.ends_with("-linux-gnu") {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let Ok(out) = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    // A compiler that does not know the file prints its bare name back.
    let file = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let (true, Some(dir)) = (file.is_absolute() && file.is_file(), file.parent()) else {
        return;
    };
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static:+whole-archive,-bundle=gcc_eh");
}
