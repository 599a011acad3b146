/* What io_bench.c needs from below it: the same few calls, served by WASI preview1 imports in the
 * wasm32 build (wasi_platform.c) and by Linux system calls in the native one (posix_platform.c),
 * so both builds time exactly the same loops. Errors are negative numbers; each build keeps its
 * own errno space, io_bench.c only checks the sign. */
#ifndef WASI_IO_PLATFORM_H
#define WASI_IO_PLATFORM_H

typedef unsigned long long u64;
typedef unsigned int u32;

#define PLAT_STDOUT 1
#define PLAT_STDERR 2

/* One write or read call: bytes moved (possibly short) or a negative error. */
long plat_write(int fd, const void *buf, u32 len);
long plat_read(int fd, void *buf, u32 len);
/* Opens a file in the benchmark's work directory: for writing (created, truncated) or reading. */
int plat_open_write(const char *name);
int plat_open_read(const char *name);
int plat_close(int fd);
/* Monotonic clock in nanoseconds. */
u64 plat_now_ns(void);

/* The benchmark itself, called with the program's arguments by each build's entry point. */
int io_bench_main(int argc, char **argv);

#endif
