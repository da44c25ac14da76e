#!/bin/sh
# Builds tcli in release mode and installs it into $PREFIX (default ~/.local):
#   $PREFIX/bin/tcli                 the binary
#   $PREFIX/libexec/tcli/tcli_*      its helpers (git, Docker engine), found from the binary's
#                                    path (docs/helpers.md)
#   $PREFIX/lib/tcli/plugins/*.so    the bundled native modules (web, project, doctor, oncall,
#                                    notify, secrets)
#   $PREFIX/share/man/man1/tcli*.1   the man pages
#   $PREFIX/share/tcli/plugin-sdk    tcli-plugin-sdk as a standalone crate, which the crates
#                                    `tcli modules new --kind native` writes depend on by path
# Idempotent, needs no root, honours CARGO_TARGET_DIR. Ends by running `tcli modules list`.
set -eu

cd "$(dirname "$0")"
PREFIX="${PREFIX:-$HOME/.local}"
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"

say() { printf '%s\n' "$*" >&2; }

command -v cargo >/dev/null 2>&1 || { say "error: cargo not found; install Rust from https://rustup.rs first"; exit 1; }

say "building tcli (release)..."
cargo build --release --workspace --quiet

# Copy to a temp name in the destination dir, then rename: a running tcli is never overwritten
# in place, and an interrupted install leaves the old copy intact.
install_file() { # src dest mode
    tmp="$2.tmp.$$"
    cp "$1" "$tmp"
    chmod "$3" "$tmp"
    mv -f "$tmp" "$2"
}

mkdir -p "$PREFIX/bin" "$PREFIX/libexec/tcli" "$PREFIX/lib/tcli/plugins"
# Helpers first: a new tcli must never start without the helpers it was built with.
for helper in tcli_git tcli_docker tcli_http; do
    install_file "$TARGET_DIR/release/$helper" "$PREFIX/libexec/tcli/$helper" 755
    say "installed $PREFIX/libexec/tcli/$helper"
done
install_file "$TARGET_DIR/release/tcli" "$PREFIX/bin/tcli" 755
say "installed $PREFIX/bin/tcli"

for lib in "$TARGET_DIR"/release/libtcli_plugin_*.so "$TARGET_DIR"/release/libtcli_plugin_*.dylib; do
    [ -f "$lib" ] || continue
    name=$(basename "$lib")
    install_file "$lib" "$PREFIX/lib/tcli/plugins/$name" 644
    say "installed $PREFIX/lib/tcli/plugins/$name"
done

# Man pages, generated from the clap definitions and checked in (docs/man, kept in sync by
# tests/e2e/docs.rs). man finds $PREFIX/share/man from $PREFIX/bin on PATH.
mkdir -p "$PREFIX/share/man/man1"
for page in docs/man/*.1; do
    install_file "$page" "$PREFIX/share/man/man1/$(basename "$page")" 644
done
say "installed the man pages in $PREFIX/share/man/man1 (man tcli)"

# `cargo package` resolves what the SDK inherits from the workspace (version, lints,
# dependency versions) into a Cargo.toml that builds anywhere; --no-verify, since it was just
# built. Unpacked beside the old copy, then swapped in, so a failure leaves the old one.
say "packaging tcli-plugin-sdk..."
share="$PREFIX/share/tcli"
sdk="$share/plugin-sdk"
pkg=$(mktemp -d)
trap 'rm -rf "$pkg" "$sdk.new.$$" "$sdk.old.$$"' EXIT
CARGO_TARGET_DIR="$pkg" cargo package -p tcli-plugin-sdk --no-verify --allow-dirty --quiet
mkdir -p "$share" "$sdk.new.$$"
tar -xzf "$pkg"/package/tcli-plugin-sdk-*.crate -C "$sdk.new.$$" --strip-components=1
[ ! -e "$sdk" ] || mv "$sdk" "$sdk.old.$$"
mv "$sdk.new.$$" "$sdk"
say "installed $sdk"

case ":${PATH:-}:" in
    *":$PREFIX/bin:"*) ;;
    *) say "warning: $PREFIX/bin is not on your PATH"
       say "hint: add it: export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac

"$PREFIX/bin/tcli" modules list
