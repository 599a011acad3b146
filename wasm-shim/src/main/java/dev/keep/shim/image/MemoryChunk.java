package dev.keep.shim.image;

/**
 * Initial contents of one range of guest-physical memory; all memory outside chunks is zero.
 *
 * @param address guest-physical address of the first byte
 * @param bytes the contents (the record keeps its own copy)
 */
public record MemoryChunk(long address, byte[] bytes) {

    public MemoryChunk {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public long end() {
        return address + bytes.length;
    }

    /** Copies the overlap of this chunk and [from, from + out.length) into out. */
    void copyOverlap(long from, byte[] out) {
        long start = Math.max(from, address);
        long stop = Math.min(from + out.length, end());
        if (start < stop) {
            System.arraycopy(bytes, (int) (start - address), out, (int) (start - from),
                    (int) (stop - start));
        }
    }

    int length() {
        return bytes.length;
    }

    void feed(java.security.MessageDigest digest) {
        digest.update(bytes);
    }
}
