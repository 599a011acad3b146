/* The wasm32 build's platform: WASI preview1 imports declared by hand (the Debian wasi-libc is too
 * old to rely on, and a freestanding module keeps the app to exactly the calls being measured).
 * The work directory is the first preopened directory, fd 3. */
#include "platform.h"

#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

typedef struct {
    const void *buf;
    u32 len;
} ciovec;

typedef struct {
    void *buf;
    u32 len;
} iovec;

WASI_IMPORT(fd_write) int wasi_fd_write(int fd, const ciovec *iovs, u32 count, u32 *written);
WASI_IMPORT(fd_read) int wasi_fd_read(int fd, const iovec *iovs, u32 count, u32 *read);
WASI_IMPORT(fd_close) int wasi_fd_close(int fd);
WASI_IMPORT(path_open) int wasi_path_open(int dirfd, u32 dirflags, const char *path, u32 path_len,
                                          u32 oflags, u64 rights_base, u64 rights_inheriting,
                                          u32 fdflags, int *fd);
WASI_IMPORT(clock_time_get) int wasi_clock_time_get(u32 clock, u64 precision, u64 *time);
WASI_IMPORT(args_sizes_get) int wasi_args_sizes_get(u32 *count, u32 *size);
WASI_IMPORT(args_get) int wasi_args_get(char **argv, char *buf);
WASI_IMPORT(proc_exit) _Noreturn void wasi_proc_exit(int status);

#define PREOPEN_FD 3
#define CLOCK_MONOTONIC 1
#define OFLAGS_CREAT_TRUNC (1u | 8u)
#define RIGHTS_READ 0x26ull  /* fd_read | fd_seek | fd_tell */
#define RIGHTS_WRITE 0x40ull /* fd_write */
#define MAX_ARGS 8
#define ARG_BYTES 256

/* clang may turn the buffer fill into calls of these; there is no libc to provide them. */
void *memset(void *dst, int c, unsigned long n) {
    unsigned char *d = dst;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

void *memcpy(void *dst, const void *src, unsigned long n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

long plat_write(int fd, const void *buf, u32 len) {
    ciovec iov = {buf, len};
    u32 written = 0;
    int errno_value = wasi_fd_write(fd, &iov, 1, &written);
    return errno_value ? -errno_value : (long)written;
}

long plat_read(int fd, void *buf, u32 len) {
    iovec iov = {buf, len};
    u32 read = 0;
    int errno_value = wasi_fd_read(fd, &iov, 1, &read);
    return errno_value ? -errno_value : (long)read;
}

static u32 length(const char *s) {
    u32 n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static int open_in_work_dir(const char *name, u32 oflags, u64 rights) {
    int fd = -1;
    int errno_value = wasi_path_open(PREOPEN_FD, 0, name, length(name), oflags, rights, 0, 0, &fd);
    return errno_value ? -errno_value : fd;
}

int plat_open_write(const char *name) {
    return open_in_work_dir(name, OFLAGS_CREAT_TRUNC, RIGHTS_WRITE);
}

int plat_open_read(const char *name) {
    return open_in_work_dir(name, 0, RIGHTS_READ);
}

int plat_close(int fd) {
    return -wasi_fd_close(fd);
}

u64 plat_now_ns(void) {
    u64 now = 0;
    wasi_clock_time_get(CLOCK_MONOTONIC, 1, &now);
    return now;
}

void _start(void) {
    static char *argv[MAX_ARGS];
    static char arg_bytes[ARG_BYTES];
    u32 argc = 0;
    u32 size = 0;
    if (wasi_args_sizes_get(&argc, &size) || argc > MAX_ARGS || size > ARG_BYTES
            || wasi_args_get(argv, arg_bytes)) {
        wasi_proc_exit(2);
    }
    wasi_proc_exit(io_bench_main((int)argc, argv));
}
