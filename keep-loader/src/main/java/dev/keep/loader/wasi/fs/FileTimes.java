package dev.keep.loader.wasi.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * WASI's (atim, mtim, fstflags) as the two struct timespec utimensat(2) takes: each time is set
 * to the given nanoseconds (ATIM / MTIM), to now (ATIM_NOW / MTIM_NOW), or left alone.
 */
final class FileTimes {
    static final int ATIM = 1;
    static final int ATIM_NOW = 2;
    static final int MTIM = 4;
    static final int MTIM_NOW = 8;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final long NANOS = 1_000_000_000L;

    private FileTimes() {
    }

    /** The timespec pair, allocated in {@code arena}; inval for unknown or conflicting flags. */
    static MemorySegment timespecs(Arena arena, long atim, long mtim, int flags) throws FsException {
        if ((flags & ~(ATIM | ATIM_NOW | MTIM | MTIM_NOW)) != 0
                || (flags & (ATIM | ATIM_NOW)) == (ATIM | ATIM_NOW)
                || (flags & (MTIM | MTIM_NOW)) == (MTIM | MTIM_NOW)) {
            throw FsException.refused(WasiErrno.INVAL, "fstflags 0x" + Integer.toHexString(flags)
                    + " are unknown or set a time both ways");
        }
        MemorySegment times = arena.allocate(32, 8);
        put(times, 0, atim, (flags & ATIM) != 0, (flags & ATIM_NOW) != 0);
        put(times, 16, mtim, (flags & MTIM) != 0, (flags & MTIM_NOW) != 0);
        return times;
    }

    /** WASI times are u64 nanoseconds; above 2^63 they arrive negative and are refused. */
    private static void put(MemorySegment times, long at, long nanos, boolean set, boolean now)
            throws FsException {
        if (set && nanos < 0) {
            throw FsException.refused(WasiErrno.INVAL, "timestamp beyond 2^63 ns");
        }
        times.set(ValueLayout.JAVA_LONG, at, set ? nanos / NANOS : 0);
        times.set(ValueLayout.JAVA_LONG, at + 8, set ? nanos % NANOS : now ? UTIME_NOW : UTIME_OMIT);
    }
}
