package dev.keep.loader.nil;

import com.dylibso.chicory.runtime.Memory;

/**
 * The app's linear memory as the WASI functions see it: pointers and lengths are the app's u32
 * values, and a range is usable only when it ends within the memory's current size (64-bit sums,
 * so nothing wraps), the same check the keep's runtime makes before it touches memory. Chicory's
 * memories stay below 2 GiB (RUNTIME_MAX_PAGES), so a checked address always fits its int API.
 */
final class GuestMemory {
    private final Memory memory;
    private final long size;

    /** The memory as it is now; a call that grows memory cannot happen during a WASI call. */
    GuestMemory(Memory memory) {
        this.memory = memory;
        this.size = memory == null ? 0 : (long) memory.pages() * Memory.PAGE_SIZE;
    }

    /** The app's i32 argument as the unsigned value WASI means. */
    static long u32(long arg) {
        return arg & 0xFFFF_FFFFL;
    }

    /** Whether {@code [pointer, pointer + length)} lies in memory. */
    boolean contains(long pointer, long length) {
        return pointer + length <= size;
    }

    byte[] read(long pointer, long length) {
        return memory.readBytes((int) pointer, (int) length);
    }

    void write(long pointer, byte[] bytes, int offset, int length) {
        if (length > 0) {
            memory.write((int) pointer, bytes, offset, length);
        }
    }

    long readU32(long pointer) {
        return u32(memory.readInt((int) pointer));
    }

    void writeU32(long pointer, long value) {
        memory.writeI32((int) pointer, (int) value);
    }

    long readU64(long pointer) {
        return memory.readLong((int) pointer);
    }

    void writeU64(long pointer, long value) {
        memory.writeLong((int) pointer, value);
    }

    /**
     * Whether the iovec array at {@code iovecs} ({@code count} entries of 8 bytes: buffer, length)
     * and every buffer it names lie in memory.
     */
    boolean containsIovecs(long iovecs, long count) {
        if (!contains(iovecs, 8 * count)) {
            return false;
        }
        for (long i = 0; i < count; i++) {
            if (!contains(readU32(iovecs + 8 * i), readU32(iovecs + 8 * i + 4))) {
                return false;
            }
        }
        return true;
    }
}
