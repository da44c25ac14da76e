/* The benchmark's module: as small as a compiled program gets, so what is measured is the
 * launcher's overhead. Answers --help like a conforming module. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("Usage: tcli hello\n\nSay hello (benchmark module)");
    }
    return 0;
}
