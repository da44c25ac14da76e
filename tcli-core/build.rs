//! Link flags for the `tcli` binary only (plugins and tests are untouched). Both trade a
//! hardening default for start-up time, which is most of what a dispatch costs; tcli is a
//! launcher that reads local files, neither setuid nor a network service.
//!
//! `-no-pie`: a PIE binary of this size carries ~70k relative relocations that the dynamic
//! loader applies at every start, about 0.4 ms before `main` on the 2-core machines we measure
//! on, and that start-up cost is most of tcli's dispatch overhead (bench/core.sh). Linked at a
//! fixed address they are resolved by the linker instead. Shared libraries, heap and stack keep
//! ASLR; gh and kubectl (Go) ship non-PIE executables the same way.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=tcli=-no-pie");
        // Lazy binding: of the ~400 libc symbols the binary imports, a dispatch calls a few
        // dozen; binding all of them up front (`-z now`) cost ~0.02 ms of every start.
        println!("cargo:rustc-link-arg-bin=tcli=-Wl,-z,lazy");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
