package dev.keep.shim.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * A keep ready to launch: the initial guest-physical memory (chunks; everything else zero), the
 * page map and the entry state. A pure function of the {@link KeepImageBuilder}'s inputs, so the
 * same inputs give the same bytes and the same {@link #digest()}.
 */
public final class KeepImage {
    private final long memorySize;
    private final List<MemoryChunk> chunks;
    private final PageMap pageMap;
    private final EntryState entryState;
    private final FaultStubs.Assembled stubs;
    private final Optional<SnpKeep> snp;

    KeepImage(long memorySize, List<MemoryChunk> chunks, PageMap pageMap, EntryState entryState,
            FaultStubs.Assembled stubs, Optional<SnpKeep> snp) {
        this.snp = snp;
        this.memorySize = memorySize;
        this.chunks = List.copyOf(chunks);
        this.pageMap = pageMap;
        this.entryState = entryState;
        this.stubs = stubs;
    }

    public static KeepImageBuilder builder() {
        return new KeepImageBuilder();
    }

    /** Guest-physical memory the keep needs, a multiple of 2 MiB. */
    public long memorySize() {
        return memorySize;
    }

    /** The non-zero initial memory, in address order, non-overlapping. */
    public List<MemoryChunk> chunks() {
        return chunks;
    }

    public PageMap pageMap() {
        return pageMap;
    }

    public EntryState entryState() {
        return entryState;
    }

    /** Length in bytes of the ring-0 stub code at {@link KeepLayout#STUBS_ADDRESS}. */
    public int ring0StubsLength() {
        return stubs.code().length;
    }

    /** Entry address of each exception vector's stub (index = vector). */
    public long[] ring0StubEntries() {
        return stubs.entries();
    }

    /** The SEV-SNP parts, present when the image was built with {@link KeepImageBuilder#snp}. */
    public Optional<SnpKeep> snp() {
        return snp;
    }

    /** {@code length} bytes of initial guest-physical memory from {@code address}. */
    public byte[] read(long address, int length) {
        if (address < 0 || length < 0 || address + length > memorySize) {
            throw new IllegalArgumentException(String.format(
                    "read of %d bytes at %#x is outside the keep's %#x bytes", length, address,
                    memorySize));
        }
        byte[] out = new byte[length];
        for (MemoryChunk chunk : chunks) {
            chunk.copyOverlap(address, out);
        }
        return out;
    }

    /** Little-endian u64 of initial memory at {@code address}. */
    public long readLong(long address) {
        return ByteBuffer.wrap(read(address, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * SHA-256 over the memory size, every chunk (address, length, bytes) and the entry state, for
     * caching and determinism checks. (The SEV-SNP launch digest is computed by sev-backend.)
     */
    public byte[] digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            sha.update(header.putLong(memorySize).array());
            for (MemoryChunk chunk : chunks) {
                ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                sha.update(b.putLong(chunk.address()).putLong(chunk.length()).array());
                chunk.feed(sha);
            }
            sha.update(entryState.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
