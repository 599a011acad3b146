/* The native baseline's platform: plain write(2) / read(2) / openat(2) on Linux, no stdio
 * buffering, and CLOCK_MONOTONIC, so each call of io_bench.c is one system call, as a WASI call
 * is one hostcall. argv[1] is the work directory, opened once as the preopened directory is. */
#define _GNU_SOURCE
#include "platform.h"

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int work_dir = -1;

long plat_write(int fd, const void *buf, u32 len) {
    ssize_t n = write(fd, buf, len);
    return n < 0 ? -1 : (long)n;
}

long plat_read(int fd, void *buf, u32 len) {
    ssize_t n = read(fd, buf, len);
    return n < 0 ? -1 : (long)n;
}

int plat_open_write(const char *name) {
    int fd = openat(work_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    return fd < 0 ? -1 : fd;
}

int plat_open_read(const char *name) {
    int fd = openat(work_dir, name, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -1 : fd;
}

int plat_close(int fd) {
    return close(fd) ? -1 : 0;
}

u64 plat_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (u64)t.tv_sec * 1000000000ull + (u64)t.tv_nsec;
}

/* argv: WORK_DIR ONE_BYTE_WRITES BIG_WRITES READ_PASSES [ONLY_LOOP] */
int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s WORK_DIR ONE_BYTE_WRITES BIG_WRITES READ_PASSES [ONLY_LOOP]\n", argv[0]);
        return 2;
    }
    work_dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (work_dir < 0) {
        perror(argv[1]);
        return 1;
    }
    argv[1] = argv[0];
    return io_bench_main(argc - 1, argv + 1);
}
