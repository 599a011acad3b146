/* The WASI I/O benchmark's work, identical in the wasm32 app and the native baseline (issue 5,
 * item 3). argv: ONE_BYTE_WRITES BIG_WRITES READ_PASSES [ONLY_LOOP]; with ONLY_LOOP (a loop's
 * name, or "none") just that loop runs, which lets a harness count one loop's hostcalls. Each loop is timed on its own with the
 * monotonic clock, so nothing outside the loop (process or JVM start, compilation) is counted.
 * In a keep, stdout and stderr writes are buffered and the clock call that ends a loop flushes
 * the buffer first, so the time of a stdout loop includes getting all its bytes out.
 *
 * One line per loop goes to stderr, after all loops are done (so the report itself is not
 * timed and does not flush anything mid-loop):
 *     wasi-io OP calls=N bytes=B ns=T
 * where N counts the app's own write or read calls (a short write is retried, as libc does, and
 * each retry counts as a call). */
#include "platform.h"

#define BIG (64u << 10)
#define REPORT_CAPACITY 1024

static unsigned char big_buffer[BIG];
static char report[REPORT_CAPACITY];
static u32 report_length;

static void append(const char *s) {
    while (*s && report_length < REPORT_CAPACITY) {
        report[report_length++] = *s++;
    }
}

static void append_u64(u64 value) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n && report_length < REPORT_CAPACITY) {
        report[report_length++] = digits[--n];
    }
}

static void record(const char *op, u64 calls, u64 bytes, u64 ns) {
    append("wasi-io ");
    append(op);
    append(" calls=");
    append_u64(calls);
    append(" bytes=");
    append_u64(bytes);
    append(" ns=");
    append_u64(ns);
    append("\n");
}

static int fail(const char *what) {
    report_length = 0;
    append("wasi-io error: ");
    append(what);
    append("\n");
    plat_write(PLAT_STDERR, report, report_length);
    return 1;
}

static const char *only_loop;

static int same(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static int selected(const char *op) {
    return !only_loop || same(only_loop, op);
}

static u64 parse_count(const char *s) {
    u64 value = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        value = value * 10 + (u64)(*s - '0');
    }
    return value;
}

/* Writes all of buf, retrying short writes; adds the calls made to *calls. 0, or -1 on error. */
static int write_all(int fd, const unsigned char *buf, u32 len, u64 *calls) {
    while (len) {
        long n = plat_write(fd, buf, len);
        ++*calls;
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (u32)n;
    }
    return 0;
}

/* `count` writes of `len` bytes each to fd, timed. */
static int time_writes(const char *op, int fd, u32 len, u64 count) {
    u64 calls = 0;
    u64 start = plat_now_ns();
    for (u64 i = 0; i < count; i++) {
        if (write_all(fd, big_buffer, len, &calls)) {
            return -1;
        }
    }
    u64 end = plat_now_ns();
    record(op, calls, count * len, end - start);
    return 0;
}

static int time_file_writes(const char *op, const char *name, u32 len, u64 count) {
    int fd = plat_open_write(name);
    if (fd < 0) {
        return -1;
    }
    int result = time_writes(op, fd, len, count);
    plat_close(fd);
    return result;
}

/* `passes` times: open the file, read it to its end in 64 KiB reads, close it; all timed. */
static int time_file_reads(const char *op, const char *name, u64 passes) {
    u64 calls = 0;
    u64 bytes = 0;
    u64 start = plat_now_ns();
    for (u64 p = 0; p < passes; p++) {
        int fd = plat_open_read(name);
        if (fd < 0) {
            return -1;
        }
        for (;;) {
            long n = plat_read(fd, big_buffer, BIG);
            calls++;
            if (n < 0) {
                plat_close(fd);
                return -1;
            }
            if (n == 0) {
                break;
            }
            bytes += (u64)n;
        }
        plat_close(fd);
    }
    u64 end = plat_now_ns();
    record(op, calls, bytes, end - start);
    return 0;
}

int io_bench_main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        return fail("usage: ONE_BYTE_WRITES BIG_WRITES READ_PASSES [ONLY_LOOP]");
    }
    only_loop = argc == 5 ? argv[4] : 0;
    u64 one_byte_writes = parse_count(argv[1]);
    u64 big_writes = parse_count(argv[2]);
    u64 read_passes = parse_count(argv[3]);
    for (u32 i = 0; i < BIG; i++) {
        big_buffer[i] = (unsigned char)('a' + i % 26);
    }
    if (selected("stdout-1B") && time_writes("stdout-1B", PLAT_STDOUT, 1, one_byte_writes)) {
        return fail("1-byte write to stdout failed");
    }
    if (selected("file-1B") && time_file_writes("file-1B", "out-1B.bin", 1, one_byte_writes)) {
        return fail("1-byte write to out-1B.bin failed");
    }
    if (selected("stdout-64KiB") && time_writes("stdout-64KiB", PLAT_STDOUT, BIG, big_writes)) {
        return fail("64 KiB write to stdout failed");
    }
    if (selected("file-64KiB") && time_file_writes("file-64KiB", "out-64KiB.bin", BIG, big_writes)) {
        return fail("64 KiB write to out-64KiB.bin failed");
    }
    if (selected("read-1MiB") && time_file_reads("read-1MiB", "in-1MiB.bin", read_passes)) {
        return fail("reading in-1MiB.bin failed");
    }
    if (plat_write(PLAT_STDERR, report, report_length) != (long)report_length) {
        return 1;
    }
    return 0;
}
