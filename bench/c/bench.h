/* Shared by every benchmark program: fixed-width types without libc, and the exported entry.
 * Built twice: freestanding wasm32 (no imports) and natively with gcc -O2 (native_main.c). */
#ifndef BENCH_H
#define BENCH_H
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#ifdef __wasm__
#define EXPORT __attribute__((export_name("run"), visibility("default")))
#else
#define EXPORT
#endif

/* run(units): does `units` times a fixed amount of work and returns a checksum that does not
 * depend on pointer width, so every engine must print the same number. */
EXPORT i64 run(i32 units);
#endif
