package dev.keep.shim.image;

/**
 * One range of the keep's virtual address space: mapped to physical memory with an access, or an
 * unmapped guard/reservation ({@link Access#NONE}, physical address -1).
 *
 * @param address first virtual address (page aligned)
 * @param size bytes (page multiple)
 * @param physicalAddress guest-physical address backing {@code address}, or -1 when unmapped
 * @param role what the range holds
 * @param access permissions of the mapping
 */
public record VirtualRegion(long address, long size, long physicalAddress, PageRole role,
        Access access) {

    public VirtualRegion {
        if (address % KeepLayout.PAGE_SIZE != 0 || size <= 0 || size % KeepLayout.PAGE_SIZE != 0) {
            throw new IllegalArgumentException(String.format(
                    "region %s at %#x size %#x is not page aligned", role, address, size));
        }
        if ((access == Access.NONE) != (physicalAddress == -1)) {
            throw new IllegalArgumentException("region " + role
                    + ": unmapped regions have no physical address and mapped ones have one");
        }
    }

    public boolean mapped() {
        return access != Access.NONE;
    }

    public long end() {
        return address + size;
    }

    public boolean contains(long virtualAddress) {
        return virtualAddress >= address && virtualAddress - address < size;
    }
}
