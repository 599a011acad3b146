package dev.keep.loader.wasi.fs;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.lang.foreign.MemoryLayout.PathElement;

/**
 * What fstat(2) reports about a file, in the shape of WASI's {@code filestat}: times in
 * nanoseconds since the epoch, plus the raw mode bits for callers that need permissions.
 */
public record FileStat(long device, long inode, FileType type, long linkCount, long size,
        long accessTimeNanos, long modifyTimeNanos, long changeTimeNanos, int mode) {

    private static VarHandle field(String... path) {
        PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = PathElement.groupElement(path[i]);
        }
        return FsStructs.STAT.varHandle(elements);
    }

    private static final VarHandle DEV = field("st_dev");
    private static final VarHandle INO = field("st_ino");
    private static final VarHandle NLINK = field("st_nlink");
    private static final VarHandle MODE = field("st_mode");
    private static final VarHandle SIZE = field("st_size");
    private static final VarHandle ATIM_SEC = field("st_atim", "tv_sec");
    private static final VarHandle ATIM_NSEC = field("st_atim", "tv_nsec");
    private static final VarHandle MTIM_SEC = field("st_mtim", "tv_sec");
    private static final VarHandle MTIM_NSEC = field("st_mtim", "tv_nsec");
    private static final VarHandle CTIM_SEC = field("st_ctim", "tv_sec");
    private static final VarHandle CTIM_NSEC = field("st_ctim", "tv_nsec");

    static FileStat from(MemorySegment stat) {
        int mode = (int) MODE.get(stat, 0L);
        return new FileStat((long) DEV.get(stat, 0L), (long) INO.get(stat, 0L),
                FileType.fromMode(mode), (long) NLINK.get(stat, 0L), (long) SIZE.get(stat, 0L),
                nanos((long) ATIM_SEC.get(stat, 0L), (long) ATIM_NSEC.get(stat, 0L)),
                nanos((long) MTIM_SEC.get(stat, 0L), (long) MTIM_NSEC.get(stat, 0L)),
                nanos((long) CTIM_SEC.get(stat, 0L), (long) CTIM_NSEC.get(stat, 0L)), mode);
    }

    /** WASI timestamps are u64 nanoseconds; times before 1970 clamp to 0, far future saturates. */
    private static long nanos(long seconds, long nanoseconds) {
        if (seconds < 0) {
            return 0;
        }
        try {
            return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanoseconds);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
