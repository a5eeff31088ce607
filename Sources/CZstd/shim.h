#ifndef KB4_CZSTD_SHIM_H
#define KB4_CZSTD_SHIM_H
#include <zstd.h>
#endif
