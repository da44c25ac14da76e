#!/usr/bin/env bash
# Where the warm path's time goes, beside the floor of bench/core.sh (bench/launcher.c, a
# hardened C program that only execs the module), in figures that do not drift with the load of
# a shared machine: instructions (callgrind, the process itself and the loader's share), system
# calls (strace and the calls themselves), page faults and the loader's work (LD_DEBUG=statistics).
# Usage: bench/warm-profile.sh [/path/to/tcli]   (default: target/release/tcli; its helpers and
#        bundled plugins beside it are installed with it, as install.sh does; needs cc, strace,
#        valgrind, readelf)
set -euo pipefail
cd "$(dirname "$0")/.."
TCLI_SRC="${1:-${CARGO_TARGET_DIR:-$(pwd)/target}/release/tcli}"
W="$(mktemp -d /tmp/tcli-warm.XXXXXX)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/prefix/bin" "$W/prefix/lib/tcli/plugins" "$W/bin" "$W/cache" "$W/data" "$W/config"
cp "$TCLI_SRC" "$W/prefix/bin/tcli"
for lib in "$(dirname "$TCLI_SRC")"/libtcli_plugin_*.so; do
    [ ! -f "$lib" ] || cp "$lib" "$W/prefix/lib/tcli/plugins/"
done
cc -O2 -o "$W/bin/tcli-hello" bench/hello.c
cc -O2 -fPIE -pie -Wl,-z,relro,-z,now -Wl,-z,pack-relative-relocs -o "$W/launcher" bench/launcher.c
# callgrind stops counting at an exec; this shim ends the process where it would exec a module
# (`tcli-*`), so the count is what comes before, and lets every other exec through (valgrind's).
cat > "$W/shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>
static int is_module(const char *p) {
    const char *base = strrchr(p, '/');
    return strncmp(base ? base + 1 : p, "tcli-", 5) == 0;
}
int execve(const char *p, char *const a[], char *const e[]) {
    if (is_module(p)) _exit(0);
    int (*real)(const char *, char *const[], char *const[]) = dlsym(RTLD_NEXT, "execve");
    return real(p, a, e);
}
int execvp(const char *p, char *const a[]) {
    if (is_module(p)) _exit(0);
    int (*real)(const char *, char *const[]) = dlsym(RTLD_NEXT, "execvp");
    return real(p, a);
}
C
cc -O2 -shared -fPIC -o "$W/shim.so" "$W/shim.c"
TCLI="$W/prefix/bin/tcli"
export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache" TCLI_NO_DOCKER=1
export PATH="$W/bin:/usr/local/bin:/usr/bin:/bin"
"$TCLI" hello # builds the index once

echo "== size: $(stat -c %s "$TCLI") bytes; $(readelf -d "$TCLI" | grep -c NEEDED) libraries needed" \
    "($(readelf -d "$TCLI" | grep NEEDED | grep -o '\[.*\]' | tr -d '[]' | tr '\n' ' '));" \
    "$(readelf --dyn-syms -W "$TCLI" | grep -c ' UND ') undefined dynamic symbols"
echo "direct tcli-hello: $(/usr/bin/time -f %R "$W/bin/tcli-hello" 2>&1 >/dev/null | tail -1) page faults"
for who in "launcher hello" "tcli hello" "tcli --help" "tcli --version"; do
    case "$who" in launcher*) cmd=("$W/launcher" "${who#launcher }") ;; *) cmd=("$TCLI" ${who#tcli }) ;; esac
    # Instructions until the module's exec, the shim's own loading included (the same for each).
    LD_PRELOAD="$W/shim.so" valgrind --tool=callgrind --callgrind-out-file="$W/cg" "${cmd[@]}" >/dev/null 2>"$W/vg" || true
    total=$(grep -o 'Collected : [0-9]*' "$W/vg" | grep -o '[0-9]*')
    callgrind_annotate --inclusive=yes "$W/cg" >"$W/cg.txt" 2>/dev/null
    loader=$(awk '/:_dl_start / { gsub(",", "", $1); print $1; exit }' "$W/cg.txt")
    strace -qq -f -o "$W/trace" "${cmd[@]}" >/dev/null
    # Up to and including the module's execve: what the module does is not the launcher's.
    calls=$(awk '/execve\(/ { n++ } n < 2' "$W/trace" | wc -l)
    stats=$(awk '/execve\(/ { n++ } n < 2' "$W/trace" | grep -cE 'stat|statx' || true)
    opens=$(awk '/execve\(/ { n++ } n < 2' "$W/trace" | grep -c 'open' || true)
    # The first process's figures: the module's follow under the same pid.
    LD_DEBUG=statistics "${cmd[@]}" 2>"$W/ld" >/dev/null
    cycles=$(awk '/total startup time/ { print $(NF-1); exit }' "$W/ld")
    relocs=$(awk '/ number of relocations:/ { print $NF; exit }' "$W/ld")
    # Minor page faults, the module's included (exec keeps the count): compare with direct's.
    faults=$(/usr/bin/time -f %R "${cmd[@]}" 2>&1 >/dev/null | tail -1)
    echo "$who: ${total:-?} instructions, ${loader:-?} of them in the loader; $faults page faults; $calls syscalls" \
        "($stats stats, $opens opens) before the module; loader: $relocs symbol relocations," \
        "$cycles cycles"
done
echo "== syscalls of tcli hello, before the module's exec"
strace -qq -o "$W/trace" "$TCLI" hello >/dev/null
awk '/execve\(/ { n++ } n < 2' "$W/trace" | sed -E 's/ = .*//' | cut -c1-150
