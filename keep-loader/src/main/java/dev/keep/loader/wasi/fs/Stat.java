package dev.keep.loader.wasi.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** fstat(2) into a {@link FileStat}; works on O_PATH descriptors too (Linux 3.6+). */
final class Stat {
    private Stat() {}

    static FileStat of(int fd, String pathForMessages) throws FsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(FsStructs.STAT);
            int result = FsNative.fstat(fd, stat);
            if (result < 0) {
                throw FsException.fromKernel("fstat", GuestPath.shown(pathForMessages), -result,
                        ErrnoMapping.Context.OPERATION);
            }
            return FileStat.from(stat);
        }
    }
}
