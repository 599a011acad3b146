package dev.keep.shim.image;

/**
 * Writes 4-level x86-64 page tables into the system area. Each mapping uses 2 MiB pages for every
 * 2 MiB-aligned, 2 MiB-long stretch (virtual and physical addresses congruent) and 4 KiB pages
 * for the rest. Intermediate entries allow everything (present, writable, user); the leaf alone
 * carries the access, so one place decides each page's permissions.
 *
 * <p>Under SEV-SNP the builder is given the C-bit: every table entry (the tables are private) and
 * every leaf of private memory carries it; a shared mapping's leaf does not. With no C-bit (a plain
 * keep) the entries are exactly the bare address and flags.
 */
final class PageTableBuilder {
    static final long PRESENT = 1L;
    static final long WRITABLE = 1L << 1;
    static final long USER = 1L << 2;
    static final long HUGE = 1L << 7;
    static final long NO_EXECUTE = 1L << 63;
    static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final long TABLE_FLAGS = PRESENT | WRITABLE | USER;

    private final SystemArea area;
    private final long root;
    private final long limit;
    /** The C-bit as a mask (1 << position), or 0 for a keep without memory encryption. */
    private final long encrypted;
    private long nextTable;

    PageTableBuilder(SystemArea area, long tablesAddress, long tablesSize) {
        this(area, tablesAddress, tablesSize, 0);
    }

    PageTableBuilder(SystemArea area, long tablesAddress, long tablesSize, long encryptedMask) {
        this.area = area;
        this.encrypted = encryptedMask;
        this.root = tablesAddress;
        this.limit = tablesAddress + tablesSize;
        this.nextTable = tablesAddress + KeepLayout.PAGE_SIZE;
    }

    /** Physical address of the PML4 (the CR3 value). */
    long root() {
        return root;
    }

    /** Page-table pages used so far, the PML4 included. */
    int tablesUsed() {
        return (int) ((nextTable - root) / KeepLayout.PAGE_SIZE);
    }

    void map(long virtualAddress, long physicalAddress, long size, Access access) {
        map(virtualAddress, physicalAddress, size, access, false);
    }

    /** Maps a range; {@code shared} leaves get no C-bit (the host sees them in clear). */
    void map(long virtualAddress, long physicalAddress, long size, Access access, boolean shared) {
        long cBit = shared ? 0 : encrypted;
        long offset = 0;
        while (offset < size) {
            long va = virtualAddress + offset;
            long pa = physicalAddress + offset;
            if (va % KeepLayout.HUGE_PAGE_SIZE == 0 && pa % KeepLayout.HUGE_PAGE_SIZE == 0
                    && size - offset >= KeepLayout.HUGE_PAGE_SIZE) {
                long pd = table(table(root, va, 39), va, 30);
                setLeaf(pd + slot(va, 21), pa | cBit | leafFlags(access) | HUGE, va);
                offset += KeepLayout.HUGE_PAGE_SIZE;
            } else {
                long pd = table(table(root, va, 39), va, 30);
                long pt = table(pd, va, 21);
                setLeaf(pt + slot(va, 12), pa | cBit | leafFlags(access), va);
                offset += KeepLayout.PAGE_SIZE;
            }
        }
    }

    static long leafFlags(Access access) {
        long flags = PRESENT;
        if (access.writable()) {
            flags |= WRITABLE;
        }
        if (access.user()) {
            flags |= USER;
        }
        if (!access.executable()) {
            flags |= NO_EXECUTE;
        }
        return flags;
    }

    /** The next-level table the entry for {@code va} at {@code shift} points to, made if absent. */
    private long table(long table, long va, int shift) {
        long entryAddress = table + slot(va, shift);
        long entry = area.getLong(entryAddress);
        if ((entry & PRESENT) != 0) {
            if ((entry & HUGE) != 0) {
                throw new IllegalStateException(String.format(
                        "%#x is already covered by a 2 MiB page", va));
            }
            return entry & ADDRESS_MASK & ~encrypted;
        }
        if (nextTable >= limit) {
            throw new IllegalArgumentException(
                    "the keep's layout needs more page tables than the page-table area holds");
        }
        long fresh = nextTable;
        nextTable += KeepLayout.PAGE_SIZE;
        area.putLong(entryAddress, fresh | encrypted | TABLE_FLAGS);
        return fresh;
    }

    private void setLeaf(long entryAddress, long entry, long va) {
        if ((area.getLong(entryAddress) & PRESENT) != 0) {
            throw new IllegalStateException(String.format("%#x is mapped twice", va));
        }
        area.putLong(entryAddress, entry);
    }

    private static long slot(long va, int shift) {
        return ((va >>> shift) & 511) * 8;
    }
}
