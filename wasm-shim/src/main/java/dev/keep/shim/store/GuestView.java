package dev.keep.shim.store;

import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.VirtualRegion;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The host's view of a keep's memory by guest-virtual address: each user region of the image
 * (code, data, stack, linear memory) is translated to its place in the guest-physical memory the
 * host maps. An access must lie inside one region; anything else is a bug of the host and throws.
 */
public final class GuestView {
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment physical;
    private final List<VirtualRegion> regions;

    /** @param physical all of the keep's guest-physical memory (offset = guest-physical address) */
    public GuestView(MemorySegment physical, KeepImage image) {
        if (physical.byteSize() != image.memorySize()) {
            throw new IllegalArgumentException(String.format(
                    "guest memory is %#x bytes, the keep image has %#x", physical.byteSize(), image.memorySize()));
        }
        this.physical = physical;
        this.regions = image.pageMap().virtualRegions().stream()
                .filter(r -> r.mapped() && r.access().user()).toList();
    }

    /** The {@code length} bytes at guest-virtual {@code address}, as host memory. */
    public MemorySegment at(long address, long length) {
        for (VirtualRegion r : regions) {
            if (r.contains(address)) {
                if (length < 0 || length > r.end() - address) {
                    throw new IllegalArgumentException(String.format(
                            "%d bytes at %#x run past the end of the keep region at %#x", length, address, r.address()));
                }
                return physical.asSlice(r.physicalAddress() + (address - r.address()), length);
            }
        }
        throw new IllegalArgumentException(String.format("%#x is in no user region of the keep", address));
    }

    public long getLong(long address) {
        return at(address, 8).get(U64, 0);
    }

    public void putLong(long address, long value) {
        at(address, 8).set(U64, 0, value);
    }

    public void put(long address, byte[] bytes) {
        MemorySegment.copy(bytes, 0, at(address, bytes.length), ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    public byte[] get(long address, int length) {
        return at(address, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
