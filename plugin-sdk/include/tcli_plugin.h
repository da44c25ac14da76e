/* tcli_plugin.h: the tcli native module ABI, version 1, for authors in C.
 * The Rust definition is tcli-plugin-sdk's `abi` module; docs/native-abi.md explains the rules. */
#ifndef TCLI_PLUGIN_H
#define TCLI_PLUGIN_H

#include <stdint.h>

#define TCLI_PLUGIN_MAGIC   0x00474C50494C4354ULL  /* the bytes "TCLIPLG\0", little-endian */
#define TCLI_ABI_VERSION    1

typedef struct TcliHostV1 {
    uint32_t    abi_version;   /* 1 */
    uint32_t    struct_size;   /* sizeof(TcliHostV1) as tcli was built */
    void       *ctx;           /* opaque: pass it back to the callbacks */
    const char *tcli_version;  /* UTF-8 */
    const char *config_dir;    /* bytes of a path */
    const char *data_dir;
    const char *cache_dir;
    /* Loads the merged settings (every tcli.toml) on first call. Returns 0 and sets *out to
       the settings as JSON, or non-zero and sets *out to an error message. tcli owns the
       string; it is valid until run() returns. */
    int       (*settings_json)(void *ctx, const char **out);
    const void *reserved[4];   /* NULL */
} TcliHostV1;

typedef struct TcliPluginV1 {
    uint64_t    magic;          /* TCLI_PLUGIN_MAGIC */
    uint32_t    abi_version;    /* TCLI_ABI_VERSION */
    uint32_t    struct_size;    /* sizeof(TcliPluginV1) */
    const char *name;           /* [a-z][a-z0-9]*(-[a-z0-9]+)*, at most 64 bytes */
    const char *description;    /* one line for `tcli --help` */
    const char *plugin_version; /* your module's version */
    const char *sdk_version;    /* what built it, e.g. "hand-written C" */
    const char *(*manifest)(void);  /* JSON, see below; static; may return NULL,
                                       or be NULL itself: no manifest */
    int        (*run)(const TcliHostV1 *host, int argc, const char *const *argv);
    const void *reserved[4];    /* NULL */
} TcliPluginV1;

const TcliPluginV1 *tcli_plugin_v1(void);

#endif
