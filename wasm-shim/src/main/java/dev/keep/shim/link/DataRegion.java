package dev.keep.shim.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The image's data region while it is being laid out: blocks are reserved at absolute keep
 * addresses (the region sits at a fixed virtual address, so records can point at each other and
 * code can name them as constants) and filled in later, when code addresses are known.
 */
final class DataRegion {
    private final long base;
    private byte[] bytes = new byte[4096];
    private int size;

    DataRegion(long base) {
        this.base = base;
    }

    /** Reserves {@code length} zero bytes aligned to {@code alignment}; returns their address. */
    long reserve(long length, int alignment) {
        long start = (size + alignment - 1) & -(long) alignment;
        long end = start + length;
        if (end > Integer.MAX_VALUE - 8) {
            throw new LinkException("the keep's data region would exceed 2 GiB");
        }
        if (end > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.max(end, 2L * bytes.length));
        }
        size = (int) end;
        return base + start;
    }

    /** Reserves room for {@code content} and copies it there. */
    long put(byte[] content, int alignment) {
        long address = reserve(content.length, alignment);
        putBytes(address, content);
        return address;
    }

    void putLong(long address, long value) {
        buffer().putLong(offset(address, 8), value);
    }

    void putInt(long address, int value) {
        buffer().putInt(offset(address, 4), value);
    }

    void putBytes(long address, byte[] content) {
        System.arraycopy(content, 0, bytes, offset(address, content.length), content.length);
    }

    private int offset(long address, int length) {
        long offset = address - base;
        if (offset < 0 || offset + length > size) {
            throw new IllegalStateException("write outside the reserved data region at 0x"
                    + Long.toHexString(address));
        }
        return (int) offset;
    }

    private ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes, 0, size).order(ByteOrder.LITTLE_ENDIAN);
    }

    int size() {
        return size;
    }

    byte[] bytes() {
        return Arrays.copyOf(bytes, size);
    }
}
