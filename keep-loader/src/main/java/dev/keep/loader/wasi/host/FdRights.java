package dev.keep.loader.wasi.host;

/**
 * The WASI rights of one descriptor (fd_fdstat_get reports them). They start as everything its
 * kind supports, as in wasmtime, and only ever narrow: fd_fdstat_set_rights may drop rights, never
 * add one. The keep checks the few rights an app can drop to a visible effect (reading, writing,
 * truncating by path); the rest stay informational, as POSIX has no counterpart for them.
 */
final class FdRights {
    // Bit positions of witx's rights (wasi_snapshot_preview1 typenames.witx).
    static final long FD_DATASYNC = 1L;
    static final long FD_READ = 1L << 1;
    static final long FD_SEEK = 1L << 2;
    static final long FD_FDSTAT_SET_FLAGS = 1L << 3;
    static final long FD_SYNC = 1L << 4;
    static final long FD_TELL = 1L << 5;
    static final long FD_WRITE = 1L << 6;
    static final long FD_ADVISE = 1L << 7;
    static final long FD_ALLOCATE = 1L << 8;
    static final long PATH_FILESTAT_SET_SIZE = 1L << 19;
    static final long FD_FILESTAT_GET = 1L << 21;
    static final long FD_FILESTAT_SET_SIZE = 1L << 22;
    static final long FD_FILESTAT_SET_TIMES = 1L << 23;
    static final long POLL_FD_READWRITE = 1L << 27;
    static final long SOCK_SHUTDOWN = 1L << 28;
    static final long SOCK_ACCEPT = 1L << 29;

    /** What a regular file supports. */
    static final long FILE = FD_DATASYNC | FD_READ | FD_SEEK | FD_FDSTAT_SET_FLAGS | FD_SYNC
            | FD_TELL | FD_WRITE | FD_ADVISE | FD_ALLOCATE | FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE
            | FD_FILESTAT_SET_TIMES | POLL_FD_READWRITE;
    /**
     * What a directory supports: the path rights (bits 9 to 20), fd_readdir, its own stat and
     * times, symlink, rmdir and unlink (24 to 26); not fd_filestat_set_size, which only files have.
     */
    static final long DIRECTORY = (((1L << 21) - 1) & ~((1L << 9) - 1)) | FD_FILESTAT_GET
            | FD_FILESTAT_SET_TIMES | (1L << 24) | (1L << 25) | (1L << 26);
    /** What a directory hands down to what is opened beneath it. */
    static final long DIRECTORY_INHERITING = DIRECTORY | FILE;
    /** A standard stream: no seek or tell (wasi-libc's isatty looks for exactly that). */
    static final long STREAM = FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET
            | POLL_FD_READWRITE;

    /** A connected stream socket: read, write, poll, shutdown, its flags and its stat. */
    static final long SOCKET_STREAM = FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET
            | POLL_FD_READWRITE | SOCK_SHUTDOWN;
    /**
     * A listening socket: accept, poll (readable when a connection waits), its flags and stat;
     * fd_read and shutdown too, which the kernel answers (notconn) as on any host.
     */
    static final long SOCKET_LISTENER = FD_READ | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET
            | POLL_FD_READWRITE | SOCK_SHUTDOWN | SOCK_ACCEPT;

    private long base;
    private long inheriting;

    FdRights(long base, long inheriting) {
        this.base = base;
        this.inheriting = inheriting;
    }

    static FdRights ofDirectory() {
        return new FdRights(DIRECTORY, DIRECTORY_INHERITING);
    }

    long base() {
        return base;
    }

    long inheriting() {
        return inheriting;
    }

    boolean has(long right) {
        return (base & right) == right;
    }

    /** Narrows to the given sets; false (and nothing changes) when either would gain a right. */
    boolean narrowTo(long newBase, long newInheriting) {
        if ((newBase & ~base) != 0 || (newInheriting & ~inheriting) != 0) {
            return false;
        }
        base = newBase;
        inheriting = newInheriting;
        return true;
    }
}
