/* FNV-1a (64-bit) byte by byte over a 64 MiB buffer: a load, xor and multiply per byte
 * (after an xorshift fill of the buffer). */
#include "bench.h"
#define SIZE (64u << 20)
static unsigned char buffer[SIZE];
EXPORT i64 run(i32 units) {
    u64 result = 0;
    /* each unit refills and hashes the buffer, so the time is linear in units */
    for (i32 u = 0; u < units; u++) {
        u64 x = 88172645463325252ull + (u64)u;
        for (u32 i = 0; i < SIZE; i += 8) { /* xorshift64 fill, 8 bytes at a time */
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            for (u32 k = 0; k < 8; k++) buffer[i + k] = (unsigned char)(x >> (8 * k));
        }
        u64 h = 14695981039346656037ull;
        for (u32 i = 0; i < SIZE; i++) { h ^= buffer[i]; h *= 1099511628211ull; }
        result ^= h;
    }
    return (i64)result;
}
