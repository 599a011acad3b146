package dev.keep.loader.wasi.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file opened beneath a {@link HostDirectory}: read, write and their positioned forms go
 * straight to read(2)/write(2)/pread64/pwrite64 on the descriptor. The {@link MemorySegment}
 * forms take native memory (for the kvm backend, a slice of the guest's mapped RAM, so data is
 * not copied through the Java heap); the byte-array forms copy through a temporary buffer.
 * Results are what the kernel returned: a short count is not an error.
 *
 * <p>A file opened for reading only is O_RDONLY at the kernel, so writes fail there (badf).
 */
public final class HostFile implements AutoCloseable {
    private final int fd;
    private final String path;
    private final AtomicBoolean closed = new AtomicBoolean();

    HostFile(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    /** The guest path it was opened by, for messages. */
    public String path() {
        return path;
    }

    public long read(MemorySegment buffer) throws FsException {
        return transfer("read", buffer, -1, false);
    }

    public long write(MemorySegment buffer) throws FsException {
        return transfer("write", buffer, -1, true);
    }

    public long pread(MemorySegment buffer, long offset) throws FsException {
        return transfer("pread", buffer, checkOffset(offset), false);
    }

    public long pwrite(MemorySegment buffer, long offset) throws FsException {
        return transfer("pwrite", buffer, checkOffset(offset), true);
    }

    /** Reads up to {@code buffer.length} bytes; returns the count, 0 at end of file. */
    public int read(byte[] buffer) throws FsException {
        return copyIn(buffer, -1);
    }

    public int pread(byte[] buffer, long offset) throws FsException {
        return copyIn(buffer, checkOffset(offset));
    }

    public int write(byte[] data) throws FsException {
        return copyOut(data, -1);
    }

    public int pwrite(byte[] data, long offset) throws FsException {
        return copyOut(data, checkOffset(offset));
    }

    /** Changes the file's size: ftruncate(2) (a file opened read-only answers badf or inval). */
    public void setSize(long size) throws FsException {
        checked(FsNative.ftruncate(liveFd(), checkOffset(size)), "ftruncate");
    }

    /** Sets access and modification times (see {@link FileTimes} for the flags). */
    public void setTimes(long atim, long mtim, int fstflags) throws FsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment times = FileTimes.timespecs(arena, atim, mtim, fstflags);
            checked(FsNative.futimens(liveFd(), times), "futimens");
        }
    }

    private void checked(int result, String call) throws FsException {
        if (result < 0) {
            throw FsException.fromKernel(call, GuestPath.shown(path), -result,
                    ErrnoMapping.Context.OPERATION);
        }
    }

    /** Flushes the file to stable storage: fsync(2), or fdatasync(2) when {@code dataOnly}. */
    public void sync(boolean dataOnly) throws FsException {
        int result;
        do {
            result = FsNative.sync(liveFd(), dataOnly);
        } while (result == -FsConstants.EINTR);
        if (result < 0) {
            throw FsException.fromKernel(dataOnly ? "fdatasync" : "fsync", GuestPath.shown(path),
                    -result, ErrnoMapping.Context.OPERATION);
        }
    }

    public FileStat stat() throws FsException {
        return Stat.of(liveFd(), path);
    }

    private int copyIn(byte[] buffer, long offset) throws FsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment native_ = arena.allocate(Math.max(1, buffer.length));
            int count = (int) transfer(offset < 0 ? "read" : "pread",
                    native_.asSlice(0, buffer.length), offset, false);
            MemorySegment.copy(native_, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, buffer, 0, count);
            return count;
        }
    }

    private int copyOut(byte[] data, long offset) throws FsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment native_ = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, native_, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
                    data.length);
            return (int) transfer(offset < 0 ? "write" : "pwrite",
                    native_.asSlice(0, data.length), offset, true);
        }
    }

    private long transfer(String call, MemorySegment buffer, long offset, boolean writing)
            throws FsException {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException(call + " needs a native memory segment");
        }
        int live = liveFd();
        long result;
        do {
            if (offset < 0) {
                result = writing ? FsNative.write(live, buffer) : FsNative.read(live, buffer);
            } else {
                result = writing ? FsNative.pwrite(live, buffer, offset)
                        : FsNative.pread(live, buffer, offset);
            }
        } while (result == -FsConstants.EINTR);
        if (result < 0) {
            throw FsException.fromKernel(call, GuestPath.shown(path), (int) -result,
                    ErrnoMapping.Context.OPERATION);
        }
        return result;
    }

    private static long checkOffset(long offset) throws FsException {
        if (offset < 0) {
            // WASI offsets are u64; above 2^63 they arrive negative here and the kernel would refuse.
            throw FsException.refused(WasiErrno.INVAL, "file offset " + Long.toUnsignedString(offset)
                    + " is beyond 2^63-1");
        }
        return offset;
    }

    private int liveFd() throws FsException {
        if (closed.get()) {
            throw FsException.refused(WasiErrno.BADF, "file " + GuestPath.shown(path) + " is closed");
        }
        return fd;
    }

    /** Closes the descriptor once; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FsNative.close(fd);
        }
    }
}
