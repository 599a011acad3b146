package dev.keep.shim.image;

/**
 * A run of guest-physical pages with one role.
 *
 * @param address first guest-physical address (page aligned)
 * @param size bytes (page multiple)
 * @param role what the pages hold
 */
public record PhysicalRange(long address, long size, PageRole role) {

    public long end() {
        return address + size;
    }

    public boolean contains(long physicalAddress) {
        return physicalAddress >= address && physicalAddress - address < size;
    }
}
