/* The floor of the warm path (bench/core.sh): a launcher that does only what dispatching an
 * exec module must do, and nothing tcli does to find out which module runs. `launcher NAME
 * ARGS...` sets the variables every module gets (docs/exec-modules.md: TCLI_MODULE,
 * TCLI_VERSION, TCLI_BIN) and execs `tcli-NAME` from PATH, as a shell would. Built with tcli's
 * hardening (PIE, full RELRO, BIND_NOW, packed relative relocations: .cargo/config.toml), so
 * what it costs over running the module directly is the exec of a hardened dynamic program. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs("usage: launcher NAME [ARGS...]\n", stderr);
        return 2;
    }
    char file[256];
    if (snprintf(file, sizeof file, "tcli-%s", argv[1]) >= (int)sizeof file) {
        return 2;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        setenv("TCLI_BIN", self, 1);
    }
    setenv("TCLI_VERSION", "0.1.0", 1);
    setenv("TCLI_MODULE", argv[1], 1);
    argv[1] = file;
    execvp(file, argv + 1);
    fprintf(stderr, "launcher: %s: %s\n", file, strerror(errno));
    return 127;
}
