/*
 * echo-tcp: a TCP echo server for Keep. It sends every byte a client sends straight back, to many
 * clients at once, from one thread, with an event loop over WASI poll_oneoff.
 *
 *   keep run --config samples/echo-tcp/Keep.toml samples/echo-tcp/echo-tcp.wasm [N]
 *
 * The listening socket is fd 3: Keep.toml's fourth [[files]] entry (kind = "listen"); the app never
 * opens sockets itself (WASI preview1 cannot). With N (1 to 1000000000) it stops accepting after N
 * connections and exits 0 once all N are closed, printing "echo-tcp: served N connections"; without
 * it, it serves forever. A bad argument is reported on stderr with exit status 2.
 *
 * Freestanding C: no libc (Debian's wasi-libc predates WASI sockets), so the WASI imports are
 * declared here from the wasi_snapshot_preview1 witx. Build with build.sh.
 */
#include <stddef.h>
#include <stdint.h>

/* ---- WASI preview1 ABI (wasi_snapshot_preview1 witx) ---- */

#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

typedef uint16_t errno_t_;

enum {
    ERRNO_SUCCESS = 0,
    ERRNO_AGAIN = 6,
    ERRNO_BADF = 8,
    ERRNO_INVAL = 28,
    ERRNO_NOSYS = 52,
    ERRNO_NOTSOCK = 57,
    ERRNO_NOTSUP = 58,
    ERRNO_NOTCAPABLE = 76,
};

enum { FDFLAGS_NONBLOCK = 4 };
enum { SDFLAGS_WR = 2 };
enum { EVENTTYPE_CLOCK = 0, EVENTTYPE_FD_READ = 1, EVENTTYPE_FD_WRITE = 2 };

typedef struct {
    uint8_t *buf;
    uint32_t len;
} iovec;

typedef struct {
    const uint8_t *buf;
    uint32_t len;
} ciovec;

/* 48 bytes: userdata, tag at 8, then the fd of an fd_read/fd_write subscription at 16. */
typedef struct {
    uint64_t userdata;
    uint8_t tag;
    union {
        struct {
            uint32_t fd;
        } fd_readwrite;
        struct {
            uint32_t id;
            uint64_t timeout;
            uint64_t precision;
            uint16_t flags;
        } clock;
    } u;
} subscription;

/* 32 bytes: userdata, error at 8, type at 10, bytes available at 16, flags at 24. */
typedef struct {
    uint64_t userdata;
    uint16_t error;
    uint8_t type;
    struct {
        uint64_t nbytes;
        uint16_t flags;
    } fd_readwrite;
} event;

_Static_assert(sizeof(subscription) == 48, "subscription layout");
_Static_assert(offsetof(subscription, tag) == 8, "subscription tag");
_Static_assert(offsetof(subscription, u.fd_readwrite.fd) == 16, "subscription fd");
_Static_assert(offsetof(subscription, u.clock.timeout) == 24, "subscription timeout");
_Static_assert(offsetof(subscription, u.clock.flags) == 40, "subscription clock flags");
_Static_assert(sizeof(event) == 32, "event layout");
_Static_assert(offsetof(event, error) == 8, "event error");
_Static_assert(offsetof(event, type) == 10, "event type");
_Static_assert(offsetof(event, fd_readwrite.nbytes) == 16, "event nbytes");
_Static_assert(offsetof(event, fd_readwrite.flags) == 24, "event flags");

WASI_IMPORT("args_sizes_get") errno_t_ wasi_args_sizes_get(uint32_t *argc, uint32_t *argv_buf_size);
WASI_IMPORT("args_get") errno_t_ wasi_args_get(uint8_t **argv, uint8_t *argv_buf);
WASI_IMPORT("fd_write") errno_t_ wasi_fd_write(uint32_t fd, const ciovec *iovs, uint32_t iovs_len, uint32_t *written);
WASI_IMPORT("fd_close") errno_t_ wasi_fd_close(uint32_t fd);
WASI_IMPORT("fd_fdstat_set_flags") errno_t_ wasi_fd_fdstat_set_flags(uint32_t fd, uint16_t flags);
WASI_IMPORT("poll_oneoff") errno_t_ wasi_poll_oneoff(const subscription *in, event *out, uint32_t nsubscriptions, uint32_t *nevents);
WASI_IMPORT("sock_accept") errno_t_ wasi_sock_accept(uint32_t fd, uint16_t flags, uint32_t *new_fd);
WASI_IMPORT("sock_recv") errno_t_ wasi_sock_recv(uint32_t fd, const iovec *ri_data, uint32_t ri_data_len, uint16_t ri_flags, uint32_t *ro_datalen, uint16_t *ro_flags);
WASI_IMPORT("sock_send") errno_t_ wasi_sock_send(uint32_t fd, const ciovec *si_data, uint32_t si_data_len, uint16_t si_flags, uint32_t *so_datalen);
WASI_IMPORT("sock_shutdown") errno_t_ wasi_sock_shutdown(uint32_t fd, uint8_t how);
WASI_IMPORT("proc_exit") _Noreturn void wasi_proc_exit(uint32_t status);

/* ---- Output helpers ---- */

static uint32_t length_of(const char *s) {
    uint32_t n = 0;
    while (s[n] != 0) {
        n++;
    }
    return n;
}

/* Writes all of s to fd; gives up quietly if the stream fails (there is nowhere to report it). */
static void write_all(uint32_t fd, const char *s, uint32_t len) {
    while (len > 0) {
        ciovec iov = {(const uint8_t *)s, len};
        uint32_t written = 0;
        if (wasi_fd_write(fd, &iov, 1, &written) != ERRNO_SUCCESS || written == 0) {
            return;
        }
        s += written;
        len -= written;
    }
}

static void say(uint32_t fd, const char *s) {
    write_all(fd, s, length_of(s));
}

static _Noreturn void die(uint32_t status, const char *message) {
    say(2, message);
    wasi_proc_exit(status);
}

/* Decimal text of value, into a buffer of at least 11 bytes; returns where the text starts. */
static char *decimal(uint32_t value, char *end_of_buffer) {
    char *p = end_of_buffer;
    *--p = 0;
    do {
        *--p = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    return p;
}

/* ---- Arguments ---- */

#define MAX_SERVED 1000000000u
#define USAGE "usage: echo-tcp [N]   (exit after serving N connections, 1 <= N <= 1000000000)\n"

static uint8_t arg_text[4096];
static uint8_t *arg_pointers[64];

/* N from the optional argument: 1..MAX_SERVED, or 0 (serve forever) when there is none. */
static uint32_t connections_to_serve(void) {
    uint32_t argc = 0, size = 0;
    if (wasi_args_sizes_get(&argc, &size) != ERRNO_SUCCESS) {
        die(2, "echo-tcp: cannot read the arguments\n");
    }
    if (argc > 2) {
        die(2, USAGE);
    }
    if (argc < 2) {
        return 0;
    }
    if (size > sizeof arg_text) {
        die(2, "echo-tcp: arguments too long\n");
    }
    if (wasi_args_get(arg_pointers, arg_text) != ERRNO_SUCCESS) {
        die(2, "echo-tcp: cannot read the arguments\n");
    }
    const uint8_t *digits = arg_pointers[1];
    uint32_t value = 0;
    if (digits[0] == 0) {
        die(2, "echo-tcp: N must be a whole number from 1 to 1000000000\n");
    }
    for (const uint8_t *p = digits; *p != 0; p++) {
        if (*p < '0' || *p > '9' || value > MAX_SERVED / 10) {
            die(2, "echo-tcp: N must be a whole number from 1 to 1000000000\n");
        }
        value = value * 10 + (uint32_t)(*p - '0');
    }
    if (value < 1 || value > MAX_SERVED) {
        die(2, "echo-tcp: N must be a whole number from 1 to 1000000000\n");
    }
    return value;
}

/* ---- Connections ---- */

#define LISTEN_FD 3u
#define MAX_CONNECTIONS 256
#define BUFFER_BYTES 16384
/* poll_oneoff userdata of the listener; connections use their slot number. */
#define LISTENER_USERDATA UINT64_MAX

/*
 * One client. Bytes [start, end) of its buffer were received and not yet sent back. The server
 * only receives into an empty buffer, so a client that does not read its echo cannot make the
 * server hold more than one buffer for it: TCP flow control pushes back on the client instead.
 */
typedef struct {
    int32_t fd; /* -1: the slot is free */
    uint32_t start;
    uint32_t end;
} connection;

static connection connections[MAX_CONNECTIONS];
static uint8_t buffers[MAX_CONNECTIONS][BUFFER_BYTES];
static subscription subscriptions[MAX_CONNECTIONS + 1];
static event events[MAX_CONNECTIONS + 1];

static uint32_t open_count;     /* connections open now */
static uint32_t accepted_count; /* connections accepted so far */
static uint32_t closed_count;   /* connections served and closed so far */
static uint32_t served_limit;   /* N, or 0 for no limit */
/* Whether the listener itself is non-blocking, so accepting until "again" cannot block. */
static int listener_nonblocking;

static void close_connection(connection *c, int orderly) {
    if (orderly) {
        /* Tell the client we are done writing; close alone would do too, this is just explicit. */
        wasi_sock_shutdown((uint32_t)c->fd, SDFLAGS_WR);
    }
    wasi_fd_close((uint32_t)c->fd);
    c->fd = -1;
    c->start = c->end = 0;
    open_count--;
    closed_count++;
}

/* Sends what is pending until it is all gone or the socket is full. Returns 0 if c was closed. */
static int flush(connection *c, uint8_t *buffer) {
    while (c->start < c->end) {
        ciovec iov = {buffer + c->start, c->end - c->start};
        uint32_t sent = 0;
        errno_t_ e = wasi_sock_send((uint32_t)c->fd, &iov, 1, 0, &sent);
        if (e == ERRNO_AGAIN) {
            return 1; /* full: poll for fd_write */
        }
        if (e != ERRNO_SUCCESS || sent == 0 || sent > c->end - c->start) {
            close_connection(c, 0);
            return 0;
        }
        c->start += sent;
    }
    c->start = c->end = 0;
    return 1;
}

/* Receives one buffer's worth and starts sending it back; closes the connection on end of stream. */
static void receive(connection *c, uint8_t *buffer) {
    iovec iov = {buffer, BUFFER_BYTES};
    uint32_t received = 0;
    uint16_t flags = 0;
    errno_t_ e = wasi_sock_recv((uint32_t)c->fd, &iov, 1, 0, &received, &flags);
    if (e == ERRNO_AGAIN) {
        return; /* readiness was stale; poll again */
    }
    if (e != ERRNO_SUCCESS || received > BUFFER_BYTES) {
        close_connection(c, 0);
        return;
    }
    if (received == 0) {
        close_connection(c, 1); /* end of stream, and nothing is pending */
        return;
    }
    c->start = 0;
    c->end = received;
    flush(c, buffer);
}

static int free_slot(void) {
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
        if (connections[i].fd < 0) {
            return i;
        }
    }
    return -1;
}

static int may_accept(void) {
    return open_count < MAX_CONNECTIONS && (served_limit == 0 || accepted_count < served_limit);
}

/*
 * Accepts the connections that are waiting: all of them when the listener is non-blocking ("again"
 * ends the burst), else the one poll_oneoff reported, since a second accept could block.
 */
static void accept_clients(void) {
    do {
        int slot = free_slot();
        if (slot < 0) {
            return;
        }
        uint32_t fd = 0;
        errno_t_ e = wasi_sock_accept(LISTEN_FD, FDFLAGS_NONBLOCK, &fd);
        if (e == ERRNO_AGAIN) {
            return;
        }
        if (e == ERRNO_BADF || e == ERRNO_NOTSOCK || e == ERRNO_INVAL || e == ERRNO_NOTSUP
            || e == ERRNO_NOSYS || e == ERRNO_NOTCAPABLE) {
            die(1, "echo-tcp: fd 3 does not accept connections; Keep.toml must make it kind = \"listen\"\n");
        }
        if (e != ERRNO_SUCCESS) {
            return; /* e.g. the client gave up before we accepted it, or no fds left: try later */
        }
        connection *c = &connections[slot];
        c->fd = (int32_t)fd;
        c->start = c->end = 0;
        open_count++;
        accepted_count++;
    } while (listener_nonblocking && may_accept());
}

/* Fills subscriptions for this round: the listener while a slot is free, each client's direction. */
static uint32_t subscribe(void) {
    uint32_t n = 0;
    if (may_accept()) {
        subscription *s = &subscriptions[n++];
        s->userdata = LISTENER_USERDATA;
        s->tag = EVENTTYPE_FD_READ;
        s->u.fd_readwrite.fd = LISTEN_FD;
    }
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
        connection *c = &connections[i];
        if (c->fd >= 0) {
            subscription *s = &subscriptions[n++];
            s->userdata = (uint64_t)i;
            s->tag = c->start < c->end ? EVENTTYPE_FD_WRITE : EVENTTYPE_FD_READ;
            s->u.fd_readwrite.fd = (uint32_t)c->fd;
        }
    }
    return n;
}

static void handle(const event *ev) {
    if (ev->userdata == LISTENER_USERDATA) {
        if (ev->error != ERRNO_SUCCESS) {
            die(1, "echo-tcp: polling the listener on fd 3 failed\n");
        }
        accept_clients();
        return;
    }
    if (ev->userdata >= MAX_CONNECTIONS) {
        return; /* not one of ours */
    }
    int slot = (int)ev->userdata;
    connection *c = &connections[slot];
    if (c->fd < 0) {
        return;
    }
    if (ev->error != ERRNO_SUCCESS) {
        close_connection(c, 0);
    } else if (ev->type == EVENTTYPE_FD_WRITE) {
        flush(c, buffers[slot]);
    } else if (ev->type == EVENTTYPE_FD_READ) {
        receive(c, buffers[slot]);
    }
}

void _start(void) {
    served_limit = connections_to_serve();
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
        connections[i].fd = -1;
    }
    errno_t_ e = wasi_fd_fdstat_set_flags(LISTEN_FD, FDFLAGS_NONBLOCK);
    if (e == ERRNO_BADF) {
        die(1, "echo-tcp: fd 3 is not open; Keep.toml's fourth [[files]] entry must be kind = \"listen\"\n");
    }
    listener_nonblocking = e == ERRNO_SUCCESS;
    say(1, "echo-tcp: listening on fd 3\n");

    while (served_limit == 0 || closed_count < served_limit) {
        uint32_t n = subscribe();
        uint32_t ready = 0;
        if (wasi_poll_oneoff(subscriptions, events, n, &ready) != ERRNO_SUCCESS || ready > n) {
            die(1, "echo-tcp: poll_oneoff failed\n");
        }
        for (uint32_t i = 0; i < ready; i++) {
            handle(&events[i]);
        }
    }
    char digits[12];
    say(1, "echo-tcp: served ");
    say(1, decimal(closed_count, digits + sizeof digits));
    say(1, " connections\n");
    wasi_proc_exit(0);
}
