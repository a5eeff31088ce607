#ifndef KB4_CZLIB_SHIM_H
#define KB4_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros Swift cannot call; wrap them as inline functions. */
static inline int kb4_deflate_init_gzip(z_streamp strm, int level) {
    /* windowBits 15 + 16 selects gzip framing; memLevel 8 is zlib's default. */
    return deflateInit2(strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int kb4_inflate_init_gzip(z_streamp strm) {
    /* windowBits 15 + 16: gzip only (no zlib or raw streams accepted). */
    return inflateInit2(strm, 15 + 16);
}
#endif
