package dev.keep.shim.image;

/**
 * The keep's GDT, in the Linux x86-64 layout. User selectors must be 0x33/0x2b: on PVM hosts a
 * native segment load at CPL3 consults the hypervisor's GDT, where only these two are usable user
 * descriptors, so any other layout breaks there (nested-kvm-notes.md section 1).
 */
public final class Gdt {
    private Gdt() {
    }

    public static final int KERNEL_CS = 0x10;
    public static final int KERNEL_DS = 0x18;
    public static final int USER_CS32 = 0x23;
    public static final int USER_DS = 0x2B;
    public static final int USER_CS = 0x33;
    /** A 16-byte system descriptor occupying slots 8 and 9. */
    public static final int TSS = 0x40;
    /** Ten 8-byte slots: null, unused 0x08, the five segments, unused 0x38, the TSS. */
    public static final int ENTRIES = 10;
    public static final int LIMIT = ENTRIES * 8 - 1;

    // Access-byte bits.
    static final int PRESENT = 0x80;
    static final int CODE_OR_DATA = 0x10;
    static final int TYPE_CODE_READ_ACCESSED = 0xB;
    static final int TYPE_DATA_WRITE_ACCESSED = 0x3;
    static final int TYPE_TSS_BUSY = 0xB;
    // Flag-nibble bits.
    static final int GRANULARITY_4K = 0x8;
    static final int DEFAULT_32 = 0x4;
    static final int LONG_MODE = 0x2;

    static void write(SystemArea area, long gdtAddress, long tssAddress, int tssLimit) {
        int code = PRESENT | CODE_OR_DATA | TYPE_CODE_READ_ACCESSED;
        int data = PRESENT | CODE_OR_DATA | TYPE_DATA_WRITE_ACCESSED;
        // The accessed bits are preset, so the CPU never writes the GDT when it loads a selector.
        area.putLong(gdtAddress + KERNEL_CS, flat(code, GRANULARITY_4K | LONG_MODE));
        area.putLong(gdtAddress + KERNEL_DS, flat(data, GRANULARITY_4K | DEFAULT_32));
        area.putLong(gdtAddress + (USER_CS32 & ~7), flat(code | dpl3(), GRANULARITY_4K | DEFAULT_32));
        area.putLong(gdtAddress + (USER_DS & ~7), flat(data | dpl3(), GRANULARITY_4K | DEFAULT_32));
        area.putLong(gdtAddress + (USER_CS & ~7), flat(code | dpl3(), GRANULARITY_4K | LONG_MODE));
        // The TSS descriptor says "busy": that is the state the host-loaded TR claims, as after ltr.
        long low = (tssLimit & 0xFFFFL)
                | (tssAddress & 0xFF_FFFFL) << 16
                | (long) (PRESENT | TYPE_TSS_BUSY) << 40
                | ((tssLimit >>> 16) & 0xFL) << 48
                | ((tssAddress >>> 24) & 0xFFL) << 56;
        area.putLong(gdtAddress + TSS, low);
        area.putLong(gdtAddress + TSS + 8, tssAddress >>> 32);
    }

    private static int dpl3() {
        return 3 << 5;
    }

    /** A base-0, limit-4GiB code or data descriptor. */
    private static long flat(int access, int flags) {
        return 0xFFFFL | (long) access << 40 | 0xFL << 48 | (long) flags << 52;
    }
}
