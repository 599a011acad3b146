package dev.keep.loader.nil;

import java.io.IOException;
import java.io.OutputStream;

/**
 * fd_write on fd 1 and 2, which the keep serves itself (its WRITE hostcall) rather than through
 * the host's fd table: every byte goes out, however many. As in the keep, the nwritten pointer,
 * the iovec array and every buffer are checked first ({@code fault}, nothing written), and a total
 * of 4 GiB or more is {@code inval}. A failure before any byte went out is its errno; after that
 * the bytes so far are reported as success.
 */
final class StdioWrite {
    static final long FD_STDOUT = 1;
    static final long FD_STDERR = 2;
    private static final long ERRNO_INVAL = 28;
    private static final long ERRNO_IO = 29;

    private final OutputStream stdout;
    private final OutputStream stderr;

    StdioWrite(OutputStream stdout, OutputStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static boolean serves(long fd) {
        return fd == FD_STDOUT || fd == FD_STDERR;
    }

    long apply(GuestMemory memory, long fd, long iovecs, long count, long nwritten) {
        if (!memory.contains(nwritten, 4) || !memory.containsIovecs(iovecs, count)) {
            return KeepWasiFunctions.ERRNO_FAULT;
        }
        long total = 0;
        for (long i = 0; i < count; i++) {
            total += memory.readU32(iovecs + 8 * i + 4);
        }
        if (total >>> 32 != 0) {
            return ERRNO_INVAL;
        }
        OutputStream sink = fd == FD_STDOUT ? stdout : stderr;
        long written = 0;
        for (long i = 0; i < count; i++) {
            byte[] bytes = memory.read(memory.readU32(iovecs + 8 * i),
                    memory.readU32(iovecs + 8 * i + 4));
            try {
                sink.write(bytes);
                sink.flush();
            } catch (IOException e) {
                if (written == 0) {
                    return ERRNO_IO;
                }
                break;
            }
            written += bytes.length;
        }
        memory.writeU32(nwritten, written);
        return 0;
    }
}
