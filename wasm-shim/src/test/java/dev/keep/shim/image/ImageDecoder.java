package dev.keep.shim.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a built image back the way the CPU would: walks the 4-level page tables from CR3 and
 * decodes GDT, IDT and TSS from the image bytes. Written independently of the builder (raw bit
 * positions from the SDM/APM), so a builder bug cannot hide behind shared helpers. For an SEV-SNP
 * image the decoder is told the C-bit position, strips it from every address it follows and
 * reports where it was set.
 */
final class ImageDecoder {
    private static final long ADDRESS_BITS = 0x000F_FFFF_FFFF_F000L;

    private final KeepImage image;
    /** Address bits of an entry: bits 12..51 without the C-bit. */
    private final long addressMask;
    private final long cBit;

    ImageDecoder(KeepImage image) {
        this.image = image;
        this.cBit = 0;
        this.addressMask = ADDRESS_BITS;
    }

    /** A decoder for an image whose page tables use the C-bit at {@code cBitPosition}. */
    ImageDecoder(KeepImage image, int cBitPosition) {
        this.image = image;
        this.cBit = 1L << cBitPosition;
        this.addressMask = ADDRESS_BITS & ~cBit;
    }

    /** The effective mapping of one virtual address, combining all four levels. */
    record Translation(boolean present, long physical, boolean user, boolean writable,
            boolean executable, long pageSize, boolean encrypted) {
        static final Translation ABSENT = new Translation(false, -1, false, false, false, 0, false);
    }

    /** One leaf mapping found in the page-table tree; {@code encrypted}: its C-bit is set. */
    record Leaf(long virtualAddress, long physical, long size, boolean user, boolean writable,
            boolean executable, boolean encrypted) {
    }

    /** A present non-leaf entry: the table it points to and whether it carries the C-bit. */
    record TableEntry(long entryAddress, long table, boolean encrypted) {
    }

    Translation walk(long va) {
        long table = image.entryState().cr3() & addressMask;
        boolean user = true;
        boolean writable = true;
        boolean executable = true;
        int[] shifts = {39, 30, 21, 12};
        for (int level = 0; level < 4; level++) {
            long entry = image.readLong(table + ((va >>> shifts[level]) & 511) * 8);
            if ((entry & 1) == 0) {
                return Translation.ABSENT;
            }
            user &= (entry & 4) != 0;
            writable &= (entry & 2) != 0;
            executable &= entry >= 0;  // bit 63 = NX
            long address = entry & addressMask;
            boolean huge = (entry & 0x80) != 0;
            if (huge && level == 1) {
                throw new AssertionError("unexpected 1 GiB page at " + Long.toHexString(va));
            }
            if (huge && level == 2 || level == 3) {
                long size = 1L << shifts[level];
                if ((address & (size - 1)) != 0) {
                    throw new AssertionError("misaligned leaf at " + Long.toHexString(va));
                }
                return new Translation(true, address + (va & (size - 1)), user, writable,
                        executable, size, (entry & cBit) != 0);
            }
            table = address;
        }
        throw new AssertionError("unreachable");
    }

    /** Every page-table page reachable from CR3. */
    List<Long> tablePages() {
        List<Long> pages = new ArrayList<>();
        collectTables(image.entryState().cr3() & addressMask, 0, pages, new ArrayList<>());
        return pages;
    }

    /** Every present entry that points to a further table (PML4, PDPT and PD levels). */
    List<TableEntry> tableEntries() {
        List<TableEntry> entries = new ArrayList<>();
        collectTables(image.entryState().cr3() & addressMask, 0, new ArrayList<>(), entries);
        return entries;
    }

    private void collectTables(long table, int level, List<Long> out, List<TableEntry> entries) {
        out.add(table);
        if (level == 3) {
            return;
        }
        for (int i = 0; i < 512; i++) {
            long entry = image.readLong(table + i * 8L);
            if ((entry & 1) != 0 && !(level == 2 && (entry & 0x80) != 0)) {
                entries.add(new TableEntry(table + i * 8L, entry & addressMask,
                        (entry & cBit) != 0));
                collectTables(entry & addressMask, level + 1, out, entries);
            }
        }
    }

    /** Every leaf mapping in the tree, in virtual-address order. */
    List<Leaf> leaves() {
        List<Leaf> out = new ArrayList<>();
        collectLeaves(image.entryState().cr3() & addressMask, 0, 0, true, true, true, out);
        return out;
    }

    private void collectLeaves(long table, int level, long base, boolean user, boolean writable,
            boolean executable, List<Leaf> out) {
        int shift = 39 - 9 * level;
        for (int i = 0; i < 512; i++) {
            long entry = image.readLong(table + i * 8L);
            if ((entry & 1) == 0) {
                continue;
            }
            long va = base | ((long) i << shift);
            boolean u = user && (entry & 4) != 0;
            boolean w = writable && (entry & 2) != 0;
            boolean x = executable && entry >= 0;
            long address = entry & addressMask;
            if (level == 3 || (level == 2 && (entry & 0x80) != 0)) {
                out.add(new Leaf(va, address, 1L << shift, u, w, x, (entry & cBit) != 0));
            } else {
                collectLeaves(address, level + 1, va, u, w, x, out);
            }
        }
    }

    /** A decoded 8-byte code/data descriptor. */
    record Descriptor(long base, long limit, int type, boolean codeOrData, int dpl,
            boolean present, boolean longMode, boolean defaultBig, boolean granularity) {
    }

    Descriptor descriptor(int selector) {
        long gdt = image.entryState().gdtr().base();
        long d = image.readLong(gdt + (selector & ~7));
        int access = (int) (d >>> 40) & 0xFF;
        int flags = (int) (d >>> 52) & 0xF;
        long limit = (d & 0xFFFF) | ((d >>> 48) & 0xF) << 16;
        long base = ((d >>> 16) & 0xFF_FFFF) | ((d >>> 56) & 0xFF) << 24;
        return new Descriptor(base, limit, access & 0xF, (access & 0x10) != 0, (access >>> 5) & 3,
                (access & 0x80) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0);
    }

    /** The 16-byte TSS descriptor at {@code selector}: base including bits 32..63. */
    Descriptor systemDescriptor(int selector) {
        Descriptor low = descriptor(selector);
        long high = image.readLong(image.entryState().gdtr().base() + (selector & ~7) + 8);
        return new Descriptor(low.base() | (high & 0xFFFF_FFFFL) << 32, low.limit(), low.type(),
                low.codeOrData(), low.dpl(), low.present(), low.longMode(), low.defaultBig(),
                low.granularity());
    }

    /** A decoded 64-bit IDT gate. */
    record Gate(long target, int selector, int ist, int type, int dpl, boolean present) {
    }

    Gate gate(int vector) {
        long at = image.entryState().idtr().base() + vector * 16L;
        long low = image.readLong(at);
        long high = image.readLong(at + 8);
        long target = (low & 0xFFFF) | ((low >>> 48) & 0xFFFF) << 16 | (high & 0xFFFF_FFFFL) << 32;
        int attributes = (int) (low >>> 40) & 0xFF;
        return new Gate(target, (int) (low >>> 16) & 0xFFFF, (int) (low >>> 32) & 7,
                attributes & 0xF, (attributes >>> 5) & 3, (attributes & 0x80) != 0);
    }

    /** A 64-bit field of the TSS at {@code offset} (RSP0 at 4, IST1 at 0x24, IST2 at 0x2C...). */
    long tssQword(int offset) {
        return image.readLong(image.entryState().tr().base() + offset);
    }

    /** Whether the TSS I/O bitmap lets ring 3 access a one-byte {@code port}. */
    boolean portAllowed(int port) {
        long tss = image.entryState().tr().base();
        int bitmapBase = (int) ((image.readLong(tss + 0x60) >>> 48) & 0xFFFF);
        long byteAddress = tss + bitmapBase + port / 8;
        if (byteAddress - tss > image.entryState().tr().limit()) {
            return false;
        }
        return (image.read(byteAddress, 1)[0] >>> (port % 8) & 1) == 0;
    }
}
