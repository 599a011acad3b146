package dev.keep.loader.invoke;

/**
 * An instance's linear memory as the host sees it. Accesses outside the memory throw a
 * {@link dev.keep.loader.KeepException} naming the range; they never reach outside it.
 */
public interface KeepMemory {
    /** WebAssembly pages are 64 KiB. */
    int PAGE_BYTES = 65536;

    /** Current size in pages. */
    int pages();

    /** Current size in bytes. */
    default long byteSize() {
        return (long) pages() * PAGE_BYTES;
    }

    byte[] read(int offset, int length);

    void write(int offset, byte[] bytes);

    /** Little-endian i32 at {@code offset}. */
    int readI32(int offset);

    void writeI32(int offset, int value);

    /** Little-endian i64 at {@code offset}. */
    long readI64(int offset);

    void writeI64(int offset, long value);
}
