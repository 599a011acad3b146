package dev.keep.shim.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The keep's memory map: which role every guest-physical page has (ranges cover
 * [0, memorySize) without gaps) and the virtual address space including unmapped guards. The VMM
 * uses it to decide sharing (mailbox) and the SNP launch uses it to choose page types.
 */
public final class PageMap {
    private final long memorySize;
    private final List<PhysicalRange> physical;
    private final List<VirtualRegion> virtual;

    PageMap(long memorySize, List<PhysicalRange> physical, List<VirtualRegion> virtual) {
        this.memorySize = memorySize;
        this.physical = List.copyOf(physical);
        List<VirtualRegion> sorted = new ArrayList<>(virtual);
        sorted.sort(Comparator.comparingLong(VirtualRegion::address));
        this.virtual = List.copyOf(sorted);
        checkPhysicalCoverage();
        checkVirtualOverlap();
    }

    /** Total guest-physical memory, a multiple of 2 MiB. */
    public long memorySize() {
        return memorySize;
    }

    /** Physical ranges in address order, covering [0, memorySize). */
    public List<PhysicalRange> physicalRanges() {
        return physical;
    }

    /** Virtual regions in address order, mapped ones and unmapped guards. */
    public List<VirtualRegion> virtualRegions() {
        return virtual;
    }

    /** The role of the page holding {@code physicalAddress}. */
    public PageRole roleOf(long physicalAddress) {
        for (PhysicalRange range : physical) {
            if (range.contains(physicalAddress)) {
                return range.role();
            }
        }
        throw new IllegalArgumentException(String.format(
                "physical address %#x is outside the keep's %#x bytes", physicalAddress, memorySize));
    }

    /** The first virtual region with this role. */
    public VirtualRegion region(PageRole role) {
        for (VirtualRegion region : virtual) {
            if (region.role() == role) {
                return region;
            }
        }
        throw new IllegalArgumentException("the keep has no " + role + " region");
    }

    private void checkPhysicalCoverage() {
        long next = 0;
        for (PhysicalRange range : physical) {
            if (range.address() != next) {
                throw new IllegalStateException(String.format(
                        "physical map has a gap or overlap at %#x", next));
            }
            next = range.end();
        }
        if (next != memorySize) {
            throw new IllegalStateException("physical map ends before the memory size");
        }
    }

    private void checkVirtualOverlap() {
        for (int i = 1; i < virtual.size(); i++) {
            if (virtual.get(i).address() < virtual.get(i - 1).end()) {
                throw new IllegalStateException("virtual regions overlap: " + virtual.get(i - 1)
                        + " and " + virtual.get(i));
            }
        }
    }
}
